"""Instructor grading: from a folder of hand-ins to a gradebook, feedback pages and a class summary.

``python -m minusma grade SUBMISSIONS --out GRADES`` (see :mod:`.cli`) runs
:func:`grade_folder`, which goes through four steps, one module each:

1. :mod:`.course`: read each notebook's questions and keys from ``solutions/``
   (with ``ast``; nothing is executed);
2. :mod:`.intake`: read every file under the submissions folder as data,
   check it, and keep the latest hand-in per student and notebook;
3. :mod:`.scoring`: score each answer with :func:`minusma.spec.score`, apply
   the class rules (pending questions, hand scores from :mod:`.hand` and
   :mod:`.rubric`) and gather students;
4. :mod:`.report`: write the CSV files, feedback pages and the summary.

Problems never stop the run: each becomes a row of ``problems.csv``
(:class:`.problems.Problem`). Student ids never become file names unmodified
and student text is escaped wherever it is shown (:mod:`.names`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .. import paths
from .course import Course, load_course
from .hand import HandScore, load_hand_scores
from .intake import DEFAULT_MAX_BYTES, read_folder
from .problems import Problem
from .report import write_outputs
from .rubric import Rubric, load_rubric
from .scoring import ClassGrades, grade_class

__all__ = ["grade_folder", "GradingRun", "DEFAULT_MAX_BYTES"]


@dataclass
class GradingRun:
    """What a run did: the grades, and where they were written."""

    grades: ClassGrades
    out_dir: Path

    @property
    def n_students(self) -> int:
        return len(self.grades.students)


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def grade_folder(submissions_dir: Path, out_dir: Path, *, solutions_dir: Path | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, hand_scores: Iterable[Path] = (),
                 rubric: Rubric | None = None, course: Course | None = None, jobs: int | None = 1) -> GradingRun:
    """Grade every hand-in under ``submissions_dir`` and write the grades folder ``out_dir``.

    ``hand_scores`` are filled grading sheets (``.csv``) or widget scores
    files (``.json``) to merge; later files win where two score the same
    answer. Raises :class:`.hand.HandScoresError` or :class:`.rubric.RubricError`
    when an input the instructor named cannot be used; everything about the
    students' files is reported, not raised. ``jobs`` processes read the
    files (``None``: one per core for a large class); the output is the same
    for any number.
    """
    submissions_dir, out_dir = Path(submissions_dir), Path(out_dir)
    if out_dir.resolve() == submissions_dir.resolve():
        raise ValueError("the grades folder must not be the submissions folder itself (use a sub-folder or another folder)")
    rubric = rubric or load_rubric()
    course = course or load_course(Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS_DIR)
    merged: dict[tuple[str, str], HandScore] = {}
    hand_problems = []
    labels = []
    for path in hand_scores:
        scores, problems = load_hand_scores(Path(path), rubric)
        for key, score in sorted(scores.items()):
            earlier = merged.get(key)
            if earlier is not None and (earlier.levels, earlier.comment) != (score.levels, score.comment):
                problems.append(Problem(Path(path).name, "", f"{key[0]}, {key[1]} is scored differently in an "
                                                             "earlier hand-scores file", "used this file's scores"))
            merged[key] = score
        hand_problems.extend(problems)
        labels.append(Path(path).name)
    # The grades folder may sit inside the submissions folder: never read our own outputs as hand-ins.
    exclude = (out_dir,) if _inside(out_dir, submissions_dir) else ()
    intake = read_folder(submissions_dir, max_bytes=max_bytes, exclude=exclude, jobs=jobs)
    intake.problems.extend(hand_problems)
    grades = grade_class(intake, course, rubric, merged, hand_label=" + ".join(labels) or "hand scores")
    write_outputs(grades, out_dir)
    return GradingRun(grades=grades, out_dir=out_dir)
