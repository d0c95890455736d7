"""Grading a generated class end to end: known grades, duplicates, re-runs, the CLI, the real solutions.

The class is generated with :mod:`minusma.grading.synthetic` (hand-ins built
by :func:`minusma.submission.build`) against a small solutions notebook
written into ``tmp_path`` with nbformat, so these tests do not depend on the
content of the course's own notebooks. One test uses the real ``solutions/``
and skips, with the reason, while there are none.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import synthetic_class as synthetic

from minusma import __main__ as cli_router
from minusma import paths, spec
from minusma.grading import cli, grade_folder
from minusma.grading.names import pseudonym, safe_file_stem
from minusma.grading.solutions import load_course

NB = synthetic.DEMO_NOTEBOOK
#: Points of the demo questions that can be scored now (the Kidal forecast has no outcome, the
#: written answer waits for hand scores): 1 + 3 + 2 + 4 + 4 + 1 + 2.
AUTO_POSSIBLE = 17
#: The "partial" profile: capital 0, permanent 2 of 3, days 0, sequence 2 of 4, sources 3 of 4,
#: vote 0 (vetoed), forecast at 70 % that came true: 2 x (1 - 0.3^2) = 1.82.
PARTIAL_POINTS = 8.82
#: Every point of the demo notebook: AUTO_POSSIBLE + the Kidal forecast (1) + the written answer (6).
DEMO_MAXIMUM = 24


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture()
def course_dir(tmp_path):
    folder = tmp_path / "solutions"
    synthetic.write_demo_solutions(folder)
    return folder


@pytest.fixture()
def demo(course_dir):
    path = course_dir / f"{NB}.ipynb"
    return spec.specs_from_notebook(path), spec.keys_from_notebook(path)


def hand_in(folder: Path, name: str, document: dict) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def class_dir(tmp_path, demo):
    """Four students as a course site delivers them: odd names, sub-folders, a late re-submission."""
    specs, keys = demo
    subs = tmp_path / "downloads"
    right = synthetic.answers_for(specs, keys, "right")
    partial = synthetic.answers_for(specs, keys, "partial")
    hand_in(
        subs,
        "Alice Diallo_1001_assignsubmission_file_/00_demo.json",
        synthetic.submission_for(NB, "s1001", "Alice Diallo", right),
    )
    hand_in(
        subs,
        "bob_1002_attempt_2023-06-30-10-00-00_00_demo.json",
        synthetic.submission_for(NB, "s1002", "Bob Keita", partial),
    )
    hand_in(subs, "carol_1003_attempt_00_demo.json", synthetic.submission_for(NB, "s1003", "Carol Sangaré", {}))
    # Dave hands in twice: an early, fully right hand-in, then a later, partly right one (the one that counts).
    hand_in(
        subs,
        "dave_1004_attempt_1_00_demo.json",
        synthetic.submission_for(NB, "s1004", "Dave Coulibaly", right, submitted_at="2023-06-30T09:00:00.000Z"),
    )
    hand_in(
        subs,
        "late/dave_1004_attempt_2_00_demo.json",
        synthetic.submission_for(NB, "s1004", "Dave Coulibaly", partial, submitted_at="2023-07-01T08:00:00.000Z"),
    )
    return subs


def grade(class_dir, course_dir, out, **kwargs):
    return grade_folder(class_dir, out, solutions_dir=course_dir, **kwargs)


def test_generated_class_has_the_expected_grades(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grades = grade(class_dir, course_dir, out)
    book = {row["student_id"]: row for row in read_csv(out / "gradebook.csv")}
    assert list(book) == ["s1001", "s1002", "s1003", "s1004"]
    assert list(book["s1001"]) == ["student_id", "name", NB, "total", "possible", "pending", "maximum"]
    assert book["s1001"][NB] == book["s1001"]["total"] == str(AUTO_POSSIBLE)
    assert float(book["s1002"]["total"]) == pytest.approx(PARTIAL_POINTS)
    assert book["s1003"]["total"] == "0"
    assert float(book["s1004"]["total"]) == pytest.approx(PARTIAL_POINTS), "the later hand-in counts"
    assert book["s1001"]["possible"] == str(AUTO_POSSIBLE), "the written answer and the open forecast wait"
    assert book["s1001"]["pending"] == str(DEMO_MAXIMUM - AUTO_POSSIBLE)
    assert book["s1003"]["possible"] == book["s1003"]["maximum"] == str(DEMO_MAXIMUM), "nothing handed in waits"
    assert book["s1003"]["name"] == "Carol Sangaré"
    assert len(grades.students) == 4


def test_questions_csv_is_long_and_has_statuses(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    rows = read_csv(out / "questions.csv")
    assert list(rows[0]) == [
        "student_id",
        "notebook",
        "question",
        "type",
        "points",
        "max_points",
        "status",
        "checks",
        "note",
    ]
    assert len(rows) == 4 * len(synthetic.DEMO_QUESTIONS)
    by = {(r["student_id"], r["question"]): r for r in rows}
    assert by[("s1001", "00.capital")]["status"] == "correct"
    assert by[("s1002", "00.permanent")]["status"] == "partial"
    assert by[("s1002", "00.permanent")]["points"] == "2"
    assert by[("s1003", "00.days")]["status"] == "unanswered"
    assert by[("s1001", "00.kidal")]["status"] == "pending"
    assert "outcome" in by[("s1001", "00.kidal")]["note"]
    assert by[("s1001", "00.why_now")]["status"] == "pending"
    assert by[("s1003", "00.why_now")]["status"] == "unanswered"


def test_duplicates_keep_the_latest_and_report_all(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    problems = [r for r in read_csv(out / "problems.csv") if r["student_id"] == "s1004"]
    files = sorted(r["file"] for r in problems)
    assert files == ["dave_1004_attempt_1_00_demo.json", "late/dave_1004_attempt_2_00_demo.json"]
    older = next(r for r in problems if r["file"].startswith("dave"))
    assert "older hand-in" in older["problem"] and "latest" in older["action"]
    latest = next(r for r in problems if r["file"].startswith("late/"))
    assert "2 hand-ins" in latest["problem"] and latest["action"].startswith("graded")


def test_duplicate_ties_are_broken_the_same_way_every_time(tmp_path, course_dir, demo):
    specs, keys = demo
    subs = tmp_path / "subs"
    same_time = "2023-06-30T10:00:00.000Z"
    hand_in(
        subs,
        "b.json",
        synthetic.submission_for(NB, "s1", "A", synthetic.answers_for(specs, keys, "right"), submitted_at=same_time),
    )
    hand_in(subs, "a.json", synthetic.submission_for(NB, "s1", "A", {}, submitted_at=same_time))
    grade(subs, course_dir, tmp_path / "g")
    book = read_csv(tmp_path / "g" / "gradebook.csv")
    assert book[0]["total"] == str(AUTO_POSSIBLE), "equal times: the file name sorting last wins (b.json)"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_rerun_gives_byte_identical_output(class_dir, course_dir, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    grade(class_dir, course_dir, first)
    before = tree_digest(first)
    grade(class_dir, course_dir, first)  # again, into the same folder
    grade(class_dir, course_dir, second)  # and into a fresh one
    assert tree_digest(first) == before
    assert tree_digest(second) == before
    assert set(before) >= {
        "gradebook.csv",
        "questions.csv",
        "problems.csv",
        "hand_grading.csv",
        "summary.html",
        "summary.png",
        "feedback/index.csv",
    }


def test_output_does_not_depend_on_where_the_folders_are(class_dir, course_dir, tmp_path):
    import shutil

    moved = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(class_dir, moved)
    grade(class_dir, course_dir, tmp_path / "a")
    grade(moved, course_dir, tmp_path / "b")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    text = "".join(
        (tmp_path / "a" / name).read_text(encoding="utf-8-sig")
        for name in ("problems.csv", "summary.html", "gradebook.csv")
    )
    assert str(tmp_path) not in text, "no absolute machine paths in outputs"


def test_feedback_page_per_student_with_safe_names(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    pages = sorted(p.name for p in (out / "feedback").glob("*.html"))
    assert pages == sorted(f"{safe_file_stem(s)}.html" for s in ("s1001", "s1002", "s1003", "s1004"))
    index = read_csv(out / "feedback" / "index.csv")
    assert [r["student_id"] for r in index] == ["s1001", "s1002", "s1003", "s1004"]
    bob = (out / index[1]["file"]).read_text(encoding="utf-8")
    assert "Bob Keita" in bob and "Partly right" in bob
    assert "Hint: There are five" in bob, "hints shown where the answer is not right"
    assert f"{PARTIAL_POINTS:g} of {AUTO_POSSIBLE} points" in bob


def test_feedback_never_reveals_keys_or_model_answers(class_dir, course_dir, tmp_path, demo):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    carol = (out / "feedback" / f"{safe_file_stem('s1003')}.html").read_text(encoding="utf-8")
    # Carol answered nothing, so nothing of hers can coincide with a key.
    for forbidden in (
        ">Bamako<",
        "Russian Federation",
        "Algiers agreement",
        "finding",
        "A model answer kept in solutions",
    ):
        assert forbidden not in carol
    assert "14 days" not in carol
    for page in (out / "feedback").glob("*.html"):
        assert "A model answer kept in solutions" not in page.read_text(encoding="utf-8")


def test_stale_feedback_pages_are_removed_but_nothing_else(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    stale = out / "feedback" / f"{safe_file_stem('gone')}.html"
    stale.write_text("old")
    mine = out / "feedback" / "my-notes.html"
    mine.write_text("instructor's own file")
    grade(class_dir, course_dir, out)
    assert not stale.exists()
    assert mine.exists()


def test_summary_lists_most_missed_and_has_a_sourced_figure(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "Most-missed questions" in page
    missed = page.split("Most-missed questions", 1)[1].split("</ol>", 1)[0]
    assert "00.capital" in missed and "00.vote" in missed
    assert 'src="summary.png"' in page and "alt=" in page
    png = (out / "summary.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert b"Software" not in png, "no version stamp that would change the bytes"


def test_summary_figure_uses_course_style_with_a_source_line():
    from minusma import plots
    from minusma.grading import report

    captured = {}
    real_source = plots.source

    def spy(fig, *sources, **kwargs):
        real_source(fig, *sources, **kwargs)
        captured["has_source"] = plots.has_source(fig)
        captured["text"] = sources

    plots.source = spy
    try:
        report.summary_figure([], 0, 0)
    finally:
        plots.source = real_source
    assert captured["has_source"]
    assert "python -m minusma grade" in captured["text"][0]


def test_hand_scores_merge_into_the_gradebook(class_dir, course_dir, tmp_path):
    out = tmp_path / "grades"
    grade(class_dir, course_dir, out)
    rows = read_csv(out / "hand_grading.csv")
    alias = pseudonym("s1001")
    assert alias in {r["pseudonym"] for r in rows}
    assert not any("s1001" in json.dumps(r) or "Alice" in json.dumps(r) for r in rows), "anonymised"
    # Fill Alice's row as a grader would in a spreadsheet, and merge it.
    sheet = (out / "hand_grading.csv").read_text(encoding="utf-8-sig").splitlines()
    header = sheet[0].split(",")
    filled = []
    for line in sheet:
        if line.startswith(alias):
            cells = next(csv.reader([line]))
            cells[header.index("attribution")] = "4"
            cells[header.index("perspectives")] = "Developing"
            cells[header.index("uncertainty")] = "3"
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(cells)
            line = buffer.getvalue()
        filled.append(line)
    scores = tmp_path / "filled.csv"
    scores.write_text("\n".join(filled) + "\n", encoding="utf-8")
    grade(class_dir, course_dir, out, hand_scores=[scores])
    book = {r["student_id"]: r for r in read_csv(out / "gradebook.csv")}
    # 6 points x (4 + 2 + 3) / (4 x 3) = 4.5
    assert float(book["s1001"]["total"]) == pytest.approx(AUTO_POSSIBLE + 4.5)
    assert book["s1001"]["possible"] == str(AUTO_POSSIBLE + 6)
    assert float(book["s1002"]["total"]) == pytest.approx(PARTIAL_POINTS), "not yet scored: 0 for now"
    assert book["s1002"]["possible"] == str(AUTO_POSSIBLE), "another student's scores do not raise this one's possible"
    assert book["s1002"]["pending"] == str(DEMO_MAXIMUM - AUTO_POSSIBLE)
    questions = {(r["student_id"], r["question"]): r for r in read_csv(out / "questions.csv")}
    assert questions[("s1001", "00.why_now")]["status"] == "hand-scored"
    assert questions[("s1002", "00.why_now")]["status"] == "pending"
    page = (out / "feedback" / f"{safe_file_stem('s1001')}.html").read_text(encoding="utf-8")
    assert "Graded with the rubric" in page and "4 · Exemplary" in page and "2 · Developing" in page


def test_cli_help_and_run(class_dir, course_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    for word in ("SUBMISSIONS_DIR", "--out", "--solutions", "--max-bytes", "--hand-scores", "gradebook.csv"):
        assert word in shown
    out = tmp_path / "grades"
    code = cli_router.main(["grade", str(class_dir), "--out", str(out), "--solutions", str(course_dir)])
    assert code == 0
    said = capsys.readouterr().out
    assert "Graded 4 students" in said and "problems.csv" in said
    assert (out / "gradebook.csv").exists()


def test_cli_refuses_missing_folders_with_a_message(tmp_path, course_dir, capsys):
    assert cli.main([str(tmp_path / "nope"), "--out", str(tmp_path / "g"), "--solutions", str(course_dir)]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "subs").mkdir()
    assert cli.main([str(tmp_path / "subs"), "--out", str(tmp_path / "g"), "--solutions", str(tmp_path / "empty")]) == 2
    assert "no solutions notebooks" in capsys.readouterr().err


def test_cli_refuses_to_write_grades_over_the_submissions(class_dir, course_dir, capsys):
    assert cli.main([str(class_dir), "--out", str(class_dir), "--solutions", str(course_dir)]) == 2
    assert "must not be the submissions folder" in capsys.readouterr().err
    with pytest.raises(ValueError, match="must not be the submissions folder"):
        grade_folder(class_dir, class_dir, solutions_dir=course_dir)


def test_cli_reports_an_unusable_hand_scores_file(class_dir, course_dir, tmp_path, capsys):
    bad = tmp_path / "scores.json"
    bad.write_text("{not json")
    code = cli.main(
        [str(class_dir), "--out", str(tmp_path / "g"), "--solutions", str(course_dir), "--hand-scores", str(bad)]
    )
    assert code == 1
    assert "cannot be used" in capsys.readouterr().err


def test_max_bytes_is_a_whole_number_of_bytes(class_dir, course_dir, tmp_path, capsys):
    assert cli.build_parser().parse_args([str(class_dir), "--out", "g", "--max-bytes", "2000"]).max_bytes == 2000
    for bad in ("2MB", "0", "-5", "1.5"):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args([str(class_dir), "--out", "g", "--max-bytes", bad])
    assert "--max-bytes" in capsys.readouterr().err


def test_grades_folder_inside_the_submissions_folder_is_not_read_back(class_dir, course_dir):
    out = class_dir / "grades"
    grade(class_dir, course_dir, out)
    before = tree_digest(out)
    grade(class_dir, course_dir, out)
    assert tree_digest(out) == before


REAL_SOLUTIONS = sorted(paths.SOLUTIONS_DIR.glob("*.ipynb"))


@pytest.mark.skipif(not REAL_SOLUTIONS, reason="solutions/ has no notebooks yet (the exercise engine adds them)")
def test_grading_against_the_real_solutions(tmp_path):
    course = load_course(paths.SOLUTIONS_DIR)
    assert course.notebooks, f"no solutions notebook could be read: {course.problems}"
    subs = tmp_path / "subs"
    notebooks = {name: (list(nb.specs), nb.keys) for name, nb in course.notebooks.items()}
    synthetic.write_class(subs, notebooks, n_students=6)
    out = tmp_path / "grades"
    grades = grade_folder(subs, out)
    assert not [
        q for st in grades.students for nb in st.notebooks.values() for q in nb.questions if q.status == "error"
    ], "the scorer failed on a real question"
    right = grades.students[0]  # student 0 answers every question with its key
    assert right.total == right.possible and right.possible + right.pending == grades.total_maximum
    model_answers = [
        k["model_answer"]
        for nb in course.notebooks.values()
        for k in nb.keys.values()
        if isinstance(k, dict) and "model_answer" in k
    ]
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not any(m and m in text for m in model_answers), "a model answer leaked into feedback"
