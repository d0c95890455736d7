"""What a question is, what a valid answer looks like, and how an answer scores.

This module is the contract shared by the question widgets
(:mod:`minusma.questions`), the answer store, the hand-in and the grading
command. It is pure: no widgets, no file writes, no clock except where a
function says so, and it never executes a notebook.

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
    vote              ``{member: "yes"|"no"|"abstain"}``  none, or ``"adopted"`` / ``"not adopted"``
    written           ``str``                             ``{"model_answer": str, "rubric": id}``
    ================  ==================================  =====================================

Scoring rules (:func:`score`), all documented here once:

* **single_choice**: all or nothing.
* **multiple_choice**: each correct option ticked earns ``1/len(correct)`` of
  the points, each wrong option ticked loses the same amount; the total is
  floored at 0. So ticking everything never beats ticking only what you know.
* **number**: all or nothing; correct when ``|answer - value| <= tolerance``
  (absolute tolerance, in the question's unit). Feedback says "too high" or
  "too low" and how far off in words (within 10 %, 25 %, ...) but never the
  value.
* **order**: partial credit = fraction of items in their right position.
  (Chosen over Kendall's tau because students can see exactly what it counts:
  "3 of 5 events are in the right place".)
* **classify**: partial credit = fraction of items in the right category.
* **vote**: a ballot is complete when every Council member has a vote. With a
  key (the expected outcome) it is correct when complete and the outcome under
  the Charter rule (:func:`council_outcome`) matches. Without a key a complete
  ballot earns full points (it is a simulation: the act of voting is the task).
* **forecast**: must be locked to count. Without an outcome in the key it is
  "hand" (not scorable yet). With ``{"outcome": bool}`` it scores
  ``points * (1 - Brier)`` where ``Brier = (p/100 - outcome)^2``
  (:func:`brier_score`): 0.75 of the points for a 50 % forecast, full points
  for a confident right one. Status: "correct" when Brier <= 0.25 (no worse
  than a coin flip), "partial" below 1, "incorrect" at 1 (certain and wrong).
* **written**: always "hand" (graded by a person against the rubric); the
  feedback only checks the word range.

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
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import keys as _keys
from . import paths

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "number",
    "order",
    "classify",
    "forecast",
    "vote",
    "written",
)

#: How each type is graded unless the question says otherwise.
DEFAULT_GRADED = {
    "single_choice": "auto",
    "multiple_choice": "auto",
    "number": "auto",
    "order": "auto",
    "classify": "auto",
    "forecast": "auto",  # scored by a formula (Brier) once the outcome is known
    "vote": "auto",
    "written": "hand",
}

#: Positional arguments of each builder after ``id`` and ``prompt``, in order.
#: :mod:`minusma.questions` uses the same order; a test checks they agree.
POSITIONAL = {
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "number": (),
    "order": ("items",),
    "classify": ("items", "categories"),
    "forecast": (),
    "vote": (),
    "written": (),
}

#: Keyword arguments each builder accepts (besides id, prompt, points, graded, hint, key, check).
TYPE_FIELDS = {
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "number": ("unit", "min", "max"),
    "order": ("items",),
    "classify": ("items", "categories"),
    "forecast": (),
    "vote": ("members", "permanent"),
    "written": ("words", "criteria"),
}
COMMON_FIELDS = ("points", "graded", "hint")

ID_PATTERN = re.compile(r"^[0-9]{2}\.[a-z0-9_]+$")
VOTE_CHOICES = ("yes", "no", "abstain")
VOTE_OUTCOMES = ("adopted", "not adopted")
STATUSES = ("correct", "partial", "incorrect", "unanswered", "hand")

#: Votes needed to adopt a substantive decision (UN Charter, Article 27(3)).
VOTES_NEEDED = 9

#: Longest written answer kept (characters): about 3,000 words, far above any
#: word limit in the module, yet small enough to keep saving fast.
MAX_WRITTEN_CHARS = 20_000
#: Longest one-line text (forecast reason).
MAX_LINE_CHARS = 300
#: Largest magnitude accepted for a number answer.
MAX_NUMBER = 1e15

RUBRIC_FILE = paths.RUBRIC_FILE


class RubricFileError(RuntimeError):
    """``instructor/rubric.yaml`` is missing or damaged; the message says how to repair it."""

    def _render_traceback_(self):  # IPython hook: one clear line in a notebook, no stack
        return [f"RubricFileError: {self}"]


def _rubric_criteria(path: Path = RUBRIC_FILE) -> dict[str, str]:
    """Criterion id -> the one-line summary students see under a written answer.

    ``instructor/rubric.yaml`` is the one place the criteria are defined (the
    grading command reads its full descriptors and weights from there too).
    """
    import yaml  # imported here: only needed once, at import of this module

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {str(cid): f"{c['title']}: {c['summary']}" for cid, c in document["criteria"].items()}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise RubricFileError(
            f"instructor/rubric.yaml could not be read ({type(exc).__name__}): every criterion needs a "
            "title and a summary under 'criteria:'. Restore the file with 'git checkout instructor/rubric.yaml'."
        ) from None


#: Rubric criteria a written question can name, with their one-line summaries.
RUBRIC_CRITERIA = _rubric_criteria()


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

    @property
    def notebook_prefix(self) -> str:
        """The two-digit notebook number of the id ("00" for "00.capital")."""
        return self.id.split(".", 1)[0]

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
    so a question is read the same way whether it is run or parsed.
    """
    if qtype not in QUESTION_TYPES:
        raise SpecError(f"unknown question type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}")
    if not isinstance(id, str) or not ID_PATTERN.match(id):
        raise SpecError(f"question id {id!r} must look like '00.slug' (notebook number, dot, lower-case slug)")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SpecError(f"{id}: the prompt must be a non-empty text")
    allowed = set(TYPE_FIELDS[qtype]) | set(COMMON_FIELDS) | {"key"}
    unknown = set(kwargs) - allowed
    if unknown:
        raise SpecError(f"{id}: a {qtype} question does not take {', '.join(sorted(unknown))}")
    points = kwargs.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points < 0:
        raise SpecError(f"{id}: points must be a number >= 0")
    graded = kwargs.get("graded") or DEFAULT_GRADED[qtype]
    if graded not in ("auto", "hand"):
        raise SpecError(f"{id}: graded must be 'auto' or 'hand'")
    if qtype == "written" and graded != "hand":
        raise SpecError(f"{id}: written answers are graded by hand")
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
    if values["min"] is not None and values["max"] is not None and values["min"] > values["max"]:
        raise SpecError(f"{id}: min is above max")
    words = kwargs.get("words")
    if words is not None:
        if (
            not isinstance(words, (tuple, list)) or len(words) != 2
            or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in words)
            or words[0] > words[1]
        ):
            raise SpecError(f"{id}: words must be (fewest, most), two whole numbers")
        values["words"] = (int(words[0]), int(words[1]))
    if qtype in ("single_choice", "multiple_choice") and len(values.get("options", ())) < 2:
        raise SpecError(f"{id}: a choice question needs at least two options")
    if qtype == "order" and len(values.get("items", ())) < 2:
        raise SpecError(f"{id}: an order question needs at least two items")
    if qtype == "classify" and (not values.get("items") or len(values.get("categories", ())) < 2):
        raise SpecError(f"{id}: a classify question needs items and at least two categories")
    if qtype == "vote":
        members, permanent = values.get("members", ()), values.get("permanent", ())
        if permanent and not members:
            raise SpecError(f"{id}: give members when giving permanent members")
        if set(permanent) - set(members):
            raise SpecError(f"{id}: every permanent member must also be in members")
    for name in values.get("criteria", ()):
        if name not in RUBRIC_CRITERIA:
            raise SpecError(f"{id}: unknown rubric criterion {name!r}; known: {', '.join(RUBRIC_CRITERIA)}")
    spec = QuestionSpec(id=id, type=qtype, prompt=prompt, **values)
    key = kwargs.get("key")
    if key is not None:
        validate_key(spec, key)
        spec = QuestionSpec(**{**{f.name: getattr(spec, f.name) for f in fields(spec)}, "key": _freeze_key(key)})
    return spec


def _freeze_key(key: Any) -> Any:
    """Copy a key so that later edits of the notebook's objects cannot change it."""
    return json.loads(json.dumps(key))


def validate_key(spec: QuestionSpec, key: Any) -> None:
    """Check a plain key fits its question; :class:`SpecError` if not."""
    qid, t = spec.id, spec.type

    def bad(msg: str) -> SpecError:
        return SpecError(f"{qid}: key {msg}")

    if t == "single_choice":
        if key not in spec.options:
            raise bad("must be one of the options")
    elif t == "multiple_choice":
        if not isinstance(key, (list, tuple)) or not key or len(set(key)) != len(key) or not set(key) <= set(spec.options):
            raise bad("must be a non-empty list of options, each once")
    elif t == "number":
        if not isinstance(key, Mapping) or set(key) != {"value", "tolerance"}:
            raise bad('must be {"value": x, "tolerance": t}')
        for name in ("value", "tolerance"):
            v = key[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise bad(f"{name} must be a finite number")
        if key["tolerance"] < 0:
            raise bad("tolerance must be >= 0")
    elif t == "order":
        if not isinstance(key, (list, tuple)) or sorted(key) != sorted(spec.items) or len(key) != len(spec.items):
            raise bad("must list every item once, in the right order")
    elif t == "classify":
        if not isinstance(key, Mapping) or set(key) != set(spec.items) or not set(key.values()) <= set(spec.categories):
            raise bad("must give a category for every item")
    elif t == "forecast":
        if not isinstance(key, Mapping) or set(key) != {"outcome"} or not isinstance(key["outcome"], bool):
            raise bad('must be {"outcome": true} or {"outcome": false}')
    elif t == "vote":
        if key not in VOTE_OUTCOMES:
            raise bad('must be "adopted" or "not adopted"')
    elif t == "written":
        if (
            not isinstance(key, Mapping) or set(key) != {"model_answer", "rubric"}
            or not isinstance(key["model_answer"], str) or not isinstance(key["rubric"], str)
        ):
            raise bad('must be {"model_answer": "...", "rubric": "<rubric id>"}')


# --------------------------------------------------------------------------
# The Security Council rule
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CouncilOutcome:
    """The result of a Council vote under Article 27(3) of the UN Charter."""

    adopted: bool
    yes: int
    no: int
    abstain: int
    not_voted: int
    vetoed_by: tuple[str, ...]

    @property
    def label(self) -> str:
        return "adopted" if self.adopted else "not adopted"

    def explain(self) -> str:
        """One sentence a student can check against the rule."""
        counts = f"{self.yes} yes, {self.no} no, {self.abstain} abstain"
        if self.not_voted:
            counts += f", {self.not_voted} not voted yet"
        if self.vetoed_by:
            who = ", ".join(self.vetoed_by)
            return f"{counts}: not adopted, because {who} (permanent) voted no (a veto)."
        if self.yes < VOTES_NEEDED:
            return f"{counts}: not adopted, because it needs at least {VOTES_NEEDED} yes votes."
        return f"{counts}: adopted (at least {VOTES_NEEDED} yes and no permanent member voted no)."


def council_outcome(votes: Mapping[str, str], permanent: Iterable[str], members: Iterable[str] | None = None) -> CouncilOutcome:
    """Apply the Charter rule: adopted iff >= 9 yes and no permanent member votes no.

    An abstention (or absence) of a permanent member is not a veto: that has
    been the Council's practice since 1946. ``votes`` maps member to
    "yes" / "no" / "abstain"; members missing from it have not voted.
    ``members`` (optional) is the full list, used to count who has not voted.
    """
    permanent = set(permanent)
    tally = {choice: 0 for choice in VOTE_CHOICES}
    for member, choice in votes.items():
        if choice not in tally:
            raise ValueError(f"{member}: a vote is yes, no or abstain, not {choice!r}")
        tally[choice] += 1
    vetoed_by = tuple(sorted(m for m, c in votes.items() if c == "no" and m in permanent))
    total = len(set(members)) if members is not None else len(votes)
    return CouncilOutcome(
        adopted=tally["yes"] >= VOTES_NEEDED and not vetoed_by,
        yes=tally["yes"],
        no=tally["no"],
        abstain=tally["abstain"],
        not_voted=max(0, total - len(votes)),
        vetoed_by=vetoed_by,
    )


@lru_cache(maxsize=1)
def _council_from_data() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from . import data  # imported late: pandas is slow to import and not needed for most scoring

    table = data.load("security_council_2023")
    members = tuple(str(m) for m in table["member"])
    permanent = tuple(str(m) for m, c in zip(table["member"], table["category"]) if str(c).startswith("permanent"))
    return members, permanent


def council_members(spec: QuestionSpec | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(members, permanent members) for a vote question.

    The question's own lists if it has them (unit tests, hypothetical
    Councils), otherwise the 2023 Council from ``data/`` (dataset
    ``security_council_2023``).
    """
    if spec is not None and spec.members:
        return spec.members, spec.permanent
    return _council_from_data()


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------

def now_iso() -> str:
    """The current time as ISO 8601 UTC with milliseconds, e.g. 2023-06-30T12:00:00.000Z."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


ISO_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def _check_text(text: Any, what: str, limit: int) -> str:
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
            f"The {what} is too long ({len(text):,} characters; the limit is {limit:,}). "
            "Your previous answer is kept."
        )
    return text


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits (apostrophes, hyphens inside a word)."""
    return len(re.findall(r"\w+(?:['’\-]\w+)*", text))


def parse_number(text: str) -> float:
    """Read a number as a student types it: ``13289``, ``13,289``, ``13 289``, ``-2.5``, ``1e3``.

    A comma followed by exactly three digits is a thousands separator; any
    other comma is a decimal comma (``2,5``). Raises :class:`AnswerError`.
    """
    if not isinstance(text, str):
        raise AnswerError("Type a number.")
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("_", "")
    if not cleaned:
        raise AnswerError("Type a number (the box is empty).")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        shown = text.strip()
        if len(shown) > 40:
            shown = shown[:40] + "…"
        raise AnswerError(f"“{shown}” is not a number. Type digits only, e.g. 1250 or 12.5.") from None
    return value


def validate_answer(spec: QuestionSpec, value: Any, members: tuple[str, ...] | None = None) -> Any:
    """Return ``value`` in its canonical form, or raise :class:`AnswerError`.

    Messages are written for students. ``members`` overrides the Council for
    vote questions (else :func:`council_members`).
    """
    t = spec.type
    if value is None:
        raise AnswerError("There is no answer yet.")
    if t == "single_choice":
        if not isinstance(value, str) or value not in spec.options:
            raise AnswerError("Choose one of the options.")
        return value
    if t == "multiple_choice":
        if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
            raise AnswerError("Tick the options you choose.")
        picked = list(value)
        if any(not isinstance(v, str) or v not in spec.options for v in picked) or len(set(picked)) != len(picked):
            raise AnswerError("Tick only options from the list, each once.")
        return [o for o in spec.options if o in picked]  # option order: stable files and checksums
    if t == "number":
        if isinstance(value, str):
            value = parse_number(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError("Type a number.")
        value = float(value)
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise AnswerError("That number is not finite or far too large; type an ordinary number.")
        if spec.min is not None and value < spec.min:
            raise AnswerError(f"The answer must be at least {_fmt(spec.min)}{_unit(spec)}.")
        if spec.max is not None and value > spec.max:
            raise AnswerError(f"The answer must be at most {_fmt(spec.max)}{_unit(spec)}.")
        return value
    if t == "order":
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise AnswerError("An order is a list of every item.")
        value = list(value)
        if sorted(value, key=str) != sorted(spec.items) or len(value) != len(spec.items):
            raise AnswerError("Put every item in the list exactly once.")
        return value
    if t == "classify":
        if not isinstance(value, Mapping):
            raise AnswerError("Choose a category for each statement.")
        out = {}
        for item, category in value.items():
            if item not in spec.items:
                raise AnswerError("That statement is not part of this question.")
            if category not in spec.categories:
                raise AnswerError(f"Choose one of the categories: {', '.join(spec.categories)}.")
            out[item] = category
        if not out:
            raise AnswerError("Choose a category for at least one statement.")
        return {item: out[item] for item in spec.items if item in out}
    if t == "forecast":
        if not isinstance(value, Mapping) or set(value) - {"probability", "reason", "locked_at"}:
            raise AnswerError("A forecast is a probability and a reason.")
        p = value.get("probability")
        if isinstance(p, float) and p.is_integer():
            p = int(p)
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 100:
            raise AnswerError("The probability must be a whole number from 0 to 100 %.")
        reason = _check_text(value.get("reason", ""), "reason", MAX_LINE_CHARS)
        if "\n" in reason or "\r" in reason:
            raise AnswerError("Keep the reason to one line.")
        locked = value.get("locked_at")
        if locked is not None and (not isinstance(locked, str) or not ISO_PATTERN.match(locked)):
            raise AnswerError("The lock time is not a valid time stamp.")
        return {"probability": p, "reason": reason, "locked_at": locked}
    if t == "vote":
        if not isinstance(value, Mapping):
            raise AnswerError("A ballot gives each member yes, no or abstain.")
        known = members if members is not None else council_members(spec)[0]
        out = {}
        for member, choice in value.items():
            if member not in known:
                raise AnswerError(f"{str(member)[:40]} is not a member of this Council.")
            if choice not in VOTE_CHOICES:
                raise AnswerError("Each vote is yes, no or abstain.")
            out[member] = choice
        if not out:
            raise AnswerError("No member has voted yet.")
        return {m: out[m] for m in known if m in out}
    if t == "written":
        text = _check_text(value, "answer", MAX_WRITTEN_CHARS)
        if not text.strip():
            raise AnswerError("The answer is empty.")
        return text
    raise SpecError(f"{spec.id}: unknown type {t!r}")  # pragma: no cover - make_spec prevents it


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"


def _unit(spec: QuestionSpec) -> str:
    return f" {spec.unit}" if spec.unit else ""


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
        return {"points": self.points, "max_points": self.max_points, "status": self.status,
                "feedback": self.feedback, "hint": self.hint}


def brier_score(probability: float, outcome: bool) -> float:
    """Brier score of one forecast: ``(p - o)^2`` with p in 0..1; 0 is perfect, 1 worst."""
    return (probability / 100.0 - (1.0 if outcome else 0.0)) ** 2


def _closeness(answer: float, value: float) -> str:
    """How far off, in words, without giving the value away."""
    if value == 0:
        return "not close enough yet"
    ratio = abs(answer - value) / abs(value)
    for limit in (0.10, 0.25, 0.50):
        if ratio <= limit:
            return f"within {limit:.0%}".replace("%", " %")
    if answer * value < 0:
        return "far off (check the sign)"
    if abs(answer) < abs(value):
        return "less than half of it"  # below by more than 50 %
    # above by more than 50 %: only past 100 % is it "more than double"
    return "more than double" if ratio > 1 else "more than 50 % off (up to double)"


def _points(points: float, fraction: float) -> float:
    return round(points * fraction, 4)


def score(spec: QuestionSpec, answer: Any, key: Any = None) -> Result:
    """Score one answer. Pure: the same inputs always give the same result.

    ``key`` is the plain key (solutions, grading) or the encoded check string
    (exercises); ``None`` falls back to ``spec.key``. ``answer`` is the stored
    answer value (see the module docstring); ``None`` means unanswered.
    """
    if key is None:
        key = spec.key
    max_points = float(spec.points)
    hint = spec.hint
    if answer is None:
        return Result(0.0, max_points, "unanswered", "No answer yet.", "")
    try:
        value = validate_answer(spec, answer)
    except AnswerError as exc:
        return Result(0.0, max_points, "unanswered", f"This answer cannot be scored: {exc}", "")

    t = spec.type
    if t == "written":
        lo_hi = spec.words
        n = word_count(value)
        note = f"{n} words"
        if lo_hi and not lo_hi[0] <= n <= lo_hi[1]:
            note += f" (the range is {lo_hi[0]}–{lo_hi[1]})"
        return Result(0.0, max_points, "hand", f"Saved ({note}). Your instructor grades it with the rubric.", "")
    if t == "forecast":
        if not value["locked_at"]:
            return Result(0.0, max_points, "unanswered", "Lock your forecast for it to count.", "")
        checker = _keys.checker(t, spec.id, key)
        if checker is None:
            return Result(0.0, max_points, "hand",
                          "Forecast locked. It will be scored once we know what happened.", "")
        outcome = checker.outcome()
        brier = brier_score(value["probability"], outcome)
        pts = _points(max_points, 1 - brier)
        return Result(pts, max_points, "correct" if brier <= 0.25 else "partial" if brier < 1 else "incorrect",
                      f"Brier score {brier:.3f} (0 is perfect; always saying 50 % gives 0.25).", "")
    if t == "vote":
        members, permanent = council_members(spec)
        outcome = council_outcome(value, permanent, members)
        if outcome.not_voted:
            return Result(0.0, max_points, "incorrect",
                          f"{outcome.not_voted} member(s) have not voted yet; cast all {len(members)} votes.", hint)
        checker = _keys.checker(t, spec.id, key)
        if checker is None or checker.outcome_is(outcome.label):
            return Result(max_points, max_points, "correct", f"Ballot complete. {outcome.explain()}", "")
        return Result(0.0, max_points, "incorrect",
                      f"Not yet: this ballot does not give the outcome the question asks for. {outcome.explain()}", hint)

    checker = _keys.checker(t, spec.id, key)
    if checker is None:
        return Result(0.0, max_points, "hand", "Saved. This question is checked by your instructor.", "")

    if t == "single_choice":
        if checker.option_ok(value):
            return Result(max_points, max_points, "correct", "Correct.", "")
        return Result(0.0, max_points, "incorrect", "Not yet: that is not the answer.", hint)

    if t == "multiple_choice":
        if not value:
            return Result(0.0, max_points, "unanswered", "No option ticked yet.", "")
        n_correct = checker.n_correct()
        right = sum(1 for v in value if checker.option_ok(v))
        wrong = len(value) - right
        fraction = max(0.0, (right - wrong) / n_correct)
        if right == n_correct and wrong == 0:
            return Result(max_points, max_points, "correct", "Correct: you ticked exactly the right options.", "")
        parts = []
        if wrong:
            parts.append("at least one option you ticked is wrong")
        if right < n_correct:
            parts.append("at least one right option is not ticked")
        status = "partial" if fraction > 0 else "incorrect"
        return Result(_points(max_points, fraction), max_points, status,
                      f"Not yet: {' and '.join(parts)}.", hint)

    if t == "number":
        target, tolerance = checker.number()
        if abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target)):
            return Result(max_points, max_points, "correct", "Correct.", "")
        direction = "too high" if value > target else "too low"
        return Result(0.0, max_points, "incorrect",
                      f"Not yet: {direction}, {_closeness(value, target)}.", hint)

    if t == "order":
        n = len(spec.items)
        right = sum(1 for i, item in enumerate(value) if checker.position_ok(i, item))
        if right == n:
            return Result(max_points, max_points, "correct", "Correct: everything is in the right order.", "")
        return Result(_points(max_points, right / n), max_points, "partial" if right else "incorrect",
                      f"Not yet: {right} of {n} items are in the right place.", hint)

    if t == "classify":
        n = len(spec.items)
        right = sum(1 for item, cat in value.items() if checker.category_ok(item, cat))
        missing = n - len(value)
        if right == n:
            return Result(max_points, max_points, "correct", "Correct: every statement is in the right category.", "")
        text = f"Not yet: {right} of {n} statements are in the right category"
        text += f" ({missing} not sorted yet)." if missing else "."
        return Result(_points(max_points, right / n), max_points, "partial" if right else "incorrect", text, hint)

    raise SpecError(f"{spec.id}: cannot score type {t!r}")  # pragma: no cover


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
    return name if name in QUESTION_TYPES else None


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
        if not (isinstance(id_node, ast.Constant) and isinstance(id_node.value, str) and ID_PATTERN.match(id_node.value)):
            continue
        qid = id_node.value
        names = ("id", "prompt") + POSITIONAL[qtype]
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
