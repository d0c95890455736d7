"""The answer store: every answer saved at once, safely, in the student's folder.

One JSON file per notebook, ``<work>/answers/<notebook>.json``, where
``<work>`` is :func:`base_dir` (``my-work/`` by default, see
:func:`minusma.paths.work_dir`). Format ``minusma-answers/1``::

    {"format": "minusma-answers/1", "notebook": "00_start_here",
     "module_version": "0.1.0", "created_at": "...Z", "updated_at": "...Z",
     "answers": {"00.capital": {"type": "single_choice", "value": "Bamako",
                                "saved_at": "...Z", "checks": 2}}}

Why it is safe (the rules are :class:`minusma.files.KeptDocument`'s, shared
with the instructor's hand-scores file):

* every save rewrites the whole file through :func:`minusma.files.write_json_atomic`
  (temporary file, fsync, atomic replace): a crash or a killed kernel leaves
  the old file or the new one, never a mix;
* nothing is debounced or buffered: when ``save`` returns, the answer is on disk;
* a file that cannot be read, or that belongs to another notebook or program,
  is **renamed aside** (``<name>.corrupt-<UTC time>.json``), never overwritten,
  and :attr:`AnswerStore.notice` explains what happened in plain words;
* if another kernel changed the file since we last read or wrote it (the same
  notebook open twice), it is re-read and merged before any change and before a
  hand-in (:meth:`AnswerStore.refresh`), so neither loses answers;
* a locked forecast can never be changed, not even from another kernel that
  still shows it unlocked: in a merge, a lock always wins.

The student's identity lives in ``<work>/student.json`` (:func:`load_identity`,
:func:`save_identity`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import __version__, paths
from .files import KeptDocument, set_aside, write_json_atomic
from .paths import display_path
from .spec import ID_PATTERN, ISO_PATTERN, QUESTION_TYPES, AnswerError, now_iso
from .submission import ANSWERS_FORMAT

STUDENT_FORMAT = "minusma-student/1"
NOTEBOOK_PATTERN = paths.NOTEBOOK_NAME
STUDENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME_CHARS = 100

_solution_mode = False


def set_solution_mode(on: bool = True) -> None:
    """Keep the files of a solutions notebook apart from the student's own.

    Solutions notebooks call this first (in a cell dropped from exercises), so
    running a solution never touches the student's answers, identity or
    hand-ins: everything goes to ``<work>/solutions/`` instead.
    """
    global _solution_mode
    _solution_mode = bool(on)
    _STORES.clear()


def base_dir() -> Path:
    """Folder for this session's files: the work folder, or its ``solutions/`` sub-folder."""
    work = paths.work_dir()
    return work / "solutions" if _solution_mode else work


def answers_path(notebook: str) -> Path:
    """Where the answers of ``notebook`` (e.g. ``00_start_here``) are saved."""
    return base_dir() / "answers" / f"{notebook}.json"


def _problem(document: Any, notebook: str) -> str | None:
    """Why ``document`` is not an answers file for ``notebook`` (None if it is one)."""
    if not isinstance(document, dict):
        return "it is not an answers file"
    if document.get("format") != ANSWERS_FORMAT:
        return "it is not an answers file of this course (or of this version)"
    if document.get("notebook") != notebook:
        return f"it holds the answers of another notebook ({str(document.get('notebook'))[:40]})"
    answers = document.get("answers")
    if not isinstance(answers, dict):
        return "its list of answers is damaged"
    for qid, entry in answers.items():
        if (
            not isinstance(qid, str)
            or not ID_PATTERN.match(qid)
            or not isinstance(entry, dict)
            or entry.get("type") not in QUESTION_TYPES
            or "value" not in entry
            or not isinstance(entry.get("saved_at"), str)
            or not ISO_PATTERN.match(entry["saved_at"])
        ):
            return f"the answer to {str(qid)[:40]} is damaged"
    for stamp in ("created_at", "updated_at"):
        if not isinstance(document.get(stamp), str) or not ISO_PATTERN.match(document[stamp]):
            return "its time stamps are damaged"
    return None


class AnswerStore(KeptDocument):
    """The answers of one notebook, kept in memory and on disk in step (see :class:`~minusma.files.KeptDocument`).

    Get one with :func:`get_store` so that every widget of a notebook shares it.
    """

    def __init__(self, notebook: str, path: Path | None = None):
        if not NOTEBOOK_PATTERN.match(notebook):
            raise ValueError(f"notebook name {notebook!r} must look like '00_start_here'")
        self.notebook = notebook
        stamp = now_iso()
        empty = {
            "format": ANSWERS_FORMAT,
            "notebook": notebook,
            "module_version": __version__,
            "created_at": stamp,
            "updated_at": stamp,
            "answers": {},
        }
        super().__init__(Path(path) if path is not None else answers_path(notebook), empty)

    # -- the no-loss rules, for an answers file ---------------------------------

    def _problem(self, document: Any) -> str | None:
        return _problem(document, self.notebook)

    def _notice(self, problem: str, aside_name: str) -> str:
        return (
            f"Your answers file {display_path(self.path)} could not be used: {problem}. "
            f"Nothing was deleted: it was kept as {aside_name} in the same folder, and your answers "
            "are saved in a new file. If answers are missing, show that file to your instructor."
        )

    def _merge(self, theirs: dict[str, Any]) -> None:
        """Another kernel's answers that win over ours (:func:`_wins`) replace ours."""
        mine = self._document["answers"]
        for qid, entry in theirs["answers"].items():
            if qid not in mine or _wins(entry, mine[qid]):
                mine[qid] = entry
        self._document["created_at"] = min(self._document["created_at"], theirs["created_at"])

    def _before_write(self) -> None:
        self._document["updated_at"] = now_iso()
        self._document["module_version"] = __version__

    # -- reading --------------------------------------------------------------

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        """Every saved answer by question id (a copy: change it through :meth:`save`)."""
        return json.loads(json.dumps(self._document["answers"]))

    @property
    def created_at(self) -> str:
        return self._document["created_at"]

    def entry(self, qid: str) -> dict[str, Any] | None:
        """The saved entry of one question (type, value, saved_at, ...) or None."""
        entry = self._document["answers"].get(qid)
        return json.loads(json.dumps(entry)) if entry is not None else None

    def value(self, qid: str) -> Any:
        """The saved answer value of one question, or None."""
        entry = self.entry(qid)
        return None if entry is None else entry["value"]

    # -- writing --------------------------------------------------------------

    def save(self, qid: str, qtype: str, value: Any, **extra: Any) -> dict[str, Any]:
        """Save one answer now; return its entry.

        ``value`` must already be validated (see ``spec.validate_answer``).
        Raises :class:`AnswerError` for a locked forecast or a value that JSON
        cannot hold; the previous answer is then kept untouched.
        """
        if not ID_PATTERN.match(qid) or qtype not in QUESTION_TYPES:
            raise ValueError(f"bad question id or type: {qid!r}, {qtype!r}")
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError):
            raise AnswerError("This answer contains something that cannot be saved; please retype it.") from None

        def put(document: dict[str, Any]) -> dict[str, Any]:
            previous = document["answers"].get(qid)
            if _is_locked(previous):
                raise AnswerError("This forecast is locked and cannot be changed.")
            entry = {"type": qtype, "value": value, "saved_at": now_iso()}
            if previous and "checks" in previous:
                entry["checks"] = previous["checks"]
            entry.update(extra)
            document["answers"][qid] = entry
            return entry

        return json.loads(json.dumps(self.update(put)))

    def count_check(self, qid: str) -> None:
        """Record that the student pressed Check on an answered question."""

        def count(document: dict[str, Any]) -> None:
            entry = document["answers"][qid]
            entry["checks"] = int(entry.get("checks", 0)) + 1

        self.refresh()
        if qid in self._document["answers"]:  # answers are never removed, so it is still there under the lock
            self.update(count)


def _is_locked(entry: Mapping[str, Any] | None) -> bool:
    return bool(
        entry
        and entry.get("type") == "forecast"
        and isinstance(entry.get("value"), dict)
        and entry["value"].get("locked_at")
    )


def _wins(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> bool:
    """Whether another kernel's entry replaces ours in a merge: a lock always wins, else the later save."""
    if _is_locked(theirs) or _is_locked(ours):
        return _is_locked(theirs) and not _is_locked(ours)
    return theirs.get("saved_at", "") > ours.get("saved_at", "")


_STORES: dict[Path, AnswerStore] = {}


def get_store(notebook: str) -> AnswerStore:
    """The shared store of ``notebook`` for this session (created, and read, on first use).

    Keyed by file path, so a test or a student who changes the work folder
    gets a fresh store.
    """
    path = answers_path(notebook)
    store = _STORES.get(path)
    if store is None:
        store = _STORES[path] = AnswerStore(notebook, path)
    return store


def forget_stores() -> None:
    """Drop every cached store (the next use re-reads the files): for tests and restarts."""
    _STORES.clear()


# --------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------


def identity_path() -> Path:
    return base_dir() / "student.json"


def check_identity(name: Any, student_id: Any) -> tuple[str, str]:
    """Cleaned (name, id) or :class:`AnswerError` with a message for the student."""
    if not isinstance(name, str) or not isinstance(student_id, str):
        raise AnswerError("Type your name and your student id.")
    name, student_id = " ".join(name.split()), student_id.strip()
    if not name:
        raise AnswerError("Type your name.")
    if len(name) > MAX_NAME_CHARS:
        raise AnswerError(f"That name is too long (the limit is {MAX_NAME_CHARS} characters).")
    if any(ch in name for ch in "<>") or any(ord(ch) < 32 for ch in name):
        raise AnswerError("A name cannot contain < or > or control characters.")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError("Your name contains a character that cannot be saved; please retype it.") from None
    if not student_id:
        raise AnswerError("Type your student id (as given by your course).")
    if not STUDENT_ID_PATTERN.match(student_id):
        raise AnswerError(
            "A student id uses only letters, digits, dot, dash or underscore "
            "(at most 64, starting with a letter or digit)."
        )
    return name, student_id


def load_identity() -> dict[str, str] | None:
    """``{"id", "name"}`` from ``student.json``, or None if not set (or unreadable, then set aside)."""
    path = identity_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != STUDENT_FORMAT:
            raise ValueError("not a student file")
        name, student_id = check_identity(document.get("name"), document.get("id"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        set_aside(path)
        return None
    return {"id": student_id, "name": name}


def save_identity(name: str, student_id: str) -> dict[str, str]:
    """Check and save the student's name and id; return them cleaned."""
    name, student_id = check_identity(name, student_id)
    write_json_atomic(
        identity_path(), {"format": STUDENT_FORMAT, "id": student_id, "name": name, "saved_at": now_iso()}
    )
    return {"id": student_id, "name": name}
