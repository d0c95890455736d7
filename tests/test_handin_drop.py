"""Hand-in on a JupyterHub: the copy into the class's drop folder (``MINUSMA_HANDIN_DROP``).

Multi-user permissions (students cannot read or list each other's copies) are
proven with real system users in ``tests/test_hub.py``; these tests cover the
rules one process can check: naming, mode, never replacing someone else's
file, and what the student is told when the copy fails.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from minusma import handin, paths, store
from minusma import questions as q

NOTEBOOK = "00_start_here"


@pytest.fixture(autouse=True)
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.delenv(handin.DROP_ENV, raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    store.set_solution_mode(False)
    store.forget_stores()
    q.setup(NOTEBOOK)
    yield tmp_path / "work"
    store.forget_stores()


@pytest.fixture
def drop(tmp_path, monkeypatch):
    folder = tmp_path / "drop"
    folder.mkdir()
    monkeypatch.setenv(handin.DROP_ENV, str(folder))
    return folder


def answered(student_id="s1"):
    q.identity().save("Aminata Traoré", student_id)
    q.single_choice("00.a", "A", ["x", "y"]).answer("y")


def test_without_a_drop_folder_nothing_changes(work, tmp_path):
    answered()
    button = q.hand_in()
    path = button.click()
    assert path == work / "hand-in" / "s1__00_start_here.json"
    assert handin.where_to_find(path) in button._status.value and "nothing to upload" not in button._status.value
    assert handin.drop_folder() is None and handin.copy_to_drop(path, NOTEBOOK, "s1") is None


def test_hand_in_is_copied_under_the_hub_user_name_readable_by_group_only(work, drop, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "amina")
    answered(student_id="s-2023.01")
    button = q.hand_in()
    local = button.click()
    copy = drop / "amina__00_start_here.json"
    assert copy.read_bytes() == local.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o640
    assert "amina__00_start_here.json" in button._status.value and "nothing to upload" in button._status.value
    assert [p.name for p in drop.iterdir()] == ["amina__00_start_here.json"], "no temporary file is left behind"


def test_without_a_hub_user_the_copy_is_named_by_student_id(work, drop):
    answered(student_id="s7")
    handin.hand_in(NOTEBOOK)
    assert (drop / "s7__00_start_here.json").is_file()


def test_handing_in_again_replaces_the_students_own_copy(work, drop, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "amina")
    answered()
    handin.hand_in(NOTEBOOK)
    q.question("00.a").answer("x")
    handin.hand_in(NOTEBOOK)
    document = json.loads((drop / "amina__00_start_here.json").read_text(encoding="utf-8"))
    assert document["answers"]["00.a"]["value"] == "x"


def test_a_copy_owned_by_someone_else_is_never_replaced(work, drop, monkeypatch):
    if not hasattr(os, "getuid"):
        pytest.skip("file owners are a POSIX notion")
    monkeypatch.setenv("JUPYTERHUB_USER", "amina")
    squatted = drop / "amina__00_start_here.json"
    squatted.write_text("someone else's file", encoding="utf-8")
    me = os.getuid()
    monkeypatch.setattr(handin.os, "getuid", lambda: me + 4242)  # the file now belongs to another user
    answered()
    button = q.hand_in()
    local = button.click()
    assert local == work / "hand-in" / "s1__00_start_here.json" and local.is_file(), "the local hand-in is kept"
    assert squatted.read_text(encoding="utf-8") == "someone else's file"
    status = button._status.value
    assert "not yours" in status and "upload it" in status and handin.where_to_find(local) in status


def test_a_missing_drop_folder_is_said_and_the_local_file_kept(work, tmp_path, monkeypatch):
    monkeypatch.setenv(handin.DROP_ENV, str(tmp_path / "no-such-folder"))
    answered()
    with pytest.raises(handin.DropError) as raised:
        handin.hand_in(NOTEBOOK)
    assert raised.value.local_path.is_file() and "does not exist" in str(raised.value)
    assert not (tmp_path / "no-such-folder").exists(), "the hand-in never creates the admin's folder"


def test_a_failed_copy_is_said_plainly(work, drop, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(handin, "write_bytes_atomic", refuse)
    answered()
    button = q.hand_in()
    assert button.click() is not None
    assert "Permission denied" in button._status.value and "upload it" in button._status.value


def test_an_empty_variable_means_no_drop_folder(monkeypatch):
    monkeypatch.setenv(handin.DROP_ENV, "  ")
    assert handin.drop_folder() is None


def test_hub_user_names_are_made_safe_for_a_file_name(drop, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "../evil user")
    assert handin.drop_path(NOTEBOOK, "s1") == drop / "evil_user__00_start_here.json"


def test_the_work_folder_is_private_when_the_package_makes_it(tmp_path, monkeypatch):
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path / "fresh" / "my-work"))
    work = paths.work_dir()
    assert work.is_dir() and stat.S_IMODE(work.stat().st_mode) == 0o700
    work.chmod(0o750)  # an owner's own choice is kept
    assert stat.S_IMODE(paths.work_dir().stat().st_mode) == 0o750
