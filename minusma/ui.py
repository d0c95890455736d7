"""What every course widget shares on the page: the module's stylesheet and times shown to people.

Used by the question widgets (:mod:`minusma.questions`) and the hand-in button
(:mod:`minusma.handin`), which sits below them.
"""

from __future__ import annotations

import datetime as _dt

import ipywidgets as widgets

#: The module's own stylesheet, carried by every question so that it applies
#: wherever the question is shown (JupyterLab, Voila, a reopened notebook).
#: ``.jupyter-widgets-disconnected`` is the class ipywidgets puts on a widget
#: whose kernel is gone (restart, crash, cull): such a question is greyed,
#: ignores the mouse and says how to reconnect, so no click seems to save.
_CSS = """
.minusma-question, .minusma-identity, .minusma-handin { position: relative; max-width: 100%; }
.minusma-question.jupyter-widgets-disconnected > *,
.minusma-identity.jupyter-widgets-disconnected > *,
.minusma-handin.jupyter-widgets-disconnected > * { opacity: 0.35; pointer-events: none; }
.minusma-question.jupyter-widgets-disconnected::after,
.minusma-identity.jupyter-widgets-disconnected::after,
.minusma-handin.jupyter-widgets-disconnected::after {
  content: "Not connected: the kernel restarted or stopped, so this box cannot save. Run this cell again to reconnect.";
  position: absolute; left: 8px; right: 8px; top: 8px; padding: 6px 10px; z-index: 10;
  background: #fff3cd; color: #5c3b00; border: 2px solid #8a4b00; font-weight: bold;
}
.minusma-question .widget-text input, .minusma-question .widget-textarea textarea { max-width: 100%; }
.minusma-question .widget-textarea textarea { font-family: inherit; font-size: 1em; line-height: 1.4; }
.minusma-question .minusma-order-row button { flex: 0 0 3em; }
.minusma-vote .widget-toggle-buttons { display: flex; flex-flow: row wrap; align-items: center; }
.minusma-vote .widget-toggle-buttons > .widget-label { flex: 0 0 19em; width: 19em; }
.minusma-vote .widget-toggle-button.mod-active { background: #0072B2; color: #fff; font-weight: bold; }
.minusma-vote .widget-toggle-button.mod-active::before { content: "\\2713  "; }
"""


def stylesheet() -> widgets.HTML:
    """The stylesheet as a zero-height widget, to carry as a widget's first child."""
    sheet = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(height="0px", margin="0"))
    sheet.add_class("minusma-style")
    return sheet


def readable_time(stamp: str) -> str:
    """An ISO UTC time stamp as words in the reader's time zone, e.g. "2 December 2026 at 14:05"."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def local_time(stamp: str) -> str:
    """An ISO UTC time stamp as a reader's local time of day, e.g. "14:05:09"."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%H:%M:%S")
