"""Ungraded "try it" widgets for the lesson notebooks.

They let a student poke at a dataset without writing code yet; nothing here
is saved or graded (graded questions live in :mod:`minusma.questions`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

ALL = "(all)"


def rows_matching(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """The rows whose ``column`` equals ``value`` (every row for ``"(all)"``)."""
    if column not in frame.columns:
        raise KeyError(f"no column '{column}'; the columns are: {', '.join(map(str, frame.columns))}")
    if value == ALL:
        return frame
    return frame[frame[column].astype("string") == value]


def filter_table(
    frame: pd.DataFrame, column: str, show: Sequence[str] | None = None, description: str | None = None
) -> widgets.VBox:
    """A drop-down of the values in ``column`` and the matching rows beneath it.

    ``show`` picks the columns to display (all by default). The table shows
    how many rows match, so a student can check a count they computed.
    """
    values = [ALL] + sorted(str(v) for v in frame[column].dropna().unique())
    chooser = widgets.Dropdown(
        options=values, value=ALL, description=description or column, style={"description_width": "initial"}
    )
    count = widgets.Label()
    table = widgets.HTML()
    columns = list(show) if show else list(frame.columns)

    def refresh(_change=None):
        matching = rows_matching(frame, column, chooser.value)
        count.value = f"{len(matching)} of {len(frame)} rows"
        table.value = matching[columns].to_html(index=False, na_rep="–", escape=True, border=0)

    chooser.observe(refresh, names="value")
    refresh()
    return widgets.VBox([chooser, count, table])


def council_ballot(
    members: Sequence[str],
    permanent: Sequence[str],
    start: dict[str, str] | None = None,
    title: str = "What if? Change any vote",
) -> widgets.VBox:
    """A Council ballot to play with: yes / no / abstain for each member, and the outcome as votes change.

    ``start`` (member -> "yes" / "no" / "abstain") sets the first ballot, for
    example a real vote to alter; members it leaves out start with no vote.
    **Start again** brings it back. Nothing is saved or graded: this is the
    lesson's simulator, and the outcome comes from the Charter rule as the
    course writes it (:func:`minusma.spec.council_outcome`). The exercise asks
    students to write that rule themselves.
    """
    from . import spec  # late: spec reads the rubric file, which only widgets need

    members, permanent = list(members), list(permanent)
    unknown = sorted(set(permanent) - set(members))
    if unknown:
        raise ValueError(f"permanent members missing from members: {', '.join(unknown)}")
    start = dict(start or {})
    strangers = sorted(set(start) - set(members))
    if strangers:
        raise ValueError(f"the starting ballot names non-members: {', '.join(strangers)}")
    bad = sorted({v for v in start.values() if v not in spec.VOTE_CHOICES})
    if bad:
        raise ValueError(f"a vote is yes, no or abstain, not {', '.join(map(repr, bad))}")
    buttons = {}
    for member in members:
        name = member + (" (permanent)" if member in permanent else "")
        buttons[member] = widgets.ToggleButtons(
            options=list(spec.VOTE_CHOICES),
            value=start.get(member),
            description=name,
            style={"description_width": "16em", "button_width": "6em"},
        )
    outcome = widgets.HTML()

    def refresh(_change=None):
        ballot = {m: b.value for m, b in buttons.items() if b.value is not None}
        result = spec.council_outcome(ballot, permanent, members)
        outcome.value = f"<b>Outcome:</b> {html.escape(result.explain())}"

    def start_again(_button=None):
        for member, button in buttons.items():
            button.value = start.get(member)

    for button in buttons.values():
        button.observe(refresh, names="value")
    reset = widgets.Button(description="Start again", icon="undo", tooltip="Back to the starting ballot")
    reset.on_click(start_again)
    refresh()
    header = widgets.HTML(f"<b>{html.escape(title)}</b> <small>(not saved, not graded)</small>")
    return widgets.VBox([header, *buttons.values(), outcome, reset])
