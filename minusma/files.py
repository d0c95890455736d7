"""Safe file handling shared by every part of the package that keeps a file.

Writing: a write goes to a temporary file in the same folder, is flushed to
disk, then replaces the target in one step (``os.replace`` is atomic on POSIX
and Windows), so a crash leaves either the old file or the new one, never half.

Keeping (the no-loss rules of the student's answers file and the instructor's
hand-scores file): :func:`read_document` reads a JSON file and says what is
wrong with it, :func:`set_aside` renames an unusable file instead of ever
overwriting it, :func:`file_state` tells whether another process wrote a
file since we last did, and :class:`KeptDocument` makes every change a
read-merge-write that holds a cross-process lock (``filelock``), so two
kernels or two graders saving at the same moment never lose each other's work.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import filelock

T = TypeVar("T")

#: How long a save waits for another process holding the same file's lock
#: (a save takes about a millisecond; only a hung process holds it this long).
LOCK_TIMEOUT_SECONDS = 15.0

#: On Windows, a replace fails while another program holds the target open
#: (a second kernel reading it, a virus scanner, a sync client); that lasts
#: milliseconds, so the replace is tried again a few times before giving up.
_RETRY_REPLACE = os.name == "nt"
_REPLACE_WAITS = (0.01, 0.02, 0.05, 0.1, 0.2)


def _replace(source: str, target: Path) -> None:
    for wait in _REPLACE_WAITS if _RETRY_REPLACE else ():
        try:
            os.replace(source, target)
            return
        except PermissionError:
            time.sleep(wait)
    os.replace(source, target)


def write_bytes_atomic(path: Path, payload: bytes, mode: int = 0o644) -> None:
    """Write ``payload`` to ``path`` atomically, creating parent folders.

    ``mode`` sets the file's permissions (``mkstemp`` alone would leave 0600,
    unreadable to others for files meant to be shared, such as notebooks).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        _replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted UTF-8 JSON, atomically."""
    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def read_document(path: Path, problem_of: Callable[[Any], str | None]) -> tuple[dict | None, str | None]:
    """(document, problem) for a JSON file kept by a no-loss store.

    ``(None, None)`` if the file does not exist yet; ``(None, reason)`` if it is
    empty, unreadable, or ``problem_of(document)`` names what is wrong with it;
    else ``(document, None)``. Shared by the answers store and the instructor's
    hand-scores file, which follow the same rules.
    """
    try:
        raw = Path(path).read_bytes()
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


def set_aside(path: Path) -> Path:
    """Rename an unreadable file next to itself, never overwriting anything; return the new path.

    The copy keeps the original suffix (``answers.corrupt-<time>.json``,
    ``sheet.corrupt-<time>.csv``) so it still opens in the program it was made for.
    """
    path = Path(path)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
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


class FileBusyError(OSError):
    """The file stayed locked by another process for too long; nothing was written."""


def lock_path(path: Path) -> Path:
    """The lock file beside ``path`` (hidden: ``.<name>.lock``)."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


def file_state(path: Path) -> tuple[int, int, int] | None:
    """Identity, size and change time of ``path``: tells a store whether another process wrote it."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class KeptDocument:
    """A JSON document kept in memory and on disk in step, under the no-loss rules.

    The student's answers file (:class:`minusma.store.AnswerStore`) and the
    instructor's hand-scores file (:class:`minusma.grading.hand.ScoresFile`)
    both work this way:

    * a file that cannot be used is renamed aside (:func:`set_aside`), never
      overwritten, and :attr:`notice` says so in plain words;
    * every change goes through :meth:`update`, which holds the file's
      cross-process lock while it takes in what another process (a second
      kernel, another grader) wrote, applies the change to that latest
      document and writes it: no other writer can come in between, so no
      change is ever lost (a lost update is impossible, not just unlikely);
    * every write replaces the whole file atomically (:func:`write_json_atomic`),
      so readers never need the lock.

    A subclass says what a usable document is (:meth:`_problem`), how another
    process's document is merged into ours (:meth:`_merge`) and how the notice
    is worded (:meth:`_notice`).
    """

    def __init__(self, path: Path, empty: dict[str, Any]):
        self.path = Path(path)
        #: A message for the person using the file if an old file had to be set aside (else None).
        self.notice: str | None = None
        self._document = empty
        self._lock = filelock.FileLock(lock_path(self.path), timeout=LOCK_TIMEOUT_SECONDS)
        document, problem = read_document(self.path, self._problem)
        if problem:
            self._set_aside(problem)
        elif document is not None:
            self._document = document
        self._state = file_state(self.path)

    # -- what a subclass provides ------------------------------------------------

    def _problem(self, document: Any) -> str | None:
        """Why ``document`` is not usable here, in plain words (None if it is)."""
        raise NotImplementedError

    def _merge(self, theirs: dict[str, Any]) -> None:
        """Take into ``self._document`` what wins in ``theirs``, a usable document another process wrote."""
        raise NotImplementedError

    def _notice(self, problem: str, aside_name: str) -> str:
        """The message shown after the file was set aside as ``aside_name`` because of ``problem``."""
        raise NotImplementedError

    def _before_write(self) -> None:
        """Last changes to the document before each write (time stamps)."""

    # -- shared behaviour --------------------------------------------------------

    def _set_aside(self, problem: str) -> None:
        aside = set_aside(self.path)
        self.notice = self._notice(problem, aside.name)

    def refresh(self) -> None:
        """Take in what another process wrote to the file since we last read or wrote it."""
        state = file_state(self.path)
        if state == self._state:
            return
        theirs, problem = read_document(self.path, self._problem)
        if problem:
            self._set_aside(problem)  # our own document is written afresh at the next save
        elif theirs is not None:
            self._merge(theirs)
        # The state seen *before* reading: if the file changed again meanwhile,
        # the next refresh merges once more (merging twice changes nothing).
        self._state = state

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold this file's lock across processes (re-entrant within one process)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise FileBusyError(
                f"{self.path.name} is being written by another program and stayed busy for "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s; nothing was saved. Try again."
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    def update(self, change: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``change`` to the latest document and write it, all under the file's lock.

        ``change`` gets the document (after taking in what others wrote) and
        edits it in place; its return value is returned. If ``change`` or the
        write fails, the document in memory is put back as it was, so memory
        and disk keep agreeing, and the error is raised.
        """
        with self._locked():
            # Always re-read under the lock: inode, size and modification time can all repeat
            # within one tick of the file system's clock (an inode is reused after a replace).
            self._state = None
            self.refresh()
            before = json.loads(json.dumps(self._document))
            try:
                result = change(self._document)
                self._before_write()
                write_json_atomic(self.path, self._document)
            except BaseException:
                self._document = before
                raise
            self._state = file_state(self.path)
            return result

    def _write(self) -> None:
        """Write the whole document now, after taking in any change another process made meanwhile."""
        self.update(lambda _document: None)
