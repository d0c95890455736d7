#!/usr/bin/env python3
"""Set up and run the course: the only two commands a user needs.

    python course.py start    # make .venv, install requirements.txt, open JupyterLab at 00_start_here
    python course.py test     # the same set-up, then every test (unit, data, notebooks, browser)

Extra arguments after ``test`` go to pytest (``python course.py test tests/test_data.py``).
Uses only the standard library, so it runs with any Python 3.11+ on Linux, macOS
or Windows before anything is installed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / "requirements.sha256"
FIRST_NOTEBOOK = Path("notebooks") / "00_start_here.ipynb"
PYTEST_NO_TESTS = 5


def venv_python() -> Path:
    """The virtual environment's interpreter (Windows keeps it in Scripts/)."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_environment() -> Path:
    """Create ``.venv`` and install the pinned requirements, unless already done."""
    if sys.version_info < (3, 11):
        sys.exit(f"This course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing the pinned packages from requirements.txt (about a minute the first time) ...", flush=True)
        run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(REQUIREMENTS)])
        STAMP.write_text(wanted + "\n")
    return python


def run(command: list, **kwargs) -> int:
    """Run a command from the repository root; stop with its exit code if it fails."""
    code = subprocess.call([str(c) for c in command], cwd=ROOT, **kwargs)
    if code != 0:
        sys.exit(code)
    return code


def start(python: Path, extra: list[str]) -> int:
    command = [python, "-m", "jupyterlab", str(FIRST_NOTEBOOK)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, CI)
    print("Opening JupyterLab; stop it with Ctrl+C in this window.", flush=True)
    return subprocess.call([str(c) for c in command + extra], cwd=ROOT)


def test(python: Path, extra: list[str]) -> int:
    code = subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)
    if code == PYTEST_NO_TESTS:
        print("course.py: pytest collected no tests; that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"start", "test"}:
        print(__doc__)
        return 2
    python = ensure_environment()
    return (start if argv[0] == "start" else test)(python, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
