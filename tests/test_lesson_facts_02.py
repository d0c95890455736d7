"""Lesson 02's facts, checked against the data: what the notebooks say must be what data/ holds.

These checks used to sit in the lesson as ``assert`` cells; they live here so
that students read only what teaches. Each test reads the notebooks' own text
(prose, stored outputs, question keys) and the datasets as they stood on the day
of the decision, so a changed row or a changed sentence makes one of them fail.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pandas as pd
import pytest

from minusma import cutoff, data, paths

NAME = "02_claims_and_evidence.ipynb"
LESSON, SOLUTION, EXERCISE = (
    folder / NAME for folder in (paths.NOTEBOOKS_DIR, paths.SOLUTIONS_DIR, paths.EXERCISES_DIR)
)


def cells(path, kind=None):
    return [c for c in nbformat.read(path, as_version=4).cells if kind is None or c.cell_type == kind]


def prose(path) -> str:
    return re.sub(r"\s+", " ", "\n".join(c.source for c in cells(path, "markdown")))


def outputs(path) -> str:
    texts = []
    for cell in cells(path, "code"):
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html"):
                texts.append(output.get("data", {}).get(kind, ""))
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in texts)


def keys(path) -> dict:
    """{question id: key} for every q.<kind>(...) call with a literal key= in the notebook."""
    found = {}
    for cell in cells(path, "code"):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                key = next((k.value for k in node.keywords if k.arg == "key"), None)
                if key is not None:
                    found[node.args[0].value] = ast.literal_eval(key)
    return found


@pytest.fixture(scope="module")
def claims():
    data.as_of("2023-06-30")
    try:
        yield data.load("claims").set_index("claim_id")
    finally:
        data.as_of(None)


@pytest.fixture(scope="module")
def on_decision_day():
    data.as_of("2023-06-30")
    try:
        yield {name: data.load(name) for name in ("fatalities_cumulative", "budget", "aircraft", "other_indicators")}
    finally:
        data.as_of(None)


# ---- the cut-off ----------------------------------------------------------------


@pytest.mark.parametrize("path", [LESSON, SOLUTION, EXERCISE], ids=lambda p: p.parent.name)
def test_nothing_after_the_decision_reaches_a_student(path):
    later = [text for text in (prose(path), outputs(path)) if cutoff.mentions_after(text, cutoff.DECISION_DAY)]
    assert not later, f"{path.parent.name}/{NAME} mentions a date after 30 June 2023"
    assert "withdrawal is completed" not in prose(path).lower()


def test_the_check_itself_catches_a_planted_later_date():
    assert cutoff.mentions_after("Bourem, 12 September 2023", cutoff.DECISION_DAY)


def test_the_lesson_sets_the_moment_in_its_setup_cell():
    setup = next(c for c in cells(LESSON, "code"))
    assert 'data.as_of("2023-06-30")' in setup.source


# ---- the notebooks carry no plumbing --------------------------------------------


@pytest.mark.parametrize("path", [LESSON, SOLUTION], ids=lambda p: p.parent.name)
def test_no_fact_guards_or_ignore_comments(path):
    code = cells(path, "code")
    assert not any("NBVAL_IGNORE_OUTPUT" in c.source for c in code)
    student_visible = [c for c in code if "solution-only" not in c.metadata.get("tags", [])]
    assert not any(re.search(r"(?m)^\s*assert\b", c.source) for c in student_visible)


QUESTION = re.compile(r"^q\.(single_choice|multiple_choice|number|order|classify|forecast|vote|written)\(")


@pytest.mark.parametrize("path", [LESSON, EXERCISE], ids=lambda p: p.parent.name)
def test_code_cells_are_short_and_figures_described(path):
    every = cells(path)
    code = [c for c in every if c.cell_type == "code"]
    if path == LESSON:
        short = sum(len(c.source.splitlines()) <= 5 for c in code)
        assert short / len(code) >= 0.85, f"{short} of {len(code)} code cells at five lines or fewer"
    else:  # a question's text and options fill its cell; every other cell is short
        other = [c for c in code if not QUESTION.match(c.source)]
        assert all(len(c.source.splitlines()) <= 5 for c in other)
    for index, cell in enumerate(every):
        if cell.cell_type == "code" and ("plots.claim_rows" in cell.source or "plots.cumulative_counts" in cell.source):
            assert len(cell.source.splitlines()) <= 5
            assert "Description:" in every[index + 1].source, "a text description under every figure"


# ---- section 1: the ledger at the cut-off ---------------------------------------


def test_counts_quoted_in_section_1(claims):
    text = prose(LESSON)
    assert f"Most of the {len(claims)} statements" in text
    findings = (claims["kind"] == "finding").sum()
    assert findings == 5 and "only five are findings" in text
    assert (claims["kind"] == "claim").sum() > len(claims) / 2


# ---- section 2: Wagner ----------------------------------------------------------


def test_the_wagner_statement_had_fifteen_signatories(claims):
    row = claims.loc["wagner_western_statement"]
    assert row["claimant"].startswith("Fourteen European states and Canada")
    signatories = (
        row["note"]
        if row["note"] != cutoff.HELD_BACK
        else data.load("claims").set_index("claim_id").loc["wagner_western_statement", "note"]
    )
    named = re.search(r"Signatories: (.*?)\.", signatories).group(1).replace(" and ", ", ").split(", ")
    assert len(named) == 15 and "Canada" in named
    text = prose(LESSON)
    assert "Fourteen European states and Canada (15 signatories)" in text
    assert "Fifteen European" not in text


def test_wagner_figures(claims):
    estimate = claims.loc["wagner_qa_estimate"]
    assert (estimate["figure"], estimate["figure_max"]) == (1000, 2000)
    payments = claims.loc["wagner_us_payments"]
    assert (payments["figure"], payments["figure_qualifier"], payments["date"]) == (
        200e6,
        ">",
        pd.Timestamp("2023-06-30"),
    )
    text = prose(LESSON)
    assert (
        "1,000 to 2,000" in text and "more than USD 200 million" in text and "On 30 June 2023 the White House" in text
    )


# ---- sections 3 and 4: Moura ----------------------------------------------------


def test_every_account_of_moura_as_the_lesson_gives_it(claims, on_decision_day):
    army, hrw = claims.loc["moura_army_203"], claims.loc["moura_hrw_300"]
    assert (army["figure"], army["date"], army["confidence"]) == (203, pd.Timestamp("2022-04-01"), "medium")
    assert "51 people" in army["claim"] and "23-31 March" in army["claim"]
    assert (hrw["figure"], hrw["figure_qualifier"], hrw["date"]) == (300, "~", pd.Timestamp("2022-04-05"))
    assert "some of them suspected Islamist fighters" in hrw["claim"] and "27 people" in hrw["note"]
    un = claims.loc["moura_ohchr_killed"]
    assert (un["figure"], un["figure_qualifier"]) == (500, ">")
    assert claims.loc["moura_ohchr_sexual_violence", "figure"] == 58
    assert claims.loc["moura_ohchr_exchange_of_fire", "figure"] == 20
    assert claims.loc["moura_government_denial", "date"] == pd.Timestamp("2023-05-13")
    interviews = on_decision_day["other_indicators"].set_index("indicator")["value"]
    assert interviews["Moura fact-finding mission: individual interviews"] == 157
    assert interviews["Moura fact-finding mission: group interviews"] == 11
    text = prose(LESSON)
    for words in (
        "The army** (1 April 2022)",
        "its 203 dead",
        "51 people",
        "(5 April 2022, after 27 interviews)",
        "about 300 men",
        "at least 500",
        "(at least 58)",
        "at least 20 civilians",
        "157 individual and 11 group interviews",
        "(13 May 2023)",
    ):
        assert words in text, words


def test_the_ratio_the_lesson_computes(claims):
    ratio = round(claims.loc["moura_ohchr_killed", "figure"] / claims.loc["moura_army_203", "figure"], 1)
    assert ratio == 2.5
    assert "2.5" in outputs(LESSON) and "about two and a half times" in prose(LESSON)


# ---- section 5: the human rights reporting --------------------------------------


def test_the_expulsion_with_both_sides(claims):
    government, reply = claims.loc["ngefa_expulsion_government"], claims.loc["ngefa_expulsion_un_reply"]
    assert government["date"] == pd.Timestamp("2023-02-05") and government["claimant_type"] == "government of Mali"
    assert "destabilising and subversive" in government["claim"] and "usurpers" in government["claim"]
    assert "deeply regrets" in reply["claim"] and reply["date"] > government["date"]
    text = prose(LESSON)
    assert "(5 February 2023)" in text and "destabilising and subversive actions" in text and "deeply regrets" in text
    assert "semble devenir partie du problème" in claims.loc["request_diop_failure", "evidence"]
    assert "semble devenir partie du problème" in text


# ---- section 6: figures that disagree -------------------------------------------


def test_falls_in_the_running_totals(on_decision_day):
    deaths = on_decision_day["fatalities_cumulative"]
    total = deaths.dropna(subset=["total"]).set_index("date")["total"]
    hostile = deaths.dropna(subset=["hostile"]).set_index("date")["hostile"]
    assert list(total["2023-05-01":"2023-05-31"]) == [304, 303] and total["2023-06-30"] == 309
    assert (hostile["2022-07-12"], hostile["2023-06-30"]) == (177, 174)
    assert deaths["date"].max() <= pd.Timestamp("2023-06-30")
    text = prose(LESSON)
    assert "304 to 303" in text and "177 (July 2022) to 174 (June 2023)" in text and "309" in text


def budget_gap(budget, period, mission_kind):
    year = budget[(budget["period"] == period) & budget["flag"].isna()]
    total = year.loc[year["amount_type"].str.startswith("approved total"), "amount_usd"].iloc[0]
    mission = year.loc[year["amount_type"] == mission_kind, "amount_usd"].iloc[0]
    return round(100 * (total - mission) / mission, 1)


def test_budget_gaps_and_the_wrong_period(on_decision_day):
    budget = on_decision_day["budget"]
    assert budget_gap(budget, "2020/21", "ACABQ recommendation") == 6.6
    assert "About 6.6 %" in prose(LESSON)
    assert keys(SOLUTION)["02.budget_gap"]["value"] == budget_gap(budget, "2014/15", "appropriation") == 7.8
    wrong = budget[budget["flag"] == "wrong period"].iloc[0]
    assert (wrong["period"], wrong["amount_usd"]) == ("2021/22", 1_270_104_400)
    assert "1,270,104,400 dollars as the budget for 2021/22" in prose(LESSON)


def test_sixty_three_aircraft(claims, on_decision_day):
    fleet = on_decision_day["aircraft"]
    qa = fleet[fleet["contributor"] == "MINUSMA fleet (all)"].set_index("aircraft_type")
    assert (qa.loc["all aircraft", "count"], qa.loc["fixed-wing (planes)", "count"]) == (63, 16)
    assert qa.loc["all aircraft", "confidence"] == "low" and claims.loc["figure_qa_aircraft", "confidence"] == "high"


# ---- the exercise's keys follow the ledger --------------------------------------

KINDS_ITEMS = {  # start of each item of 02.kinds -> the ledger row it restates
    "OHCHR, 12 May 2023": "moura_ohchr_killed",
    "Government spokesman, 13 May 2023": "moura_government_denial",
    "Crisis Group, June 2023": "wagner_qa_estimate",
    "Bamako, as reported in June 2023": "wagner_bamako_denial",
    "Malian army, 1 April 2022": "moura_army_203",
    "White House, 30 June 2023": "request_wagner_engineered",
    "UN Secretary-General, January 2023": "record_flights_refused",
    "Human Rights Watch, 5 April 2022": "moura_hrw_300",
}


def test_the_kinds_key_is_the_ledgers_reading(claims):
    key = keys(SOLUTION)["02.kinds"]
    assert len(key) == len(KINDS_ITEMS)
    for item, kind in key.items():
        claim_id = next(v for k, v in KINDS_ITEMS.items() if item.startswith(k))
        assert claims.loc[claim_id, "kind"] == kind, item


def test_the_deniers_key_is_what_the_crosstab_shows(claims):
    table = pd.crosstab(claims["claimant_type"], claims["kind"])
    assert set(keys(SOLUTION)["02.deniers"]) == set(table.index[table["denial"] > 0])


def test_the_bounti_case(claims):
    bounti = claims[claims.index.str.contains("bounti")]
    assert len(bounti) == 4 and bounti["date"].max() == pd.Timestamp("2021-03-30")
    assert (
        claims.loc["tabital_pulaaku_bounti", "figure"],
        claims.loc["tabital_pulaaku_bounti", "figure_qualifier"],
    ) == (20, ">")
    assert claims.loc["bounti_minusma_finding", "figure"] == 19 and pd.isna(
        claims.loc["bounti_minusma_finding", "figure_qualifier"]
    )
    assert bounti.loc[bounti["claimant_type"] == "foreign government", "figure"].isna().all()
    assert claims.loc["bounti_france_rejects", "kind"] == "denial"
    key = keys(SOLUTION)["02.bounti_reading"]
    assert any("no count" in k for k in key) and not any("lower bound" in k for k in key)


def test_the_pairs_of_figures_exist_as_quoted(claims, on_decision_day):
    deaths = on_decision_day["fatalities_cumulative"].set_index("date")
    assert (deaths.loc["2022-07-12", "total"], deaths.loc["2022-07-12", "hostile"]) == (275, 177)
    budget = on_decision_day["budget"]
    year = budget[(budget["period"] == "2020/21") & budget["flag"].isna()].set_index("amount_type")["amount_usd"]
    assert (year["ACABQ recommendation"], year["approved total (GA press release)"]) == (1_191_034_700, 1_270_104_400)
    assert len(keys(SOLUTION)["02.different_things"]) == 3
