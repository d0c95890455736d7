"""course.py, the README's two commands: arguments and the no-tests rule."""
import importlib.util
import subprocess
import sys
from pathlib import Path

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
    code = course.test(Path(sys.executable), [str(tmp_path), "-p", "no:nbval", "-o", "addopts=", "-q", "--rootdir", str(tmp_path)])
    assert code == 1
    assert "collected no tests" in capsys.readouterr().err


def test_failing_test_fails_the_command(tmp_path):
    course = load_course()
    (tmp_path / "test_red.py").write_text("def test_red():\n    assert False\n")
    code = course.test(Path(sys.executable), [str(tmp_path), "-p", "no:nbval", "-o", "addopts=", "-q", "--rootdir", str(tmp_path)])
    assert code == 1


def test_ci_script_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py test" in ci
    assert "course.py test" in readme and "course.py start" in readme
    assert "set -euo pipefail" in ci
