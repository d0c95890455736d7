"""The decision journal: a student's earlier entries, shown again in a later lesson.

Each lesson from 00 to 07 ends with a written question ``NN.journal`` (not
graded), saved like any answer. Lessons 07 and 08 show the entries written so
far, so that a student can see how their advice moved::

    from minusma import journal
    journal.earlier(["05_counting_to_nine", "06_designing_the_drawdown"])

Only the student's own answers file is read (or, in a solutions notebook, the
solutions copy's); nothing is written.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from . import paths
from . import store as _store


@dataclass(frozen=True)
class Entry:
    """One journal entry: its notebook, question id, text (None if not written) and when it was saved."""

    notebook: str
    qid: str
    text: str | None
    saved_at: str | None


def journal_id(notebook: str) -> str:
    """The id of a notebook's journal question: ``"05_counting_to_nine"`` -> ``"05.journal"``."""
    if not paths.NOTEBOOK_NAME.match(notebook):
        raise ValueError(f"notebook name {notebook!r} must look like '05_counting_to_nine'")
    return f"{notebook[:2]}.journal"


def entries(notebooks: list[str]) -> list[Entry]:
    """The saved journal entry of each notebook, in the order given."""
    found = []
    for notebook in notebooks:
        qid = journal_id(notebook)
        entry = _store.get_store(notebook).entry(qid)
        text = entry.get("value") if entry else None
        found.append(
            Entry(
                notebook,
                qid,
                text if isinstance(text, str) and text.strip() else None,
                entry.get("saved_at") if entry else None,
            )
        )
    return found


@dataclass(frozen=True)
class JournalView:
    """The entries, shown as a short list (or plain text outside a notebook)."""

    items: tuple[Entry, ...]

    def __repr__(self) -> str:
        lines = []
        for e in self.items:
            lines.append(f"{e.qid} ({e.notebook}): " + (e.text if e.text else "not written yet"))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for e in self.items:
            body = (
                html.escape(e.text).replace("\n", "<br>")
                if e.text
                else "<i>Not written yet: open that notebook's exercise and write it, then run this cell again.</i>"
            )
            when = f" <small>(saved {html.escape(e.saved_at[:10])})</small>" if e.saved_at and e.text else ""
            rows.append(
                f"<li><b>{html.escape(e.qid)}</b> <small>{html.escape(e.notebook)}</small>{when}<br>{body}</li>"
            )
        return "<ul>" + "".join(rows) + "</ul>"


def earlier(notebooks: list[str]) -> JournalView:
    """Show the journal entries of ``notebooks`` (e.g. ``["05_counting_to_nine"]``)."""
    return JournalView(tuple(entries(notebooks)))
