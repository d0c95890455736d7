"""What a question is, what a valid answer looks like, and how an answer scores.

This module is the contract shared by the question widgets
(:mod:`minusma.questions`), the answer store, the hand-in and the grading
command. It writes no files, shows no widgets, reads the clock only in :func:`now_iso`
and never executes a notebook. It reads two files, each on first use only:
``instructor/rubric.yaml`` (the criteria a written question may name) and
the 2023 Council in ``data/`` (for vote questions without their own members).

Question ids
    ``NN.slug``: the notebook's two-digit prefix, a dot and a lower-case slug,
    e.g. ``00.capital``. The id ties an answer to its question for ever, so it
    must not change once students have answered.

Question types, their answer values and their keys
    ================  ==================================  =====================================
    type              answer ``value``                    plain key (solutions only)
    ================  ==================================  =====================================
    single_choice     ``str`` (one option)                the correct option
    multiple_choice   ``list[str]`` (options ticked)      list of the correct options
    number            ``float``                           ``{"value": x, "tolerance": t}``
    order             ``list[str]`` (every item, once)    the items in the right order
    classify          ``{item: category}``                ``{item: category}`` for every item
    forecast          ``{"probability": 0-100,            none, or ``{"outcome": true|false}``
                      "reason": str, "locked_at": ISO}``  once the outcome is known
    vote              ``{member: "yes"|"no"|"abstain"}``  none; ``{"ballot": {member: vote},
                                                          "others": vote}`` (the ballot asked
                                                          for); or ``"adopted"`` / ``"not adopted"``
    written           ``str``                             ``{"model_answer": str, "rubric": id}``
    ================  ==================================  =====================================

Each type's behaviour (its checks, scoring rule, key encoding and how an
answer reads) lives in one class in :mod:`minusma.qtypes`; the functions here
dispatch to it. The Council's voting rule is in :mod:`minusma.council`.

A key may be the plain key above or the encoded ``check`` string that the
build step puts in exercise notebooks (see :mod:`minusma.keys`); :func:`score`
accepts both and its feedback never reveals either.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import keys as _keys
from . import paths

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

COMMON_FIELDS = ("points", "graded", "hint")

ID_PATTERN = paths.QUESTION_ID
#: What a score's ``status`` can be (:class:`Result`).
STATUSES = ("correct", "partial", "incorrect", "unanswered", "hand")

#: Longest written answer kept (characters): about 3,000 words, far above any
#: word limit in the module, yet small enough to keep saving fast.
MAX_WRITTEN_CHARS = 20_000
#: Longest one-line text (forecast reason).
MAX_LINE_CHARS = 300
RUBRIC_FILE = paths.RUBRIC_FILE


class RubricFileError(RuntimeError):
    """``instructor/rubric.yaml`` is missing or damaged; the message says how to repair it."""

    def _render_traceback_(self):  # IPython hook: one clear line in a notebook, no stack
        return [f"RubricFileError: {self}"]


@lru_cache(maxsize=4)
def _read_rubric_criteria(path: Path, mtime: float) -> dict[str, str]:
    # The grading package's parser is the one reader of the rubric file; imported on use, since
    # grading builds on this module (and most notebooks never need the rubric at all).
    from .grading.rubric import RubricError, load_rubric

    try:
        rubric = load_rubric(path)
    except (RubricError, OSError, UnicodeDecodeError) as exc:
        raise RubricFileError(
            f"instructor/rubric.yaml could not be read ({exc}). "
            "Restore the file with 'git checkout instructor/rubric.yaml'."
        ) from None
    return {cid: f"{c.title}: {c.summary}" for cid, c in rubric.criteria.items()}


def rubric_criteria(path: Path | None = None) -> dict[str, str]:
    """Criterion id -> the one-line summary students see under a written answer.

    ``instructor/rubric.yaml`` is the one place the criteria are defined, and
    :func:`minusma.grading.rubric.load_rubric` its one reader. It is read on
    first use, not at import, so a damaged rubric breaks only the written
    questions that name criteria, with a clear message.
    """
    path = Path(path) if path is not None else paths.RUBRIC_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _read_rubric_criteria(path, mtime)


#: Names read on first use (PEP 562): the rubric file, and what the question types define.
_LAZY = {
    "RUBRIC_CRITERIA": lambda: rubric_criteria(),
    "TYPES": lambda: _types(),
    "QUESTION_TYPES": lambda: tuple(_types()),
    "DEFAULT_GRADED": lambda: {name: kind.default_graded for name, kind in _types().items()},
    "POSITIONAL": lambda: {name: kind.positional for name, kind in _types().items()},
    "TYPE_FIELDS": lambda: {name: kind.fields for name, kind in _types().items()},
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return _LAZY[name]()
    if name in ("brier_score", "parse_number", "word_count"):
        from . import qtypes

        return getattr(qtypes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SpecError(ValueError):
    """A question is defined wrongly (a course author's mistake, not a student's)."""


class AnswerError(ValueError):
    """An answer cannot be accepted. The message is written for a student."""


# --------------------------------------------------------------------------
# The question
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    """One question, as written in a notebook cell (everything but the widget).

    Only the fields of its type are used; the others keep their empty default.
    ``key`` is the plain key in solutions and ``None`` in exercises.
    """

    id: str
    type: str
    prompt: str
    points: float = 1
    graded: str = ""
    hint: str = ""
    options: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    unit: str = ""
    min: float | None = None
    max: float | None = None
    members: tuple[str, ...] = ()
    permanent: tuple[str, ...] = ()
    words: tuple[int, int] | None = None
    criteria: tuple[str, ...] = ()
    key: Any = field(default=None, compare=False)

    def to_dict(self, with_key: bool = False) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists); the key only if asked for."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "key" and not with_key:
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _as_str_tuple(name: str, value: Any, qid: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise SpecError(f"{qid}: '{name}' must be a list of texts")
    result = tuple(value)
    for item in result:
        if not isinstance(item, str) or not item.strip():
            raise SpecError(f"{qid}: every entry of '{name}' must be a non-empty text")
        if item.startswith(_keys.PREFIX):
            raise SpecError(f"{qid}: '{name}' entries must not start with {_keys.PREFIX!r}")
    if len(set(result)) != len(result):
        raise SpecError(f"{qid}: '{name}' lists the same entry twice")
    return result


def make_spec(qtype: str, id: str, prompt: str, **kwargs: Any) -> QuestionSpec:
    """Build and check a :class:`QuestionSpec`; :class:`SpecError` if inconsistent.

    Both the widget builders and :func:`specs_from_notebook` go through here,
    so a question is read the same way whether it is run or parsed. The
    checks common to every type are here; the type's own are in its class
    (:mod:`minusma.qtypes`).
    """
    types = _types()
    if qtype not in types:
        raise SpecError(f"unknown question type {qtype!r}; use one of {', '.join(types)}")
    kind = types[qtype]
    if not isinstance(id, str) or not ID_PATTERN.match(id):
        raise SpecError(f"question id {id!r} must look like '00.slug' (notebook number, dot, lower-case slug)")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SpecError(f"{id}: the prompt must be a non-empty text")
    unknown = set(kwargs) - (set(kind.fields) | set(COMMON_FIELDS) | {"key"})
    if unknown:
        raise SpecError(f"{id}: a {qtype} question does not take {', '.join(sorted(unknown))}")
    points = kwargs.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points < 0:
        raise SpecError(f"{id}: points must be a number >= 0")
    graded = kwargs.get("graded") or kind.default_graded
    if graded not in ("auto", "hand"):
        raise SpecError(f"{id}: graded must be 'auto' or 'hand'")
    hint = kwargs.get("hint") or ""
    if not isinstance(hint, str):
        raise SpecError(f"{id}: hint must be a text")
    values: dict[str, Any] = {"points": points, "graded": graded, "hint": hint}
    for name in ("options", "items", "categories", "members", "permanent", "criteria"):
        if name in kwargs:
            values[name] = _as_str_tuple(name, kwargs[name], id)
    unit = kwargs.get("unit") or ""
    if not isinstance(unit, str):
        raise SpecError(f"{id}: unit must be a text")
    values["unit"] = unit
    for bound in ("min", "max"):
        b = kwargs.get(bound)
        if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b)):
            raise SpecError(f"{id}: {bound} must be a number")
        values[bound] = None if b is None else float(b)
    words = kwargs.get("words")
    if words is not None:
        if (
            not isinstance(words, (tuple, list))
            or len(words) != 2
            or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in words)
            or words[0] > words[1]
        ):
            raise SpecError(f"{id}: words must be (fewest, most), two whole numbers")
        values["words"] = (int(words[0]), int(words[1]))
    spec = QuestionSpec(id=id, type=qtype, prompt=prompt, **values)
    kind.check_spec(spec)
    key = kwargs.get("key")
    if key is not None:
        kind.validate_key(spec, key)
        spec = QuestionSpec(**{**{f.name: getattr(spec, f.name) for f in fields(spec)}, "key": _freeze_key(key)})
    return spec


def _freeze_key(key: Any) -> Any:
    """Copy a key so that later edits of the notebook's objects cannot change it."""
    return json.loads(json.dumps(key))


def validate_key(spec: QuestionSpec, key: Any) -> None:
    """Check a plain key fits its question; :class:`SpecError` if not."""
    _types()[spec.type].validate_key(spec, key)


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------


def now_iso() -> str:
    """The current time as ISO 8601 UTC with milliseconds, e.g. 2023-06-30T12:00:00.000Z."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


ISO_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def check_text(text: Any, what: str, limit: int) -> str:
    """``text`` if it can be saved as a ``what`` of at most ``limit`` characters, else :class:`AnswerError`."""
    if not isinstance(text, str):
        raise AnswerError(f"The {what} must be text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError(f"The {what} contains a character that cannot be saved; please retype it.") from None
    if "\x00" in text:
        raise AnswerError(f"The {what} contains an invisible control character (NUL); please retype it.")
    if len(text) > limit:
        raise AnswerError(
            f"The {what} is too long ({len(text):,} characters; the limit is {limit:,}). Your previous answer is kept."
        )
    return text


def validate_answer(spec: QuestionSpec, value: Any) -> Any:
    """Return ``value`` in its canonical form, or raise :class:`AnswerError` (messages for students)."""
    if value is None:
        raise AnswerError("There is no answer yet.")
    return _types()[spec.type].validate_answer(spec, value)


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a check or the grader says about one answer.

    ``status`` is one of :data:`STATUSES`. ``feedback`` and ``hint`` are for
    the student and never contain the key.
    """

    points: float
    max_points: float
    status: str
    feedback: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "feedback": self.feedback,
            "hint": self.hint,
        }


def score(spec: QuestionSpec, answer: Any, key: Any = None) -> Result:
    """Score one answer. Pure: the same inputs always give the same result.

    ``key`` is the plain key (solutions, grading) or the encoded check string
    (exercises); ``None`` falls back to ``spec.key``. ``answer`` is the stored
    answer value (see the module docstring); ``None`` means unanswered. The
    rule of each type is in its class (:mod:`minusma.qtypes`).
    """
    if key is None:
        key = spec.key
    if answer is None:
        return Result(0.0, float(spec.points), "unanswered", "No answer yet.", "")
    try:
        value = validate_answer(spec, answer)
    except AnswerError as exc:
        return Result(0.0, float(spec.points), "unanswered", f"This answer cannot be scored: {exc}", "")
    kind = _types()[spec.type]
    return kind.score(spec, value, _keys.checker(spec.type, spec.id, key))


# --------------------------------------------------------------------------
# Reading questions out of a notebook (without running it)
# --------------------------------------------------------------------------


def _literal(node: ast.AST, qid: str, name: str, cell: int) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        raise SpecError(
            f"cell {cell}, question {qid}: argument '{name}' must be written as a literal value "
            "(text, number, list, dict), not a variable or expression, so that it can be read "
            "without running the notebook"
        ) from None


def _call_type(node: ast.Call) -> str | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return name if name in _types() else None


def _strip_magics(source: str) -> str:
    """Blank out IPython-only lines (magics, shell escapes) so ``ast`` can parse the rest."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


@dataclass(frozen=True)
class QuestionCall:
    """A question builder call found in a code cell."""

    spec: QuestionSpec
    cell: int
    node: ast.Call
    check: str | None


def question_calls(source: str, cell: int = 0) -> list[QuestionCall]:
    """Every question builder call in one code cell's source, in order.

    A call counts when its function is named like a question type
    (``q.single_choice(...)``) and its first argument is a text literal
    shaped like a question id. Every other argument must be a literal.
    """
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_type(node) is None:
            continue
        qtype = _call_type(node)
        id_node = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "id"), None)
        if not (
            isinstance(id_node, ast.Constant) and isinstance(id_node.value, str) and ID_PATTERN.match(id_node.value)
        ):
            continue
        qid = id_node.value
        names = ("id", "prompt") + _types()[qtype].positional
        if len(node.args) > len(names):
            raise SpecError(f"cell {cell}, question {qid}: too many positional arguments")
        kwargs = {names[i]: _literal(arg, qid, names[i], cell) for i, arg in enumerate(node.args)}
        check = None
        for kw in node.keywords:
            if kw.arg is None:
                raise SpecError(f"cell {cell}, question {qid}: **kwargs cannot be read without running the notebook")
            if kw.arg == "check":
                check = _literal(kw.value, qid, "check", cell)
                continue
            kwargs[kw.arg] = _literal(kw.value, qid, kw.arg, cell)
        kwargs.pop("id", None)
        prompt = kwargs.pop("prompt", None)
        spec = make_spec(qtype, qid, prompt, **kwargs)
        found.append(QuestionCall(spec=spec, cell=cell, node=node, check=check))
    found.sort(key=lambda c: (c.node.lineno, c.node.col_offset))
    return found


def _code_cells(path: Path) -> list[tuple[int, str]]:
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((index, "".join(source) if isinstance(source, list) else source))
    return cells


def specs_from_notebook(path: str | Path) -> list[QuestionSpec]:
    """Every question of a notebook, in order, read with ``ast`` (nothing is run).

    Raises :class:`SpecError` for a question id used twice or an argument that
    is not a literal. In a solutions notebook ``spec.key`` holds the key.
    """
    specs: list[QuestionSpec] = []
    seen: set[str] = set()
    for index, source in _code_cells(Path(path)):
        for call in question_calls(source, index):
            if call.spec.id in seen:
                raise SpecError(f"{Path(path).name}: question id {call.spec.id} is used twice")
            seen.add(call.spec.id)
            specs.append(call.spec)
    return specs


def keys_from_notebook(path: str | Path) -> dict[str, Any]:
    """``{question_id: plain key}`` for every question with a key (solutions notebooks)."""
    return {s.id: s.key for s in specs_from_notebook(path) if s.key is not None}


# Re-exported for callers that know the Council rule as part of the question contract.
from .council import VOTE_CHOICES, VOTES_NEEDED, CouncilOutcome, council_outcome  # noqa: E402, F401
from .council import members_of as council_members  # noqa: E402, F401


def _types() -> dict[str, Any]:
    """The question types (:data:`minusma.qtypes.TYPES`); imported on use, as they build on this module."""
    from .qtypes import TYPES

    return TYPES
