"""Releasing lessons one at a time: ``student-edition --through NN`` and ``--publish``.

A student's clone of the edition is a plain git clone here (nbgitpuller's own
merge rules are exercised on a real hub in ``tests/test_hub.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from minusma import cutoff, data, edition, paths
from minusma.__main__ import main as minusma_main


def git(folder: Path, *command: str) -> str:
    done = subprocess.run(
        ["git", *edition.GIT_IDENTITY, *command], cwd=folder, capture_output=True, text=True, check=True
    )
    return done.stdout


def lessons_in(folder: Path) -> dict[str, list[str]]:
    return {
        "notebooks": sorted(p.name[:2] for p in (folder / "notebooks").glob("*.ipynb")),
        "exercises": sorted(p.name[:2] for p in (folder / "exercises").glob("*.ipynb")),
        "checks": sorted(p.name[:2] for p in (folder / "exercises" / ".checks").glob("*.json")),
    }


@pytest.fixture(scope="module")
def numbers():
    found = edition.lesson_numbers()
    assert len(found) >= 6, "the course has lessons 00 to 05 at least"
    return found


def test_through_keeps_the_lessons_up_to_that_number_and_says_so(tmp_path, numbers):
    out = tmp_path / "edition"
    edition.write_edition(out, git=True, through=4)
    assert lessons_in(out) == {key: ["00", "01", "02", "03", "04"] for key in ("notebooks", "exercises", "checks")}
    assert (out / "data" / "datasets.yaml").is_file() and (out / "minusma" / "__init__.py").is_file()
    assert "Published so far: lessons 00–04" in (out / "README.md").read_text(encoding="utf-8")
    assert git(out, "log", "--format=%s").splitlines() == ["Leaving Mali: student edition, lessons 00–04"]


def test_publishing_the_next_lesson_reaches_a_student_and_keeps_their_work(tmp_path, numbers):
    published = tmp_path / "edition"
    edition.write_edition(published, git=True, through=4)
    student = tmp_path / "student"
    subprocess.run(["git", "clone", "-q", str(published), str(student)], check=True)
    answers = student / "my-work" / "answers" / "00_start_here.json"
    answers.parent.mkdir(parents=True)
    answers.write_text('{"mine": true}', encoding="utf-8")
    assert git(student, "status", "--porcelain") == "", "my-work/ is ignored by the edition's git"

    (published / "instructor-notes.txt").write_text("not tracked", encoding="utf-8")
    message = edition.publish(published, through=5)
    assert message == "Publish lessons 00–05"
    assert (published / "instructor-notes.txt").read_text(encoding="utf-8") == "not tracked", "untracked files stay"
    git(student, "pull", "-q", "--ff-only")
    assert lessons_in(student)["exercises"] == ["00", "01", "02", "03", "04", "05"]
    assert answers.read_text(encoding="utf-8") == '{"mine": true}'
    assert "lessons 00–05" in (student / "README.md").read_text(encoding="utf-8")


def test_publishing_again_without_changes_makes_no_commit(tmp_path, numbers):
    out = tmp_path / "edition"
    edition.write_edition(out, git=True, through=5)
    assert edition.publish(out, through=5) is None
    assert len(git(out, "log", "--format=%s").splitlines()) == 1
    assert edition.publish(out) == f"Publish lessons 00–{numbers[-1]:02d}"
    assert lessons_in(out)["notebooks"] == [f"{n:02d}" for n in numbers]
    assert "All lessons are published" in (out / "README.md").read_text(encoding="utf-8")


def test_publish_refuses_what_is_not_an_edition_repository_and_changes_nothing(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(edition.EditionError, match="not a git repository"):
        edition.publish(plain)
    git(plain, "init", "-q")
    git(plain, "add", "-A")
    git(plain, "commit", "-q", "-m", "someone's project")
    with pytest.raises(edition.EditionError, match="does not hold a student edition"):
        edition.publish(plain)
    assert (plain / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_bound_before_the_first_lesson_is_refused(tmp_path):
    with pytest.raises(edition.EditionError, match="leaves no lesson"):
        edition.write_edition(tmp_path / "edition", through=-1)


def test_command_line_publish_and_its_guards(tmp_path, capsys):
    out = tmp_path / "edition"
    assert minusma_main(["student-edition", str(out), "--git", "--through", "03"]) == 0
    capsys.readouterr()
    assert minusma_main(["student-edition", str(out), "--publish", "--through", "04"]) == 0
    assert "Publish lessons 00–04" in capsys.readouterr().out
    assert minusma_main(["student-edition", str(out), "--publish", "--through", "04"]) == 0
    assert "Nothing new to publish" in capsys.readouterr().out
    assert minusma_main(["student-edition", str(tmp_path / "new"), "--publish"]) == 1
    assert "not a git repository" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        minusma_main(["student-edition", str(out), "--through", "four"])
    with pytest.raises(SystemExit):
        minusma_main(["student-edition", str(out), "--git", "--publish"])


# ------------------------------------------------------------------ before lesson 08: the data as on 30 June 2023


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    out = tmp_path_factory.mktemp("sealed") / "edition"
    edition.write_edition(out, through=7)
    return out


def _frames_in(out: Path, moment: str | None) -> dict[str, str]:
    """Every CSV dataset as the edition's own package loads it, as JSON text."""
    script = (
        "import json, sys\n"
        "from minusma import data\n"
        f"data.as_of({moment!r})\n"
        "print(json.dumps({n: data.load(n).to_json(orient='split', date_format='iso') for n in data.names()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=out,
        env={**os.environ, "PYTHONPATH": str(out)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_sealed_data_load_exactly_as_the_course_shows_them_on_decision_day(sealed):
    data.as_of("2023-06-30")
    try:
        shown = {n: data.load(n) for n in data.names()}
    finally:
        data.as_of(None)
    expected = {n: frame.to_json(orient="split", date_format="iso") for n, frame in shown.items() if not frame.empty}
    assert len(expected) < len(shown), "some datasets only have rows after 30 June 2023; they are left out whole"
    assert _frames_in(sealed, "2023-06-30") == expected
    assert _frames_in(sealed, None) == expected, "even without data.as_of, nothing later is in the files"


def test_sealed_files_hold_no_later_row_column_or_note(sealed):
    when = cutoff.DECISION_DAY
    full_rows = sealed_rows = 0
    for spec in data.schemas().values():
        if spec.format != "csv":
            continue
        full_rows += len(data.load(spec.name))
        if not (sealed / "data" / spec.file).exists():
            continue  # a dataset only about later events
        with open(sealed / "data" / spec.file, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows, header = list(reader), reader.fieldnames
        assert rows, f"{spec.file}: an empty file would not load"
        sealed_rows += len(rows)
        for column in spec.columns:
            if column.later:
                assert column.name not in header, f"{spec.file}: the later column {column.name} is still there"
            elif column.hindsight and column.type == "text":
                assert not any(cutoff.mentions_after(row[column.name], when) for row in rows), (spec.file, column.name)
        if spec.dated_by:
            dates = [row[spec.dated_by] for row in rows]
            assert all(dt.date.fromisoformat(d[:10]) <= when for d in dates if d), spec.file
    assert sealed_rows < full_rows, "the course's data run past 30 June 2023, so sealing must leave rows out"
    described = yaml.safe_load((sealed / "data" / "datasets.yaml").read_text(encoding="utf-8"))
    for name, entry in described["datasets"].items():
        for note in [*(entry.get("caveats") or ()), *(entry.get("gaps_and_conflicts") or ())]:
            assert not cutoff.mentions_after(str(note), when), (name, note)
    assert "Range: 2023-07-01 to 2023-06-30" not in (sealed / "data" / "README.md").read_text(encoding="utf-8")
    assert "as they stood on 30 June 2023" in (sealed / "README.md").read_text(encoding="utf-8")


def test_an_edition_with_lesson_08_has_the_full_data(tmp_path):
    out = tmp_path / "edition"
    edition.write_edition(out, through=8)
    for name in ("timeline.csv", "datasets.yaml", "README.md", "forecast_resolutions.csv"):
        assert (out / "data" / name).read_bytes() == (paths.DATA_DIR / name).read_bytes(), name


@pytest.mark.slow
def test_the_sealed_editions_exercises_run_unchanged_under_nbval(sealed, tmp_path):
    exercises = sorted(p.relative_to(sealed).as_posix() for p in (sealed / "exercises").glob("*.ipynb"))
    assert len(exercises) == 8
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env"]
        + ["--nbval-cell-timeout=300", "--rootdir", str(sealed), *exercises],
        cwd=sealed,
        env={**os.environ, "PYTHONPATH": str(sealed), "MINUSMA_WORK_DIR": str(tmp_path), "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = "\n".join(done.stdout.splitlines()[-30:])
    assert done.returncode == 0 and "failed" not in tail, tail
