"""Fact guards for notebook 07 (The Council decides) and its chair's notebook.

The notebooks' prose and keys must agree with data/, nothing after 30 June 2023
may reach a student, the role-play must not give away the vote before the
debrief, and the vote questions must match the zero draft the chair counts with.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nbformat
import pandas as pd
import pytest

from minusma import chair, data, journal, paths, roles, spec, store
from minusma.grading.solutions import load_course

NAME = "07_the_council_decides.ipynb"
LESSON = paths.NOTEBOOKS_DIR / NAME
SOLUTION = paths.SOLUTIONS_DIR / NAME
EXERCISE = paths.EXERCISES_DIR / NAME
CHAIR = paths.REPO_ROOT / "instructor" / "chair_07.ipynb"
QUESTION = re.compile(r"^q\.(single_choice|multiple_choice|number|order|classify|forecast|vote|written)\(")


def cells(path, kind=None):
    return [c for c in nbformat.read(path, as_version=4).cells if kind is None or c.cell_type == kind]


def prose(path) -> str:
    return "\n".join(c.source for c in cells(path, "markdown"))


def shown(path) -> str:
    """Everything a reader sees: markdown, code, and the stored text outputs."""
    parts = []
    for cell in cells(path):
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/html", "text/markdown"):
                parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


@lru_cache(maxsize=1)
def keys() -> dict:
    return {s.id: s for s in spec.specs_from_notebook(SOLUTION)}


@lru_cache(maxsize=1)
def allowed_dates() -> tuple[str, ...]:
    """Dates set on or before 30 June 2023 that may be named: resolution 2690's deadlines, in every written form."""
    forms = set(roles.SET_DEADLINES)
    days = list(data.load("resolution_2690_provisions")["deadline_date"].dropna()) + [pd.Timestamp("2023-07-01")]
    for day in days:  # 1 July 2023: the drawdown's start, set by the resolution (its deadline_note)
        forms |= {day.strftime("%Y-%m-%d"), f"{day.day} {day:%B %Y}", f"{day.day} {day:%b %Y}"}
    return tuple(forms)


def later_lines(text: str) -> list[str]:
    return roles.later_mentions(text, allowed_dates())


# ------------------------------------------------------------------ honest to the moment


@pytest.mark.parametrize("path", [LESSON, SOLUTION, EXERCISE, CHAIR], ids=lambda p: p.parent.name)
def test_nothing_after_30_june_2023_is_shown(path):
    later = later_lines(shown(path))
    assert later == [], f"{path.name}: {later[:3]}"


def test_the_leak_check_finds_a_later_date():
    assert later_lines("the sanctions veto of 30 August 2023")
    assert later_lines("elections postponed from 5 March 2024") and not later_lines("order by March 2024")
    assert not later_lines("liquidation from 2024-01-01; objective 31 Dec 2023")


def test_the_lesson_stands_on_the_day_and_keeps_the_vote_for_the_debrief():
    setup = [c for c in cells(LESSON, "code")][0].source
    assert 'data.as_of("2023-06-30")' in setup
    text = shown(LESSON)
    for giveaway in ("15–0", "15-0", "15 votes to", "unanimous", "adopted", "in_resolution_2690", "vote_2690"):
        assert giveaway not in text, giveaway


def test_student_cells_carry_no_plumbing():
    for path in (LESSON, SOLUTION):
        code = cells(path, "code")
        assert not any("NBVAL_IGNORE_OUTPUT" in c.source for c in code)
        visible = [c for c in code if "solution-only" not in c.metadata.get("tags", [])]
        assert not any(re.search(r"(?m)^\s*assert\b", c.source) for c in visible)


def test_cells_are_short_and_figures_described():
    lesson_code = cells(LESSON, "code")
    short = sum(len(c.source.splitlines()) <= 5 for c in lesson_code)
    assert short / len(lesson_code) >= 0.85
    exercise_code = cells(EXERCISE, "code")
    assert all(len(c.source.splitlines()) <= 5 for c in exercise_code if not QUESTION.match(c.source))
    assert all(len(c.source.splitlines()) <= 5 for c in cells(CHAIR, "code")), "the chair's notebook stays thin"
    for path in (LESSON, SOLUTION, EXERCISE):
        every = cells(path)
        figures = [i for i, c in enumerate(every) if c.cell_type == "code" and "plots.bracket_positions" in c.source]
        assert figures, path.name
        for index in figures:
            assert "Description:" in every[index + 1].source


# ------------------------------------------------------------------ the prose matches the data


def test_the_lesson_counts_match_the_zero_draft():
    draft = data.load("zero_draft_clauses")
    text = prose(LESSON)
    clauses = draft["clause_id"].nunique()
    bracketed = draft[draft["bracketed"]]
    alternatives = bracketed[bracketed["option_id"] != "A"]
    written = (alternatives["origin"] == "written for the course").sum()
    words = {7: "seven", 10: "ten", 12: "twelve"}
    assert f"Of its {words[clauses]} clauses, {words[bracketed['clause_id'].nunique()]} are in brackets" in text
    assert f"{words[written].capitalize()} of the {words[len(alternatives)]} alternatives" in text


def marks() -> dict[str, dict[str, set[str]]]:
    """actor -> clause -> option letters its words are closest to."""
    draft = data.load("zero_draft_clauses")
    found: dict[str, dict[str, set[str]]] = {}
    for row in draft[draft["bracketed"]].itertuples():
        names = row.closest_to if isinstance(row.closest_to, str) else ""
        for actor in (a.strip() for a in names.split(";") if a.strip()):
            found.setdefault(actor, {}).setdefault(row.clause_id, set()).add(row.option_id)
    return found


def away_from_a(actor: str) -> int:
    return sum(1 for letters in marks().get(actor, {}).values() if letters - {"A"})


def test_the_figure_description_matches_the_data():
    text = prose(LESSON)
    assert len(marks()["Mali (host country)"]) == 6 and "Mali a B or a C in six" in text
    assert all(letters <= {"B", "C"} for letters in marks()["Mali (host country)"].values())
    assert len(marks()["France"]) == 7 and all(v == {"A"} for v in marks()["France"].values())
    assert away_from_a("United Kingdom") == 3 and "marks away from A on three brackets" in text
    assert [away_from_a(a) for a in ("United States", "Brazil", "United Arab Emirates")] == [1, 1, 1]
    assert "the United States, Brazil and the United Arab Emirates on one each" in text
    for silent in ("China", "Russian Federation", "Ecuador", "Malta"):
        assert silent not in marks(), silent
    assert "China, the Russian Federation, Ecuador and Malta have no mark" in text


# ------------------------------------------------------------------ keys agree with the data


def test_keys_are_computed_from_the_data():
    draft = data.load("zero_draft_clauses")
    alternatives = draft[draft["option_id"] != "A"]
    written = (alternatives["origin"] == "written for the course").sum()
    assert keys()["07.course_written"].key["value"] == pytest.approx(100 * written / len(alternatives), abs=0.05)
    council = data.load("security_council_2023")
    permanent = list(council.loc[council["category"] == "permanent", "member"])
    assert keys()["07.p5_away"].key == [p for p in permanent if away_from_a(p)]
    most = max(marks(), key=away_from_a)
    assert most == "Mali (host country)" and keys()["07.most_away"].key.startswith("Mali: it cannot vote")
    provisions = data.load("resolution_2690_provisions").set_index("topic")
    end = provisions.loc["termination", "deadline_date"]
    protected = (
        provisions.loc["protection of civilians and humanitarian delivery (time-limited)", "deadline_date"] - end
    ).days
    withdrawal = (provisions.loc["drawdown and withdrawal", "deadline_date"] - end).days
    assert keys()["07.poc_days"].key["value"] == protected and protected * 2 == withdrawal  # "half" in the key points
    assert "objective" in provisions.loc["drawdown and withdrawal", "deadline_note"]
    assert keys()["07.real_deadline"].key.startswith("An objective")


def test_the_vote_questions_match_the_draft_the_chair_counts_with():
    draft = chair.ZeroDraft.load()
    for clause in draft.bracketed:
        question = keys()[chair.vote_question(clause.id)]
        assert question.type == "classify" and question.points == 0 and question.key is None
        assert list(question.items) == [o.label for o in clause.options], clause.id
        assert list(question.categories) == ["yes", "no", "abstain"]
    final = keys()[chair.FINAL_QUESTION]
    assert final.points == 0 and final.key is None and list(final.options[:3]) == ["yes", "no", "abstain"]
    delegation = keys()[chair.DELEGATION_QUESTION]
    assert list(delegation.options) == roles.delegations() + ["a briefer at the Arria-style hearing"]
    assert delegation.points == 0 and delegation.key is None


def test_the_argued_work_carries_the_weight():
    specs = keys().values()
    written = sum(s.points for s in specs if s.type == "written")
    auto = sum(s.points for s in specs if s.type != "written")
    assert written >= 4 * auto and auto > 0
    assert {s.id for s in specs if s.type == "written" and s.points} == {"07.position_paper", "07.debrief"}
    assert keys()["07.journal"].points == 0
    figure_question = keys()["07.p5_away"]
    assert figure_question.points > 0 and "Figure 1" in figure_question.prompt


@pytest.mark.parametrize("qid", ["07.position_paper", "07.debrief", "07.journal"])
def test_model_answers_are_within_their_word_ranges(qid):
    question = keys()[qid]
    words = spec.word_count(question.key["model_answer"])
    assert question.words[0] <= words <= question.words[1], (qid, words)


def test_the_model_position_paper_keeps_to_switzerlands_card():
    paper = keys()["07.position_paper"].key["model_answer"]
    council = data.load("security_council_2023").set_index("member")
    assert f"elected with {council.loc['Switzerland', 'ga_election_votes']} votes" in paper
    card = roles.card("Switzerland").text()
    assert "presidency in May 2023" in card and "presidency in May 2023" in paper
    assert "six months is not enough" in paper and "six months is not sufficient" in card


def test_the_model_debrief_quotes_the_record_exactly():
    debrief = keys()["07.debrief"].key["model_answer"]
    uk = roles.card("United Kingdom").section("quote")[0].text
    assert "would not have chosen to withdraw MINUSMA at this moment" in debrief and uk.endswith("at this moment")
    votes = data.load("council_votes").set_index("resolution_number").loc[2690]
    assert f"{votes['yes']} to none" in debrief and votes["no"] == 0


def test_the_grader_takes_the_vote_records_as_records_not_problems():
    course = load_course(paths.SOLUTIONS_DIR)
    assert not [p for p in course.problems if "07" in p.file or p.problem.startswith("question 07.")]
    pending = course.notebooks["07_the_council_decides"].pending
    records = {chair.DELEGATION_QUESTION, chair.FINAL_QUESTION} | {
        chair.vote_question(c.id) for c in chair.ZeroDraft.load().bracketed
    }
    assert set(pending) == records


# ------------------------------------------------------------------ the chair's notebook


def test_the_chair_notebook_runs_the_meeting_from_the_package():
    source = "\n".join(c.source for c in cells(CHAIR, "code"))
    for call in (
        "chair.open_session(",
        "session.panel()",
        "session.summary()",
        "session.text()",
        "session.import_handins(",
        "session.final()",
        "session.compare_with_2690()",
        "session.save_text()",
    ):
        assert call in source, call
    assert "role-cards" in prose(CHAIR)


# ------------------------------------------------------------------ the journal comes back


def test_the_journal_shows_earlier_entries(monkeypatch, tmp_path):
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path))
    store.forget_stores()
    try:
        store.get_store("05_counting_to_nine").save("05.journal", "written", "Vote yes; about 70 % sure.")
        found = journal.entries(["05_counting_to_nine", "06_designing_the_drawdown"])
        assert [(e.qid, e.text) for e in found] == [("05.journal", "Vote yes; about 70 % sure."), ("06.journal", None)]
        view = journal.earlier(["05_counting_to_nine", "06_designing_the_drawdown"])
        assert "Not written yet" in view._repr_html_() and "70 %" in repr(view)
    finally:
        store.forget_stores()
    with pytest.raises(ValueError):
        journal.journal_id("journal")
    assert "journal.earlier([" in "\n".join(c.source for c in cells(SOLUTION, "code"))


def test_the_debrief_tables_stand_on_the_day():
    data.as_of("2023-06-30")
    provisions = data.load("resolution_2690_provisions")
    shown_columns = provisions[provisions["part"] == "operative"][
        ["topic", "provision", "deadline_date", "deadline_note"]
    ]
    text = shown_columns.to_string()
    assert later_lines(text) == []
    assert (shown_columns["deadline_date"].dropna() <= pd.Timestamp("2024-02-01")).all()
