"""A class on a real JupyterHub: one link, answers kept private, hand-in to a drop folder, a new lesson, grading.

JupyterHub and nbgitpuller from PyPI, configurable-http-proxy from npm, three
students and an instructor as real system users, each student's server run as
that student (``LocalProcessSpawner``), the student edition served by ``git
daemon``. What ``tests/hub_support.py`` sets up is what ``instructor/hub.md``
tells a hub admin to set up. The test, in order:

1. the instructor releases lessons 00–04 (``student-edition --git --through 04``)
   and makes the link (``python -m minusma link``);
2. each student logs in, opens the link (the hub starts their server and sends
   them to its ``git-pull`` page) and pulls as that page does; in a kernel of
   their own server, they run lesson 04's exercise set-up cell, save their name
   and id, answer a question through its widget and hand in;
3. each student's answers are in their own home, owned by them, and no other
   account can read them; the drop folder holds one copy per student that the
   other students can neither list, read nor overwrite, and the instructor can;
4. the instructor publishes lesson 05; a student whose server was stopped
   (as the idle culler would) opens the same link again: lesson 05 arrives, their
   own edit of an exercise notebook and their answers are kept, and a new kernel
   shows the saved answer;
5. the instructor, as their own account, grades the drop folder with
   ``python -m minusma grade --drop-folder`` and finds every student's score.

Memory and CPU per student (server alone; server and kernel after the set-up
cell) are written to ``benchmarks/results/hub_test.json`` and printed; the hub
guide's sizes come from there and from ``benchmarks/bench_hub.py``.

The test needs root (it creates accounts): it is skipped with the reason on a
laptop, and fails instead when ``CI=true``. It stops everything it started by
process id and removes the accounts and folders it made.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import stat
import time
from pathlib import Path

import hub_support
import pytest
from browser_support import skip_or_fail

from minusma import paths, spec

pytestmark = [pytest.mark.slow, pytest.mark.hub]

FIRST_RELEASE, NEXT_RELEASE = 4, 5
NOTEBOOK = "04_consequences"
NEXT_LESSON = "05_counting_to_nine"
QUESTION = "04.algiers_role"
FOLDER = "course"
MEASUREMENTS = paths.REPO_ROOT / "benchmarks" / "results" / "hub_test.json"


def _choices() -> tuple[str, list[str]]:
    """The key of QUESTION (from solutions/) and its other options."""
    question = next(s for s in spec.specs_from_notebook(paths.SOLUTIONS_DIR / f"{NOTEBOOK}.ipynb") if s.id == QUESTION)
    return question.key, [o for o in question.options if o != question.key]


def _cannot(user: str, command: list) -> None:
    done = hub_support.run_as(user, command)
    assert done.returncode != 0, f"{user} could run {' '.join(map(str, command))}:\n{done.stdout}"


def _can(user: str, command: list) -> str:
    done = hub_support.run_as(user, command)
    assert done.returncode == 0, f"{user} could not run {' '.join(map(str, command))}:\n{done.stderr}"
    return done.stdout


def test_a_class_on_a_real_jupyterhub():
    problem = hub_support.missing_tools()
    if problem:
        skip_or_fail(problem)
    started = time.monotonic()
    key, wrong = _choices()
    measurements = {"students": {}}
    # 1. the instructor has released lessons 00-04; the edition is served and the link made
    with hub_support.classroom(students=3, through=FIRST_RELEASE, folder=FOLDER) as room:
        hub, students, teacher, drop = room.hub, room.students, room.teacher, room.drop
        measurements.update(room.timings)
        given = {user: (key if n == 0 else wrong[n - 1]) for n, user in enumerate(students)}
        sessions = {}

        # 2. each student: the link, a kernel, the exercise's set-up cell, name and id, an answer, hand in
        for user in students:
            clock = time.monotonic()
            sessions[user] = hub.login(user)
            pulled = hub_support.pull_through_link(hub, sessions[user], user, room.link)
            opened = time.monotonic() - clock
            assert pulled["query"] == {
                "repo": room.repo_url,
                "branch": "main",
                "targetpath": FOLDER,
                "urlpath": f"lab/tree/{FOLDER}/notebooks/00_start_here.ipynb",
            }
            assert f"lab/tree/{FOLDER}/notebooks/00_start_here.ipynb" in pulled["page"], "the page opens lesson 00"
            course = room.course(user)
            assert (course / "notebooks" / "00_start_here.ipynb").is_file()
            assert (course / "exercises" / f"{NOTEBOOK}.ipynb").is_file()
            assert not (course / "notebooks" / f"{NEXT_LESSON}.ipynb").exists(), "lesson 05 is not released yet"
            assert not (course / "solutions").exists()
            assert (course / "notebooks").stat().st_uid == pwd.getpwnam(user).pw_uid

            server_alone = hub_support.usage(user)
            exercise = course / "exercises" / f"{NOTEBOOK}.ipynb"
            kernel = hub_support.Kernel(hub, user, f"{FOLDER}/exercises/{NOTEBOOK}.ipynb")
            cpu_before = hub_support.usage(user)["cpu_s"]
            clock = time.monotonic()
            kernel.run(hub_support.code_cell(exercise, "q.setup("))
            setup_s = time.monotonic() - clock
            with_kernel = hub_support.usage(user)
            assert kernel.pid() in [p["pid"] for p in with_kernel["processes"]], "the kernel runs as the student"

            where = kernel.run(
                "import os, minusma\nprint(os.environ['PYTHONPATH'], os.environ['MINUSMA_HANDIN_DROP'], "
                "minusma.__file__, os.environ['JUPYTERHUB_USER'], sep='\\n')"
            )["stdout"].split("\n")
            assert where[:4] == [str(course), str(drop), str(course / "minusma" / "__init__.py"), user], (
                "Spawner.environment's callable gives each kernel its own course folder"
            )
            saved = kernel.run(f"print(q.identity().save({f'Student {user}'!r}, {user!r}))")
            assert saved["stdout"].strip() == "True"
            kernel.run(hub_support.code_cell(exercise, f'"{QUESTION}"'))
            kernel.run(f"q.question({QUESTION!r}).answer({given[user]!r})")
            handed = kernel.run("print(q.hand_in().click())")["stdout"].strip()
            assert handed == str(course / "my-work" / "hand-in" / f"{user}__{NOTEBOOK}.json")
            kernel.shutdown()

            measurements["students"][user] = {
                "open_link_spawn_and_pull_s": round(opened, 1),
                "setup_cell_s": round(setup_s, 1),
                "setup_cell_cpu_s": round(with_kernel["cpu_s"] - cpu_before, 2),
                "server_alone": server_alone,
                "server_and_kernel_after_setup": with_kernel,
            }

        # 3. answers private to each student; the drop folder write-only for students, readable by instructors
        for user in students:
            uid = pwd.getpwnam(user).pw_uid
            my_work = room.course(user) / "my-work"
            answers = my_work / "answers" / f"{NOTEBOOK}.json"
            assert answers.stat().st_uid == uid, "the answers file belongs to the student"
            assert json.loads(answers.read_text())["answers"][QUESTION]["value"] == given[user]
            assert stat.S_IMODE(my_work.stat().st_mode) == 0o700, "my-work/ is the student's alone"
            copy = drop / f"{user}__{NOTEBOOK}.json"
            assert copy.stat().st_uid == uid
            assert copy.group() == room.instructors, "the setgid drop folder gives every hand-in the instructors' group"
            assert stat.S_IMODE(copy.stat().st_mode) == 0o640
            for other in [s for s in students if s != user]:
                _cannot(other, ["cat", answers])
                _cannot(other, ["cat", my_work / "student.json"])
                _cannot(other, ["cat", copy])
                _cannot(other, ["ls", drop])
                _cannot(other, ["sh", "-c", f"echo forged > {copy}"])
                _cannot(other, ["rm", "-f", copy])
            _cannot(teacher, ["cat", answers])
            assert json.loads(_can(teacher, ["cat", copy]))["answers"][QUESTION]["value"] == given[user]
        listed = _can(teacher, ["ls", drop]).split()
        assert sorted(listed) == sorted(f"{user}__{NOTEBOOK}.json" for user in students)

        # 4. a new lesson: the server was stopped (as culling does); the same link brings lesson 05, work is kept
        user = students[0]
        course = room.course(user)
        notebook_path = f"{FOLDER}/exercises/{NOTEBOOK}.ipynb"
        document = hub.server_api(user, f"contents/{notebook_path}")
        note = f"My own note, written by {user} before lesson 05 was published."
        document["content"]["cells"].insert(
            1, {"cell_type": "markdown", "metadata": {}, "source": note, "id": "my-own-note"}
        )
        hub.server_api(user, f"contents/{notebook_path}", "PUT", {"type": "notebook", "content": document["content"]})
        answers_before = (course / "my-work" / "answers" / f"{NOTEBOOK}.json").read_bytes()
        hub.stop_server(user)
        assert not hub_support.processes_of(user), "a stopped server leaves no process behind"
        room.publish(NEXT_RELEASE)
        clock = time.monotonic()
        hub_support.pull_through_link(hub, sessions[user], user, room.link)
        measurements["repull_after_restart_s"] = round(time.monotonic() - clock, 1)
        assert (course / "notebooks" / f"{NEXT_LESSON}.ipynb").is_file(), "lesson 05 arrived"
        assert (course / "exercises" / f"{NEXT_LESSON}.ipynb").is_file()
        assert note in (course / "exercises" / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"), "the edit stayed"
        assert (course / "my-work" / "answers" / f"{NOTEBOOK}.json").read_bytes() == answers_before
        kernel = hub_support.Kernel(hub, user, notebook_path)
        kernel.run(hub_support.code_cell(course / "exercises" / f"{NOTEBOOK}.ipynb", "q.setup("))
        kernel.run(hub_support.code_cell(course / "exercises" / f"{NOTEBOOK}.ipynb", f'"{QUESTION}"'))
        shown = kernel.run(f"print(q.question({QUESTION!r}).value)")["stdout"].strip()
        assert shown == given[user], "the new kernel shows the answer saved before the restart"
        kernel.shutdown()

        # 5. the instructor grades the drop folder, as their own account, from their own copy of the course
        home = Path(pwd.getpwnam(teacher).pw_dir)
        repository = hub_support.course_copy_for(teacher, home / "leaving-mali")
        grades = home / "grades"
        done = hub_support.run_as(
            teacher,
            [room.venv / "bin" / "python", "-m", "minusma", "grade", drop, "--out", grades, "--drop-folder", "--quiet"],
            env={"PYTHONPATH": str(repository), "MPLBACKEND": "Agg"},
            cwd=repository,
        )
        assert done.returncode == 0, f"grading the drop folder failed:\n{done.stdout}{done.stderr}"
        with open(grades / "questions.csv", encoding="utf-8-sig") as handle:
            rows = [r for r in csv.DictReader(handle) if r["question"] == QUESTION]
        points = {r["student_id"]: float(r["points"]) for r in rows}
        assert points == {user: (1.0 if given[user] == key else 0.0) for user in students}
        with open(grades / "gradebook.csv", encoding="utf-8-sig") as handle:
            assert sorted(r["student_id"] for r in csv.DictReader(handle)) == sorted(students)

        measurements["hub_log_errors"] = [line for line in hub.log_tail(200_000).splitlines() if line.startswith("[E ")]
    # leaving the classroom stopped every process and removed every account and folder, or raised
    measurements["total_s"] = round(time.monotonic() - started, 1)
    hub_support.write_measurements(MEASUREMENTS, measurements)
    print(json.dumps({k: v for k, v in measurements.items() if k != "students"}))
    for user, figures in measurements["students"].items():
        together = figures["server_and_kernel_after_setup"]
        print(
            f"{user}: server alone {figures['server_alone']['rss_mb']} MB RSS; with the course kernel after the "
            f"set-up cell {together['rss_mb']} MB RSS ({together['pss_mb']} MB PSS), CPU {together['cpu_s']} s"
        )


def test_without_root_the_hub_test_says_why(monkeypatch):
    """On a laptop (not root) the reason is given; with CI=true it is a failure, never a silent skip."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    problem = hub_support.missing_tools()
    assert problem and "root" in problem
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail(problem)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        skip_or_fail(problem)
