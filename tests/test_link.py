"""The JupyterHub link (nbgitpuller): what it asks the hub to do, and the arguments it refuses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from minusma import link
from minusma.__main__ import main as minusma_main


def query_of(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_the_link_pulls_the_edition_into_a_course_folder_and_opens_lesson_00():
    url = link.nbgitpuller_link("https://hub.example.edu/", "https://git.example.edu/leaving-mali.git")
    where, query = query_of(url)
    assert where == "https://hub.example.edu/hub/user-redirect/git-pull"
    assert query == {
        "repo": "https://git.example.edu/leaving-mali.git",
        "branch": "main",
        "targetpath": "course",
        "urlpath": "lab/tree/course/notebooks/00_start_here.ipynb",
    }


@pytest.mark.parametrize(
    ("folder", "open_path", "branch"),
    [("leaving-mali", "exercises/05_counting_to_nine.ipynb", "spring-2027"), ("a b", "notebooks/x y.ipynb", "main")],
)
def test_folder_lesson_and_branch_survive_the_round_trip(folder, open_path, branch):
    url = link.nbgitpuller_link("https://example.edu/jupyter", "https://g.example/r", branch, folder, open_path)
    where, query = query_of(url)
    assert where == "https://example.edu/jupyter/hub/user-redirect/git-pull", "a hub under a sub-path keeps it"
    assert query["targetpath"] == folder and query["branch"] == branch
    assert query["urlpath"] == f"lab/tree/{folder}/{open_path}"
    assert " " not in url


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"hub": "hub.example.edu"}, "--hub"),
        ({"hub": "ftp://hub.example.edu"}, "--hub"),
        ({"hub": "https://hub.example.edu/?next=x"}, "query"),
        ({"repo": "ftp://files.example/edition"}, "--repo"),
        ({"repo": "  "}, "--repo"),
        ({"branch": ""}, "--branch"),
        ({"branch": "my branch"}, "--branch"),
        ({"folder": "/home/student"}, "--folder"),
        ({"folder": "../elsewhere"}, "--folder"),
        ({"open_path": "../../etc/passwd"}, "--open"),
        ({"open_path": ""}, "--open"),
    ],
)
def test_arguments_that_cannot_work_are_refused_with_the_reason(kwargs, said):
    arguments = {"hub": "https://hub.example.edu", "repo": "https://g.example/r", **kwargs}
    with pytest.raises(link.LinkError, match=said):
        link.nbgitpuller_link(**arguments)


def test_the_command_prints_the_link_and_fails_clearly(capsys):
    assert minusma_main(["link", "--hub", "https://hub.example.edu", "--repo", "https://g.example/r"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == link.nbgitpuller_link("https://hub.example.edu", "https://g.example/r")
    assert minusma_main(["link", "--hub", "hub.example.edu", "--repo", "https://g.example/r"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("link: --hub") and "Traceback" not in error


def test_a_path_the_course_lacks_gets_a_note(capsys):
    assert (
        minusma_main(["link", "--hub", "https://h.example", "--repo", "https://g.example/r", "--open", "x.ipynb"]) == 0
    )
    assert "no x.ipynb" in capsys.readouterr().err


@pytest.mark.parametrize(
    "repo",
    [
        "git://127.0.0.1:9418/course.git",
        "ssh://git@git.example.edu/course.git",
        "git@github.com:dept/course.git",
        "file:///srv/course/edition.git",
    ],
)
def test_any_git_address_the_hub_can_clone_is_kept_as_it_is(repo):
    _where, query = query_of(link.nbgitpuller_link("https://hub.example.edu", repo))
    assert query["repo"] == repo


def test_a_folder_becomes_a_file_address_with_a_note(tmp_path, capsys):
    folder = tmp_path / "edition"
    folder.mkdir()
    assert minusma_main(["link", "--hub", "http://127.0.0.1:8000", "--repo", str(folder)]) == 0
    captured = capsys.readouterr()
    _where, query = query_of(captured.out.strip())
    assert query["repo"] == folder.resolve().as_uri()
    assert "every student's account must be able to read it" in captured.err
