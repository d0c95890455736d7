"""nbval really compares the checked outputs: a tampered number must fail the run."""
import shutil
import subprocess
import sys

import nbformat

from minusma import paths

LESSON = paths.NOTEBOOKS_DIR / "00_start_here.ipynb"


def tamper(path, old, new):
    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and "nbval-check-output" in cell.metadata.get("tags", []):
            for output in cell.outputs:
                if output.get("output_type") == "execute_result" and old in output["data"].get("text/plain", ""):
                    output["data"]["text/plain"] = output["data"]["text/plain"].replace(old, new)
                    changed += 1
    assert changed == 1, f"expected one checked output containing {old!r}"
    nbformat.write(nb, path)


def test_changed_checked_number_fails_and_untouched_copy_passes(tmp_path):
    shutil.copy(LESSON, tmp_path / "untouched.ipynb")
    shutil.copy(LESSON, tmp_path / "tampered.ipynb")
    tamper(tmp_path / "tampered.ipynb", "Timestamp('2023-06-16 00:00:00')", "Timestamp('2023-06-17 00:00:00')")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "--nbval-lax", "--nbval-current-env",
         "--color=no", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in summary, summary
    failures = result.stdout.split("short test summary")[-1]
    assert "FAILED tampered.ipynb::Cell" in failures and "untouched.ipynb::" not in failures
    assert "Cell outputs differ" in result.stdout and "mismatch 'text/plain'" in result.stdout
