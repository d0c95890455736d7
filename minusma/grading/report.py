"""Writing the grades folder: CSV files, feedback pages, the class summary and its figure.

Every file is written atomically (:mod:`minusma.files`) and is a pure function
of the grading result: rows are sorted, nothing reads the clock, and the only
dates shown are the hand-in times inside the submissions. Running the grader
twice on the same folder therefore gives byte-identical files.

CSV files are UTF-8 with a byte-order mark (so spreadsheet programs on Windows
show accented names correctly) and ``,`` separators. Student text in them is
guarded against spreadsheet formulas (:func:`minusma.grading.names.csv_text`);
in HTML it is escaped with ``html.escape``.
"""
from __future__ import annotations

import csv
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..files import set_aside, write_bytes_atomic
from ..spec import QuestionSpec
from . import hand as _hand
from .names import SAFE_STEM_PATTERN, csv_text, fmt_points, safe_file_stem, shorten
from .problems import Problem
from .scoring import ClassGrades, NotebookGrade, QuestionGrade, StudentGrade

GRADEBOOK = "gradebook.csv"
QUESTIONS = "questions.csv"
PROBLEMS = "problems.csv"
SUMMARY_HTML = "summary.html"
SUMMARY_PNG = "summary.png"
FEEDBACK_DIR = "feedback"
FEEDBACK_INDEX = "index.csv"

QUESTION_COLUMNS = ("student_id", "notebook", "question", "type", "points", "max_points", "status", "note")
PROBLEM_COLUMNS = ("file", "student_id", "problem", "action")

#: How each status reads on a student's feedback page.
STATUS_WORDS = {
    "correct": "Correct",
    "partial": "Partly right",
    "incorrect": "Not yet right",
    "unanswered": "Not answered",
    "invalid": "Could not be scored",
    "pending": "Not graded yet",
    "hand-scored": "Graded with the rubric",
    "error": "Could not be scored",
}

#: The bands of the summary figure, in stacking order, and which statuses fall in each.
BANDS = ("full marks", "part marks", "no marks", "not answered", "not graded yet")


def _band(grade: QuestionGrade) -> str:
    if grade.status == "pending":
        return "not graded yet"
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
    """Header and rows of gradebook.csv (see the instructor guide for what each column means)."""
    header = ["student_id", "name", *grades.notebooks, "total", "possible"]
    possible = fmt_points(grades.total_possible)
    rows = []
    for student in grades.students:
        cells = [fmt_points(student.notebooks[nb].points) if nb in student.notebooks else ""
                 for nb in grades.notebooks]
        rows.append([csv_text(student.student_id), csv_text(student.name), *cells, fmt_points(student.total), possible])
    return header, rows


def question_rows(grades: ClassGrades) -> list[list[str]]:
    rows = []
    for student in grades.students:
        for notebook in grades.notebooks:
            nb = student.notebooks.get(notebook)
            if nb is None:
                continue
            for q in nb.questions:
                rows.append([csv_text(student.student_id), notebook, q.spec.id, q.spec.type, fmt_points(q.points),
                             fmt_points(q.max_points), q.status, csv_text(q.note)])
    return rows


def problem_rows(problems: Iterable[Problem]) -> list[list[str]]:
    return [[csv_text(cell) for cell in p.row()] for p in sorted(set(problems))]


# --------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------

def esc(text: Any) -> str:
    """Escape anything for HTML text or attribute values."""
    return html.escape(str(text), quote=True)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;margin:0;color:#1a1a1a;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #0072B2}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
td.num{text-align:right;white-space:nowrap}.answer{white-space:pre-wrap;max-height:20rem;overflow:auto}
.status-correct::before,.status-hand-scored::before{content:"✔ "}.status-partial::before{content:"◐ "}
.status-incorrect::before,.status-invalid::before,.status-error::before{content:"✘ "}
.status-unanswered::before,.status-pending::before{content:"○ "}
.note{color:#444;font-size:.92rem}.hint{font-style:italic}
img{max-width:100%;height:auto}
""".strip()


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
            f"</body>\n</html>\n")


def _when(stamp: str) -> str:
    """``2023-06-30T10:15:00.000Z`` as ``2023-06-30 10:15 UTC`` (taken from the hand-in, never the clock)."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def show_answer(spec: QuestionSpec, value: Any) -> str:
    """The student's own answer as escaped HTML (their answer, never the key)."""
    if value is None:
        return "<i>no answer</i>"
    try:
        t = spec.type
        if t == "single_choice":
            return esc(value)
        if t == "multiple_choice":
            return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>" if value else "<i>nothing ticked</i>"
        if t == "number":
            return esc(f"{float(value):,.10g}" + (f" {spec.unit}" if spec.unit else ""))
        if t == "order":
            return "<ol>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ol>"
        if t == "classify":
            return "<ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in value.items()) + "</ul>"
        if t == "forecast":
            state = "locked" if value.get("locked_at") else "not locked"
            return esc(f"{value.get('probability')} % ({state}): {value.get('reason', '')}")
        if t == "vote":
            counts = Counter(value.values())
            return esc(f"{counts.get('yes', 0)} yes, {counts.get('no', 0)} no, {counts.get('abstain', 0)} abstain")
        if t == "written":
            return f'<div class="answer">{esc(value)}</div>'
    except (TypeError, ValueError, AttributeError):
        pass
    return esc(shorten(repr(value), 200))


def _hand_details(q: QuestionGrade, grades: ClassGrades) -> str:
    """The rubric levels and comment of a hand-scored answer, for the student."""
    if q.hand is None or q.applied is None:
        return ""
    rubric = grades.rubric
    items = []
    for cid in q.applied.ids:
        level = q.hand.levels.get(cid)
        criterion = rubric.criteria[cid]
        if level is None:
            items.append(f"<li><b>{esc(criterion.title)}</b>: not graded yet</li>")
            continue
        items.append(f"<li><b>{esc(criterion.title)}</b>: {esc(rubric.level(level).label)}. "
                     f"{esc(criterion.descriptors[level])}</li>")
    comment = f'<p class="note">Comment: {esc(q.hand.comment)}</p>' if q.hand.comment else ""
    return f"<ul>{''.join(items)}</ul>{comment}"


def _notebook_section(nb: NotebookGrade, possible: float, grades: ClassGrades) -> str:
    rows = []
    for number, q in enumerate(nb.questions, start=1):
        feedback = esc(q.feedback)
        if q.hint:
            feedback += f'<br><span class="hint">Hint: {esc(q.hint)}</span>'
        if q.status in ("hand-scored", "pending") and q.spec.type == "written":
            feedback += _hand_details(q, grades)
        points = f"{fmt_points(q.points)} of {fmt_points(q.max_points)}"
        if not q.counted:
            points += '<br><span class="note">(not counted yet)</span>'
        rows.append(
            f"<tr><th scope=\"row\">{number}. {esc(q.spec.prompt)}</th><td>{show_answer(q.spec, q.answer)}</td>"
            f'<td class="num">{points}</td><td><span class="status-{esc(q.status)}">{esc(STATUS_WORDS[q.status])}'
            f"</span><br>{feedback}</td></tr>")
    return (f"<section>\n<h2>{esc(nb.notebook)}: {fmt_points(nb.points)} of {fmt_points(possible)} points</h2>\n"
            f"<p>Graded from your hand-in of {esc(_when(nb.submission.submitted_at))}.</p>\n"
            f"<table>\n<caption>Your answers to {esc(nb.notebook)}</caption>\n"
            '<thead><tr><th scope="col">Question</th><th scope="col">Your answer</th><th scope="col">Points</th>'
            '<th scope="col">Feedback</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>\n</section>")


def feedback_page(student: StudentGrade, grades: ClassGrades) -> str:
    """A student's feedback page: what was right, hints, points. Every piece of text is escaped."""
    sections = []
    for notebook in grades.notebooks:
        nb = student.notebooks.get(notebook)
        if nb is None:
            sections.append(f"<section>\n<h2>{esc(notebook)}</h2>\n<p>No hand-in was received for this notebook.</p>\n"
                            "</section>")
        else:
            sections.append(_notebook_section(nb, grades.possible[notebook], grades))
    body = (f"<h1>Your feedback: Leaving Mali</h1>\n"
            f"<p>{esc(student.name)} ({esc(student.student_id)}): <b>{fmt_points(student.total)} of "
            f"{fmt_points(grades.total_possible)} points</b> so far.</p>\n"
            "<p>Questions marked “not counted yet” are scored later (forecasts once the outcome is known, written "
            "answers once your instructor has graded them).</p>\n" + "\n".join(sections))
    return _page(f"Feedback: {student.name}", body)


# --------------------------------------------------------------------------
# Class summary
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionStats:
    notebook: str
    spec: QuestionSpec
    counted: bool
    n: int
    bands: dict[str, int]
    mean_fraction: float | None

    @property
    def label(self) -> str:
        return self.spec.id


def question_stats(grades: ClassGrades) -> list[QuestionStats]:
    stats = []
    for notebook in grades.notebooks:
        for position, s in enumerate(grades.questions(notebook)):
            qs = [st.notebooks[notebook].questions[position] for st in grades.students if notebook in st.notebooks]
            bands = {b: 0 for b in BANDS}
            for q in qs:
                bands[_band(q)] += 1
            counted = any(q.counted for q in qs)
            fractions = [q.points / q.max_points for q in qs if q.max_points > 0 and q.status != "pending"]
            mean = statistics.fmean(fractions) if (fractions and counted) else None
            stats.append(QuestionStats(notebook, s, counted, len(qs), bands, mean))
    return stats


def most_missed(stats: list[QuestionStats], n: int = 5) -> list[QuestionStats]:
    """The counted questions with the lowest average share of points (ties in course order)."""
    ranked = [s for s in stats if s.mean_fraction is not None and s.spec.points > 0]
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
        plots.label(ax, x="Share of students who handed in the notebook", x_unit="%", y="Question",
                    title="How the class scored on each question")
        plots.legend(ax)
        plots.source(fig, f"{n_files} hand-in files from {n_students} students, scored against solutions/ by "
                          f"python -m minusma grade (module {__version__})")
        buffer = io.BytesIO()
        # No software or date stamp in the file, so the same grades give the same bytes.
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def summary_page(grades: ClassGrades, stats: list[QuestionStats]) -> str:
    n = len(grades.students)
    parts = [f"<h1>Class summary: Leaving Mali</h1>\n<p>{n} students graded from {grades.files_read} files; "
             f"{len(grades.problems)} problems listed in <code>problems.csv</code>.</p>"]
    rows = []
    for notebook in grades.notebooks:
        totals = [st.notebooks[notebook].points for st in grades.students if notebook in st.notebooks]
        possible = grades.possible[notebook]
        mean = statistics.fmean(totals) if totals else 0.0
        median = statistics.median(totals) if totals else 0.0
        rows.append(f"<tr><th scope=\"row\">{esc(notebook)}</th><td class=\"num\">{len(totals)}</td>"
                    f"<td class=\"num\">{fmt_points(mean)}</td><td class=\"num\">{fmt_points(median)}</td>"
                    f"<td class=\"num\">{fmt_points(min(totals, default=0))}</td>"
                    f"<td class=\"num\">{fmt_points(max(totals, default=0))}</td><td class=\"num\">{fmt_points(possible)}</td></tr>")
    parts.append("<h2>Notebooks</h2>\n<table><caption>Points per notebook</caption><thead><tr>"
                 '<th scope="col">Notebook</th><th scope="col">Hand-ins</th><th scope="col">Mean</th>'
                 '<th scope="col">Median</th><th scope="col">Lowest</th><th scope="col">Highest</th>'
                 '<th scope="col">Possible</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
    missed = most_missed(stats)
    if missed:
        items = "".join(
            f"<li><b>{esc(s.spec.id)}</b> ({esc(s.spec.type)}): {s.mean_fraction:.0%} of the points on average; "
            f"{s.bands['full marks']} of {s.n} got full marks, {s.bands['not answered']} did not answer. "
            f"<span class=\"note\">{esc(shorten(s.spec.prompt, 160))}</span></li>" for s in missed)
        parts.append(f"<h2>Most-missed questions</h2>\n<ol>{items}</ol>")
    written = len(grades.hand_items)
    done = sum(1 for st in grades.students for nb in st.notebooks.values() for q in nb.questions
               if q.status == "hand-scored")
    parts.append(f"<h2>Written answers</h2>\n<p>{written} written answers to grade by hand; {done} scored and merged. "
                 f"Grade them in <code>{_hand.SHEET_NAME}</code> or with "
                 "<code>instructor/grade_written.ipynb</code>, then merge with <code>--hand-scores</code>.</p>")
    alt = ("Stacked horizontal bars, one per question, showing the share of students with full marks, part marks, "
           "no marks, no answer, and answers not graded yet.")
    parts.append(f'<h2>Scores per question</h2>\n<figure><img src="{SUMMARY_PNG}" alt="{esc(alt)}">'
                 "<figcaption>Each bar is one question; the table below gives the same numbers.</figcaption></figure>")
    head = "".join(f'<th scope="col">{esc(b)}</th>' for b in BANDS)
    qrows = []
    for s in stats:
        cells = "".join(f'<td class="num">{s.bands[b]}</td>' for b in BANDS)
        mean = "–" if s.mean_fraction is None else f"{s.mean_fraction:.0%}"
        qrows.append(f'<tr><th scope="row">{esc(s.spec.id)}</th><td>{esc(s.spec.type)}</td>'
                     f'<td class="num">{mean}</td>{cells}</tr>')
    parts.append('<table><caption>Students per score band, per question</caption><thead><tr>'
                 '<th scope="col">Question</th><th scope="col">Type</th><th scope="col">Mean share of points</th>'
                 f"{head}</tr></thead><tbody>{''.join(qrows)}</tbody></table>")
    kinds = Counter(p.action for p in grades.problems)
    if kinds:
        items = "".join(f"<li>{count} × {esc(action)}</li>" for action, count in sorted(kinds.items()))
        parts.append(f"<h2>Problems</h2>\n<p>Details, file by file, in <code>problems.csv</code>.</p><ul>{items}</ul>")
    return _page("Class summary: Leaving Mali", "\n".join(parts))


# --------------------------------------------------------------------------
# The whole folder
# --------------------------------------------------------------------------

def _carry_over_sheet(path: Path, grades: ClassGrades, extra_problems: list[Problem]) -> dict:
    """Levels and comments already typed into an existing sheet, so re-running never empties it."""
    if not path.exists():
        return {}
    try:
        filled, problems = _hand.sheet_scores(_hand.read_sheet_rows(path), grades.rubric, path.name)
    except (_hand.HandScoresError, OSError, csv.Error) as exc:
        aside = set_aside(path)
        extra_problems.append(Problem(path.name, "", f"the existing sheet could not be read ({exc})",
                                      f"kept as {aside.name}; a new sheet was written"))
        return {}
    extra_problems.extend(problems)
    return filled


def _remove_stale_feedback(folder: Path, written: set[str]) -> None:
    """Delete feedback pages of students no longer in the class (only files this grader names)."""
    for path in folder.glob("*.html"):
        if path.name not in written and SAFE_STEM_PATTERN.match(path.stem):
            path.unlink()


def write_outputs(grades: ClassGrades, out_dir: Path) -> list[Problem]:
    """Write every output file into ``out_dir``; return problems found while writing (sheet carry-over)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    late_problems: list[Problem] = []

    # The hand-grading sheet first: its carry-over may add problems to problems.csv.
    sheet_path = out_dir / _hand.SHEET_NAME
    filled = _carry_over_sheet(sheet_path, grades, late_problems)
    used = {c for item in grades.hand_items for c in item.criteria}
    criteria_order = [c for c in grades.rubric.criteria if c in used]
    sheet = _hand.render_sheet(grades.hand_items, criteria_order, filled)
    write_bytes_atomic(sheet_path, _utf8(sheet, bom=True))

    header, rows = gradebook_rows(grades)
    write_bytes_atomic(out_dir / GRADEBOOK, _csv_bytes(header, rows))
    write_bytes_atomic(out_dir / QUESTIONS, _csv_bytes(QUESTION_COLUMNS, question_rows(grades)))
    grades.problems = sorted(set(grades.problems) | set(late_problems))
    write_bytes_atomic(out_dir / PROBLEMS, _csv_bytes(PROBLEM_COLUMNS, problem_rows(grades.problems)))

    feedback_dir = out_dir / FEEDBACK_DIR
    written: set[str] = set()
    index_rows = []
    for student in grades.students:
        name = safe_file_stem(student.student_id) + ".html"
        written.add(name)
        write_bytes_atomic(feedback_dir / name, _utf8(feedback_page(student, grades)))
        index_rows.append([csv_text(student.student_id), csv_text(student.name), f"{FEEDBACK_DIR}/{name}"])
    feedback_dir.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(feedback_dir / FEEDBACK_INDEX, _csv_bytes(("student_id", "name", "file"), index_rows))
    _remove_stale_feedback(feedback_dir, written)

    stats = question_stats(grades)
    write_bytes_atomic(out_dir / SUMMARY_PNG, summary_figure(stats, len(grades.students), grades.files_read))
    write_bytes_atomic(out_dir / SUMMARY_HTML, _utf8(summary_page(grades, stats)))
    return late_problems
