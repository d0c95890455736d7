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
from . import FolderError, grade_folder
from .drop import LAYOUTS, DropFolderError
from .grades_folder import OutputFolderError
from .hand import SHEET_NAME, HandScoresError
from .intake import DEFAULT_MAX_BYTES
from .report import FEEDBACK_DIR, GRADEBOOK, PROBLEMS, QUESTIONS, SUMMARY_HTML
from .rubric import RubricError, load_rubric
from .scoring import ClassGrades

DESCRIPTION = """\
Grade every hand-in file under SUBMISSIONS_DIR (any file names, any sub-folders:
students are identified by the id inside each file) against the keys in
solutions/, and write GRADES_DIR:

  gradebook.csv      one row per student: id, name, points per notebook, total, possible, pending, maximum
  questions.csv      one row per student and question: points, status, times checked, note
  problems.csv       every file or answer that could not be taken as it is, and what was done
  hand_grading.csv   every written answer, anonymised, with a column per rubric criterion
  feedback/          one page per student (feedback/index.csv says whose is whose)
  summary.html/.png  the class: points per notebook, score bands per question, most-missed questions

Nothing in a hand-in is ever run. A bad file never stops the run; it is listed
in problems.csv. Running again on the same files gives identical output, and
keeps every level typed into hand_grading.csv. All files are written at once:
if the run fails, the grades folder stays as it was.
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


def _positive_bytes(text: str) -> int:
    """--max-bytes: a whole number of bytes, at least 1."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of bytes (e.g. 2000000)") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the size limit must be at least 1 byte")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minusma grade",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "submissions",
        metavar="SUBMISSIONS_DIR",
        type=Path,
        help="folder holding the downloaded hand-in files (searched recursively)",
    )
    parser.add_argument(
        "--out",
        metavar="GRADES_DIR",
        type=Path,
        required=True,
        help="folder to write the grades into (created if missing; our files in it are replaced)",
    )
    parser.add_argument(
        "--solutions",
        metavar="DIR",
        type=Path,
        default=None,
        help="solutions notebooks to take questions and keys from (default: the course's solutions/)",
    )
    parser.add_argument(
        "--max-bytes",
        metavar="N",
        type=_positive_bytes,
        default=DEFAULT_MAX_BYTES,
        help=f"skip files larger than N bytes, unread (default {DEFAULT_MAX_BYTES:,} = 2 MiB)",
    )
    parser.add_argument(
        "--hand-scores",
        metavar="FILE",
        type=Path,
        action="append",
        default=[],
        help="merge hand scores: a filled hand_grading.csv or a hand_scores.json (repeatable)",
    )
    parser.add_argument(
        "--rubric", metavar="FILE", type=Path, default=None, help="rubric file (default: instructor/rubric.yaml)"
    )
    parser.add_argument(
        "--drop-folder",
        nargs="?",
        const="owners",
        choices=LAYOUTS,
        metavar="LAYOUT",
        help="SUBMISSIONS_DIR is a JupyterHub drop folder: grade only files from the hub user they are named for. "
        "'owners' (the default; one machine, TLJH): each file's owner is checked; 'folders' (Kubernetes): "
        f"<user>/<user>__NN.json, one sub-folder per student. On by default, as 'owners', for the folder "
        f"{paths.DROP_ENV} names",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return parser


def _is_the_hubs_drop_folder(folder: Path) -> bool:
    """Whether ``folder`` is the drop folder this machine's hub hands in to (``MINUSMA_HANDIN_DROP``)."""
    configured = os.environ.get(paths.DROP_ENV, "").strip()
    try:
        return bool(configured) and Path(configured).resolve() == folder.resolve()
    except OSError:
        return False


def _starts_like_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _submissions_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be read as the submissions folder (None if it can)."""
    if folder.is_dir():
        return None
    if folder.is_file() and (folder.suffix.lower() == ".zip" or _starts_like_zip(folder)):
        return (
            f"{folder} is a zip file: unzip it into a folder first (e.g. `unzip {folder.name} -d "
            f"submissions/00`) and give that folder."
        )
    if folder.is_file():
        return f"{folder} is a file; give the folder that holds the hand-in files."
    return f"the submissions folder {folder} does not exist."


def _report(grades: ClassGrades, out: Path) -> None:
    """The summary printed after a run: what was graded, what needs the instructor."""
    written_total, written_scored = len(grades.hand_items), grades.written_scored
    print(
        f"Graded {len(grades.students)} students in {len(grades.notebooks)} notebook(s) from {grades.files_read} files."
    )
    print(f"Problems: {len(grades.problems)}" + (f" (see {PROBLEMS})" if grades.problems else ""))
    if written_total == written_scored:
        print(
            f"Written answers: {written_total}, all scored and merged." if written_total else "Written answers: none."
        )
    else:
        print(
            f"Written answers: {written_total - written_scored} of {written_total} still to grade "
            f"({written_scored} scored and merged). Grade them in {SHEET_NAME} or instructor/grade_written.ipynb, "
            "then run again with --hand-scores; until then they are 'pending' and not counted."
        )
    print(f"Wrote {GRADEBOOK}, {QUESTIONS}, {PROBLEMS}, {SHEET_NAME}, {FEEDBACK_DIR}/ and {SUMMARY_HTML} in {out}")


def main(argv: list[str] | None = None) -> int:
    """Entry point used by ``python -m minusma grade``; returns the exit code.

    Every failure is one ``error:`` line on stderr, never a traceback; the
    grades folder is then as it was before the run.
    """
    args = build_parser().parse_args(argv)
    # Draw the summary figure off-screen, whatever display the machine has (unless the user chose a backend).
    os.environ.setdefault("MPLBACKEND", "Agg")
    problem = _submissions_problem(args.submissions)
    solutions = args.solutions if args.solutions is not None else paths.SOLUTIONS_DIR
    if problem is None and (not solutions.is_dir() or not any(solutions.glob("*.ipynb"))):
        problem = (
            f"no solutions notebooks in {paths.display_path(solutions)}; the keys come from there "
            "(use --solutions DIR to point elsewhere)."
        )
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        grades = grade_folder(
            args.submissions,
            args.out,
            solutions_dir=solutions,
            max_bytes=args.max_bytes,
            hand_scores=args.hand_scores,
            rubric=load_rubric(args.rubric),
            drop_layout=args.drop_folder or ("owners" if _is_the_hubs_drop_folder(args.submissions) else None),
        )
    except (FolderError, DropFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RubricError, HandScoresError, OSError) as exc:
        print(f"error: {_error_text(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: one line, not a traceback, and the grades folder is untouched
        print(
            f"error: the grading stopped ({type(exc).__name__}: {exc}); the grades folder was left as it was. "
            "Please report this to the course maintainers.",
            file=sys.stderr,
        )
        return 1
    if not grades.course.notebooks:
        print(f"error: none of the solutions notebooks could be read; see {PROBLEMS} in {args.out}.", file=sys.stderr)
        return 1
    if not args.quiet:
        _report(grades, args.out)
    _class_forecasts(args.submissions, solutions, args.out, args.quiet)
    return 0


def _class_forecasts(submissions: Path, solutions: Path, out: Path, quiet: bool) -> None:
    """The class's scored forecasts, anonymised and ready to project, in ``<out>/forecasts/`` (lesson 08).

    Written only when some forecast has an outcome in the keys; a problem here
    is reported on one line and never spoils the grades already written.
    """
    from .. import forecasts

    try:
        view = forecasts.class_forecasts(submissions, solutions)
        if view.forecasts.empty:
            return
        written = forecasts.write_class_view(view, Path(out) / "forecasts")
    except Exception as exc:  # the gradebook is written; the projection view is a bonus
        print(f"warning: the class forecast view was not written ({type(exc).__name__}: {exc}).", file=sys.stderr)
        return
    if not quiet:
        print(f"Class forecasts (anonymised, for lesson 08): {len(written)} files in {Path(out) / 'forecasts'}.")


def _error_text(exc: Exception) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, OutputFolderError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}; the grades folder was left as it was."
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
