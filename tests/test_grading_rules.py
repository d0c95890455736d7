"""Unit tests of each grading rule the grader adds on top of minusma.spec's scoring rules.

The scoring rules themselves (partial credit, tolerance, Brier) are tested
with the spec; here we test how the grader *uses* them: invalid answers,
pending questions, rounding, the rubric's arithmetic, safe names and
pseudonyms, and reading the solutions.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import synthetic_class as synthetic

from minusma import spec
from minusma.grading import names, scoring
from minusma.grading import rubric as rubric_mod
from minusma.grading import solutions as course_mod
from minusma.grading.hand import HandScore
from minusma.grading.intake import Intake, Submission
from minusma.grading.rubric import RubricError, load_rubric, parse_rubric
from minusma.grading.scoring import grade_class, score_answer
from minusma.grading.solutions import load_course
from minusma.spec import make_spec

RUBRIC = load_rubric()


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("raw", ["../../etc/passwd", "a/b", "a\\b", "..", ".hidden", "x" * 300, "<script>", "é-ü", ""])
def test_safe_file_stem_is_harmless(raw):
    stem = names.safe_file_stem(raw)
    assert names.SAFE_STEM_PATTERN.match(stem)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")
    assert len(stem) <= 51


def test_safe_file_stem_keeps_ids_apart_even_if_they_clean_up_alike():
    ids = ["ab", "AB", "a/b", "a_b", "a.b"]
    stems = [names.safe_file_stem(i) for i in ids]
    assert len({s.lower() for s in stems}) == len(ids), "distinct even on case-insensitive file systems"
    assert names.safe_file_stem("s1234567").startswith("s1234567-")


def test_pseudonym_is_stable_distinct_and_does_not_show_the_id():
    assert names.pseudonym("s1234567") == names.pseudonym("s1234567")
    assert names.pseudonym("s1234567") != names.pseudonym("s1234568")
    assert "1234567" not in names.pseudonym("s1234567")
    assert names.pseudonym("x").startswith("P-") and len(names.pseudonym("x")) == 14


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("Aminata", "Aminata"),
        ("", ""),
    ],
)
def test_csv_text_defuses_formulas(text, expected):
    assert names.csv_text(text) == expected


@pytest.mark.parametrize(
    "value, shown",
    [(3, "3"), (2.5, "2.5"), (1 / 3, "0.33"), (0.004, "0"), (-0.0, "0"), (8.8200001, "8.82"), (10.0, "10")],
)
def test_points_are_shown_with_at_most_two_decimals(value, shown):
    assert names.fmt_points(value) == shown


def test_question_points_are_rounded_to_two_decimals():
    s = make_spec("multiple_choice", "00.m", "Pick", options=["a", "b", "c", "d"], key=["a", "b", "c"], points=1)
    grade = score_answer(s, {"type": "multiple_choice", "value": ["a"]}, s.key)
    assert grade.points == 0.33 and grade.status == "partial"


# ------------------------------------------------------------------ one answer

SINGLE = make_spec("single_choice", "00.one", "Pick one", options=["a", "b"], key="b", hint="think", points=2)
NUMBER = make_spec("number", "00.n", "How many?", unit="days", min=0, max=100, key={"value": 14, "tolerance": 0})


def test_no_entry_is_unanswered():
    grade = score_answer(SINGLE, None, SINGLE.key)
    assert (grade.status, grade.points) == ("unanswered", 0.0)


def test_a_damaged_stored_answer_scores_zero_with_the_reason():
    grade = score_answer(
        SINGLE, {"type": "single_choice", "value": 3}, SINGLE.key, schema_error="3 is not of type 'string'"
    )
    assert (grade.status, grade.points) == ("invalid", 0.0)
    assert "damaged" in grade.note and "not of type" in grade.note


def test_an_answer_saved_under_another_type_is_invalid():
    grade = score_answer(SINGLE, {"type": "number", "value": 3}, SINGLE.key)
    assert grade.status == "invalid" and "saved as a number answer" in grade.note


@pytest.mark.parametrize("value, message", [("c", "Choose one of the options"), (None, "no answer")])
def test_a_value_the_spec_refuses_is_invalid_with_the_spec_message(value, message):
    grade = score_answer(SINGLE, {"type": "single_choice", "value": value}, SINGLE.key)
    assert grade.status == "invalid" and grade.points == 0
    assert message.lower() in grade.note.lower()


def test_out_of_range_number_is_invalid():
    grade = score_answer(NUMBER, {"type": "number", "value": 1e9}, NUMBER.key)
    assert grade.status == "invalid" and "at most 100" in grade.note


def test_hint_only_when_not_right():
    assert score_answer(SINGLE, {"type": "single_choice", "value": "b"}, SINGLE.key).hint == ""
    wrong = score_answer(SINGLE, {"type": "single_choice", "value": "a"}, SINGLE.key)
    assert wrong.hint == "think" and wrong.status == "incorrect"


def test_a_failing_scorer_gives_status_error_not_a_crash(monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(scoring, "score", broken)
    grade = score_answer(SINGLE, {"type": "single_choice", "value": "b"}, SINGLE.key)
    assert grade.status == "error" and "KeyError" in grade.note
    assert "boom" not in grade.feedback, "the student sees a plain sentence, not the exception"


def test_scoring_uses_the_key_from_solutions_not_the_spec():
    bare = make_spec("single_choice", "00.one", "Pick one", options=["a", "b"])
    assert score_answer(bare, {"type": "single_choice", "value": "a"}, "a").status == "correct"


# ------------------------------------------------------------------ rubric


def test_rubric_file_loads_and_matches_the_spec_criteria():
    assert set(RUBRIC.criteria) == set(spec.RUBRIC_CRITERIA), "criterion ids must match minusma.spec"
    assert [lv.level for lv in RUBRIC.levels] == [4, 3, 2, 1, 0]
    for criterion in RUBRIC.criteria.values():
        assert set(criterion.descriptors) == {0, 1, 2, 3, 4}
    assert {"memo", "exit_ticket"} <= set(RUBRIC.sets)
    assert sum(RUBRIC.sets["memo"].weights.values()) == 100


@pytest.mark.parametrize(
    "typed, level",
    [
        ("3", 3),
        (" 4 ", 4),
        ("2.0", 2),
        (1, 1),
        ("Proficient", 3),
        ("exemplary", 4),
        ("0 · Missing", 0),
        ("", None),
        (None, None),
    ],
)
def test_levels_are_read_the_way_graders_type_them(typed, level):
    assert RUBRIC.parse_level(typed) == level


@pytest.mark.parametrize("typed", ["5", "-1", "2.5", "great", True, float("nan")])
def test_impossible_levels_are_refused(typed):
    with pytest.raises(ValueError, match="level"):
        RUBRIC.parse_level(typed)


def written(**kwargs):
    return make_spec("written", "00.w", "Write", points=kwargs.pop("points", 6), **kwargs)


def test_rubric_applied_to_a_question():
    plain = RUBRIC.applied(written(), None)
    assert plain.rubric_id == "exit_ticket" and plain.ids == ("attribution", "perspectives", "uncertainty")
    memo = RUBRIC.applied(written(), {"model_answer": "m", "rubric": "memo"})
    assert len(memo.ids) == 7 and dict(memo.criteria)["options"] == 20
    own = RUBRIC.applied(written(criteria=["attribution", "perspectives"]), {"model_answer": "m", "rubric": "memo"})
    assert own.criteria == (("attribution", 20.0), ("perspectives", 15.0))
    # exit_ticket does not weigh "communication": every named criterion then takes its own weight
    mixed = RUBRIC.applied(
        written(criteria=["perspectives", "communication"]), {"model_answer": "m", "rubric": "exit_ticket"}
    )
    assert mixed.criteria == (("perspectives", 15.0), ("communication", 5.0))
    unknown = RUBRIC.applied(written(), {"model_answer": "m", "rubric": "no_such"})
    assert unknown.rubric_id == "exit_ticket" and "no_such" in unknown.note


def test_rubric_points_rule():
    applied = RUBRIC.applied(written(), None)
    assert RUBRIC.points(6, applied, {"attribution": 4, "perspectives": 4, "uncertainty": 4}) == 6
    assert RUBRIC.points(6, applied, {"attribution": 0, "perspectives": 0, "uncertainty": 0}) == 0
    assert RUBRIC.points(6, applied, {"attribution": 4, "perspectives": 2, "uncertainty": 3}) == 4.5
    assert RUBRIC.points(6, applied, {"attribution": 4, "perspectives": 2}) is None, "incomplete: not scored"
    memo = RUBRIC.applied(written(), {"model_answer": "m", "rubric": "memo"})
    levels = {c: 4 for c in memo.ids} | {"options": 0}
    assert RUBRIC.points(10, memo, levels) == 8.0, "options weighs 20 %"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["levels"].pop(), "start at 0"),
        (lambda d: d["criteria"]["data"]["descriptors"].pop(2), "every level"),
        (lambda d: d["criteria"]["data"].update(weight=0), "weight"),
        (lambda d: d["rubrics"]["memo"]["criteria"].update(charm=3), "unknown criterion"),
        (lambda d: d.update(default_rubric="nope"), "default_rubric"),
    ],
)
def test_a_broken_rubric_file_is_explained(change, message):
    import yaml

    document = yaml.safe_load(rubric_mod.DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8"))
    change(document)
    with pytest.raises(RubricError, match=message):
        parse_rubric(document)


def test_missing_or_invalid_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="not found"):
        load_rubric(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("levels: [1, 2\n")
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric(bad)


# ------------------------------------------------------------------ reading solutions


def notebook_with(tmp_path, name, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_questions_that_cannot_be_scored_yet_are_pending(tmp_path):
    notebook_with(
        tmp_path,
        "01_x",
        "q.single_choice('01.nokey', 'Pick', ['a', 'b'])",
        "q.forecast('01.later', 'Will it?')",
        "q.forecast('01.known', 'Did it?', key={'outcome': False})",
    )
    course = load_course(tmp_path)
    nb = course.notebooks["01_x"]
    assert set(nb.pending) == {"01.nokey", "01.later"}
    assert [p.problem for p in course.problems] == ["question 01.nokey (single_choice) has no key"], (
        "a forecast without an outcome is expected, not a problem"
    )


def test_unreadable_solutions_are_reported_and_skipped(tmp_path):
    notebook_with(tmp_path, "01_ok", "q.single_choice('01.a', 'Pick', ['a', 'b'], key='a')")
    notebook_with(tmp_path, "02_bad", "OPTIONS = ['a', 'b']\nq.single_choice('02.a', 'Pick', OPTIONS, key='a')")
    (tmp_path / "03_broken.ipynb").write_text("{not json")
    notebook_with(tmp_path, "04_empty", "print('no questions')")
    (tmp_path / "notes.ipynb").write_text("{}")  # not a course notebook name: not read at all
    course = load_course(tmp_path)
    assert list(course.notebooks) == ["01_ok"]
    reported = {p.file: p.problem for p in course.problems}
    assert set(reported) == {
        f"{tmp_path.name}/02_bad.ipynb",
        f"{tmp_path.name}/03_broken.ipynb",
        f"{tmp_path.name}/04_empty.ipynb",
    }
    assert "literal" in reported[f"{tmp_path.name}/02_bad.ipynb"]


def test_ballots_are_pending_when_the_council_cannot_be_loaded(tmp_path, monkeypatch):
    def no_data(_spec=None):
        raise FileNotFoundError("security_council_2023.csv")

    monkeypatch.setattr(course_mod, "council_members", no_data)
    notebook_with(tmp_path, "05_x", "q.vote('05.v', 'Vote', key='adopted')")
    course = load_course(tmp_path)
    assert "05.v" in course.notebooks["05_x"].pending
    assert "Council list could not be loaded" in course.problems[0].problem


# ------------------------------------------------------------------ class rules


@pytest.fixture()
def demo_course(tmp_path):
    synthetic.write_demo_solutions(tmp_path / "sol")
    return load_course(tmp_path / "sol")


def submission(sid, name, answers, notebook="00_demo", when="2023-06-30T10:00:00.000Z", file=None):
    return Submission(
        file=file or f"{sid}-{when}.json",
        student_id=sid,
        name=name,
        notebook=notebook,
        created_at="2023-06-30T09:00:00.000Z",
        submitted_at=when,
        module_version="0.1.0",
        answers=answers,
    )


def test_a_written_answer_counts_in_possible_only_once_it_is_scored(demo_course):
    """Problem 10: scoring one student's answer must not raise every student's possible points."""
    nb = demo_course.notebooks["00_demo"]
    right = synthetic.answers_for(nb.specs, nb.keys, "right")
    subs = [submission("s1", "A", right), submission("s2", "B", right), submission("s3", "C", {})]
    alone = grade_class(Intake(subs, [], 3), demo_course, RUBRIC)
    assert {st.student_id: (st.possible, st.pending) for st in alone.students} == {
        "s1": (17, 7),
        "s2": (17, 7),
        "s3": (24, 0),
    }, "pending: the written answer (6) and the open forecast (1)"
    alias = names.pseudonym("s1")
    scores = {(alias, "00.why_now"): HandScore({"attribution": 4, "perspectives": 4, "uncertainty": 4})}
    merged = grade_class(Intake(subs, [], 3), demo_course, RUBRIC, scores)
    assert {st.student_id: (st.total, st.possible, st.pending) for st in merged.students} == {
        "s1": (23, 23, 1),
        "s2": (17, 17, 7),
        "s3": (0, 24, 0),
    }
    assert all(st.possible + st.pending == merged.total_maximum == 24 for st in merged.students)


def test_unmatched_and_incomplete_hand_scores_are_reported(demo_course):
    nb = demo_course.notebooks["00_demo"]
    subs = [submission("s1", "A", synthetic.answers_for(nb.specs, nb.keys, "right"))]
    alias = names.pseudonym("s1")
    scores = {
        (alias, "00.why_now"): HandScore({"attribution": 4, "options": 3}, answer_sha="0" * 16),
        ("P-000000000000", "00.why_now"): HandScore({"attribution": 1}),
    }
    grades = grade_class(Intake(subs, [], 1), demo_course, RUBRIC, scores, hand_label="scores.json")
    text = "\n".join(p.problem for p in grades.problems)
    assert "no such written answer" in text
    assert "no level yet for perspectives, uncertainty" in text
    assert "criteria that do not apply (options)" in text
    assert "answer changed" in text
    assert grades.students[0].notebooks["00_demo"].questions[-1].status == "pending"


def test_names_and_ids_are_checked_across_hand_ins(demo_course):
    subs = [
        submission("s1", "Awa", {}, when="2023-06-30T10:00:00.000Z"),
        submission("s2", "Awa", {}),
        submission("s3", "Old Name", {}, when="2023-06-01T10:00:00.000Z"),
    ]
    # s3 hands in a second notebook later, under a new name
    other_nb = make_spec("single_choice", "01.x", "p", options=["a", "b"], key="a")
    demo_course.notebooks["01_more"] = course_mod.NotebookQuestions("01_more", (other_nb,), {"01.x": "a"})
    later = submission("s3", "New Name", {}, notebook="01_more", when="2023-07-01T10:00:00.000Z")
    grades = grade_class(Intake(subs + [later], [], 4), demo_course, RUBRIC)
    problems = {(p.student_id, p.problem) for p in grades.problems}
    assert any(sid == "s3" and "name differs" in text for sid, text in problems)
    assert {st.student_id: st.name for st in grades.students}["s3"] == "New Name", "the latest hand-in's name"
    assert any(sid == "s1" and "share the name 'Awa'" in text for sid, text in problems)


def test_unknown_notebook_and_unknown_questions(demo_course):
    nb = demo_course.notebooks["00_demo"]
    answers = synthetic.answers_for(nb.specs, nb.keys, "right")
    answers["00.not_a_question"] = {"type": "single_choice", "value": "x", "saved_at": "2023-06-30T10:00:00.000Z"}
    subs = [submission("s1", "A", answers), submission("s2", "B", {}, notebook="09_future")]
    grades = grade_class(Intake(subs, [], 2), demo_course, RUBRIC)
    problems = {p.student_id: p for p in grades.problems}
    assert "unknown notebook 09_future" in problems["s2"].problem
    assert "00.not_a_question" in problems["s1"].problem
    assert grades.students[0].total == 17, "the known answers are still graded"
    assert [st.student_id for st in grades.students] == ["s1"]


def test_a_missing_notebook_is_blank_in_the_gradebook_and_zero_in_the_total(demo_course):
    from minusma.grading.report import gradebook_rows

    other = make_spec("single_choice", "01.x", "p", options=["a", "b"], key="a", points=5)
    demo_course.notebooks["01_more"] = course_mod.NotebookQuestions("01_more", (other,), {"01.x": "a"})
    nb = demo_course.notebooks["00_demo"]
    subs = [
        submission("s1", "A", synthetic.answers_for(nb.specs, nb.keys, "right")),
        submission(
            "s2",
            "B",
            {"01.x": {"type": "single_choice", "value": "a", "saved_at": "2023-06-30T10:00:00Z"}},
            notebook="01_more",
        ),
    ]
    grades = grade_class(Intake(subs, [], 2), demo_course, RUBRIC)
    header, rows = gradebook_rows(grades)
    assert header == ["student_id", "name", "00_demo", "01_more", "total", "possible", "pending", "maximum"]
    # s1: 00_demo settled 17 + pending 7 (open forecast, written answer); 01_more not handed in: 0 of 5, settled.
    assert rows == [["s1", "A", "17", "", "17", "22", "7", "29"], ["s2", "B", "", "5", "5", "29", "0", "29"]]


def test_problems_are_sorted_and_deduplicated(demo_course):
    nb = demo_course.notebooks["00_demo"]
    bad = {"00.capital": {"type": "single_choice", "value": "Paris", "saved_at": "2023-06-30T10:00:00Z"}}
    grades = grade_class(Intake([submission("s2", "B", bad), submission("s1", "A", bad)], [], 2), demo_course, RUBRIC)
    assert grades.problems == sorted(grades.problems)
    assert [p.student_id for p in grades.problems] == ["s1", "s2"]
    assert json.dumps([p.row() for p in grades.problems]).count("Choose one of the options") == 2
    assert nb.ids[0] == "00.capital"
