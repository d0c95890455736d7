"""Reading a folder of hand-ins: every file, whatever its name, without trusting any of it.

Course sites rename files on bulk download (``jane_12345_attempt_..._00_start_here.json``)
and wrap them in folders, so the grader walks the folder recursively and
identifies each student by the ``student.id`` inside the file. Each file is
only ever *read as data*: JSON parsed with the standard library (duplicate
keys and nesting deeper than :data:`MAX_DEPTH` refused), checked against the
submission schema (:func:`minusma.submission.schema_errors`) and its checksum
(:func:`minusma.submission.verify_checksum`). Nothing in it is run, imported or
used as a path.

A file that cannot be graded becomes a :class:`~minusma.grading.problems.Problem`;
a file that can be graded but looks odd (edited after hand-in, another module
version, a strange id, an impossible or implausible time) is graded and flagged.

Files are read one after another in one process: a class of 1,000 students
with every notebook is read in a few seconds (``benchmarks/bench_grading.py``),
so helper processes would add failure modes without a need.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from .. import __version__
from ..submission import ANSWERS_FORMAT, SUBMISSION_FORMAT, schema_errors, verify_checksum
from . import drop
from .names import clean_name, shorten
from .problems import (
    GRADED_FLAGGED,
    GRADED_LATEST,
    IGNORED,
    KEPT_LATEST,
    NOT_GRADED,
    UPDATE_GRADER,
    WRONG_FILE,
    Problem,
)

#: Largest file read, in bytes. A full notebook's hand-in is a few kB; a
#: hand-in with every written answer at its maximum length is under 1 MB.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024

#: The longest student id kept for grading (the schema allows 64; a longer one is reported).
MAX_ID_CHARS = 200

#: Deepest nesting of objects and lists accepted. A hand-in the course writes
#: is 4 levels deep (document, answers, one answer, its value); anything much
#: deeper was not written by the Hand in button and could exhaust Python's
#: recursion limit further on.
MAX_DEPTH = 16

#: A hand-in time further than this from the class's median hand-in time is flagged.
PLAUSIBLE_SPAN = timedelta(days=366)

# Files that operating systems and zip tools leave behind: reported, never graded.
_SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}

# The schema's time pattern, with ASCII digits only, split into fields.
_TIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z$")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_time(text: Any) -> datetime | None:
    """A hand-in time (``2023-06-30T10:15:00.500Z``) as a UTC datetime; None if it is not a real date and time.

    Comparing the text would put ``10:15:00Z`` after ``10:15:00.500Z``;
    comparing datetimes does not. ``2023-02-30T25:61:30Z`` matches the
    pattern but is no time at all, so it gives None.
    """
    match = _TIME.match(text) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None


@dataclass
class Submission:
    """One readable hand-in: who, which notebook, when, and the answers.

    ``answer_errors`` holds schema errors found inside single answers (the
    question then scores 0; the rest of the file is graded). ``plausible``
    is False for a hand-in dated far after the rest of the class; such a
    file is never taken as the latest over one with a plausible time.
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
    plausible: bool = True
    submitted: datetime | None = field(init=False, repr=False)
    created: datetime | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.submitted = parse_time(self.submitted_at)
        self.created = parse_time(self.created_at)

    def sort_key(self) -> tuple[bool, datetime, datetime, str]:
        """Latest last: plausible real times, then hand-in time, first-answer time, file name (a stable tie-break)."""
        return (
            self.plausible and self.submitted is not None,
            self.submitted or _EARLIEST,
            self.created or _EARLIEST,
            self.file,
        )


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
        return None, Problem(rel, "", f"cannot be read ({exc.strerror or exc})", IGNORED)
    if stat.S_ISLNK(info.st_mode):
        return None, Problem(rel, "", "a link, not a file (links are not followed)", IGNORED)
    if not stat.S_ISREG(info.st_mode):
        return None, Problem(rel, "", "not a regular file", IGNORED)
    if info.st_size > max_bytes:
        return None, Problem(
            rel, "", f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,})", "not read; " + NOT_GRADED
        )
    try:
        with open(path, "rb") as handle:
            payload = handle.read(max_bytes + 1)  # +1: a file that grew since lstat is still caught
    except OSError as exc:
        return None, Problem(rel, "", f"cannot be read ({exc.strerror or exc})", IGNORED)
    if len(payload) > max_bytes:
        return None, Problem(rel, "", f"too large (more than {max_bytes:,} bytes)", "not read; " + NOT_GRADED)
    return payload, None


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads`: a key twice in one object is an error, not "the last wins"."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return document


def nesting_depth_exceeds(document: Any, limit: int = MAX_DEPTH) -> bool:
    """True when objects and lists in ``document`` nest deeper than ``limit`` levels (checked without recursion)."""
    if not isinstance(document, (dict, list)):
        return False
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _kind_of_file(rel: str) -> str:
    suffix = PurePosixPath(rel).suffix.lower()
    return f"a {suffix} file" if suffix else "a file without an extension"


def _looks_like_utf16(payload: bytes) -> bool:
    """JSON-like text in UTF-16: a byte-order mark, or the zero bytes UTF-16 puts beside every ASCII character."""
    head = payload[:64]
    if payload.startswith(codecs.BOM_UTF16_LE) or (len(head) >= 4 and head[1::2].count(0) > len(head) // 3):
        encoding = "utf-16" if payload.startswith(codecs.BOM_UTF16_LE) else "utf-16-le"
    elif payload.startswith(codecs.BOM_UTF16_BE) or (len(head) >= 4 and head[0::2].count(0) > len(head) // 3):
        encoding = "utf-16" if payload.startswith(codecs.BOM_UTF16_BE) else "utf-16-be"
    else:
        return False
    try:
        text = payload.decode(encoding)
    except UnicodeDecodeError:
        return False
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def _parse(payload: bytes, rel: str) -> tuple[Any, Problem | None]:
    """JSON from bytes, or a problem that says in plain words what the file is instead."""
    if not payload.strip():
        return None, Problem(rel, "", "empty file", NOT_GRADED)
    if payload.startswith(b"PK\x03\x04"):
        if PurePosixPath(rel).suffix.lower() in ("", ".zip"):
            return None, Problem(rel, "", "a zip archive: unzip it into the submissions folder and run again", IGNORED)
        # Word, Excel and OpenDocument files are zip archives too.
        return None, Problem(
            rel,
            "",
            f"not a hand-in: {_kind_of_file(rel)} (hand-ins are the .json files the Hand in button writes)",
            WRONG_FILE,
        )
    if _looks_like_utf16(payload):
        return None, Problem(
            rel,
            "",
            "text saved as UTF-16, not the UTF-8 of a hand-in: the file was opened and saved again in another program",
            WRONG_FILE,
        )
    try:
        text = payload.decode("utf-8-sig")  # tolerate a byte-order mark added by an editor
    except UnicodeDecodeError:
        return None, Problem(
            rel, "", f"{_kind_of_file(rel)} holding binary data, not text, so not a hand-in", WRONG_FILE
        )
    try:
        document = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as exc:
        return None, Problem(
            rel,
            "",
            f"the key {shorten(repr(exc.key), 40)} appears twice in one object: edited by "
            "hand (the Hand in button never writes that)",
            NOT_GRADED,
        )
    except json.JSONDecodeError as exc:
        if PurePosixPath(rel).suffix.lower() != ".json":
            return None, Problem(
                rel,
                "",
                f"not a hand-in: {_kind_of_file(rel)} whose content is not JSON (hand-ins "
                "are the .json files the Hand in button writes)",
                WRONG_FILE,
            )
        return None, Problem(
            rel,
            "",
            f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); perhaps cut short or edited by hand",
            NOT_GRADED,
        )
    except RecursionError:
        return None, _too_deep(rel)
    except ValueError:  # a number with thousands of digits (Python's int conversion limit)
        return None, Problem(rel, "", "malformed JSON (a number too long to read); edited by hand", NOT_GRADED)
    if nesting_depth_exceeds(document):
        return None, _too_deep(rel)
    return document, None


def _too_deep(rel: str) -> Problem:
    return Problem(
        rel,
        "",
        f"nested too deeply (more than {MAX_DEPTH} levels of objects and lists); a hand-in is "
        "4 levels deep, so this file was not written by the Hand in button",
        NOT_GRADED,
    )


def _identify_other_file(document: Any) -> tuple[str, str] | None:
    """If ``document`` is not a hand-in of this grader's format: (what it is, what was done); else None."""
    if not isinstance(document, dict):
        return "JSON, but not a hand-in (not an object)", IGNORED
    if "cells" in document and "nbformat" in document:
        return (
            "a notebook, not a hand-in: the student should press 'Hand in' in the notebook and "
            "upload the .json file it writes"
        ), NOT_GRADED
    found = document.get("format")
    if found == ANSWERS_FORMAT:
        return (
            "the student's answers file, not a hand-in: ask for the file the 'Hand in' button "
            "writes (it carries the student's name and id)"
        ), NOT_GRADED
    if found == SUBMISSION_FORMAT:
        return None
    family, _, version = found.partition("/") if isinstance(found, str) else ("", "", "")
    if family == SUBMISSION_FORMAT.partition("/")[0]:
        if version.isdigit() and int(version) > int(SUBMISSION_FORMAT.partition("/")[2]):
            return (
                f"a hand-in from a newer version of the course (format {shorten(found, 40)}); this grader reads "
                f"{SUBMISSION_FORMAT}"
            ), UPDATE_GRADER
        return (
            f"a hand-in in an unknown format ({shorten(found, 40)}); this grader reads {SUBMISSION_FORMAT}",
            NOT_GRADED,
        )
    return f"not a hand-in of this course (format {shorten(repr(found), 60)})", NOT_GRADED


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


def _fatal_errors(document: dict[str, Any], sid: str | None) -> tuple[list[str], dict[str, str], list[str]]:
    fatal, per_answer, id_errors = _split_schema_errors(schema_errors(document))
    if sid is None or len(sid) > MAX_ID_CHARS:
        fatal.insert(0, f"student/id: missing, empty or longer than {MAX_ID_CHARS} characters")
    if not isinstance(document.get("answers"), dict):
        fatal.append("answers: missing or not an object")
    return fatal, per_answer, id_errors


def _time_problems(sub: Submission) -> list[Problem]:
    """Flags for times that cannot be real, or that contradict each other."""
    problems = []
    for label, text, parsed in (
        ("hand-in time", sub.submitted_at, sub.submitted),
        ("first-answer time", sub.created_at, sub.created),
    ):
        if parsed is None:
            problems.append(
                Problem(
                    sub.file,
                    sub.student_id,
                    f"the {label} {shorten(text, 40)} is not a real date and time: the file was edited or damaged",
                    GRADED_FLAGGED,
                )
            )
    if sub.submitted and sub.created and sub.submitted < sub.created:
        problems.append(
            Problem(
                sub.file,
                sub.student_id,
                f"handed in ({sub.submitted_at}) before its first answer was saved ({sub.created_at}): "
                "a wrong clock or an edited file",
                GRADED_FLAGGED,
            )
        )
    return problems


def read_submission(path: Path, rel: str, max_bytes: int) -> tuple[Submission | None, list[Problem]]:
    """Read one file. Returns the submission (or None) and the problems to report for it."""
    payload, problem = _read_limited(path, rel, max_bytes)
    if problem:
        return None, [problem]
    document, problem = _parse(payload, rel)
    if problem:
        return None, [problem]
    other = _identify_other_file(document)
    if other:
        return None, [Problem(rel, "", *other)]
    sid = _student_id(document)
    shown_id = sid[:MAX_ID_CHARS] if sid else ""  # as written, so problems.csv matches gradebook.csv
    fatal, per_answer, id_errors = _fatal_errors(document, sid)
    if fatal:
        shown = "; ".join(shorten(line, 160) for line in fatal[:3])
        more = f" (and {len(fatal) - 3} more)" if len(fatal) > 3 else ""
        return None, [Problem(rel, shown_id, f"does not match the hand-in format: {shown}{more}", NOT_GRADED)]

    problems: list[Problem] = []
    if id_errors:
        problems.append(
            Problem(
                rel,
                shown_id,
                "student id has characters the course does not allow (only letters, digits, "
                ". - _); file names made from it are made safe",
                GRADED_FLAGGED,
            )
        )
    try:
        checksum_ok = verify_checksum(document)
    except (TypeError, ValueError):  # NaN or other values canonical JSON refuses
        checksum_ok = False
    if not checksum_ok:
        problems.append(
            Problem(rel, shown_id, "checksum does not match the content: possibly edited after hand-in", GRADED_FLAGGED)
        )
    version = document["module_version"]
    if version != __version__:
        problems.append(
            Problem(
                rel,
                shown_id,
                f"made with module version {shorten(version, 30)}; grading with {__version__}",
                GRADED_FLAGGED,
            )
        )
    sub = Submission(
        file=rel,
        student_id=sid,
        name=clean_name(document["student"]["name"]) or sid,
        notebook=document["notebook"],
        created_at=document["created_at"],
        submitted_at=document["submitted_at"],
        module_version=version,
        answers=document["answers"],
        answer_errors=per_answer,
        checksum_ok=checksum_ok,
    )
    return sub, problems + _time_problems(sub)


def flag_implausible_times(submissions: list[Submission]) -> list[Problem]:
    """Flag hand-ins dated more than :data:`PLAUSIBLE_SPAN` from the class's median hand-in time.

    The reference is the class itself, not the clock, so the same files
    always give the same grades. A hand-in dated far ahead is marked
    not ``plausible``: it cannot win "latest" over one with a plausible time.
    """
    times = sorted(sub.submitted for sub in submissions if sub.submitted is not None)
    if not times:
        return []
    middle = times[(len(times) - 1) // 2]
    problems = []
    for sub in submissions:
        if sub.submitted is None or abs(sub.submitted - middle) <= PLAUSIBLE_SPAN:
            continue
        ahead = sub.submitted > middle
        sub.plausible = not ahead
        problems.append(
            Problem(
                sub.file,
                sub.student_id,
                f"handed in on {sub.submitted:%Y-%m-%d}, more than a year "
                f"{'after' if ahead else 'before'} the class's hand-ins (around {middle:%Y-%m-%d}): "
                "a wrong clock or an edited file",
                "graded only if no other hand-in of that notebook has a plausible time; check with the student"
                if ahead
                else GRADED_FLAGGED,
            )
        )
    return problems


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
        problems.append(
            Problem(
                latest.file,
                sid,
                f"{len(group)} hand-ins of {notebook}; this one is the latest "
                f"(handed in {shorten(latest.submitted_at, 40)})",
                GRADED_LATEST,
            )
        )
        for older in group[:-1]:
            when = shorten(older.submitted_at, 40)
            if older.sort_key()[0] or not latest.sort_key()[0]:
                text = f"older hand-in of {notebook} (handed in {when}); the latest is {latest.file}"
            else:
                text = f"hand-in of {notebook} with an implausible time ({when}); {latest.file} was graded instead"
            problems.append(Problem(older.file, sid, text, KEPT_LATEST))
    return kept, problems


def _read_one(path: Path, rel: str, max_bytes: int) -> tuple[Submission | None, list[Problem]]:
    """Read one entry; never raises (system files and our own bugs become problems too)."""
    if path.name in _SYSTEM_FILES or path.name.startswith("._") or rel.startswith("__MACOSX/"):
        return None, [Problem(rel, "", "a file the operating system or zip tool left behind, not a hand-in", IGNORED)]
    try:
        return read_submission(path, rel, max_bytes)
    except RecursionError:
        return None, [_too_deep(rel)]
    except Exception as exc:  # a bug of ours must cost one file, not the whole class
        return None, [
            Problem(
                rel,
                "",
                f"could not be read ({type(exc).__name__}: {shorten(str(exc), 80)}); "
                "please report this to the course maintainers",
                NOT_GRADED,
            )
        ]


def read_folder(
    folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, exclude: tuple[Path, ...] = (), drop_layout: str | None = None
) -> Intake:
    """Read every file under ``folder``; keep one hand-in per student and notebook.

    With ``drop_layout`` (``"owners"`` or ``"folders"``), ``folder`` is a
    JupyterHub drop folder and each file is first checked against the hub
    account it must come from (:mod:`.drop`).
    """
    all_entries = iter_files(folder, exclude)
    everything: list[Submission] = []
    problems: list[Problem] = []
    entries, owners = all_entries, {}
    if drop_layout:
        entries, owners, problems = drop.screen(all_entries, drop_layout)
    for path, rel in entries:
        sub, found = _read_one(path, rel, max_bytes)
        problems.extend(found)
        if sub is not None:
            everything.append(sub)
    problems.extend(flag_implausible_times(everything))
    if drop_layout:
        problems.extend(drop.shared_ids(everything, owners))
    kept, duplicates = keep_latest(everything)
    return Intake(submissions=kept, problems=problems + duplicates, files_read=len(all_entries))
