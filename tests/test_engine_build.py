"""Single source: exercises/ are generated from solutions/, in step, and leak nothing.

* unit tests of the build on small made-up notebooks;
* the sync test: ``python -m minusma build --check`` passes on the repository;
* the leak test: no solution code, key or model answer from solutions/ appears in exercises/;
* every solutions key scores full marks, with the plain key and with the exercise's encoded check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest
from solution_text import hidden_and_public_lines

from minusma import build, keys, paths, spec
from minusma.build import BuildError

SOLUTIONS = sorted(paths.SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))


def relative(path):
    return path.relative_to(paths.REPO_ROOT).as_posix()


# ------------------------------------------------------------------ the build itself

QUESTION_CELL = """# NBVAL_IGNORE_OUTPUT
w = q.number(
    "00.ceiling",
    "How many?",
    unit="military personnel",
    ### BEGIN KEY
    key={"value": 13289, "tolerance": 0},
    ### END KEY
)
w"""


def make_solution(tmp_path, cells, name="00_demo.ipynb"):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    folder = tmp_path / "solutions"
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def code(source, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(source, execution_count=3, outputs=list(outputs))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def test_key_region_leaves_the_cell_and_its_check_goes_to_the_checks_file():
    checks = {}
    out = build.exercise_source(QUESTION_CELL, "test", checks)
    assert "13289" not in out and "BEGIN KEY" not in out and "key=" not in out
    assert "check=" not in out and "mk1:" not in out, "no encoded key in the cell students read"
    (call,) = spec.question_calls(out)
    assert call.spec.key is None and call.check is None
    assert keys.is_encoded(checks["00.ceiling"])
    assert spec.score(call.spec, 13289, checks["00.ceiling"]).status == "correct"


def test_solution_region_becomes_a_runnable_placeholder():
    source = "x = 1\n### BEGIN SOLUTION\nanswer = x + 1\ntotal: int = 3\n### END SOLUTION\nprint(answer)"
    out = build.exercise_source(source, "test")
    assert out == "x = 1\nanswer = ...  # your code here\ntotal = ...  # your code here\nprint(answer)"
    compile(out, "cell", "exec")
    indented = "for i in range(2):\n    ### BEGIN SOLUTION\n    print(i * 2)\n    ### END SOLUTION\n"
    out = build.exercise_source(indented, "test")
    assert out == "for i in range(2):\n    ...  # your code here\n"
    compile(out, "cell", "exec")


def test_markdown_solution_region():
    out = build.markdown_source("Your view:\n### BEGIN SOLUTION\nA model answer.\n### END SOLUTION", "test")
    assert out == "Your view:\n" + build.MARKDOWN_PLACEHOLDER


@pytest.mark.parametrize(
    "source, message",
    [
        ('q.single_choice("00.a", "A", ["x", "y"], key="x")', "outside ### BEGIN KEY"),
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without its"),
        ("### BEGIN SOLUTION\n### BEGIN KEY\n### END KEY\n### END SOLUTION", "inside an open"),
        (
            'q.single_choice("00.a", "A", ["x", "y"],\n    ### BEGIN KEY\n    key="x", hint="h",\n    ### END KEY\n)',
            "exactly one argument",
        ),
        ('### BEGIN KEY\nkey="x",\n### END KEY', "inside one question builder"),
        ('f(\n    ### BEGIN KEY\n    key="x",\n    ### END KEY\n)', "inside one question builder"),
    ],
)
def test_mistakes_in_solutions_stop_the_build(source, message):
    with pytest.raises(BuildError, match=message):
        build.exercise_source(source, "test")


def test_written_key_disappears_entirely():
    source = (
        'q.written("00.w", "Why?", words=[10, 50],\n    ### BEGIN KEY\n'
        '    key={"model_answer": "Because consent matters.", "rubric": "exit_ticket"},\n    ### END KEY\n)'
    )
    checks = {}
    out = build.exercise_source(source, "test", checks)
    assert "consent matters" not in out and "check=" not in out and checks == {}
    assert spec.question_calls(out)[0].spec.words == (10, 50)


def test_build_notebook_drops_solution_cells_outputs_and_widget_state(tmp_path):
    output = nbformat.v4.new_output("stream", text="13289\n")
    path = make_solution(
        tmp_path,
        [
            nbformat.v4.new_markdown_cell("# Title"),
            code("from minusma import questions as q\nq.solution_copy()", tags=["solution-only"]),
            code(QUESTION_CELL, outputs=[output]),
            code("w.answer(13289)", tags=["solution-only", "other"]),
        ],
    )
    text = build.build_notebook(path)
    nb = nbformat.reads(text, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert "widgets" not in nb.metadata
    assert "13289" not in text and "solution_copy" not in text
    nbformat.validate(nb)


def test_build_is_deterministic(tmp_path):
    path = make_solution(tmp_path, [code(QUESTION_CELL), code("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION")])
    assert build.build_notebook(path) == build.build_notebook(path)
    assert build.build_notebook(path).endswith("\n")


def test_questions_hidden_in_solution_only_cells_are_refused(tmp_path):
    path = make_solution(tmp_path, [code('q.written("00.w", "Why?")', tags=["solution-only"])])
    with pytest.raises(BuildError, match="same questions"):
        build.build_notebook(path)


def test_check_mode_reports_stale_missing_and_orphan_files(tmp_path, monkeypatch, capsys):
    make_solution(tmp_path, [code(QUESTION_CELL)])
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    monkeypatch.setattr(paths, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(paths, "EXERCISES_DIR", exercises)
    assert build.main(["--check"]) == 1
    assert "exercises/00_demo.ipynb is missing" in capsys.readouterr().out
    assert build.main([]) == 0
    first = (exercises / "00_demo.ipynb").read_bytes()
    assert build.read_checks("00_demo", exercises).keys() == {"00.ceiling"}
    assert build.main(["--check"]) == 0
    assert build.main([]) == 0 and (exercises / "00_demo.ipynb").read_bytes() == first
    (exercises / "00_demo.ipynb").write_text(first.decode().replace("How many?", "How many??"), encoding="utf-8")
    assert build.main(["--check"]) == 1 and "out of date" in capsys.readouterr().out
    (exercises / "99_orphan.ipynb").write_text("{}", encoding="utf-8")
    # a scratch copy is not a course notebook, so it is no master either, whatever its twin's name
    (tmp_path / "solutions" / "scratch.ipynb").write_text("{}", encoding="utf-8")
    (exercises / "scratch.ipynb").write_text("{}", encoding="utf-8")
    assert build.main([]) == 0
    warned = capsys.readouterr().err
    assert "exercises/99_orphan.ipynb has no master" in warned and "exercises/scratch.ipynb has no master" in warned
    assert (exercises / "99_orphan.ipynb").exists(), "never deleted"
    assert build.main(["--check"]) == 1
    reported = capsys.readouterr().out
    assert "exercises/99_orphan.ipynb has no master" in reported and "exercises/scratch.ipynb has no master" in reported


def test_bad_solution_gives_a_one_line_error(tmp_path, monkeypatch, capsys):
    make_solution(tmp_path, [code('q.single_choice("00.a", "A", ["x", "y"], key="x")')])
    monkeypatch.setattr(paths, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(paths, "EXERCISES_DIR", tmp_path / "exercises")
    assert build.main([]) == 2
    assert "build failed: solutions/00_demo.ipynb, cell 0: question 00.a has key=" in capsys.readouterr().err


# ------------------------------------------------------------------ the repository


def test_there_is_a_solution_to_build():
    assert (paths.SOLUTIONS_DIR / "00_start_here.ipynb").exists()


def test_exercises_are_in_step_with_solutions():
    """The sync test: regenerate with  python -m minusma build  if this fails."""
    done = subprocess.run(
        [sys.executable, "-m", "minusma", "build", "--check"],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _regions(source, kind):
    """Text inside every ``### BEGIN kind`` ... ``### END kind`` region of ``source``."""
    pattern = rf"^[ \t]*### BEGIN {kind}[ \t]*\n(.*?)^[ \t]*### END {kind}[ \t]*$"
    return re.findall(pattern, source, flags=re.S | re.M)


def _secrets(solution):
    """Every piece of text from a solution that must not reach its exercise.

    Lines of solution regions, key regions and solution-only cells, minus the
    lines a student sees anyway (an option listed in the question is not a leak
    because the key repeats it), plus what each key means: a number's value,
    an order or a classification as a whole, a model answer and its sentences.
    """
    hidden, public = hidden_and_public_lines(solution)
    secrets = {line for line in hidden - public if len(line) >= 8}
    for s in spec.specs_from_notebook(solution):
        if s.type == "written" and s.key:  # a decision journal has no model answer
            answer = s.key["model_answer"]
            secrets.add(answer)
            secrets |= {sentence.strip() for sentence in re.split(r"(?<=[.!?])\s+", answer) if len(sentence) > 15}
        elif s.type == "number":
            value = s.key["value"]
            secrets |= {f"{value:g}", f"{value:,}", f"{value:,}".replace(",", " ")} - {"0", "1"}
        elif s.type in ("order", "classify", "multiple_choice") and s.key is not None:  # keyless: a record (07's votes)
            secrets.add(json.dumps(s.key, ensure_ascii=False))
    return secrets


@pytest.mark.parametrize("solution", SOLUTIONS, ids=relative)
def test_exercises_leak_no_solution_text_key_or_model_answer(solution):
    exercise = paths.EXERCISES_DIR / solution.name
    text = exercise.read_text(encoding="utf-8")
    sources = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    leaks = sorted(s for s in _secrets(solution) if s in sources or json.dumps(s)[1:-1] in text)
    assert not leaks, f"{relative(exercise)} shows solution text: {leaks[:5]}"
    for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN KEY", "### END KEY"):
        assert marker not in text
    assert all(s.key is None for s in spec.specs_from_notebook(exercise)), "a plain key= in an exercise"
    assert "solution_copy" not in sources


@pytest.mark.parametrize("solution", SOLUTIONS, ids=relative)
def test_solution_keys_score_full_marks_plain_and_encoded(solution):
    exercise_checks = build.read_checks(solution.stem)
    specs = spec.specs_from_notebook(solution)
    assert specs, "a solutions notebook without questions"
    for s in specs:
        if s.type in ("written", "forecast", "vote"):
            answer = None
        elif s.type == "number":
            answer = s.key["value"] if s.key else None
        else:
            answer = s.key
        if answer is None:
            continue  # vote, forecast and written are checked by running the notebook (its assert cell)
        for key in (s.key, exercise_checks[s.id]):
            result = spec.score(s, answer, key)
            assert (result.status, result.points) == ("correct", s.points), (s.id, result)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=relative)
def test_exercise_asks_the_same_questions(solution):
    plain = [s.to_dict() for s in spec.specs_from_notebook(solution)]
    generated = [s.to_dict() for s in spec.specs_from_notebook(paths.EXERCISES_DIR / solution.name)]
    assert plain == generated


def test_widgets_in_an_exercise_find_their_check_by_question_id(tmp_path, monkeypatch):
    from minusma import questions as q
    from minusma import store

    make_solution(tmp_path, [code(QUESTION_CELL)])
    monkeypatch.setattr(paths, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(paths, "EXERCISES_DIR", tmp_path / "exercises")
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setattr(q, "_checks_by_notebook", {})
    assert build.main([]) == 0
    store.forget_stores()
    q.setup("00_demo")
    widget = q.number("00.ceiling", "How many?", unit="military personnel")  # as the exercise cell reads
    widget.answer(13289)
    assert widget.check().status == "correct"
    store.forget_stores()


def test_a_damaged_checks_file_says_what_to_do(tmp_path):
    (tmp_path / build.CHECKS_FOLDER).mkdir()
    (tmp_path / build.CHECKS_FOLDER / "00_demo.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BuildError, match="download the exercises again"):
        build.read_checks("00_demo", tmp_path)


def test_partial_code_blanks_are_shown_to_complete_and_the_cell_still_runs():
    source = (
        "### BEGIN SOLUTION\n"
        'recent = timeline[timeline["date"] >= "2022-01-01"]  # blank: recent = timeline[timeline["date"] >= ____]\n'
        "### END SOLUTION\nrecent"
    )
    out = build.exercise_source(source, "test")
    assert '# recent = timeline[timeline["date"] >= ____]' in out
    assert '"2022-01-01"' not in out and "recent = ...  # your code here" in out
    compile(out, "cell", "exec")
