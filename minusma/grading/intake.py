"""Reading a folder of hand-ins: every file, whatever its name, without trusting any of it.

Course sites rename files on bulk download (``jane_12345_attempt_..._00_start_here.json``)
and wrap them in folders, so the grader walks the folder recursively and
identifies each student by the ``student.id`` inside the file. Each file is
only ever *read as data*: JSON parsed with the standard library, checked
against the submission schema (:func:`minusma.submission.schema_errors`) and
its checksum (:func:`minusma.submission.verify_checksum`). Nothing in it is
run, imported or used as a path.

A file that cannot be graded becomes a :class:`~minusma.grading.problems.Problem`;
a file that can be graded but looks odd (edited after hand-in, another module
version, a strange id) is graded and flagged.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .. import submission as _submission
from . import problems as P
from .names import shorten
from .problems import Problem

#: Largest file read, in bytes. A full notebook's hand-in is a few kB; a
#: hand-in with every written answer at its maximum length is under 1 MB.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024

#: The longest student id kept for grading (the schema allows 64; a longer one is reported).
MAX_ID_CHARS = 200

# Files that operating systems and zip tools leave behind: reported, never graded.
_SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class Submission:
    """One readable hand-in: who, which notebook, when, and the answers.

    ``answer_errors`` holds schema errors found inside single answers (the
    question then scores 0; the rest of the file is graded). ``flags`` are the
    problems reported for a file that is graded all the same.
    """

    file: str
    student_id: str
    name: str
    notebook: str
    created_at: str
    submitted_at: str
    module_version: str
    answers: dict[str, Any]
    answer_errors: dict[str, str] = field(default_factory=dict)
    checksum_ok: bool = True

    def sort_key(self) -> tuple[str, str, str]:
        """Latest last: by hand-in time, then first-answer time, then file name (a stable tie-break)."""
        return (self.submitted_at, self.created_at, self.file)


@dataclass
class Intake:
    """What reading a folder gave: the submissions kept, and every problem found."""

    submissions: list[Submission]
    problems: list[Problem]
    files_read: int


def iter_files(folder: Path, exclude: tuple[Path, ...] = ()) -> list[tuple[Path, str]]:
    """Every entry under ``folder`` that is not a folder, as (path, relative posix name), sorted.

    Symbolic links to folders are not followed (a link loop cannot hang the
    run); folders in ``exclude`` (the grades folder, if it sits inside the
    submissions folder) are skipped.
    """
    folder = Path(folder)
    excluded = {os.path.realpath(p) for p in exclude}
    found: list[tuple[Path, str]] = []
    for root, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if os.path.realpath(os.path.join(root, d)) not in excluded)
        for name in filenames:
            path = Path(root) / name
            found.append((path, path.relative_to(folder).as_posix()))
        # A symlink to a folder appears in dirnames but is not walked: report it as a file entry.
        for d in list(dirnames):
            if os.path.islink(os.path.join(root, d)):
                path = Path(root) / d
                found.append((path, path.relative_to(folder).as_posix()))
                dirnames.remove(d)
    found.sort(key=lambda item: item[1])
    return found


def _read_limited(path: Path, rel: str, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or the problem that stops us reading it. Never reads past ``max_bytes``."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return None, Problem(rel, "", f"cannot be read ({exc.strerror or exc})", P.IGNORED)
    if stat.S_ISLNK(info.st_mode):
        return None, Problem(rel, "", "a link, not a file (links are not followed)", P.IGNORED)
    if not stat.S_ISREG(info.st_mode):
        return None, Problem(rel, "", "not a regular file", P.IGNORED)
    if info.st_size > max_bytes:
        return None, Problem(rel, "", f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,})",
                             "not read; " + P.NOT_GRADED)
    try:
        with open(path, "rb") as handle:
            payload = handle.read(max_bytes + 1)  # +1: a file that grew since lstat is still caught
    except OSError as exc:
        return None, Problem(rel, "", f"cannot be read ({exc.strerror or exc})", P.IGNORED)
    if len(payload) > max_bytes:
        return None, Problem(rel, "", f"too large (more than {max_bytes:,} bytes)", "not read; " + P.NOT_GRADED)
    return payload, None


def _parse(payload: bytes, rel: str) -> tuple[Any, Problem | None]:
    """JSON from bytes, or a problem that says in plain words what the file is instead."""
    if not payload.strip():
        return None, Problem(rel, "", "empty file", P.NOT_GRADED)
    if payload.startswith(b"PK\x03\x04"):
        return None, Problem(rel, "", "a zip archive: unzip it into the submissions folder and run again", P.IGNORED)
    try:
        text = payload.decode("utf-8-sig")  # tolerate a byte-order mark added by an editor
    except UnicodeDecodeError:
        return None, Problem(rel, "", "not a text file (not UTF-8), so not a hand-in", P.NOT_GRADED)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, Problem(rel, "", f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                                      "perhaps cut short or edited by hand", P.NOT_GRADED)
    except (ValueError, RecursionError) as exc:  # absurd nesting or a number too long to read
        return None, Problem(rel, "", f"malformed JSON ({type(exc).__name__})", P.NOT_GRADED)


def _what_else(document: Any) -> str | None:
    """If ``document`` is some other known file, a sentence saying which (else None)."""
    if not isinstance(document, dict):
        return "JSON, but not a hand-in (not an object)"
    if "cells" in document and "nbformat" in document:
        return ("a notebook, not a hand-in: the student should press 'Hand in' in the notebook and "
                "upload the .json file it writes")
    if document.get("format") == _submission.ANSWERS_FORMAT:
        return ("the student's answers file, not a hand-in: ask for the file the 'Hand in' button "
                "writes (it carries the student's name and id)")
    if document.get("format") != _submission.SUBMISSION_FORMAT:
        return f"not a hand-in of this course (format {shorten(repr(document.get('format')), 60)})"
    return None


def _student_id(document: dict[str, Any]) -> str | None:
    student = document.get("student")
    if isinstance(student, dict) and isinstance(student.get("id"), str):
        sid = student["id"].strip()
        if sid:
            return sid
    return None


def _split_schema_errors(errors: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """(errors that stop grading, first error per question id, errors in the student id).

    ``schema_errors`` gives ``"path/to/field: message"``. Errors under
    ``answers/<question id>/`` concern one answer only; errors on the
    ``answers`` object's property names are unknown question ids, which the
    grader finds and reports itself.
    """
    fatal: list[str] = []
    per_answer: dict[str, str] = {}
    id_errors: list[str] = []
    for line in errors:
        where, _, message = line.partition(": ")
        if where.startswith("answers/"):
            qid = where.split("/")[1]
            per_answer.setdefault(qid, message)
        elif where == "answers" and "is not of type" not in message:
            continue
        elif where == "student/id":
            id_errors.append(message)
        else:
            fatal.append(line)
    return fatal, per_answer, id_errors


def read_submission(path: Path, rel: str, max_bytes: int) -> tuple[Submission | None, list[Problem]]:
    """Read one file. Returns the submission (or None) and the problems to report for it."""
    payload, problem = _read_limited(path, rel, max_bytes)
    if problem:
        return None, [problem]
    document, problem = _parse(payload, rel)
    if problem:
        return None, [problem]
    other = _what_else(document)
    if other:
        return None, [Problem(rel, "", other, P.NOT_GRADED if isinstance(document, dict) else P.IGNORED)]
    sid = _student_id(document)
    shown_id = sid[:MAX_ID_CHARS] if sid else ""  # as written, so problems.csv matches gradebook.csv
    fatal, per_answer, id_errors = _split_schema_errors(_submission.schema_errors(document))
    if sid is None or len(sid) > MAX_ID_CHARS:
        fatal.insert(0, "student/id: missing, empty or longer than %d characters" % MAX_ID_CHARS)
    if not isinstance(document.get("answers"), dict):
        fatal.append("answers: missing or not an object")
    if fatal:
        shown = "; ".join(shorten(line, 160) for line in fatal[:3])
        more = f" (and {len(fatal) - 3} more)" if len(fatal) > 3 else ""
        return None, [Problem(rel, shown_id, f"does not match the hand-in format: {shown}{more}", P.NOT_GRADED)]

    problems: list[Problem] = []
    if id_errors:
        problems.append(Problem(rel, shown_id,
                                "student id has characters the course does not allow (only letters, digits, "
                                ". - _); file names made from it are made safe", P.GRADED_FLAGGED))
    try:
        checksum_ok = _submission.verify_checksum(document)
    except (TypeError, ValueError):  # NaN or other values canonical JSON refuses
        checksum_ok = False
    if not checksum_ok:
        problems.append(Problem(rel, shown_id, "checksum does not match the content: possibly edited after hand-in",
                                P.GRADED_FLAGGED))
    version = document["module_version"]
    if version != __version__:
        problems.append(Problem(rel, shown_id,
                                f"made with module version {shorten(version, 30)}; grading with {__version__}",
                                P.GRADED_FLAGGED))
    sub = Submission(
        file=rel,
        student_id=sid,
        name=document["student"]["name"].strip() or sid,
        notebook=document["notebook"],
        created_at=document["created_at"],
        submitted_at=document["submitted_at"],
        module_version=version,
        answers=document["answers"],
        answer_errors=per_answer,
        checksum_ok=checksum_ok,
    )
    return sub, problems


def keep_latest(submissions: list[Submission]) -> tuple[list[Submission], list[Problem]]:
    """One submission per (student, notebook): the latest by hand-in time. Every duplicate is reported."""
    groups: dict[tuple[str, str], list[Submission]] = {}
    for sub in submissions:
        groups.setdefault((sub.student_id, sub.notebook), []).append(sub)
    kept: list[Submission] = []
    problems: list[Problem] = []
    for (sid, notebook), group in sorted(groups.items()):
        group.sort(key=Submission.sort_key)
        latest = group[-1]
        kept.append(latest)
        if len(group) == 1:
            continue
        problems.append(Problem(latest.file, sid, f"{len(group)} hand-ins of {notebook}; this one is the latest "
                                                  f"(handed in {latest.submitted_at})", P.GRADED_LATEST))
        for older in group[:-1]:
            problems.append(Problem(older.file, sid, f"older hand-in of {notebook} (handed in {older.submitted_at}); "
                                                     f"the latest is {latest.file}", P.KEPT_LATEST))
    return kept, problems


#: Below this many files, reading in one process is faster than starting helpers.
PARALLEL_THRESHOLD = 200


def _read_one(path: Path, rel: str, max_bytes: int) -> tuple[Submission | None, list[Problem]]:
    """Read one entry; never raises (system files and our own bugs become problems too)."""
    if path.name in _SYSTEM_FILES or path.name.startswith("._") or rel.startswith("__MACOSX/"):
        return None, [Problem(rel, "", "a file the operating system or zip tool left behind, not a hand-in", P.IGNORED)]
    try:
        return read_submission(path, rel, max_bytes)
    except RecursionError:
        return None, [Problem(rel, "", "nested too deeply to be a hand-in", P.NOT_GRADED)]
    except Exception as exc:  # a bug of ours must cost one file, not the whole class
        return None, [Problem(rel, "", f"could not be read ({type(exc).__name__}: {shorten(str(exc), 80)}); "
                                       "please report this to the course maintainers", P.NOT_GRADED)]


def _read_chunk(chunk: list[tuple[Path, str]], max_bytes: int) -> list[tuple[Submission | None, list[Problem]]]:
    """Read a slice of the folder (runs in a helper process when reading in parallel)."""
    return [_read_one(path, rel, max_bytes) for path, rel in chunk]


def auto_jobs(n_files: int) -> int:
    """How many processes to read ``n_files`` with: one per core (at most 4) for big classes, else one."""
    if n_files < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def read_folder(folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, exclude: tuple[Path, ...] = (),
                jobs: int | None = 1) -> Intake:
    """Read every file under ``folder``; keep one hand-in per student and notebook.

    ``jobs`` processes share the reading (``None``: :func:`auto_jobs`). Checking
    each file against the schema is most of a run's time and files are
    independent, so a class is read about ``jobs`` times faster on as many
    cores. Results come back in file order, so the outcome is the same for
    any number of jobs.
    """
    entries = iter_files(folder, exclude)
    jobs = auto_jobs(len(entries)) if jobs is None else max(1, int(jobs))
    if jobs == 1 or len(entries) < 2:
        results = _read_chunk(entries, max_bytes)
    else:
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, -(-len(entries) // (jobs * 4)))  # a few chunks per process evens out slow files
        chunks = [entries[i:i + size] for i in range(0, len(entries), size)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = [r for part in pool.map(_read_chunk, chunks, [max_bytes] * len(chunks)) for r in part]
    everything: list[Submission] = []
    problems: list[Problem] = []
    for sub, found in results:
        problems.extend(found)
        if sub is not None:
            everything.append(sub)
    kept, duplicates = keep_latest(everything)
    return Intake(submissions=kept, problems=problems + duplicates, files_read=len(entries))
