"""The question types: one class per type, holding everything that type means.

Each class says, in one place, what its questions look like (the builder's
arguments and their checks), what a key and an answer look like, how a key is
encoded for an exercise notebook, how an answer scores and how it reads on a
feedback page. :mod:`minusma.spec` and :mod:`minusma.keys` dispatch to these
classes through :data:`TYPES`; the widgets in :mod:`minusma.questions` and the
grading command use the same objects. Adding a type means adding one class
here (and its widget).

The scoring rules, type by type (the class docstrings repeat their own):

* **single_choice**: all or nothing.
* **multiple_choice**: each right option ticked earns ``1/len(right)`` of the
  points, each wrong option ticked loses as much, floored at 0, so ticking
  everything never beats ticking what you know. The self-check says only
  "right" or "not yet" (with no points), so ticking one option per Check
  cannot reveal which options are right; the grader gives the partial points.
* **number**: all or nothing, within the key's absolute tolerance; feedback
  says too high or too low and how far in words, never the value.
* **order**: the fraction of items in their right place.
* **classify**: the fraction of items in their right category.
* **forecast**: must be locked; with ``{"outcome": bool}`` it scores
  ``points * (1 - Brier)``; without, it waits ("hand").
* **vote**: the ballot must be complete (every member has voted). With a
  ballot key (``{"ballot": {...}, "others": ...}``) every vote must be the one
  the question asks for; with an outcome key (``"adopted"`` / ``"not
  adopted"``) any complete ballot with that outcome is right; without a key
  any complete ballot is (a simulation).
* **written**: always graded by a person ("hand"); the check only counts words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from . import council, keys
from .spec import (
    ISO_PATTERN,
    MAX_LINE_CHARS,
    MAX_WRITTEN_CHARS,
    AnswerError,
    QuestionSpec,
    Result,
    SpecError,
    check_text,
)

#: Largest magnitude accepted for a number answer.
MAX_NUMBER = 1e15
VOTE_OUTCOMES = ("adopted", "not adopted")


def points_for(points: float, fraction: float) -> float:
    """A share of a question's points, kept to 4 decimals (stable in files)."""
    return round(points * fraction, 4)


def fmt_number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"


class QuestionType:
    """What every question type provides; subclasses fill it in."""

    name = ""
    #: Builder arguments after ``id`` and ``prompt`` that may be given by position, in order.
    positional: tuple[str, ...] = ()
    #: Keyword arguments of the builder besides points, graded, hint, key and check.
    fields: tuple[str, ...] = ()
    default_graded = "auto"
    #: Whether a Check may show partial points (False when partial points would reveal the key).
    check_shows_points = True
    #: A word for one of the things the question sorts or orders, in feedback.
    item_word = "items"
    #: How :meth:`describe_answer`'s lines are laid out on a page: text, bullets, numbered or block.
    answer_layout = "text"

    def check_spec(self, spec: QuestionSpec) -> None:
        """Raise :class:`SpecError` if the question's own fields do not fit together."""

    def validate_key(self, spec: QuestionSpec, key: Any) -> None:
        """Raise :class:`SpecError` if ``key`` is not a key for ``spec``."""
        raise NotImplementedError

    def validate_answer(self, spec: QuestionSpec, value: Any) -> Any:
        """``value`` in its canonical form, or :class:`AnswerError` with a message for the student."""
        raise NotImplementedError

    def encode(self, qid: str, key: Any) -> dict[str, Any] | None:
        """The payload of the encoded check for ``key`` (None: nothing may leave solutions)."""
        raise NotImplementedError

    def score(self, spec: QuestionSpec, value: Any, checker: Any) -> Result:
        """Score a valid answer against a checker of the key (None when there is no key)."""
        raise NotImplementedError

    def describe_answer(self, spec: QuestionSpec, value: Any) -> list[str]:
        """A valid answer as lines of plain text (feedback pages), laid out as :attr:`answer_layout` says.

        No lines means nothing was chosen.
        """
        return [str(value)]

    # shared helpers -------------------------------------------------------

    @staticmethod
    def _no_key(spec: QuestionSpec) -> Result:
        return Result(0.0, float(spec.points), "hand", "Saved. This question is checked by your instructor.", "")

    @staticmethod
    def _full(spec: QuestionSpec, feedback: str) -> Result:
        return Result(float(spec.points), float(spec.points), "correct", feedback, "")


class SingleChoice(QuestionType):
    """One right option among several; all or nothing."""

    name = "single_choice"
    positional = fields = ("options",)

    def check_spec(self, spec):
        if len(spec.options) < 2:
            raise SpecError(f"{spec.id}: a choice question needs at least two options")

    def validate_key(self, spec, key):
        if key not in spec.options:
            raise SpecError(f"{spec.id}: key must be one of the options")

    def validate_answer(self, spec, value):
        if not isinstance(value, str) or value not in spec.options:
            raise AnswerError("Choose one of the options.")
        return value

    def encode(self, qid, key):
        return {"h": [keys.digest(qid, "option", key)]}

    def score(self, spec, value, checker):
        if checker is None:
            return self._no_key(spec)
        if checker.option_ok(value):
            return self._full(spec, "Correct.")
        return Result(0.0, float(spec.points), "incorrect", "Not yet: that is not the answer.", spec.hint)


class MultipleChoice(SingleChoice):
    """Tick every right option; partial credit in grading, right / not yet in a Check."""

    name = "multiple_choice"
    check_shows_points = False
    answer_layout = "bullets"

    def validate_key(self, spec, key):
        if (
            not isinstance(key, (list, tuple))
            or not key
            or len(set(key)) != len(key)
            or not set(key) <= set(spec.options)
        ):
            raise SpecError(f"{spec.id}: key must be a non-empty list of options, each once")

    def validate_answer(self, spec, value):
        if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
            raise AnswerError("Tick the options you choose.")
        picked = list(value)
        if any(not isinstance(v, str) or v not in spec.options for v in picked) or len(set(picked)) != len(picked):
            raise AnswerError("Tick only options from the list, each once.")
        return [o for o in spec.options if o in picked]  # option order: stable files and checksums

    def encode(self, qid, key):
        return {"h": sorted(keys.digest(qid, "option", k) for k in key)}

    def score(self, spec, value, checker):
        if not value:
            return Result(0.0, float(spec.points), "unanswered", "No option ticked yet.", "")
        if checker is None:
            return self._no_key(spec)
        n_right_options = checker.n_correct()
        right = sum(1 for v in value if checker.option_ok(v))
        wrong = len(value) - right
        if right == n_right_options and wrong == 0:
            return self._full(spec, "Correct: you ticked exactly the right options.")
        fraction = max(0.0, (right - wrong) / n_right_options)
        # The same words whatever is wrong: saying which part is wrong would reveal the key.
        return Result(
            points_for(spec.points, fraction),
            float(spec.points),
            "partial" if fraction > 0 else "incorrect",
            "Not yet: these are not exactly the right options. Each wrong tick costs as much as a right one earns.",
            spec.hint,
        )

    def describe_answer(self, spec, value):
        return list(value)


def parse_number(text: str, unit: str = "") -> float:
    """Read a number as a student types or pastes it.

    Accepts ``13289``, ``13,289``, ``13 289``, ``-2.5``, ``1e3``, a decimal
    comma (``2,5``), what a notebook prints (``np.float64(25.27)``,
    ``Timedelta('753 days 00:00:00')``) and the question's own unit after the
    number (``753 days``, ``25 %``). A comma followed by exactly three digits is
    a thousands separator. Raises :class:`AnswerError`.
    """
    if not isinstance(text, str):
        raise AnswerError("Type a number.")
    cleaned = text.strip()
    wrapped = re.fullmatch(r"(?:np|numpy)\.(?:float|int|uint)\d*\((.*)\)", cleaned)
    if wrapped:
        cleaned = wrapped.group(1).strip()
    timedelta = re.fullmatch(r"Timedelta\(['\"](-?\d+) days?(?: [\d:.]+)?['\"]\)", cleaned)
    if timedelta:
        cleaned = timedelta.group(1) + " days"
    cleaned = _strip_unit(cleaned, unit)
    cleaned = cleaned.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("_", "")
    if not cleaned:
        raise AnswerError("Type a number (the box is empty).")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        shown = text.strip()
        if len(shown) > 40:
            shown = shown[:40] + "…"
        also = f" (the unit, {unit}, may follow it)" if unit else ""
        raise AnswerError(f"“{shown}” is not a number. Type digits only{also}, e.g. 1250 or 12.5.") from None


def _strip_unit(text: str, unit: str) -> str:
    """``text`` without a trailing unit that matches the question's (``days``, ``%``, ``per cent``)."""
    words = {w for w in (unit.strip().lower(),) if w}
    if words:
        first = next(iter(words)).split()[0]
        words |= {first, first.rstrip("s"), first + "s"}
    if "%" in unit or "per cent" in unit.lower() or "percent" in unit.lower():
        words |= {"%", "per cent", "percent"}
    lowered = text.lower()
    for word in sorted(words, key=len, reverse=True):
        if lowered.endswith(word) and len(text) > len(word):
            return text[: -len(word)].strip()
    return text


class Number(QuestionType):
    """A number with its unit; all or nothing within an absolute tolerance."""

    name = "number"
    fields = ("unit", "min", "max")

    def check_spec(self, spec):
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            raise SpecError(f"{spec.id}: min is above max")

    def validate_key(self, spec, key):
        if not isinstance(key, Mapping) or set(key) != {"value", "tolerance"}:
            raise SpecError(f'{spec.id}: key must be {{"value": x, "tolerance": t}}')
        for name in ("value", "tolerance"):
            v = key[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise SpecError(f"{spec.id}: key {name} must be a finite number")
        if key["tolerance"] < 0:
            raise SpecError(f"{spec.id}: key tolerance must be >= 0")

    def validate_answer(self, spec, value):
        if isinstance(value, str):
            value = parse_number(value, spec.unit)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError("Type a number.")
        value = float(value)
        unit = f" {spec.unit}" if spec.unit else ""
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise AnswerError("That number is not finite or far too large; type an ordinary number.")
        if spec.min is not None and value < spec.min:
            raise AnswerError(f"The answer must be at least {fmt_number(spec.min)}{unit}.")
        if spec.max is not None and value > spec.max:
            raise AnswerError(f"The answer must be at most {fmt_number(spec.max)}{unit}.")
        return value

    def encode(self, qid, key):
        return {"b": keys.hide(qid, [float(key["value"]), float(key["tolerance"])])}

    def score(self, spec, value, checker):
        if checker is None:
            return self._no_key(spec)
        target, tolerance = checker.number()
        if abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target)):
            return self._full(spec, "Correct.")
        direction = "too high" if value > target else "too low"
        return Result(
            0.0, float(spec.points), "incorrect", f"Not yet: {direction}, {closeness(value, target)}.", spec.hint
        )

    def describe_answer(self, spec, value):
        return [f"{float(value):,.10g}" + (f" {spec.unit}" if spec.unit else "")]


def closeness(answer: float, value: float) -> str:
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


class Order(QuestionType):
    """Every item in the right order; credit for each item in its right place."""

    name = "order"
    positional = fields = ("items",)
    answer_layout = "numbered"

    def check_spec(self, spec):
        if len(spec.items) < 2:
            raise SpecError(f"{spec.id}: an order question needs at least two items")

    def validate_key(self, spec, key):
        if not isinstance(key, (list, tuple)) or sorted(key) != sorted(spec.items) or len(key) != len(spec.items):
            raise SpecError(f"{spec.id}: key must list every item once, in the right order")

    def validate_answer(self, spec, value):
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise AnswerError("An order is a list of every item.")
        value = list(value)
        if sorted(value, key=str) != sorted(spec.items) or len(value) != len(spec.items):
            raise AnswerError("Put every item in the list exactly once.")
        return value

    def encode(self, qid, key):
        return {"h": [keys.digest(qid, "position", str(i), item) for i, item in enumerate(key)]}

    def score(self, spec, value, checker):
        if checker is None:
            return self._no_key(spec)
        n = len(spec.items)
        right = sum(1 for i, item in enumerate(value) if checker.position_ok(i, item))
        if right == n:
            return self._full(spec, "Correct: everything is in the right order.")
        return Result(
            points_for(spec.points, right / n),
            float(spec.points),
            "partial" if right else "incorrect",
            f"Not yet: {right} of {n} items are in the right place.",
            spec.hint,
        )

    def describe_answer(self, spec, value):
        return [str(item) for item in value]


class Classify(QuestionType):
    """Sort each item into a category; credit for each item in its right category."""

    name = "classify"
    positional = fields = ("items", "categories")
    answer_layout = "bullets"

    def check_spec(self, spec):
        if not spec.items or len(spec.categories) < 2:
            raise SpecError(f"{spec.id}: a classify question needs items and at least two categories")

    def validate_key(self, spec, key):
        if not isinstance(key, Mapping) or set(key) != set(spec.items) or not set(key.values()) <= set(spec.categories):
            raise SpecError(f"{spec.id}: key must give a category for every item")

    def validate_answer(self, spec, value):
        if not isinstance(value, Mapping):
            raise AnswerError("Choose a category for each item.")
        out = {}
        for item, category in value.items():
            if item not in spec.items:
                raise AnswerError("That item is not part of this question.")
            if category not in spec.categories:
                raise AnswerError(f"Choose one of the categories: {', '.join(spec.categories)}.")
            out[item] = category
        if not out:
            raise AnswerError("Choose a category for at least one item.")
        return {item: out[item] for item in spec.items if item in out}

    def encode(self, qid, key):
        return {"h": sorted(keys.digest(qid, "category", item, cat) for item, cat in key.items())}

    def score(self, spec, value, checker):
        if checker is None:
            return self._no_key(spec)
        n = len(spec.items)
        right = sum(1 for item, cat in value.items() if checker.category_ok(item, cat))
        missing = n - len(value)
        if right == n:
            return self._full(spec, "Correct: every item is in the right category.")
        text = f"Not yet: {right} of {n} items are in the right category"
        text += f" ({missing} not sorted yet)." if missing else "."
        return Result(
            points_for(spec.points, right / n), float(spec.points), "partial" if right else "incorrect", text, spec.hint
        )

    def describe_answer(self, spec, value):
        return [f"{item}: {category}" for item, category in value.items()]


def brier_score(probability: float, outcome: bool) -> float:
    """Brier score of one forecast: ``(p - o)^2`` with p in 0..1; 0 is perfect, 1 worst."""
    return (probability / 100.0 - (1.0 if outcome else 0.0)) ** 2


class Forecast(QuestionType):
    """A probability with a one-line reason, locked; scored by Brier once the outcome is known."""

    name = "forecast"

    def validate_key(self, spec, key):
        if not isinstance(key, Mapping) or set(key) != {"outcome"} or not isinstance(key["outcome"], bool):
            raise SpecError(f'{spec.id}: key must be {{"outcome": true}} or {{"outcome": false}}')

    def validate_answer(self, spec, value):
        if not isinstance(value, Mapping) or set(value) - {"probability", "reason", "locked_at"}:
            raise AnswerError("A forecast is a probability and a reason.")
        p = value.get("probability")
        if isinstance(p, float) and p.is_integer():
            p = int(p)
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 100:
            raise AnswerError("The probability must be a whole number from 0 to 100 %.")
        reason = check_text(value.get("reason", ""), "reason", MAX_LINE_CHARS)
        if "\n" in reason or "\r" in reason:
            raise AnswerError("Keep the reason to one line.")
        locked = value.get("locked_at")
        if locked is not None and (not isinstance(locked, str) or not ISO_PATTERN.match(locked)):
            raise AnswerError("The lock time is not a valid time stamp.")
        return {"probability": p, "reason": reason, "locked_at": locked}

    def encode(self, qid, key):
        return {"h": [keys.digest(qid, "outcome", "true" if key["outcome"] else "false")]}

    def score(self, spec, value, checker):
        points = float(spec.points)
        if not value["locked_at"]:
            return Result(0.0, points, "unanswered", "Lock your forecast for it to count.", "")
        if checker is None:
            return Result(0.0, points, "hand", "Forecast locked. It will be scored once we know what happened.", "")
        brier = brier_score(value["probability"], checker.outcome())
        status = "correct" if brier <= 0.25 else "partial" if brier < 1 else "incorrect"
        return Result(
            points_for(points, 1 - brier),
            points,
            status,
            f"Brier score {brier:.3f} (0 is perfect; always saying 50 % gives 0.25).",
            "",
        )

    def describe_answer(self, spec, value):
        state = "locked" if value.get("locked_at") else "not locked"
        return [f"{value.get('probability')} % ({state}): {value.get('reason', '')}"]


class Vote(QuestionType):
    """A Council ballot: every member votes yes, no or abstain (see :mod:`minusma.council`)."""

    name = "vote"
    fields = ("members", "permanent")
    item_word = "members"

    def check_spec(self, spec):
        if spec.permanent and not spec.members:
            raise SpecError(f"{spec.id}: give members when giving permanent members")
        if set(spec.permanent) - set(spec.members):
            raise SpecError(f"{spec.id}: every permanent member must also be in members")

    def asked_ballot(self, spec: QuestionSpec, key: Mapping[str, Any]) -> dict[str, str]:
        """The full ballot a ballot key asks for: the listed votes, ``others`` for everyone else."""
        members = council.members_of(spec)[0]
        return {m: key["ballot"].get(m, key.get("others")) for m in members}

    def validate_key(self, spec, key):
        if isinstance(key, str):
            if key not in VOTE_OUTCOMES:
                raise SpecError(f'{spec.id}: key must be "adopted", "not adopted" or {{"ballot": ..., "others": ...}}')
            return
        if (
            not isinstance(key, Mapping)
            or not set(key) <= {"ballot", "others"}
            or not isinstance(key.get("ballot"), Mapping)
        ):
            raise SpecError(f'{spec.id}: a ballot key is {{"ballot": {{member: vote}}, "others": vote}}')
        members = council.members_of(spec)[0]
        unknown = set(key["ballot"]) - set(members)
        if unknown:
            raise SpecError(f"{spec.id}: key names members not on this Council: {', '.join(sorted(unknown))}")
        if any(v not in council.VOTE_CHOICES for v in key["ballot"].values()):
            raise SpecError(f"{spec.id}: each vote in the key is yes, no or abstain")
        others = key.get("others")
        if others is None and set(key["ballot"]) != set(members):
            raise SpecError(f"{spec.id}: the key must give every member a vote, or 'others' for the rest")
        if others is not None and others not in council.VOTE_CHOICES:
            raise SpecError(f"{spec.id}: 'others' is yes, no or abstain")

    def validate_answer(self, spec, value):
        if not isinstance(value, Mapping):
            raise AnswerError("A ballot gives each member yes, no or abstain.")
        known = council.members_of(spec)[0]
        out = {}
        for member, choice in value.items():
            if member not in known:
                raise AnswerError(f"{str(member)[:40]} is not a member of this Council.")
            if choice not in council.VOTE_CHOICES:
                raise AnswerError("Each vote is yes, no or abstain.")
            out[member] = choice
        if not out:
            raise AnswerError("No member has voted yet.")
        return {m: out[m] for m in known if m in out}

    def encode(self, qid, key):
        if isinstance(key, str):
            return {"h": [keys.digest(qid, "outcome", key)]}
        payload = {
            "v": sorted(keys.digest(qid, "vote", m, v) for m, v in key["ballot"].items()),
            "l": sorted(keys.digest(qid, "listed", m) for m in key["ballot"]),
        }
        if key.get("others") is not None:
            payload["o"] = keys.digest(qid, "others", key["others"])
        return payload

    def score(self, spec, value, checker):
        members, permanent = council.members_of(spec)
        outcome = council.council_outcome(value, permanent, members)
        points = float(spec.points)
        if outcome.not_voted:
            return Result(
                0.0,
                points,
                "incorrect",
                f"{outcome.not_voted} member(s) have not voted yet; cast all {len(members)} votes.",
                spec.hint,
            )
        if checker is None:
            return Result(points, points, "correct", f"Ballot complete. {outcome.explain()}", "")
        if checker.kind() == "ballot":
            # The question states the ballot, so saying how many votes differ reveals nothing.
            off = sum(1 for member, vote in value.items() if not checker.vote_ok(member, vote))
            if off == 0:
                return self._full(spec, f"Correct: this is the ballot asked for. {outcome.explain()}")
            return Result(
                0.0,
                points,
                "incorrect",
                f"Not yet: {off} of {len(members)} votes are not the ones the question describes. {outcome.explain()}",
                spec.hint,
            )
        if checker.outcome_is(outcome.label):
            return self._full(spec, f"Ballot complete. {outcome.explain()}")
        return Result(
            0.0,
            points,
            "incorrect",
            f"Not yet: this ballot does not give the outcome the question asks for. {outcome.explain()}",
            spec.hint,
        )

    def describe_answer(self, spec, value):
        counts = Counter(value.values())
        return [f"{counts.get('yes', 0)} yes, {counts.get('no', 0)} no, {counts.get('abstain', 0)} abstain"]


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits (apostrophes, hyphens inside a word)."""
    return len(re.findall(r"\w+(?:['’\-]\w+)*", text))


class Written(QuestionType):
    """A written answer, graded by a person against the rubric."""

    name = "written"
    fields = ("words", "criteria")
    default_graded = "hand"
    answer_layout = "block"

    def check_spec(self, spec):
        if spec.graded != "hand":
            raise SpecError(f"{spec.id}: written answers are graded by hand")
        from .spec import rubric_criteria  # read on first use, so a damaged rubric never breaks an import

        known = rubric_criteria()
        for name in spec.criteria:
            if name not in known:
                raise SpecError(f"{spec.id}: unknown rubric criterion {name!r}; known: {', '.join(known)}")

    def validate_key(self, spec, key):
        if (
            not isinstance(key, Mapping)
            or set(key) != {"model_answer", "rubric"}
            or not isinstance(key["model_answer"], str)
            or not isinstance(key["rubric"], str)
        ):
            raise SpecError(f'{spec.id}: key must be {{"model_answer": "...", "rubric": "<rubric id>"}}')

    def validate_answer(self, spec, value):
        text = check_text(value, "answer", MAX_WRITTEN_CHARS)
        if not text.strip():
            raise AnswerError("The answer is empty.")
        return text

    def encode(self, qid, key):
        return None  # model answers never leave solutions

    def score(self, spec, value, checker):
        n = word_count(value)
        note = f"{n} words"
        if spec.words and not spec.words[0] <= n <= spec.words[1]:
            note += f" (the range is {spec.words[0]}–{spec.words[1]})"
        return Result(
            0.0, float(spec.points), "hand", f"Saved ({note}). Your instructor grades it with the rubric.", ""
        )

    def describe_answer(self, spec, value):
        return [value]


#: Every question type by name, in the order the module documents them.
TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), Number(), Order(), Classify(), Forecast(), Vote(), Written())
}
