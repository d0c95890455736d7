"""The room's screen without a kernel: the two apps' callbacks called as a click would (as tests/test_chair.py
does for the chair's panel), the launcher's command, and the app notebooks.

In a real browser, through Voila: tests/test_screens_browser.py.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from test_chair import handin

from minusma import __main__ as cli
from minusma import chair, data, forecasts, paths, screens


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty work folder: no session on file."""
    folder = tmp_path / "work"
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(folder))
    return folder


def shown(widget) -> str:
    """Everything a widget tree puts on the page (HTML unescaped): HTML, labels, descriptions, the options offered."""
    parts = []
    for name in ("value", "description", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            parts.append(value)
    for option in getattr(widget, "options", ()) or ():
        parts.append(str(option))
    for child in getattr(widget, "children", ()) or ():
        parts.append(shown(child))
    return html.unescape("\n".join(parts))


# ------------------------------------------------------------------ lesson 07: the chair


def test_a_first_screen_offers_a_name_and_writes_nothing(work):
    screen = screens.ChairScreen()
    assert screen.session is None and screen.steps.value == "session"
    assert screen.name_box.value == screens.DEFAULT_SESSION
    assert "No session on file yet" in shown(screen.page)
    screen.go("vote")
    assert "Open a session first" in shown(screen.page)
    assert not (work / "chair").exists(), "looking is not voting: nothing is written"


def test_a_click_is_on_disk_at_once_and_a_reloaded_screen_reopens_the_latest_session(work):
    screen = screens.ChairScreen()
    assert screen.open("Group B")
    assert screen.steps.value == "draft", "a new meeting starts from the zero draft"
    screen.go("vote")
    screen.panel.click("France", "A", "yes")
    events = json.loads((work / "chair" / "Group-B.json").read_text(encoding="utf-8"))["events"]
    first_bracket = screen.session.draft.bracketed[0].id  # what the panel shows first
    assert [(e["item"], e["delegation"], e["ballot"]) for e in events] == [(first_bracket, "France", {"A": "yes"})]
    assert "Saved France's vote" in screen.panel.status.value
    assert "1 of 15 delegations have voted" in screen.panel.live.value and "<b>A</b>: 1 yes" in screen.panel.live.value

    reloaded = screens.ChairScreen()  # the page reloaded: a new kernel, a new app
    assert reloaded.session.name == "Group-B" and reloaded.steps.value == "standing"
    reloaded.go("vote")
    assert reloaded.panel._toggles[("France", "A")].value == "yes"
    assert "Group-B" in shown(reloaded.header) and "1 vote(s) already on file" in reloaded.status.value


def test_an_unusable_name_is_refused_on_screen(work):
    screen = screens.ChairScreen()
    assert not screen.open("../elsewhere")
    assert screen.session is None and "cannot be used" in screen.status.value


def test_each_step_reads_the_session_afresh_so_a_second_laptop_is_seen(work):
    screen = screens.ChairScreen()
    screen.open("room")
    chair.open_session("room").vote("timeline", "Japan", {"A": "no", "B": "yes"})  # the co-chair's laptop
    screen.go("standing")
    assert "1 of 15" in shown(screen.page) and "The Security Council," in shown(screen.page)
    screen.go("vote")
    screen.panel.chooser.value = "timeline"
    assert screen.panel._toggles[("Japan", "B")].value == "yes"
    clause = screen.session.draft.clause("timeline")
    assert html.escape(clause.question) in screen.bracket_title.value
    assert all(o.wording[:40] in screen.bracket_card.value for o in clause.options), "every option in full"


def test_the_final_vote_and_the_debrief(work):
    screen = screens.ChairScreen()
    screen.open("final-test")
    screen.go("final")
    assert screen.final_panel.chooser.layout.display == "none", "the final page takes only the final vote"
    screen.final_panel.click("China", "text", "abstain")
    screen.final_panel.click("France", "text", "yes")
    assert screen.session.ballots(chair.FINAL) == {"China": {"text": "abstain"}, "France": {"text": "yes"}}
    assert "1 yes, 0 no, 1 abstain" in screen.final_panel.live.value
    assert "The text being voted on" in shown(screen.page)
    screen.go("debrief")
    assert "resolution 2690" in shown(screen.page)
    saved = screen.save_text()
    assert saved.path.exists() and "Final vote:" in saved.path.read_text(encoding="utf-8")
    assert "Saved the class's text" in shown(screen.status)


def test_handed_in_votes_are_imported_and_the_projected_report_names_no_student(work, tmp_path):
    folder = tmp_path / "handins"
    handin(folder, "stu-ada", "China", {"camps": {"B": "yes"}})
    handin(folder, "stu-bea", "China", {"camps": {"B": "no"}})
    handin(folder, "stu-cyd", "Ghana", {"timeline": {"A": "yes"}}, final="yes")
    (folder / "stu-dee__07_the_council_decides.json").write_text("{", encoding="utf-8")
    screen = screens.ChairScreen()
    screen.open("import-test")
    screen.go("handins")
    screen.folder_box.value = str(folder)
    screen.import_handins()
    report = screen.report_box.value
    assert screen.session.ballots("timeline") == {"Ghana": {"A": "yes"}}
    assert "recorded 2 new vote(s)" in report
    assert "China, camps: its students voted differently on option(s) B" in report
    assert "1 hand-in problem(s) not shown" in report
    assert "stu-" not in report, "no student id or file name on the projected page"
    screen.show_files.value = True  # the chair, on their own screen
    assert "stu-dee" in screen.report_box.value


def test_a_missing_folder_of_hand_ins_is_said(work):
    screen = screens.ChairScreen()
    screen.open("nothing-yet")
    screen.folder_box.value = "no/such/folder"
    screen.import_handins()
    assert "There is no folder no/such/folder" in screen.report_box.value


def test_the_conflict_line_loses_its_student_ids_and_nothing_else():
    line = "China, camps: its students (s1, s2) voted differently on option(s) B; ask the delegation in the room"
    assert screens.anonymous_conflict(line) == (
        "China, camps: its students voted differently on option(s) B; ask the delegation in the room"
    )


def test_the_class_text_as_html_numbers_the_operative_paragraphs_as_the_markdown_does(work):
    session = chair.open_session("text")
    session.settle("timeline", "B")
    markdown, page = session.text().markdown(), session.text().html()
    numbered = [line.split(". ", 1)[0] for line in markdown.splitlines() if line[:1].isdigit()]
    assert numbered and all(f"<p>{n}. " in page for n in numbered)
    assert "Requests MINUSMA to withdraw without delay" in page and "not agreed (open)" in page


# ------------------------------------------------------------------ lesson 08: the reveal


@pytest.fixture
def revealed(work):
    screen = screens.RevealScreen()
    assert screen.load_demo(students=12)
    return screen


def test_the_reveal_steps_through_each_resolved_question_then_the_charts(revealed):
    table = data.load("forecast_resolutions")
    assert revealed.pages == ["setup", *table["question_id"], "calibration", "ranking"]
    assert revealed.index == 1 and revealed.reveal_button.disabled is False
    first = table.iloc[0]
    before = revealed.question_html(first["question_id"])
    assert first["question"] in html.unescape(before)
    assert "it happened" not in before and first["resolution_rule"][:30] not in before, "no outcome before the click"
    revealed.reveal()
    after = shown(revealed.page)
    assert ("Yes: it happened." if first["outcome"] else "No: it did not happen.") in after
    assert first["what_happened"][:60] in after and first["resolution_rule"][:60] in after
    assert first["source"][:40] in after and "0.250" in after
    assert revealed.reveal_button.disabled
    revealed.move(+100)
    assert revealed.pages[revealed.index] == "ranking" and "F01" in revealed.view.ranking["forecaster"].tolist()
    assert '<img src="data:image/png;base64,' in shown(revealed.page) and revealed.next_button.disabled
    revealed.move(-1)
    assert "Were we well calibrated?" in shown(revealed.page)
    revealed.move(-100)
    assert revealed.index == 0 and revealed.previous_button.disabled
    revealed.reveal()  # nothing to reveal on the set-up page
    assert revealed.revealed == {first["question_id"]}


def _hand_counted(folder: Path, question_id: str) -> list[float]:
    """The locked forecasts on one question, read straight from the demo class's files (not through the package),
    leaving out students who ticked it as already known."""
    knew, made = set(), {}
    for path in folder.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        student, answers = document["student"]["id"], document["answers"]
        ticked = answers.get(forecasts.ALREADY_KNEW_ID, {}).get("value") or []
        if any(str(t).startswith(question_id + ":") for t in ticked):
            knew.add(student)
        value = answers.get(question_id, {}).get("value")
        if value and value.get("locked_at"):
            made[student] = float(value["probability"])
    return [p for student, p in made.items() if student not in knew]


def test_the_crowd_brier_on_screen_is_the_one_counted_by_hand(revealed):
    question_id = "01.army_in_kidal"
    outcome = bool(data.load("forecast_resolutions").set_index("question_id").loc[question_id, "outcome"])
    values = _hand_counted(Path(revealed._demo.name), question_id)
    mean = sum(values) / len(values)
    crowd = (mean / 100 - (1 if outcome else 0)) ** 2
    revealed.index = revealed.pages.index(question_id)
    revealed.reveal()
    page = shown(revealed.page)
    assert f"{len(values)} forecasts made blind; the class's average: {mean:.0f} %" in page
    assert f"<td>{crowd:.3f}</td>" in page


def test_no_name_or_student_id_ever_reaches_the_screen(revealed):
    pages = []
    for _ in revealed.pages:
        revealed.reveal()
        pages.append(shown(revealed.widget))
        revealed.move(+1)
    everything = "\n".join(pages)
    assert "Demo Student" not in everything and "demo0" not in everything
    assert "F01" in "".join(revealed.view.ranking["forecaster"]), "anonymous labels are what the ranking shows"


def test_a_missing_or_empty_folder_is_said_and_the_reveal_stays_on_its_set_up(work, tmp_path):
    screen = screens.RevealScreen()
    assert not screen.load(tmp_path / "nowhere")
    assert "There is no folder" in screen.status.value and screen.pages == ["setup"]
    (tmp_path / "empty").mkdir()
    assert not screen.load(tmp_path / "empty")
    assert "No locked forecast" in screen.status.value
    assert screen.navigation.layout.display == "none", "nothing to step through yet"


def test_a_figure_becomes_a_described_picture_and_is_closed():
    fig, ax = plt.subplots()
    ax.set_title("small")
    markup = screens.figure_html(fig, 'Two "quoted" words.', "extra")
    assert markup.startswith('<figure class="extra"><img src="data:image/png;base64,')
    assert 'alt="Two &quot;quoted&quot; words."' in markup and "<figcaption>Two &quot;quoted" in markup
    assert not plt.fignum_exists(fig.number)


# ------------------------------------------------------------------ the launcher and the notebooks


def test_the_launcher_serves_the_app_notebook_with_the_offline_template():
    command = screens.voila_command("reveal", port=9123, open_browser=False)
    assert command[:3] == [command[0], "-m", "voila"]
    assert Path(command[3]) == paths.REPO_ROOT / "instructor" / "screen_08_reveal.ipynb"
    assert {"--port=9123", "--no-browser", "--template=minusma-screen", "--Voila.ip=127.0.0.1"} <= set(command)
    assert "--no-browser" not in screens.voila_command("chair")
    env = screens.voila_environment({"JUPYTER_PATH": "elsewhere"})
    assert env["JUPYTER_PATH"] == os.pathsep.join([str(screens.TEMPLATE_ROOT), "elsewhere"])
    template = screens.TEMPLATE_ROOT / "voila" / "templates" / screens.TEMPLATE
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert "screen" in cli.COMMANDS


def test_the_launcher_refuses_an_unknown_screen(capsys):
    with pytest.raises(SystemExit) as stopped:
        screens.main(["lectern"])
    assert stopped.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("app", sorted(screens.APPS))
def test_each_app_notebook_is_a_title_and_one_short_cell(app):
    notebook = nbformat.read(screens.notebook_path(app), as_version=4)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "code"] and notebook.cells[0].source.startswith("# ")
    code = notebook.cells[1].source
    assert len(code.splitlines()) <= 5 and "screens." in code and "=" not in code, "no setting lives in code"


def test_the_launcher_says_so_where_there_is_no_app_notebook(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(screens.paths, "REPO_ROOT", tmp_path)  # as in the student edition: no instructor/
    assert screens.main(["chair", "--no-browser"]) == 2
    assert "instructors' course" in capsys.readouterr().out
