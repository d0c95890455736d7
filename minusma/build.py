"""``python -m minusma build``: generate ``exercises/`` from ``solutions/`` (the single source).

Each ``solutions/NN_slug.ipynb`` is the master. Its exercise twin is made by:

* dropping every cell tagged ``solution-only`` (worked answers, model answers,
  the cell that marks the run as a solutions run);
* replacing each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region by a
  placeholder that is still valid Python (``name = ...  # your code here`` for
  each name the solution assigned, else ``...  # your code here``), preceded
  by the partial code of any line marked ``# blank: <line with ____>`` as a
  comment to complete; or, in a Markdown cell, by "*Your answer here.*";
* removing each ``### BEGIN KEY`` ... ``### END KEY`` region (which must hold
  exactly one ``key=<literal>,`` argument of a question builder); the key's
  encoded check (:func:`minusma.keys.encode`) goes to the notebook's checks
  file, ``exercises/.checks/NN_slug.json``, out of the cells students read,
  where the question widgets find it by question id. Written answers get no
  check: their model answers never leave solutions;
* clearing outputs and execution counts, and removing widget state.

The output is deterministic (same input, byte-identical file), so
``python -m minusma build --check`` can tell whether ``exercises/`` is in
step: it exits 1 and names the files if not. The build refuses a solution with
a ``key=`` outside its markers or unbalanced markers, so a key cannot leak by
mistake.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from . import keys, paths, spec
from .files import write_text_atomic

SOLUTION_ONLY_TAG = "solution-only"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)###[ \t]*(?P<what>BEGIN|END)[ \t]+(?P<kind>SOLUTION|KEY)[ \t]*$")
PLACEHOLDER_COMMENT = "# your code here"
#: Where the build puts each exercise notebook's encoded checks (hidden from the file browser).
CHECKS_FOLDER = ".checks"
MARKDOWN_PLACEHOLDER = "*Your answer here.*"


class BuildError(ValueError):
    """A solutions notebook cannot be turned into an exercise; the message says where and why."""


def _regions(lines: list[str], where: str) -> list[tuple[str, int, int, str]]:
    """(kind, begin line, end line, indent) for every marked region, 0-based, markers included."""
    found, open_region = [], None
    for number, line in enumerate(lines):
        match = _MARKER.match(line)
        if not match:
            continue
        kind, what, indent = match["kind"], match["what"], match["indent"]
        if what == "BEGIN":
            if open_region:
                raise BuildError(f"{where}, line {number + 1}: ### BEGIN {kind} inside an open {open_region[0]} region")
            open_region = (kind, number, indent)
        else:
            if not open_region or open_region[0] != kind:
                raise BuildError(f"{where}, line {number + 1}: ### END {kind} without its ### BEGIN {kind}")
            found.append((kind, open_region[1], number, open_region[2]))
            open_region = None
    if open_region:
        raise BuildError(f"{where}, line {open_region[1] + 1}: ### BEGIN {open_region[0]} is never closed")
    return found


def _assigned_names(code: str) -> list[str]:
    """Names a solution region assigns at its top level, in order (for the placeholder)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and sub.id not in names:
                    names.append(sub.id)
    return names


_BLANK = re.compile(r"#\s*blank:\s*(?P<template>.+?)\s*$")


def _solution_placeholder(region: list[str], indent: str) -> list[str]:
    """What a student sees instead of a solution region: partial code to complete, then a runnable placeholder.

    A solution line may end with ``# blank: <the same line with ____ for what the student writes>``;
    the exercise shows that partial line as a comment to complete and un-comment, so the cell still
    runs before the student has done anything.
    """
    templates = [m["template"] for line in region if (m := _BLANK.search(line))]
    shown = []
    if templates:
        shown.append(f"{indent}# Fill in each ____, then delete the # in front of the line (and the line with ...):")
        shown += [f"{indent}# {template}" for template in templates]
    names = _assigned_names("\n".join(region))
    if not names:
        return shown + [f"{indent}...  {PLACEHOLDER_COMMENT}"]
    return shown + [f"{indent}{name} = ...  {PLACEHOLDER_COMMENT}" for name in names]


def _key_check(
    region: list[str], begin: int, end: int, calls: list[spec.QuestionCall], where: str
) -> tuple[str, str | None]:
    """(question id, encoded check or None) of one KEY region (lines ``begin``..``end``, 0-based)."""
    text = "\n".join(line.strip() for line in region).rstrip().rstrip(",")
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        call = None
    if not isinstance(call, ast.Call) or call.args or [k.arg for k in call.keywords] != ["key"]:
        raise BuildError(f"{where}, line {begin + 1}: a KEY region must hold exactly one argument, key=<literal>,")
    owners = [c for c in calls if c.node.lineno - 1 < begin and end < (c.node.end_lineno or 0)]
    if len(owners) != 1:
        raise BuildError(f"{where}, line {begin + 1}: a KEY region must sit inside one question builder call")
    owner = owners[0].spec
    return owner.id, keys.encode(owner.type, owner.id, owner.key)


def exercise_source(source: str, where: str, checks: dict[str, str] | None = None) -> str:
    """The exercise version of one code cell's source; encoded checks of its keys go into ``checks``."""
    lines = source.split("\n")
    regions = _regions(lines, where)
    if not regions:
        out = source
    else:
        calls = spec.question_calls(source) if any(r[0] == "KEY" for r in regions) else []
        result, position = [], 0
        for kind, begin, end, indent in regions:
            result += lines[position:begin]
            inner = lines[begin + 1 : end]
            if kind == "SOLUTION":
                result += _solution_placeholder(inner, indent)
            else:
                qid, check = _key_check(inner, begin, end, calls, where)
                if check is not None and checks is not None:
                    checks[qid] = check
            position = end + 1
        result += lines[position:]
        out = "\n".join(result)
    for call in spec.question_calls(out):
        if call.spec.key is not None:
            raise BuildError(f"{where}: question {call.spec.id} has key= outside ### BEGIN KEY / ### END KEY")
    return out


def markdown_source(source: str, where: str) -> str:
    """The exercise version of a Markdown cell (SOLUTION regions become a prompt to answer)."""
    lines = source.split("\n")
    regions = _regions(lines, where)
    if any(kind == "KEY" for kind, *_ in regions):
        raise BuildError(f"{where}: KEY regions belong in code cells")
    result, position = [], 0
    for _kind, begin, end, _indent in regions:
        result += lines[position:begin] + [MARKDOWN_PLACEHOLDER]
        position = end + 1
    result += lines[position:]
    return "\n".join(result)


def build_notebook(solution: Path, checks: dict[str, str] | None = None) -> str:
    """The exercise notebook made from ``solution``, as the exact text to write (its checks go into ``checks``)."""
    nb = nbformat.read(solution, as_version=4)
    name = solution.name
    cells = []
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_ONLY_TAG in tags:
            continue
        where = f"solutions/{name}, cell {index}"
        if cell.cell_type == "code":
            cell.source = exercise_source(cell.source, where, checks)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = markdown_source(cell.source, where)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    # What the executing machine adds (Python version, ...) must not make exercises differ.
    language = nb.metadata.get("language_info", {}).get("name")
    if language:
        nb.metadata["language_info"] = {"name": language}
    text = nbformat.writes(nb)
    text = text if text.endswith("\n") else text + "\n"
    _same_questions(solution, nbformat.reads(text, as_version=4), name)
    return text


def _same_questions(solution: Path, exercise_nb, name: str) -> None:
    """The exercise must ask exactly the solution's questions (a safety net for the regions)."""
    wanted = [s.id for s in spec.specs_from_notebook(solution)]
    got: list[str] = []
    for index, cell in enumerate(exercise_nb.cells):
        if cell.cell_type == "code":
            got += [c.spec.id for c in spec.question_calls(cell.source, index)]
    if wanted != got:
        missing = sorted(set(wanted) - set(got))
        raise BuildError(
            f"solutions/{name}: the exercise would not ask the same questions "
            f"(missing: {', '.join(missing) or 'none'}; are builder calls in solution-only cells?)"
        )


def checks_path(exercises_dir: Path, notebook: str) -> Path:
    """The checks file of exercise ``notebook`` (e.g. ``00_start_here``)."""
    return exercises_dir / CHECKS_FOLDER / f"{notebook}.json"


def exercise_texts(solutions_dir: Path | None = None, exercises_dir: Path | None = None) -> dict[Path, str]:
    """Every file the build writes, with its content: each exercise notebook and its checks file."""
    solutions_dir = solutions_dir or paths.SOLUTIONS_DIR
    exercises_dir = exercises_dir or paths.EXERCISES_DIR
    texts: dict[Path, str] = {}
    for solution in sorted(solutions_dir.glob("[0-9][0-9]_*.ipynb")):
        checks: dict[str, str] = {}
        texts[exercises_dir / solution.name] = build_notebook(solution, checks)
        texts[checks_path(exercises_dir, solution.stem)] = json.dumps(checks, indent=1, sort_keys=True) + "\n"
    return texts


def orphans(wanted: dict[Path, str], exercises_dir: Path) -> list[Path]:
    """Exercise notebooks and checks files the build would not write: no master in solutions/ (never deleted)."""
    found = [*exercises_dir.glob("*.ipynb"), *(exercises_dir / CHECKS_FOLDER).glob("*.json")]
    return [p for p in sorted(found) if p not in wanted]


def out_of_date(solutions_dir: Path | None = None, exercises_dir: Path | None = None) -> list[str]:
    """Problems that make ``exercises/`` differ from what the build would write (empty if in step)."""
    exercises_dir = exercises_dir or paths.EXERCISES_DIR
    wanted = exercise_texts(solutions_dir, exercises_dir)
    problems = []
    for target, text in wanted.items():
        shown = _shown(target, exercises_dir)
        if not target.exists():
            problems.append(f"{shown} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{shown} is out of date")
    for extra in orphans(wanted, exercises_dir):
        problems.append(f"{_shown(extra, exercises_dir)} has no master in solutions/")
    return problems


def _shown(path: Path, exercises_dir: Path) -> str:
    return "exercises/" + path.relative_to(exercises_dir).as_posix()


def read_checks(notebook: str, exercises_dir: Path | None = None) -> dict[str, str]:
    """The encoded checks of exercise ``notebook`` by question id (empty if it has none)."""
    path = checks_path(exercises_dir or paths.EXERCISES_DIR, notebook)
    try:
        checks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        raise BuildError(f"{_shown(path, path.parent.parent)} is damaged; download the exercises again") from None
    return {str(k): str(v) for k, v in checks.items()} if isinstance(checks, dict) else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma build",
        description="Generate exercises/ from solutions/ (solutions are the single source).",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if exercises/ is not what the build would write"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = out_of_date()
            if problems:
                print("\n".join(problems))
                print("Run  python -m minusma build  to regenerate exercises/ from solutions/.")
                return 1
            print("exercises/ is in step with solutions/.")
            return 0
        written = 0
        wanted = exercise_texts()
        for target, text in wanted.items():
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                write_text_atomic(target, text)
                written += 1
                print(f"wrote {_shown(target, paths.EXERCISES_DIR)}")
        for extra in orphans(wanted, paths.EXERCISES_DIR):
            print(
                f"warning: {_shown(extra, paths.EXERCISES_DIR)} has no master in solutions/ (not deleted)",
                file=sys.stderr,
            )
        print(f"{written} file(s) written; the others were already in step.")
        return 0
    except (BuildError, spec.SpecError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 2
