"""Hand-in: one submission file per student per notebook, ready to upload.

``hand_in("00_start_here")`` reads the notebook's answers file and the
student's identity and writes ``<work>/hand-in/<student_id>__<notebook>.json``
in the format of :mod:`minusma.submission` (schema in
``minusma/schemas/submission.schema.json``). Handing in again replaces the
file with the newer answers; the answers file itself is never changed.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import ipywidgets as widgets

from . import __version__, paths
from . import store as _store
from . import submission
from .files import write_json_atomic
from .spec import now_iso


class HandInError(RuntimeError):
    """Handing in is not possible yet; the message says what to do."""


def safe_file_part(text: str) -> str:
    """``text`` made safe as part of a file name on every system (ids are already safe; this is a second guard)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", text).strip("._") or "student"
    return cleaned[:64]


def hand_in_path(notebook: str, student_id: str) -> Path:
    return _store.base_dir() / "hand-in" / f"{safe_file_part(student_id)}__{notebook}.json"


def hand_in(notebook: str) -> Path:
    """Write the submission of ``notebook`` and return its path.

    Raises :class:`HandInError` if the student has not said who they are or
    has not answered anything.
    """
    student = _store.load_identity()
    if student is None:
        raise HandInError("First save your name and student id (in 00_start_here, the 'Who are you?' box).")
    answers_store = _store.get_store(notebook)
    answers_store.refresh()  # answers saved by another kernel on the same notebook count too
    answers = answers_store.answers
    if not answers:
        raise HandInError("There is nothing to hand in yet: answer at least one question.")
    document = submission.build(
        notebook=notebook, student=student, answers=answers, created_at=answers_store.created_at,
        submitted_at=now_iso(), module_version=__version__,
    )
    problems = submission.schema_errors(document)
    if problems:  # a bug of ours, not the student's: say so plainly
        raise HandInError("The submission does not match its format (please tell your instructor): " + problems[0])
    path = hand_in_path(notebook, student["id"])
    write_json_atomic(path, document)
    return path


class HandInButton(widgets.VBox):
    """A button that hands in the notebook and says which file to upload."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.path: Path | None = None
        self._button = widgets.Button(description="Hand in", icon="upload",
                                      tooltip=f"Write your submission file for {notebook}")
        self._button.on_click(lambda _b: self.click())
        self._status = widgets.HTML()
        self._status.add_class("minusma-status")
        super().__init__(children=[self._button, self._status])
        self.add_class("minusma-handin")

    def click(self) -> Path | None:
        """Hand in now; show where the file is (or what is missing)."""
        try:
            self.path = hand_in(self.notebook)
        except (HandInError, OSError) as exc:
            self._status.value = f'<span style="color:#a40000">⚠ {html.escape(str(exc))}</span>'
            return None
        shown = html.escape(paths.display_path(self.path))
        self._status.value = (f'<span style="color:#1a6b2f">✔ Handed in. Upload this file to the course site:</span>'
                              f"<br><code>{shown}</code><br><small>Hand in again after changing answers: "
                              "the file is replaced.</small>")
        return self.path

    def __repr__(self) -> str:
        return f"<HandInButton {self.notebook}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))
