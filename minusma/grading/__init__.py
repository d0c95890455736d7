"""Instructor grading: from a folder of hand-ins to a gradebook, feedback pages and a class summary.

``python -m minusma grade SUBMISSIONS --out GRADES`` (see :mod:`.cli`) runs
:func:`grade_folder`, which goes through four steps, one module each:

1. :mod:`.solutions`: read each notebook's questions and keys from
   ``solutions/`` (with ``ast``; nothing is executed);
2. :mod:`.intake`: read every file under the submissions folder as data,
   check it, and keep the latest hand-in per student and notebook;
3. :mod:`.scoring`: score each answer with :func:`minusma.spec.score`, apply
   the class rules (pending answers, hand scores from :mod:`.hand` and
   :mod:`.rubric`) and gather students;
4. :mod:`.report`: write the CSV files, feedback pages (Jinja2 templates in
   ``templates/``) and the summary, all at once (:mod:`.grades_folder`).

Problems never stop the run: each becomes a row of ``problems.csv``
(:class:`.problems.Problem`). Student ids never become file names unmodified
and student text is escaped wherever it is shown (:mod:`.names`, autoescaping
templates). The grading widget for written answers is :mod:`.hand_widget`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .. import paths
from .grades_folder import OutputFolderError, check_writable
from .hand import HandScore, load_hand_scores
from .intake import DEFAULT_MAX_BYTES, read_folder
from .problems import Problem
from .report import FEEDBACK_DIR, OUTPUT_FILES, write_outputs
from .rubric import Rubric, load_rubric
from .scoring import ClassGrades, grade_class
from .solutions import Course, load_course

__all__ = ["grade_folder", "ClassGrades", "FolderError", "OutputFolderError", "DEFAULT_MAX_BYTES"]


class FolderError(ValueError):
    """The folders given cannot be used together; the message says why."""


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _merge_hand_scores(
    paths_given: Iterable[Path], rubric: Rubric
) -> tuple[dict[tuple[str, str], HandScore], list[Problem], str]:
    """Every hand-scores file, later files winning; a problem where two files disagree."""
    merged: dict[tuple[str, str], HandScore] = {}
    problems: list[Problem] = []
    labels = []
    for path in paths_given:
        scores, found = load_hand_scores(Path(path), rubric)
        for key, score in sorted(scores.items()):
            earlier = merged.get(key)
            if earlier is not None and (earlier.levels, earlier.comment) != (score.levels, score.comment):
                found.append(
                    Problem(
                        Path(path).name,
                        "",
                        f"{key[0]}, {key[1]} is scored differently in an earlier hand-scores file",
                        "used this file's scores",
                    )
                )
            merged[key] = score
        problems.extend(found)
        labels.append(Path(path).name)
    return merged, problems, " + ".join(labels) or "hand scores"


def grade_folder(
    submissions_dir: Path,
    out_dir: Path,
    *,
    solutions_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    hand_scores: Iterable[Path] = (),
    rubric: Rubric | None = None,
    course: Course | None = None,
    drop_layout: str | None = None,
) -> ClassGrades:
    """Grade every hand-in under ``submissions_dir`` and write the grades folder ``out_dir``; return the grades.

    ``hand_scores`` are filled grading sheets (``.csv``) or widget scores
    files (``.json``) to merge; later files win where two score the same
    answer. With ``drop_layout`` (``"owners"`` or ``"folders"``) the
    submissions folder is a JupyterHub drop folder, whose files are checked
    against the hub accounts they must come from (:mod:`.drop`). Raises :class:`FolderError` or :class:`OutputFolderError` (before
    grading) when the folders cannot be used, and :class:`.hand.HandScoresError`
    or :class:`.rubric.RubricError` when an input the instructor named cannot
    be used. Everything about the students' files is reported, not raised.
    Whatever is raised, the previous contents of ``out_dir`` are left whole.
    """
    submissions_dir, out_dir = Path(submissions_dir), Path(out_dir)
    if out_dir.resolve() == submissions_dir.resolve():
        raise FolderError(
            "the grades folder must not be the submissions folder itself: the grades would be read "
            "back as hand-ins next time. Use another folder, e.g. --out grades/00."
        )
    check_writable(out_dir, OUTPUT_FILES, (FEEDBACK_DIR,))
    rubric = rubric or load_rubric()
    merged, hand_problems, label = _merge_hand_scores(hand_scores, rubric)
    course = course or load_course(Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS_DIR)
    # The grades folder may sit inside the submissions folder: never read our own outputs as hand-ins.
    exclude = (out_dir,) if _inside(out_dir, submissions_dir) else ()
    intake = read_folder(submissions_dir, max_bytes=max_bytes, exclude=exclude, drop_layout=drop_layout)
    intake.problems.extend(hand_problems)
    grades = grade_class(intake, course, rubric, merged, hand_label=label)
    write_outputs(grades, out_dir)
    return grades
