"""nbval really compares the outputs a notebook marks for checking: a tampered number must fail the run.

Run once on a small notebook made here (not on a lesson, whose text changes), with the project's own
nbval options: a cell tagged ``nbval-check-output`` is compared, other cells only have to run.
"""

import subprocess
import sys

import nbformat
import pytest

from minusma import paths

pytestmark = pytest.mark.slow


def notebook(stored_count: str):
    checked = nbformat.v4.new_code_cell(
        'print("15 in favour")',
        execution_count=1,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text=f"{stored_count} in favour\n")],
    )
    checked.metadata["tags"] = ["nbval-check-output"]
    unchecked = nbformat.v4.new_code_cell(
        'print("anything")',
        execution_count=2,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="something else\n")],
    )
    return nbformat.v4.new_notebook(
        cells=[checked, unchecked],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def test_changed_checked_number_fails_and_untouched_copy_passes(tmp_path):
    nbformat.write(notebook("15"), tmp_path / "untouched.ipynb")
    nbformat.write(notebook("14"), tmp_path / "tampered.ipynb")
    sanitize = paths.REPO_ROOT / "tests" / "sanitize.cfg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "--nbval-lax",
            "--nbval-current-env",
            f"--nbval-sanitize-with={sanitize}",
            "--color=no",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in summary and "3 passed" in summary, summary
    failures = result.stdout.split("short test summary")[-1]
    assert "FAILED tampered.ipynb::Cell 0" in failures and "untouched.ipynb::" not in failures
    assert "Cell outputs differ" in result.stdout
