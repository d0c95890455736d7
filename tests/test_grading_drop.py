"""Grading a JupyterHub drop folder: each file is checked against the hub account that wrote it.

Owners are faked with a lookup in most tests (any machine can run them); one
test sets real owners with chown, which needs root (as in CI).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path

import pytest
import synthetic_class as synthetic

from minusma import paths, spec
from minusma.grading import cli, drop

NB = synthetic.DEMO_NOTEBOOK

pytestmark = pytest.mark.skipif(drop.pwd is None, reason="drop folders need POSIX file owners")


@pytest.fixture()
def world(tmp_path):
    solutions = tmp_path / "solutions"
    path = synthetic.write_demo_solutions(solutions)
    specs, keys = spec.specs_from_notebook(path), spec.keys_from_notebook(path)
    right = synthetic.answers_for(specs, keys, "right")
    wrong = synthetic.answers_for(specs, keys, "wrong")
    return solutions, right, wrong, tmp_path / "drop"


def put(folder: Path, name: str, sid: str, answers: dict, submitted_at: str = "2023-06-30T10:00:00.000Z") -> Path:
    document = synthetic.submission_for(NB, sid, f"Student {sid}", copy.deepcopy(answers), submitted_at=submitted_at)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture()
def owners(monkeypatch):
    """Who 'wrote' each file: by file name, the hub user in the name unless a test says otherwise."""
    table: dict[str, str] = {}

    def fake_owner(path: Path) -> str:
        return table.get(Path(path).name, Path(path).name.split("__")[0])

    monkeypatch.setattr(drop, "owner_name", fake_owner)
    return table


def grade(capsys, world, *extra) -> tuple[int, list[dict[str, str]], list[dict[str, str]], str]:
    solutions, _right, _wrong, folder = world
    out = folder.parent / "grades"
    code = cli.main([str(folder), "--out", str(out), "--solutions", str(solutions), "-q", *extra])
    err = capsys.readouterr().err
    if code != 0:
        return code, [], [], err
    read = lambda name: list(csv.DictReader(io.StringIO((out / name).read_text(encoding="utf-8-sig"))))  # noqa: E731
    return code, read("gradebook.csv"), read("problems.csv"), err


def test_files_written_by_the_user_they_are_named_for_are_graded(capsys, world, owners):
    _sol, right, wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", right)
    put(folder, f"bakary__{NB}.json", "s2", wrong)
    code, book, problems, _ = grade(capsys, world, "--drop-folder")
    assert code == 0 and sorted(row["student_id"] for row in book) == ["s1", "s2"]
    assert problems == []


def test_a_file_named_for_another_user_is_not_graded(capsys, world, owners):
    _sol, right, wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", wrong)
    owners[f"amina__{NB}.json"] = "bakary"  # bakary planted a file under amina's name
    put(folder, f"bakary__{NB}.json", "s2", right)
    code, book, problems, _ = grade(capsys, world, "--drop-folder")
    assert [row["student_id"] for row in book] == ["s2"]
    [refused] = problems
    assert refused["file"] == f"amina__{NB}.json"
    assert "named for hub user amina but written by hub user bakary" in refused["problem"]
    assert refused["action"].startswith("not graded")


def test_one_student_id_from_two_accounts_is_flagged(capsys, world, owners):
    _sol, right, wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", right, submitted_at="2023-06-30T10:00:00.000Z")
    put(folder, f"bakary__{NB}.json", "s1", wrong, submitted_at="2023-06-30T11:00:00.000Z")
    code, book, problems, _ = grade(capsys, world, "--drop-folder")
    flagged = [row for row in problems if "hub accounts amina, bakary" in row["problem"]]
    assert code == 0 and len(flagged) == 2 and {row["action"] for row in flagged} == {"graded; check with the student"}


def test_stray_and_unfinished_files_are_reported_not_graded(capsys, world, owners):
    _sol, right, _wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", right)
    put(folder, f".bakary__{NB}.json.x1y2.tmp", "s2", right)
    put(folder, "notes.json", "s3", right)
    put(folder / "sub", f"chen__{NB}.json", "s4", right)
    code, book, problems, _ = grade(capsys, world, "--drop-folder")
    assert [row["student_id"] for row in book] == ["s1"]
    by_file = {row["file"]: row for row in problems}
    assert by_file[f".bakary__{NB}.json.x1y2.tmp"]["action"] == "ignored"
    assert by_file["notes.json"]["action"].startswith("not graded")
    assert by_file[f"sub/chen__{NB}.json"]["action"].startswith("not graded")


def test_without_the_flag_the_same_folder_is_graded_as_downloads_are(capsys, world, owners, monkeypatch):
    _sol, right, wrong, folder = world
    monkeypatch.delenv(paths.DROP_ENV, raising=False)
    put(folder, f"amina__{NB}.json", "s1", wrong)
    owners[f"amina__{NB}.json"] = "bakary"
    code, book, problems, _ = grade(capsys, world)
    assert [row["student_id"] for row in book] == ["s1"] and problems == []


def test_the_hubs_configured_drop_folder_is_checked_without_the_flag(capsys, world, owners, monkeypatch):
    _sol, right, _wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", right)
    owners[f"amina__{NB}.json"] = "bakary"
    monkeypatch.setenv(paths.DROP_ENV, str(folder))
    code, book, problems, _ = grade(capsys, world)
    assert book == [] and "written by hub user bakary" in problems[0]["problem"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root (CI runs as root)")
def test_real_owners_are_read_from_the_file_system(world):
    _sol, right, _wrong, folder = world
    path = put(folder, f"daemon__{NB}.json", "s1", right)
    assert drop.owner_name(path) == "root"
    os.chown(path, drop.pwd.getpwnam("daemon").pw_uid, -1)
    entries = [(path, path.name)]
    kept, owners, problems = drop.screen(entries)
    assert kept == entries and owners == {path.name: "daemon"} and problems == []
    os.chown(path, drop.pwd.getpwnam("nobody").pw_uid, -1)
    kept, _owners, problems = drop.screen(entries)
    assert kept == [] and "written by hub user nobody" in problems[0].problem


def test_tljh_accounts_are_the_hub_user_with_their_prefix(capsys, world, owners):
    _sol, right, _wrong, folder = world
    put(folder, f"amina__{NB}.json", "s1", right)
    owners[f"amina__{NB}.json"] = "jupyter-amina"  # The Littlest JupyterHub's account for hub user amina
    put(folder, f"bakary__{NB}.json", "s2", right)
    owners[f"bakary__{NB}.json"] = "jupyter-amina"  # amina wrote bakary's file
    code, book, problems, _ = grade(capsys, world, "--drop-folder")
    assert [row["student_id"] for row in book] == ["s1"]
    assert "written by hub user jupyter-amina" in problems[0]["problem"]


def test_kubernetes_layout_checks_the_students_own_sub_folder(capsys, world, monkeypatch):
    _sol, right, wrong, folder = world
    monkeypatch.setattr(drop, "owner_name", lambda _path: "jovyan")  # every pod writes as uid 1000
    put(folder / "amina", f"amina__{NB}.json", "s1", right)
    put(folder / "bakary", f"amina__{NB}.json", "s9", wrong)  # bakary named a file for amina
    put(folder, f"chen__{NB}.json", "s3", right)  # not in a student's folder
    code, book, problems, _ = grade(capsys, world, "--drop-folder", "folders")
    assert code == 0 and [row["student_id"] for row in book] == ["s1"]
    by_file = {row["file"]: row for row in problems}
    assert "found in bakary's folder" in by_file[f"bakary/amina__{NB}.json"]["problem"]
    assert by_file[f"chen__{NB}.json"]["action"].startswith("not graded")


def test_an_unknown_layout_is_refused(capsys, world):
    with pytest.raises(SystemExit):
        grade(capsys, world, "--drop-folder", "everyone")
    with pytest.raises(drop.DropFolderError, match="owners, folders"):
        drop.screen([], "everyone")
