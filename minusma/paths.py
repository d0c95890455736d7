"""Where things live, relative to the repository.

Every other module asks here, so the course works from any folder a notebook
is opened in (``notebooks/``, ``exercises/``, ``solutions/``) and no absolute
machine path is ever written into the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: The repository root: the folder that holds ``minusma/`` and ``data/``.
REPO_ROOT = Path(__file__).resolve().parent.parent

DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
EXERCISES_DIR = REPO_ROOT / "exercises"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
#: What a course notebook is called (without ``.ipynb``): two digits, underscore, a lower-case slug.
NOTEBOOK_NAME = re.compile(r"^[0-9]{2}_[a-z0-9_]+$")
#: What a question id looks like: the notebook's two digits, a dot, a lower-case slug (``00.capital``).
QUESTION_ID = re.compile(r"^[0-9]{2}\.[a-z0-9_]+$")

#: The rubric for written answers: criteria shown to students (spec) and used by the grader.
#: The student edition has no instructor/ folder and keeps the rubric at its root (minusma.edition).
RUBRIC_FILE = REPO_ROOT / "instructor" / "rubric.yaml"
if not RUBRIC_FILE.exists() and (REPO_ROOT / "rubric.yaml").exists():
    RUBRIC_FILE = REPO_ROOT / "rubric.yaml"


#: Set by a JupyterHub admin to the class's drop folder: hand-ins are then also copied there (instructor/hub.md).
DROP_ENV = "MINUSMA_HANDIN_DROP"


def work_dir() -> Path:
    """Folder for a student's own files (answers, hand-ins).

    ``MINUSMA_WORK_DIR`` overrides it, which tests use to stay out of the
    working copy. By default it is ``my-work/`` in the repository (git-ignored).

    The folder is made on first use readable by its owner alone (mode 0700):
    on a shared machine or a JupyterHub, other users cannot read a student's
    answers even where home folders are open to all. A folder that already
    exists keeps the permissions its owner gave it.
    """
    override = os.environ.get("MINUSMA_WORK_DIR")
    work = Path(override) if override else REPO_ROOT / "my-work"
    if not work.exists():
        try:
            work.parent.mkdir(parents=True, exist_ok=True)
            work.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            pass  # a read-only course folder: the save that needs it reports the problem in words
    return work


def display_path(path: Path) -> str:
    """A path as a person can find it: relative to the repository when inside it, never expanded otherwise."""
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)
