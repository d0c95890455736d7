"""Lessons 03 and 04 say what their data say, stand on 30 June 2023, and keep their cells lean.

The lessons state figures in prose ("about three quarters", "close to"); the
checks that used to sit in lesson cells as ``assert`` lines live here instead,
reading the data (as they stood on the day of the decision) and the stored
notebooks, so a change to either shows up as a failing test, not as a
student-visible error.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from minusma import cutoff, data, paths, spec

SLUGS = ("03_what_minusma_was", "04_consequences")
LESSON_03 = paths.NOTEBOOKS_DIR / "03_what_minusma_was.ipynb"
LESSON_04 = paths.NOTEBOOKS_DIR / "04_consequences.ipynb"
ALL_03_04 = [
    folder / f"{slug}.ipynb"
    for slug in SLUGS
    for folder in (paths.NOTEBOOKS_DIR, paths.SOLUTIONS_DIR, paths.EXERCISES_DIR)
]
QUESTION_TYPES = "single_choice|multiple_choice|number|order|classify|forecast|vote|written"


def relative(path: Path) -> str:
    return path.relative_to(paths.REPO_ROOT).as_posix()


@cache
def notebook(path: Path):
    return nbformat.read(path, as_version=4)


def prose(path: Path) -> str:
    """The Markdown of a notebook, with line breaks and emphasis marks flattened, for phrase checks."""
    text = " ".join(c.source for c in notebook(path).cells if c.cell_type == "markdown")
    return re.sub(r"\s+", " ", text.replace("*", ""))


def as_of_decision(name: str) -> pd.DataFrame:
    """A dataset as the lessons show it: on 30 June 2023."""
    data.as_of(cutoff.DECISION_DAY)
    try:
        return data.load(name)
    finally:
        data.as_of(None)


# --------------------------------------------------------------------- lesson 03: people and contributors


def ceilings() -> pd.DataFrame:
    strength = as_of_decision("authorised_strength")
    return strength.assign(uniformed=strength["military_ceiling"] + strength["police_ceiling"])


def test_03_the_ceiling_rose_once_in_2016_and_2690_sets_none():
    strength = ceilings()
    top = strength.loc[strength["resolution_number"] == 2295, "uniformed"].iloc[0]
    assert top == strength["uniformed"].max() == 15209
    assert strength.loc[strength["resolution_number"] < 2295, "uniformed"].max() < top
    assert strength.loc[strength["resolution_number"] == 2690, "uniformed"].isna().all()
    assert strength["uniformed"].iloc[0] == 12640
    text = prose(LESSON_03)
    assert "from 12,640 in 2013 to 15,209 in June 2016" in text and "Resolution 2690" in text


def test_03_yearly_means_rise_every_year_and_stay_below_the_ceiling():
    yearly = as_of_decision("deployed_personnel_radpko_yearly")
    means = yearly["mean_total_uniformed"]
    assert means.is_monotonic_increasing and (means < ceilings()["uniformed"].max()).all()
    assert (means.iloc[0], means.iloc[-1]) == (9091, 14094)
    assert "from 9,091 in 2014 to 14,094 in 2019, always below the ceiling" in prose(LESSON_03)


def test_03_snapshots_as_the_prose_reads_them():
    snapshots = as_of_decision("deployed_personnel").dropna(subset=["uniformed_total"])
    first = snapshots.iloc[0]
    assert first["uniformed_total"] == 6000 and first["uniformed_total_qualifier"] == ">"
    february = snapshots[snapshots["date"] == "2023-02-01"]
    assert (february["uniformed_total"] == 15209).all() and (february["confidence"] == "low").all()
    last_day = snapshots[snapshots["date"] == "2023-06-30"]
    assert sorted(last_day["uniformed_total"]) == [12420, 13211]
    assert "between 12,420 and 15,209" in prose(LESSON_03) and "more than 6,000" in prose(LESSON_03)


def test_03_february_2023_list_as_described():
    contributors = as_of_decision("troop_contributors")
    listed = contributors[(contributors["date"] == "2023-02-01") & contributors["rank_in_source"].notna()]
    by_country = listed.set_index("country")["personnel"]
    assert (by_country["Chad"], by_country["Bangladesh"], by_country["Togo"]) == (1427, 1396, 736)
    assert pd.isna(by_country["Guinea"]) and len(listed) == 8
    assert "Chad (1,427 troops) and Bangladesh (1,396)" in prose(LESSON_03)


def test_03_departures_were_announced_before_the_request_each_with_a_stated_reason():
    departures = as_of_decision("tcc_departures")
    assert (departures["announcement_date"] < pd.Timestamp("2023-06-16")).all()
    assert departures["stated_reason"].str.len().gt(20).all() and departures["reason_source"].notna().all()
    assert "Every announcement came before Mali's request of 16 June 2023" in prose(LESSON_03)


# --------------------------------------------------------------------- lesson 03: money and lives


def test_03_budget_as_the_prose_reads_it():
    budget = as_of_decision("budget")
    usable = budget[budget["flag"].isna() & (budget["amount_type"] != "commitment authority")]
    full = usable[(usable["period_start"].dt.month == 7) & (usable["period_end"].dt.month == 6)]
    found = full.dropna(subset=["amount_usd"])
    mission = found[(found["scope"] == "mission only") & (found["amount_type"] == "appropriation")]
    rise = mission["amount_usd"].iloc[-1] / mission["amount_usd"].iloc[0] - 1
    assert list(mission["period"]) == ["2014/15", "2019/20"] and 1 / 3 < rise < 0.4
    assert "more than a third, 37 %" in prose(LESSON_03)
    early = found.loc[found["period"].isin(["2013/14", "2014/15"]), "amount_usd"]
    later = found.loc[found["period_start"].dt.year >= 2017, "amount_usd"]
    assert early.max() < 1e9 <= later.min(), "the text says: under one billion, then about one billion or more"
    assert "2015/16" not in set(found["period"]) and "2015/16" in set(full["period"])
    late = found[found["period"].isin(["2021/22", "2022/23"])]
    assert set(late["amount_type"]) == {"press figure", "lower bound (UN press release)"}
    assert budget["period_start"].max() <= pd.Timestamp(cutoff.DECISION_DAY), (
        "no drawdown or liquidation rows before 08"
    )


def test_03_deaths_as_the_prose_reads_them():
    deaths = as_of_decision("fatalities_cumulative")
    afp = deaths[deaths["source"].str.startswith("AFP") & deaths["hostile"].notna()].set_index("date")["hostile"]
    assert afp["2023-06-30"] == 174 < afp["2022-07-12"] == 177
    assert deaths.loc[deaths["date"] == "2023-06-30", "total"].max() == 309
    assert deaths["date"].max() <= pd.Timestamp(cutoff.DECISION_DAY)
    text = prose(LESSON_03)
    assert "from 170 (April 2018) to 309 (30 June 2023" in text and "lower, 174" in text


def test_03_deadliest_is_attributed_with_its_definition():
    annual = as_of_decision("fatalities_annual")
    org_1722 = annual[annual["source"].str.contains("ORG/1722")].iloc[0]
    assert "eighth year in a row" in org_1722["evidence"]
    assert "ninth" in annual.loc[annual["year"] == 2022, "note"].iloc[0]
    may = as_of_decision("fatalities_cumulative").set_index("date").loc["2023-05-31"]
    assert may["total"] == 303 and "UNIFIL (329)" in may["note"]
    text = prose(LESSON_03)
    assert '"for the eighth year in a row"' in text and "deliberate attacks" in text
    assert "303 deaths against 329 for UNIFIL" in text and "only from Wikipedia, rated low" in text


def test_03_names_radpko_authors_and_drops_the_63_aircraft():
    text = prose(LESSON_03)
    assert "Hunnicutt and W. G. Nomikos" in text and "10.1080/13533312.2020.1738228" in text
    readme = (paths.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "10.1080/13533312.2020.1738228" in readme and "verify before" not in readme
    assert "63 aircraft" not in text and "63" not in prose(LESSON_04), "notebook 02 already weighs the 63 aircraft"


# --------------------------------------------------------------------- lesson 04: towns, flights, money


def per_base_2019() -> pd.DataFrame:
    bases = as_of_decision("bases")
    radpko = as_of_decision("radpko_bases_yearly")
    in_2019 = radpko[radpko["year"] == 2019]
    return in_2019.merge(
        bases[["radpko_name", "base", "zone"]], left_on="base", right_on="radpko_name", suffixes=("_radpko", "")
    )


def test_04_the_qa_counts_nine_and_two_and_two_more_sites_existed():
    bases = as_of_decision("bases")
    counts = bases[bases["counted_in_qa"]].groupby("zone", observed=True).size()
    assert (counts["north"], counts["centre"]) == (9, 2)
    assert bases["site_2023"].sum() == 13 and (~bases["site_2023"]).sum() == 3
    left_out = bases[bases["site_2023"] & ~bases["counted_in_qa"]]
    assert set(left_out["site_type"]) == {"headquarters", "temporary operating base"}
    assert "nine bases in northern towns against two in the centre" in prose(LESSON_04)


def test_04_bases_are_not_listed_in_closure_order():
    bases = as_of_decision("bases")
    order = pd.read_csv(paths.DATA_DIR / "bases.csv")["closure_order"]
    assert not order.dropna().is_monotonic_increasing, "the file's row order must not give away the 2023 closures"
    assert pd.isna(bases.loc[bases["base"] == "Kidal", "closure_date"]).all()


def test_04_personnel_by_zone_as_the_prose_reads_it():
    per_base = per_base_2019()
    assert len(per_base) == 13, "every RADPKO base of 2019 found its site"
    share = per_base.groupby("zone", observed=True)["pko_deployed"].sum() / per_base["pko_deployed"].sum()
    assert 0.7 < share["north"] < 0.8
    big_three = per_base[per_base["base"].isin(["Gao", "Kidal", "Timbuktu"])]["pko_deployed"].sum()
    assert big_three / per_base["pko_deployed"].sum() > 0.5
    text = prose(LESSON_04)
    assert "about three quarters" in text and "more than half" in text
    assert (as_of_decision("timeline")["date"] == "2019-06-28").any(), "resolution 2480: the centre a second priority"


def test_04_flights_as_the_prose_reads_them_with_malis_stated_reasons():
    aircraft = as_of_decision("aircraft")
    daily = aircraft[aircraft["count_unit"] == "flights per day"].iloc[0]
    assert daily["count"] == 50 and daily["count_qualifier"] == "~"
    requests = aircraft[aircraft["count_unit"] == "flight requests"].set_index("period_note")
    assert requests.loc["4 Oct to 29 Dec 2022", "count"] == 237
    assert "memorandum of 25 Jan 2023" in requests.loc["4 Oct to 29 Dec 2022", "note"]
    with_total = aircraft[(aircraft["count_unit"] == "flight requests") & aircraft["count_out_of"].notna()].iloc[0]
    assert (with_total["count"], with_total["count_out_of"]) == (297, 1231)
    text = prose(LESSON_04)
    assert "left unanswered" in text and "ignored" not in text
    assert "memorandum of 25 January 2023" in text and "national security context" in text


def test_04_projects_beside_one_year_of_budget():
    indicators = as_of_decision("other_indicators").set_index("indicator_id")["value"]
    budget = as_of_decision("budget")
    one_year = budget.loc[(budget["period"] == "2016/17") & budget["flag"].isna(), "amount_usd"].iloc[0]
    assert round(indicators["qip_budget"] / one_year, 3) == 0.012
    assert "between 11.9 and 31.3 million dollars" in prose(LESSON_04)
    assert indicators["trust_fund_budget"] / 1e6 == pytest.approx(31.33, abs=0.01)


def test_04_the_central_plan_figures_are_close_not_matching():
    value = as_of_decision("other_indicators").set_index("indicator_id")["value"]
    assert round(value["centre_plan_cost_qa_usd"] / 1e6) == 644 and round(value["centre_envelope_usd"] / 1e6) == 642
    assert 2.4 < value["centre_plan_cost_fcfa"] / value["centre_envelope_fcfa"] < 2.5
    text = prose(LESSON_04)
    assert "close to" in text and "two and a half times" in text
    assert not re.search(r"644[^.]*match", text), "644 is close to 642, it does not match it"


# --------------------------------------------------------------------- lesson 04: claims, in their authors' words


def test_04_moura_with_ohchrs_standard_of_proof_and_sourced_figures():
    indicators = as_of_decision("other_indicators").set_index("indicator_id")
    killed, raped, named = (indicators.loc[k] for k in ("moura_killed", "moura_sexual_violence", "moura_identified"))
    assert (killed["value"], killed["value_qualifier"]) == (500, ">")
    assert (raped["value"], raped["value_qualifier"]) == (58, ">") and "58 women and girls" in raped["evidence"]
    assert (named["value"], named["value_qualifier"]) == (238, ">") and "238" in named["evidence"]
    text = prose(LESSON_04)
    assert '"reasonable grounds to believe"' in text and "at least 58 women and girls" in text


def test_04_diop_and_the_qa_in_their_own_words():
    text = prose(LESSON_04)
    assert (
        '"seems to be becoming part of the problem"' in text
        and '"exacerbated by allegations of extreme gravity"' in text
    )
    assert "had become" not in text
    assert '"eager to avenge what it perceives as indignities"' in text
    assert "in the q&a's assessment" in text.lower(), "Crisis Group's judgements on protection are attributed"
    assert "clearly needed" in text, "Crisis Group's own concession to Bamako"


def test_04_the_missions_side_is_dated_and_sourced():
    indicators = as_of_decision("other_indicators").set_index("indicator_id")
    patrols = indicators.loc["patrols_2021"]
    assert patrols["value"] == 13000 and patrols["date"] == pd.Timestamp("2021-12-16")
    assert "including" in indicators.loc["operations_2021", "indicator"]
    positions = as_of_decision("council_positions_2023")
    assert (
        "vital for regional stability" in positions.loc[positions["role"] == "secretariat", "stated_position"].iloc[0]
    )
    text = prose(LESSON_04)
    assert "in December 2021 he had counted 13,000 patrols and 100 operations" in text
    assert "309 of its personnel" in text


def test_04_humanitarian_scale_and_local_voices_stop_at_the_decision():
    indicators = as_of_decision("other_indicators")
    humanitarian = indicators[indicators["topic"] == "humanitarian"]
    need = humanitarian.loc[humanitarian["indicator_id"].str.startswith("in_need"), "value"]
    displaced = humanitarian.loc[humanitarian["indicator_id"].str.startswith("displaced"), "value"]
    assert (need >= 1e6).all() and displaced.between(1e5, 1e6).all() and len(displaced) == 2
    assert not (indicators["indicator_id"] == "assisted_2023").any(), "OCHA's count for 2023 was given in January 2024"
    voices = as_of_decision("local_voices")
    assert voices["date"].max() <= pd.Timestamp(cutoff.DECISION_DAY) and len(voices) >= 5
    assert set(voices["view_of_departure"]) >= {"wants the mission to stay", "wants the mission to leave"}
    text = prose(LESSON_04)
    assert "Millions of people in need and hundreds of thousands displaced" in text and "not a survey" in text


# --------------------------------------------------------------------- the cut-off, sealed in 03 and 04

#: Dates after 30 June 2023 that 03 and 04 may show, each for a reason: deadlines set by resolution 2690 or
#: earlier decisions, the horizons of the forecasts students lock, and publication dates of sources whose
#: figures date from before the decision.
ALLOWED_LATER = (
    "31 December 2023",
    "31 December",
    "2023-12-31",
    "30 September 2023",
    "2023-09-30",
    "15 August 2023",
    "2023-08-15",
    "1 July 2023",
    "1 January 2024",
    "2024-01-01",
    "30 June 2024",
    "February 2024",
    "March 2024",
    "May 2024",
    "2022–2024",
    "2022-2024",
    "protothema.gr (30 Aug 2023)",
    '"UN Mali mission mandate not renewed" (Jul 2023)',
    "Dakaractu via PressAfrik, Jul 2023",
    "africanperceptions.org (Jul 2023)",
)


def later_mentions(text: str) -> list[str]:
    """The lines of ``text`` that mention a date after the decision day, once the allowed ones are removed."""
    found = []
    for line in text.splitlines():
        cleaned = line
        for allowed in ALLOWED_LATER:
            cleaned = cleaned.replace(allowed, "")
        if cutoff.mentions_after(cleaned, cutoff.DECISION_DAY):
            found.append(line.strip()[:160])
    return found


def shown_text(nb) -> str:
    """What a student reads: Markdown, code (prompts, hints) and stored text or HTML outputs."""
    parts = []
    for cell in nb.cells:
        if "solution-only" in cell.metadata.get("tags", []):
            continue
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(output["text"])
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in output.get("data", {}):
                    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", output["data"][kind])))
    return "\n".join(parts)


def test_the_scanner_catches_a_planted_spoiler_and_spares_deadlines():
    assert later_mentions("Kidal's camp closed on 31 Oct 2023.") == ["Kidal's camp closed on 31 Oct 2023."]
    assert (
        later_mentions("Withdrawal to be complete by 31 December 2023; civilians protected until 30 September 2023.")
        == []
    )


@pytest.mark.parametrize("path", ALL_03_04, ids=relative)
def test_nothing_after_the_decision_day_reaches_students(path):
    leaks = later_mentions(shown_text(notebook(path)))
    assert not leaks, f"{relative(path)} shows later dates: {leaks}"


@pytest.mark.parametrize("path", [paths.NOTEBOOKS_DIR / f"{slug}.ipynb" for slug in SLUGS], ids=relative)
def test_lessons_set_the_moment_in_their_set_up_cell(path):
    first_code = next(c for c in notebook(path).cells if c.cell_type == "code")
    assert 'data.as_of("2023-06-30")' in first_code.source


# --------------------------------------------------------------------- lean cells, taught moves, graded items


@pytest.mark.parametrize("path", ALL_03_04, ids=relative)
def test_no_plumbing_in_cells_students_see(path):
    for cell in notebook(path).cells:
        if cell.cell_type != "code" or "solution-only" in cell.metadata.get("tags", []):
            continue
        assert "NBVAL_IGNORE_OUTPUT" not in cell.source, f"{relative(path)}: use a cell tag, not a comment"
        assert not re.search(r"(?m)^\s*assert\b", cell.source), f"{relative(path)}: fact guards belong in tests/"
        assert not re.search(rf"(?m)^\w+ = q\.({QUESTION_TYPES})\(", cell.source), (
            f"{relative(path)}: build the question as the cell's last expression"
        )


@pytest.mark.parametrize(
    "path",
    [folder / f"{slug}.ipynb" for slug in SLUGS for folder in (paths.NOTEBOOKS_DIR, paths.EXERCISES_DIR)],
    ids=relative,
)
def test_figures_are_one_call_and_described(path):
    cells = notebook(path).cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not re.search(r"plots\.\w+_chart\(", cell.source):
            continue
        assert len(cell.source.splitlines()) <= 5, (
            f"{relative(path)}, cell {index}: a figure cell of more than five lines"
        )
        following = next((c for c in cells[index + 1 :] if c.cell_type == "markdown"), None)
        assert following is not None and following.source.lstrip().startswith("*Description"), (
            f"{relative(path)}, cell {index}: a figure needs a text description right after it"
        )


@pytest.mark.parametrize(
    "path",
    [folder / f"{slug}.ipynb" for slug in SLUGS for folder in (paths.NOTEBOOKS_DIR, paths.EXERCISES_DIR)],
    ids=relative,
)
def test_most_code_cells_are_short(path):
    code = [c for c in notebook(path).cells if c.cell_type == "code"]
    short = sum(len(c.source.splitlines()) <= 5 for c in code)
    assert short / len(code) >= 0.85, f"{relative(path)}: {short} of {len(code)} code cells have five lines or fewer"


def specs(slug: str) -> dict[str, spec.QuestionSpec]:
    return {s.id: s for s in spec.specs_from_notebook(paths.SOLUTIONS_DIR / f"{slug}.ipynb")}


def test_graded_items_read_and_finish_charts_and_journals_close_each_lesson():
    s03, s04 = specs("03_what_minusma_was"), specs("04_consequences")
    assert {"03.figure_reading", "03.chart_growth"} <= set(s03) and "04.figure_zones" in s04
    exercise = notebook(paths.EXERCISES_DIR / "03_what_minusma_was.ipynb")
    finish = [c for c in exercise.cells if "plots.yearly_lines_chart(egypt" in c.source]
    assert finish and "y_column = ..." in finish[0].source, "the chart to finish has blanks in the exercise"
    for slug, found in (("03", s03), ("04", s04)):
        journal = found[f"{slug}.journal"]
        assert journal.type == "written" and journal.points == 0
        assert list(found)[-1] == f"{slug}.journal", "the decision journal is the last question"


def test_review_fixes_to_questions_hold():
    s03, s04 = specs("03_what_minusma_was"), specs("04_consequences")
    assert "03.leaving" not in s03, "it repeated 01.share_leaving"
    assert "03.aircraft_claim" not in s03, "notebook 02 already weighs the 63 aircraft"
    assert not re.search(r"series_kind|corroborated", s03["03.kinds"].hint)
    assert "counted_in_qa is True" not in s04["04.sites"].hint
    assert "as at Moura" not in s04["04.numbers_miss"].key["model_answer"]
    exercise = notebook(paths.EXERCISES_DIR / "04_consequences.ipynb")
    shows_deadlines = [c for c in exercise.cells if "provisions.loc" in c.source and "deadline_date" in c.source]
    assert shows_deadlines, "04.gaps_order needs the dates on screen"
