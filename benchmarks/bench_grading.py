"""How long grading a class takes, how it grows, and what executing notebooks would cost instead.

    python benchmarks/bench_grading.py                # 100, 1,000 and 10,000 students
    python benchmarks/bench_grading.py --sizes 100 1000 --nbclient-runs 3

For every exercise notebook in ``exercises/`` (questions and keys from its
twin in ``solutions/``; a generated demo notebook if there are none yet) it
generates a class with ``tests/synthetic_class.py`` (a third right, a third
partly right, a third wrong), then times ``grade_folder`` on it: reading,
checking and scoring every hand-in and writing every output file (CSV files,
one feedback page per student, the summary and its figure).

Each size is graded in a fresh Python process, so its peak resident memory
(``resource.getrusage``) is its own. The grader reads in one process; a pass
of the 1,000-student class under ``tracemalloc`` gives the peak of Python
allocations alone.

Why two schema validators: every hand-in is checked against the submission
schema. The command confirms valid files with fastjsonschema (compiled) and
asks jsonschema only for the messages of a failing one. The last lines time
both on the 1,000-student class, to show what jsonschema alone would cost.

Beside it: notebook-executing graders (nbgrader, otter) start a kernel and run
every student's notebook. We execute ``exercises/00_start_here.ipynb`` with
nbclient a few times (``--nbclient-runs``), take the median, and multiply by
the number of notebooks. That column is an **extrapolation**, said so in the
table. Goal: 1,000 students under 10 s on 2 cores, growing linearly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))  # the generated-class helper lives with the tests

import synthetic_class as synthetic  # noqa: E402

from minusma import paths, spec, submission  # noqa: E402
from minusma.grading import grade_folder  # noqa: E402
from minusma.grading.solutions import load_course  # noqa: E402

GOAL_SECONDS = 10.0
GOAL_STUDENTS = 1000


def course_notebooks(workdir: Path) -> tuple[Path, dict[str, tuple[list, dict]]]:
    """(solutions folder, {notebook: (specs, keys)}) for every current exercise notebook."""
    names = sorted(p.stem for p in paths.EXERCISES_DIR.glob("*.ipynb"))
    notebooks = {}
    for name in names:
        solution = paths.SOLUTIONS_DIR / f"{name}.ipynb"
        if solution.exists():
            notebooks[name] = (spec.specs_from_notebook(solution), spec.keys_from_notebook(solution))
    if notebooks:
        return paths.SOLUTIONS_DIR, notebooks
    folder = workdir / "demo-solutions"
    path = synthetic.write_demo_solutions(folder)
    return folder, {path.stem: (spec.specs_from_notebook(path), spec.keys_from_notebook(path))}


def worker(submissions: Path, solutions: Path, out: Path, trace: bool) -> None:
    """Grade once in this process and print a JSON line: seconds, peak RSS, traced peak."""
    load_course(solutions)  # warm the imports (pandas for the Council list, jsonschema) outside the timing
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    grades = grade_folder(submissions, out, solutions_dir=solutions)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mib": rss_kib / 1024,
                "traced_mib": traced / 2**20,
                "students": len(grades.students),
                "problems": len(grades.problems),
            }
        )
    )


def grade_in_subprocess(submissions: Path, solutions: Path, out: Path, trace: bool = False) -> dict:
    command = [sys.executable, __file__, "--worker", str(submissions), str(solutions), str(out)]
    if trace:
        command.append("--trace")
    result = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"}
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def schema_seconds(folder: Path) -> tuple[int, float, float]:
    """(files, seconds with the command's check, seconds with jsonschema alone) over every hand-in in ``folder``."""
    import jsonschema

    documents = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    submission.schema_errors(documents[0])  # compile outside the timing
    start = time.perf_counter()
    for document in documents:
        submission.schema_errors(document)
    fast = time.perf_counter() - start
    validator = jsonschema.Draft202012Validator(submission.schema(), format_checker=jsonschema.FormatChecker())
    start = time.perf_counter()
    for document in documents:
        list(validator.iter_errors(document))
    return len(documents), fast, time.perf_counter() - start


def nbclient_seconds(runs: int, workdir: Path) -> list[float]:
    """Wall time of executing exercises/00_start_here.ipynb in a fresh kernel, ``runs`` times."""
    import nbformat
    from nbclient import NotebookClient

    path = paths.EXERCISES_DIR / "00_start_here.ipynb"
    if not path.exists():
        return []
    # Keep the run's answers and identity out of the working copy (the store writes there).
    os.environ["MINUSMA_WORK_DIR"] = str(workdir / "nbclient-work")
    times = []
    for _ in range(runs):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=3, help="runs per size up to 1,000 students (median)")
    parser.add_argument("--nbclient-runs", type=int, default=5)
    parser.add_argument("--worker", nargs=3, metavar=("SUBMISSIONS", "SOLUTIONS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*(Path(p) for p in args.worker), trace=args.trace)
        return 0

    with tempfile.TemporaryDirectory(prefix="minusma-bench-grading-") as tmp:
        workdir = Path(tmp)
        solutions, notebooks = course_notebooks(workdir)
        n_questions = sum(len(specs) for specs, _keys in notebooks.values())
        source = "solutions/" if solutions == paths.SOLUTIONS_DIR else "a generated demo notebook (solutions/ is empty)"
        print(f"Notebooks: {', '.join(notebooks)} ({n_questions} questions), from {source}")
        print(f"CPU cores: {os.cpu_count()}; Python {sys.version.split()[0]}\n")

        nb_times = nbclient_seconds(args.nbclient_runs, workdir)
        per_notebook = statistics.median(nb_times) if nb_times else None
        if nb_times:
            shown = ", ".join(f"{t:.2f}" for t in nb_times)
            print(
                f"nbclient, exercises/00_start_here.ipynb, {len(nb_times)} runs: {shown} s "
                f"(median {per_notebook:.2f} s per notebook, kernel start included)\n"
            )

        rows = []
        for size in args.sizes:
            subs = workdir / f"class-{size}"
            files = synthetic.write_class(subs, notebooks, size)
            repeats = args.repeats if size <= GOAL_STUDENTS else 1
            results = [grade_in_subprocess(subs, solutions, workdir / f"grades-{size}-{i}") for i in range(repeats)]
            seconds = statistics.median(r["seconds"] for r in results)
            rss = max(r["rss_mib"] for r in results)
            rows.append((size, len(files), seconds, rss, results[0]["students"]))
        traced = schemas = None
        if GOAL_STUDENTS in args.sizes:
            traced = grade_in_subprocess(
                workdir / f"class-{GOAL_STUDENTS}", solutions, workdir / "grades-trace", trace=True
            )["traced_mib"]
            schemas = schema_seconds(workdir / f"class-{GOAL_STUDENTS}")

    header = (
        f"{'students':>9} {'files':>7} {'grade s':>9} {'ms/file':>8} {'peak RSS MiB':>13} "
        f"{'nbclient s (extrapolated)':>26} {'x faster':>9}"
    )
    print(header)
    print("-" * len(header))
    for size, files, seconds, rss, _students in rows:
        if per_notebook:
            executing = per_notebook * files
            nb_cell, ratio = f"{executing:>26,.0f}", f"{executing / seconds:>9,.0f}"
        else:
            nb_cell, ratio = f"{'n/a':>26}", f"{'n/a':>9}"
        print(
            f"{size:>9,} {files:>7,} {seconds:>9.2f} {1000 * seconds / max(files, 1):>8.2f} "
            f"{rss:>13.0f} {nb_cell} {ratio}"
        )
    print()
    if len(rows) >= 2:
        # Fit time = fixed + per_file x files through the smallest and largest runs; a linear grader
        # puts every other run on that line too.
        (_s0, f0, t0, *_), (_s1, f1, t1, *_) = rows[0], rows[-1]
        per_file = (t1 - t0) / (f1 - f0)
        fixed = t0 - per_file * f0
        print(f"Growth: time = {fixed:.2f} s fixed (imports, solutions, figure) + {1000 * per_file:.2f} ms per file.")
        for size, files, seconds, *_ in rows[1:-1]:
            predicted = fixed + per_file * files
            print(
                f"  {size:,} students: {seconds:.2f} s measured vs {predicted:.2f} s on the line "
                f"({100 * (seconds - predicted) / predicted:+.0f} %)."
            )
    for size, _files, seconds, *_ in rows:
        if size == GOAL_STUDENTS:
            verdict = "met" if seconds < GOAL_SECONDS else "NOT met"
            print(f"Goal ({GOAL_STUDENTS:,} students under {GOAL_SECONDS:.0f} s): {verdict} ({seconds:.2f} s).")
    if traced is not None:
        print(f"Peak Python allocations (tracemalloc) grading {GOAL_STUDENTS:,} students: {traced:.1f} MiB.")
    if schemas is not None:
        n, fast, full = schemas
        print(
            f"Schema check of {n:,} valid hand-ins: {fast:.2f} s as the command does it (fastjsonschema), "
            f"{full:.2f} s with jsonschema alone (+{full - fast:.1f} s on the run)."
        )
    if per_notebook:
        print(
            f"nbclient column = {per_notebook:.2f} s (median of {len(nb_times)} measured runs) x files: "
            "an extrapolation, one kernel per notebook, run one after another."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
