"""A JupyterHub drop folder: hand-ins copied there by the Hand in button, checked by who wrote them.

On a hub whose admin set ``MINUSMA_HANDIN_DROP`` (``instructor/hub.md``), each
hand-in is copied as ``<hub user>__<notebook>.json`` into a folder students can
write but not list. The hub account that wrote a file is its owner, which a
student cannot forge, while the name and the student id inside are typed. So
before grading such a folder:

* a file named for one hub user but owned by another is not graded (someone
  handed in under another's name, or planted a file to block theirs);
* a file not named as the button names them is not graded, and an unfinished
  copy (a hidden temporary file) is ignored;
* one student id handed in from several hub accounts is graded and flagged,
  since only the latest of them would otherwise count.

Two layouts (``instructor/hub.md``):

``owners`` (one machine: a plain hub or The Littlest JupyterHub)
    one shared folder; the file's owner must be the hub user in its name, or
    that user's TLJH account ``jupyter-<user>``.
``folders`` (Kubernetes: Zero to JupyterHub)
    every server runs as the same account, so owners say nothing; instead each
    student's server mounts only its own sub-folder, named by the hub. A file
    must be ``<user>/<user>__<notebook>.json``: the folder (which only that
    student can reach) must match the name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .problems import GRADED_FLAGGED, IGNORED, NOT_GRADED, Problem

#: How the Hand in button names its copy (see :func:`minusma.handin.drop_path`).
DROP_NAME = re.compile(r"^(?P<user>[A-Za-z0-9._-]+?)__(?P<notebook>[0-9]{2}_[a-z0-9_]+)\.json$")

try:
    import pwd
except ImportError:  # Windows has no file owners of this kind
    pwd = None


#: The drop folder layouts :func:`screen` knows.
LAYOUTS = ("owners", "folders")
#: The Littlest JupyterHub names the system account of hub user ``amina`` ``jupyter-amina``.
TLJH_PREFIX = "jupyter-"


class DropFolderError(RuntimeError):
    """The folder cannot be checked as a drop folder (the message says why)."""


def owner_name(path: Path) -> str:
    """The account that owns ``path`` (its uid as text when the system does not know the name)."""
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _refused(rel: str, problem: str, action: str = NOT_GRADED) -> Problem:
    return Problem(rel, "", problem, action)


def screen(
    entries: list[tuple[Path, str]], layout: str = "owners"
) -> tuple[list[tuple[Path, str]], dict[str, str], list[Problem]]:
    """Split a drop folder's files into those to grade and those refused.

    Returns the entries to read, the hub user each one belongs to (by relative
    name), and the problems for the rest.
    """
    if layout not in LAYOUTS:
        raise DropFolderError(f"a drop folder's layout is one of {', '.join(LAYOUTS)}, not {layout!r}")
    if layout == "owners" and pwd is None:
        raise DropFolderError("checking a drop folder needs a Linux or macOS system (file owners)")
    kept: list[tuple[Path, str]] = []
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    expected = "<hub user>__<notebook>.json" if layout == "owners" else "<hub user>/<hub user>__<notebook>.json"
    for path, rel in entries:
        parts = rel.split("/")
        if parts[-1].startswith("."):
            problems.append(_refused(rel, "an unfinished copy (a hand-in interrupted while it was written)", IGNORED))
            continue
        match = DROP_NAME.match(parts[-1])
        if match is None or len(parts) != (1 if layout == "owners" else 2):
            problems.append(_refused(rel, f"not a hand-in the Hand in button copied here (those are {expected})"))
            continue
        user = match.group("user")
        if layout == "folders":
            if parts[0] != user:
                problems.append(
                    _refused(
                        rel,
                        f"named for hub user {user} but found in {parts[0]}'s folder",
                        f"{NOT_GRADED}; talk to both students",
                    )
                )
                continue
        else:
            owner = owner_name(path)
            if owner not in (user, TLJH_PREFIX + user):
                problems.append(
                    _refused(
                        rel,
                        f"named for hub user {user} but written by hub user {owner}",
                        f"{NOT_GRADED}; talk to both students",
                    )
                )
                continue
        owners[rel] = user
        kept.append((path, rel))
    return kept, owners, problems


def shared_ids(submissions: list, owners: dict[str, str]) -> list[Problem]:
    """Flag each student id handed in from more than one hub account."""
    accounts: dict[str, set[str]] = {}
    for sub in submissions:
        accounts.setdefault(sub.student_id, set()).add(owners.get(sub.file, "?"))
    problems = []
    for sub in submissions:
        users = accounts[sub.student_id]
        if len(users) > 1:
            problems.append(
                Problem(
                    sub.file,
                    sub.student_id,
                    f"student id {sub.student_id} was handed in from hub accounts {', '.join(sorted(users))}",
                    GRADED_FLAGGED,
                )
            )
    return problems
