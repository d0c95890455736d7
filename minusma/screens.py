"""The room's screen: lesson 07's chair and lesson 08's forecast reveal as full-screen apps, for projection.

``python -m minusma screen chair`` (or ``reveal``) serves ``instructor/screen_07_chair.ipynb``
(or ``instructor/screen_08_reveal.ipynb``) with Voila: the notebook runs, its app shows, its code
does not. In a running course JupyterLab the same apps open at
``/voila/render/instructor/screen_07_chair.ipynb`` (and ``.../screen_08_reveal.ipynb``).

Nothing is set in code. Each app asks on screen for what the instructor must choose: the session
(the sessions on file are offered, the latest one reopens by itself), the folder of hand-ins, or a
made-up class to rehearse with. Text is projector-sized (``.minusma-screen`` in
:mod:`minusma.ui`), and every control is a button, a list or a text box, so the keyboard alone
runs the meeting.

:class:`ChairScreen` (lesson 07)
    A thin face on :mod:`minusma.chair`: open or continue a session by name, the zero draft, the
    voting panel (every click saved to disk at once, so a reload or a crash loses nothing), where
    the meeting stands, the votes handed in, the final vote and the debrief against resolution
    2690. Hand-in problems name files, hence student ids: the screen only counts them unless the
    chair asks to see them.

:class:`RevealScreen` (lesson 08 only: it shows what happened after 30 June 2023)
    One forecast question at a time: the question, the class's forecasts as unlabelled dots and
    their average; then "Reveal what happened": the outcome, the rule that decides it and its
    source (``data/forecast_resolutions.csv``), and the Brier scores of the class's average and of
    always saying 50 %. At the end, the class's calibration chart and the ranking by anonymous
    label (F01, F02 ...). No name or student id is ever put on the screen.

The Voila template ``minusma-screen`` (``minusma/share/voila/templates/``) is Voila's own "lab"
template without the stylesheets and scripts it would fetch from a CDN: the apps work offline.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import chair, paths, ui

#: app name -> the notebook it opens (in ``instructor/``)
APPS = {"chair": "screen_07_chair.ipynb", "reveal": "screen_08_reveal.ipynb"}
#: The Voila template the launcher uses, and the Jupyter data folder that holds it.
TEMPLATE = "minusma-screen"
TEMPLATE_ROOT = Path(__file__).resolve().parent / "share"
DEFAULT_PORT = 8866
#: What the apps offer before the instructor types anything (relative to the course folder).
DEFAULT_SESSION = "my-class"
HANDINS_07 = "submissions/07"
HANDINS_ALL = "submissions"
#: Text in figures grows by this much on the screen (the course style is sized for a laptop).
SCREEN_TEXT_SCALE = 1.35


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _folder(typed: str) -> Path:
    """A folder as typed on the screen: relative to the course folder unless absolute (``~`` allowed)."""
    folder = Path(typed.strip()).expanduser()
    return folder if folder.is_absolute() else paths.REPO_ROOT / folder


def figure_html(fig, description: str, css_class: str = "") -> str:
    """A figure as an HTML ``<figure>``: the picture (its text enlarged for the room) with ``description``
    as both its alternative text and its visible caption. The figure is closed."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_fontsize(text.get_fontsize() * SCREEN_TEXT_SCALE)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")  # sharp on a 1920-pixel screen
    plt.close(fig)
    picture = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure class="{_esc(css_class)}"><img src="data:image/png;base64,{picture}" alt="{_esc(description)}">'
        f"<figcaption>{_esc(description)}</figcaption></figure>"
    )


class _App:
    """What both apps share: the stylesheet, a header, an optional row of steps, the page, a status line."""

    def __init__(self, steps: list[tuple[str, str]] | None = None):
        import ipywidgets as widgets

        self._w = widgets
        self.header = widgets.HTML()
        self.header.add_class("minusma-screen-header")
        self.steps = None
        if steps:
            self.steps = widgets.ToggleButtons(options=steps, value=steps[0][1], style={"button_width": "auto"})
            self.steps.add_class("minusma-screen-steps")
            self.steps.observe(lambda change: self.show(change["new"]), names="value")
        self.page = widgets.VBox()
        self.status = widgets.HTML()
        parts = [ui.stylesheet(), self.header] + ([self.steps] if self.steps else []) + [self.page, self.status]
        self.widget = widgets.VBox(parts)
        self.widget.add_class("minusma-screen")

    def go(self, step: str) -> None:
        """Show ``step`` (and light its button)."""
        if self.steps is not None and self.steps.value != step:
            self.steps.value = step  # the observer shows it
        else:
            self.show(step)

    def show(self, step: str) -> None:  # pragma: no cover (each app has its own)
        raise NotImplementedError

    def say(self, text: str, warning: bool = False) -> None:
        """One line under the page: what just happened, or what went wrong."""
        css = "minusma-screen-warning" if warning else "minusma-screen-said"
        mark = "⚠ " if warning else ""
        self.status.value = f'<p class="{css}" role="status">{mark}{_esc(text)}</p>'

    def _html(self, markup: str):
        return self._w.HTML(markup, layout=self._w.Layout(width="100%"))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


# --------------------------------------------------------------------------
# Lesson 07: the chair
# --------------------------------------------------------------------------


def session_files() -> list[Path]:
    """The chair's session files in the work folder, the most recently saved first."""
    folder = chair.sessions_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("*.json") if ".corrupt-" not in p.name]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def _votes_on_file(path: Path) -> str:
    """How many votes a session file holds, read without opening the session (which could set a bad file aside)."""
    try:
        events = json.loads(path.read_text(encoding="utf-8"))["events"]
        return str(sum(1 for e in events if e.get("kind") == "vote"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "cannot be read (opening it sets it aside and starts afresh)"


def anonymous_conflict(conflict: str) -> str:
    """A hand-in conflict without the student ids it names: "China, camps: its students voted differently ..."."""
    return re.sub(r"its students \([^()]*\) voted", "its students voted", conflict)


def live_tally(tally) -> str:
    """Where a vote stands, in two short lines for the bar at the foot of the screen."""
    if isinstance(tally, chair.FinalTally):
        return f"<b>{_esc(tally.explain())}</b>"
    parts = []
    for option in tally.options:
        outcome = option.outcome
        if outcome.adopted:
            verdict = "passes"
        elif outcome.vetoed_by:
            verdict = "vetoed by " + ", ".join(outcome.vetoed_by)
        else:
            verdict = "short of nine yes"
        chosen = " ✔" if tally.chosen is not None and tally.chosen.option_id == option.option.option_id else ""
        parts.append(
            f"<b>{_esc(option.option.option_id)}</b>: {outcome.yes} yes · {outcome.no} no · "
            f"{outcome.abstain} abstain, {_esc(verdict)}{chosen}"
        )
    return f"<b>{_esc(tally.explain())}</b><br>" + " &nbsp;|&nbsp; ".join(parts)


class ScreenVotingPanel(chair.VotingPanel):
    """The chair's voting panel for the room: narrowed to fit three options' buttons across a 1280-pixel
    projector, with where the vote stands and the last save in a bar that stays in view (at the foot of
    the window in Voila) while the chair works down the fifteen delegations."""

    NAME_WIDTH, COLUMN_WIDTH, BUTTON_WIDTH = "12em", "15.6em", "4.9em"

    def __init__(self, session: chair.Session, item: str | None = None):
        import ipywidgets as widgets

        self.live = widgets.HTML()
        super().__init__(session, item)
        bar = widgets.VBox([self.live, self.status])
        bar.add_class("minusma-screen-live")
        chooser, rows, tally, buttons, _status = self.widget.children
        self.widget.children = [chooser, rows, bar, tally, buttons]

    def _show_tally(self) -> None:
        super()._show_tally()
        tally = self.session.final() if self.item == chair.FINAL else self.session.tally(self.item)
        self.live.value = live_tally(tally)


class ChairScreen(_App):
    """Lesson 07's meeting, on the room's screen: steps from opening the session to the debrief.

    Every vote goes through :mod:`minusma.chair`, which saves it to disk at once; the screen keeps
    nothing of its own, so reloading the page (or a crash) loses nothing: the latest session
    reopens by itself.
    """

    STEPS = [
        ("1 · Session", "session"),
        ("2 · Zero draft", "draft"),
        ("3 · Vote on brackets", "vote"),
        ("4 · Where we stand", "standing"),
        ("5 · Hand-ins", "handins"),
        ("6 · Final vote", "final"),
        ("7 · Debrief", "debrief"),
    ]

    def __init__(self):
        super().__init__(self.STEPS)
        w = self._w
        self.session: chair.Session | None = None
        self.panel: ScreenVotingPanel | None = None
        self.final_panel: ScreenVotingPanel | None = None
        names = [p.stem for p in session_files()]
        self.name_box = w.Combobox(
            value=names[0] if names else DEFAULT_SESSION,
            options=names,
            ensure_option=False,
            description="Session name:",
            placeholder="one name per class group",
            style={"description_width": "initial"},
            layout=w.Layout(width="26em"),
        )
        self.open_button = w.Button(description="Open or continue", button_style="primary")
        self.open_button.on_click(lambda _b: self.open(self.name_box.value))
        self.folder_box = w.Text(
            value=HANDINS_07,
            description="Folder of 07 hand-ins:",
            style={"description_width": "initial"},
            layout=w.Layout(width="30em"),
        )
        self.import_button = w.Button(description="Import the votes handed in", button_style="primary")
        self.import_button.on_click(lambda _b: self.import_handins())
        self.show_files = w.Checkbox(
            value=False,
            description="Show file names and student ids (not for the projector)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.show_files.observe(lambda _c: self._show_report(), names="value")
        self.report_box = self._html("")
        self._report: chair.ImportReport | None = None
        self.refresh_button = w.Button(description="Show the latest", layout=w.Layout(align_self="flex-start"))
        self.refresh_button.on_click(lambda _b: self.show(self.steps.value))
        self.save_button = w.Button(
            description="Save the class's text", button_style="primary", layout=w.Layout(align_self="flex-start")
        )
        self.save_button.on_click(lambda _b: self.save_text())
        self.bracket_title = self._html("")
        self.bracket_card = self._html("")
        self._header()
        if names:
            self.open(names[0])
        else:
            self.show("session")

    # -- actions --------------------------------------------------------------------

    def open(self, name: str) -> bool:
        """Open the session called ``name`` (or start it); False, with the reason on screen, if the name is not usable."""
        try:
            session = chair.open_session((name or "").strip())
        except ValueError as problem:
            self.say(f"That name cannot be used: {problem}.", warning=True)
            return False
        self.session = session
        self.panel = ScreenVotingPanel(session)
        self.panel.chooser.observe(lambda _c: self._show_bracket(), names="value")
        self.final_panel = ScreenVotingPanel(session, chair.FINAL)
        for unused in (self.final_panel.chooser, self.final_panel.settle_choice, self.final_panel.settle_button):
            unused.layout.display = "none"  # this panel only ever takes the final vote
        self.name_box.options = [p.stem for p in session_files()]
        self.name_box.value = session.name
        self._header()
        votes = sum(1 for e in session.events if e["kind"] == "vote")
        if session.notice:
            self.say(session.notice, warning=True)
        else:
            state = f"continued: {votes} vote(s) already on file" if session.events else "new"
            self.say(f"Session {session.name} is open ({state}). Every vote is saved the moment it is clicked.")
        self.go("standing" if session.events else "draft")
        return True

    def import_handins(self) -> None:
        """Record the votes in the folder of hand-ins typed on screen (the same files twice record nothing twice)."""
        if self.session is None:
            return
        folder = _folder(self.folder_box.value)
        if not folder.is_dir():
            self._report = None
            self.report_box.value = (
                f'<p class="minusma-screen-warning">There is no folder {_esc(paths.display_path(folder))} (yet). '
                "Put the downloaded hand-ins of notebook 07 there, or type the folder that holds them.</p>"
            )
            return
        self._report = self.session.import_handins(folder)
        self._show_report()
        self.say(f"Read the hand-ins in {paths.display_path(folder)}.")

    def save_text(self) -> chair.SavedFile | None:
        """Write the class's text beside the session file and say where."""
        if self.session is None:
            return None
        saved = self.session.save_text()
        self.say(repr(saved))
        return saved

    # -- pages -------------------------------------------------------------------------

    def show(self, step: str) -> None:
        """Fill the page with ``step``, read afresh from the session file."""
        if step != "session" and self.session is None:
            self.page.children = [
                self._html("<h2>Open a session first</h2><p>Step 1: type the class group's session name.</p>")
            ]
            return
        self.page.children = getattr(self, f"_page_{step}")()

    def _header(self) -> None:
        if self.session is None:
            self.header.value = "<p class='minusma-screen-said'>No session open yet.</p>"
        else:
            self.header.value = (
                f"<p class='minusma-screen-said'>Session {_esc(self.session.name)} · every vote is saved the "
                "moment it is clicked</p>"
            )

    def _page_session(self) -> list:
        rows = "".join(
            f"<tr><td>{_esc(p.stem)}</td><td>{_votes_on_file(p)}</td>"
            f"<td>{_esc(ui.readable_time(_mtime_iso(p)))}</td></tr>"
            for p in session_files()
        )
        table = (
            f"<table><tr><th>session</th><th>votes on file</th><th>last saved</th></tr>{rows}</table>"
            if rows
            else "<p>No session on file yet.</p>"
        )
        intro = (
            "<h2>Which class's meeting?</h2><p>Type a name for this class group, or choose one on file. The same "
            "name carries on where it stopped, with every vote cast so far; a new name starts a new meeting.</p>"
        )
        return [self._html(intro), self._w.HBox([self.name_box, self.open_button]), self._html(table)]

    def _page_draft(self) -> list:
        intro = (
            "<h2>The zero draft</h2><p>Seven clauses in brackets, each with two or three options; "
            "option A is the penholder's proposal. Delegations vote on each option.</p>"
        )
        return [self._html(intro + self.session.draft._repr_html_())]

    def _page_vote(self) -> list:
        self.panel.refresh()
        self._show_bracket()
        return [self.bracket_title, self.panel.widget, self.bracket_card]

    def _show_bracket(self) -> None:
        """The bracket being voted on: its question above the buttons, its options in full below them."""
        if self.panel is None:
            return
        if self.panel.item == chair.FINAL:
            self.bracket_title.value = (
                "<p><i>The final vote on the whole text: step 6 shows the text beside it.</i></p>"
            )
            self.bracket_card.value = ""
            return
        clause = self.session.draft.clause(self.panel.item)
        options = "".join(
            f"<li><b>{_esc(o.option_id)}</b>: {_esc(o.wording)} <span class='minusma-screen-small'>"
            f"({_esc(o.origin)})</span></li>"
            for o in clause.options
        )
        self.bracket_title.value = f"<p><i>{_esc(clause.question)}</i></p>"
        self.bracket_card.value = f"<h2>The options in full</h2><ul>{options}</ul>"

    def _page_standing(self) -> list:
        summary = self.session.summary()
        markup = (
            "<h2>Where the meeting stands</h2>"
            + summary._repr_html_()
            + "<h3>The class's text as it stands</h3>"
            + self.session.text().html()
        )
        return [self.refresh_button, self._html(markup)]

    def _page_handins(self) -> list:
        intro = (
            "<h2>Votes handed in</h2><p>Students record their delegation and votes in exercise 07 and hand in. "
            "Each file is checked and nothing in it is run; importing the same files twice records nothing "
            "twice. Students of one delegation who voted differently are not recorded: settle it in the room.</p>"
        )
        return [
            self._html(intro),
            self._w.HBox([self.folder_box, self.import_button]),
            self.show_files,
            self.report_box,
        ]

    def _show_report(self) -> None:
        report = self._report
        if report is None:
            return
        parts = [
            f"<p class='minusma-screen-said'>Read the hand-ins of {report.students} student(s); "
            f"recorded {report.recorded} new vote(s).</p>"
        ]
        if report.conflicts:
            items = "".join(f"<li>{_esc(anonymous_conflict(c))}</li>" for c in report.conflicts)
            parts.append(f"<h3>To settle in the room</h3><ul>{items}</ul>")
        for role, items in report.advisory.items():
            said = "; ".join(
                f"{_esc(item)}: {', '.join(f'{_esc(o)} {_esc(v)}' for o, v in ballot.items())}"
                for item, ballot in items.items()
            )
            parts.append(f"<p>{_esc(role)} (no vote) would have voted: {said}</p>")
        if report.problems and self.show_files.value:
            items = "".join(f"<li>{_esc(p)}</li>" for p in report.problems)
            parts.append(f"<h3>Not used</h3><ul>{items}</ul>")
        elif report.problems:
            parts.append(
                f"<p>{len(report.problems)} hand-in problem(s) not shown: they name files and student ids. "
                "Tick the box above on your own screen to read them.</p>"
            )
        self.report_box.value = "".join(parts)

    def _page_final(self) -> list:
        self.final_panel.refresh()
        intro = (
            "<h2>The final vote on the whole text</h2><p>One vote per delegation on the text as it stands "
            "(below). A vote cast before a bracket changed is not counted; the tally names who must vote again.</p>"
        )
        text = self._html("<h3>The text being voted on</h3>" + self.session.text().html())
        text.layout = self._w.Layout(flex="1 1 22em", min_width="18em")
        self.final_panel.widget.layout.width = "30em"  # the delegations and one column of buttons
        side_by_side = self._w.HBox([self.final_panel.widget, text])
        side_by_side.add_class("minusma-screen-columns")
        return [self._html(intro), side_by_side]

    def _page_debrief(self) -> list:
        markup = (
            "<h2>Our text and resolution 2690</h2><p>Bracket by bracket: the option in the class's text beside "
            "the one in resolution 2690, adopted on 30 June 2023.</p>" + self.session.compare_with_2690()._repr_html_()
        )
        return [self._html(markup), self.save_button]

    def __repr__(self) -> str:
        return f"<ChairScreen {self.session.name if self.session else '(no session)'}: {self.steps.value}>"


def _mtime_iso(path: Path) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat()


# --------------------------------------------------------------------------
# Lesson 08: the forecast reveal
# --------------------------------------------------------------------------

STRIP_SOURCE = "class hand-ins, notebooks 00–07 (forecasts made blind)"
OUTCOME_SOURCE = "outcome: data/forecast_resolutions.csv"


class RevealScreen(_App):
    """Lesson 08's reveal, one forecast question at a time, then the calibration chart and the ranking.

    Pages: the set-up (which hand-ins), one per resolved question, then the class's calibration and
    the anonymised ranking. Forecasts ticked as already known are left out, as in the class view
    (:func:`minusma.forecasts.class_forecasts`).
    """

    def __init__(self):
        super().__init__()
        w = self._w
        self.view = None
        self.resolutions: dict[str, dict] = {}
        self.pages: list[str] = ["setup"]
        self.index = 0
        self.revealed: set[str] = set()
        self.class_name = ""
        self._demo: tempfile.TemporaryDirectory | None = None
        self.folder_box = w.Text(
            value=HANDINS_ALL,
            description="Folder of the class's hand-ins:",
            style={"description_width": "initial"},
            layout=w.Layout(width="32em"),
        )
        self.load_button = w.Button(description="Load the class's forecasts", button_style="primary")
        self.load_button.on_click(lambda _b: self.load(_folder(self.folder_box.value)))
        self.demo_button = w.Button(
            description="Rehearse with a made-up class", layout=w.Layout(align_self="flex-start")
        )
        self.demo_button.on_click(lambda _b: self.load_demo())
        self.previous_button = w.Button(description="◀ Previous")
        self.reveal_button = w.Button(description="Reveal what happened", button_style="primary")
        self.next_button = w.Button(description="Next ▶")
        self.previous_button.on_click(lambda _b: self.move(-1))
        self.next_button.on_click(lambda _b: self.move(+1))
        self.reveal_button.on_click(lambda _b: self.reveal())
        self.navigation = w.HBox([self.previous_button, self.reveal_button, self.next_button])
        self.widget.children = [self.widget.children[0], self.header, self.navigation, self.page, self.status]
        self.show("setup")

    # -- actions --------------------------------------------------------------------

    def load(self, folder: Path, made_up: bool = False) -> bool:
        """Read and score the forecasts in a folder of hand-ins; go to the first question. False if there are none."""
        import pandas as pd

        from . import data, forecasts

        folder = Path(folder)
        if not folder.is_dir():
            self.say(
                f"There is no folder {paths.display_path(folder)}. Put the hand-ins of notebooks 00–08 there, "
                "or rehearse with a made-up class.",
                warning=True,
            )
            return False
        view = forecasts.class_forecasts(folder)
        if view.forecasts.empty:
            unusable = f" ({len(view.problems)} file(s) could not be used)" if view.problems else ""
            self.say(
                f"No locked forecast with a known outcome in {paths.display_path(folder)}{unusable}.", warning=True
            )
            return False
        table = data.load("forecast_resolutions")
        resolved = forecasts.outcomes()
        self.resolutions = {
            str(row["question_id"]): row
            for row in table.to_dict("records")
            if str(row["question_id"]) in resolved and pd.notna(row["outcome"])
        }
        self.view = view
        self.pages = ["setup", *self.resolutions, "calibration", "ranking"]
        self.revealed = set()
        students = len(view.ranking)
        self.class_name = f"a made-up class of {students}" if made_up else f"{students} forecasters"
        skipped = f"; {len(view.problems)} file(s) could not be used" if view.problems else ""
        self.say(f"Loaded the forecasts of {self.class_name}{skipped}. Names and ids stay off the screen.")
        self.index = 1
        self.show(self.pages[self.index])
        return True

    def load_demo(self, students: int = 16) -> bool:
        """Write a made-up class into a temporary folder (removed when the app ends) and load it."""
        from . import forecasts

        self._demo = tempfile.TemporaryDirectory(prefix="minusma-demo-class-")
        forecasts.write_demo_class(Path(self._demo.name), n_students=students)
        return self.load(Path(self._demo.name), made_up=True)

    def move(self, step: int) -> None:
        """Go ``step`` pages on (or back)."""
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self.show(self.pages[self.index])

    def reveal(self) -> None:
        """Show what happened on the current question."""
        page = self.pages[self.index]
        if page in self.resolutions:
            self.revealed.add(page)
            self.show(page)

    # -- pages -------------------------------------------------------------------------

    def show(self, page: str) -> None:
        on_question = page in self.resolutions
        self.previous_button.disabled = self.index == 0
        self.next_button.disabled = self.index >= len(self.pages) - 1 or self.view is None
        self.reveal_button.disabled = page in self.revealed
        self.reveal_button.layout.display = None if on_question else "none"
        self.navigation.layout.display = "none" if page == "setup" and self.view is None else None
        self.header.value = (
            f"<p class='minusma-screen-said'>The forecasts of {_esc(self.class_name)} · no names on this screen</p>"
            if self.class_name
            else ""
        )
        if page == "setup":
            self.page.children = self._page_setup()
        elif on_question:
            self.page.children = [self._html(self.question_html(page))]
        elif page == "calibration":
            self.page.children = [self._html(self.calibration_html())]
        else:
            self.page.children = [self._html(self.ranking_html())]

    def _page_setup(self) -> list:
        intro = (
            "<h2>Whose forecasts?</h2><p>The folder of the class's hand-ins of notebooks 00–08 (sub-folders are "
            "read too), or a made-up class to rehearse with. Nothing in the hand-ins is run. No name or student "
            "id appears on this screen: forecasts show as unlabelled dots, averages and anonymous labels "
            "(F01, F02 ...). Forecasts ticked as already known in 08 are left out.</p>"
        )
        return [self._html(intro), self._w.HBox([self.folder_box, self.load_button]), self.demo_button]

    def _blind(self, question_id: str) -> list[float]:
        made = self.view.blind()
        return [float(p) for p in made.loc[made["question_id"] == question_id, "probability"]]

    def question_html(self, question_id: str) -> str:
        """A question's page: the question and the strip of forecasts; once revealed, the outcome and the scores."""
        from . import forecasts, plots

        row = self.resolutions[question_id]
        revealed = question_id in self.revealed
        outcome = bool(row["outcome"])
        values = self._blind(question_id)
        known = self.view.forecasts
        known = int((known["already_knew"] & (known["question_id"] == question_id)).sum())
        number = list(self.resolutions).index(question_id) + 1
        mean = sum(values) / len(values) if values else None
        said = (
            f"{len(values)} forecasts made blind; the class's average: {mean:.0f} %."
            if values
            else "Nobody locked a forecast on this question without knowing the outcome."
        )
        if known:
            said += f" {known} more, ticked as already known, {'is' if known == 1 else 'are'} left out."
        description = (
            "Each dot is one forecast made blind, at its probability from 0 to 100 %; equal forecasts are "
            "stacked. The diamond is the class's average"
            + (f" ({mean:.0f} %)." if mean is not None else ".")
            + (
                f" The star marks what happened: {'yes, at 100 %' if outcome else 'no, at 0 %'}."
                if revealed and values
                else ""
            )
        )
        fig = plots.forecast_strip_chart(
            values,
            outcome=outcome if revealed else None,
            source=[STRIP_SOURCE] + ([OUTCOME_SOURCE] if revealed else []),
            title=f"The class's forecasts on question {number}",
            show=False,
        )
        parts = [
            f"<p class='minusma-screen-small'>Question {number} of {len(self.resolutions)} · asked in notebook "
            f"{_esc(row['notebook'])} ({_esc(question_id)})</p>",
            f"<h2>{_esc(row['question'])}</h2>",
        ]
        if revealed:  # what happened first, under the question, where the room is looking
            scores = self.view.questions.set_index("question_id")
            crowd = f"{scores.loc[question_id, 'crowd_brier']:.3f}" if question_id in scores.index else "—"
            students = f"{scores.loc[question_id, 'mean_brier']:.3f}" if question_id in scores.index else "—"
            parts += [
                f"<p class='minusma-screen-outcome'>{'Yes: it happened.' if outcome else 'No: it did not happen.'}</p>",
                f"<p>{_esc(row['what_happened'])}</p>",
                "<table><tr><th>Brier score on this question (lower is better)</th><th>score</th></tr>"
                f"<tr><td>the class's average forecast (the crowd)</td><td>{crowd}</td></tr>"
                f"<tr><td>the average of the students' own scores</td><td>{students}</td></tr>"
                f"<tr><td>always saying 50 % (no skill)</td><td>{forecasts.NO_SKILL_BRIER:.3f}</td></tr></table>",
            ]
        parts += [figure_html(fig, description, "minusma-screen-strip"), f"<p>{_esc(said)}</p>"]
        if revealed:
            resolved_on = row["resolved_on"]
            day = f"{resolved_on.day} {resolved_on:%B %Y}" if str(resolved_on) != "NaT" else "not given"
            parts += [
                f"<h3>The rule, written before the outcome</h3><p>{_esc(row['resolution_rule'])}</p>",
                f"<p class='minusma-screen-small'>Resolved on {_esc(day)}. Source: {_esc(row['source'])} "
                f"(confidence: {_esc(row['confidence'])}).</p>",
            ]
        return "".join(parts)

    def calibration_html(self) -> str:
        """The class's calibration chart: every forecast made blind, pooled, with no labels."""
        from . import plots

        blind = self.view.blind()
        fig = plots.calibration_chart(
            blind["probability"],
            blind["outcome"],
            title="The class's forecasts against what happened",
            source=["class hand-ins, notebooks 00–07", "outcomes: data/forecast_resolutions.csv"],
            note="forecasts ticked as already known are left out",
            show=False,
        )
        description = (
            "Forecast probability (0–100 %) across, share of events that happened up the side. Each tick is a "
            "forecast, at the top if the event happened and at the bottom if not; each dot is a band of 20 "
            "points. Dots on the dashed diagonal mean well calibrated forecasts."
        )
        return "<h2>Were we well calibrated?</h2>" + figure_html(fig, description)

    def ranking_html(self) -> str:
        """The ranking by anonymous label, with the always-50 % forecaster and the class's average as lines."""
        from . import forecasts, plots

        ranking = self.view.ranking
        fig = plots.brier_ranking_chart(
            ranking["forecaster"],
            ranking["mean_brier"],
            references={
                "no skill: always 50 %": forecasts.NO_SKILL_BRIER,
                "the class's average forecast": self.view.crowd_brier,
            },
            source=["class hand-ins, notebooks 00–07", "outcomes: data/forecast_resolutions.csv"],
            note="labels are anonymous; forecasts ticked as already known are left out",
            show=False,
        )
        fig.set_size_inches(13, 0.3 * len(ranking) + 2.2)  # wider than tall, to fill a 16:9 screen
        beat = int((ranking["mean_brier"] < self.view.crowd_brier).sum())
        description = (
            "One bar per anonymous forecaster label, best (shortest) at the top, with its mean Brier score; "
            f"a dashed line at 0.25 for always saying 50 % and a second line for the class's average forecast "
            f"({self.view.crowd_brier:.3f}). {beat} of {len(ranking)} forecasters beat the class's average."
        )
        return (
            "<h2>The ranking (anonymous labels)</h2><p>Each student can ask privately for their own label.</p>"
            + figure_html(fig, description)
        )

    def __repr__(self) -> str:
        return f"<RevealScreen page {self.index}: {self.pages[self.index]}>"


# --------------------------------------------------------------------------
# Command line: python -m minusma screen chair|reveal [--port N] [--no-browser]
# --------------------------------------------------------------------------


def notebook_path(app: str) -> Path:
    """The notebook an app runs from (``instructor/screen_07_chair.ipynb`` ...)."""
    return paths.REPO_ROOT / "instructor" / APPS[app]


def voila_command(app: str, port: int = DEFAULT_PORT, open_browser: bool = True) -> list[str]:
    """The Voila command that serves ``app`` on ``127.0.0.1:port`` with the offline template, code hidden."""
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook_path(app)),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--template={TEMPLATE}",
        "--theme=light",
        "--strip_sources=True",
    ]
    return command if open_browser else [*command, "--no-browser"]


def voila_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voila: the course's template folder first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(TEMPLATE_ROOT), env.get("JUPYTER_PATH")]))
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma screen",
        description=(
            "Serve the room's screen with Voila, no code shown: 'chair' is lesson 07's meeting "
            "(instructor/screen_07_chair.ipynb), 'reveal' lesson 08's forecast reveal "
            "(instructor/screen_08_reveal.ipynb; it shows outcomes, so only in session 08). "
            "Ctrl-C stops it."
        ),
    )
    parser.add_argument("app", choices=sorted(APPS), help="which screen: chair (07) or reveal (08)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser (the address is printed)")
    args = parser.parse_args(argv)
    if not notebook_path(args.app).exists():  # the student edition has no instructor/ folder
        print(
            f"No {paths.display_path(notebook_path(args.app))} here: the room's screen is in the instructors' course."
        )
        return 2
    try:
        import voila  # noqa: F401
    except ImportError:
        print(
            "Voila is not installed for this Python. Run the course's own: .venv/bin/python -m minusma screen "
            f"{args.app} (on Windows .venv\\Scripts\\python); python course.py start installs it.",
            file=sys.stderr,
        )
        return 2
    print(f"Starting the room's screen ({args.app}); Voila prints its address below. Ctrl-C stops it.", flush=True)
    child = subprocess.Popen(
        voila_command(args.app, args.port, open_browser=not args.no_browser),
        env=voila_environment(),
        cwd=paths.REPO_ROOT,
    )

    def stop(_signum, _frame):
        child.terminate()  # only the server this command started

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reaches Voila too; let it shut its kernels down
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
