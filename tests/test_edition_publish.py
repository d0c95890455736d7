"""Releasing lessons one at a time: ``student-edition --through NN`` and ``--publish``.

A student's clone of the edition is a plain git clone here (nbgitpuller's own
merge rules are exercised on a real hub in ``tests/test_hub.py``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from minusma import edition
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
