"""Conventions every notebook follows, checked on the stored files (no kernel).

nbval runs the notebooks themselves; these tests check what nbval cannot: the
names, the opening and closing sections, stored outputs without widget state,
and a source line for every figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from minusma import paths

FOLDERS = (paths.NOTEBOOKS_DIR, paths.EXERCISES_DIR, paths.SOLUTIONS_DIR)
ALL = sorted(p for folder in FOLDERS for p in folder.glob("*.ipynb"))
NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")


def relative(path: Path) -> str:
    return path.relative_to(paths.REPO_ROOT).as_posix()


def text_of(nb, cell_type=None) -> str:
    return "\n".join(c.source for c in nb.cells if cell_type is None or c.cell_type == cell_type)


def test_there_are_notebooks():
    assert (paths.NOTEBOOKS_DIR / "00_start_here.ipynb").exists()


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_file_name(path):
    assert NAME.match(path.name), f"{relative(path)}: name notebooks NN_slug.ipynb"


def test_exercises_and_solutions_pair_up():
    exercises = {p.name for p in paths.EXERCISES_DIR.glob("*.ipynb")}
    solutions = {p.name for p in paths.SOLUTIONS_DIR.glob("*.ipynb")}
    assert exercises == solutions


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_opens_and_closes_as_a_lesson(path):
    nb = nbformat.read(path, as_version=4)
    opening = text_of(nbformat.v4.new_notebook(cells=nb.cells[:3]), "markdown").lower()
    for part in ("question", "learning objectives", "prerequisites", "time"):
        assert part in opening, f"{relative(path)}: the opening should state the {part}"
    closing = text_of(nbformat.v4.new_notebook(cells=nb.cells[-3:]), "markdown").lower()
    assert "key points" in closing, f"{relative(path)}: close with key points"
    assert "next" in closing, f"{relative(path)}: close with the next step"


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_stored_executed_without_widget_state(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, f"{relative(path)}: strip metadata.widgets"
    code = [c for c in nb.cells if c.cell_type == "code"]
    if path.parent == paths.EXERCISES_DIR:
        return  # generated, stored without outputs: nbval checks that every cell runs
    counts = [c.execution_count for c in code]
    assert all(n is not None for n in counts), f"{relative(path)}: commit it executed (every code cell has a count)"
    assert counts == sorted(counts), f"{relative(path)}: run it top to bottom in one go"
    for cell in code:
        assert not any(o.output_type == "error" for o in cell.outputs), f"{relative(path)}: a stored error output"


@pytest.mark.parametrize("path", sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")), ids=relative)
def test_lessons_check_key_outputs(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in nb.cells if c.cell_type == "code" and "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked, f"{relative(path)}: tag the cells with key numbers 'nbval-check-output'"
    assert all(c.outputs for c in checked)


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_every_figure_has_a_source_line(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        draws = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if draws:  # plots.source(...), or a whole-figure helper of minusma.plots given its source= line
            cited = "plots.source(" in cell.source or re.search(r"plots\.\w+\([^#]*\bsource=", cell.source, re.S)
            assert cited, f"{relative(path)}, cell {index}: a figure without plots.source(...)"


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_no_package_installs_or_machine_paths(path):
    source = text_of(nbformat.read(path, as_version=4))
    assert not re.search(r"(?m)^\s*[!%]pip install", source), (
        f"{relative(path)}: requirements.txt is the one place for installs"
    )
    assert not re.search(r"(?<![\w.])/(work|tmp|root|home|Users)/", source), f"{relative(path)}: absolute machine path"


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_no_nbval_markers_in_what_students_read(path):
    """nbval's markers are cell tags: a marker comment would be plumbing in a cell students read."""
    source = text_of(nbformat.read(path, as_version=4), "code")
    assert "NBVAL_" not in source, f"{relative(path)}: use the nbval-check-output / nbval-ignore-output cell tags"
