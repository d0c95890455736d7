"""Atomic writes: the target holds the old or the new content, never a mix."""

import json
import os

import pytest

from minusma import files


def test_write_json_atomic_creates_folders_and_sorts_keys(tmp_path):
    target = tmp_path / "a" / "b" / "answers.json"
    files.write_json_atomic(target, {"b": 1, "a": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": "é", "b": 1}
    assert target.read_text(encoding="utf-8").index('"a"') < target.read_text(encoding="utf-8").index('"b"')


def test_no_temporary_file_left_behind(tmp_path):
    files.write_text_atomic(tmp_path / "x.txt", "one")
    files.write_text_atomic(tmp_path / "x.txt", "two")
    assert os.listdir(tmp_path) == ["x.txt"]
    assert (tmp_path / "x.txt").read_text() == "two"


def test_failed_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "x.json"
    files.write_json_atomic(target, {"kept": True})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        files.write_json_atomic(target, {"kept": False})
    assert json.loads(target.read_text()) == {"kept": True}
    assert os.listdir(tmp_path) == ["x.json"]


def test_written_files_are_readable_by_others(tmp_path):
    files.write_text_atomic(tmp_path / "nb.ipynb", "{}")
    assert (tmp_path / "nb.ipynb").stat().st_mode & 0o777 == 0o644


def test_replace_is_retried_while_windows_holds_the_file_open(tmp_path, monkeypatch):
    """On Windows another program reading the target makes os.replace fail for a moment."""
    target = tmp_path / "answers.json"
    files.write_json_atomic(target, {"n": 1})
    real_replace, failures = os.replace, []

    def busy_twice(src, dst):
        if len(failures) < 2:
            failures.append(dst)
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)

    monkeypatch.setattr(files, "_RETRY_REPLACE", True)
    monkeypatch.setattr(files.time, "sleep", lambda _s: None)
    monkeypatch.setattr(files.os, "replace", busy_twice)
    files.write_json_atomic(target, {"n": 2})
    assert len(failures) == 2 and json.loads(target.read_text()) == {"n": 2}
    assert os.listdir(tmp_path) == ["answers.json"]


def test_a_file_that_stays_locked_fails_cleanly(tmp_path, monkeypatch):
    target = tmp_path / "answers.json"
    files.write_json_atomic(target, {"n": 1})

    def always_busy(src, dst):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(files, "_RETRY_REPLACE", True)
    monkeypatch.setattr(files.time, "sleep", lambda _s: None)
    monkeypatch.setattr(files.os, "replace", always_busy)
    with pytest.raises(PermissionError):
        files.write_json_atomic(target, {"n": 2})
    assert json.loads(target.read_text()) == {"n": 1}
    assert os.listdir(tmp_path) == ["answers.json"], "no temporary file left behind"
