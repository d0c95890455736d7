"""Checks of the claims ledger (data/claims.csv) and of the timeline rows notebooks 01 and 02 rely on.

The ledger is the data of notebook 02: every contested statement attributed,
with its kind and the other side's stated position. These tests keep it
internally consistent and in step with the datasets that hold the same figures.
"""

from __future__ import annotations

import pandas as pd
import pytest

from minusma import data

KINDS = {"finding", "claim", "denial", "estimate"}


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return data.load("claims")


def row(claims, claim_id):
    match = claims[claims["claim_id"] == claim_id]
    assert len(match) == 1, claim_id
    return match.iloc[0]


def test_every_kind_is_used_and_ids_are_unique(claims):
    assert set(claims["kind"].astype(str)) == KINDS
    assert claims["claim_id"].is_unique


def test_every_statement_has_the_other_side(claims):
    assert claims["other_position"].str.strip().str.len().gt(3).all()
    known = claims[~claims["other_position"].str.startswith("None found")]
    assert known["other_claimant"].notna().all(), "an other position without who states it"


def test_findings_come_from_investigations_or_official_records(claims):
    findings = claims[claims["kind"] == "finding"]
    assert set(findings["claimant_type"].astype(str)) <= {"UN fact-finding", "UN Secretariat"}


def test_denials_answer_a_named_finding_or_claim(claims):
    for _, r in claims[claims["kind"] == "denial"].iterrows():
        assert not r["other_position"].startswith("None found"), r["claim_id"]


def test_figures_have_units_and_say_what_they_count(claims):
    with_figure = claims.dropna(subset=["figure"])
    assert with_figure["figure_unit"].notna().all() and with_figure["figure_counts"].notna().all()
    assert claims.loc[claims["figure"].isna(), ["figure_qualifier", "figure_max"]].isna().all().all()
    ranges = claims.dropna(subset=["figure_max"])
    assert (ranges["figure_max"] >= ranges["figure"]).all()


def test_estimates_are_approximate_or_ranges(claims):
    estimates = claims[(claims["kind"] == "estimate") & claims["figure"].notna()]
    vague = (
        estimates["figure_qualifier"].notna()
        | estimates["figure_max"].notna()
        | estimates["claim"].str.contains("estimated")
    )
    assert vague.all(), list(estimates.loc[~vague, "claim_id"])


def test_quotations_are_short(claims):
    words = claims["evidence"].dropna().str.split().str.len()
    assert (words <= 30).all()


def test_what_crisis_group_says_is_recorded_with_high_confidence(claims):
    # the Q&A itself was read: the record is certain even when the figure is not (e.g. 63 aircraft)
    qa = claims[claims["claimant"].str.startswith("International Crisis Group")]
    assert len(qa) >= 6
    assert set(qa["confidence"].astype(str)) == {"high"}


def test_ledger_figures_match_the_other_datasets(claims):
    indicators = data.load("other_indicators")
    ohchr = indicators[indicators["indicator"].str.startswith("Moura: people killed")]
    assert row(claims, "moura_ohchr_killed")["figure"] == ohchr["value"].iloc[0] == 500
    payments = indicators[indicators["indicator"].str.startswith("payments by Mali to Wagner")]
    assert row(claims, "wagner_us_payments")["figure"] == payments["value"].iloc[0]
    wagner = indicators[indicators["indicator"] == "Wagner Group personnel in Mali"].iloc[0]
    estimate = row(claims, "wagner_qa_estimate")
    assert (estimate["figure"], estimate["figure_max"]) == (wagner["value_min"], wagner["value_max"])
    deaths = data.load("fatalities_cumulative").dropna(subset=["total"]).sort_values("date")
    assert row(claims, "figure_deaths_311")["figure"] == deaths["total"].iloc[-1] == 311
    aircraft = data.load("aircraft")
    assert row(claims, "figure_qa_aircraft")["figure"] in set(aircraft["count"].dropna())


def test_casualty_claims_are_never_findings(claims):
    fighting = claims[claims["topic"] == "fighting during and after the withdrawal"]
    assert len(fighting) >= 8
    assert set(fighting["kind"].astype(str)) <= {"claim", "estimate"}
    # only a party's own communiqué, seen in the press, rises above low confidence
    medium = fighting[fighting["confidence"] != "low"]
    assert set(medium["claimant_type"].astype(str)) == {"government of Mali"}
    assert medium["source"].str.contains("communiqué").all()


# ---- the timeline rows notebook 01 tells its story with ----------------------------


def date_of(timeline, words):
    match = timeline[timeline["event"].str.contains(words, regex=False)]
    assert len(match) == 1, words
    return match["date"].iloc[0]


def test_the_break_with_france_is_in_order():
    timeline = data.load("timeline")
    steps = [
        "French ambassador",
        "Barkhane will leave Mali",
        "defence cooperation treaty",
        "G5 Sahel",
        "Task Force Takuba",
        "last Barkhane troops",
    ]
    dates = [date_of(timeline, s) for s in steps]
    assert dates == sorted(dates) and dates[0] > pd.Timestamp("2021-05-24")


def test_the_days_before_the_request():
    timeline = data.load("timeline")
    request = date_of(timeline, "'without delay'")
    assert request == pd.Timestamp("2023-06-16")
    assert (request - date_of(timeline, "memorandum in reply")).days == 2
    assert date_of(timeline, "rejects the OHCHR report") - date_of(
        timeline, "publishes its fact-finding report"
    ) == pd.Timedelta(days=1)
    review = timeline[timeline["date"] == "2023-01-16"]["note"].iloc[0]
    assert "special political mission" in review
