"""``python -m minusma datadoc``: keep data/README.md in step with datasets.yaml."""

from __future__ import annotations

import argparse

from . import data, paths
from .files import write_text_atomic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma datadoc",
        description="Write data/README.md from data/datasets.yaml, the one place where datasets are documented.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only report whether data/README.md is up to date (exit 1 if not)"
    )
    args = parser.parse_args(argv)
    target = paths.DATA_DIR / "README.md"
    wanted = data.readme_markdown()
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if args.check:
        if current != wanted:
            print("data/README.md is out of date: run  python -m minusma datadoc")
            return 1
        print("data/README.md is up to date.")
        return 0
    write_text_atomic(target, wanted)
    print(f"wrote data/README.md ({len(data.schemas())} datasets)")
    return 0
