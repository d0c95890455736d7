"""``python -m minusma execute NOTEBOOK...``: store notebooks executed, as nbval expects.

Runs each notebook top to bottom in its own folder with the course kernel,
keeps outputs and execution counts, and drops the stored widget state
(``metadata.widgets``), whose ids change on every run. Answers that the run
saves go to a throw-away work folder, never into the developer's ``my-work/``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .files import write_text_atomic


def execute_notebook(path: Path, timeout: int = 600) -> None:
    """Execute ``path`` in place (outputs stored, widget state stripped)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="minusma-execute-") as work:
        previous = os.environ.get("MINUSMA_WORK_DIR")
        os.environ["MINUSMA_WORK_DIR"] = work  # the kernel inherits it
        try:
            # store_widget_state=False crashes nbclient 0.11 on Output widgets; strip afterwards instead
            NotebookClient(
                nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
        finally:
            if previous is None:
                os.environ.pop("MINUSMA_WORK_DIR", None)
            else:
                os.environ["MINUSMA_WORK_DIR"] = previous
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # run times change on every run: pure diff noise
    write_text_atomic(path, nbformat.writes(nb) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minusma execute", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebook files to execute in place")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        execute_notebook(path, timeout=args.timeout)
    return 0
