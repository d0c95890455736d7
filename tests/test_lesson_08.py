"""Fact guards for lesson 08 (what happened next), read from the data and the stored notebooks.

* every forecast asked in notebooks 00-07 has a resolution row and a key, and the two agree;
* the lesson shows the resolution rules before any outcome;
* the figures the lesson's prose states match the data they come from;
* the exercise's keys follow from the data, so the worked solutions score full marks;
* the Q&A's expectations are paraphrased with short quotations and coded with the four verdicts.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pandas as pd
import pytest

from minusma import data, forecasts, paths, spec

NAME = "08_what_happened_next.ipynb"
LESSON = paths.NOTEBOOKS_DIR / NAME
SOLUTION = paths.SOLUTIONS_DIR / NAME
EXERCISE = paths.EXERCISES_DIR / NAME
INSTRUCTOR = paths.REPO_ROOT / "instructor" / "class_forecasts.ipynb"
BEFORE_08 = sorted(p for p in paths.SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb") if int(p.name[:2]) < 8)


def notebook(path):
    return nbformat.read(path, as_version=4)


def prose(path) -> str:
    return "\n".join(c.source for c in notebook(path).cells if c.cell_type == "markdown")


def one_line(text: str) -> str:
    return " ".join(text.split())


def specs(path):
    return {s.id: s for s in spec.specs_from_notebook(path)}


RESOLUTIONS = data.load("forecast_resolutions").set_index("question_id")


# ------------------------------------------------------------------ every forecast resolves, and its key agrees

ASKED = [s for path in BEFORE_08 for s in spec.specs_from_notebook(path) if s.type == "forecast"]


def test_the_course_asks_forecasts_before_08():
    assert len(ASKED) >= 5


@pytest.mark.parametrize("question", ASKED, ids=lambda s: s.id)
def test_every_forecast_has_a_resolution_row_and_a_key_that_agree(question):
    assert question.id in RESOLUTIONS.index, f"{question.id}: add its row to data/forecast_resolutions.csv"
    row = RESOLUTIONS.loc[question.id]
    assert question.key is not None, f"{question.id}: give it key={{'outcome': ...}} in its solutions notebook"
    assert question.key["outcome"] is bool(row["outcome"]), f"{question.id}: the key and the data disagree"
    assert row["question"] == question.prompt, f"{question.id}: the row must quote the question as asked"
    assert row["notebook"] == next(p.stem for p in BEFORE_08 if p.name.startswith(question.id[:2]))
    assert row["resolved_on"] <= row["closes_on"], f"{question.id}: a rule decides a question by its closing date"


def test_no_resolution_row_without_its_question():
    assert set(RESOLUTIONS.index) == {s.id for s in ASKED}


def test_the_exercise_keys_are_encoded_not_shown():
    for path in BEFORE_08:
        text = (paths.EXERCISES_DIR / path.name).read_text(encoding="utf-8")
        assert '"outcome"' not in text and "'outcome'" not in text, f"{path.name}: a forecast key in the exercise"


def test_already_knew_lists_every_forecast_once_and_a_way_to_say_none():
    asked = specs(SOLUTION)[forecasts.ALREADY_KNEW_ID]
    ids = [option.split(":", 1)[0] for option in asked.options]
    assert sorted(ids[:-1]) == sorted(s.id for s in ASKED)
    assert asked.options[-1].startswith("None of them") and asked.points == 0 and asked.key is None
    assert forecasts.already_known_ids(asked.options) == {s.id for s in ASKED}


# ------------------------------------------------------------------ rules before outcomes, no cut-off


def test_the_lesson_shows_the_rules_before_any_outcome():
    cells = notebook(LESSON).cells
    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
    rules = next(i for i, c in code if "resolution_rule" in c.source)
    first_outcome = next(i for i, c in code if re.search(r'resolutions\[\[[^\]]*"(outcome|what_happened)"', c.source))
    assert rules < first_outcome
    shown = "".join(o.get("data", {}).get("text/plain", "") for o in cells[rules].outputs)
    assert "True" not in shown and "False" not in shown, "the rules cell must not show outcomes"
    reveal = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## 6. The reveal" in c.source)
    assert rules < reveal < first_outcome
    story = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## 2. The withdrawal" in c.source)
    assert rules < story, "the rules come before the story of what happened"


def test_lesson_08_lifts_the_cut_off():
    for path in (LESSON, SOLUTION, EXERCISE):
        source = "\n".join(c.source for c in notebook(path).cells if c.cell_type == "code")
        assert "as_of(" not in source, f"{path.name}: lesson 08 shows every row"
    assert 'q.setup("08_what_happened_next")' in "\n".join(c.source for c in notebook(SOLUTION).cells)


# ------------------------------------------------------------------ the lesson's figures match the data


def value(metric: str) -> int:
    progress = data.load("withdrawal_progress")
    return int(progress.loc[progress["metric"] == metric, "value"].iloc[0])


def test_the_convoys_as_the_lesson_tells_them():
    text = one_line(prose(LESSON))
    assert (
        f"The Ber convoy took {value('Ber convoy: travel time')} hours to cover {value('Ber convoy: distance')} km"
    ) in text
    assert (
        f"{value('Kidal final convoy: vehicles')} vehicles carrying "
        f"{value('Kidal final convoy: peacekeepers')} peacekeepers"
    ) in text
    assert value("Kidal final convoy: IEDs struck") == 6 and "struck six improvised explosive devices" in text
    assert f"{value('Kidal final convoy: peacekeepers treated')} peacekeepers needed treatment" in text
    assert f"{value('uniformed personnel still to repatriate (baseline)'):,} uniformed personnel" in text
    assert "about 200 of the mission's trucks" in text and value("trucks held in Gao by movement restrictions") == 200


def test_the_closures_per_month_and_the_sites():
    bases = data.load("bases")
    sites = bases[bases["site_2023"]]
    assert len(sites) == 13
    per_month = sites["closure_date"].dt.month.value_counts().to_dict()
    assert per_month == {8: 4, 10: 4, 11: 1, 12: 2}
    text = one_line(prose(LESSON))
    assert (
        "Four sites closed in August, none in September, four in October, one in November and two in December" in text
    )
    still_open = sorted(sites.loc[sites["closure_date"].isna(), "base"])
    assert still_open == ["Bamako (mission headquarters)", "Gao"]
    ber = sites.set_index("base").loc["Ber"]
    assert ber["closure_date"] == pd.Timestamp("2023-08-13") and "**13 August 2023**" in text


def test_the_money_and_the_former_combatants():
    budget = data.load("budget")
    drawdown = budget[(budget["period"] == "Jul-Dec 2023 (drawdown)") & budget["flag"].isna()]
    assert list(drawdown["amount_usd"]) == [590_000_000]
    assert budget.loc[budget["period"] == "2024 liquidation", "amount_usd"].isna().all()
    indicators = data.load("other_indicators").set_index("indicator_id")
    assert indicators.loc["ddr_combatants", "value"] == 2300 and indicators.loc["ddr_combatants", "confidence"] == "low"
    text = one_line(prose(LESSON))
    assert "USD 590 million" in text and "more than 2,300 former combatants" in text and "low confidence" in text


def test_the_death_counts_as_each_was_given():
    deaths = data.load("fatalities_cumulative").dropna(subset=["total"]).set_index("date")["total"]
    text = one_line(prose(LESSON))
    assert deaths[pd.Timestamp("2023-06-30")] == 309 and "309 killed on 30 June 2023" in text
    assert deaths[pd.Timestamp("2023-12-31")] == 311 and "311 killed and more than 700 injured on 31 December" in text
    assert deaths[pd.Timestamp("2023-12-01")] == 310


def test_the_dates_the_lesson_gives_are_the_timelines():
    timeline = data.load("timeline")
    text = one_line(prose(LESSON))
    for words, date in [
        ("Kidal on 14 November 2023", "2023-11-14"),
        ("**25 January 2024**", "2024-01-25"),
        ("On 25 September 2023 the election was postponed", "2023-09-25"),
        ("Alliance of Sahel States** (AES) on 16 September 2023", "2023-09-16"),
        ("on 28 January 2024 that they were leaving ECOWAS", "2024-01-28"),
        ("a confederation on 6 July 2024", "2024-07-06"),
        ("left ECOWAS on 29 January 2025", "2025-01-29"),
        ("On 6 June 2025 Wagner announced", "2025-06-06"),
        ("Anéfis on 7 October", "2023-10-07"),
    ]:
        assert words in text, words
        assert (timeline["date"] == pd.Timestamp(date)).any(), date


def test_the_humanitarian_figures():
    indicators = data.load("other_indicators").set_index("indicator_id")["value"]
    text = one_line(prose(LESSON))
    assert indicators["in_need_2023"] == 8_800_000 and indicators["in_need_2024"] == 7_100_000
    assert indicators["hrp_2023_requested"] == 751_000_000 and indicators["hrp_2024_requested"] == 701_600_000
    assert "8.8 million people in need in 2023, about 7.1 million in 2024 and 6.4 million in 2025" in text
    assert "USD 751 million, 701.6 million and 771.3 million" in text
    outcomes = " ".join(data.load("outcomes_2023_2025")["event"])
    for figure in ("6.4 m people in need", "USD 771.3 m", "38% funded", "reached 1.8 m people", "330,700"):
        assert figure in outcomes, figure
    assert indicators["displaced_2023_09"] == 390_000 and "390,000 in September 2023 (OCHA)" in text


def test_the_sanctions_votes_were_lesson_05s_ballots_f_and_g():
    votes = data.load("council_votes").set_index("text_id")
    france_uae, russia = votes.loc["draft-2023-08-30-France-UAE"], votes.loc["draft-2023-08-30-Russia"]
    assert (france_uae["yes"], france_uae["no"], france_uae["abstain"], france_uae["vetoed_by"]) == (
        13,
        1,
        1,
        "Russian Federation",
    )
    assert (russia["yes"], russia["no"], russia["abstain"]) == (1, 1, 13)
    member_votes = data.load("council_member_votes")
    on_russia = member_votes[member_votes["text_id"] == "draft-2023-08-30-Russia"].set_index("member")["vote"]
    assert on_russia["Japan"] == "no" and on_russia["Russian Federation"] == "yes"
    council = data.load("security_council_2023").set_index("member")["category"]
    assert council["Japan"] != "permanent" and council["Russian Federation"] == "permanent"
    items = specs(paths.SOLUTIONS_DIR / "05_counting_to_nine.ipynb")["05.ballots"].items
    assert "F · 13 in favour, a permanent member against, 1 abstention (hypothetical)" in items
    assert "G · 1 in favour, an elected member against, 13 abstentions (hypothetical)" in items
    text = one_line(prose(LESSON))
    assert "ballot F (13 in favour, a permanent member against, 1 abstention)" in text
    assert "ballot G (1 in favour, an elected member against, 13 abstentions)" in text


# ------------------------------------------------------------------ the exercise's keys follow from the data


def brier_mean(table: pd.DataFrame) -> float:
    outcome = table["question_id"].map(RESOLUTIONS["outcome"]).astype(float)
    return float(((table["probability"] / 100 - outcome) ** 2).mean())


def literal_table(source_path, variable: str) -> pd.DataFrame:
    """The dict literal a cell passes to pd.DataFrame(...) and assigns to ``variable``."""
    for cell in notebook(source_path).cells:
        if cell.cell_type == "code" and cell.source.startswith(f"{variable} = pd.DataFrame("):
            call = ast.parse(cell.source).body[0].value
            return pd.DataFrame(ast.literal_eval(call.args[0]))
    raise LookupError(variable)


def test_the_worked_example_and_the_bold_forecaster_score_as_keyed_and_said():
    example = forecasts.example_forecasts()
    assert round(brier_mean(example), 4) == 0.2135
    text = one_line(prose(LESSON))
    assert "read 0.2135" in text and "(0.4225)" in text
    bold = literal_table(SOLUTION, "bold")
    keys = specs(SOLUTION)
    assert keys["08.bold_brier"].key["value"] == round(brier_mean(bold), 3) == 0.437
    assert keys["08.beat_no_skill"].key == "Only the example forecaster"
    assert brier_mean(example) < forecasts.NO_SKILL_BRIER < brier_mean(bold)


def test_the_one_brier_key_follows_from_the_election_outcome():
    outcome = float(bool(RESOLUTIONS.loc["01.election_by_feb_2024", "outcome"]))
    assert specs(SOLUTION)["08.one_brier"].key["value"] == round((0.8 - outcome) ** 2, 2)


def test_the_figure_reading_key_is_the_months_with_four_closures():
    bases = data.load("bases")
    per_month = bases.loc[bases["site_2023"], "closure_date"].dt.strftime("%B").value_counts()
    assert sorted(specs(SOLUTION)["08.figure_reading"].key) == sorted(per_month[per_month == 4].index)


def test_the_resolution_cases_apply_the_rules():
    key = specs(SOLUTION)["08.resolve_cases"].key
    real = {item.split(" · ")[0]: verdict for item, verdict in key.items() if "(real)" in item}
    for qid, verdict in real.items():
        assert (verdict == "resolves yes") is bool(RESOLUTIONS.loc[qid, "outcome"]), qid


# ------------------------------------------------------------------ the Q&A's expectations


def test_expectations_quote_briefly_and_use_the_four_verdicts():
    expectations = data.load("qa_expectations")
    assert len(expectations) == 15 and "holds 15 expectations" in one_line(prose(LESSON))
    assert set(expectations["verdict"].astype(str)) == {"happened", "partly", "did not", "too early to tell"}
    assert (expectations["qa_words"].str.split().str.len() <= 12).all(), "quote a few words, paraphrase the rest"
    assert expectations["source"].str.contains("Crisis Group Q&A").all()
    assert (expectations["evidence_to"].isna() | (expectations["evidence_to"] >= expectations["evidence_from"])).all()


# ------------------------------------------------------------------ conventions for the student-visible notebooks


@pytest.mark.parametrize("path", [LESSON, EXERCISE, INSTRUCTOR], ids=lambda p: p.parent.name)
def test_no_plumbing_in_student_visible_cells(path):
    source = "\n".join(c.source for c in notebook(path).cells if c.cell_type == "code")
    assert "NBVAL" not in source and not re.search(r"(?m)^\s*assert\b", source)


@pytest.mark.parametrize("path", [LESSON, SOLUTION, INSTRUCTOR], ids=lambda p: p.parent.name)
def test_every_figure_is_followed_by_a_text_description(path):
    cells = notebook(path).cells
    for index, cell in enumerate(cells):
        draws = cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if draws:
            after = next(c for c in cells[index + 1 :] if c.cell_type == "markdown")
            assert "Description" in after.source, f"{path.name}, cell {index}: describe the figure below it"


@pytest.mark.parametrize("path", [LESSON, EXERCISE], ids=lambda p: p.parent.name)
def test_most_code_cells_are_short(path):
    lines = [len(c.source.splitlines()) for c in notebook(path).cells if c.cell_type == "code"]
    assert sum(n <= 5 for n in lines) / len(lines) >= 0.85, f"{path.name}: code cells of five lines or fewer"
