"""What lessons 00 and 01 say, checked against the data they say it from.

The lessons carry no ``assert`` cells: their prose and their keys are checked
here, from the notebook files (nothing is run) and from ``data/``. A fact that
changes in the data, or a sentence that drifts from it, fails a test that names
both. Also checked: the two lessons keep the Council's vote for later lessons,
and their notebooks keep the shape the course promises (pre-reading time, short
code cells, a description under every figure, a decision journal).
"""

from __future__ import annotations

import re
from functools import cache

import nbformat
import pandas as pd
import pytest

from minusma import cutoff, data, paths, spec

LESSONS = ("00_start_here", "01_the_request")
FOLDERS = {"notebooks": paths.NOTEBOOKS_DIR, "exercises": paths.EXERCISES_DIR, "solutions": paths.SOLUTIONS_DIR}
DAY = pd.Timestamp


@cache
def notebook(folder: str, lesson: str):
    return nbformat.read(FOLDERS[folder] / f"{lesson}.ipynb", as_version=4)


def prose(folder: str, lesson: str) -> str:
    """The Markdown of a notebook, with its line breaks folded into spaces."""
    return " ".join(c.source.replace("\n", " ") for c in notebook(folder, lesson).cells if c.cell_type == "markdown")


def shown(folder: str, lesson: str) -> str:
    """Everything a reader sees: Markdown, code and stored text outputs."""
    parts = []
    for cell in notebook(folder, lesson).cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html", "text/markdown"):
                value = output.get("data", {}).get(kind, "")
                parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def keys(lesson: str) -> dict:
    return {s.id: s for s in spec.specs_from_notebook(paths.SOLUTIONS_DIR / f"{lesson}.ipynb")}


@pytest.fixture(scope="module")
def timeline():
    data.as_of(cutoff.DECISION_DAY)  # what the lessons show
    try:
        yield data.load("timeline")
    finally:
        data.as_of(None)


def row(timeline, words: str) -> pd.Series:
    match = timeline[timeline["event"].str.contains(words, regex=False)]
    assert len(match) == 1, f"one timeline row should contain {words!r}, found {len(match)}"
    return match.iloc[0]


def date_of(timeline, words: str) -> pd.Timestamp:
    return row(timeline, words)["date"]


# ---- lesson 00: the case on one page ---------------------------------------------------------


def test_00_dates_of_the_case_are_in_the_timeline(timeline):
    assert date_of(timeline, "second coup") == DAY("2021-05-24")
    assert date_of(timeline, "'without delay'") == DAY("2023-06-16")
    assert date_of(timeline, "penholder on Mali") == DAY("2023-06-22")
    assert date_of(timeline, "exclusively on the details") == DAY("2023-06-23")
    assert date_of(timeline, "six months") == DAY("2023-06-27")
    assert date_of(timeline, "passes the silence procedure") == DAY("2023-06-29")
    text = prose("notebooks", "00_start_here")
    for said in (
        "On 16 June 2023",
        "on 22 June circulated a draft",
        "On 23 June Diop wrote",
        "On 27 June diplomats",
        "On 29 June the revised draft",
    ):
        assert said in text, f"notebook 00 should still say {said!r}"


def test_00_the_draft_and_the_timetable_dispute_match_their_rows(timeline):
    text = prose("notebooks", "00_start_here")
    dispute, draft = row(timeline, "six months"), row(timeline, "passes the silence procedure")
    assert (
        "Mali has asked for a shorter period" in dispute["event"]
        and "six months to leave and that Mali wanted less" in text
    )
    assert "reasonable timetable" in dispute["note"] and '"reasonable timetable"' in text
    assert "aiming to finish by 31 December 2023" in draft["event"] and "aiming to finish by 31 December 2023" in text
    letter = row(timeline, "exclusively on the details")
    quoted = "a resolution exclusively on the details of MINUSMA's plan for immediate withdrawal"
    assert quoted in letter["event"] and quoted in text


def test_00_fourteen_days_from_the_request_to_the_end_of_the_mandate(timeline):
    strength = data.load("authorised_strength").set_index("resolution_number")
    days = (strength.loc[2640, "mandate_until"] - date_of(timeline, "'without delay'")).days
    assert days == 14 and "Fourteen days" in prose("notebooks", "00_start_here")


def test_00_ceilings_of_the_last_mandate():
    last = data.load("authorised_strength").set_index("resolution_number").loc[2640]
    assert (last["military_ceiling"], last["police_ceiling"]) == (13289, 1920)
    assert "allowed up to 13,289 soldiers and 1,920 police" in prose("notebooks", "00_start_here")


def test_00_deadliest_is_attributed_and_defined():
    annual = data.load("fatalities_annual")
    deliberate = annual[annual["definition"].str.contains("deliberate attacks|malicious attacks")]
    assert set(range(2014, 2023)) <= set(deliberate["year"]), "a Staff Union count of deliberate attacks per year"
    assert "ninth year in a row" in deliberate.loc[deliberate["year"] == 2022, "note"].iloc[0]
    may = data.load("fatalities_cumulative").set_index("date").loc[DAY("2023-05-31")]
    assert "UNIFIL (329)" in may["note"] and may["total"] == 303, "Lebanon's mission had lost more, all causes"
    text = prose("notebooks", "00_start_here")
    assert "The UN Staff Union, counting peacekeepers killed in deliberate attacks" in text
    assert "every year from 2014 to 2022" in text and "the UN mission in Lebanon had lost more" in text


def test_00_and_01_quote_diop_and_wane_as_recorded(timeline):
    request = row(timeline, "'without delay'")
    for words in ("semble devenir partie du problème", "allégations d'une extrême gravité", "retrait sans délai"):
        assert words in request["evidence"]
    assert "crisis of confidence" in request["note"] and "ready to cooperate" in request["note"]
    positions = data.load("council_positions_2023")
    secretariat = positions[positions["role"] == "secretariat"].iloc[0]
    assert secretariat["quote_date"] == DAY("2023-06-16")
    for lesson in LESSONS:
        text = prose("notebooks", lesson)
        assert '"semble devenir partie du problème"' in text and '"allégations d\'une extrême gravité"' in text
        assert "crisis of confidence" in text or lesson == "00_start_here"
        assert "les opérations sont presque impossibles" in secretariat["short_quote"]
        assert "les opérations sont presque impossibles" in text
    assert "had become part of the problem" not in prose("notebooks", "01_the_request").replace("'", ""), (
        "Diop said 'seems to become', not 'had become'"
    )


def test_fourteen_european_states_and_canada(timeline):
    statement = row(timeline, "condemn what they call the deployment of Wagner")
    assert statement["event"].startswith("Fourteen European states and Canada")
    assert "Fifteen signatories in all" in statement["note"]
    for folder in FOLDERS:
        for lesson in LESSONS:
            text = shown(folder, lesson)
            assert "Fifteen European" not in text and "fifteen European" not in text.replace("'fifteen European", "")
    assert "Fourteen European states and Canada" in prose("notebooks", "00_start_here")
    assert "Fourteen European states and Canada" in prose("notebooks", "01_the_request")


def test_00_and_01_keep_the_vote_for_later_lessons():
    for folder in ("notebooks", "exercises"):
        for lesson in LESSONS:
            text = shown(folder, lesson)
            for giveaway in (
                r"2690",
                r"15 votes to 0",
                r"\b15\s*[-–]\s*0\b",
                r"unanimously adopted",
                r"adopted unanimously",
            ):
                assert not re.search(giveaway, text), f"{folder}/{lesson} gives the vote away: {giveaway!r}"


def test_00_content_note_attributes_the_killings():
    text = prose("notebooks", "00_start_here")
    assert "killings that UN investigators reported at Moura in March 2022, which the government denies" in text
    for lesson in LESSONS:
        assert "the killing of civilians" not in prose("notebooks", lesson)


def test_00_keys_match_the_data(timeline):
    k = keys("00_start_here")
    order = k["00.timeline"].key
    dates = {
        "Resolution 2100 establishes MINUSMA": DAY("2013-04-25"),
        "Resolution 2295 raises the troop ceiling": data.load("authorised_strength")
        .set_index("resolution_number")
        .loc[2295, "adoption_date"],
        "A second coup gives Col. Assimi Goïta full control": date_of(timeline, "second coup"),
        "Mali's foreign minister asks for the mission's withdrawal": date_of(timeline, "'without delay'"),
        "France circulates a draft resolution ending the mandate": date_of(timeline, "penholder on Mali"),
        "Mali writes to ask for a resolution only on the withdrawal": date_of(timeline, "exclusively on the details"),
    }
    assert list(order) == sorted(dates, key=dates.get), "the order key follows the dates in the data"
    assert date_of(timeline, "Operation Serval") if False else True
    ceiling = data.load("authorised_strength").set_index("resolution_number").loc[2295, "military_ceiling"]
    assert k["00.ceiling_2016"].key["value"] == ceiling
    barkhane, moura = date_of(timeline, "Barkhane will leave"), date_of(timeline, "operation takes place in Moura")
    report, request = date_of(timeline, "fact-finding report"), date_of(timeline, "'without delay'")
    renewal = date_of(timeline, "Resolution 2640 renews")
    figure_key = set(k["00.figure_reading"].key)
    assert ("France announced Barkhane's exit before the operation at Moura." in figure_key) == (barkhane < moura)
    assert ("The OHCHR report on Moura came out about a month before Mali's request." in figure_key) == (
        25 <= (request - report).days <= 40
    )
    assert ("The last renewal of the mandate was adopted about a year before the request." in figure_key) == (
        330 <= (request - renewal).days <= 400
    )
    assert "It would ask the mission to complete its withdrawal by 31 December 2023." in k["00.draft_terms"].key
    assert "31 December 2023" in row(timeline, "passes the silence procedure")["event"]


def test_00_forecast_and_consent_do_not_assume_the_vote():
    k = keys("00_start_here")
    assert "Suppose the Council adopts it" in k["00.withdrawal_on_time"].prompt
    assert "unanimous" not in k["00.consent"].key["model_answer"]
    text = prose("notebooks", "00_start_here")
    assert "consent of the main parties, impartiality, and no use of force" in text, (
        "00.consent is taught in the lesson"
    )


# ---- lesson 01: the request -----------------------------------------------------------------


def test_01_counts_in_the_prose(timeline):
    before = timeline[timeline["date"] <= DAY("2023-06-16")]
    text = prose("notebooks", "01_the_request")
    categories = next(c for c in data.schema("timeline").columns if c.name == "category").values
    assert len(categories) == 13 and "sorts its events into thirteen categories" in text
    road = before[before["road_to_request"]]
    assert len(road) == 18 and "Eighteen steps" in text
    departures = data.load("tcc_departures")
    mission = departures[departures["minusma_contingent"]]
    assert len(mission) == 6 and mission["announcement_date"].between("2022-03-01", "2022-11-30").all()
    assert "six MINUSMA contributors announced their departure between March and November 2022" in text
    assert "after seven Egyptian soldiers were killed" in departures.set_index("country").loc["Egypt", "event"]
    assert "not willing to work with us" in departures.set_index("country").loc["United Kingdom", "evidence"]


def test_01_worked_examples_give_what_the_prose_says(timeline):
    text = prose("notebooks", "01_the_request")
    days = (date_of(timeline, "last Barkhane troops") - date_of(timeline, "Barkhane will leave")).days
    assert days == 179 and "179 days" in text


def test_01_figure_2_reads_as_its_caption_says(timeline):
    before = timeline[timeline["date"] <= DAY("2023-06-16")]
    per_year = before.groupby(before["date"].dt.year).size()
    assert per_year.idxmax() == 2022 and per_year.drop(2022).idxmax() == 2023
    assert 2018 not in per_year.index
    partners = ["foreign intervention", "Russia/Wagner", "regional", "troop contributors"]
    in_2022 = before[before["date"].dt.year == 2022]
    assert in_2022["category"].isin(partners).sum() > len(in_2022) / 2, "most of 2022 is 'Mali and its partners'"


def test_01_quotes_claims_and_votes_as_recorded():
    claims = data.load("claims").set_index("claim_id")
    assert tuple(claims.loc["wagner_qa_estimate", ["figure", "figure_max"]]) == (1000, 2000)
    text = prose("notebooks", "01_the_request")
    assert "between 1,000 and 2,000 fighters" in text
    assert "reasonable grounds to believe that at least 500 people were killed" in text
    assert tuple(claims.loc["moura_ohchr_killed", ["figure", "figure_qualifier"]]) == (500, ">")
    votes = data.load("council_votes").set_index("text_id")
    mandates = votes.loc[[r for r in data.load("authorised_strength")["resolution"] if "2690" not in r]]
    assert (mandates["outcome"] == "adopted").all()
    split = mandates[mandates["yes"] < 15]
    assert list(split.index) == ["S/RES/2640 (2022)"] and split["abstain"].iloc[0] == 2
    assert "all of them unanimously except resolution 2640" in text


def test_01_the_module_reading_is_labelled_as_such():
    text = prose("notebooks", "01_the_request")
    assert "clearest recent trigger" not in text
    assert "calling it *the* trigger is this module's reading, not Crisis Group's" in text
    assert "**this module's reading**, not established facts" in text


def test_01_keys_match_the_data(timeline):
    k = keys("01_the_request")
    days = (date_of(timeline, "'without delay'") - date_of(timeline, "second coup")).days
    assert k["01.days_coup_to_request"].key["value"] == days == 753
    departures = data.load("tcc_departures")
    leaving = departures.loc[departures["minusma_contingent"], "personnel_min"].sum()
    personnel = data.load("deployed_personnel").set_index("date")
    share = round(100 * leaving / personnel.loc[DAY("2022-11-23"), "uniformed_total"], 1)
    assert (leaving, share) == (3564, 25.3) and k["01.share_leaving"].key["value"] == share
    review = row(timeline, "internal review of MINUSMA")["note"]
    assert all(words in review for words in ("reinforce", "consolidate", "special political mission"))
    sequence = k["01.sequence"].key
    assert sequence[1] == "Fourteen European states and Canada condemn the deployment of Wagner in Mali"
    # the figure-reading key, as the data stood on 30 June 2023
    data.as_of(cutoff.DECISION_DAY)
    try:
        shown_then = data.load("tcc_departures").set_index("country")
    finally:
        data.as_of(None)
    mission = shown_then[shown_then["minusma_contingent"]]
    barkhane = shown_then.loc["France (Barkhane, not MINUSMA)", "announcement_date"]
    figure_key = set(k["01.figure_reading"].key)
    assert (mission["announcement_date"] > barkhane).all()
    open_on_request_day = mission["effective_date"].isna() | (mission["effective_date"] > DAY("2023-06-16"))
    assert open_on_request_day.sum() >= 4
    assert shown_then.loc["Egypt", "effective_date"] <= DAY("2022-12-31")
    assert len(figure_key) == 3 and "The contingents left because Mali asked MINUSMA to go." not in figure_key


# ---- the shape of both lessons --------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS)
def test_opening_states_pre_reading_time_and_homework(lesson):
    opening = notebook("notebooks", lesson).cells[0].source
    assert "pre-reading: about 30 minutes" in opening and "15-minute discussion" in opening
    assert "home" in opening.lower()


def short_share(folder: str, lesson: str) -> tuple[int, int]:
    """How many code cells have five lines or fewer, out of how many."""
    code = [c for c in notebook(folder, lesson).cells if c.cell_type == "code"]
    return sum(len(c.source.strip().splitlines()) <= 5 for c in code), len(code)


@pytest.mark.parametrize("folder", ("notebooks", "exercises"))
@pytest.mark.parametrize("lesson", LESSONS)
def test_students_read_short_code_cells(folder, lesson):
    # solutions/ is left out: its ### BEGIN KEY / ### END KEY markers add lines students never see
    short, total = short_share(folder, lesson)
    assert short / total >= 0.85, f"{folder}/{lesson}: {short} of {total} code cells at five lines or fewer"


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("lesson", LESSONS)
def test_code_cells_students_see_carry_no_plumbing(folder, lesson):
    code = [c for c in notebook(folder, lesson).cells if c.cell_type == "code"]
    student_cells = [c for c in code if "solution-only" not in c.metadata.get("tags", [])]
    for cell in student_cells:
        assert "NBVAL_IGNORE_OUTPUT" not in cell.source and "NBVAL_CHECK_OUTPUT" not in cell.source
        assert not re.search(r"(?m)^\s*assert\b", cell.source), f"{folder}/{lesson}: an assert in a cell students see"
        assert not re.search(r"(?m)^(\w+) = q\.\w+\(", cell.source), (
            f"{folder}/{lesson}: build questions as the last expression"
        )


@pytest.mark.parametrize("folder", ("notebooks", "solutions"))
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_figure_is_one_short_call_with_a_description_under_it(folder, lesson):
    cells = notebook(folder, lesson).cells
    figures = 0
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        figures += 1
        assert len(cell.source.strip().splitlines()) <= 5, (
            f"{folder}/{lesson}, cell {index}: a figure cell over five lines"
        )
        assert len(re.findall(r"plots\.\w+_chart\(", cell.source)) == 1 and "source=" in cell.source
        following = cells[index + 1]
        assert following.cell_type == "markdown" and "*Description:*" in following.source, (
            f"{folder}/{lesson}, cell {index}: put a one- or two-sentence description under the figure"
        )
    assert figures >= 1


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_exercise_reads_a_figure_and_ends_with_a_journal(lesson):
    specs = keys(lesson)
    number = lesson[:2]
    assert f"{number}.figure_reading" in specs
    journal = specs[f"{number}.journal"]
    assert journal.type == "written" and journal.points == 0
    ids = list(specs)
    graded = [i for i in ids if specs[i].points > 0]
    assert ids.index(f"{number}.journal") > max(ids.index(i) for i in graded), "the journal comes last"


def test_the_blank_convention_is_explained_where_it_first_appears():
    cells = notebook("exercises", "00_start_here").cells
    first_blank = next(
        i for i, c in enumerate(cells) if c.cell_type == "code" and re.search(r"== \.\.\.|= \.\.\.", c.source)
    )
    explained = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "The `...` convention" in c.source)
    assert explained < first_blank
    assert "Number boxes:" in shown("exercises", "00_start_here") and "press **Enter**, then press **Check**" in shown(
        "exercises", "00_start_here"
    )


def test_one_message_on_what_counts_in_00():
    for folder in ("notebooks", "exercises"):
        text = prose(folder, "00_start_here")
        assert "graded like every exercise" in text
        assert "nothing there counts" not in text
