"""``python -m minusma student-edition OUT [--git]``: the course as students get it, without keys.

The repository holds everything: lessons, exercises, the ``solutions/``
masters with every key and model answer, the instructor's guide, tests and
test tools. A student who works from it sees ``solutions/`` beside
``exercises/``. The student edition is a folder with only what a student
needs:

* ``notebooks/`` and ``exercises/`` (with ``exercises/.checks/``, the hashed
  self-checks the question widgets use), ``data/`` and the ``minusma`` package;
* ``course.py``, ``requirements.txt``, ``requirements-base.txt`` and ``constraints.txt`` (the
  runtime install), ``requirements-hub.txt`` (what a JupyterHub image adds, so an admin given only
  the edition can build one), and a ``pyproject.toml`` without the test and lint configuration;
* ``rubric.yaml``: the rubric written answers are graded with (students see
  its criteria under each written question), moved out of ``instructor/``;
* a student ``README.md`` and a ``.gitignore`` that keeps ``my-work/`` out of git.

It leaves out ``solutions/``, ``instructor/`` (but its rubric), ``tests/``,
``benchmarks/``, ``requirements-dev.txt`` and every other development file.
With ``--git`` the folder is also a git repository with one commit, ready to
publish for students (for example to pull with nbgitpuller on a JupyterHub).

Lessons can be released one at a time: ``--through 04`` writes lessons and
exercises 00–04 only. ``--publish`` brings an existing edition repository up to
date in place and commits the change, so that students who pull again (the
same link, :mod:`minusma.link`) receive the new lesson; their own answers in
``my-work/`` are untracked and never touched.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from . import cutoff, paths, seal

#: Copied as they are, relative to the repository root (globs).
STUDENT_FILES = (
    "notebooks/*.ipynb",
    "exercises/*.ipynb",
    "exercises/.checks/*.json",
    "course.py",
    "requirements.txt",
    "requirements-base.txt",
    "requirements-hub.txt",
    "constraints.txt",
)
#: Folders copied whole (caches left out).
STUDENT_FOLDERS = ("data", "minusma")
#: Never copied, whatever a glob or folder would pick up.
SKIPPED_NAMES = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store")
#: ``pyproject.toml`` sections a student install needs; the rest (pytest, ruff) is for developers.
PYPROJECT_SECTIONS = ("build-system", "project", "tool.setuptools")
#: Where the rubric goes in the edition (``minusma.paths`` looks there when ``instructor/`` is absent).
RUBRIC_NAME = "rubric.yaml"
#: Top-level names that must never be in an edition (checked after writing it).
FORBIDDEN = (
    "solutions",
    "instructor",
    "tests",
    "benchmarks",
    "requirements-dev.txt",
    "conftest.py",
    ".ci",
    "CONTRIBUTING.md",
    "my-work",
    ".venv",
)

GITIGNORE = """\
# Your own answers and hand-in files: they stay on your computer.
my-work/
# The course's Python environment, made by `python course.py start`.
.venv/
__pycache__/
*.pyc
*.egg-info/
.ipynb_checkpoints/
"""

README = """\
# Leaving Mali: MINUSMA's withdrawal, 2023 (student edition)

A sequence of Jupyter notebooks about one real decision. On 16 June 2023 Mali's
transitional authorities asked the UN Security Council to withdraw the
peacekeeping mission MINUSMA; on 30 June 2023 the Council ended its mandate
(resolution 2690). You work out why Bamako asked, what the departure would cost
and what the Council could do, from data in which every row names its source.

## Start

You need Python 3.11 or newer and about 500 MB of disk. In this folder, run:

```sh
python course.py start
```

(`python3` on macOS and most Linux systems, `py` on Windows.) The first time,
it creates a Python environment in `.venv/` and installs the tested versions of
JupyterLab, pandas, matplotlib and ipywidgets, which takes a minute or two;
later it starts at once. JupyterLab opens in your browser on
`notebooks/00_start_here.ipynb`. Stop it with Ctrl+C in the terminal window.

On a course JupyterHub you do not install anything: open the link your
instructor gave you. It puts the course in a folder `course/` in your home and
opens `notebooks/00_start_here.ipynb`. When a new lesson is published, open the
same link again: the lesson arrives, and your answers and notes stay as they are.

## How each lesson works

| folder | what it is |
|---|---|
| `notebooks/` | the lessons: read and run them before class (about 30 minutes each) |
| `exercises/` | the exercises for class and homework, with questions you answer and hand in |
| `data/` | the datasets; `data/README.md` says where every file comes from |
| `minusma/` | the course's helper code (you do not need to open it) |
| `rubric.yaml` | how written answers are graded (the same criteria appear under each written question) |

Each lesson has the same name in `notebooks/` and `exercises/`, for example
`notebooks/01_the_request.ipynb` and `exercises/01_the_request.ipynb`. Read the
lesson first, then open the exercise.

## Where your answers are saved

Every answer is saved the moment you change it, in the folder `my-work/` in
this course folder: `my-work/answers/` holds one file per exercise notebook, and
`my-work/student.json` your name and student id. Close the notebook, restart,
come back tomorrow: run the cells again and your answers reappear. **Check**
tells you whether an answer is right, partly right or not yet, and never shows
the answer. `my-work/` is yours: it is never overwritten by a course update.

## How to hand in

At the end of each exercise notebook, press **Hand in**. It writes one file with
your name, your id and every answer, `my-work/hand-in/<your id>__<notebook>.json`,
and says where it is. In JupyterLab's file browser open that folder, right-click
the file, choose **Download**, and upload it to your course site. You can hand
in again after changing answers: the file is replaced.

On a course JupyterHub your instructor may collect hand-ins directly: then
**Hand in** says "nothing to upload", and a copy is already in the class's
hand-in folder, where only you and your instructors can read it.

## If something does not work

Run the set-up check in `notebooks/00_start_here.ipynb`: it says what is wrong
and what to do. If a widget shows as a line of text (`IntSlider(...)`) instead
of a slider, start the course with `python course.py start` and reload the page.

## Licences

Notebook text: CC BY 4.0, credit "Leaving Mali: MINUSMA's withdrawal, 2023
(course module)". Code in `minusma/` and `course.py`: MIT licence. Data: see
`data/README.md` for the source and terms of every file.
"""


class EditionError(RuntimeError):
    """The student edition cannot be written (the message says why)."""


def _skipped(path: Path) -> bool:
    return any(part in SKIPPED_NAMES or part.endswith(".egg-info") for part in path.parts)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def student_pyproject(text: str) -> str:
    """``pyproject.toml`` with only the sections a student install needs (no pytest or ruff)."""
    kept, keep, pending_comments = [], True, []
    for line in text.splitlines():
        header = re.match(r"^\[+([^\]]+)\]+\s*$", line)
        if header:
            name = header.group(1).strip()
            keep = any(name == s or name.startswith(s + ".") for s in PYPROJECT_SECTIONS)
            if keep:
                kept += pending_comments
            pending_comments = []
        if line.startswith("#") and not header:
            pending_comments.append(line)  # a comment belongs to the section after it
            continue
        if keep:
            kept += pending_comments
            kept.append(line)
        pending_comments = []
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"
    parsed = tomllib.loads(result)  # refuse to write a file that does not parse
    if "tool" in parsed and set(parsed["tool"]) - {"setuptools"}:
        raise EditionError("pyproject.toml: a development section survived the trim")
    return result


#: Lesson notebooks, exercises and their checks are numbered ``NN_slug``; ``--through`` keeps NN up to a bound.
LESSON_FILES = ("notebooks", "exercises")


def _lesson_number(relative: Path) -> int | None:
    """The lesson number of a lesson, exercise or check file (None for every other file)."""
    if relative.parts[0] not in LESSON_FILES:
        return None
    match = re.match(r"^([0-9]{2})_", relative.name)
    return int(match.group(1)) if match else None


def lesson_numbers(root: Path | None = None) -> list[int]:
    """The lesson numbers the course has (from ``notebooks/``)."""
    root = Path(root or paths.REPO_ROOT)
    return sorted({int(p.name[:2]) for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")})


def files_to_copy(root: Path | None = None, through: int | None = None) -> list[Path]:
    """Every repository file the edition copies as it is, relative to ``root``.

    With ``through``, lessons, exercises and checks numbered above it are left out.
    """
    root = Path(root or paths.REPO_ROOT)
    chosen = {p.relative_to(root) for pattern in STUDENT_FILES for p in root.glob(pattern) if p.is_file()}
    for folder in STUDENT_FOLDERS:
        chosen |= {p.relative_to(root) for p in (root / folder).rglob("*") if p.is_file()}
    if through is not None:
        chosen = {p for p in chosen if (_lesson_number(p) or 0) <= through}
    return sorted(p for p in chosen if not _skipped(p))


def published_lessons(root: Path, through: int | None) -> list[int]:
    """The lesson numbers an edition ``--through`` that bound holds (all with None); refuses a bound that leaves none."""
    numbers = lesson_numbers(root)
    published = [n for n in numbers if through is None or n <= through]
    if not published:
        first = f"; the course's lessons are {numbers[0]:02d} and up" if numbers else ""
        raise EditionError(f"--through {through:02d} leaves no lesson{first}")
    return published


def _sealed(published: list[int]) -> bool:
    """Before lesson 08 is published, students get the data as they stood on the day of decision."""
    return max(published) < cutoff.REVEAL_LESSON


def _published_note(root: Path, published: list[int]) -> str:
    if published == lesson_numbers(root):
        return "\nAll lessons are published.\n"
    return (
        f"\nPublished so far: lessons {published[0]:02d}–{published[-1]:02d}. When your instructor publishes the "
        "next one, open the course link again (or pull): the new lesson arrives and your answers stay.\n"
        + (
            f"Until lesson 08 is published, `data/` holds the data as they stood on {cutoff.DECISION_DAY:%d %B %Y}, "
            "the day of the Council's decision, so that your forecasts are not spoiled.\n"
            if _sealed(published)
            else ""
        )
    )


def _write_files(out: Path, root: Path, through: int | None) -> list[Path]:
    published = published_lessons(root, through)
    written = files_to_copy(root, through)
    for relative in written:
        _copy(root / relative, out / relative)
    _copy(root / "instructor" / RUBRIC_NAME, out / RUBRIC_NAME)
    (out / "pyproject.toml").write_text(
        student_pyproject((root / "pyproject.toml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    (out / "README.md").write_text(README + _published_note(root, published), encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    written += [Path(RUBRIC_NAME), Path("pyproject.toml"), Path("README.md"), Path(".gitignore")]
    if _sealed(published):
        _seal(out)
    present = sorted(name for name in FORBIDDEN if (out / name).exists())
    if present:
        raise EditionError(f"the edition holds what students must not get: {', '.join(present)}")
    return sorted(written)


def _seal(out: Path) -> None:
    """Write the edition's data as they stood on the day of decision (:mod:`minusma.seal`)."""
    try:
        seal.seal_data(out / "data")
    except seal.SealError as problem:
        raise EditionError(f"the data could not be sealed at {cutoff.DECISION_DAY:%d %B %Y}: {problem}") from None
    # The data README is generated by the edition's own package from its sealed datasets.yaml.
    done = subprocess.run(
        [sys.executable, "-m", "minusma", "datadoc"],
        cwd=out,
        env={**os.environ, "PYTHONPATH": str(out.resolve())},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise EditionError(f"data/README.md could not be written for the sealed data: {done.stderr.strip()[-300:]}")


def _check_source(out: Path, root: Path) -> None:
    if out.resolve().is_relative_to(root.resolve()):
        raise EditionError(f"{out} is inside the course repository; write the edition somewhere else")
    if not (root / "exercises" / ".checks").is_dir():
        raise EditionError("exercises/.checks/ is missing: run `python -m minusma build` first")


def write_edition(out: Path, root: Path | None = None, git: bool = False, through: int | None = None) -> list[Path]:
    """Write the student edition to ``out`` (a new or empty folder); return the files written, relative.

    ``through`` (a lesson number) leaves out the lessons after it; ``git`` makes
    ``out`` a git repository with the edition as its first commit.
    """
    root = Path(root or paths.REPO_ROOT)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise EditionError(
            f"{out} is not empty; give a new folder (the edition never overwrites files), "
            "or use --publish to update an edition repository"
        )
    _check_source(out, root)
    published_lessons(root, through)  # refuse a bound that leaves no lesson before writing anything
    out.mkdir(parents=True, exist_ok=True)
    written = _write_files(out, root, through)
    if git:
        _commit(out, _commit_message(root, through, first=True))
    return written


def publish(out: Path, root: Path | None = None, through: int | None = None) -> str | None:
    """Bring the edition repository ``out`` up to date and commit; return the commit message, or None if unchanged.

    Only files git tracks in ``out`` are removed before the edition is written
    again, so untracked files (a ``my-work/`` folder, say) stay as they are.
    Refuses a folder that is not a git repository holding a student edition.
    """
    root = Path(root or paths.REPO_ROOT)
    out = Path(out)
    if not (out / ".git").exists():
        raise EditionError(f"{out} is not a git repository; write a new edition with --git first")
    readme = out / "README.md"
    if not readme.is_file() or not readme.read_text(encoding="utf-8").startswith(README.splitlines()[0]):
        raise EditionError(f"{out} does not hold a student edition of this course; --publish changes nothing there")
    _check_source(out, root)
    published_lessons(root, through)  # refuse a bound that leaves no lesson before writing anything
    tracked = _git(out, ["ls-files", "-z"]).split("\0")
    for name in filter(None, tracked):
        (out / name).unlink(missing_ok=True)
    _write_files(out, root, through)
    _git(out, ["add", "-A"])
    if not _git(out, ["status", "--porcelain"]).strip():
        return None
    message = _commit_message(root, through, first=False)
    _git(out, ["commit", "-q", "-m", message])
    return message


def _commit_message(root: Path, through: int | None, first: bool) -> str:
    published = published_lessons(root, through)
    lessons = f"lessons {published[0]:02d}–{published[-1]:02d}"
    return f"Leaving Mali: student edition, {lessons}" if first else f"Publish {lessons}"


#: Who commits the edition (no personal name or key is needed to publish a course).
GIT_IDENTITY = (
    "-c",
    "user.name=Leaving Mali course",
    "-c",
    "user.email=course@invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
)


def _git(out: Path, command: list[str]) -> str:
    if shutil.which("git") is None:
        raise EditionError("this needs the git command, which is not installed")
    done = subprocess.run(["git", *GIT_IDENTITY, *command], cwd=out, capture_output=True, text=True)
    if done.returncode != 0:
        raise EditionError(f"git {command[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _commit(out: Path, message: str) -> None:
    """Make ``out`` a git repository with the edition as its one commit."""
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", message]):
        _git(out, command)


def _lesson_bound(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,2}", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a lesson number such as 04")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma student-edition", description=__doc__.splitlines()[0].split(": ", 1)[1]
    )
    parser.add_argument("out", type=Path, help="a new (or empty) folder outside the repository")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--git", action="store_true", help="also make it a git repository with one commit")
    mode.add_argument(
        "--publish", action="store_true", help="update an existing edition repository in place and commit the change"
    )
    parser.add_argument(
        "--through", type=_lesson_bound, metavar="NN", help="publish lessons up to NN only (e.g. 04); default: all"
    )
    args = parser.parse_args(argv)
    try:
        if args.publish:
            message = publish(args.out, through=args.through)
        else:
            written = write_edition(args.out, git=args.git, through=args.through)
    except EditionError as problem:
        print(f"student-edition: {problem}", file=sys.stderr)
        return 1
    if args.publish:
        print(
            f"Committed in {args.out}: {message}. Push it; students get it by opening the same link again."
            if message
            else f"Nothing new to publish in {args.out}: it already holds this edition."
        )
        return 0
    print(
        f"Wrote the student edition to {args.out}: {len(written)} files"
        + (", as a git repository with one commit" if args.git else "")
        + "."
    )
    return 0
