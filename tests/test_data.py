"""Tests of the course's own datasets: schemas, sources, and cross-checks between figures."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from minusma import data, paths
from minusma.spec import council_outcome

TABLES = data.names()


def test_every_file_in_data_is_described():
    described = {d.file for d in data.schemas().values()}
    on_disk = {p.relative_to(paths.DATA_DIR).as_posix() for p in paths.DATA_DIR.rglob("*") if p.is_file()}
    on_disk -= {"README.md", "datasets.yaml"}
    assert on_disk == described


@pytest.mark.parametrize("name", TABLES)
def test_loads_with_documented_dtypes(name):
    frame = data.load(name)
    expected = {"date": "datetime64[ns]", "int": "Int64", "float": "float64", "text": "string", "bool": "boolean"}
    for column in data.schema(name).columns:
        dtype = frame[column.name].dtype
        if column.type == "category":
            assert isinstance(dtype, pd.CategoricalDtype), column.name
            assert list(dtype.categories) == list(column.values)
        else:
            assert str(dtype) == expected[column.type], f"{name}.{column.name}"


@pytest.mark.parametrize("name", TABLES)
def test_every_row_names_its_source_and_confidence(name):
    spec = data.schema(name)
    columns = {c.name: c for c in spec.columns}
    assert columns["source"].required and columns["source"].type == "text"
    assert columns["confidence"].values == ("high", "medium", "low")
    frame = data.load(name)
    assert frame["source"].str.strip().str.len().gt(3).all()


@pytest.mark.parametrize("name", data.names(format=None))
def test_every_dataset_is_documented(name):
    spec = data.schema(name)
    for field in ("title", "sources", "licence", "accessed"):
        assert getattr(spec, field).strip(), f"{name}: document its {field}"
    if spec.format == "csv":
        assert spec.row.strip(), f"{name}: say what one row is"
        undocumented = [c.name for c in spec.columns if not c.description.strip()]
        assert not undocumented, f"{name}: describe columns {undocumented}"


IDENTIFIERS = ("_number", "year", "order", "rank_in_year", "rank_in_source", "phase", "paragraph")


def test_numbers_with_units():
    """A quantity states its unit, in the schema or, where it varies by row, in a unit column."""
    for spec in data.schemas().values():
        names = {c.name for c in spec.columns}
        for column in spec.columns:
            if column.type not in ("int", "float") or column.name.endswith(IDENTIFIERS):
                continue
            stem = column.name.split("_")[0]
            assert column.unit or "unit" in names or f"{stem}_unit" in names, (
                f"{spec.name}.{column.name}: a number needs its unit"
            )


def test_qualifier_columns_sit_beside_a_number():
    for spec in data.schemas().values():
        names = {c.name: c for c in spec.columns}
        for column in spec.columns:
            if column.name.endswith("_qualifier"):
                base = column.name.removesuffix("_qualifier")
                assert base in names and names[base].type in ("int", "float"), f"{spec.name}.{column.name}"
                assert set(data.load(spec.name)[column.name].dropna()) <= {"~", ">", "<"}


def test_readme_is_generated_from_the_schema():
    result = subprocess.run(
        [sys.executable, "-m", "minusma", "datadoc", "--check"], capture_output=True, text=True, cwd=paths.REPO_ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---- cross-checks between figures -------------------------------------------------


def ceiling(resolution: int, column: str = "military_ceiling") -> int:
    table = data.load("authorised_strength")
    return int(table.loc[table["resolution_number"] == resolution, column].iloc[0])


def test_resolution_2295_added_what_the_secretary_general_asked():
    # 11,240 + 2,049 = 13,289: the May 2016 request was granted in full
    assert ceiling(2227) == 11240
    assert ceiling(2295) - ceiling(2227) == 2049
    assert ceiling(2295) == 13289 and ceiling(2295, "police_ceiling") == 1920
    table = data.load("authorised_strength")
    assert "2,049" in table.loc[table["resolution_number"] == 2295, "change"].iloc[0]


def test_resolution_2100_was_a_force_of_about_12600():
    assert ceiling(2100) + ceiling(2100, "police_ceiling") == 12640


def test_ceilings_only_change_when_the_change_says_so():
    table = data.load("authorised_strength").sort_values("adoption_date")
    previous = None
    for _, row in table.dropna(subset=["military_ceiling"]).iterrows():
        if previous is not None and row["military_ceiling"] == previous:
            assert "no change" in row["change"], row["resolution"]
        previous = row["military_ceiling"]


def test_council_of_2023_has_15_members_5_permanent():
    council = data.load("security_council_2023")
    assert len(council) == 15 and council["member"].is_unique
    permanent = set(council.loc[council["category"] == "permanent", "member"])
    assert permanent == {"China", "France", "Russian Federation", "United Kingdom", "United States"}
    elected = council[council["category"] == "elected"]
    assert len(elected) == 10
    assert set(elected["term"]) == {"2022–2023", "2023–2024"}


def test_recorded_votes_add_up_to_15():
    votes = data.load("council_votes").dropna(subset=["yes"])
    assert (votes["yes"] + votes["no"] + votes["abstain"] == 15).all()


def test_outcomes_follow_the_charter_rule():
    council = data.load("security_council_2023")
    permanent = set(council.loc[council["category"] == "permanent", "member"])
    votes = data.load("council_votes").set_index("text_id")
    ballots = data.load("council_member_votes")
    complete = 0
    for text_id, ballot in ballots.groupby("text_id"):
        if len(ballot) < 15:
            continue  # only partly recorded (2022 members who left the Council are not listed)
        complete += 1
        result = council_outcome(dict(zip(ballot["member"], ballot["vote"])), permanent)
        recorded = votes.loc[text_id]
        assert (result.yes, result.no, result.abstain) == (recorded["yes"], recorded["no"], recorded["abstain"]), (
            text_id
        )
        assert ("adopted" if result.adopted else "not adopted") == recorded["outcome"], text_id
        assert set(result.vetoed_by) == set(ballot.loc[ballot["veto"], "member"]), text_id
    assert complete >= 3  # 2690 and the two sanctions drafts of 30 August 2023


def test_every_vote_of_the_2023_council_is_by_a_member():
    members = set(data.load("security_council_2023")["member"])
    ballots = data.load("council_member_votes")
    assert set(ballots.loc[ballots["date"].dt.year == 2023, "member"]) <= members


def test_cumulative_fatalities_never_decrease_in_un_figures():
    table = data.load("fatalities_cumulative").sort_values("date")
    for column in ("total", "hostile"):
        series = table.loc[table["confidence"] == "high"].dropna(subset=[column])[column]
        assert series.is_monotonic_increasing, column


def test_fatality_dips_across_sources_are_small_and_documented():
    """Figures from different outlets may dip by reporting lag, never by much."""
    table = data.load("fatalities_cumulative").sort_values("date")
    for column in ("total", "hostile"):
        values = table[column].dropna().astype(float).tolist()
        for earlier, later in zip(values, values[1:]):
            assert later >= earlier * 0.97, f"{column}: {earlier} then {later}"
    conflicts = " ".join(data.schema("fatalities_cumulative").gaps_and_conflicts)
    assert "174" in conflicts and "177" in conflicts


def test_2023_closures_fall_within_the_withdrawal():
    bases = data.load("bases")
    closed = bases.dropna(subset=["closure_date"])
    assert len(closed) >= 10
    assert closed["closure_date"].between("2023-07-01", "2023-12-31").all()


def test_bases_reproduce_the_qa_count_nine_north_two_centre():
    bases = data.load("bases")
    counted = bases[bases["counted_in_qa"]]
    assert counted["zone"].value_counts().to_dict() == {"north": 9, "centre": 2, "south/Bamako": 0}


def test_base_coordinates_lie_in_mali():
    bases = data.load("bases").dropna(subset=["latitude", "longitude"])
    assert bases["latitude"].between(10, 25).all()
    assert bases["longitude"].between(-12.5, 4.5).all()


def test_budget_gaps_stay_missing():
    budget = data.load("budget")
    missing = budget[budget["amount_usd"].isna()]
    assert "2015/16" in set(missing["period"])
    assert budget.dropna(subset=["amount_usd"])["amount_usd"].gt(0).all()


def test_qa_aircraft_figure_is_flagged_uncorroborated():
    aircraft = data.load("aircraft")
    qa = aircraft[aircraft["count"] == 63]
    assert len(qa) == 1
    assert qa["corroborated"].iloc[0] == "no" and qa["confidence"].iloc[0] == "low"


def test_timeline_is_dated_2012_to_2025_and_has_headlines():
    timeline = data.load("timeline")
    assert timeline["date"].min() >= pd.Timestamp("2012-01-01")
    assert timeline["date"].max() <= pd.Timestamp("2025-12-31")
    headline = timeline[timeline["headline"]]
    assert len(headline) >= 8
    labelled = timeline["headline"] | timeline["road_to_request"]
    assert (timeline["short_label"].notna() == labelled).all(), "short_label: filled exactly for headline or road rows"
    road = timeline[timeline["road_to_request"]]
    assert len(road) == 18, "notebook 01: eighteen steps from the second coup to the request"
    assert (road["date"] <= pd.Timestamp("2023-06-16")).all(), "the road ends with the request of 16 June 2023"


def test_radpko_and_snapshots_are_labelled_as_which():
    assert set(data.load("deployed_personnel_radpko_yearly")["series_kind"]) == {"yearly mean (RADPKO)"}
    assert set(data.load("deployed_personnel")["series_kind"]) == {"point-in-time snapshot"}


def test_country_outlines_include_mali_and_neighbours():
    outlines = data.country_outlines()
    assert "Mali" in outlines and len(outlines) == 8
    lons = [x for ring in outlines["Mali"] for x in ring[0]]
    assert -13 < min(lons) < max(lons) < 5
