"""The moment of decision: what lessons before 08 may show (minusma.cutoff, data.as_of)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from minusma import cutoff, data, paths

DAY = dt.date(2023, 6, 30)

SCHEMA = """
version: 1
accessed: "2026-11-01"
datasets:
  events:
    file: events.csv
    dated_by: day
    title: Events
    row: One event.
    sources: Made up for the tests.
    licence: None needed.
    caveats:
      - "Dates are approximate."
      - "The last base closed on 31 Dec 2023."
    columns:
      - {name: day, type: date, required: true}
      - {name: what, type: text, required: true}
      - {name: ended, type: date, hindsight: true}
      - {name: note, type: text, hindsight: true}
      - {name: deadline, type: date}
      - {name: august_vote, type: category, values: ["yes", "no"], later: true}
      - {name: source, type: text, required: true}
  later:
    file: later.csv
    dated_by: day
    title: Later things
    columns:
      - {name: day, type: date, required: true}
      - {name: source, type: text, required: true}
"""

EVENTS = """\
day,what,ended,note,deadline,august_vote,source
2023-06-16,Mali asks for withdrawal by 31 December 2023,,said in New York,,yes,A
2023-06-30,Council ends the mandate,2023-12-31,it closed in Dec 2023,2023-12-31,no,B
2023-08-13,Ber base leaves under fire,,,,,C
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    (tmp_path / "datasets.yaml").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "later.csv").write_text("day,source\n2024-01-01,D\n", encoding="utf-8")
    yield tmp_path
    data.as_of(None)


@pytest.mark.parametrize(
    "text",
    [
        "closed on 12 September 2023",
        "in Dec 2023",
        "Sept. 2023",
        "le 1er août 2023",
        "2023-08",
        "2023-07-01",
        "by 2024",
        "announced in June 2025",
    ],
)
def test_mentions_of_later_dates_are_found(text):
    assert cutoff.mentions_after(text, DAY)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "adopted on 30 June 2023",
        "in 2023",
        "June 2023",
        "2013–2022",
        "resolution 2690",
        "2023-06-16",
        "S/2023/463",
        "12,000 troops",
        "on 16 June",
    ],
)
def test_earlier_or_undated_text_is_not_held_back(text):
    assert not cutoff.mentions_after(text, DAY)


def test_without_a_moment_everything_shows(data_dir):
    assert len(data.load("events")) == 3


def test_rows_after_the_moment_are_left_out(data_dir):
    data.as_of("2023-06-30")
    events = data.load("events")
    assert list(events["what"]) == ["Mali asks for withdrawal by 31 December 2023", "Council ends the mandate"]


def test_hindsight_cells_are_held_back_and_deadlines_shown(data_dir):
    data.as_of(DAY)
    events = data.load("events")
    assert pd.isna(events.loc[1, "ended"])
    assert events.loc[1, "note"] == cutoff.HELD_BACK
    assert events.loc[0, "note"] == "said in New York"
    # a deadline set in advance is not an outcome: its column carries no hindsight mark
    assert events.loc[1, "deadline"] == pd.Timestamp("2023-12-31")


def test_a_column_about_later_events_is_left_out_whole(data_dir):
    assert "august_vote" in data.load("events").columns
    data.as_of(DAY)
    assert "august_vote" not in data.load("events").columns


def test_as_of_none_lifts_the_cut_off(data_dir):
    data.as_of(DAY)
    data.as_of(None)
    assert len(data.load("events")) == 3 and data.moment() is None


def test_describe_holds_back_later_caveats_and_counts_them(data_dir):
    data.as_of(DAY)
    text = str(data.describe("events"))
    assert "Dates are approximate." in text and "31 Dec 2023" not in text
    assert "1 note(s) about events after 30 June 2023 are held back" in text
    assert "31 Dec 2023" in str(data.describe("events", everything=True))


def test_catalogue_leaves_out_datasets_with_nothing_to_show_yet(data_dir):
    assert "later" in data.catalogue().index
    data.as_of(DAY)
    assert list(data.catalogue().index) == ["events"]


def test_a_moment_must_be_a_date(data_dir):
    with pytest.raises(ValueError, match="2023-06-30"):
        data.as_of("end of June")


def test_dated_by_must_name_a_date_column(data_dir):
    (data_dir / "datasets.yaml").write_text(
        SCHEMA.replace("dated_by: day\n    title: Events", "dated_by: what\n    title: Events"), encoding="utf-8"
    )
    with pytest.raises(data.DataError, match="dated_by"):
        data.load("events")


def test_course_data_on_decision_day_shows_nothing_later():
    """The course's own datasets: with the cut-off on, no row and no hindsight cell is dated later."""
    data.as_of(cutoff.DECISION_DAY)
    try:
        for name in data.names():
            spec, frame = data.schema(name), data.load(name)
            limit = pd.Timestamp(cutoff.DECISION_DAY)
            if spec.dated_by:
                assert not (frame[spec.dated_by] > limit).any(), name
            for column in spec.columns:
                if column.hindsight and column.type == "date":
                    assert not (frame[column.name] > limit).any(), (name, column.name)
    finally:
        data.as_of(None)


def test_exercise_set_up_puts_lessons_before_08_on_decision_day(tmp_path, monkeypatch):
    from minusma import questions as q
    from minusma import store

    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path))
    store.forget_stores()
    q.setup("01_the_request")
    assert data.moment() == cutoff.DECISION_DAY
    q.setup("08_what_happened_next")
    assert data.moment() is None
    store.forget_stores()


def test_describe_does_not_tell_how_far_the_data_run(data_dir):
    (data_dir / "datasets.yaml").write_text(
        SCHEMA.replace(
            "{name: day, type: date, required: true}",
            "{name: day, type: date, required: true, min: 2012-01-01, max: 2025-12-31}",
        ).replace('accessed: "2026-11-01"', 'accessed: "Late 2025"'),
        encoding="utf-8",
    )
    data.as_of(DAY)
    text = str(data.describe("events"))
    assert "2025" not in text and "Range: 2012-01-01 to 2023-06-30" in text
    assert "2025-12-31" in str(data.describe("events", everything=True))
