"""Hand-in: one submission file per student per notebook, ready to upload.

``hand_in("00_start_here")`` reads the notebook's answers file and the
student's identity and writes ``<work>/hand-in/<student_id>__<notebook>.json``
in the format of :mod:`minusma.submission` (schema in
``minusma/schemas/submission.schema.json``). Handing in again replaces the
file with the newer answers; the answers file itself is never changed.

On a JupyterHub whose admin set ``MINUSMA_HANDIN_DROP`` to the class's drop
folder (``instructor/hub.md``), the hand-in is also copied there as
``<hub user>__<notebook>.json``, readable by the instructors' group and not by
other students, so nothing needs uploading. A copy another user owns is never
replaced; if the copy fails, the local file is still written and the student
is told to upload it as usual. Without the variable nothing changes.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import ipywidgets as widgets

from . import __version__, paths, submission, ui
from . import store as _store
from .files import write_bytes_atomic, write_json_atomic
from .spec import now_iso

DROP_ENV = paths.DROP_ENV
#: The drop copy is readable by its owner and the folder's group (the instructors), not by other students.
DROP_FILE_MODE = 0o640


class HandInError(RuntimeError):
    """Handing in is not possible yet; the message says what to do."""


class DropError(HandInError):
    """The hand-in file was written, but could not be copied to the class's drop folder.

    ``local_path`` is the file that was written; the message says what to do.
    """

    def __init__(self, message: str, local_path: Path):
        super().__init__(message)
        self.local_path = local_path


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
        notebook=notebook,
        student=student,
        answers=answers,
        created_at=answers_store.created_at,
        submitted_at=now_iso(),
        module_version=__version__,
    )
    problems = submission.schema_errors(document)
    if problems:  # a bug of ours, not the student's: say so plainly
        raise HandInError("The submission does not match its format (please tell your instructor): " + problems[0])
    path = hand_in_path(notebook, student["id"])
    write_json_atomic(path, document)
    copy_to_drop(path, notebook, student["id"])
    return path


def drop_folder() -> Path | None:
    """The class's drop folder set by the hub admin (``MINUSMA_HANDIN_DROP``), or None."""
    value = os.environ.get(DROP_ENV, "").strip()
    return Path(value) if value else None


def drop_path(notebook: str, student_id: str) -> Path | None:
    """Where the drop copy goes: named by the hub user (``JUPYTERHUB_USER``), else by the student id."""
    folder = drop_folder()
    if folder is None:
        return None
    who = os.environ.get("JUPYTERHUB_USER", "").strip() or student_id
    return folder / f"{safe_file_part(who)}__{notebook}.json"


def copy_to_drop(source: Path, notebook: str, student_id: str) -> Path | None:
    """Copy the hand-in ``source`` into the drop folder; return the copy, or None when no drop folder is set.

    Raises :class:`DropError` (the local file stays as written) when the folder
    is missing, not writable, or holds a file of that name owned by someone else.
    """
    target = drop_path(notebook, student_id)
    if target is None:
        return None
    upload = "Your file is saved: download it and upload it to your course site as usual, and tell your instructor."
    if not target.parent.is_dir():
        raise DropError(f"The class hand-in folder {target.parent} does not exist. {upload}", source)
    try:
        owner = target.stat().st_uid
    except FileNotFoundError:
        owner = None
    except OSError as exc:
        raise DropError(f"The class hand-in folder cannot be used ({exc.strerror}). {upload}", source) from None
    if owner is not None and hasattr(os, "getuid") and owner != os.getuid():
        raise DropError(
            f"The class hand-in folder already holds a file named {target.name} that is not yours, so it was "
            f"left alone. {upload}",
            source,
        )
    try:
        write_bytes_atomic(target, source.read_bytes(), mode=DROP_FILE_MODE)
    except OSError as exc:
        raise DropError(
            f"Could not copy your hand-in into the class hand-in folder ({exc.strerror or exc}). {upload}", source
        ) from None
    return target


def last_hand_in(notebook: str) -> dict | None:
    """The student's last hand-in of ``notebook`` (the submission document), or None."""
    student = _store.load_identity()
    if student is None:
        return None
    path = hand_in_path(notebook, student["id"])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and isinstance(document.get("answers"), dict) else None


def changed_since(notebook: str, handed_in: dict) -> list[str]:
    """Question ids whose saved answer differs from the one in the hand-in ``handed_in``."""
    answers_store = _store.get_store(notebook)
    answers_store.refresh()
    given = handed_in.get("answers", {})
    return sorted(
        qid
        for qid, entry in answers_store.answers.items()
        if qid not in given or given[qid].get("value") != entry["value"]
    )


def where_to_find(path: Path) -> str:
    """How a student gets the hand-in file out of JupyterLab, as HTML."""
    shown = paths.display_path(path)
    if Path(shown).is_absolute():  # the work folder is outside the course folder (a hub, a test)
        return (
            f"The file is <code>{html.escape(shown)}</code>, outside the course folder: "
            "ask your instructor how hand-ins are collected here."
        )
    return (
        f"The file is <code>{html.escape(shown)}</code> in the course folder. To upload it: in the file "
        "browser on the left, go to the course folder (the top of the path), open "
        f"<code>{html.escape(str(Path(shown).parent.as_posix()))}</code>, right-click the file, choose "
        "<b>Download</b>, then upload that file to your course site."
    )


#: Live hand-in buttons of this kernel, by notebook: every saved answer tells them (see :func:`answers_changed`).
_buttons: dict[str, list[HandInButton]] = {}


def answers_changed(notebook: str) -> None:
    """Called after an answer of ``notebook`` is saved: hand-in buttons say if their file is now out of date."""
    for button in _buttons.get(notebook, []):
        button.show_state()


class HandInButton(widgets.VBox):
    """A button that hands in the notebook, says what it handed in and how to upload it,
    and says when answers changed after the last hand-in."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.path: Path | None = None
        self._button = widgets.Button(
            description="Hand in", icon="upload", tooltip=f"Write your submission file for {notebook}"
        )
        self._button.on_click(lambda _b: self.click())
        self._status = widgets.HTML()
        self._status.add_class("minusma-status")
        # the module's one stylesheet: a lost kernel greys this too
        super().__init__(children=[ui.stylesheet(), self._button, self._status])
        self.add_class("minusma-handin")
        ui.mark_kernel(self)
        _buttons.setdefault(notebook, []).append(self)
        self.show_state()

    def show_state(self) -> None:
        """Say when this notebook was last handed in, and whether answers changed since."""
        handed_in = last_hand_in(self.notebook)
        if handed_in is None:
            return
        when = _readable(handed_in.get("submitted_at", ""))
        changed = changed_since(self.notebook, handed_in)
        if changed:
            listed = ", ".join(changed[:6]) + (" …" if len(changed) > 6 else "")
            self._status.value = (
                f'<span style="color:#8a4b00">⚠ You last handed in on {html.escape(when)}, and have '
                f"changed {len(changed)} answer(s) since ({html.escape(listed)}). Press "
                "<b>Hand in</b> again, then upload the new file.</span>"
            )
        elif not self._status.value:
            self._status.value = f"Last handed in on {html.escape(when)}; no answer has changed since."

    def click(self) -> Path | None:
        """Hand in now; show what was handed in and where the file is (or what is missing)."""
        not_delivered = None
        try:
            try:
                self.path = hand_in(self.notebook)
            except DropError as exc:  # written here, but not copied to the class's drop folder
                self.path, not_delivered = exc.local_path, str(exc)
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (HandInError, OSError, ValueError) as exc:
            self._status.value = f'<span style="color:#a40000">⚠ {html.escape(str(exc))}</span>'
            return None
        answered = sorted(document["answers"])
        if not_delivered:
            where = f'<span style="color:#a40000">⚠ {html.escape(not_delivered)}</span><br>{where_to_find(self.path)}'
        elif drop_folder() is not None:
            copy = drop_path(self.notebook, document["student"]["id"])
            where = (
                f"It is in your instructor's hand-in folder as <code>{html.escape(copy.name)}</code>: "
                "nothing to upload. Only you and your instructors can read it."
            )
        else:
            where = where_to_find(self.path)
        self._status.value = (
            f'<span style="color:#1a6b2f">✔ Handed in {len(answered)} answer(s) on '
            f"{html.escape(_readable(document['submitted_at']))}: {html.escape(', '.join(answered))}.</span><br>"
            f"{where}<br><small>Changed an answer later? Hand in again: the file is replaced.</small>"
        )
        return self.path

    def __repr__(self) -> str:
        return f"<HandInButton {self.notebook}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def _readable(stamp: str) -> str:
    return ui.readable_time(stamp)
