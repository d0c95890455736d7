"""``python -m minusma link --hub URL --repo URL``: one link that gives each student the course on a JupyterHub.

The link is an nbgitpuller link (https://nbgitpuller.readthedocs.io): a student
who opens it logs in to the hub, and nbgitpuller clones the student edition
into ``~/<folder>`` the first time, or pulls what the instructor published
since, then opens the first lesson. Every student gets the same link.

Pulling again never loses a student's work: answers live in ``my-work/``,
which the edition's ``.gitignore`` keeps out of git, and nbgitpuller keeps a
student's own edits to a notebook when the instructor's copy changes too
(``instructor/hub.md`` says what an admin sets up).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from . import paths

#: The lesson a fresh student opens first.
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
#: The folder in each student's home the course is pulled into.
DEFAULT_FOLDER = "course"


class LinkError(ValueError):
    """An argument cannot make a working link; the message says which and why."""


def _web_address(url: str, what: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise LinkError(f"{what} must be a web address starting with https:// (got {url!r})")
    if parts.query or parts.fragment:
        raise LinkError(f"{what} must not carry a query or #fragment (got {url!r})")
    return url.strip().rstrip("/")


#: Git addresses nbgitpuller can clone from: web, git daemon, ssh, or a folder the hub's users can read.
REPO_SCHEMES = ("https", "http", "git", "ssh", "file")


def _repository(url: str) -> str:
    """The edition's address as git (and so nbgitpuller) takes it; a folder path becomes a ``file://`` address."""
    url = url.strip()
    if not url:
        raise LinkError("--repo must be the address of the student edition's git repository")
    if re.match(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]", url):  # git@host:path, ssh's short form
        return url
    parts = urlsplit(url)
    if parts.scheme in REPO_SCHEMES and (parts.netloc or parts.scheme == "file"):
        return url
    if parts.scheme and len(parts.scheme) > 1:  # one letter is a Windows drive, below
        raise LinkError(f"--repo must be a git address (https://, git://, ssh:// or file://), not {url!r}")
    return Path(url).expanduser().resolve().as_uri()


def _relative(path: str, what: str) -> str:
    cleaned = PurePosixPath(path.strip().replace("\\", "/"))
    if not path.strip() or cleaned.is_absolute() or ".." in cleaned.parts:
        raise LinkError(f"{what} must be a path inside the course folder, such as {FIRST_NOTEBOOK} (got {path!r})")
    return cleaned.as_posix()


def nbgitpuller_link(
    hub: str,
    repo: str,
    branch: str = "main",
    folder: str = DEFAULT_FOLDER,
    open_path: str = FIRST_NOTEBOOK,
    interface: str = "lab",
) -> str:
    """The nbgitpuller link for ``repo`` on ``hub``, opening ``open_path`` in JupyterLab.

    ``folder`` is where the course lands in each student's home (nbgitpuller's
    ``targetpath``); ``open_path`` is relative to it. Raises :class:`LinkError`
    for an argument that cannot work.
    """
    hub = _web_address(hub, "--hub")
    repo = _repository(repo)
    if not branch.strip() or any(c.isspace() for c in branch.strip()):
        raise LinkError(f"--branch must be a branch name such as main (got {branch!r})")
    folder = _relative(folder, "--folder")
    open_path = _relative(open_path, "--open")
    if interface not in {"lab", "tree"}:
        raise LinkError(f"the interface must be lab or tree (got {interface!r})")
    query = urlencode(
        {
            "repo": repo,
            "branch": branch.strip(),
            "targetpath": folder,
            "urlpath": f"{interface}/tree/{folder}/{open_path}",
        }
    )
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma link",
        description="Print the one link that pulls the student edition into each student's home on a JupyterHub.",
        epilog="Example: python -m minusma link --hub https://hub.example.edu --repo "
        "https://github.com/example/leaving-mali-students",
    )
    parser.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument(
        "--repo", required=True, help="where the hub clones the student edition from (https://..., git://, or a folder)"
    )
    parser.add_argument("--branch", default="main", help="the edition's branch (default main)")
    parser.add_argument(
        "--folder", default=DEFAULT_FOLDER, help=f"folder in each student's home (default {DEFAULT_FOLDER})"
    )
    parser.add_argument(
        "--open", dest="open_path", default=FIRST_NOTEBOOK, help=f"what opens first (default {FIRST_NOTEBOOK})"
    )
    args = parser.parse_args(argv)
    try:
        link = nbgitpuller_link(args.hub, args.repo, args.branch, args.folder, args.open_path)
        print(link)
    except LinkError as problem:
        print(f"link: {problem}", file=sys.stderr)
        return 2
    if "repo=file%3A" in link:
        print(
            "link: note: the hub pulls from a folder on its own machine; every student's account must be able to "
            "read it (and git may ask for safe.directory). A web address is simpler.",
            file=sys.stderr,
        )
    if not (paths.REPO_ROOT / args.open_path).is_file():
        print(f"link: note: this course has no {args.open_path}; check the --open path.", file=sys.stderr)
    return 0
