"""Writing the grades folder: CSV files, feedback pages, the class summary and its figure.

Every file is a pure function of the grading result: rows are sorted,
nothing reads the clock, and the only dates shown are the hand-in times
inside the submissions. Running the grader twice on the same folder
therefore gives byte-identical files. All of them are written at once
(:mod:`.grades_folder`): a failure leaves the previous grades whole.

CSV files are UTF-8 with a byte-order mark (so spreadsheet programs on Windows
show accented names correctly) and ``,`` separators. Student text in them is
guarded against spreadsheet formulas (:func:`minusma.grading.names.csv_text`).
HTML pages come from the Jinja2 templates in ``templates/`` with autoescaping
on, so every piece of text is escaped unless a template says otherwise.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..qtypes import TYPES
from ..spec import QuestionSpec
from .grades_folder import StagedOutput, check_writable
from .hand import SHEET_NAME, SheetCarryOver, read_existing_sheet, render_sheet
from .names import SAFE_STEM_PATTERN, csv_text, fmt_percent, fmt_points, safe_file_stem, shorten
from .problems import Problem
from .scoring import ClassGrades, NotebookGrade, QuestionGrade, StudentGrade

GRADEBOOK = "gradebook.csv"
QUESTIONS = "questions.csv"
PROBLEMS = "problems.csv"
SUMMARY_HTML = "summary.html"
SUMMARY_PNG = "summary.png"
FEEDBACK_DIR = "feedback"
FEEDBACK_INDEX = "index.csv"
#: Every file the command writes (feedback pages aside), relative to the grades folder.
OUTPUT_FILES = (
    GRADEBOOK,
    QUESTIONS,
    PROBLEMS,
    SHEET_NAME,
    SUMMARY_HTML,
    SUMMARY_PNG,
    f"{FEEDBACK_DIR}/{FEEDBACK_INDEX}",
)

QUESTION_COLUMNS = ("student_id", "notebook", "question", "type", "points", "max_points", "status", "checks", "note")
PROBLEM_COLUMNS = ("file", "student_id", "problem", "action")
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: How each status reads on a student's feedback page.
STATUS_WORDS = {
    "correct": "Correct",
    "partial": "Partly right",
    "incorrect": "Not yet right",
    "unanswered": "Not answered",
    "invalid": "Could not be scored",
    "pending": "Not scored yet",
    "hand-scored": "Graded with the rubric",
    "error": "Could not be scored",
}

#: The bands of the summary figure, in stacking order, and which statuses fall in each.
BANDS = ("full marks", "part marks", "no marks", "not answered", "not scored yet")
#: Statuses of an answer that was given and scored (as opposed to missing, broken or waiting).
_SCORED = ("correct", "partial", "incorrect", "hand-scored")


def _band(grade: QuestionGrade) -> str:
    if grade.pending:
        return "not scored yet"
    if grade.status == "unanswered":
        return "not answered"
    if grade.max_points > 0 and grade.points >= grade.max_points:
        return "full marks"
    if grade.points > 0:
        return "part marks"
    return "no marks"


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def _utf8(text: str, bom: bool = False) -> bytes:
    """The bytes of an output file: UTF-8, with a byte-order mark for CSV files.

    Text UTF-8 cannot hold (a lone surrogate, from a hand-edited hand-in or a
    downloaded file name that is not UTF-8) is written as ``?``: one odd
    character must never stop the whole class from being graded.
    """
    return (("\ufeff" if bom else "") + text).encode("utf-8", "replace")


def _csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    return _utf8(out.getvalue(), bom=True)


def gradebook_rows(grades: ClassGrades) -> tuple[list[str], list[list[str]]]:
    """Header and rows of gradebook.csv (see the instructor guide for what each column means).

    ``possible`` is the points of everything already scored for that student
    (``total`` of ``possible`` is their result so far), ``pending`` the points
    still waiting to be scored, and ``possible + pending = maximum``.
    """
    header = ["student_id", "name", *grades.notebooks, "total", "possible", "pending", "maximum"]
    maximum = fmt_points(grades.total_maximum)
    rows = []
    for student in grades.students:
        cells = [fmt_points(student.notebooks[nb].points) if nb in student.notebooks else "" for nb in grades.notebooks]
        rows.append(
            [
                csv_text(student.student_id),
                csv_text(student.name),
                *cells,
                fmt_points(student.total),
                fmt_points(student.possible),
                fmt_points(student.pending),
                maximum,
            ]
        )
    return header, rows


def question_rows(grades: ClassGrades) -> list[list[str]]:
    rows = []
    for student in grades.students:
        for notebook in grades.notebooks:
            nb = student.notebooks.get(notebook)
            if nb is None:
                continue
            for q in nb.questions:
                rows.append(
                    [
                        csv_text(student.student_id),
                        notebook,
                        q.spec.id,
                        q.spec.type,
                        fmt_points(q.points),
                        fmt_points(q.max_points),
                        q.status,
                        "" if q.checks is None else str(q.checks),
                        csv_text(q.note),
                    ]
                )
    return rows


def problem_rows(problems: Iterable[Problem]) -> list[list[str]]:
    return [[csv_text(cell) for cell in p.row()] for p in sorted(set(problems))]


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The page templates, autoescaping every value they show."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(points=fmt_points, percent=fmt_percent, shorten=shorten)
    return environment


@dataclass(frozen=True)
class AnswerView:
    """How a student's answer is shown: ``kind`` is missing, text, bullets, numbered or block (see macros.html)."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()


def _answer_view(spec: QuestionSpec, value: Any) -> AnswerView:
    """The view of an answer, laid out as its question type says (:mod:`minusma.qtypes`)."""
    kind = TYPES[spec.type]
    lines = kind.describe_answer(spec, kind.validate_answer(spec, value))
    if not lines:
        return AnswerView("missing", "nothing chosen")
    if kind.answer_layout in ("bullets", "numbered"):
        return AnswerView(kind.answer_layout, items=tuple(lines))
    return AnswerView(kind.answer_layout, "\n".join(lines))


def answer_view(spec: QuestionSpec, value: Any) -> AnswerView:
    """The student's own answer, ready to show (their answer, never the key); odd shapes are shown as their repr."""
    if value is None:
        return AnswerView("missing", "no answer")
    try:
        return _answer_view(spec, value)
    except (TypeError, ValueError, AttributeError, KeyError):
        return AnswerView("text", shorten(repr(value), 200))


def _when(notebook: NotebookGrade) -> str:
    """The hand-in time as ``2023-06-30 10:15 UTC`` (taken from the hand-in, never the clock)."""
    moment = notebook.submission.submitted
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else shorten(notebook.submission.submitted_at, 40)


@dataclass(frozen=True, slots=True)
class CriterionView:
    """One rubric criterion of a written answer on a feedback page: its share of the points and any level given."""

    title: str
    share: Fraction
    level: str | None
    descriptor: str


@dataclass(frozen=True, slots=True)
class QuestionView:
    """One row of a feedback page (objects, not dicts: templates read attributes fastest)."""

    grade: QuestionGrade
    answer: AnswerView
    status_word: str
    criteria: tuple[CriterionView, ...]
    comment: str


@dataclass(frozen=True, slots=True)
class SectionView:
    """One notebook on a feedback page; ``grade`` is None when it was not handed in."""

    notebook: str
    maximum: float
    grade: NotebookGrade | None = None
    when: str = ""
    questions: tuple[QuestionView, ...] = ()


def _criteria_view(q: QuestionGrade, grades: ClassGrades) -> tuple[CriterionView, ...]:
    """The rubric criteria of a written answer, each with its share of the points and any level given."""
    if q.applied is None:
        return ()
    rubric, levels = grades.rubric, (q.hand.levels if q.hand else {})
    rows = []
    for cid, share in q.applied.shares.items():
        criterion, level = rubric.criteria[cid], levels.get(cid)
        rows.append(
            CriterionView(
                criterion.title,
                share,
                None if level is None else rubric.level(level).label,
                "" if level is None else criterion.descriptors[level],
            )
        )
    return tuple(rows)


def _question_view(q: QuestionGrade, grades: ClassGrades) -> QuestionView:
    return QuestionView(
        q,
        answer_view(q.spec, q.answer),
        STATUS_WORDS[q.status],
        _criteria_view(q, grades),
        q.hand.comment if q.hand else "",
    )


def feedback_page(student: StudentGrade, grades: ClassGrades) -> str:
    """A student's feedback page: what was right, hints, points, rubric levels with their weights."""
    sections = []
    for notebook in grades.notebooks:
        nb = student.notebooks.get(notebook)
        if nb is None:
            sections.append(SectionView(notebook, grades.maximum[notebook]))
            continue
        sections.append(
            SectionView(
                notebook,
                grades.maximum[notebook],
                nb,
                _when(nb),
                tuple(_question_view(q, grades) for q in nb.questions),
            )
        )
    return (
        templates()
        .get_template("feedback.html")
        .render(title=f"Feedback: {student.name}", student=student, sections=sections)
    )


# --------------------------------------------------------------------------
# Class summary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStats:
    notebook: str
    spec: QuestionSpec
    n: int
    bands: dict[str, int]
    mean_fraction: float | None
    median_checks: float | None = None

    @property
    def label(self) -> str:
        return self.spec.id


def _mean_fraction(qs: list[QuestionGrade]) -> float | None:
    """Mean share of the points among answers settled so far; None while nothing answered has been scored."""
    settled = [q for q in qs if not q.pending and q.max_points > 0]
    if not settled or (not any(q.status in _SCORED for q in settled) and any(q.pending for q in qs)):
        return None
    return statistics.fmean(q.points / q.max_points for q in settled)


def question_stats(grades: ClassGrades) -> list[QuestionStats]:
    stats = []
    for notebook in grades.notebooks:
        for position, s in enumerate(grades.questions(notebook)):
            qs = [st.notebooks[notebook].questions[position] for st in grades.students if notebook in st.notebooks]
            bands = {b: 0 for b in BANDS}
            for q in qs:
                bands[_band(q)] += 1
            checks = [q.checks for q in qs if q.checks is not None]
            stats.append(
                QuestionStats(
                    notebook, s, len(qs), bands, _mean_fraction(qs), statistics.median(checks) if checks else None
                )
            )
    return stats


def most_missed(stats: list[QuestionStats], n: int = 5) -> list[QuestionStats]:
    """Up to ``n`` questions with the lowest average share of points (ties in course order).

    Only questions someone lost points on: a question everyone got right is
    not "missed", however short the list.
    """
    ranked = [s for s in stats if s.mean_fraction is not None and s.mean_fraction < 1 and s.spec.points > 0]
    return sorted(ranked, key=lambda s: s.mean_fraction)[:n]


def summary_figure(stats: list[QuestionStats], n_students: int, n_files: int) -> bytes:
    """PNG bytes: one stacked bar per question, the share of students in each score band."""
    import matplotlib.pyplot as plt  # the command line selects the Agg backend (no display needed)

    from .. import plots

    height = max(2.8, 0.34 * len(stats) + 1.9)
    fig, ax = plots.figure(width=8.5, height=height)
    try:
        labels = [s.label for s in stats][::-1]
        left = [0.0] * len(stats)
        for index, band in enumerate(BANDS):
            shares = [(100.0 * s.bands[band] / s.n) if s.n else 0.0 for s in stats][::-1]
            ax.barh(labels, shares, left=left, label=band, **plots.bar_style(index), linewidth=0.6)
            left = [a + b for a, b in zip(left, shares)]
        if not stats:
            ax.text(0.5, 0.5, "No graded answers yet", transform=ax.transAxes, ha="center", va="center")
        ax.set_xlim(0, 100)
        ax.grid(axis="y", visible=False)
        plots.label(
            ax,
            x="Share of students who handed in the notebook",
            x_unit="%",
            y="Question",
            title="How the class scored on each question",
        )
        plots.legend(ax)
        plots.source(
            fig,
            f"{n_files} hand-in files from {n_students} students, scored against solutions/ by "
            f"python -m minusma grade (module {__version__})",
        )
        buffer = io.BytesIO()
        # No software or date stamp in the file, so the same grades give the same bytes.
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _notebook_rows(grades: ClassGrades) -> list[dict[str, Any]]:
    rows = []
    for notebook in grades.notebooks:
        graded = [st.notebooks[notebook] for st in grades.students if notebook in st.notebooks]
        totals = [nb.points for nb in graded]
        rows.append(
            {
                "notebook": notebook,
                "hand_ins": len(totals),
                "maximum": grades.maximum[notebook],
                "mean": statistics.fmean(totals) if totals else 0.0,
                "median": statistics.median(totals) if totals else 0.0,
                "lowest": min(totals, default=0),
                "highest": max(totals, default=0),
                "pending": sum(1 for nb in graded for q in nb.questions if q.pending),
            }
        )
    return rows


def summary_page(grades: ClassGrades, stats: list[QuestionStats]) -> str:
    return (
        templates()
        .get_template("summary.html")
        .render(
            title="Class summary: Leaving Mali",
            n_students=len(grades.students),
            files_read=grades.files_read,
            n_problems=len(grades.problems),
            notebooks=_notebook_rows(grades),
            missed=most_missed(stats),
            written_total=len(grades.hand_items),
            written_scored=grades.written_scored,
            sheet_name=SHEET_NAME,
            figure=SUMMARY_PNG,
            bands=BANDS,
            stats=stats,
            problem_kinds=sorted(Counter(p.action for p in grades.problems).items()),
        )
    )


# --------------------------------------------------------------------------
# The whole folder
# --------------------------------------------------------------------------


def _sheet(grades: ClassGrades, carry: SheetCarryOver) -> tuple[bytes, list[Problem]]:
    """The hand-grading sheet, keeping everything typed into the old one, and what to report about it."""
    problems = list(carry.problems)
    present = {item.key for item in grades.hand_items}
    kept = carry.kept_rows(present)
    used = {c for item in grades.hand_items for c in item.criteria}
    used |= {c for row in kept for c in grades.rubric.criteria if (row.get(c) or "").strip() != "-" and c in row}
    criteria_order = [c for c in grades.rubric.criteria if c in used]
    if kept:
        problems.append(
            Problem(
                SHEET_NAME,
                "",
                f"{len(kept)} row(s) with levels or comments for answers not in this "
                "run (another submissions folder, or a hand-in missing) were kept at "
                "the end of the sheet, marked in_this_run = no",
                "kept; nothing typed was dropped",
            )
        )
    if carry.unreadable:
        problems.append(
            Problem(
                SHEET_NAME,
                "",
                f"the existing sheet could not be read ({carry.unreadable})",
                "set aside as hand_grading.corrupt-<time>.csv; a new sheet was written",
            )
        )
    return _utf8(render_sheet(grades.hand_items, criteria_order, carry), bom=True), problems


def _stale_pages(out_dir: Path, written: set[str]) -> list[str]:
    """Feedback pages of students no longer in the class (only files this grader names)."""
    folder = out_dir / FEEDBACK_DIR
    if not folder.is_dir():
        return []
    return sorted(
        f"{FEEDBACK_DIR}/{p.name}"
        for p in folder.glob("*.html")
        if p.name not in written and SAFE_STEM_PATTERN.match(p.stem) and p.is_file()
    )


def write_outputs(grades: ClassGrades, out_dir: Path) -> list[Problem]:
    """Write every output file into ``out_dir`` at once; return problems found while writing (sheet carry-over).

    Raises :class:`~minusma.grading.grades_folder.OutputFolderError` when the
    folder cannot be written; the previous grades are then left as they were.
    """
    out_dir = Path(out_dir)
    check_writable(out_dir, OUTPUT_FILES, (FEEDBACK_DIR,))
    carry = read_existing_sheet(out_dir / SHEET_NAME, grades.rubric)
    sheet, late_problems = _sheet(grades, carry)
    grades.problems = sorted(set(grades.problems) | set(late_problems))
    with StagedOutput(out_dir) as stage:
        stage.write(SHEET_NAME, sheet, durable=True)  # it carries what graders typed
        header, rows = gradebook_rows(grades)
        stage.write(GRADEBOOK, _csv_bytes(header, rows), durable=True)
        stage.write(QUESTIONS, _csv_bytes(QUESTION_COLUMNS, question_rows(grades)), durable=True)
        stage.write(PROBLEMS, _csv_bytes(PROBLEM_COLUMNS, problem_rows(grades.problems)), durable=True)
        written: set[str] = set()
        index_rows = []
        for student in grades.students:
            name = safe_file_stem(student.student_id) + ".html"
            written.add(name)
            stage.write(f"{FEEDBACK_DIR}/{name}", _utf8(feedback_page(student, grades)))
            index_rows.append([csv_text(student.student_id), csv_text(student.name), f"{FEEDBACK_DIR}/{name}"])
        stage.write(f"{FEEDBACK_DIR}/{FEEDBACK_INDEX}", _csv_bytes(("student_id", "name", "file"), index_rows))
        stats = question_stats(grades)
        stage.write(SUMMARY_PNG, summary_figure(stats, len(grades.students), grades.files_read))
        stage.write(SUMMARY_HTML, _utf8(summary_page(grades, stats)))
        stage.commit(remove=_stale_pages(out_dir, written), set_aside_first=SHEET_NAME if carry.unreadable else None)
    return late_problems
