"""The student edition (``python -m minusma student-edition``): what students get, and nothing more.

It is built once into a temporary folder (as a git repository). Every file in
it is scanned for every key and model answer of ``solutions/``, and its
exercises run under nbval from the edition folder with the edition's own
copy of the package.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from solution_text import hidden_and_public_lines

from minusma import edition, paths, spec

SOLUTIONS = sorted(paths.SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "leaving-mali"
    written = edition.write_edition(out, git=True)
    return out, written


def _env(out: Path, work: Path) -> dict[str, str]:
    """The edition's own package first on the path, answers in a throw-away folder."""
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(out), "MINUSMA_WORK_DIR": str(work), "MPLBACKEND": "Agg"})
    return env


def _all_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts)


# ------------------------------------------------------------------ what is in it


def test_students_get_lessons_exercises_checks_data_package_and_a_readme(built):
    out, written = built
    for name in (
        "README.md",
        "course.py",
        "requirements.txt",
        "requirements-base.txt",
        "constraints.txt",
        "pyproject.toml",
        "rubric.yaml",
        ".gitignore",
        "data/README.md",
        "data/datasets.yaml",
        "minusma/__init__.py",
        "minusma/schemas/submission.schema.json",
    ):
        assert (out / name).is_file(), name
    for folder in ("notebooks", "exercises"):
        names = {p.name for p in (paths.REPO_ROOT / folder).glob("*.ipynb")}
        assert names and names == {p.name for p in (out / folder).glob("*.ipynb")}, folder
    checks = {p.name for p in (paths.EXERCISES_DIR / ".checks").glob("*.json")}
    assert checks and checks == {p.name for p in (out / "exercises" / ".checks").glob("*.json")}
    assert {str(p) for p in written} == {p.relative_to(out).as_posix() for p in _all_files(out)}


def test_no_solutions_instructor_tests_or_test_tools(built):
    out, _ = built
    top = {p.name for p in out.iterdir()}
    for name in (
        "solutions",
        "instructor",
        "tests",
        "benchmarks",
        "requirements-dev.txt",
        "conftest.py",
        ".ci",
        "CONTRIBUTING.md",
        "my-work",
    ):
        assert name not in top, name
    assert not any(p.name == "__pycache__" for p in out.rglob("*"))
    runtime = (out / "requirements.txt").read_text(encoding="utf-8") + (out / "requirements-base.txt").read_text(
        encoding="utf-8"
    )
    for tool in ("pytest", "nbval", "hypothesis", "playwright", "ruff"):
        assert not re.search(rf"^{tool}\b", runtime, flags=re.M), tool
    project = tomllib.loads((out / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(project) == {"build-system", "project", "tool"} and set(project["tool"]) == {"setuptools"}
    assert (
        project["project"]["name"]
        == tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    )


def test_readme_says_how_to_start_where_answers_are_and_how_to_hand_in(built):
    out, _ = built
    readme = (out / "README.md").read_text(encoding="utf-8")
    for needed in (
        "python course.py start",
        "my-work/answers/",
        "Hand in",
        "my-work/hand-in/",
        "notebooks/00_start_here.ipynb",
        "Download",
    ):
        assert needed in readme, needed
    assert "solutions/" not in readme and "course.py test" not in readme


def test_a_git_repository_with_one_commit_that_ignores_my_work(built):
    out, _ = built
    git = lambda *args: subprocess.run(["git", *args], cwd=out, capture_output=True, text=True, check=True).stdout
    assert git("rev-list", "--count", "HEAD").strip() == "1"
    assert git("status", "--porcelain") == ""
    tracked = set(git("ls-files").split())
    assert "exercises/.checks/00_start_here.json" in tracked and "README.md" in tracked
    (out / "my-work" / "answers").mkdir(parents=True)
    (out / "my-work" / "answers" / "00_start_here.json").write_text("{}", encoding="utf-8")
    try:
        assert git("status", "--porcelain") == "", "my-work/ must be ignored"
    finally:
        (out / "my-work" / "answers" / "00_start_here.json").unlink()
        (out / "my-work" / "answers").rmdir()
        (out / "my-work").rmdir()


def test_course_test_in_the_edition_says_it_is_the_student_edition(built):
    out, _ = built
    result = subprocess.run([sys.executable, "course.py", "test"], cwd=out, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "student edition" in result.stderr and "python course.py start" in result.stderr


# ------------------------------------------------------------------ no keys


def _lesson_text() -> str:
    """What the lessons (notebooks/) teach in the open: a line they show is no secret."""
    return "\n".join(
        c.source for p in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) for c in nbformat.read(p, as_version=4).cells
    )


def _solution_secrets(solution: Path, taught: str = "") -> tuple[set[str], set[str]]:
    """(texts that may appear nowhere in the edition, numbers that may not appear in its exercise).

    Texts: the lines of SOLUTION and KEY regions and of solution-only cells that the
    solution does not also show outside them, and the sentences of every model answer,
    unless the lessons show that line or sentence (``taught``: worked examples of the
    same move, facts stated in the reading); every whole model answer, and every order,
    classify and multiple-choice key as JSON, always. Numbers: each number key's value
    as written (``13289``, ``13,289``); data and lessons hold them by design, and a later
    exercise may state an earlier answer as a fact, so only the question's own exercise
    is scanned for them.
    """
    hidden, public = hidden_and_public_lines(solution)
    # import lines are the same in every notebook and in the package: not secrets
    texts = {line for line in hidden - public if len(line) >= 8 and not re.match(r"^(import|from) \w", line)}
    numbers: set[str] = set()
    whole: set[str] = set()
    for s in spec.specs_from_notebook(solution):
        if s.key is None:
            continue
        if s.type == "written":
            answer = s.key["model_answer"]
            whole.add(answer)
            texts |= {sentence.strip() for sentence in re.split(r"(?<=[.!?])\s+", answer) if len(sentence) > 15}
        elif s.type == "number":
            value = s.key["value"]
            numbers |= {f"{value:g}", f"{value:,}", f"{value:,}".replace(",", " ")} - {"0", "1"}
        elif s.type in ("order", "classify", "multiple_choice"):
            whole |= {json.dumps(s.key, ensure_ascii=False), json.dumps(s.key)}
    return {t for t in texts if t not in taught} | whole, numbers


def test_the_secret_list_is_not_empty():
    """The scan below can fail: every solution yields secrets to look for."""
    assert SOLUTIONS
    for solution in SOLUTIONS:
        texts, _ = _solution_secrets(solution, _lesson_text())
        assert len(texts) >= 3, solution.name
    assert sum(len(_solution_secrets(s)[1]) for s in SOLUTIONS) >= 3, "no number key to look for"


def test_no_key_or_model_answer_anywhere_in_the_edition(built):
    out, _ = built
    contents, exercise_sources = {}, {}
    for path in _all_files(out):
        name = path.relative_to(out).as_posix()
        text = path.read_bytes().decode("utf-8", errors="ignore")
        if path.suffix == ".ipynb":  # a notebook stores text JSON-escaped: scan it as a student reads it too
            sources = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            text += "\n" + sources
            if name.startswith("exercises/"):
                exercise_sources[name] = sources
        contents[name] = text
    found, taught = [], _lesson_text()
    for solution in SOLUTIONS:
        texts, numbers = _solution_secrets(solution, taught)
        for name, text in contents.items():
            found += [(solution.name, name, s[:60]) for s in texts if s in text or json.dumps(s)[1:-1] in text]
        sources = exercise_sources.get(f"exercises/{solution.name}", "")
        found += [
            (solution.name, solution.name, n)
            for n in numbers
            if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", sources)
        ]
    assert not found, f"solution text in the student edition: {found[:8]}"
    for name, text in contents.items():
        if not name.startswith("minusma/"):  # the package's docstrings name the markers
            for marker in ("### BEGIN SOLUTION", "### BEGIN KEY", "solution_copy()"):
                assert marker not in text, (name, marker)


def test_a_planted_model_answer_would_be_found(tmp_path):
    """Guard on the scan itself: a model answer copied into a file is caught."""
    solution = SOLUTIONS[0]
    texts, _ = _solution_secrets(solution)
    model = next(s.key["model_answer"] for s in spec.specs_from_notebook(solution) if s.type == "written" and s.key)
    assert model in texts
    planted = tmp_path / "notes.txt"
    planted.write_text("my notes: " + model, encoding="utf-8")
    assert any(s in planted.read_text(encoding="utf-8") for s in texts)


# ------------------------------------------------------------------ it works on its own


def test_the_package_in_the_edition_imports_and_finds_its_rubric_and_data(built, tmp_path):
    out, _ = built
    probe = (
        "import minusma, minusma.grading, minusma.questions\n"
        "from minusma import data, paths, spec\n"
        "print(minusma.__file__)\n"
        "print(paths.RUBRIC_FILE.relative_to(paths.REPO_ROOT).as_posix())\n"
        "print(len(spec.rubric_criteria()), len(data.validate_all()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=out / "exercises",
        env=_env(out, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    where, rubric, counts = result.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(out.resolve()), "the repository's package was used, not the edition's"
    assert rubric == "rubric.yaml"
    assert all(int(n) > 0 for n in counts.split())


@pytest.mark.slow
def test_the_editions_exercises_run_under_nbval_with_its_own_package(built, tmp_path):
    out, _ = built
    exercises = sorted(p.relative_to(out).as_posix() for p in (out / "exercises").glob("*.ipynb"))
    assert exercises
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-cell-timeout=300",
            "--rootdir",
            str(out),
            *exercises,
        ],
        cwd=out,
        env=_env(out, tmp_path),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = "\n".join(result.stdout.splitlines()[-30:])
    assert result.returncode == 0, tail
    assert re.search(r"\b\d+ passed\b", tail) and "failed" not in tail, tail
    assert not (out / "my-work").exists(), "answers went into the edition, not the work folder"


# ------------------------------------------------------------------ the command's guards


def test_refuses_a_folder_that_is_not_empty_or_inside_the_repository(tmp_path):
    (tmp_path / "something.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(edition.EditionError, match="not empty"):
        edition.write_edition(tmp_path)
    with pytest.raises(edition.EditionError, match="inside the course repository"):
        edition.write_edition(paths.REPO_ROOT / "student-edition-here")
    assert not (paths.REPO_ROOT / "student-edition-here").exists()


def test_student_pyproject_keeps_the_install_and_drops_test_and_lint_configuration():
    source = (
        '[build-system]\nrequires = ["setuptools"]\n\n[project]\nname = "x"\n\n'
        '# pytest is configured here\n[tool.pytest.ini_options]\naddopts = ["-q"]\n\n'
        '# the package\n[tool.setuptools.packages.find]\ninclude = ["minusma*"]\n\n'
        '[tool.ruff.lint]\nselect = ["E"]\n'
    )
    trimmed = edition.student_pyproject(source)
    parsed = tomllib.loads(trimmed)
    assert parsed["project"]["name"] == "x" and parsed["tool"] == {
        "setuptools": {"packages": {"find": {"include": ["minusma*"]}}}
    }
    assert "pytest" not in trimmed and "ruff" not in trimmed and "# the package" in trimmed


def test_command_line_reports_what_it_wrote(tmp_path, capsys):
    from minusma.__main__ import main

    assert main(["student-edition", str(tmp_path / "out")]) == 0
    assert "Wrote the student edition" in capsys.readouterr().out
    assert main(["student-edition", str(tmp_path / "out")]) == 1
    assert "not empty" in capsys.readouterr().err
