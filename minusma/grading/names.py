"""Safe names and cells: student text never becomes a path, a formula or markup.

Student ids and names come from files students hand in, so the grader treats
them as untrusted text:

* a file name is never the raw id: :func:`safe_file_stem` keeps only
  ``[A-Za-z0-9_-]`` and adds a short hash of the raw id, so ``../../x``,
  ``a/b`` and ids that differ only in case (which collide on macOS and
  Windows file systems) all get distinct, harmless names;
* a CSV cell that a spreadsheet would run as a formula (text starting with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with ``'``
  (:func:`csv_text`), the usual defence against CSV injection;
* HTML escaping is done where the HTML is written (``html.escape``), not here.

It also holds the two small formatting rules every output shares, so that
numbers read the same in every file.
"""
from __future__ import annotations

import hashlib
import re

#: Points are rounded to this many decimals per question; totals add the rounded values.
POINT_DECIMALS = 2

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PSEUDONYM_SALT = "minusma-grading/pseudonym/1\x1f"


def _digest(text: str, n: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def safe_file_stem(student_id: str) -> str:
    """A file-name stem for ``student_id`` that is safe everywhere and unique per id.

    ``"s1234567"`` gives ``"s1234567-<10 hex>"``; ``"../etc/passwd"`` gives
    ``"etc_passwd-<10 hex>"``. The hash is of the raw id, so two ids that clean
    up to the same text still get different names.
    """
    cleaned = _UNSAFE.sub("_", student_id).strip("_-")[:40] or "student"
    return f"{cleaned}-{_digest(student_id, 10)}"


#: What :func:`safe_file_stem` produces (used to recognise our own files before removing stale ones).
SAFE_STEM_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}-[0-9a-f]{10}$")


def pseudonym(student_id: str) -> str:
    """A stable pseudonym for blind grading, e.g. ``P-3f9a2c51d0e7``.

    The same id always gives the same pseudonym (so hand scores survive a
    re-run), and the pseudonym does not show the id. It keeps grading blind;
    it is not a privacy measure (anyone with the class list and this code can
    link the two, and the gradebook in the same folder names every student).
    """
    return "P-" + _digest(_PSEUDONYM_SALT + student_id, 12)


def csv_text(text: str) -> str:
    """``text`` made safe for a spreadsheet cell (a leading ``'`` if it could run as a formula)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def fmt_points(value: float) -> str:
    """Points as a spreadsheet reads them: ``3``, ``2.5``, ``0.33`` (never ``-0``)."""
    rounded = round(float(value), POINT_DECIMALS)
    if rounded == 0:
        return "0"
    text = f"{rounded:.{POINT_DECIMALS}f}".rstrip("0").rstrip(".")
    return text


def round_points(value: float) -> float:
    """The grading rule for one question's points: rounded to :data:`POINT_DECIMALS` decimals."""
    return round(float(value), POINT_DECIMALS)


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for messages that quote student text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
