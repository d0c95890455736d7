"""Fact guards for notebook 05 (Counting to nine), and its what-if widget.

The notebooks' prose and keys must agree with data/, nothing after 30 June 2023
may reach a student, and the exercise must leave the voting rule to the student.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minusma import cutoff, data, explore, paths, spec

NAME = "05_counting_to_nine.ipynb"
LESSON = paths.NOTEBOOKS_DIR / NAME
SOLUTION = paths.SOLUTIONS_DIR / NAME
EXERCISE = paths.EXERCISES_DIR / NAME
ALL = (LESSON, SOLUTION, EXERCISE)


def cells(path):
    return nbformat.read(path, as_version=4).cells


def prose(path) -> str:
    return "\n".join(c.source for c in cells(path) if c.cell_type == "markdown")


def shown(path) -> str:
    """Everything a student reads: markdown, code, and the stored text outputs."""
    parts = []
    for cell in cells(path):
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/html"):
                parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


def cell_source(path, cell_id) -> str:
    (cell,) = [c for c in cells(path) if c.get("id") == cell_id]
    return cell.source


def keys(path=SOLUTION) -> dict:
    return {s.id: s for s in spec.specs_from_notebook(path)}


@pytest.fixture
def on_the_day():
    data.as_of("2023-06-30")
    yield
    data.as_of(None)


def council():
    table = data.load("security_council_2023")
    return list(table["member"]), list(table.loc[table["category"] == "permanent", "member"])


def ballot(text_id):
    rows = data.load("council_member_votes")
    rows = rows[rows["text_id"] == text_id]
    return dict(zip(rows["member"], rows["vote"]))


def mandate_record():
    votes = data.load("council_votes")
    return votes[votes["subject"].str.contains("MINUSMA|mandate")]


# ------------------------------------------------------------------ the votes shown match the data


def test_2640_and_2690_are_complete_ballots_that_match_their_tallies(on_the_day):
    _, permanent = council()
    tallies = data.load("council_votes").set_index("text_id")
    for text_id, expected in (("S/RES/2640 (2022)", (13, 0, 2)), ("S/RES/2690 (2023)", (15, 0, 0))):
        votes = ballot(text_id)
        assert len(votes) == 15, text_id
        result = spec.council_outcome(votes, permanent)
        assert (result.yes, result.no, result.abstain) == expected
        row = tallies.loc[text_id]
        assert (row["yes"], row["no"], row["abstain"]) == expected and row["outcome"] == "adopted"
    assert {m for m, v in ballot("S/RES/2640 (2022)").items() if v == "abstain"} == {"China", "Russian Federation"}


def test_the_record_the_lesson_counts(on_the_day):
    record = mandate_record()
    assert len(record) == 11 and record["date"].dt.year.between(2013, 2023).all()
    assert int((record["yes"] == 15).sum()) == 10 and int((record["abstain"] > 0).sum()) == 1
    odd = record[record["yes"] < 15].iloc[0]
    assert odd["resolution_number"] == 2640 and odd["abstaining"] == "China; Russian Federation"
    assert (record["no"] == 0).all(), "the prose says no member ever voted against"
    text = prose(LESSON)
    assert "Ten of the eleven" in text and "13–0–2" in text and "No member ever voted against" in text
    key = keys()
    assert key["05.unanimous_share"].key["value"] == round(100 * 10 / 11, 1)
    assert "2640 (29 June 2022): China and the Russian Federation abstained" in key["05.broke_unanimity"].key


def test_the_syria_votes_of_july_2022(on_the_day):
    table = data.load("council_votes_elsewhere").set_index("text_id")
    vetoed = table.loc["draft-2022-07-08-Ireland-Norway"]
    assert (vetoed["yes"], vetoed["no"], vetoed["abstain"]) == (13, 1, 1)
    assert vetoed["vetoed_by"] == "Russian Federation" and vetoed["abstaining"] == "China"
    rival = table.loc["draft-2022-07-08-Russia"]
    assert (rival["yes"], rival["no"], rival["abstain"]) == (2, 3, 10) and pd.isna(rival["vetoed_by"])
    adopted = table.loc["S/RES/2642 (2022)"]
    assert (adopted["yes"], adopted["no"], adopted["abstain"], adopted["outcome"]) == (12, 0, 3, "adopted")
    assert (table["date"] <= "2023-06-30").all() and (table["yes"] + table["no"] + table["abstain"] == 15).all()
    for row in table.itertuples():  # each recorded outcome follows the Charter rule
        vetoes = row.vetoed_by if isinstance(row.vetoed_by, str) else ""
        assert (row.outcome == "adopted") == (row.yes >= spec.VOTES_NEEDED and not vetoes)
    text = prose(LESSON)
    assert "8 July 2022" in text and "13 votes in favour" in text and "12 votes in favour" in text
    assert "2 votes in favour" in text
    prompt = keys()["05.thirteen_votes"].prompt
    assert "8 July 2022" in prompt and "13 votes in favour" in prompt and "only 12" in prompt


def test_drafting_steps_and_the_days_the_lesson_counts(on_the_day):
    steps = data.load("council_drafting_steps")
    steps_2690 = steps[steps["text_id"] == "S/RES/2690 (2023)"].set_index("step")
    request = pd.Timestamp("2023-06-16")
    assert steps_2690.loc["briefing", "date"] == request
    assert (steps_2690.loc["vote", "date"] - request).days == 14, "fourteen days"
    assert (steps_2690.loc["draft circulated", "date"] - request).days == 6, "six days"
    assert steps_2690.loc["draft in blue", "date"] == pd.Timestamp("2023-06-29")
    text = prose(LESSON)
    assert "fourteen days" in text and "Six days" in text and "16 and 30 June 2023" in text
    breaks = steps[steps["text_id"] == "S/RES/2584 (2021)"]
    assert "five members broke silence" in text and "two broke a second silence" in text
    assert "then the United Kingdom, China, India and Russia" in " ".join(breaks["description"])
    assert "China and India break a second silence" in " ".join(breaks["description"])
    unanimous_2584 = mandate_record().set_index("resolution_number").loc[2584]
    assert unanimous_2584["yes"] == 15


def test_post_check_order_follows_the_dated_steps():
    steps = data.load("council_drafting_steps")
    steps = steps[steps["text_id"] == "S/RES/2690 (2023)"].set_index("step")["date"]
    when = {
        "Mali's foreign minister asks for the mission's withdrawal without delay": steps["briefing"],
        "France, the penholder, circulates a draft ending the mission": steps["draft circulated"],
        "France puts the revised text under silence procedure": steps["silence procedure"],
        "The draft passes silence and is put in blue": steps["draft in blue"],
        "The Council votes: 15 in favour": steps["vote"],
    }
    assert keys()["05.post_steps"].key == sorted(when, key=when.get)


def test_no_largest_troop_contributor_sat_on_the_council(on_the_day):
    members, _ = council()
    contributors = data.load("troop_contributors")
    top = contributors[contributors["date"] == "2023-02-01"]
    assert len(top) == 8 and not set(top["country"]) & set(members)
    assert "None of them sat on the Council in 2023" in prose(LESSON)


def test_quotations_in_the_prose_are_in_the_data(on_the_day):
    positions = data.load("council_positions_2023").set_index("actor")
    text = prose(LESSON)
    for actor, words in [
        ("United Kingdom", "would not have chosen to withdraw MINUSMA at this moment"),
        ("China", "the principle of consent"),
        ("Ghana", "should however not be the end"),
        ("United Arab Emirates", "would be untenable"),
        ("Mali (host country)", "prend acte"),
    ]:
        assert words in text and words in positions.loc[actor, "short_quote"], actor
    assert "some concern" in positions.loc["United Arab Emirates", "stated_position"]
    assert "compromise and consensus" in positions.loc["Switzerland", "stated_position"]
    departures = data.load("tcc_departures").set_index("country")
    assert "host country's government is not willing to work with us" in departures.loc["United Kingdom", "evidence"]


# ------------------------------------------------------------------ the cut-off

# known on the day: the deadline resolution 2690 set, and the terms of members elected in June 2022
ALLOWED_LATER_DATES = ("31 December 2023", "2023–2024")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(paths.REPO_ROOT).as_posix())
def test_nothing_after_the_decision_reaches_a_student(path):
    text = shown(path)
    for allowed in ALLOWED_LATER_DATES:
        text = text.replace(allowed, "")
    later = [line for line in text.splitlines() if cutoff.mentions_after(line, cutoff.DECISION_DAY)]
    assert not later, later[:3]
    for word in ("sanction", "Panel of Experts", "30 Aug", "August 2023", "held back until lesson 08"):
        assert word.lower() not in text.lower(), word


def test_the_lesson_stands_on_the_day_of_the_vote():
    setup = next(c.source for c in cells(LESSON) if c.cell_type == "code")
    assert 'data.as_of("2023-06-30")' in setup


def test_the_hypothetical_ballots_carry_no_date_or_subject():
    table = prose(SOLUTION)[prose(SOLUTION).index("Five hypothetical ballots") :]
    table = table[: table.index("The helper")]
    assert not re.search(r"\b(19|20)\d\d\b", table), "no dates: they are hypothetical"
    items = [i for i in keys()["05.ballots"].items if "hypothetical" in i]
    assert len(items) == 5 and not any(re.search(r"\b(19|20)\d\d\b", i) for i in items)


# ------------------------------------------------------------------ the rule is the student's


def test_the_exercise_leaves_the_rule_to_the_student():
    source = "\n".join(c.source for c in cells(EXERCISE) if c.cell_type == "code")
    for forbidden in ("council_outcome", "spec.", "council_ballot", "explore", "q.vote(", "VOTES_NEEDED"):
        assert forbidden not in source, forbidden
    rule = cell_source(EXERCISE, "s05-16")
    assert "yes = ...  # your code here" in rule and "vetoes = ...  # your code here" in rule
    assert "return" not in rule.split("vetoes = ...")[1], "the decision itself is a blank"


@lru_cache(maxsize=1)
def _solution_namespace():
    """The solution's own code for the rule and the hypothetical ballots, run on the 2023 Council."""
    members, permanent = council()
    namespace = {"members": members, "permanent": permanent}
    for cell_id in ("s05-16", "s05-25", "s05-26", "s05-26b"):
        exec(cell_source(SOLUTION, cell_id), namespace)
    return namespace


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(spec.VOTE_CHOICES), min_size=15, max_size=15))
def test_the_model_solution_agrees_with_the_charter_rule(choices):
    namespace = _solution_namespace()
    members, permanent = namespace["members"], namespace["permanent"]
    votes = dict(zip(members, choices))
    expected = spec.council_outcome(votes, permanent)
    label = namespace["outcome"](votes)
    if expected.vetoed_by:
        assert label == namespace["VETO"]
    elif not expected.adopted:
        assert label == namespace["TOO_FEW"]
    else:
        assert label == namespace["ADOPTED"]


def test_the_ballots_are_what_the_items_say_and_the_key_follows_the_rule(on_the_day):
    namespace = _solution_namespace()
    permanent = namespace["permanent"]
    ballots = {
        "A": ballot("S/RES/2640 (2022)"),
        "B": ballot("S/RES/2690 (2023)"),
        "C": namespace["ballot_c"],
        "D": namespace["ballot_d"],
        "E": namespace["ballot_e"],
        "F": namespace["ballot_f"],
        "G": namespace["ballot_g"],
    }
    counts = {name: tuple(list(v.values()).count(c) for c in ("yes", "no", "abstain")) for name, v in ballots.items()}
    assert counts == {
        "A": (13, 0, 2),
        "B": (15, 0, 0),
        "C": (8, 0, 7),
        "D": (9, 1, 5),
        "E": (9, 0, 6),
        "F": (13, 1, 1),
        "G": (1, 1, 13),
    }
    assert [m for m, v in ballots["D"].items() if v == "no"] == ["United States"]
    assert all(ballots["E"][m] == "abstain" for m in permanent)
    assert [m for m, v in ballots["F"].items() if v == "no"][0] in permanent
    assert [m for m, v in ballots["G"].items() if v == "no"][0] not in permanent
    question = keys()["05.ballots"]
    for item in question.items:
        name = item.split(" ·")[0]
        result = spec.council_outcome(ballots[name], permanent)
        rule = (
            "not adopted: veto"
            if result.vetoed_by
            else "adopted"
            if result.adopted
            else "not adopted: fewer than nine yes"
        )
        assert question.key[item] == rule, item
        numbers = [int(n) for n in re.findall(r"\b(\d+) (?:in favour|abstentions)", item)]
        if numbers:
            assert numbers[0] == counts[name][0], item


def test_solutions_check_every_auto_question_for_full_marks():
    auto = sorted(s.id for s in spec.specs_from_notebook(SOLUTION) if s.graded == "auto")
    check = cell_source(SOLUTION, "s05-59")
    assert sorted(re.findall(r'"(05\.[a-z_0-9]+)"', check.split("results")[0])) == auto
    outputs = [o for c in cells(SOLUTION) for o in c.get("outputs", [])]
    assert not any(o.output_type == "error" for o in outputs)


def test_questions_points_and_the_decision_journal():
    questions = {s.id: s for s in spec.specs_from_notebook(EXERCISE)}
    assert questions["05.journal"].type == "written" and questions["05.journal"].points == 0
    written = sum(s.points for s in questions.values() if s.type == "written")
    auto = sum(s.points for s in questions.values() if s.graded == "auto")
    assert written > auto, "the argued work carries the weight"
    assert not any(s.type in ("vote", "forecast") for s in questions.values())
    for qid in ("05.thirteen_votes", "05.why_unanimous"):
        assert set(questions[qid].criteria) <= set(spec.RUBRIC_CRITERIA) and questions[qid].criteria


def test_every_figure_is_described():
    notebook = cells(LESSON)
    for index, cell in enumerate(notebook):
        if cell.cell_type == "code" and "plots.council_tallies" in cell.source:
            following = notebook[index + 1]
            assert following.cell_type == "markdown" and "*Description:*" in following.source


# ------------------------------------------------------------------ the what-if widget


def members_2023():
    members = [
        "China",
        "France",
        "Russian Federation",
        "United Kingdom",
        "United States",
        "Albania",
        "Brazil",
        "Gabon",
        "Ghana",
        "United Arab Emirates",
        "Ecuador",
        "Japan",
        "Malta",
        "Mozambique",
        "Switzerland",
    ]
    return members, members[:5]


def test_council_ballot_starts_from_a_ballot_and_follows_changes():
    members, permanent = members_2023()
    box = explore.council_ballot(members, permanent, start={m: "yes" for m in members})
    header, *buttons, outcome, reset = box.children
    assert len(buttons) == 15 and "not graded" in header.value
    assert buttons[2].description == "Russian Federation (permanent)" and buttons[5].description == "Albania"
    assert "15 yes, 0 no, 0 abstain: adopted" in outcome.value
    buttons[2].value = "abstain"
    assert "14 yes, 0 no, 1 abstain: adopted" in outcome.value
    buttons[2].value = "no"
    assert "Russian Federation (permanent) voted no" in outcome.value
    reset.click()
    assert buttons[2].value == "yes" and "adopted" in outcome.value


def test_council_ballot_counts_members_without_a_vote_and_escapes_names():
    members, permanent = members_2023()
    box = explore.council_ballot(members + ["<b>X</b>"], permanent + ["<b>X</b>"], start={"<b>X</b>": "no"})
    outcome = box.children[-2].value
    assert "15 not voted yet" in outcome and "&lt;b&gt;X&lt;/b&gt; (permanent) voted no" in outcome
    assert "<b>X</b>" not in outcome


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"permanent": ["Germany"]}, "permanent members missing"),
        ({"start": {"Germany": "yes"}}, "non-members"),
        ({"start": {"China": "maybe"}}, "yes, no or abstain"),
    ],
)
def test_council_ballot_refuses_a_wrong_set_up(kwargs, message):
    members, permanent = members_2023()
    arguments = {"members": members, "permanent": permanent} | kwargs
    with pytest.raises(ValueError, match=message):
        explore.council_ballot(**arguments)


def test_seven_abstentions_stop_a_text_in_the_simulator():
    members, permanent = members_2023()
    start = {m: "yes" for m in members}
    for abstaining in (6, 7):
        box = explore.council_ballot(members, permanent, start=start)
        for button in box.children[1 + len(members) - abstaining : 1 + len(members)]:
            button.value = "abstain"
        outcome = box.children[-2].value
        assert ("adopted (" in outcome) == (abstaining == 6), (abstaining, outcome)
