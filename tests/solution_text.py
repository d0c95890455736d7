"""What a solutions notebook hides and what it shows: shared by the leak tests of exercises and of the student edition."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_MARKER = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|KEY)\s*$")


def hidden_and_public_lines(solution: Path) -> tuple[set[str], set[str]]:
    """(hidden, public) stripped lines of ``solution``.

    Hidden: lines inside SOLUTION and KEY regions and the non-comment lines of
    ``solution-only`` cells. Public: every other line, which students see anyway.
    """
    hidden: set[str] = set()
    public: set[str] = set()
    for cell in nbformat.read(solution, as_version=4).cells:
        lines = cell.source.splitlines()
        if "solution-only" in cell.metadata.get("tags", []):
            hidden |= {line.strip() for line in lines if not line.strip().startswith("#")}
            continue
        in_region = False
        for line in lines:
            if _MARKER.match(line):
                in_region = "BEGIN" in line
                continue
            (hidden if in_region else public).add(line.strip())
    return hidden, public
