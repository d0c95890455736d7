"""The rubric for written answers (``instructor/rubric.yaml``) and how levels become points.

The file lists the levels (4 Exemplary ... 0 Missing), the criteria with a
descriptor per level and a default weight, and named rubrics (sets of
criteria with weights) that a written question's key can point to. See the
comments at the top of the YAML file for the rules in words.

Grading rule (:meth:`Rubric.points`)::

    points = question points x sum(weight x level) / (top level x sum(weights))

worked out exactly (fractions) and then rounded half up to 2 decimals like
every other question (:func:`minusma.grading.names.round_points`), so
2.125 gives 2.13 as on paper. A question is only scored when every
criterion that applies has a level. Each criterion's share of the points
(:meth:`AppliedCriteria.shares`) is shown to graders and students.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..spec import QuestionSpec
from .names import round_points

RUBRIC_FORMAT = "minusma-rubric/1"
DEFAULT_RUBRIC_PATH = paths.RUBRIC_FILE


class RubricError(ValueError):
    """The rubric file is missing or inconsistent; the message says where."""


@dataclass(frozen=True)
class Level:
    level: int
    name: str

    @property
    def label(self) -> str:
        """``"3 · Proficient"``: how a level is shown in menus and feedback."""
        return f"{self.level} · {self.name}"


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    summary: str
    weight: float
    descriptors: Mapping[int, str]


@dataclass(frozen=True)
class RubricSet:
    """A named rubric: which criteria, with what relative weight."""

    id: str
    title: str
    weights: Mapping[str, float]


@dataclass(frozen=True)
class AppliedCriteria:
    """The criteria that apply to one written question, with weights, and any note about how they were chosen."""

    criteria: tuple[tuple[str, float], ...]
    rubric_id: str
    note: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.criteria)

    @cached_property
    def shares(self) -> dict[str, Fraction]:
        """Each criterion's share of the question's points (they add up to 1): its weight over the sum of weights."""
        total = sum(Fraction(str(w)) for _, w in self.criteria)
        if total <= 0:
            return {cid: Fraction(0) for cid in self.ids}
        return {cid: Fraction(str(w)) / total for cid, w in self.criteria}


@dataclass(frozen=True)
class Rubric:
    title: str
    levels: tuple[Level, ...]
    criteria: Mapping[str, Criterion]
    sets: Mapping[str, RubricSet]
    default_set: str

    @property
    def top(self) -> int:
        return max(lv.level for lv in self.levels)

    def level(self, value: int) -> Level:
        for lv in self.levels:
            if lv.level == value:
                return lv
        raise KeyError(value)

    def parse_level(self, text: Any) -> int | None:
        """A level from what a grader typed: ``3``, ``"3"``, ``"3.0"``, ``"proficient"``, ``"3 · Proficient"``.

        Returns None for an empty cell; raises ValueError for anything else.
        """
        if text is None:
            return None
        if isinstance(text, bool):
            raise ValueError(f"{text!r} is not a level")
        if isinstance(text, (int, float)):
            number = float(text)
        else:
            cleaned = str(text).strip()
            if not cleaned:
                return None
            head = cleaned.split("·")[0].split()[0] if cleaned[0].isdigit() else cleaned
            try:
                number = float(head)
            except ValueError:
                for lv in self.levels:
                    if lv.name.lower() == cleaned.lower():
                        return lv.level
                raise ValueError(
                    f"{cleaned[:30]!r} is not a level; use "
                    + ", ".join(f"{lv.level} ({lv.name})" for lv in self.levels)
                ) from None
        if not math.isfinite(number) or not number.is_integer() or int(number) not in {lv.level for lv in self.levels}:
            raise ValueError(
                f"{text!r} is not a level; use a whole number from {min(lv.level for lv in self.levels)} to {self.top}"
            )
        return int(number)

    def applied(self, spec: QuestionSpec, key: Any = None) -> AppliedCriteria:
        """Which criteria (and weights) grade this written question.

        The question's own ``criteria`` first (weighted by the rubric its key
        names if that rubric weighs all of them, else all by each criterion's
        own weight); else the rubric its key names; else the default rubric. An unknown rubric or criterion
        name is noted (and skipped) rather than stopping the run.
        """
        named = key.get("rubric") if isinstance(key, Mapping) else None
        note = ""
        if named and named not in self.sets:
            note = (
                f"the key names rubric {named!r}, which instructor/rubric.yaml does not define; "
                f"used {self.default_set!r}"
            )
            named = None
        chosen = self.sets[named or self.default_set]
        if spec.criteria:
            picked = []
            for cid in spec.criteria:
                if cid not in self.criteria:
                    note = (note + "; " if note else "") + f"criterion {cid!r} is not in instructor/rubric.yaml"
                    continue
                picked.append(cid)
            if picked:
                return self.weighted(picked, chosen.id, note)
        return AppliedCriteria(tuple(chosen.weights.items()), chosen.id, note)

    def weighted(self, criteria: Iterable[str], rubric_id: str, note: str = "") -> AppliedCriteria:
        """``criteria`` with weights: the named rubric's when it weighs every one of them, else each criterion's own.

        Mixing a rubric's relative weights with defaults from elsewhere would
        skew the result, so it is all one or all the other. The grading
        widget uses this too, so graders see the weights the command applies.
        """
        known = [cid for cid in criteria if cid in self.criteria]
        named = self.sets.get(rubric_id)
        if named is not None and all(cid in named.weights for cid in known):
            return AppliedCriteria(tuple((cid, named.weights[cid]) for cid in known), rubric_id, note)
        return AppliedCriteria(tuple((cid, self.criteria[cid].weight) for cid in known), rubric_id, note)

    def points(self, max_points: float, applied: AppliedCriteria, levels: Mapping[str, int]) -> float | None:
        """Points for one written answer, or None while any applicable criterion has no level."""
        if any(levels.get(cid) is None for cid in applied.ids):
            return None
        # Exact arithmetic, rounded once at the end: floats would turn a tie such as 2.125 into 2.12499...
        earned = sum((share * levels[cid] for cid, share in applied.shares.items()), Fraction(0))
        return round_points(Fraction(str(float(max_points))) * earned / self.top)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise RubricError(f"{where}: {message}")


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _parse_levels(raw_levels: Any, where: str) -> list[Level]:
    _require(isinstance(raw_levels, list) and len(raw_levels) >= 2, where, "levels: give at least two levels")
    levels = []
    for item in raw_levels:
        _require(
            isinstance(item, dict) and isinstance(item.get("level"), int) and isinstance(item.get("name"), str),
            where,
            "each level needs a whole-number 'level' and a 'name'",
        )
        levels.append(Level(item["level"], item["name"].strip()))
    numbers = [lv.level for lv in levels]
    _require(len(set(numbers)) == len(numbers) and min(numbers) == 0, where, "levels must be distinct and start at 0")
    return levels


def _parse_criterion(cid: str, body: Any, numbers: list[int], where: str) -> Criterion:
    here = f"{where}, criterion {cid}"
    _require(isinstance(body, dict), here, "expected title, summary, weight and descriptors")
    for name in ("title", "summary"):
        _require(isinstance(body.get(name), str) and body[name].strip(), here, f"'{name}' must be a text")
    _require(_positive_number(body.get("weight")), here, "'weight' must be a number above 0")
    descriptors = body.get("descriptors")
    _require(
        isinstance(descriptors, dict) and set(descriptors) == set(numbers),
        here,
        f"'descriptors' must describe every level ({', '.join(map(str, sorted(numbers)))})",
    )
    _require(all(isinstance(v, str) and v.strip() for v in descriptors.values()), here, "descriptors must be texts")
    return Criterion(
        cid,
        body["title"].strip(),
        body["summary"].strip(),
        float(body["weight"]),
        {int(k): v.strip() for k, v in descriptors.items()},
    )


def _parse_set(rid: str, body: Any, criteria: Mapping[str, Criterion], where: str) -> RubricSet:
    here = f"{where}, rubric {rid}"
    _require(
        isinstance(body, dict) and isinstance(body.get("criteria"), dict) and body["criteria"],
        here,
        "expected 'criteria': {criterion: weight}",
    )
    for cid, weight in body["criteria"].items():
        _require(cid in criteria, here, f"unknown criterion {cid!r}")
        _require(_positive_number(weight), here, f"the weight of {cid} must be a number above 0")
    return RubricSet(rid, str(body.get("title", rid)).strip(), {cid: float(w) for cid, w in body["criteria"].items()})


def parse_rubric(document: Any, where: str = "rubric") -> Rubric:
    """Check and build a :class:`Rubric` from the parsed YAML."""
    _require(isinstance(document, dict), where, "expected a mapping at the top")
    _require(document.get("format") == RUBRIC_FORMAT, where, f"format must be {RUBRIC_FORMAT}")
    levels = _parse_levels(document.get("levels"), where)
    numbers = [lv.level for lv in levels]
    raw_criteria = document.get("criteria")
    _require(isinstance(raw_criteria, dict) and raw_criteria, where, "criteria: give at least one criterion")
    criteria = {cid: _parse_criterion(cid, body, numbers, where) for cid, body in raw_criteria.items()}
    raw_sets = document.get("rubrics")
    _require(isinstance(raw_sets, dict) and raw_sets, where, "rubrics: give at least one named rubric")
    sets = {rid: _parse_set(rid, body, criteria, where) for rid, body in raw_sets.items()}
    default = document.get("default_rubric")
    _require(isinstance(default, str) and default in sets, where, "default_rubric must name one of the rubrics")
    return Rubric(
        title=str(document.get("title", "Rubric")),
        levels=tuple(sorted(levels, key=lambda lv: -lv.level)),
        criteria=criteria,
        sets=sets,
        default_set=default,
    )


def load_rubric(path: Path | None = None) -> Rubric:
    """Read and check the rubric file (``instructor/rubric.yaml`` by default)."""
    path = Path(path) if path is not None else DEFAULT_RUBRIC_PATH
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(f"the rubric file {path.name} was not found") from None
    except yaml.YAMLError as exc:
        raise RubricError(f"{path.name} is not valid YAML: {exc}") from None
    return parse_rubric(document, path.name)
