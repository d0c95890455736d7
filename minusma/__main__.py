"""Command line: ``python -m minusma COMMAND [options]``.

Each command lives in its own module, which exposes ``main(argv) -> int``;
this file only routes to it, so ``--help`` of every command comes from the
module that owns it.
"""

from __future__ import annotations

import importlib
import sys

#: command -> (module, one-line summary)
COMMANDS = {
    "datadoc": ("minusma.datadoc", "write data/README.md from data/datasets.yaml (or --check it)"),
    "execute": ("minusma.execute", "run notebooks in place, storing outputs without widget state (for nbval)"),
    "build": ("minusma.build", "generate exercises/ from solutions/ (or --check they are in sync)"),
    "grade": ("minusma.grading.cli", "grade a folder of student submissions into a gradebook"),
    "role-cards": ("minusma.roles", "print lesson 07's role cards: one HTML page per card, and a PDF with Chromium"),
    "forecasts": ("minusma.forecasts", "the class's forecasts scored: anonymised Brier ranking and calibration chart"),
    "student-edition": ("minusma.edition", "write the course as students get it: no solutions, keys or tests"),
    "handouts": ("minusma.handouts", "write a printable HTML page and PDF of every lesson and exercise"),
    "link": ("minusma.link", "print the one JupyterHub link (nbgitpuller) that gives each student the course"),
    "screen": ("minusma.screens", "project the room's screen with Voila, no code shown: chair (07) or reveal (08)"),
}


def _usage() -> str:
    lines = ["usage: python -m minusma COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<16} {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "python -m minusma COMMAND --help shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"Unknown command '{command}'.\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
