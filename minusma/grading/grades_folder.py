"""Writing the grades folder all at once, so a failure never leaves it half old, half new.

A grades folder is sent on: the gradebook to the course site, the feedback
pages to students. A run that died half-way used to leave a new gradebook
beside last run's feedback pages. Now:

1. :func:`check_writable` runs before any grading: the folder (created if
   missing) and its ``feedback/`` sub-folder must take a new file, and no
   output name may be taken by a folder; otherwise :class:`OutputFolderError`
   says what to fix and nothing has been changed;
2. every output is written into a staging folder inside the grades folder
   (:class:`StagedOutput`), so a failure while rendering changes nothing;
3. :meth:`StagedOutput.commit` moves the new files into place one by one,
   keeping each old file aside until all are in; if any move fails, every
   old file is put back and :class:`OutputFolderError` is raised.

Only the grader's own files are touched: the instructor's files in the
folder (``hand_scores.json``, notes, set-aside copies) stay as they are.

A run killed outright (power cut, ``kill -9``) leaves its staging folder
behind. The next run removes such a folder once it is an hour old and holds
no old file waiting to be put back; a younger one may belong to a run still
going, and one holding old files is kept for the instructor.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from ..files import set_aside

STAGING_PREFIX = ".grading-in-progress-"
#: A staging folder this old (seconds) belongs to no running grader: no run takes anywhere near an hour.
ABANDONED_AFTER = 3600


def clear_abandoned(out_dir: Path, now: float | None = None) -> list[Path]:
    """Remove staging folders left by killed runs (see the module docstring); return those removed."""
    now = time.time() if now is None else now
    removed = []
    for folder in Path(out_dir).glob(STAGING_PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or now - folder.stat().st_mtime < ABANDONED_AFTER:
                continue
            if any(p.is_file() for p in (folder / "old").rglob("*")):
                continue  # old grades a failed roll-back could not put back: the instructor's to recover
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class OutputFolderError(OSError):
    """The grades folder cannot be written; the message says what to do. Nothing in it was changed."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the one sure test that the folder can be written."""
    try:
        fd, name = tempfile.mkstemp(prefix=".minusma-write-test-", dir=folder)
    except OSError as exc:
        raise OutputFolderError(
            f"cannot write into {folder} ({_reason(exc)}); make it writable or choose "
            "another --out folder. Nothing was changed."
        ) from None
    os.close(fd)
    os.unlink(name)


def check_writable(out_dir: Path, outputs: Iterable[str], subfolders: Iterable[str]) -> None:
    """Raise :class:`OutputFolderError` unless every output can be written into ``out_dir`` (created if missing)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(
            f"{out_dir} is a file, not a folder: give --out a folder for the grades (it is created if missing)."
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"cannot create the grades folder {out_dir} ({_reason(exc)}).") from None
    _probe(out_dir)
    for name in subfolders:
        folder = out_dir / name
        if folder.exists() and not folder.is_dir():
            raise OutputFolderError(f"{folder} is a file, but the grades need a folder of that name: move it away.")
        if folder.is_dir():
            _probe(folder)
    for name in outputs:
        if (out_dir / name).is_dir():
            raise OutputFolderError(
                f"{out_dir / name} is a folder, but the grades need a file of that name: move it away."
            )


def _write(path: Path, payload: bytes, durable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(payload)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.chmod(path, 0o644)


def _keep_copy(source: Path, copy: Path) -> None:
    """``copy`` holds the old file afterwards; ``source`` stays in place (a hard link where file systems have them)."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, copy)
    except OSError:
        shutil.copy2(source, copy)


class StagedOutput:
    """New outputs written aside, then swapped in together (see the module docstring).

    Use as a context manager: the staging folder is removed on leaving,
    whether or not :meth:`commit` was reached.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        clear_abandoned(self.out_dir)
        self.root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        self._new = self.root / "new"
        self._old = self.root / "old"
        self._files: list[str] = []
        self._rollback_failed = False

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, *_exc) -> None:
        if not self._rollback_failed:  # else it holds old files that could not be put back
            shutil.rmtree(self.root, ignore_errors=True)

    def write(self, name: str, payload: bytes, durable: bool = False) -> None:
        """Stage ``payload`` as ``name`` (a posix path relative to the grades folder).

        ``durable`` files are flushed to disk before they are moved in, so a
        power cut cannot leave them empty: the CSV files, and above all the
        hand-grading sheet, which carries what graders typed. Pages and the
        figure are not (a thousand flushes cost seconds), since running the
        command again remakes them from the hand-ins.
        """
        _write(self._new / name, payload, durable)
        self._files.append(name)

    def commit(self, remove: Iterable[str] = (), set_aside_first: str | None = None) -> Path | None:
        """Put every staged file in place and delete the files in ``remove``; all or nothing.

        ``set_aside_first`` names an old output that could not be read (a
        damaged sheet): it is renamed aside, never overwritten, and the new
        name is returned.
        """
        done: list[tuple[str, bool]] = []  # (name, an old file was kept aside)
        made_dirs: list[Path] = []
        aside: Path | None = None
        try:
            if set_aside_first and (self.out_dir / set_aside_first).exists():
                aside = set_aside(self.out_dir / set_aside_first)
            for name in remove:
                target = self.out_dir / name
                (self._old / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, self._old / name)
                done.append((name, True))
            for name in self._files:
                target = self.out_dir / name
                if not target.parent.is_dir():
                    target.parent.mkdir(parents=True)
                    made_dirs.append(target.parent)
                had_old = target.exists()
                if had_old:
                    _keep_copy(target, self._old / name)
                os.replace(self._new / name, target)
                done.append((name, had_old))
        except OSError as exc:
            self._roll_back(done, made_dirs, aside, set_aside_first)
            if self._rollback_failed:
                raise OutputFolderError(
                    f"could not put the new grades in place in {self.out_dir} ({_reason(exc)}), "
                    f"nor put all the old ones back: the old files are in {self.root}."
                ) from None
            raise OutputFolderError(
                f"could not put the new grades in place in {self.out_dir} ({_reason(exc)}); "
                "the previous grades were left as they were. Close any program that has these "
                "files open and run again."
            ) from None
        return aside

    def _roll_back(
        self, done: list[tuple[str, bool]], made_dirs: list[Path], aside: Path | None, aside_name: str | None
    ) -> None:
        for name, had_old in reversed(done):
            target = self.out_dir / name
            try:
                if had_old:
                    os.replace(self._old / name, target)
                else:
                    os.unlink(target)
            except OSError:
                self._rollback_failed = True
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        if aside is not None and aside_name is not None:
            try:
                os.rename(aside, self.out_dir / aside_name)
            except OSError:
                pass
