"""Tests of minusma.forecasts: a student's own forecasts and journals back, and the class view.

The class view is checked against Brier scores computed by hand for a small class
written here (three students, five questions), and against the grading command,
which scores each forecast as points x (1 - Brier).
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from synthetic_class import submission_for

from minusma import forecasts, paths, store
from minusma.files import write_json_atomic
from minusma.grading import grade_folder

LOCK = "2023-06-30T10:00:00.000Z"
IDS = [
    "00.withdrawal_on_time",
    "01.election_by_feb_2024",
    "01.army_in_kidal",
    "03.equipment_destroyed",
    "04.algiers_in_force",
]
NOTEBOOK_OF = {
    "00.withdrawal_on_time": "00_start_here",
    "01.election_by_feb_2024": "01_the_request",
    "01.army_in_kidal": "01_the_request",
    "03.equipment_destroyed": "03_what_minusma_was",
    "04.algiers_in_force": "04_consequences",
}


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A fresh, empty work folder for the student's answers (not the solutions copy)."""
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path / "work"))
    store.set_solution_mode(False)
    store.forget_stores()
    yield tmp_path / "work"
    store.forget_stores()


def forecast_value(probability, locked=True):
    return {"probability": probability, "reason": "a reason", "locked_at": LOCK if locked else None}


# ------------------------------------------------------------------ a student's own forecasts


def test_my_forecasts_reads_the_locked_forecasts_from_the_answers_files(work, capsys):
    store.get_store("00_start_here").save("00.withdrawal_on_time", "forecast", forecast_value(70))
    store.get_store("00_start_here").save("00.consent", "written", "Consent matters.")
    store.get_store("01_the_request").save("01.army_in_kidal", "forecast", forecast_value(20))
    store.get_store("01_the_request").save("01.election_by_feb_2024", "forecast", forecast_value(65, locked=False))
    store.forget_stores()
    mine = forecasts.my_forecasts()
    assert list(mine.columns) == forecasts.FORECAST_COLUMNS
    assert list(mine["question_id"]) == ["00.withdrawal_on_time", "01.army_in_kidal"]
    assert list(mine["probability"]) == [70, 20]
    assert list(mine["notebook"]) == ["00_start_here", "01_the_request"]
    assert mine["locked_at"].notna().all() and not mine["already_knew"].any()
    said = capsys.readouterr().out
    assert "01.election_by_feb_2024" in said and "not scored" in said, "an unlocked forecast is named, not scored"
    assert "08.already_knew" in said


def test_the_ticks_of_already_knew_mark_those_forecasts(work):
    store.get_store("01_the_request").save("01.army_in_kidal", "forecast", forecast_value(20))
    store.get_store("04_consequences").save("04.algiers_in_force", "forecast", forecast_value(30))
    store.get_store("08_what_happened_next").save(
        forecasts.ALREADY_KNEW_ID,
        "multiple_choice",
        ["01.army_in_kidal: whether the Malian army held Kidal on 31 December 2023"],
    )
    mine = forecasts.my_forecasts().set_index("question_id")
    assert bool(mine.loc["01.army_in_kidal", "already_knew"]) is True
    assert bool(mine.loc["04.algiers_in_force", "already_knew"]) is False


def test_with_no_locked_forecast_the_example_is_given_and_says_so(work, capsys):
    practice = forecasts.my_forecasts()
    assert "No locked forecast" in capsys.readouterr().out
    pd.testing.assert_frame_equal(practice, forecasts.example_forecasts())
    empty = forecasts.my_forecasts(example_if_none=False)
    assert empty.empty and list(empty.columns) == forecasts.FORECAST_COLUMNS


def test_the_answers_of_a_solutions_run_are_not_the_students(work):
    store.set_solution_mode(True)
    store.get_store("00_start_here").save("00.withdrawal_on_time", "forecast", forecast_value(99))
    store.set_solution_mode(False)
    assert forecasts.my_forecasts(example_if_none=False).empty, "a solutions run is not the student's own work"


def test_my_journals_come_back_in_notebook_order(work):
    store.get_store("03_what_minusma_was").save("03.journal", "written", "Six months, about 60 % sure.")
    store.get_store("00_start_here").save("00.journal", "written", "Faster, 40 % sure.")
    store.get_store("00_start_here").save("00.consent", "written", "Not a journal.")
    journal = forecasts.my_journals()
    assert list(journal["question_id"]) == ["00.journal", "03.journal"]
    assert list(journal["words"]) == [3, 5]
    assert journal.loc[1, "text"] == "Six months, about 60 % sure."


def test_already_known_ids_reads_the_id_before_the_colon_and_ignores_the_rest():
    ticked = ["00.withdrawal_on_time: whether ...", "None of them: I knew none of these outcomes", "nonsense"]
    assert forecasts.already_known_ids(ticked) == {"00.withdrawal_on_time"}
    assert forecasts.already_known_ids(None) == set()


def test_the_example_forecaster_is_one_forecast_per_course_question():
    example = forecasts.example_forecasts()
    assert sorted(example["question_id"]) == sorted(q.id for q in forecasts.forecast_questions())
    assert example["probability"].between(0, 100).all()


def test_outcomes_come_from_the_keys_in_solutions():
    assert forecasts.outcomes() == {
        "00.withdrawal_on_time": True,
        "01.election_by_feb_2024": False,
        "01.army_in_kidal": True,
        "03.equipment_destroyed": True,
        "04.algiers_in_force": False,
    }


# ------------------------------------------------------------------ the class view, checked by hand

#: Three students. C already knew Kidal's outcome; B left the Algiers forecast unlocked.
CLASS = {
    "alice.k": {
        "00.withdrawal_on_time": 80,
        "01.election_by_feb_2024": 30,
        "01.army_in_kidal": 70,
        "03.equipment_destroyed": 90,
        "04.algiers_in_force": 20,
    },
    "bo_2": {
        "00.withdrawal_on_time": 50,
        "01.election_by_feb_2024": 50,
        "01.army_in_kidal": 50,
        "03.equipment_destroyed": 50,
        "04.algiers_in_force": (50, False),
    },
    "cy-3": {
        "00.withdrawal_on_time": 20,
        "01.election_by_feb_2024": 90,
        "01.army_in_kidal": 10,
        "03.equipment_destroyed": 40,
        "04.algiers_in_force": 70,
    },
}
KNEW = {"cy-3": ["01.army_in_kidal: whether the Malian army held Kidal on 31 December 2023"]}


def write_class(folder):
    for sid, made in CLASS.items():
        by_notebook = {}
        for qid, value in made.items():
            probability, locked = value if isinstance(value, tuple) else (value, True)
            by_notebook.setdefault(NOTEBOOK_OF[qid], {})[qid] = {
                "type": "forecast",
                "value": forecast_value(probability, locked),
                "saved_at": LOCK,
                "checks": 0,
            }
        for notebook, answers in by_notebook.items():
            write_json_atomic(
                folder / f"{sid}_{notebook}.json", submission_for(notebook, sid, f"Student {sid}", answers)
            )
        ticked = KNEW.get(sid, ["None of them: I knew none of these outcomes"])
        answers = {
            forecasts.ALREADY_KNEW_ID: {"type": "multiple_choice", "value": ticked, "saved_at": LOCK, "checks": 0}
        }
        write_json_atomic(
            folder / f"{sid}_08.json", submission_for("08_what_happened_next", sid, f"Student {sid}", answers)
        )
    # cy-3 handed in notebook 00 once before, at 100 %: the later hand-in is the one that counts
    early = {"00.withdrawal_on_time": {"type": "forecast", "value": forecast_value(100), "saved_at": LOCK, "checks": 0}}
    write_json_atomic(
        folder / "early" / "cy-3_00.json",
        submission_for("00_start_here", "cy-3", "Student cy-3", early, submitted_at="2023-06-30T09:00:00.000Z"),
    )


@pytest.fixture
def small_class(tmp_path):
    folder = tmp_path / "subs"
    (folder / "early").mkdir(parents=True)
    write_class(folder)
    return folder


def test_class_ranking_matches_brier_scores_computed_by_hand(small_class):
    view = forecasts.class_forecasts(small_class)
    labels = view.pseudonyms
    ranking = view.ranking.set_index("forecaster")
    # alice: (0.8-1)^2 + (0.3-0)^2 + (0.7-1)^2 + (0.9-1)^2 + (0.2-0)^2 = 0.04+0.09+0.09+0.01+0.04 = 0.27; /5
    alice = ranking.loc[labels["alice.k"]]
    assert (alice["scored"], alice["mean_brier"], alice["rank"]) == (5, 0.054, 1)
    # bo: four locked forecasts at 50 %: 0.25 each; the unlocked one is not scored
    bo = ranking.loc[labels["bo_2"]]
    assert (bo["scored"], bo["mean_brier"], bo["rank"]) == (4, 0.25, 2)
    assert bo["better_than_no_skill"] == 0
    # cy: blind 0.64 + 0.81 + 0.36 + 0.49 = 2.30 over 4; Kidal (0.81) known, kept apart
    cy = ranking.loc[labels["cy-3"]]
    assert (cy["scored"], cy["mean_brier"], cy["already_knew"], cy["mean_brier_already_knew"]) == (4, 0.575, 1, 0.81)
    assert cy["rank"] == 3 and math.isclose(cy["better_than_no_skill"], -0.325)


def test_the_crowd_is_the_average_forecast_scored_question_by_question(small_class):
    view = forecasts.class_forecasts(small_class)
    questions = view.questions.set_index("question_id")
    # 00: (80+50+20)/3 = 50 -> 0.25; election: 170/3 -> (0.5667)^2 = 0.3211; Kidal (cy known): 60 -> 0.16;
    # equipment: 60 -> 0.16; Algiers (bo unlocked): 45 -> 0.2025
    assert list(questions["crowd_brier"]) == [0.25, 0.16, 0.3211, 0.16, 0.2025]
    assert list(questions["forecasts"]) == [3, 2, 3, 3, 2]
    assert math.isclose(view.crowd_brier, (0.25 + 0.16 + 0.3211 + 0.16 + 0.2025) / 5)


def test_the_class_view_names_no_student_except_in_the_label_key(small_class, tmp_path):
    view = forecasts.class_forecasts(small_class)
    assert sorted(view.pseudonyms.values()) == ["F01", "F02", "F03"]
    written = forecasts.write_class_view(view, tmp_path / "out")
    assert {p.name for p in written} == {
        "forecast_ranking.csv",
        "forecast_questions.csv",
        "class_forecasts.csv",
        "forecast_labels.csv",
        "class_calibration.png",
    }
    for name in ("forecast_ranking.csv", "forecast_questions.csv", "class_forecasts.csv"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert not any(sid in text or f"Student {sid}" in text for sid in CLASS), name
    with open(tmp_path / "out" / "forecast_labels.csv", encoding="utf-8") as f:
        key = {row["student_id"]: row["label"] for row in csv.DictReader(f)}
    assert key == view.pseudonyms


def test_a_forecast_without_an_outcome_waits(small_class, tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for notebook in set(NOTEBOOK_OF.values()):
        source = (paths.SOLUTIONS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8")
        if notebook == "01_the_request":
            without = source.replace('key={\\"outcome\\": True},', "")
            assert without != source
            source = without
        (solutions / f"{notebook}.ipynb").write_text(source, encoding="utf-8")
    view = forecasts.class_forecasts(small_class, solutions_dir=solutions)
    assert view.pending == ["01.army_in_kidal"], "its key was removed: it cannot be scored yet"
    assert "01.army_in_kidal" not in set(view.forecasts["question_id"])
    assert len(view.forecasts) == 14 - 3


def test_the_grading_command_scores_the_same_forecasts_as_one_minus_brier(small_class, tmp_path):
    run = grade_folder(small_class, tmp_path / "grades")
    by_student = {s.student_id: s for s in run.students}
    alice = by_student["alice.k"].notebooks
    assert (
        alice["00_start_here"]
        .questions[[q.spec.id for q in alice["00_start_here"].questions].index("00.withdrawal_on_time")]
        .points
        == 0.96
    )  # 1 x (1 - 0.04)
    points = {q.spec.id: q.points for nb in alice.values() for q in nb.questions if q.spec.type == "forecast"}
    assert points == {
        "00.withdrawal_on_time": 0.96,
        "01.election_by_feb_2024": 0.91,
        "01.army_in_kidal": 0.91,
        "03.equipment_destroyed": 0.99,
        "04.algiers_in_force": 0.96,
    }
    cy = {
        q.spec.id: q.points
        for nb in by_student["cy-3"].notebooks.values()
        for q in nb.questions
        if q.spec.type == "forecast"
    }
    assert cy["00.withdrawal_on_time"] == 0.36, "the later hand-in (20 %) counts, not the earlier 100 %"


def test_the_command_line_writes_the_class_view(small_class, tmp_path, capsys):
    assert forecasts.main([str(small_class), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "3 forecasters, 14 forecasts scored (1 marked as already known, kept apart)." in said
    assert (tmp_path / "out" / "class_calibration.png").stat().st_size > 1000
    assert forecasts.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2


def test_the_demo_class_is_the_same_every_time_and_reads_cleanly(tmp_path):
    first = forecasts.write_demo_class(tmp_path / "a", n_students=5, seed=3)
    second = forecasts.write_demo_class(tmp_path / "b", n_students=5, seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    view = forecasts.class_forecasts(tmp_path / "a")
    assert view.problems == [] and view.pending == []
    assert len(view.ranking) == 5
    assert set(view.forecasts["question_id"]) == set(forecasts.outcomes())


def test_the_grade_command_also_writes_the_anonymised_class_forecast_view(small_class, tmp_path, capsys):
    from minusma.grading.cli import main as grade_main

    out = tmp_path / "grades"
    assert grade_main([str(small_class), "--out", str(out)]) == 0
    ranking = pd.read_csv(out / "forecasts" / "forecast_ranking.csv")
    direct = forecasts.class_forecasts(small_class).ranking
    assert (
        len(ranking) == len(direct)
        and not ranking.astype(str).apply(lambda column: column.str.contains("alice")).any().any()
    ), "names and ids stay out of what is projected"
    assert "Class forecasts" in capsys.readouterr().out
