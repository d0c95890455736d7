"""The chair's notebook of lesson 07 (minusma.chair): the rule on each option, the text, the saved session.

The session must lose nothing: every vote is on disk as soon as it is cast, a
killed kernel or a second notebook on the same file loses no vote, and a damaged
file is set aside, never overwritten. One test plays a whole 15-member meeting,
kills the process that records it halfway, and finishes it from the file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from minusma import chair, council, data, paths, submission

MEMBERS, PERMANENT = council.council_2023()
ELECTED = [m for m in MEMBERS if m not in PERMANENT]


@pytest.fixture
def draft():
    return chair.ZeroDraft.load()


@pytest.fixture
def session(tmp_path, draft):
    return chair.Session(tmp_path / "class.json", draft)


def everyone(choice, **others):
    """A ballot for one option: every member votes ``choice`` except those named."""
    votes = {m: choice for m in MEMBERS}
    votes.update({k.replace("_", " "): v for k, v in others.items()})
    return votes


def cast(session, clause_id, by_option):
    """Record per-option ballots (option -> {member: vote}) as each member's ballot on the clause."""
    for member in MEMBERS:
        ballot = {o: votes[member] for o, votes in by_option.items() if member in votes}
        session.vote(clause_id, member, ballot)


# ------------------------------------------------------------------ the zero draft


def test_the_draft_has_seven_brackets_each_with_the_penholders_proposal_as_a(draft):
    assert [c.id for c in draft.bracketed] == ["algiers", "threat", "timeline", "civilians", "camps", "sofa", "plan"]
    for clause in draft.bracketed:
        assert 2 <= len(clause.options) <= 3 and clause.question
        first = clause.options[0]
        assert first.option_id == "A" and first.origin == "penholder's proposal"
        assert [o.option_id for o in clause.options if o.in_resolution_2690] == ["A"]
    for clause in draft.clauses:
        if not clause.bracketed:
            assert len(clause.options) == 1


def test_every_option_names_its_source_and_basis_and_its_actors_exist(draft):
    actors = set(data.load("council_positions_2023")["actor"])
    for clause in draft.clauses:
        for option in clause.options:
            assert option.source.strip() and option.basis.strip()
            if option.origin == "written for the course":
                assert option.basis.startswith("Written for the course"), option.label
            named = {a.strip() for a in option.closest_to.split(";") if a.strip()}
            assert named <= actors, (option.label, named - actors)
            if option.in_resolution_2690:
                topics = set(data.load("resolution_2690_provisions")["topic"])
                assert option.resolution_2690_topic in topics, option.label


def test_fingerprint_changes_with_the_wording(draft):
    changed = chair.ZeroDraft(draft.clauses[:-1])
    assert changed.fingerprint != draft.fingerprint and len(draft.fingerprint) == 16


# ------------------------------------------------------------------ the rule on each option


def test_an_option_with_thirteen_yes_and_one_permanent_no_is_vetoed(session):
    cast(
        session,
        "civilians",
        {
            "A": everyone("yes"),
            "B": everyone("no", Mali="yes"),
            "C": everyone("yes", Russian_Federation="no", China="abstain"),
        },
    )
    tally = session.tally("civilians")
    by_option = {t.option.option_id: t.outcome for t in tally.options}
    assert by_option["C"].yes == 13 and by_option["C"].vetoed_by == ("Russian Federation",)
    assert not by_option["C"].adopted and by_option["A"].adopted
    assert tally.chosen.option_id == "A" and tally.status == "agreed"
    assert "goes into the text" in tally.explain()


def test_of_the_options_that_pass_the_one_with_most_yes_goes_in(session):
    cast(
        session,
        "timeline",
        {
            "A": everyone("yes", **{m.replace(" ", "_"): "abstain" for m in ELECTED[:4]}),  # 11 yes
            "B": everyone("no"),
            "C": everyone("yes", **{m.replace(" ", "_"): "abstain" for m in ELECTED[:2]}),  # 13 yes
        },
    )
    assert session.tally("timeline").chosen.option_id == "C"


def test_ties_go_to_fewer_no_votes_then_to_the_earlier_letter(session):
    ten_yes = {m.replace(" ", "_"): "abstain" for m in ELECTED[:5]}
    cast(
        session,
        "sofa",
        {
            "A": everyone("yes", **ten_yes),
            "B": everyone("yes", **{m.replace(" ", "_"): "no" for m in ELECTED[:5]}),  # 10 yes, 5 no
            "C": everyone("yes", **ten_yes),  # 10 yes, 0 no: ties with A
        },
    )
    assert session.tally("sofa").chosen.option_id == "A"
    session.reopen("sofa")
    cast(
        session,
        "sofa",
        {
            "A": everyone("yes", **{m.replace(" ", "_"): "no" for m in ELECTED[:5]}),
            "B": everyone("no"),
            "C": everyone("yes", **ten_yes),
        },
    )
    assert session.tally("sofa").chosen.option_id == "C"


def test_a_bracket_nobody_can_pass_is_not_agreed_and_left_out_of_the_text(session):
    cast(session, "camps", {"A": everyone("abstain"), "B": everyone("no"), "C": everyone("yes", France="no")})
    tally = session.tally("camps")
    assert tally.chosen is None and tally.status == "not agreed"
    assert "stays open" in tally.explain()
    text = session.text()
    assert text.choices["camps"] is None
    assert "Hand-over of the camps: not agreed (not agreed); left out of the text." in text.markdown()


def test_partial_votes_are_provisional_and_counted_as_not_voted(session):
    for member in MEMBERS[:9]:
        session.vote("plan", member, {"A": "yes"})
    tally = session.tally("plan")
    assert tally.status == "voting" and tally.chosen.option_id == "A"
    assert tally.options[0].outcome.not_voted == 6
    assert "would go into the text so far" in tally.explain()


def test_a_later_vote_replaces_the_earlier_one_of_the_same_delegation(session):
    session.vote("threat", "China", {"A": "yes", "B": "yes"})
    session.vote("threat", "China", {"A": "no", "B": "yes"})
    assert session.ballots("threat") == {"China": {"A": "no", "B": "yes"}}


# ------------------------------------------------------------------ settle, reopen, final vote


def test_settle_without_a_vote_then_reopen_for_a_new_round(session):
    session.vote("algiers", "Japan", {"A": "yes"})
    session.settle("algiers", "B")
    tally = session.tally("algiers")
    assert tally.status == "agreed without a vote" and tally.chosen.option_id == "B"
    with pytest.raises(chair.ClauseSettledError):
        session.vote("algiers", "Japan", {"A": "yes"})
    session.reopen("algiers")
    tally = session.tally("algiers")
    assert tally.status == "open" and tally.round == 2 and session.ballots("algiers") == {}
    assert len([e for e in session.events if e["item"] == "algiers"]) == 3, "earlier events stay on file"


def test_the_final_vote_counts_only_votes_on_the_text_as_it_stands(session):
    session.settle("timeline", "A")
    for member in MEMBERS:
        session.vote_final(member, "yes")
    assert session.final().outcome.adopted and session.final().outcome.yes == 15
    session.settle("civilians", "C")  # the text changes after the vote
    final = session.final()
    assert final.outcome.yes == 0 and set(final.stale) == set(MEMBERS)
    assert "must vote again" in final.explain()
    for member in MEMBERS:
        session.vote_final(member, "no" if member == "China" else "yes")
    final = session.final()
    assert not final.outcome.adopted and final.outcome.vetoed_by == ("China",) and not final.stale


def test_only_members_vote_and_only_on_options_that_exist(session):
    with pytest.raises(ValueError, match="does not vote"):
        session.vote("timeline", "Mali (host country)", {"A": "no"})
    with pytest.raises(ValueError, match="no option 'D'"):
        session.vote("timeline", "France", {"D": "yes"})
    with pytest.raises(ValueError, match="yes, no or abstain"):
        session.vote("timeline", "France", {"A": "maybe"})
    with pytest.raises(ValueError, match="not in brackets"):
        session.vote("termination", "France", {"A": "yes"})
    with pytest.raises(KeyError, match="no clause"):
        session.vote("elections", "France", {"A": "yes"})
    assert session.events == [], "a refused vote writes nothing"


def test_the_text_numbers_operative_paragraphs_and_keeps_the_preamble(session):
    session.settle("timeline", "B")
    markdown = session.text().markdown()
    assert markdown.startswith("**The Security Council,**")
    assert "1. Decides to terminate the mandate of MINUSMA" in markdown
    assert "2. Requests MINUSMA to withdraw without delay" in markdown
    assert "*Taking note of the letter" in markdown


def test_comparison_with_2690_marks_each_bracket(session):
    session.settle("timeline", "A")
    session.settle("civilians", "C")
    rows = {r["bracket"]: r for r in session.compare_with_2690().rows()}
    assert rows["Timeline of the withdrawal"]["same"] == "yes"
    assert rows["Protection of civilians while MINUSMA leaves"]["same"] == "no"
    assert rows["Hand-over of the camps"]["class"].startswith("not agreed")
    assert len(rows) == 7


def test_save_text_writes_the_class_text_beside_the_session(session):
    session.settle("plan", "B")
    saved = session.save_text()
    assert saved.path == session.path.with_name("class-text.md")
    text = saved.path.read_text(encoding="utf-8")
    assert "within 30 days" in text and "Final vote:" in text
    assert repr(saved).startswith("Saved the class's text to ")


# ------------------------------------------------------------------ nothing is lost


def test_every_vote_is_on_disk_at_once_and_a_reopened_session_carries_on(tmp_path, draft):
    path = tmp_path / "s.json"
    first = chair.Session(path, draft)
    first.vote("timeline", "France", {"A": "yes"})
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert [e["delegation"] for e in on_disk["events"]] == ["France"]
    again = chair.Session(path, draft)  # the next class period
    assert again.ballots("timeline") == {"France": {"A": "yes"}}
    again.vote("timeline", "Japan", {"A": "no"})
    assert set(first.ballots("timeline")) == {"France", "Japan"}, "the first notebook sees the second's vote"


def test_two_notebooks_on_one_file_interleave_without_losing_a_vote(tmp_path, draft):
    path = tmp_path / "s.json"
    one, two = chair.Session(path, draft), chair.Session(path, draft)
    for i, member in enumerate(MEMBERS):
        (one if i % 2 else two).vote("civilians", member, {"A": "yes", "B": "no"})
    assert len(chair.Session(path, draft).ballots("civilians")) == 15
    seqs = [e["seq"] for e in json.loads(path.read_text(encoding="utf-8"))["events"]]
    assert seqs == list(range(1, 16))


_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from minusma import chair
    session = chair.Session(Path(sys.argv[1]))
    for member in sys.argv[2].split("|"):
        session.vote("camps", member, {"A": "yes"})
""")


def test_two_processes_recording_at_once_lose_nothing(tmp_path):
    path = tmp_path / "s.json"
    halves = ["|".join(MEMBERS[::2]), "|".join(MEMBERS[1::2])]
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), half], cwd=paths.REPO_ROOT) for half in halves]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert set(chair.Session(path).ballots("camps")) == set(MEMBERS)


def test_a_damaged_file_is_set_aside_not_overwritten(tmp_path, draft):
    path = tmp_path / "s.json"
    path.write_text('{"format": "minusma-chair/1", "events": [', encoding="utf-8")
    session = chair.Session(path, draft)
    assert session.notice and "kept, unchanged" in session.notice
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8").endswith('"events": [')
    session.vote("plan", "Ghana", {"A": "yes"})
    assert json.loads(path.read_text(encoding="utf-8"))["events"][0]["delegation"] == "Ghana"


def test_a_session_of_another_draft_says_so(tmp_path, draft):
    path = tmp_path / "s.json"
    chair.Session(path, chair.ZeroDraft(draft.clauses[:-1])).vote("timeline", "France", {"A": "yes"})
    assert "another version of the zero draft" in chair.Session(path, draft).notice


def test_session_names_are_checked_and_kept_in_the_work_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path))
    assert chair.session_path("Group B 2024") == tmp_path / "chair" / "Group-B-2024.json"
    for bad in ("", "../escape", "a/b", "x" * 80):
        with pytest.raises(ValueError):
            chair.session_path(bad)
    assert chair.where(tmp_path / "chair" / "x.json") == "(work folder)/chair/x.json"
    assert chair.where(paths.REPO_ROOT / "my-work" / "chair" / "x.json") == "my-work/chair/x.json"


# ------------------------------------------------------------------ a whole meeting, killed halfway


def plan_of_the_meeting(draft):
    """Every vote of a 15-member meeting, in order: (clause, member, ballot). Made up for the test."""
    plan = []
    for k, clause in enumerate(draft.bracketed):
        for i, member in enumerate(MEMBERS):
            ballot = {}
            for j, option in enumerate(clause.option_ids):
                turn = (i + 2 * j + k) % 5
                ballot[option] = "yes" if turn < 3 else ("no" if turn == 3 else "abstain")
            plan.append((clause.id, member, ballot))
    return plan


def expected_choice(clause, votes_by_member):
    """The rule written out again, independently of the package: nine yes, no permanent no; most yes wins."""
    best = None
    for j, option in enumerate(clause.option_ids):
        votes = [votes_by_member[m][option] for m in MEMBERS]
        yes, no = votes.count("yes"), votes.count("no")
        vetoed = any(votes_by_member[m][option] == "no" for m in PERMANENT)
        if yes >= 9 and not vetoed:
            rank = (yes, -no, -j)
            if best is None or rank > best[0]:
                best = (rank, option)
    return None if best is None else best[1]


_MEETING = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from minusma import chair
    session = chair.Session(Path(sys.argv[1]))
    for n, (clause_id, member, ballot) in enumerate(json.loads(sys.argv[2]), start=1):
        session.vote(clause_id, member, ballot)
        print(n, flush=True)
        time.sleep(0.02)
""")


@pytest.mark.slow
def test_a_full_meeting_killed_halfway_is_finished_from_the_saved_session(tmp_path, draft):
    path = tmp_path / "meeting.json"
    plan = plan_of_the_meeting(draft)
    assert len(plan) == 15 * 7
    child = subprocess.Popen(
        [sys.executable, "-c", _MEETING, str(path), json.dumps(plan)],
        cwd=paths.REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    reported = 0
    deadline = time.monotonic() + 120
    while reported < len(plan) // 2 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        reported = int(line)
    os.kill(child.pid, signal.SIGKILL)  # the kernel dies mid-meeting
    child.wait(timeout=30)
    child.stdout.close()
    assert reported == len(plan) // 2, "the recording process ran until it was killed"

    saved = json.loads(path.read_text(encoding="utf-8"))  # whole, readable JSON: no half-written file
    done = [(e["item"], e["delegation"], e["ballot"]) for e in saved["events"]]
    assert reported <= len(done) < len(plan), "every vote reported saved is on file, and the meeting is unfinished"
    assert done == [tuple(step) for step in plan[: len(done)]], "the file holds exactly the votes cast, in order"

    session = chair.Session(path, draft)  # the next class period opens the same session
    for clause_id, member, ballot in plan[len(done) :]:
        session.vote(clause_id, member, ballot)
    for member in MEMBERS:
        session.vote_final(member, "abstain" if member == "Russian Federation" else "yes")

    cast_votes = {}
    for clause_id, member, ballot in plan:
        cast_votes.setdefault(clause_id, {})[member] = ballot
    for clause in draft.bracketed:
        tally = session.tally(clause.id)
        want = expected_choice(clause, cast_votes[clause.id])
        assert (tally.chosen.option_id if tally.chosen else None) == want, clause.id
        assert tally.status == ("agreed" if want else "not agreed") and len(tally.voted) == 15
    final = session.final()
    assert final.outcome.adopted and (final.outcome.yes, final.outcome.abstain) == (14, 1)

    reread = json.loads(path.read_text(encoding="utf-8"))
    assert reread["format"] == chair.SESSION_FORMAT and reread["draft"] == draft.fingerprint
    assert len(reread["events"]) == len(plan) + 15
    assert [e["seq"] for e in reread["events"]] == list(range(1, len(plan) + 16))
    assert all(e["text"] == session.text().choices for e in reread["events"] if e["item"] == chair.FINAL)


# ------------------------------------------------------------------ votes handed in


def handin(
    folder, student, delegation, votes, final=None, notebook=chair.NOTEBOOK, when="2023-06-30T10:00:00.000Z", draft=None
):
    """A valid hand-in of notebook 07 with the given votes (clause -> {option: vote})."""
    draft = draft or chair.ZeroDraft.load()
    answers = {chair.DELEGATION_QUESTION: {"type": "single_choice", "value": delegation, "saved_at": when, "checks": 0}}
    for clause_id, ballot in votes.items():
        clause = draft.clause(clause_id)
        value = {clause.option(o).label: v for o, v in ballot.items()}
        answers[chair.vote_question(clause_id)] = {"type": "classify", "value": value, "saved_at": when, "checks": 0}
    if final:
        answers[chair.FINAL_QUESTION] = {"type": "single_choice", "value": final, "saved_at": when, "checks": 0}
    document = submission.build(notebook, {"id": student, "name": student.title()}, answers, when, when, "0.1.0")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{student}__{notebook}.json").write_text(json.dumps(document), encoding="utf-8")


def test_handed_in_votes_are_recorded_per_delegation(tmp_path, session):
    folder = tmp_path / "handins"
    handin(folder, "s1", "France", {"timeline": {"A": "yes", "B": "no", "C": "abstain"}}, final="yes")
    handin(folder, "s2", "France", {"timeline": {"A": "yes", "B": "no"}})  # a teammate who left C blank
    handin(folder, "s3", "Japan", {"timeline": {"A": "no"}, "civilians": {"C": "yes"}}, final="no")
    handin(folder, "s4", "Mali (host country)", {"timeline": {"B": "yes"}})
    handin(folder, "s5", "Ghana", {"timeline": {"A": "yes"}}, notebook="05_counting_to_nine")
    (folder / "notes.txt").write_text("not a hand-in", encoding="utf-8")
    report = session.import_handins(folder)
    assert report.students == 4 and report.recorded == 5
    assert session.ballots("timeline") == {"France": {"A": "yes", "B": "no", "C": "abstain"}, "Japan": {"A": "no"}}
    assert session.ballots("civilians") == {"Japan": {"C": "yes"}}
    assert session.ballots(chair.FINAL) == {"France": {"text": "yes"}, "Japan": {"text": "no"}}
    assert report.advisory == {"Mali (host country)": {"timeline": {"B": "yes"}}}
    assert "Mali (host country) (no vote) would have voted: timeline: B yes" in repr(report)
    again = session.import_handins(folder)
    assert again.recorded == 0 and len(session.events) == 5, "importing the same files twice records nothing twice"


def test_teammates_who_disagree_are_reported_not_recorded(tmp_path, session):
    folder = tmp_path / "handins"
    handin(folder, "s1", "China", {"camps": {"B": "yes"}})
    handin(folder, "s2", "China", {"camps": {"B": "no"}})
    report = session.import_handins(folder)
    assert report.recorded == 0 and session.ballots("camps") == {}
    assert report.conflicts == [
        "China, camps: its students (s1, s2) voted differently on option(s) B; ask the delegation in the room"
    ]


def test_a_new_hand_in_replaces_the_old_votes_and_bad_files_are_reported(tmp_path, session):
    folder = tmp_path / "handins"
    handin(folder, "s1", "Brazil", {"sofa": {"B": "yes"}}, when="2023-06-30T10:00:00.000Z")
    session.import_handins(folder)
    handin(folder, "s1", "Brazil", {"sofa": {"B": "no"}}, when="2023-06-30T11:00:00.000Z")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    report = session.import_handins(folder)
    assert session.ballots("sofa") == {"Brazil": {"B": "no"}}
    assert any("broken.json" in p for p in report.problems)
    missing = session.import_handins(tmp_path / "nowhere")
    assert missing.recorded == 0 and "there is no folder" in missing.problems[0]


def test_hand_ins_without_a_delegation_or_with_unknown_options_are_reported(tmp_path, session):
    folder = tmp_path / "handins"
    handin(folder, "s1", "Malta", {"plan": {"A": "yes"}})
    document = json.loads((folder / "s1__07_the_council_decides.json").read_text(encoding="utf-8"))
    document["answers"]["07.vote_plan"]["value"] = {"Z · a made-up option": "yes", "A · plan by 15 August 2023": "no"}
    del document["answers"][chair.DELEGATION_QUESTION]
    handin(folder, "s2", "Malta", {})
    rebuilt = submission.build(
        chair.NOTEBOOK,
        document["student"],
        document["answers"],
        document["created_at"],
        document["submitted_at"],
        "0.1.0",
    )
    (folder / "s1__07_the_council_decides.json").write_text(json.dumps(rebuilt), encoding="utf-8")
    report = session.import_handins(folder)
    assert any("no delegation chosen" in p for p in report.problems)
    assert report.recorded == 0


# ------------------------------------------------------------------ the projected panel


def test_the_panel_records_each_click_and_follows_the_session(session):
    panel = session.panel("timeline")
    panel.click("France", "A", "yes")
    panel.click("France", "C", "no")
    assert session.ballots("timeline") == {"France": {"A": "yes", "C": "no"}}
    assert "Saved France's vote" in panel.status.value
    assert "1 of 15 delegations have voted" in panel.tally_box.value
    panel.chooser.value = chair.FINAL
    panel.click("China", "text", "abstain")
    assert session.ballots(chair.FINAL) == {"China": {"text": "abstain"}}
    panel.chooser.value = "timeline"
    assert panel._toggles[("France", "C")].value == "no", "switching back shows the votes on file"


def test_the_panel_settles_and_reopens(session):
    panel = session.panel("plan")
    panel.settle_choice.value = panel.settle_choice.options[1]
    panel._settle()
    assert session.tally("plan").status == "agreed without a vote"
    panel.click("France", "A", "yes")
    assert "Not saved" in panel.status.value and session.ballots("plan") == {}
    panel._reopen()
    assert session.tally("plan").round == 2
