"""The answer store: every answer saved at once, safely, in the student's folder.

One JSON file per notebook, ``<work>/answers/<notebook>.json``, where
``<work>`` is :func:`base_dir` (``my-work/`` by default, see
:func:`minusma.paths.work_dir`). Format ``minusma-answers/1``::

    {"format": "minusma-answers/1", "notebook": "00_start_here",
     "module_version": "0.1.0", "created_at": "...Z", "updated_at": "...Z",
     "answers": {"00.capital": {"type": "single_choice", "value": "Bamako",
                                "saved_at": "...Z", "checks": 2}}}

Why it is safe:

* every save rewrites the whole file through :func:`minusma.files.write_json_atomic`
  (temporary file, fsync, atomic replace): a crash or a killed kernel leaves
  the old file or the new one, never a mix;
* nothing is debounced or buffered: when ``save`` returns, the answer is on disk;
* a file that cannot be read, or that belongs to another notebook or program,
  is **renamed aside** (``<name>.corrupt-<UTC time>.json``), never overwritten,
  and :attr:`AnswerStore.notice` explains what happened in plain words;
* if another kernel changed the file since we last wrote it (the same notebook
  open twice), it is re-read and merged before writing, so neither loses answers;
* a locked forecast can never be changed.

The student's identity lives in ``<work>/student.json`` (:func:`load_identity`,
:func:`save_identity`).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from . import __version__, paths
from .files import write_json_atomic
from .spec import ISO_PATTERN, QUESTION_TYPES, AnswerError, ID_PATTERN, now_iso
from .submission import ANSWERS_FORMAT

STUDENT_FORMAT = "minusma-student/1"
NOTEBOOK_PATTERN = re.compile(r"^[0-9]{2}_[a-z0-9_]+$")
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


def solution_mode() -> bool:
    """True after :func:`set_solution_mode` (a solutions notebook is running)."""
    return _solution_mode


def base_dir() -> Path:
    """Folder for this session's files: the work folder, or its ``solutions/`` sub-folder."""
    work = paths.work_dir()
    return work / "solutions" if _solution_mode else work


def answers_path(notebook: str) -> Path:
    """Where the answers of ``notebook`` (e.g. ``00_start_here``) are saved."""
    return base_dir() / "answers" / f"{notebook}.json"


def display_path(path: Path) -> str:
    """A path as a student can find it: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(paths.REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def set_aside(path: Path) -> Path:
    """Rename an unreadable file next to itself, never overwriting anything; return the new path.

    The copy keeps the original suffix (``answers.corrupt-<time>.json``,
    ``sheet.corrupt-<time>.csv``) so it still opens in the program it was made for.
    """
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        suffix = f".corrupt-{stamp}" + (f"-{n}" if n else "") + path.suffix
        target = path.with_name(path.stem + suffix)
        if not target.exists():
            # os.rename (not replace): if a file appeared there meanwhile, POSIX
            # would overwrite it; the exists() check above makes that a race of
            # microseconds between two kernels of the same student.
            os.rename(path, target)
            return target
    raise OSError(f"too many set-aside copies of {path.name}")  # pragma: no cover


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
            not isinstance(qid, str) or not ID_PATTERN.match(qid)
            or not isinstance(entry, dict) or entry.get("type") not in QUESTION_TYPES
            or "value" not in entry or not isinstance(entry.get("saved_at"), str)
            or not ISO_PATTERN.match(entry["saved_at"])
        ):
            return f"the answer to {str(qid)[:40]} is damaged"
    for stamp in ("created_at", "updated_at"):
        if not isinstance(document.get(stamp), str) or not ISO_PATTERN.match(document[stamp]):
            return "its time stamps are damaged"
    return None


def read_document(path: Path, problem_of) -> tuple[dict | None, str | None]:
    """(document, problem) for a JSON file kept by a no-loss store.

    ``(None, None)`` if the file does not exist yet; ``(None, reason)`` if it is
    empty, unreadable, or ``problem_of(document)`` names what is wrong with it;
    else ``(document, None)``. Shared by the answers store and the instructor's
    hand-scores file, which follow the same rules.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    if not raw.strip():
        return None, "it is empty"
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "it is not readable (perhaps cut short or edited by hand)"
    problem = problem_of(document)
    return (None, problem) if problem else (document, None)


def _read(path: Path, notebook: str) -> tuple[dict | None, str | None]:
    return read_document(path, lambda document: _problem(document, notebook))


def file_state(path: Path) -> tuple[int, int, int] | None:
    """Identity, size and change time of ``path``: tells a store whether another process wrote it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class AnswerStore:
    """The answers of one notebook, kept in memory and on disk in step.

    Get one with :func:`get_store` so that every widget of a notebook shares it.
    """

    def __init__(self, notebook: str, path: Path | None = None):
        if not NOTEBOOK_PATTERN.match(notebook):
            raise ValueError(f"notebook name {notebook!r} must look like '00_start_here'")
        self.notebook = notebook
        self.path = Path(path) if path is not None else answers_path(notebook)
        #: A message for the student if the old file had to be set aside (else None).
        self.notice: str | None = None
        self._document = self._empty()
        self._state: tuple[int, int, int] | None = None
        self._load()

    # -- reading --------------------------------------------------------------

    def _empty(self) -> dict[str, Any]:
        stamp = now_iso()
        return {"format": ANSWERS_FORMAT, "notebook": self.notebook, "module_version": __version__,
                "created_at": stamp, "updated_at": stamp, "answers": {}}

    def _load(self) -> None:
        document, problem = _read(self.path, self.notebook)
        if problem:
            aside = set_aside(self.path)
            self.notice = (
                f"Your answers file {display_path(self.path)} could not be used: {problem}. "
                f"Nothing was deleted: it was kept as {aside.name} in the same folder, and a new "
                "answers file is started. If answers are missing, show that file to your instructor."
            )
            document = None
        if document is not None:
            self._document = document
        self._state = file_state(self.path)

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

    def _merge_from_disk(self) -> None:
        """Another process wrote the file since we did: take its answers we don't have newer."""
        document, problem = _read(self.path, self.notebook)
        if problem:
            aside = set_aside(self.path)
            self.notice = (
                f"Your answers file changed on disk and could not be read ({problem}); it was kept as "
                f"{aside.name} and this notebook's answers are saved afresh."
            )
            return
        if document is None:
            return
        mine = self._document["answers"]
        for qid, theirs in document["answers"].items():
            if qid not in mine or theirs.get("saved_at", "") > mine[qid].get("saved_at", ""):
                mine[qid] = theirs
        self._document["created_at"] = min(self._document["created_at"], document["created_at"])

    def _write(self) -> None:
        if file_state(self.path) != self._state:
            self._merge_from_disk()
        self._document["updated_at"] = now_iso()
        self._document["module_version"] = __version__
        write_json_atomic(self.path, self._document)
        self._state = file_state(self.path)

    def save(self, qid: str, qtype: str, value: Any, **extra: Any) -> dict[str, Any]:
        """Save one answer now; return its entry.

        ``value`` must already be validated (see ``spec.validate_answer``).
        Raises :class:`AnswerError` for a locked forecast or a value that JSON
        cannot hold; the previous answer is then kept untouched.
        """
        if not ID_PATTERN.match(qid) or qtype not in QUESTION_TYPES:
            raise ValueError(f"bad question id or type: {qid!r}, {qtype!r}")
        previous = self._document["answers"].get(qid)
        if _is_locked(previous):
            raise AnswerError("This forecast is locked and cannot be changed.")
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError):
            raise AnswerError("This answer contains something that cannot be saved; please retype it.") from None
        entry = {"type": qtype, "value": value, "saved_at": now_iso()}
        if previous and "checks" in previous:
            entry["checks"] = previous["checks"]
        entry.update(extra)
        self._document["answers"][qid] = entry
        try:
            self._write()
        except BaseException:
            # The disk write failed: put the previous answer back in memory too,
            # so memory and disk keep agreeing.
            if previous is None:
                self._document["answers"].pop(qid, None)
            else:
                self._document["answers"][qid] = previous
            raise
        return json.loads(json.dumps(entry))

    def count_check(self, qid: str) -> None:
        """Record that the student pressed Check on an answered question."""
        entry = self._document["answers"].get(qid)
        if entry is None:
            return
        entry["checks"] = int(entry.get("checks", 0)) + 1
        self._write()


def _is_locked(entry: Mapping[str, Any] | None) -> bool:
    return bool(
        entry and entry.get("type") == "forecast"
        and isinstance(entry.get("value"), dict) and entry["value"].get("locked_at")
    )


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
    write_json_atomic(identity_path(), {"format": STUDENT_FORMAT, "id": student_id, "name": name, "saved_at": now_iso()})
    return {"id": student_id, "name": name}
