"""Fact guards for lesson 06 (designing the drawdown), read from the data and the stored notebooks.

* the figures the lesson's prose and outputs show match the data they come from;
* the keys of the exercise follow from the data, so the worked solutions score full marks;
* nothing dated after 30 June 2023 is shown, except deadlines and plans set before it and the
  model's own projected exit date;
* the exemplar memos are within the memo's word range, annotated on real rubric rows, and the
  same in the solutions notebook and the instructor guide.
"""

from __future__ import annotations

import datetime as dt
import re

import nbformat
import pandas as pd
import pytest
import yaml

from minusma import cutoff, data, paths, spec

NAME = "06_designing_the_drawdown.ipynb"
LESSON = paths.NOTEBOOKS_DIR / NAME
SOLUTION = paths.SOLUTIONS_DIR / NAME
EXERCISE = paths.EXERCISES_DIR / NAME
GUIDE = paths.REPO_ROOT / "instructor" / "README.md"
RUBRIC = paths.REPO_ROOT / "instructor" / "rubric.yaml"


# ------------------------------------------------------------------ helpers


@pytest.fixture(autouse=True)
def decision_day():
    """The lesson shows the data as they stood on 30 June 2023; so do these checks."""
    data.as_of(cutoff.DECISION_DAY)
    yield
    data.as_of(None)


def notebook(path):
    return nbformat.read(path, as_version=4)


def prose(path) -> str:
    return "\n".join(c.source for c in notebook(path).cells if c.cell_type == "markdown")


def outputs(path) -> str:
    texts = []
    for cell in notebook(path).cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                texts.append(out["text"])
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in out.get("data", {}):
                    texts.append(out["data"][kind])
    return "\n".join(texts)


def shown(path) -> str:
    """Everything a reader of the stored notebook sees: cell sources and text outputs."""
    return "\n".join(c.source for c in notebook(path).cells) + "\n" + outputs(path)


def specs() -> dict[str, spec.QuestionSpec]:
    return {s.id: s for s in spec.specs_from_notebook(SOLUTION)}


def model() -> dict[str, float]:
    """The lesson's logistics model, recomputed here from the data with the baseline assumptions."""
    f = data.load("drawdown_logistics").set_index("item_id")["value"]
    people = f["personnel"] / (f["seats_per_flight"] * f["flights_per_week"] * (1 - f["share_flights_refused"]))
    loads_per_week = f["loads_per_convoy"] * f["convoys_per_week"] * (1 - f["share_convoys_blocked"])
    equipment = f["equipment"] * (1 - f["share_handed_over"]) / loads_per_week
    sites = f["sites"] * f["weeks_per_site"] / f["sites_at_once"]
    provisions = data.load("resolution_2690_provisions")
    target = provisions.loc[provisions["topic"] == "drawdown and withdrawal", "deadline_date"].iloc[0]
    start = pd.Timestamp("2023-07-01")
    available = (target - start).days / 7
    exit_date = start + pd.Timedelta(weeks=max(people, equipment, sites))
    convoys = f["equipment"] / available / (f["loads_per_convoy"] * (1 - f["share_convoys_blocked"]))
    people_out = start + pd.Timedelta(weeks=people)
    return {
        "people": people,
        "equipment": equipment,
        "sites": sites,
        "available": available,
        "exit_date": exit_date,
        "days_late": (exit_date - target).days,
        "convoys_needed": convoys,
        "people_out": people_out,
        "people_spare": (target - people_out).days,
    }


def half_up(x: float) -> int:
    return int(x + 0.5)


# ------------------------------------------------------------------ the data behind the lesson


def test_logistics_figures_agree_with_the_other_datasets():
    f = data.load("drawdown_logistics").set_index("item_id")
    data.as_of(None)  # the notes of the other datasets may mention later events: read them whole
    personnel = data.load("deployed_personnel")
    khare = personnel[personnel["source"].str.contains("AG/AB/4423")].iloc[0]
    assert f.loc["personnel", "value"] == khare["uniformed_total"]
    assert f.loc["civilians", "value"] == khare["civilian_staff"]
    assert "12,000" in khare["note"] and f.loc["equipment", "value"] == 12000
    assert f.loc["sites", "value"] == data.load("bases")["site_2023"].sum() == 13
    requests = data.load("aircraft")
    refused = requests[(requests["count_unit"] == "flight requests") & requests["count_out_of"].notna()].iloc[0]
    assert round(refused["count"] / refused["count_out_of"], 2) == f.loc["share_flights_refused", "value"]


def test_teaching_assumptions_are_labelled_as_such():
    frame = data.load("drawdown_logistics")
    assumed = frame[frame["kind"] == "teaching assumption"]
    assert len(assumed) >= 8
    assert assumed["source"].str.startswith("Teaching assumption").all()
    assert assumed["published"].isna().all() and (assumed["confidence"] == "low").all()
    sourced = frame[frame["kind"] != "teaching assumption"]
    assert not sourced["source"].str.contains("Teaching assumption").any()
    assert sourced["published"].notna().all()


def test_figures_published_after_the_vote_are_held_back_before_08():
    shown_now = set(data.load("drawdown_logistics")["item_id"])
    data.as_of(None)
    everything = data.load("drawdown_logistics")
    later = everything[everything["published"] > pd.Timestamp(cutoff.DECISION_DAY)]
    assert set(later["item_id"]) == {"containers", "vehicles"}
    assert not shown_now & set(later["item_id"])
    for path in (LESSON, SOLUTION):
        text = outputs(path) + prose(path)
        for value in later["value"]:
            assert f"{value:,.0f}" not in text and f"{value:.0f}" not in text, (path.name, value)


def test_options_and_stakeholders_stand_on_or_before_the_vote():
    for name in ("drawdown_options", "drawdown_stakeholders"):
        data.as_of(None)
        everything = data.load(name)
        assert (everything["date"] <= pd.Timestamp(cutoff.DECISION_DAY)).all(), name
    options = data.load("drawdown_options").set_index("option_id")
    timeline = options[options["issue"] == "timeline of the withdrawal"]
    assert set(timeline.index) == {"without_delay", "three_months", "six_months", "longer_gradual"}
    assert "Diop" in timeline.loc["without_delay", "backed_by"]
    assert "France" in timeline.loc["six_months", "backed_by"]
    assert "No proposal was found" in options.loc["camps_to_whom", "backed_by"]


def test_every_actor_the_issue_names_is_on_the_map():
    actors = " ".join(data.load("drawdown_stakeholders")["actor"])
    for name in (
        "Mali",
        "France",
        "United Kingdom",
        "United States",
        "Russia",
        "China",
        "A3",
        "Troop",
        "Signatory armed groups",
        "Humanitarian agencies",
        "Civilians in the north",
    ):
        assert name in actors, name


# ------------------------------------------------------------------ what the lesson says


def test_lesson_prose_quotes_the_sourced_figures():
    text = prose(LESSON)
    f = data.load("drawdown_logistics").set_index("item_id")["value"]
    for item in ("personnel", "civilians", "equipment"):
        assert f"{f[item]:,.0f}" in text, item
    assert f"The {f['sites']:.0f} sites" in text


def test_lesson_prose_matches_the_barkhane_yardstick():
    text = prose(LESSON)
    departures = data.load("tcc_departures")
    barkhane = departures[departures["country"].str.startswith("France")].iloc[0]
    days = (barkhane["effective_date"] - barkhane["announcement_date"]).days
    assert f"in {days} days" in text and f"About {barkhane['personnel_max']:,} troops" in text
    pace = barkhane["personnel_max"] / (days / 30.44)
    personnel = data.load("drawdown_logistics").set_index("item_id").loc["personnel", "value"]
    assert f"about {round(pace, -1):,.0f} people a month" in text
    six, three = personnel / 6, personnel / 3
    assert f"about {six:,.0f} a month" in text and f"about {three:,.0f}" in text
    assert round(six / pace) == 5 and round(three / pace) == 10, "the text says: five and ten times that pace"


def test_lesson_prose_matches_the_model():
    text, m = prose(LESSON), model()
    assert 15 < m["people"] < 16 and "between 15 and 16 weeks" in text
    assert f"People need about {half_up(m['people'])} weeks and the sites about {half_up(m['sites'])}" in text
    assert f"the equipment needs {m['equipment']:.0f}" in text
    assert f"about {half_up(m['available'])} weeks (31 December)" in text
    assert f"{half_up(m['equipment'] - m['available'])} weeks late" in text
    assert m["people"] < m["available"] and m["sites"] < m["available"] < m["equipment"]


def test_lesson_output_shows_the_models_exit_date():
    m = model()
    assert f"The model's exit date: {m['exit_date']:%d %B %Y}, {m['days_late']} days after the target" in outputs(
        LESSON
    )


def test_lesson_stands_on_the_decision_day():
    setup = next(c.source for c in notebook(LESSON).cells if c.cell_type == "code")
    assert 'data.as_of("2023-06-30")' in setup
    assert 'q.setup("06_designing_the_drawdown")' in shown(EXERCISE)


# Dates after 30 June 2023 that a lesson before 08 may show: set before the vote (the draft's start and target,
# the end of civilian protection, the transition's own timetable, Germany's planned departure), never outcomes.
SET_IN_ADVANCE = {
    dt.date(2023, 7, 1),
    dt.date(2023, 9, 30),
    dt.date(2023, 12, 31),
    dt.date(2024, 3, 1),
    dt.date(2024, 5, 1),
}


def later_dates(text: str) -> list[tuple[str, dt.date]]:
    """Every date mention in ``text`` that starts after the decision day, with the date it starts on."""
    found, covered = [], []
    for match in cutoff._DAY_MONTH_YEAR.finditer(text):
        covered.append(match.span())
        day, month, year = match.group(1), cutoff._MONTHS[match.group(2).lower()], int(match.group(3))
        found.append((match.group(0), cutoff._starts(year, month, int(day) if day else None)))
    for match in cutoff._ISO.finditer(text):
        covered.append(match.span())
        found.append(
            (
                match.group(0),
                cutoff._starts(
                    int(match.group(1)), int(match.group(2)), int(match.group(3)) if match.group(3) else None
                ),
            )
        )
    for match in cutoff._YEAR.finditer(text):
        if not any(start <= match.start() < end for start, end in covered):
            found.append((match.group(0), cutoff._starts(int(match.group(1)))))
    return [(words, when) for words, when in found if when > cutoff.DECISION_DAY]


def test_later_date_finder_finds_what_it_should():
    assert later_dates("on 6 April 2024 and in 2025, not on 30 June 2023") == [
        ("6 April 2024", dt.date(2024, 4, 6)),
        ("2025", dt.date(2025, 1, 1)),
    ]


@pytest.mark.parametrize("path", [LESSON, SOLUTION, EXERCISE], ids=lambda p: p.parent.name)
def test_nothing_after_the_decision_day_is_shown(path):
    allowed = SET_IN_ADVANCE | {model()["exit_date"].date(), model()["people_out"].date()}  # the model's projections
    leaks = [words for words, when in later_dates(shown(path)) if when not in allowed]
    assert not leaks, f"{path.parent.name}/{NAME} shows later dates: {leaks}"


# ------------------------------------------------------------------ the questions and their keys


def test_number_keys_follow_from_the_data():
    m, s = model(), specs()
    computed = {
        "06.weeks_equipment": round(m["equipment"], 1),
        "06.days_late": m["days_late"],
        "06.convoys_needed": round(m["convoys_needed"], 1),
    }
    for qid, value in computed.items():
        result = spec.score(s[qid], value)
        assert result.status == "correct" and result.points == s[qid].points, (qid, value, result)
    assert f"{m['people_spare']} days to spare" in prose(SOLUTION)


def test_map_reading_key_follows_from_the_coding():
    frame = data.load("drawdown_stakeholders")
    expected = set(frame.loc[(frame["interest"] >= 4) & (frame["power"] <= 2), "actor"])
    key = specs()["06.map_reading"]
    assert set(key.key) == expected
    assert spec.score(key, sorted(expected)).status == "correct"
    assert "Figure 1" in key.prompt, "a graded question that reads a figure"


def test_who_backed_key_follows_from_the_options_table():
    options = data.load("drawdown_options").set_index("option_id")
    item_rows = {
        "Withdraw the mission without delay": "without_delay",
        "Leave within about three months": "three_months",
        "A resolution only on the details of the withdrawal": "resolution_only_withdrawal",
        "End the mandate on 30 June and leave by 31 December": "six_months",
        "Renew for a year at the same strength, with fewer priorities": "renew_reconfigured",
        "Turn MINUSMA into a political mission without troops": "review_political_mission",
        "A withdrawal taking longer than six months": "longer_gradual",
        "Algeria as day-to-day mediator of the 2015 agreement": "algeria_mediator",
    }
    words = {
        "Mali's transitional government": "Mali",
        "France, as penholder": "France",
        "the Secretary-General": "Secretary-General",
        "Switzerland and the United Kingdom": "Switzerland",
        "Crisis Group analysts": "Crisis Group",
    }
    key = specs()["06.who_backed"].key
    assert set(key) == set(item_rows)
    for item, category in key.items():
        assert words[category] in options.loc[item_rows[item], "backed_by"], item


def test_no_proposal_key_is_the_gap_in_the_table():
    options = data.load("drawdown_options")
    gaps = options[options["backed_by"].str.startswith("No proposal")]
    assert list(gaps["option_id"]) == ["camps_to_whom"]
    assert "camps in the north" in specs()["06.no_proposal"].key


def test_questions_types_points_and_rubric_rows():
    s = specs()
    assert {q.id for q in s.values()} == {
        "06.who_backed",
        "06.no_proposal",
        "06.bamako_case",
        "06.weeks_equipment",
        "06.days_late",
        "06.convoys_needed",
        "06.map_reading",
        "06.memo",
        "06.peer_review",
        "06.journal",
    }
    rubric = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    memo = s["06.memo"]
    assert memo.points == 10 and tuple(memo.words) == (300, 500)
    assert set(memo.criteria) == set(rubric["criteria"]) and memo.key["rubric"] == "memo"
    for q in s.values():
        assert set(q.criteria or ()) <= set(rubric["criteria"]), q.id
        if q.type == "written":
            assert q.key["rubric"] in rubric["rubrics"], q.id
    assert s["06.journal"].points == 0 and s["06.peer_review"].points == 0
    auto = sum(q.points for q in s.values() if q.graded == "auto")
    assert auto < s["06.memo"].points, "the argued work carries more weight than the auto-checked practice"


# ------------------------------------------------------------------ the exemplar memos


def exemplars() -> dict[str, str]:
    """The three exemplar memos of the solutions notebook's instructor cell, by level."""
    cell = next(c.source for c in notebook(SOLUTION).cells if c.source.startswith("## Exemplar memos"))
    parts = re.split(r"^### (Strong|Adequate|Weak)[^\n]*\n", cell, flags=re.M)
    found = {}
    for level, body in zip(parts[1::2], parts[2::2]):
        memo, _, table = body.partition("\n| rubric row |")
        found[level.lower()] = (memo.strip(), "| rubric row |" + table)
    return found


def test_three_exemplars_within_the_word_range_and_the_strong_one_is_the_model_answer():
    found = exemplars()
    assert set(found) == {"strong", "adequate", "weak"}
    for level, (memo, _table) in found.items():
        assert 300 <= spec.word_count(memo) <= 500, (level, spec.word_count(memo))
    assert found["strong"][0] == specs()["06.memo"].key["model_answer"]


def test_exemplars_are_annotated_on_every_rubric_row_with_falling_levels():
    criteria = list(yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))["criteria"])
    totals = {}
    for level, (_memo, table) in exemplars().items():
        rows = re.findall(r"^\| `(\w+)` \| (\d) \|", table, flags=re.M)
        assert [name for name, _ in rows] == criteria, level
        totals[level] = sum(int(score) for _, score in rows)
    assert totals["strong"] > totals["adequate"] > totals["weak"]


def test_exemplars_and_peer_review_are_in_the_instructor_guide():
    guide = GUIDE.read_text(encoding="utf-8")
    for level, (memo, table) in exemplars().items():
        assert memo in guide, f"the {level} exemplar differs between solutions/ and the instructor guide"
        assert table.strip() in guide, f"the {level} annotations differ"
    start = guide.index("\n", guide.index("### Session 06"))
    following = re.search(r"^#{2,3} ", guide[start:], flags=re.M)  # the next section or session
    session = guide[start : start + following.start()] if following else guide[start:]
    for words in (
        "peer review",
        "options",
        "attribution",
        "75-minute variant",
        "90-minute variant",
        "structured controversy",
    ):
        assert words in session.lower(), words
