#!/usr/bin/env python3
"""Set up and run the course: the only two commands a user needs.

    python course.py start    # make .venv, install requirements.txt, open the course in JupyterLab
    python course.py test     # the same, plus requirements-dev.txt, then every test and the lint

``start`` installs what students need (requirements.txt); ``test`` adds the
test tools (requirements-dev.txt). ``python course.py test --quick`` is the
edit-test loop: unit and data tests only, no notebooks, browser or lint.
Other extra arguments after ``test`` go to pytest (``python course.py test tests/test_data.py``).
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
#: Install profiles: what each command needs. The dev profile includes the runtime one.
PROFILES = {"runtime": ROOT / "requirements.txt", "dev": ROOT / "requirements-dev.txt"}
#: Files whose change means the environment must be brought up to date.
INSTALL_INPUTS = (
    "requirements.txt",
    "requirements-base.txt",
    "requirements-dev.txt",
    "constraints.txt",
    "pyproject.toml",
)
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
PYTEST_NO_TESTS = 5
#: The quick lane: fast tests for the edit-test loop (the full command stays the README's).
QUICK = ["tests", "-m", "not slow and not browser", "-q"]


def venv_python() -> Path:
    """The virtual environment's interpreter (Windows keeps it in Scripts/)."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _stamp(profile: str) -> Path:
    return VENV / f"installed-{profile}.sha256"


def _inputs_hash() -> str:
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        if (ROOT / name).exists():  # the student edition has no requirements-dev.txt
            digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_environment(profile: str = "runtime") -> Path:
    """Create ``.venv`` and install a profile's pinned requirements, unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 (course.py runs on any Python, before the venv exists)
        sys.exit(f"This course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = _inputs_hash()
    stamp = _stamp(profile)
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        requirements = PROFILES[profile]
        print(
            f"Installing the pinned packages from {requirements.name} (about a minute the first time) ...", flush=True
        )
        run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(requirements)])
        # the dev profile includes the runtime one
        for done in ["runtime", "dev"] if profile == "dev" else ["runtime"]:
            _stamp(done).write_text(wanted + "\n")
    return python


def run(command: list, **kwargs) -> int:
    """Run a command from the repository root; stop with its exit code if it fails."""
    code = subprocess.call([str(c) for c in command], cwd=ROOT, **kwargs)
    if code != 0:
        sys.exit(code)
    return code


def start_command(python: Path) -> list[str]:
    """JupyterLab with the course folder as its root, opening the first notebook.

    The root must be the course folder, not the notebook's folder: students
    go on to ``exercises/`` and their hand-ins are in ``my-work/``.
    """
    command = [
        str(python),
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, CI)
    return command


def start(python: Path, extra: list[str]) -> int:
    print("Opening JupyterLab; stop it with Ctrl+C in this window.", flush=True)
    return subprocess.call(start_command(python) + extra, cwd=ROOT)


def lint(python: Path) -> int:
    """ruff: the lint and the format every contributor keeps (configured in pyproject.toml)."""
    code = subprocess.call([str(python), "-m", "ruff", "check", "."], cwd=ROOT)
    return code or subprocess.call([str(python), "-m", "ruff", "format", "--check", "."], cwd=ROOT)


def test(python: Path, extra: list[str]) -> int:
    quick = extra[:1] == ["--quick"]
    if quick:
        extra = QUICK + extra[1:]
    elif not extra:
        code = lint(python)
        if code != 0:
            print(
                "course.py: the lint found problems (above); fix them, or run  ruff check --fix .  and  ruff format .",
                file=sys.stderr,
            )
            return code
    code = subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)
    if code == PYTEST_NO_TESTS:
        print("course.py: pytest collected no tests; that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"start", "test"}:
        print(__doc__)
        return 2
    if argv[0] == "start":
        return start(ensure_environment("runtime"), argv[1:])
    if not PROFILES["dev"].exists():
        print(
            "This is the student edition of the course: it has no tests. Run  python course.py start", file=sys.stderr
        )
        return 2
    return test(ensure_environment("dev"), argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
