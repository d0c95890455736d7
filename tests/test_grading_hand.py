"""Hand grading: the anonymised sheet, the scores file, the grading widget (driven without a kernel) and merging.

The widget is built by :class:`minusma.grading.hand.HandGrader`; these tests
set its menus and text box as a grader would, then check the file on disk,
restart it (a new object, as after a kernel restart) and check it resumes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import nbformat
import pytest
import synthetic_class as synthetic

from minusma import files, paths, spec
from minusma.grading import grade_folder, hand
from minusma.grading.hand import ScoresFile
from minusma.grading.hand_widget import HandGrader, HandGradingError
from minusma.grading.names import pseudonym
from minusma.grading.rubric import load_rubric

NB = synthetic.DEMO_NOTEBOOK
RUBRIC = load_rubric()
CRITERIA = ("attribution", "perspectives", "uncertainty")  # the demo's written question uses the exit ticket


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture()
def graded(tmp_path):
    """A graded class of three students who each wrote an answer; returns (subs, solutions, grades folder)."""
    solutions = tmp_path / "solutions"
    path = synthetic.write_demo_solutions(solutions)
    specs, keys = spec.specs_from_notebook(path), spec.keys_from_notebook(path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for number, sid in enumerate(("s1", "s2", "s3")):
        answers = synthetic.answers_for(specs, keys, "right", seed=number)
        if sid == "s2":
            answers["00.why_now"]["value"] = "<b>Bold</b> claim: " + synthetic.written_text(25, seed=9)
        document = synthetic.submission_for(NB, sid, f"Name {sid}", answers)
        (subs / f"{sid}.json").write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "grades"
    grade_folder(subs, out, solutions_dir=solutions)
    return subs, solutions, out


# ------------------------------------------------------------------ the sheet


def test_sheet_lists_every_written_answer_anonymised(graded):
    _subs, _sol, out = graded
    rows = read_csv(out / "hand_grading.csv")
    assert list(rows[0]) == [
        "pseudonym",
        "notebook",
        "question",
        "rubric",
        "max_points",
        *CRITERIA,
        "comment",
        "words",
        "word_range",
        "prompt",
        "answer",
        "answer_sha",
        "in_this_run",
    ]
    assert sorted(r["pseudonym"] for r in rows) == sorted(pseudonym(s) for s in ("s1", "s2", "s3"))
    assert [r["pseudonym"] for r in rows] == sorted(r["pseudonym"] for r in rows), "ordered by pseudonym, not name"
    text = (out / "hand_grading.csv").read_text(encoding="utf-8-sig")
    assert "Name s1" not in text and "s1," not in text
    assert {r["rubric"] for r in rows} == {"exit_ticket"} and {r["max_points"] for r in rows} == {"6"}
    assert all(r[c] == "" for r in rows for c in CRITERIA)


def test_criteria_that_do_not_apply_are_marked(tmp_path):
    items = [
        hand.HandItem("P-1", NB, "00.a", "memo", 4, ("data", "options"), "p", "text", 1),
        hand.HandItem("P-1", NB, "00.b", "exit_ticket", 2, ("options",), "p", "text", 1),
    ]
    rows = list(csv.DictReader(io.StringIO(hand.render_sheet(items, ["data", "options"]))))
    assert (rows[0]["data"], rows[0]["options"]) == ("", "")
    assert (rows[1]["data"], rows[1]["options"]) == (hand.NOT_APPLICABLE, "")
    back = hand.sheet_items(rows, ["data", "options"])
    assert back[1].criteria == ("options",) and back[0].criteria == ("data", "options")


def test_rerun_keeps_what_was_typed_into_the_sheet(graded):
    subs, solutions, out = graded
    sheet = out / "hand_grading.csv"
    rows = read_csv(sheet)
    rows[0]["attribution"] = "3"
    rows[0]["comment"] = "-Good sources"  # starts like a formula: must round-trip
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    grade_folder(subs, out, solutions_dir=solutions)
    again = read_csv(sheet)
    assert again[0]["attribution"] == "3" and again[0]["comment"] == "'-Good sources"
    filled, _problems = hand.sheet_scores(again, RUBRIC, "sheet")
    assert filled[(rows[0]["pseudonym"], "00.why_now")].comment == "-Good sources"


def test_an_unreadable_sheet_is_set_aside_not_lost(graded):
    subs, solutions, out = graded
    sheet = out / "hand_grading.csv"
    sheet.write_text("this,is\nnot,a sheet\n", encoding="utf-8")
    grades = grade_folder(subs, out, solutions_dir=solutions)
    asides = list(out.glob("hand_grading.corrupt-*.csv"))
    assert asides and asides[0].read_text(encoding="utf-8") == "this,is\nnot,a sheet\n"
    assert any("existing sheet could not be read" in p.problem for p in grades.problems)
    assert read_csv(sheet)[0]["pseudonym"].startswith("P-")


def test_sheets_saved_by_spreadsheets_in_other_locales_are_read(tmp_path):
    path = tmp_path / "sheet.csv"
    text = "pseudonym;question;attribution;perspectives;uncertainty;comment\nP-1;00.w;4;Proficient;2;Très bien\n"
    path.write_bytes(text.encode("cp1252"))
    scores, problems = hand.load_hand_scores(path, RUBRIC)
    assert scores[("P-1", "00.w")].levels == {"attribution": 4, "perspectives": 3, "uncertainty": 2}
    assert scores[("P-1", "00.w")].comment == "Très bien" and problems == []


def test_bad_cells_in_a_filled_sheet_are_reported(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("pseudonym,question,attribution,perspectives\nP-1,00.w,7,great\nP-2,00.w,,\n", encoding="utf-8")
    scores, problems = hand.load_hand_scores(path, RUBRIC)
    assert ("P-2", "00.w") not in scores, "an untouched row is not a score"
    assert ("P-1", "00.w") not in scores, "nor is a row whose only levels were refused"
    assert [p.problem.split(":")[0] for p in problems] == [
        "row 2 (P-1, 00.w), attribution",
        "row 2 (P-1, 00.w), perspectives",
    ]


def test_a_csv_that_is_not_a_sheet_is_refused(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student_id,total\ns1,3\n", encoding="utf-8")
    with pytest.raises(hand.HandScoresError, match="not a grading sheet"):
        hand.load_hand_scores(path, RUBRIC)


# ------------------------------------------------------------------ the widget


def test_grader_needs_the_sheet(tmp_path):
    with pytest.raises(HandGradingError, match="python -m minusma grade"):
        HandGrader(tmp_path)


def test_scoring_saves_each_level_at_once(graded):
    _subs, _sol, out = graded
    grader = HandGrader(out, rubric=RUBRIC)
    assert grader.index == 0 and set(grader.level_menus) == set(CRITERIA)
    item = grader.item
    grader.level_menus["attribution"].value = 4
    saved = json.loads((out / "hand_scores.json").read_text(encoding="utf-8"))
    entry = saved["scores"][item.pseudonym]["00.why_now"]
    assert entry["levels"] == {"attribution": 4} and entry["answer_sha"] == item.sha
    assert "Saved" in grader._status.value
    grader.level_menus["perspectives"].value = 3
    grader.level_menus["uncertainty"].value = 2
    grader._comment.value = "Name who says it."
    entry = json.loads((out / "hand_scores.json").read_text())["scores"][item.pseudonym]["00.why_now"]
    assert entry["levels"] == {"attribution": 4, "perspectives": 3, "uncertainty": 2}
    assert entry["comment"] == "Name who says it."
    assert grader.n_scored == 1
    grader.level_menus["uncertainty"].value = ""  # clearing a level is saved too
    assert (
        "uncertainty"
        not in json.loads((out / "hand_scores.json").read_text())["scores"][item.pseudonym]["00.why_now"]["levels"]
    )
    assert grader.n_scored == 0


def test_restart_shows_saved_levels_and_resumes_at_the_first_unscored(graded):
    _subs, _sol, out = graded
    first = HandGrader(out, rubric=RUBRIC)
    for criterion in CRITERIA:
        first.level_menus[criterion].value = 3
    first.next()
    first.level_menus["attribution"].value = 1  # the second answer is only partly scored
    scored_item, partial_item = first.items[0], first.items[1]

    again = HandGrader(out, rubric=RUBRIC)  # a new session, as after a kernel restart
    assert again.index == 1 and again.item == partial_item, "resumes at the first answer not fully scored"
    assert again.level_menus["attribution"].value == 1 and again.level_menus["perspectives"].value == ""
    again.go(0)
    assert again.item == scored_item and all(again.level_menus[c].value == 3 for c in CRITERIA)
    assert "(chosen)" in again._criteria.children[0].children[-1].value


def test_navigation(graded):
    _subs, _sol, out = graded
    grader = HandGrader(out, rubric=RUBRIC)
    assert grader._previous.disabled
    grader._next.click()
    assert grader.index == 1
    grader._next_unscored.click()
    assert grader.index == 2
    grader.next()
    assert grader.index == 2 and grader._next.disabled, "stays on the last answer"
    grader._previous.click()
    assert grader.index == 1
    assert "Answer 2 of 3" in grader._header.value


def test_student_text_is_escaped_in_the_widget(graded):
    _subs, _sol, out = graded
    grader = HandGrader(out, rubric=RUBRIC)
    bold = next(i for i, item in enumerate(grader.items) if item.answer.startswith("<b>"))
    grader.go(bold)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in grader._answer.value and "<b>Bold" not in grader._answer.value


def test_model_answer_is_shown_to_graders(graded):
    _subs, solutions, out = graded
    grader = HandGrader(out, rubric=RUBRIC, model_answers=hand.model_answers(solutions))
    assert "A model answer kept in solutions only." in grader._model.children[0].value


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{cut short",
        b'{"format": "something-else"}',
        b'{"format": "minusma-hand-scores/1", "scores": {"P-1": {"00.w": {"levels": {"a": "x"}}}}}',
    ],
)
def test_a_corrupt_scores_file_is_set_aside_never_overwritten(graded, content):
    _subs, _sol, out = graded
    (out / "hand_scores.json").write_bytes(content)
    grader = HandGrader(out, rubric=RUBRIC)
    asides = list(out.glob("hand_scores.corrupt-*.json"))
    assert len(asides) == 1 and asides[0].read_bytes() == content
    assert "could not be used" in grader.scores.notice and "kept as" in grader._status.value
    grader.level_menus["attribution"].value = 2
    assert json.loads((out / "hand_scores.json").read_text())["format"] == hand.SCORES_FORMAT
    assert asides[0].read_bytes() == content


def test_a_failed_save_keeps_the_previous_level(graded, monkeypatch):
    _subs, _sol, out = graded
    grader = HandGrader(out, rubric=RUBRIC)
    grader.level_menus["attribution"].value = 2
    before = (out / "hand_scores.json").read_bytes()

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_json_atomic", disk_full)  # every kept file writes through it
    grader.level_menus["attribution"].value = 4
    assert grader.level_menus["attribution"].value == 2, "the menu shows what is on disk"
    assert "Not saved" in grader._status.value and "No space left" in grader._status.value
    assert (out / "hand_scores.json").read_bytes() == before
    assert grader.scores.score(*grader.item.key).levels == {"attribution": 2}


def test_two_sessions_on_one_file_do_not_lose_each_others_scores(graded):
    _subs, _sol, out = graded
    one, two = HandGrader(out, rubric=RUBRIC), HandGrader(out, rubric=RUBRIC)
    one.level_menus["attribution"].value = 4
    two.go(2)
    two.level_menus["attribution"].value = 1
    saved = ScoresFile(out / "hand_scores.json")
    assert saved.score(*one.items[0].key).levels == {"attribution": 4}
    assert saved.score(*two.items[2].key).levels == {"attribution": 1}


def test_widget_scores_merge_into_the_gradebook(graded):
    subs, solutions, out = graded
    grader = HandGrader(out, rubric=RUBRIC)
    for criterion, level in zip(CRITERIA, (4, 4, 2)):
        grader.level_menus[criterion].value = level
    grader._comment.value = "Clear <and> fair."
    alias = grader.item.pseudonym
    grades = grade_folder(subs, out, solutions_dir=solutions, hand_scores=[out / "hand_scores.json"])
    student = next(st for st in grades.students if st.pseudonym == alias)
    written = student.notebooks[NB].questions[-1]
    assert (written.status, written.points) == ("hand-scored", 5.0)  # 6 x 10/12
    page = next((out / "feedback").glob(f"{student.student_id}-*.html")).read_text(encoding="utf-8")
    assert "Comment: Clear &lt;and&gt; fair." in page


def test_two_graders_files_merge_and_conflicts_are_reported(graded, tmp_path):
    subs, solutions, out = graded
    items = HandGrader(out, rubric=RUBRIC).items
    first, second = ScoresFile(tmp_path / "a.json"), ScoresFile(tmp_path / "b.json")
    for criterion in CRITERIA:
        first.record(items[0], level=(criterion, 4))
        first.record(items[1], level=(criterion, 4))
        second.record(items[1], level=(criterion, 0))
    grades = grade_folder(subs, out, solutions_dir=solutions, hand_scores=[tmp_path / "a.json", tmp_path / "b.json"])
    points = {st.pseudonym: st.notebooks[NB].questions[-1].points for st in grades.students}
    assert points[items[0].pseudonym] == 6 and points[items[1].pseudonym] == 0, "the later file wins"
    assert any("scored differently" in p.problem and p.file == "b.json" for p in grades.problems)


def test_grading_notebook_is_stored_executed_and_uses_the_tested_api():
    path = paths.REPO_ROOT / "instructor" / "grade_written.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "stored executed, top to bottom"
    assert "widgets" not in nb.metadata, "no stored widget state"
    source = "\n".join(c.source for c in code)
    compile(source, str(path), "exec")
    assert "hand_widget.HandGrader(" in source and "MINUSMA_GRADES_DIR" not in source
    stored = path.read_text(encoding="utf-8")
    assert "/work" not in stored and str(paths.REPO_ROOT) not in stored, "no machine paths, in code or outputs"


@pytest.mark.slow
def test_grading_notebook_runs_top_to_bottom(graded):
    """Executes the instructor notebook in a real kernel against a generated grades folder (a few seconds).

    The folder is set the way an instructor sets it: by editing the GRADES_DIR line.
    """
    from nbclient import NotebookClient

    _subs, _sol, out = graded
    path = paths.REPO_ROOT / "instructor" / "grade_written.ipynb"
    nb = nbformat.read(path, as_version=4)
    setting = 'GRADES_DIR = paths.REPO_ROOT / "grades"'
    cell = next(c for c in nb.cells if setting in c.source)
    cell.source = cell.source.replace(setting, f"GRADES_DIR = __import__('pathlib').Path({str(out)!r})")
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "<HandGrader: 0 of 3 answers scored>" in printed


def test_two_sessions_scoring_one_answer_keep_both_criteria(graded):
    """Two graders on the same answer, each on a different criterion: neither level is lost,
    even though each session built its entry before seeing the other's."""
    _subs, _sol, out = graded
    one, two = HandGrader(out, rubric=RUBRIC), HandGrader(out, rubric=RUBRIC)
    assert one.item.key == two.item.key
    one.level_menus["attribution"].value = 4
    two.level_menus["perspectives"].value = 1
    one.level_menus["uncertainty"].value = 3
    saved = ScoresFile(out / "hand_scores.json").score(*one.item.key)
    assert saved.levels == {"attribution": 4, "perspectives": 1, "uncertainty": 3}
