"""The solutions as the grader sees them: each notebook's questions and keys, read from ``solutions/``.

(Named for the folder it reads, not to be confused with the top-level
``course.py`` that sets up the environment.) Questions come from
:func:`minusma.spec.specs_from_notebook` and keys from
:func:`minusma.spec.keys_from_notebook`. Both read the notebook file with
``ast`` and never run it. A solutions notebook that cannot be read is
reported and left out; the other notebooks are still graded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec import QuestionSpec, SpecError, council_members, keys_from_notebook, specs_from_notebook
from .names import round_points
from .problems import NOTEBOOK_SKIPPED, QUESTION_SKIPPED, Problem

#: Types scored by a formula against a key; without a key they cannot be graded.
NEEDS_KEY = ("single_choice", "multiple_choice", "number", "order", "classify")


@dataclass(frozen=True)
class NotebookQuestions:
    """One notebook's questions in notebook order, their keys, and which can be scored now.

    ``pending`` maps a question id to the reason it cannot be scored yet for
    anyone (a forecast whose outcome is not known, a question without a key);
    such questions score 0 and do not count towards the points possible.
    """

    notebook: str
    specs: tuple[QuestionSpec, ...]
    keys: Mapping[str, Any]
    pending: Mapping[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.specs)

    @property
    def maximum(self) -> float:
        """Every point the notebook offers, scored yet or not."""
        return round_points(sum(float(s.points) for s in self.specs))


@dataclass
class Course:
    """Every gradable notebook by id (``00_start_here``), plus what was wrong with the rest."""

    notebooks: dict[str, NotebookQuestions]
    problems: list[Problem]

    def order(self, notebook: str) -> int:
        """Position of a notebook in course order (by its number)."""
        return sorted(self.notebooks).index(notebook)


def _council_problem() -> str | None:
    """Why vote questions without their own member list cannot be scored here (None if they can)."""
    try:
        members, _permanent = council_members(None)
    except Exception as exc:  # the data layer may raise anything; the reason is what matters
        return f"the 2023 Council list could not be loaded from data/ ({type(exc).__name__}: {exc})"
    return None if members else "the 2023 Council list in data/ is empty"


def _pending_reasons(
    specs: tuple[QuestionSpec, ...], keys: Mapping[str, Any], where: str, problems: list[Problem]
) -> dict[str, str]:
    pending: dict[str, str] = {}
    council_checked, council_problem = False, None
    for s in specs:
        if s.type in NEEDS_KEY and s.id not in keys and s.points == 0:
            # A record of the student's choice (lesson 07's delegation and votes), not a test: nothing is wrong.
            pending[s.id] = "a record of the student's choice, not scored"
        elif s.type in NEEDS_KEY and s.id not in keys:
            pending[s.id] = "no key in the solutions notebook"
            problems.append(Problem(where, "", f"question {s.id} ({s.type}) has no key", QUESTION_SKIPPED))
        elif s.type == "forecast" and s.id not in keys:
            # Expected until the outcome is known (notebook 08): not a problem.
            pending[s.id] = "forecast: scored once the outcome is known"
        elif s.type == "vote" and not s.members:
            if not council_checked:
                council_problem, council_checked = _council_problem(), True
            if council_problem:
                pending[s.id] = "ballot cannot be checked: " + council_problem
                problems.append(Problem(where, "", f"question {s.id}: {council_problem}", QUESTION_SKIPPED))
    return pending


def load_notebook(path: Path, label: str, problems: list[Problem]) -> NotebookQuestions | None:
    """Questions and keys of one solutions notebook, or None (with a problem) if unreadable."""
    try:
        specs = tuple(specs_from_notebook(path))
        keys = dict(keys_from_notebook(path))
    except (SpecError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(label, "", f"the solutions notebook cannot be read: {exc}", NOTEBOOK_SKIPPED))
        return None
    if not specs:
        problems.append(Problem(label, "", "the solutions notebook has no questions", NOTEBOOK_SKIPPED))
        return None
    pending = _pending_reasons(specs, keys, label, problems)
    return NotebookQuestions(notebook=path.stem, specs=specs, keys=keys, pending=pending)


def load_course(solutions_dir: Path) -> Course:
    """Read every ``NN_slug.ipynb`` in ``solutions_dir`` (not recursively), in course order."""
    solutions_dir = Path(solutions_dir)
    problems: list[Problem] = []
    notebooks: dict[str, NotebookQuestions] = {}
    for path in sorted(solutions_dir.glob("*.ipynb")):
        if not _spec_notebook_name(path.stem):
            continue  # scratch or checkpoint copies are not course notebooks
        label = f"{solutions_dir.name}/{path.name}"
        loaded = load_notebook(path, label, problems)
        if loaded is not None:
            notebooks[loaded.notebook] = loaded
    return Course(notebooks=notebooks, problems=problems)


def _spec_notebook_name(stem: str) -> bool:
    from ..store import NOTEBOOK_PATTERN  # one definition of a notebook name, shared with the store

    return bool(NOTEBOOK_PATTERN.match(stem))
