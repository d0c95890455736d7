"""Memory and CPU per student on a real JupyterHub, with course kernels running (run on demand, as root).

    sudo .venv/bin/python benchmarks/bench_hub.py [--students 3] [--lesson 04_consequences]

Sets up the same class as tests/test_hub.py (tests/hub_support.py: JupyterHub
6.1.1, configurable-http-proxy, nbgitpuller, real system users, the drop
folder), then for each student, one after the other:

1. opens the link (the hub starts their server, nbgitpuller clones the course);
2. opens the lesson notebook and runs its set-up cell, then every cell (a whole
   pre-reading: tables and figures);
3. opens the lesson's exercise notebook too and runs its set-up cell (a student
   in class has both open: two kernels).

It measures, per student, the resident memory (RSS) and proportional memory
(PSS: shared pages divided among the processes sharing them) of all their
processes after each step, and their CPU time. All students' kernels stay
running to the end, so the last line is the whole class at once (the sum of
their PSS; the machine's free memory is not used, as other programs change it
too). Also the hub's and the proxy's own memory, and the size of a student's
course folder. Prints a table and writes ``benchmarks/results/hub.json``;
instructor/hub.md sizes hubs from it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the hub helpers live with the hub test

import hub_support  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "hub.json"


def measure_student(room: hub_support.Classroom, user: str, lesson: str) -> tuple[dict, list]:
    """One student's figures after each step, and the kernels left running."""
    hub, figures, kernels = room.hub, {}, []
    clock = time.monotonic()
    hub_support.pull_through_link(hub, hub.login(user), user, room.link)
    figures["open_link_s"] = round(time.monotonic() - clock, 1)
    figures["server_alone"] = hub_support.usage(user)

    course = room.course(user)
    cells = hub_support.code_cells(course / "notebooks" / f"{lesson}.ipynb")
    reading = hub_support.Kernel(hub, user, f"{room.folder}/notebooks/{lesson}.ipynb")
    kernels.append(reading)
    reading.run(cells[0])
    figures["lesson_setup_cell"] = hub_support.usage(user)
    clock = time.monotonic()
    for cell in cells[1:]:
        reading.run(cell)
    figures["whole_lesson_s"] = round(time.monotonic() - clock, 1)
    figures["whole_lesson"] = hub_support.usage(user)

    exercise = course / "exercises" / f"{lesson}.ipynb"
    practice = hub_support.Kernel(hub, user, f"{room.folder}/exercises/{lesson}.ipynb")
    kernels.append(practice)
    practice.run(hub_support.code_cell(exercise, "q.setup("))
    figures["lesson_and_exercise_kernels"] = hub_support.usage(user)
    figures["course_folder_mb"] = round(folder_size(course) / 2**20, 1)
    return figures, kernels


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder`` (the student's course copy with its git history and answers)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def process_rss_mb(pid: int | None) -> float:
    """One process's resident memory in MB (0 if it is gone)."""
    import psutil

    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1) if pid else 0.0
    except psutil.Error:
        return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3, help="how many students (default 3)")
    parser.add_argument("--lesson", default="04_consequences", help="the lesson they work on (default 04)")
    args = parser.parse_args(argv)
    problem = hub_support.missing_tools()
    if problem:
        print(f"bench_hub: {problem}", file=sys.stderr)
        return 2
    through = int(args.lesson[:2])
    results = {"lesson": args.lesson, "students": {}}
    with hub_support.classroom(students=args.students, through=through) as room:
        running = []
        for user in room.students:
            figures, kernels = measure_student(room, user, args.lesson)
            results["students"][user] = figures
            running += kernels
        whole_class = [hub_support.usage(user) for user in room.students]
        results["class_at_once"] = {
            "pss_mb": round(sum(u["pss_mb"] for u in whole_class), 1),
            "rss_mb": round(sum(u["rss_mb"] for u in whole_class), 1),
        }
        proxy_pid = (room.hub.state / "proxy.pid").read_text().strip()
        results["hub_mb"] = process_rss_mb(room.hub.process.pid)
        results["proxy_mb"] = process_rss_mb(int(proxy_pid))
        results.update(room.timings)
        for kernel in running:
            kernel.shutdown()

    steps = ("server_alone", "lesson_setup_cell", "whole_lesson", "lesson_and_exercise_kernels")
    print(f"Lesson {args.lesson}, {args.students} students; per student: RSS / PSS in MB, CPU seconds so far")
    print(f"{'student':<14}" + "".join(f"{step:>30}" for step in steps) + f"{'whole lesson s':>16}")
    for user, figures in results["students"].items():
        row = "".join(
            f"{figures[s]['rss_mb']:>12.0f} / {figures[s]['pss_mb']:>4.0f}, {figures[s]['cpu_s']:>5.1f} s"
            for s in steps
        )
        print(f"{user:<14}{row}{figures['whole_lesson_s']:>16}")
    together = results["class_at_once"]
    print(
        f"The class at once (every student with both kernels): {together['pss_mb']} MB PSS, "
        f"{together['rss_mb']} MB RSS."
    )
    course_mb = max(f["course_folder_mb"] for f in results["students"].values())
    print(
        f"The hub: {results['hub_mb']} MB RSS, its proxy {results['proxy_mb']} MB; a student's course folder {course_mb} MB."
    )
    hub_support.write_measurements(RESULTS, results)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
