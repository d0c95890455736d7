"""Every kind of bad hand-in: reported in problems.csv with a clear reason, and the class still graded.

One folder holds a good student and one bad file of each kind; the grader
runs once (module fixture) and each case checks its own row. Separate tests
cover what needs its own set-up: the size limit (the file must not even be
opened), HTML and formulas in student text, and ids with path characters.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path

import pytest
import synthetic_class as synthetic

from minusma import spec
from minusma.grading import grade_folder, intake
from minusma.grading.names import safe_file_stem

NB = synthetic.DEMO_NOTEBOOK
GOOD_TOTAL = "17"


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write(folder: Path, name: str, payload) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, bytes):
        path.write_bytes(payload)
    elif isinstance(payload, str):
        path.write_text(payload, encoding="utf-8")
    else:
        path.write_text(json.dumps(payload, ensure_ascii=False, allow_nan=True), encoding="utf-8")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    solutions = root / "solutions"
    path = synthetic.write_demo_solutions(solutions)
    specs, keys = spec.specs_from_notebook(path), spec.keys_from_notebook(path)
    right = synthetic.answers_for(specs, keys, "right")
    good = synthetic.submission_for(NB, "good", "Good Student", right)
    return root, solutions, specs, keys, right, good


def doc(world, sid, answers=None, **overrides):
    _root, _sol, _specs, _keys, right, _good = world
    document = synthetic.submission_for(NB, sid, f"Student {sid}", copy.deepcopy(right if answers is None else answers))
    document.update(overrides)
    return document


def resealed(document):
    """Recompute the checksum after a deliberate change, so only the change itself is tested."""
    from minusma import submission

    document["checksum"] = submission.checksum(document)
    return document


@pytest.fixture(scope="module")
def graded(world):
    root, solutions, specs, keys, right, good = world
    subs = root / "subs"
    write(subs, "good.json", good)
    text = json.dumps(doc(world, "cut"))
    write(subs, "truncated.json", text[: len(text) // 2])
    write(subs, "empty.json", b"")
    write(subs, "blank.json", "  \n\t ")
    write(subs, "no_student.json", {k: v for k, v in doc(world, "x").items() if k != "student"})
    write(subs, "answers_list.json", resealed(doc(world, "listy", answers=[])))
    write(subs, "extra_field.json", resealed(doc(world, "extra", grade=100)))
    write(subs, "other_notebook.json", resealed(doc(world, "nb", notebook="07_the_council_decides")))
    unknown_q = doc(world, "unknownq")
    unknown_q["answers"]["00.invented"] = {"type": "number", "value": 3, "saved_at": "2023-06-30T09:00:00.000Z"}
    write(subs, "unknown_question.json", resealed(unknown_q))
    edited = doc(world, "edited", answers=synthetic.answers_for(specs, keys, "wrong"))
    edited["answers"]["00.capital"]["value"] = "Bamako"  # changed by hand after hand-in: checksum no longer fits
    write(subs, "edited.json", edited)
    write(subs, "old_version.json", resealed(doc(world, "oldver", module_version="0.0.9")))
    bad_values = doc(world, "badvalues")
    bad_values["answers"]["00.capital"]["value"] = "Paris"  # valid JSON shape, not an option
    bad_values["answers"]["00.days"]["value"] = "fourteen"  # wrong JSON type: the schema flags it
    bad_values["answers"]["00.why_now"]["type"] = "single_choice"  # saved under another type (shape still fits)
    write(subs, "bad_values.json", resealed(bad_values))
    nan = doc(world, "nan")
    nan["answers"]["00.days"]["value"] = float("nan")
    write(subs, "nan.json", nan)
    write(subs, "deep.json", "[" * 100_000 + "]" * 100_000)
    write(subs, "a_list.json", [1, 2, 3])
    write(subs, "not_utf8.json", b"\xff\xfe\x00binary\x00\x80")
    write(subs, "uploaded_notebook.ipynb", {"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}})
    write(subs, "answers_file.json", {"format": "minusma-answers/1", "notebook": NB, "answers": {}})
    write(subs, "foreign.json", {"format": "somebody-else/2", "student": {"id": "z"}})
    write(subs, "bundle.zip", b"PK\x03\x04rest-of-a-zip")
    write(subs, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(subs, "__MACOSX/._good.json", b"\x00\x05\x16\x07")
    os.symlink(subs / "good.json", subs / "link.json")
    out = root / "grades"
    grades = grade_folder(subs, out, solutions_dir=solutions)
    problems = read_csv(out / "problems.csv")
    return grades, out, problems


def rows_for(problems, file):
    return [r for r in problems if r["file"] == file]


@pytest.mark.parametrize(
    "file, reason, action",
    [
        ("truncated.json", "malformed JSON (line 1", "not graded"),
        ("empty.json", "empty file", "not graded"),
        ("blank.json", "empty file", "not graded"),
        ("no_student.json", "does not match the hand-in format: student/id: missing", "not graded"),
        ("answers_list.json", "answers: [] is not of type 'object'", "not graded"),
        ("extra_field.json", "Additional properties are not allowed ('grade'", "not graded"),
        ("other_notebook.json", "unknown notebook 07_the_council_decides", "not graded"),
        ("unknown_question.json", "answers to questions 00_demo does not have: 00.invented", "others were graded"),
        ("edited.json", "checksum does not match the content: possibly edited", "graded; check"),
        ("old_version.json", "made with module version 0.0.9", "graded; check"),
        ("nan.json", "checksum does not match", "graded; check"),
        ("deep.json", "nested too deeply", "not graded"),
        ("a_list.json", "JSON, but not a hand-in", "ignored"),
        ("not_utf8.json", "binary data, not text", "not graded"),
        ("uploaded_notebook.ipynb", "a notebook, not a hand-in", "not graded"),
        ("answers_file.json", "the student's answers file, not a hand-in", "not graded"),
        ("foreign.json", "not a hand-in of this course", "not graded"),
        ("bundle.zip", "a zip archive: unzip it", "ignored"),
        (".DS_Store", "left behind", "ignored"),
        ("__MACOSX/._good.json", "left behind", "ignored"),
        ("link.json", "a link, not a file", "ignored"),
    ],
)
def test_each_bad_file_is_reported_with_a_reason(graded, file, reason, action):
    _run, _out, problems = graded
    rows = rows_for(problems, file)
    assert rows, f"{file} is missing from problems.csv"
    assert any(reason in r["problem"] and action in r["action"] for r in rows), rows


def test_the_good_student_and_the_flagged_ones_are_graded(graded):
    _run, out, _problems = graded
    book = {r["student_id"]: r for r in read_csv(out / "gradebook.csv")}
    assert book["good"]["total"] == GOOD_TOTAL
    for flagged in ("edited", "oldver", "unknownq"):
        assert flagged in book, f"{flagged} should be graded (and flagged)"
    assert book["oldver"]["total"] == GOOD_TOTAL and book["unknownq"]["total"] == GOOD_TOTAL
    assert book["edited"]["total"] != GOOD_TOTAL, "graded on what the file says, edited or not"
    for rejected in ("cut", "x", "listy", "extra", "nb"):
        assert rejected not in book


def test_invalid_values_score_zero_for_that_question_only(graded):
    _run, out, problems = graded
    questions = {(r["student_id"], r["question"]): r for r in read_csv(out / "questions.csv")}
    for qid, reason in [
        ("00.capital", "Choose one of the options"),
        ("00.days", "damaged"),
        ("00.why_now", "saved as a single_choice answer"),
    ]:
        row = questions[("badvalues", qid)]
        assert row["status"] == "invalid" and row["points"] == "0" and reason in row["note"]
        assert any(r["student_id"] == "badvalues" and qid in r["problem"] and reason in r["problem"] for r in problems)
    assert questions[("badvalues", "00.permanent")]["status"] == "correct", "the other answers still count"
    assert questions[("nan", "00.days")]["status"] == "invalid"


def test_problem_rows_name_the_student_when_known(graded):
    _run, _out, problems = graded
    assert rows_for(problems, "edited.json")[0]["student_id"] == "edited"
    assert rows_for(problems, "truncated.json")[0]["student_id"] == ""


def test_oversized_files_are_not_even_opened(world, tmp_path, monkeypatch):
    root, solutions, *_rest, good = world
    subs = tmp_path / "subs"
    write(subs, "good.json", good)
    write(subs, "huge.json", "x" * 5000)
    opened = []
    real_open = open

    def watching_open(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(intake, "open", watching_open, raising=False)
    run = grade_folder(subs, tmp_path / "grades", solutions_dir=solutions, max_bytes=4000)
    assert "huge.json" not in opened and "good.json" in opened
    problem = next(p for p in run.problems if p.file == "huge.json")
    assert "too large (5,000 bytes; the limit is 4,000)" in problem.problem and "not read" in problem.action
    assert [st.student_id for st in run.students] == ["good"]


def test_a_file_that_grows_past_the_limit_is_still_cut_off(tmp_path):
    path = tmp_path / "growing.json"
    path.write_bytes(b"{" + b" " * 50)
    real_lstat = os.lstat

    class Small:  # what lstat saw a moment before the file grew
        def __init__(self, info):
            self.st_mode, self.st_size = info.st_mode, 10

    payload, problem = None, None
    try:
        intake.os.lstat = lambda p: Small(real_lstat(p))
        payload, problem = intake._read_limited(path, "growing.json", 20)
    finally:
        intake.os.lstat = real_lstat
    assert payload is None and "more than 20 bytes" in problem.problem


def test_html_and_script_in_student_text_are_escaped(world, tmp_path):
    root, solutions, specs, keys, right, good = world
    nasty = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    answers = copy.deepcopy(right)
    answers["00.why_now"]["value"] = f"{nasty} " + synthetic.written_text(30)
    answers["00.unanimous"]["value"]["reason"] = nasty[:60]
    answers["00.capital"]["value"] = "Gao"
    subs = tmp_path / "subs"
    write(subs, "nasty.json", synthetic.submission_for(NB, "nasty", f'=HYPERLINK("x") {nasty}', answers))
    out = tmp_path / "grades"
    grade_folder(subs, out, solutions_dir=solutions)
    page = (out / "feedback" / f"{safe_file_stem('nasty')}.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<script" not in (out / "summary.html").read_text(encoding="utf-8")
    book = (out / "gradebook.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in book, "a name that a spreadsheet would run is defused"
    sheet = read_csv(out / "hand_grading.csv")
    assert sheet[0]["answer"].startswith("<script>"), "the sheet keeps the text as written (CSV is not HTML)"


def test_ids_with_path_characters_never_become_paths(world, tmp_path):
    root, solutions, specs, keys, right, good = world
    subs = tmp_path / "subs"
    for sid in ("../../escape", "a/b", "..", "CON"):
        write(subs, f"{abs(hash(sid))}.json", synthetic.submission_for(NB, sid, "Sneaky", right))
    out = tmp_path / "grades"
    run = grade_folder(subs, out, solutions_dir=solutions)
    everything = {p.resolve() for p in tmp_path.rglob("*")}
    assert all(str(p).startswith(str(tmp_path.resolve())) for p in everything)
    pages = sorted(p.name for p in (out / "feedback").glob("*.html"))
    assert len(pages) == 4 and all(Path(name).parent == Path(".") for name in pages)
    assert not (tmp_path / "escape.html").exists() and not (out / "escape.html").exists()
    flagged = {p.student_id for p in run.problems if "characters the course does not allow" in p.problem}
    assert flagged == {"../../escape", "a/b", ".."}, "CON is a valid id; the others are graded and flagged"
    book = {r["student_id"]: r for r in read_csv(out / "gradebook.csv")}
    assert book["../../escape"]["total"] == GOOD_TOTAL


def test_a_file_that_cannot_be_read_is_reported(world, tmp_path, monkeypatch):
    root, solutions, *_rest, good = world
    subs = tmp_path / "subs"
    write(subs, "good.json", good)
    write(subs, "locked.json", good)
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if Path(path).name == "locked.json":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(intake, "open", refusing_open, raising=False)
    run = grade_folder(subs, tmp_path / "grades", solutions_dir=solutions)
    problem = next(p for p in run.problems if p.file == "locked.json")
    assert "Permission denied" in problem.problem
    assert [st.student_id for st in run.students] == ["good"]


@pytest.mark.parametrize(
    "qtype, value",
    [
        ("single_choice", "<b>x</b>"),
        ("multiple_choice", ["<b>x</b>"]),
        ("number", "<b>x</b>"),
        ("order", ["<b>x</b>", "y"]),
        ("classify", {"<b>x</b>": "<i>c</i>"}),
        ("classify", ["<b>x</b>"]),
        ("forecast", {"probability": "<b>x</b>", "reason": "<b>x</b>", "locked_at": None}),
        ("vote", {"<b>x</b>": "<b>x</b>"}),
        ("vote", "<b>x</b>"),
        ("written", "<b>x</b>"),
        ("written", {"<b>x</b>": 1}),
    ],
)
def test_every_answer_shape_is_escaped_on_feedback_pages(qtype, value):
    """Whatever a (possibly edited) file holds, the student's answer is shown as text, never as markup."""
    from minusma.grading import report
    from minusma.grading.intake import Submission
    from minusma.grading.rubric import load_rubric
    from minusma.grading.scoring import ClassGrades, NotebookGrade, QuestionGrade, StudentGrade
    from minusma.spec import QuestionSpec

    grade = QuestionGrade(QuestionSpec(id="00.q", type=qtype, prompt="p"), 0.0, "invalid", "f", answer=value)
    handed_in = Submission("f.json", "s", "S", "00_x", "2023-06-30T09:00:00Z", "2023-06-30T10:00:00Z", "0", {})
    student = StudentGrade("s", "S", {"00_x": NotebookGrade("00_x", handed_in, [grade])}, {"00_x": 1.0})
    grades = ClassGrades(None, load_rubric(), [student], ["00_x"], {"00_x": 1.0}, [], [], 1)
    page = report.feedback_page(student, grades)
    shown = page.split('<th scope="row">1. p</th>', 1)[1].split("</td>", 1)[0]
    assert "<b>" not in shown and "<i>c" not in shown
    if not (qtype == "vote" and isinstance(value, dict)):  # a ballot is shown as counts, without names
        assert "&lt;b&gt;" in shown


def test_text_utf8_cannot_hold_never_stops_the_run(world, tmp_path):
    """A lone surrogate (a hand-edited \\ud800 escape) or a file name that is not UTF-8 costs one
    '?' in the outputs, not the whole class: every file is still written and every student graded."""
    subs = tmp_path / "subs"
    _root, solutions, _specs, _keys, _right, good = world
    write(subs, "good.json", good)
    text = json.dumps(doc(world, "odd")).replace('"Student odd"', '"Student \\ud800odd"')
    write(subs, "odd.json", text)
    try:  # a zip made on Windows, unpacked on Linux: the name is not UTF-8
        with open(os.path.join(os.fsencode(subs), "traor\xe9.json".encode("latin-1")), "wb") as handle:
            handle.write(b"{cut short")
    except (OSError, UnicodeError):  # pragma: no cover - file systems that insist on UTF-8 names (macOS)
        pytest.skip("this file system refuses names that are not UTF-8")
    run = grade_folder(subs, tmp_path / "out", solutions_dir=solutions)
    assert len(run.students) == 2
    book = {row["student_id"]: row for row in read_csv(tmp_path / "out" / "gradebook.csv")}
    assert book["odd"]["name"] == "Student ?odd" and book["odd"]["total"] == GOOD_TOTAL
    assert book["good"]["total"] == GOOD_TOTAL
    problems = read_csv(tmp_path / "out" / "problems.csv")
    assert any(r["file"] == "traor?.json" and "malformed JSON" in r["problem"] for r in problems)
    assert any(r["file"] == "odd.json" and "checksum" in r["problem"] for r in problems)
    assert (tmp_path / "out" / "summary.html").exists()
    assert len(list((tmp_path / "out" / "feedback").glob("*.html"))) == 2
