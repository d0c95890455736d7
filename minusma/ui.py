"""What every course widget shares on the page: the module's stylesheet and times shown to people.

Used by the question widgets (:mod:`minusma.questions`) and the hand-in button
(:mod:`minusma.handin`), which sits below them.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

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
.minusma-question[data-minusma-lost]::after, .minusma-identity[data-minusma-lost]::after,
.minusma-handin[data-minusma-lost]::after {
  content: "Not connected: Python was stopped (the server or kernel was shut down, perhaps after a long idle time), so this box cannot save. Answers saved before are safe. Reload the page, then run the notebook again.";
}
/* On the room's screen (Voila) the page is the app: a lost kernel means reloading the page, which loses nothing. */
.minusma-screen.jupyter-widgets-disconnected > * { opacity: 0.35; pointer-events: none; }
.minusma-screen.jupyter-widgets-disconnected::after {
  content: "Not connected: the app stopped, so clicks are not saved. Reload the page: every vote so far is on disk.";
  position: fixed; left: 1em; right: 1em; top: 1em; padding: 0.5em 0.8em; z-index: 30; font-size: 1.2em;
  background: #fff3cd; color: #5c3b00; border: 3px solid #8a4b00; font-weight: bold;
}
.minusma-question .widget-text input, .minusma-question .widget-textarea textarea { max-width: 100%; }
.minusma-question .widget-textarea textarea { font-family: inherit; font-size: 1em; line-height: 1.4; }
.minusma-question .minusma-order-row button { flex: 0 0 3em; }
.minusma-vote .widget-toggle-buttons { display: flex; flex-flow: row wrap; align-items: center; }
.minusma-vote .widget-toggle-buttons > .widget-label { flex: 0 0 19em; width: 19em; }
.minusma-vote .widget-toggle-button.mod-active { background: #0072B2; color: #fff; font-weight: bold; }
.minusma-vote .widget-toggle-button.mod-active::before { content: "\\2713  "; }

/* The room's screen (minusma.screens): projector-sized text that grows with the screen, near-black on white,
   a thick amber focus ring so the keyboard's place is seen from the back of the room. */
.minusma-screen {
  --minusma-screen-size: clamp(17px, 1.4vw, 34px);
  --jp-widgets-font-size: var(--minusma-screen-size);
  --jp-widgets-inline-height: 1.9em;
  --jp-widgets-inline-label-width: 8em;
  --jp-widgets-color: #111; --jp-widgets-label-color: #111; --jp-widgets-input-color: #111;
  --jp-widgets-input-border-color: #444; --jp-widgets-input-background-color: #fff;
  font-size: var(--minusma-screen-size); line-height: 1.4; color: #111; background: #fff;
  max-width: 100%; padding: 0.2em 0.4em; box-sizing: border-box;
}
.minusma-screen .widget-html-content, .minusma-screen .widget-label, .minusma-screen .widget-html {
  font-size: var(--minusma-screen-size); line-height: 1.4; color: #111; height: auto;
}
.minusma-screen .widget-html-content { white-space: normal; }
.minusma-screen .widget-label { width: auto; min-width: 0; }
.minusma-screen .jupyter-button, .minusma-screen .widget-toggle-button {
  font-size: var(--minusma-screen-size); height: auto; min-height: 1.8em; padding: 0.1em 0.7em;
  color: #111; background: #eee; border: 2px solid #555; border-radius: 4px;
}
.minusma-screen .jupyter-button { width: auto; }
.minusma-screen .widget-toggle-button { padding: 0.1em 0.2em; }
.minusma-screen .jupyter-button.mod-primary { background: #0072B2; color: #fff; border-color: #004b75; font-weight: bold; }
.minusma-screen .jupyter-button:disabled { opacity: 0.6; }
.minusma-screen .widget-toggle-button.mod-active { background: #0072B2; color: #fff; border-color: #004b75; font-weight: bold; }
.minusma-screen .widget-toggle-button.mod-active::before { content: "\\2713  "; }
.minusma-screen button:focus-visible, .minusma-screen select:focus-visible, .minusma-screen input:focus-visible {
  outline: 4px solid #E69F00; outline-offset: 2px;
}
.minusma-screen select, .minusma-screen input { font-size: var(--minusma-screen-size); height: 1.9em; }
.minusma-screen .widget-dropdown, .minusma-screen .widget-text { height: auto; }
.minusma-screen h2 { font-size: 1.45em; margin: 0.2em 0 0.3em; }
.minusma-screen h3 { font-size: 1.15em; margin: 0.4em 0 0.2em; }
.minusma-screen p { margin: 0.25em 0 0.45em; max-width: 62em; }
.minusma-screen table { border-collapse: collapse; margin: 0.3em 0; }
.minusma-screen th, .minusma-screen td { border-bottom: 1px solid #888; padding: 0.15em 0.6em; text-align: left; vertical-align: top; }
.minusma-screen figure { margin: 0.3em 0; }
.minusma-screen figure img {
  display: block; width: 100%; height: auto; max-height: max(40vh, calc(100vh - 15em));
  object-fit: contain; object-position: left top;
}
.minusma-screen figure.minusma-screen-strip img { max-height: 45vh; }
.minusma-screen figcaption { font-size: 0.8em; color: #333; max-width: 62em; }
.minusma-screen .minusma-screen-steps .widget-toggle-buttons { display: flex; flex-flow: row wrap; gap: 0.25em; }
.minusma-screen .minusma-screen-header { border-bottom: 3px solid #111; margin-bottom: 0.3em; }
.minusma-screen .minusma-screen-said { font-weight: bold; }
.minusma-screen .minusma-screen-warning { color: #8a1c00; font-weight: bold; }
.minusma-screen .minusma-screen-outcome { font-size: 1.3em; font-weight: bold; padding: 0.2em 0.5em; border: 3px solid #111; display: inline-block; }
.minusma-screen .minusma-screen-small { font-size: 0.8em; color: #333; }
.minusma-screen .widget-hbox { align-items: center; }
.minusma-screen .widget-checkbox label { width: auto; overflow: visible; white-space: normal; }
.minusma-screen .widget-checkbox input[type="checkbox"] { width: 1.1em; height: 1.1em; margin-right: 0.4em; }
.minusma-screen .minusma-screen-columns { align-items: flex-start; flex-wrap: wrap; gap: 1em; }
.minusma-screen .minusma-screen-steps .widget-toggle-button { padding: 0.1em 0.6em; }
.minusma-screen .minusma-screen-live { background: #fff; border-top: 3px solid #111; padding: 0.2em 0.4em; }
/* In Voila (the projected app) the live tally stays at the foot of the window; the page leaves room for it. */
body[data-voila] .minusma-screen .minusma-screen-live {
  position: fixed; left: 0; right: 0; bottom: 0; z-index: 20; box-shadow: 0 -2px 6px rgba(0, 0, 0, 0.25);
}
body[data-voila] .minusma-screen { padding-bottom: 6em; }
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


def kernel_class() -> str | None:
    """A CSS class naming this kernel (``minusma-kernel-<id>``), or None outside a Jupyter kernel.

    Every course widget carries it, so the page's watcher (``KERNEL_WATCH``)
    knows which kernel each box needs and can say when that kernel is gone.
    Jupyter servers name a kernel's connection file ``kernel-<id>.json``.
    """
    try:
        from ipykernel import get_connection_file

        name = Path(get_connection_file()).name
    except Exception:  # no kernel: a script or a test
        return None
    match = re.fullmatch(r"kernel-([0-9a-fA-F-]{8,64})\.json", name)
    return f"minusma-kernel-{match.group(1)}" if match else None


def mark_kernel(widget: widgets.DOMWidget) -> None:
    """Tag a course widget with its kernel (see :func:`kernel_class`)."""
    name = kernel_class()
    if name:
        widget.add_class(name)


#: Watches, from the page, the kernels the course's boxes need. A restart is
#: shown by ipywidgets itself (``jupyter-widgets-disconnected``); a kernel that
#: is shut down or culled, or a server that stopped (a hub culling an idle
#: server), is not. So every 5 seconds the page asks the Jupyter server
#: whether each kernel still exists; after two failed answers in a row, for a
#: kernel that was seen alive before, its boxes get the same class, and with
#: it the stylesheet's greying and its "cannot save" notice. Nothing changes
#: where the server has no kernels API (a kernel never seen alive is not judged).
KERNEL_WATCH = r"""
(function () {
  if (window.minusmaKernelWatch) { return; }
  window.minusmaKernelWatch = { seen: {}, failures: {}, lost: {} };
  var state = window.minusmaKernelWatch;
  var config = {};
  try { config = JSON.parse(document.getElementById('jupyter-config-data').textContent); } catch (e) { config = {}; }
  var base = (config.baseUrl || '/').replace(/\/?$/, '/');
  var headers = config.token ? { Authorization: 'token ' + config.token } : {};
  function kernelsOnPage() {
    var ids = {};
    document.querySelectorAll('[class*="minusma-kernel-"]').forEach(function (el) {
      el.classList.forEach(function (name) {
        if (name.indexOf('minusma-kernel-') === 0) { ids[name.slice(15)] = true; }
      });
    });
    return Object.keys(ids);
  }
  function markLost(id) {
    state.lost[id] = true;
    document.querySelectorAll('.minusma-kernel-' + id).forEach(function (el) {
      el.classList.add('jupyter-widgets-disconnected');
      el.setAttribute('data-minusma-lost', 'kernel');
    });
  }
  function ask(id) {
    fetch(base + 'api/kernels/' + id, { headers: headers, credentials: 'same-origin', cache: 'no-store' })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .catch(function () { return null; })
      .then(function (kernel) {
        if (kernel && kernel.id === id) { state.seen[id] = true; state.failures[id] = 0; return; }
        if (!state.seen[id]) { return; }
        state.failures[id] = (state.failures[id] || 0) + 1;
        if (state.failures[id] >= 2) { markLost(id); }
      });
  }
  function round() {
    kernelsOnPage().forEach(function (id) {
      if (state.lost[id]) { markLost(id); } else { ask(id); }
    });
  }
  round();
  setInterval(round, 5000);
})();
"""
