"""Check that a student's set-up is the one the course was tested with.

``report()`` compares the installed packages with the pins in
``requirements.txt`` and checks that every dataset loads; ``widget_check()``
shows a slider, with what to do if it appears as plain text instead.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata

import pandas as pd

from . import data, paths

MIN_PYTHON = (3, 11)

WIDGET_HELP = (
    "<p><b>Can you see a slider above, and move it?</b> Then widgets work, and you are ready.</p>"
    "<p>If you see a line of text such as <code>IntSlider(value=5, …)</code> instead, the widget "
    "frontend is not loaded. Try, in order:</p><ol>"
    "<li>Close this tab and start the course with <code>python course.py start</code>: it opens "
    "the JupyterLab the course was tested with, widgets included.</li>"
    "<li>Reload the browser page (Ctrl+Shift+R, or Cmd+Shift+R on a Mac), then "
    "<i>Kernel → Restart Kernel and Run All Cells</i>.</li>"
    "<li>In VS Code or another editor, install its Jupyter extension, or use JupyterLab as in the first step.</li>"
    "<li>Still stuck? Run <code>python course.py test tests/test_environment.py</code> and show "
    "the output to your instructor.</li></ol>"
)


def pinned_packages(requirements: str = "requirements.txt") -> dict[str, str]:
    """``{package: version}`` as pinned in ``requirements.txt`` and the files it includes with ``-r``."""
    pins = {}
    for line in (paths.REPO_ROOT / requirements).read_text(encoding="utf-8").splitlines():
        included = re.match(r"^\s*-r\s+(\S+)", line)
        if included:
            pins.update(pinned_packages(included.group(1)))
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def _installed(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def report() -> pd.DataFrame:
    """One row per check: what was found, what is expected, and whether it is fine."""
    rows = [
        {
            "check": "Python",
            "found": sys.version.split()[0],
            "expected": f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer",
            "ok": sys.version_info[:2] >= MIN_PYTHON,
        }
    ]
    for package, version in pinned_packages().items():
        found = _installed(package)
        rows.append({"check": package, "found": found or "not installed", "expected": version, "ok": found == version})
    try:
        counts = data.validate_all()
        rows.append(
            {
                "check": "datasets in data/",
                "found": f"{len(counts)} load and pass their checks",
                "expected": "all load",
                "ok": True,
            }
        )
    except data.DataError as problem:
        rows.append({"check": "datasets in data/", "found": str(problem), "expected": "all load", "ok": False})
    return pd.DataFrame(rows).set_index("check")


def summary(table: pd.DataFrame | None = None) -> str:
    """One sentence for the student: all fine, or what to fix."""
    table = report() if table is None else table
    bad = table[~table["ok"]]
    if bad.empty:
        return "Everything checks out: the packages are the tested versions and every dataset loads."
    names = ", ".join(bad.index)
    if os.environ.get("JUPYTERHUB_USER"):  # on a hub, students cannot install: the admin's image must change
        return (
            f"Not quite: {names}. This course JupyterHub does not have the tested versions; please tell your "
            "instructor (the hub guide, instructor/hub.md, says what to install). If a dataset fails, the message "
            "names the file and row."
        )
    return (
        f"Not quite: {names}. Start the course with `python course.py start`, which installs "
        "the tested versions; if a dataset fails, the message names the file and row."
    )


def widget_check():
    """A slider to prove that widgets render, with help beneath it if they do not."""
    import ipywidgets as widgets

    slider = widgets.IntSlider(value=5, min=0, max=10, description="Try me:")
    echo = widgets.Label(value="You chose 5.")
    slider.observe(lambda change: setattr(echo, "value", f"You chose {change['new']}."), names="value")
    return widgets.VBox([slider, echo, widgets.HTML(value=WIDGET_HELP)])
