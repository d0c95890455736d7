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

It also holds the small rules every output shares, so that numbers and
names read the same in every file: points rounded half up with decimal
arithmetic (:func:`round_points`), and names in one Unicode form
(:func:`clean_name`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

#: Points are rounded (half up) to this many decimals per question; totals add the rounded values.
POINT_DECIMALS = 2
_STEP = Decimal(1).scaleb(-POINT_DECIMALS)

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


def _decimal(value: float | int | Fraction | Decimal) -> Decimal:
    """``value`` as the decimal number a person would write down.

    A float goes through its shortest repr, so ``2.675`` (stored in binary as
    2.67499999…) is the 2.675 a person typed; a :class:`~fractions.Fraction`
    (the exact rubric arithmetic) is divided out in decimal.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


@lru_cache(maxsize=8192)  # a class repeats the same few values thousands of times
def _rounded(value: float | int | Fraction | Decimal) -> Decimal:
    """Rounded to :data:`POINT_DECIMALS` decimals, halves up (2.125 -> 2.13), as people and spreadsheets round."""
    return _decimal(value).quantize(_STEP, rounding=ROUND_HALF_UP)


def round_points(value: float | int | Fraction | Decimal) -> float:
    """The grading rule for one question's points: rounded half up to :data:`POINT_DECIMALS` decimals.

    Python's ``round`` rounds halves to even (``round(2.125, 2) == 2.12``);
    graders and spreadsheets expect 2.13, so decimal arithmetic is used.
    """
    return float(_rounded(value))


@lru_cache(maxsize=8192)
def fmt_points(value: float | int | Fraction | Decimal) -> str:
    """Points as a spreadsheet reads them: ``3``, ``2.5``, ``0.33`` (never ``-0``), rounded as :func:`round_points`."""
    rounded = _rounded(value)
    if rounded == 0:
        return "0"
    return f"{rounded:f}".rstrip("0").rstrip(".")


def fmt_percent(share: float | Fraction) -> str:
    """A share (0-1) as a whole percentage, rounded half up: ``1/6`` -> ``"17 %"``."""
    return f"{(_decimal(share) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)} %"


def clean_name(text: str) -> str:
    """A typed name in one form: spaces collapsed and Unicode composed (NFC).

    The same name typed with a composed ``é`` and with ``e`` plus a combining
    accent looks identical; composing both makes them compare equal too.
    """
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for messages that quote student text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
