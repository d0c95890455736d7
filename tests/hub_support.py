"""A real JupyterHub on this machine, for tests/test_hub.py and benchmarks/bench_hub.py.

What it takes (instructor/hub.md is the same set-up for a department):

* **A Python every user can run.** The hub and each student's server run from a
  venv made from Debian's ``/usr/bin/python3`` with ``requirements-hub.txt``, in
  ``/var/cache/minusma-hub/venv-<hash of the requirement files>`` (world-readable,
  reused while the requirement files are unchanged). A venv under ``/root`` (or
  the repository's ``.venv``, which may come from such a Python) cannot be run
  by the students' accounts.
* **configurable-http-proxy** from the npm registry, pinned, installed into the
  same cache folder on first use.
* **System users** made with ``useradd`` (names with a random part, and a
  comment naming this test, so they are found and removed afterwards even after a
  crash), and an instructors group.
* **The student edition served by ``git daemon``** on localhost (a ``file://``
  repository owned by root is refused by the students' git as "dubious ownership").
* **The hub** with the dummy authenticator and ``LocalProcessSpawner`` (each
  student's server runs as that student, in their home), a test service whose
  token may start, stop and use every server, and the idle culler as a service.

Everything is started as a child process and stopped by its process id; users,
groups and folders are removed by the names this module gave them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from browser_support import answers, free_port, stop_process, wait_until_up

from minusma import paths

#: Every run's venvs and npm packages live here, outside the repository and outside /root.
HUB_CACHE = Path(os.environ.get("MINUSMA_HUB_CACHE", "/var/cache/minusma-hub"))
#: Debian's Python: its files are readable by every account (a pyenv Python under /root is not).
SYSTEM_PYTHON = Path("/usr/bin/python3")
#: The pip that installs the hub venv (Debian's bundled pip 23.0 backtracks for many minutes on this set).
PIP = "pip==26.0.1"
#: The proxy in front of the hub, from the npm registry.
PROXY = "configurable-http-proxy@5.3.0"
#: The requirement files the hub venv is built from (their bytes key the venv).
REQUIREMENT_FILES = ("requirements-hub.txt", "requirements-base.txt", "constraints.txt")
#: The comment on every account this module creates: how leftovers of a crashed run are found.
ACCOUNT_COMMENT = "minusma hub test"
#: Seconds to wait for a server, a pull or a cell.
TIMEOUT = 120


class HubProblem(RuntimeError):
    """Something the hub test needs is missing or failed; the message says what."""


# ------------------------------------------------------------------ what the machine must have


def missing_tools() -> str | None:
    """Why a real hub cannot run here (None when it can): root, Debian's Python, git, useradd, npm."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the hub test creates system users and runs servers as them, so it must run as root (CI does)"
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} is missing (the hub venv is made from Debian's Python)"
    for tool, package in (("git", "git"), ("useradd", "passwd"), ("runuser", "util-linux"), ("npm", "npm")):
        if shutil.which(tool) is None:
            return f"{tool} is missing (install Debian's {package} package)"
    done = subprocess.run([str(SYSTEM_PYTHON), "-c", "import ensurepip, venv"], capture_output=True)
    if done.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot make a venv (install Debian's python3-venv package)"
    return None


# ------------------------------------------------------------------ the hub's Python and proxy


def requirements_key() -> str:
    """A short hash of the requirement files, the pip version and the system Python's version."""
    digest = hashlib.sha256(PIP.encode())
    digest.update(subprocess.run([str(SYSTEM_PYTHON), "-VV"], capture_output=True).stdout)
    for name in REQUIREMENT_FILES:
        digest.update(name.encode() + b"\0" + (paths.REPO_ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run(command: list, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; raise :class:`HubProblem` with its output if it fails."""
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        shown = " ".join(str(c) for c in command)
        raise HubProblem(f"{shown} failed ({done.returncode}):\n{(done.stdout + done.stderr).strip()[-2000:]}")
    return done


@contextlib.contextmanager
def _cache_lock(name: str):
    """Only one test run builds a given cache entry at a time (others wait, then reuse it)."""
    from filelock import FileLock

    HUB_CACHE.mkdir(parents=True, exist_ok=True)
    HUB_CACHE.chmod(0o755)
    with FileLock(str(HUB_CACHE / f"{name}.lock"), timeout=900):
        yield


def hub_venv() -> Path:
    """The hub venv for the current requirement files: reused if built, else built (about a minute)."""
    venv = HUB_CACHE / f"venv-{requirements_key()}"
    ready = venv / "minusma-ready"
    with _cache_lock(venv.name):
        if ready.exists():
            ready.touch()  # in use: kept by _prune_venvs
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # a build that was interrupted
        _run([SYSTEM_PYTHON, "-m", "venv", venv])
        pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        _run([*pip, PIP])
        _run([*pip, "-r", paths.REPO_ROOT / "requirements-hub.txt"], timeout=900)
        _run([venv / "bin" / "python", "-m", "pip", "check"])
        _run(["chmod", "-R", "a+rX", venv])  # every student's server runs this Python
        ready.write_text("\n".join(REQUIREMENT_FILES) + "\n")
    _prune_venvs(keep=venv)
    return venv


#: A hub venv for other requirement files, unused this long, is removed when a new one is built.
UNUSED_VENV_DAYS = 7


def _prune_venvs(keep: Path) -> None:
    """Remove hub venvs of older requirement files that no run has used for a week (each is about 650 MB)."""
    for venv in HUB_CACHE.glob("venv-*"):
        ready = venv / "minusma-ready"
        if venv == keep or not venv.is_dir() or not ready.exists():
            continue
        if time.time() - ready.stat().st_mtime > UNUSED_VENV_DAYS * 86400:
            with _cache_lock(venv.name):
                shutil.rmtree(venv, ignore_errors=True)
            (HUB_CACHE / f"{venv.name}.lock").unlink(missing_ok=True)


def proxy_command() -> Path:
    """configurable-http-proxy, installed with npm into the cache on first use."""
    folder = HUB_CACHE / PROXY.replace("@", "-")
    command = folder / "node_modules" / ".bin" / "configurable-http-proxy"
    with _cache_lock(folder.name):
        if not command.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", folder, PROXY])
    return command


# ------------------------------------------------------------------ accounts and folders


def run_as(user: str, command: list, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300):
    """Run ``command`` as the system user ``user`` (``runuser``), with only the environment given."""
    home = pwd.getpwnam(user).pw_dir
    base = {"HOME": home, "USER": user, "LOGNAME": user, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    base.update(env or {})
    variables = [f"{k}={v}" for k, v in base.items()]
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *variables, *[str(c) for c in command]],
        capture_output=True,
        text=True,
        cwd=cwd or home,
        timeout=timeout,
    )


@dataclass
class Accounts:
    """The system users and group of one test run, each name with the run's random part."""

    run: str = field(default_factory=lambda: secrets.token_hex(3))
    created_users: list[str] = field(default_factory=list)
    created_groups: list[str] = field(default_factory=list)

    def name(self, role: str) -> str:
        return f"mh{self.run}-{role}"

    def add_group(self, role: str) -> str:
        group = self.name(role)
        _run(["groupadd", group])
        self.created_groups.append(group)
        return group

    def add_user(self, role: str, groups: tuple[str, ...] = ()) -> str:
        user = self.name(role)
        extra = ["-G", ",".join(groups)] if groups else []
        # the comment names this test and the process that made the account: leftovers of a crash are found by it
        _run(["useradd", "-m", "-s", "/bin/bash", "-c", f"{ACCOUNT_COMMENT} {os.getpid()}", *extra, user])
        self.created_users.append(user)
        return user

    def remove(self) -> list[str]:
        """Remove every account and group this run made (their processes first); what could not be removed."""
        problems = []
        for user in reversed(self.created_users):
            problems += _remove_user(user)
        self.created_users.clear()
        for group in reversed(self.created_groups):
            done = subprocess.run(["groupdel", group], capture_output=True, text=True)
            if done.returncode not in (0, 6):  # 6: no such group
                problems.append(f"groupdel {group}: {done.stderr.strip()}")
        self.created_groups.clear()
        return problems


def processes_of(user: str) -> list[int]:
    """Process ids run by ``user`` (read from /proc)."""
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except FileNotFoundError:
                pass
    return found


def _stop_pids(pids: list[int], grace: float = 10) -> None:
    """SIGTERM each process, then SIGKILL what is left after ``grace`` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _remove_user(user: str) -> list[str]:
    _stop_pids(processes_of(user))
    done = subprocess.run(["userdel", "-r", user], capture_output=True, text=True)
    # 6: no such user; 12: the home folder was already gone (userdel warns about the mail spool)
    if done.returncode not in (0, 6, 12):
        return [f"userdel -r {user}: {done.stderr.strip()}"]
    return []


def remove_leftover_accounts() -> list[str]:
    """Accounts made by a hub test run whose process is gone (a run killed before it cleaned up): removed."""
    removed = []
    for entry in pwd.getpwall():
        match = re.fullmatch(re.escape(ACCOUNT_COMMENT) + r" (\d+)", entry.pw_gecos)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            _remove_user(entry.pw_name)
            removed.append(entry.pw_name)
            group = entry.pw_name.rsplit("-", 1)[0] + "-instructors"
            subprocess.run(["groupdel", group], capture_output=True)
    return removed


#: Every run's folder (drop folder, edition, hub state) is a temporary folder with this prefix.
WORK_PREFIX = "minusma-hub-"
#: The processes a run starts, by the pid file it leaves in its folder, and a word their command line holds.
RUN_PROCESSES = (("hub/hub.pid", "jupyterhub"), ("hub/proxy.pid", "configurable-http-proxy"), ("git-daemon.pid", "git"))


def remove_leftovers() -> list[str]:
    """What a hub test run killed before it cleaned up left behind: its processes, accounts and folder.

    A run's folder records the run's own process id (``run.pid``); only folders whose run is gone are
    touched, and only processes whose pid file is in that folder and whose command line is still theirs.
    """
    removed = remove_leftover_accounts()
    for folder in Path(tempfile.gettempdir()).glob(WORK_PREFIX + "*"):
        owner = _read_pid(folder / "run.pid")
        if owner is None or Path(f"/proc/{owner}").exists():
            continue
        for pid_file, word in RUN_PROCESSES:
            pid = _read_pid(folder / pid_file)
            if pid is not None and _command_has(pid, word):
                _stop_pids([pid], grace=30)  # the hub stops its proxy and services if given the time
        _stop_pids(_services_of(folder / "hub" / "jupyterhub_config.py"))
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(str(folder))
    return removed


def _services_of(config: Path) -> list[int]:
    """Hub services (the idle culler) left running by the hub ``config`` set up: they talk to its API port,
    and their hub is gone (a live hub that reused the port is another run's, and keeps its own)."""
    match = re.search(r"^c\.JupyterHub\.hub_port = (\d+)$", config.read_text() if config.exists() else "", re.M)
    if not match:
        return []
    api = f"JUPYTERHUB_API_URL=http://127.0.0.1:{match.group(1)}/hub/api".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and api in (entry / "environ").read_bytes().split(b"\0"):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if not _command_has(parent, "jupyterhub"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _command_has(pid: int, word: str) -> bool:
    try:
        return word in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def make_drop_folder(folder: Path, instructors: str) -> None:
    """The class's drop folder, as instructor/hub.md tells an admin to make it.

    ``root:<instructors>``, mode 3753: setgid (every hand-in belongs to the
    instructors' group), sticky (only a file's owner can replace or delete it),
    students (others) may write and enter but not list (``-wx``), instructors may
    list and read (``r-x``; the button writes each file 0640).
    """
    folder.mkdir(parents=True)
    shutil.chown(folder, "root", instructors)
    folder.chmod(0o3753)


# ------------------------------------------------------------------ the student edition, served by git daemon


@contextlib.contextmanager
def git_daemon(base: Path):
    """``git daemon`` serving every repository under ``base`` at ``git://127.0.0.1:PORT/<name>``; yields the URL."""
    port = free_port()
    log = open(base.parent / "git-daemon.log", "wb")  # noqa: SIM115 (closed below)
    daemon = subprocess.Popen(
        ["git", "daemon", f"--base-path={base}", "--export-all", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    (base.parent / "git-daemon.pid").write_text(f"{daemon.pid}\n")  # for remove_leftovers after a crash
    try:
        wait_until_up(
            lambda: _port_open(port), daemon, "git daemon", base.parent / "git-daemon.log", timeout=30, error=HubProblem
        )
        yield f"git://127.0.0.1:{port}"
    finally:
        stop_process(daemon)
        log.close()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# ------------------------------------------------------------------ the hub


HUB_CONFIG = """\
# Written by tests/hub_support.py for one test run.
import os
import pwd

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid_file!r}
c.JupyterHub.db_url = {db_url!r}
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.pid_file = {hub_pid_file!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {students!r}
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def course_folder(spawner):
    # each student's kernel imports the course package from their own pulled copy
    return os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, {folder!r})


c.Spawner.environment = {{"PYTHONPATH": course_folder, "MINUSMA_HANDIN_DROP": {drop!r}}}
c.JupyterHub.services = [
    {{"name": "course-test", "api_token": {service_token!r}}},
    {{
        "name": "idle-culler",
        "command": [{python!r}, "-m", "jupyterhub_idle_culler", "--timeout=3600", "--cull-every=600"],
    }},
]
c.JupyterHub.load_roles = [
    {{
        "name": "course-test",
        "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
        "services": ["course-test"],
    }},
    {{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }},
]
"""


@dataclass
class Hub:
    """A running JupyterHub: its address, the test service's token, the students' password."""

    url: str
    token: str
    password: str
    state: Path
    process: subprocess.Popen

    # -- the REST API, as the test service --------------------------------------

    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30):
        """Call ``/hub/api/<path>`` with the service token; the decoded JSON answer (or None)."""
        return request_json(f"{self.url}/hub/api/{path}", self.token, method, body, timeout)

    def server_api(self, user: str, path: str, method: str = "GET", body: dict | None = None, timeout: float = 60):
        """Call a student's single-user server (``/user/<name>/api/<path>``) through the proxy."""
        return request_json(f"{self.url}/user/{user}/api/{path}", self.token, method, body, timeout)

    def start_server(self, user: str) -> float:
        """Start ``user``'s server through the API; seconds until it answers."""
        started = time.monotonic()
        with contextlib.suppress(urllib.error.HTTPError):  # 400: already running
            self.api(f"users/{user}/server", "POST")
        self.wait_ready(user)
        return time.monotonic() - started

    def wait_ready(self, user: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            model = self.api(f"users/{user}")
            server = (model.get("servers") or {}).get("", {})
            if server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise HubProblem(f"{user}'s server was not ready after {TIMEOUT} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def stop_server(self, user: str) -> None:
        """Stop ``user``'s server through the API and wait until the hub says it stopped."""
        with contextlib.suppress(urllib.error.HTTPError):
            self.api(f"users/{user}/server", "DELETE")
        deadline = time.monotonic() + TIMEOUT
        while (self.api(f"users/{user}").get("servers") or {}).get(""):
            if time.monotonic() > deadline:
                raise HubProblem(f"{user}'s server did not stop:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, chars: int = 4000) -> str:
        return (self.state / "hub.log").read_text(errors="replace")[-chars:]

    # -- as a student, in a browser-like session --------------------------------

    def login(self, user: str):
        """A ``requests`` session logged in to the hub as ``user`` (the login form, with its XSRF token)."""
        import requests

        session = requests.Session()
        page = session.get(f"{self.url}/hub/login", timeout=30)
        page.raise_for_status()
        xsrf = session.cookies.get("_xsrf", path="/hub/") or session.cookies.get("_xsrf")
        answer = session.post(
            f"{self.url}/hub/login",
            data={"username": user, "password": self.password, "_xsrf": xsrf},
            timeout=60,
        )
        answer.raise_for_status()
        if "jupyterhub-session-id" not in session.cookies and not any(
            c.name.startswith("jupyterhub-hub-login") for c in session.cookies
        ):
            raise HubProblem(f"logging in as {user} failed: {answer.url}")
        return session


def request_json(url: str, token: str, method: str = "GET", body: dict | None = None, timeout: float = 30):
    """One HTTP request with a token; the decoded JSON answer (or None)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"token {token}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


@contextlib.contextmanager
def jupyterhub(state: Path, venv: Path, proxy: Path, students: list[str], drop: Path, folder: str = "course"):
    """A JupyterHub for ``students`` with its files in ``state``; yields a :class:`Hub`, stops it and its proxy."""
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    port, hub_port, proxy_api = free_port(), free_port(), free_port()
    token, password = secrets.token_hex(32), secrets.token_hex(16)
    config = state / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            bind_url=f"http://127.0.0.1:{port}",
            hub_port=hub_port,
            proxy_api=f"http://127.0.0.1:{proxy_api}",
            proxy=str(proxy),
            proxy_pid_file=str(state / "proxy.pid"),
            db_url=f"sqlite:///{state / 'jupyterhub.sqlite'}",
            cookie_secret=str(state / "jupyterhub_cookie_secret"),
            hub_pid_file=str(state / "hub.pid"),
            password=password,
            students=set(students),
            singleuser=str(venv / "bin" / "jupyterhub-singleuser"),
            folder=folder,
            drop=str(drop),
            service_token=token,
            python=str(venv / "bin" / "python"),
        )
    )
    # the hub passes only what it is told to its users' servers; start it from a clean environment too
    env = {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(state)}
    log = open(state / "hub.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [venv / "bin" / "jupyterhub", "-f", config], cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    hub = Hub(f"http://127.0.0.1:{port}", token, password, state, process)
    try:
        wait_until_up(
            lambda: answers(f"{hub.url}/hub/api/", {"Authorization": f"token {token}"}),
            process,
            "JupyterHub",
            state / "hub.log",
            timeout=TIMEOUT,
            error=HubProblem,
        )
        yield hub
    finally:
        for user in students:  # each server through the API first, as an admin would
            with contextlib.suppress(Exception):
                if process.poll() is None:
                    hub.stop_server(user)
        proxy_pid = _read_pid(state / "proxy.pid")
        stop_process(process, grace=30)
        if proxy_pid is not None and _command_has(proxy_pid, "configurable-http-proxy"):
            _stop_pids([proxy_pid])  # the hub stops its proxy on a clean exit; not if it was killed
        log.close()


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ a student's pull, through the link


def pull_through_link(hub: Hub, session, user: str, link: str) -> dict:
    """Open ``link`` as the logged-in ``user``, then pull as its page does; ``{"page", "events", "query"}``.

    The link goes to the hub, which sends the student to their own server's
    ``git-pull`` page (starting the server if needed); that page's script calls
    ``git-pull/api`` with the link's ``repo``, ``branch`` and ``targetpath`` and
    shows the progress events, which end with ``{"phase": "finished"}``.
    """
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    page = session.get(link, timeout=TIMEOUT)
    if "/spawn-pending/" in page.url:  # the spawn took longer than the hub waits before showing a progress page
        hub.wait_ready(user)
        page = session.get(link, timeout=TIMEOUT)
    page.raise_for_status()
    expected = f"{hub.url}/user/{user}/git-pull"
    if not page.url.startswith(expected):
        raise HubProblem(f"the link led to {page.url}, not to {expected}")
    pulled = {k: query[k] for k in ("repo", "branch", "targetpath") if k in query}
    api = f"{hub.url}/user/{user}/git-pull/api?{urllib.parse.urlencode(pulled)}"
    events = []
    with session.get(api, stream=True, timeout=TIMEOUT) as answer:
        answer.raise_for_status()
        for line in answer.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[len("data:") :]))
                if events[-1].get("phase") in {"finished", "error"}:
                    break
    if not events or events[-1].get("phase") != "finished":
        raise HubProblem(f"nbgitpuller did not finish for {user}: {events[-3:]}")
    return {"page": page.text, "events": events, "query": query}


# ------------------------------------------------------------------ a kernel, over its websocket


class Kernel:
    """A kernel on a student's server, started as JupyterLab does (a session for a notebook), run over its websocket."""

    def __init__(self, hub: Hub, user: str, notebook_path: str):
        self.hub, self.user = hub, user
        session = hub.server_api(
            user,
            "sessions",
            "POST",
            {
                "path": notebook_path,
                "name": Path(notebook_path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )
        self.session_id = session["id"]
        self.kernel_id = session["kernel"]["id"]
        self.client_session = uuid.uuid4().hex
        import websocket

        address = hub.url.replace("http://", "ws://", 1)
        self.ws = websocket.create_connection(
            f"{address}/user/{user}/api/kernels/{self.kernel_id}/channels?session_id={self.client_session}",
            header=[f"Authorization: token {hub.token}"],
            timeout=TIMEOUT,
        )

    def pid(self) -> int:
        """The kernel's process id (the kernel's own answer, checked against the user's processes by the caller)."""
        return int(self.run("import os; print(os.getpid())")["stdout"].strip())

    def run(self, code: str, timeout: float = TIMEOUT) -> dict:
        """Execute ``code``; ``{"stdout", "result", "error"}``. Raises :class:`HubProblem` on an error."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": self.user,
                        "session": self.client_session,
                        "version": "5.3",
                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        out = {"stdout": "", "result": None, "error": None}
        replied = idle = False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise HubProblem(f"a cell ran more than {timeout} s on {self.user}'s kernel: {code[:80]!r}")
            frame = self.ws.recv()
            if isinstance(frame, bytes):  # a message with binary buffers (widget state): not an output we read
                continue
            message = json.loads(frame)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream" and content.get("name") == "stdout":
                out["stdout"] += content["text"]
            elif kind == "execute_result":
                out["result"] = content["data"].get("text/plain")
            elif kind == "error":
                out["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
        if out["error"]:
            raise HubProblem(f"{self.user}'s kernel: {out['error']}\nin: {code[:300]}")
        return out

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        with contextlib.suppress(Exception):
            self.hub.server_api(self.user, f"sessions/{self.session_id}", "DELETE")


# ------------------------------------------------------------------ what a student's server costs


def usage(user: str) -> dict:
    """Memory and CPU of every process ``user`` runs: RSS and PSS in MB, CPU seconds, and each process.

    RSS counts pages shared between a student's processes (and with other
    students, e.g. the same libraries) once per process, so it overstates; PSS
    shares them out and is what a machine's memory adds up to.
    """
    import psutil

    total = {"rss_mb": 0.0, "pss_mb": 0.0, "cpu_s": 0.0, "processes": []}
    for pid in processes_of(user):
        try:
            process = psutil.Process(pid)
            memory = process.memory_full_info()
            times = process.cpu_times()
            cmdline = " ".join(process.cmdline())
        except psutil.Error:
            continue  # ended while we looked
        kind = "kernel" if "ipykernel" in cmdline else "server" if "jupyterhub-singleuser" in cmdline else "other"
        cpu = times.user + times.system
        total["rss_mb"] += memory.rss / 2**20
        total["pss_mb"] += memory.pss / 2**20
        total["cpu_s"] += cpu
        total["processes"].append(
            {"pid": pid, "kind": kind, "rss_mb": round(memory.rss / 2**20, 1), "cpu_s": round(cpu, 2)}
        )
    for key in ("rss_mb", "pss_mb", "cpu_s"):
        total[key] = round(total[key], 2 if key == "cpu_s" else 1)
    return total


def course_copy_for(user: str, target: Path) -> Path:
    """A copy of the repository (an instructor's own clone: solutions, rubric, package) owned by ``user``."""
    ignore = shutil.ignore_patterns(".venv", ".git", "my-work", ".e2e", "__pycache__", "*.egg-info", ".hypothesis")
    shutil.copytree(paths.REPO_ROOT, target, ignore=ignore)
    _run(["chown", "-R", f"{user}:{user}", target])
    return target


def write_measurements(path: Path, measurements: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(measurements, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ a whole class: what the test and the benchmark share


def edition_command(*args) -> subprocess.CompletedProcess:
    """``python -m minusma student-edition ARGS`` from the repository, as the instructor runs it."""
    return _run([sys.executable, "-m", "minusma", "student-edition", *args], cwd=paths.REPO_ROOT, timeout=300)


@dataclass
class Classroom:
    """A hub with students and an instructor, the edition served by git daemon, the link every student opens."""

    hub: Hub
    link: str
    repo_url: str
    students: list[str]
    teacher: str
    instructors: str
    drop: Path
    edition: Path
    served: Path
    venv: Path
    work: Path
    folder: str
    timings: dict[str, float]

    def course(self, user: str) -> Path:
        """Where ``user``'s copy of the course is (their home's course folder)."""
        return Path(pwd.getpwnam(user).pw_dir) / self.folder

    def publish(self, through: int) -> None:
        """Release the lessons up to ``through`` and push them to the served repository."""
        edition_command(self.edition, "--publish", "--through", f"{through:02d}")
        _run(["git", "-C", self.edition, "push", "-q", self.served, "main"])


@contextlib.contextmanager
def classroom(students: int = 3, through: int = 4, folder: str = "course"):
    """Everything a class on a hub needs, made for one run and removed afterwards; yields a :class:`Classroom`.

    Raises :class:`HubProblem` after the run if something it made could not be removed.
    """
    clock = time.monotonic()
    remove_leftovers()
    venv, proxy = hub_venv(), proxy_command()
    timings = {"install_s": round(time.monotonic() - clock, 1)}
    accounts = Accounts()
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX))
    work.chmod(0o755)  # students reach the drop folder inside it
    (work / "run.pid").write_text(f"{os.getpid()}\n")
    try:
        instructors = accounts.add_group("instructors")
        teacher = accounts.add_user("teacher", (instructors,))
        names = [accounts.add_user(f"s{n}") for n in range(1, students + 1)]
        drop = work / "drop"
        make_drop_folder(drop, instructors)
        edition, served = work / "edition", work / "git" / "course.git"
        edition_command(edition, "--git", "--through", f"{through:02d}")
        _run(["git", "clone", "-q", "--bare", edition, served])
        with git_daemon(served.parent) as git_url, jupyterhub(work / "hub", venv, proxy, names, drop, folder) as hub:
            repo_url = f"{git_url}/{served.name}"
            link = _run(
                [sys.executable, "-m", "minusma", "link", "--hub", hub.url, "--repo", repo_url, "--folder", folder],
                cwd=paths.REPO_ROOT,
            ).stdout.strip()
            yield Classroom(
                hub, link, repo_url, names, teacher, instructors, drop, edition, served, venv, work, folder, timings
            )
    finally:
        homes = [Path(pwd.getpwnam(name).pw_dir) for name in accounts.created_users]
        problems = accounts.remove()
        shutil.rmtree(work, ignore_errors=True)
        left = [str(home) for home in homes if home.exists()]
        if problems or left:
            raise HubProblem(f"could not remove what the run made: {problems + left}")


def code_cell(notebook: Path, marker: str) -> str:
    """The source of the first code cell of ``notebook`` that contains ``marker``."""
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and marker in source:
            return source
    raise HubProblem(f"{Path(notebook).name} has no code cell with {marker!r}")


def code_cells(notebook: Path) -> list[str]:
    """Every code cell's source, in order (what Run All runs)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
