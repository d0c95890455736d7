"""``python -m minusma grade``: grade a folder of hand-ins into a grades folder.

Run ``python -m minusma grade --help`` for the options; the instructor guide
(``instructor/README.md``) explains every output file and column.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import paths
from . import grade_folder
from .hand import SHEET_NAME, HandScoresError
from .intake import DEFAULT_MAX_BYTES
from .rubric import RubricError, load_rubric
from .report import FEEDBACK_DIR, GRADEBOOK, PROBLEMS, QUESTIONS, SUMMARY_HTML

DESCRIPTION = """\
Grade every hand-in file under SUBMISSIONS_DIR (any file names, any sub-folders:
students are identified by the id inside each file) against the keys in
solutions/, and write GRADES_DIR:

  gradebook.csv      one row per student: id, name, points per notebook, total, possible
  questions.csv      one row per student and question: points, status, note
  problems.csv       every file or answer that could not be taken as it is, and what was done
  hand_grading.csv   every written answer, anonymised, with a column per rubric criterion
  feedback/          one page per student (feedback/index.csv says whose is whose)
  summary.html/.png  the class: points per notebook, score bands per question, most-missed questions

Nothing in a hand-in is ever run. A bad file never stops the run; it is listed
in problems.csv. Running again on the same files gives identical output.
"""

EPILOG = """\
examples:
  python -m minusma grade downloads/session00 --out grades/session00
  python -m minusma grade downloads/session00 --out grades/session00 \\
      --hand-scores grades/session00/hand_scores.json

Merging hand scores is the same command with --hand-scores: a filled
hand_grading.csv or the hand_scores.json written by instructor/grade_written.ipynb
(repeat the option to merge several graders' files; later files win).
"""


def _byte_count(text: str) -> int:
    """``2000000``, ``2MB``, ``500kB``, ``2MiB`` -> bytes (for --max-bytes)."""
    cleaned = text.strip().replace("_", "")
    units = {"kib": 1024, "mib": 1024 ** 2, "kb": 1000, "mb": 1000 ** 2, "k": 1024, "m": 1024 ** 2, "b": 1}
    lower = cleaned.lower()
    for suffix, factor in units.items():
        if lower.endswith(suffix) and lower[: -len(suffix)].strip():
            number = lower[: -len(suffix)].strip()
            break
    else:
        number, factor = lower, 1
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; give bytes, e.g. 2000000 or 2MB") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the size limit must be at least 1 byte")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minusma grade", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR", type=Path,
                        help="folder holding the downloaded hand-in files (searched recursively)")
    parser.add_argument("--out", metavar="GRADES_DIR", type=Path, required=True,
                        help="folder to write the grades into (created if missing; files in it are replaced)")
    parser.add_argument("--solutions", metavar="DIR", type=Path, default=None,
                        help="solutions notebooks to take questions and keys from (default: the course's solutions/)")
    parser.add_argument("--max-bytes", metavar="N", type=_byte_count, default=DEFAULT_MAX_BYTES,
                        help=f"skip files larger than this, unread (default {DEFAULT_MAX_BYTES:,} bytes = 2 MiB; "
                             "accepts 2MB, 500kB)")
    parser.add_argument("--hand-scores", metavar="FILE", type=Path, action="append", default=[],
                        help="merge hand scores: a filled hand_grading.csv or a hand_scores.json (repeatable)")
    parser.add_argument("--rubric", metavar="FILE", type=Path, default=None,
                        help="rubric file (default: instructor/rubric.yaml)")
    parser.add_argument("--jobs", metavar="N", type=int, default=None,
                        help="processes reading the files (default: one per core, up to 4, for 200 files or more)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point used by ``python -m minusma grade``; returns the exit code."""
    args = build_parser().parse_args(argv)
    # Draw the summary figure off-screen, whatever display the machine has (unless the user chose a backend).
    os.environ.setdefault("MPLBACKEND", "Agg")
    if not args.submissions.is_dir():
        print(f"error: the submissions folder {args.submissions} does not exist (or is not a folder).", file=sys.stderr)
        return 2
    if args.out.resolve() == args.submissions.resolve():
        print("error: --out must not be the submissions folder itself: the grades would be read back as "
              "hand-ins next time. Use another folder, e.g. --out grades/00.", file=sys.stderr)
        return 2
    solutions = args.solutions if args.solutions is not None else paths.SOLUTIONS_DIR
    if not solutions.is_dir() or not any(solutions.glob("*.ipynb")):
        print(f"error: no solutions notebooks in {paths.display_path(solutions)}; the keys come from there "
              "(use --solutions DIR to point elsewhere).", file=sys.stderr)
        return 2
    try:
        rubric = load_rubric(args.rubric)
        run = grade_folder(args.submissions, args.out, solutions_dir=solutions, max_bytes=args.max_bytes,
                           hand_scores=args.hand_scores, rubric=rubric, jobs=args.jobs)
    except (RubricError, HandScoresError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    grades = run.grades
    if not grades.course.notebooks:
        print("error: none of the solutions notebooks could be read; see problems.csv in "
              f"{args.out}.", file=sys.stderr)
        return 1
    if not args.quiet:
        hand_total = len(grades.hand_items)
        hand_done = sum(1 for st in grades.students for nb in st.notebooks.values() for q in nb.questions
                        if q.status == "hand-scored")
        print(f"Graded {len(grades.students)} students in {len(grades.notebooks)} notebook(s) from "
              f"{grades.files_read} files.")
        print(f"Problems: {len(grades.problems)}" + (f" (see {PROBLEMS})" if grades.problems else ""))
        print(f"Written answers: {hand_total} to grade by hand, {hand_done} scored and merged"
              + (f" (grade them in {SHEET_NAME} or instructor/grade_written.ipynb)" if hand_done < hand_total else ""))
        if grades.hand_scores and hand_done < hand_total:
            print(f"Note: {hand_total - hand_done} written answer(s) are not scored yet and count as 0 in "
                  f"{GRADEBOOK} (status 'pending' in {QUESTIONS}).")
        print(f"Wrote {GRADEBOOK}, {QUESTIONS}, {PROBLEMS}, {SHEET_NAME}, {FEEDBACK_DIR}/ and {SUMMARY_HTML} "
              f"in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
