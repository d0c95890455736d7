"""course.py, the README's two commands: arguments and the no-tests rule."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_command_prints_usage_and_fails():
    result = subprocess.run([sys.executable, str(ROOT / "course.py")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "python course.py start" in result.stdout and "python course.py test" in result.stdout


def test_pytest_collecting_nothing_is_a_failure(tmp_path, capsys):
    course = load_course()
    (tmp_path / "test_empty.py").write_text("# no tests here\n")
    code = course.test(
        Path(sys.executable), [str(tmp_path), "-p", "no:nbval", "-o", "addopts=", "-q", "--rootdir", str(tmp_path)]
    )
    assert code == 1
    assert "collected no tests" in capsys.readouterr().err


def test_failing_test_fails_the_command(tmp_path):
    course = load_course()
    (tmp_path / "test_red.py").write_text("def test_red():\n    assert False\n")
    code = course.test(
        Path(sys.executable), [str(tmp_path), "-p", "no:nbval", "-o", "addopts=", "-q", "--rootdir", str(tmp_path)]
    )
    assert code == 1


def test_ci_script_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py test" in ci
    assert "course.py test" in readme and "course.py start" in readme
    assert "set -euo pipefail" in ci


def test_start_roots_jupyterlab_at_the_course_folder_and_opens_00():
    command = load_course().start_command(Path(sys.executable))
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in command
    assert not any(part.endswith(".ipynb") and not part.startswith("--") for part in command), (
        "a notebook path as argument would make its folder the root"
    )


def test_profiles_students_get_the_runtime_and_tests_add_the_tools():
    runtime = (ROOT / "requirements.txt").read_text() + (ROOT / "requirements-base.txt").read_text()
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "jupyterlab==" in runtime and "-e ." in runtime
    assert "-e ." not in (ROOT / "requirements-base.txt").read_text(), "a hub image installs the base file alone"
    for tool in ("pytest", "nbval", "hypothesis", "playwright", "ruff"):
        assert f"{tool}==" not in runtime and f"{tool}==" in dev
    assert "-r requirements.txt" in dev


@pytest.mark.slow
def test_started_course_lists_exercises_at_its_root(tmp_path):
    """Start JupyterLab as `python course.py start` does and ask its contents API for the root folder."""
    import json
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = load_course().start_command(Path(sys.executable)) + [
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=course-test",
        f"--ServerApp.runtime_dir={tmp_path}",
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, listing = time.monotonic() + 90, None
        while time.monotonic() < deadline and listing is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/contents/", headers={"Authorization": "token course-test"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    listing = json.load(response)
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 90 s"
        names = {item["name"] for item in listing["content"]}
        assert {"notebooks", "exercises", "data"} <= names
    finally:
        server.terminate()
        server.wait(timeout=30)
