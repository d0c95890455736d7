"""Shared by the browser tests: Debian's Chromium, a JupyterLab 4 server of the test's own, page helpers.

Every browser test is skipped, with the reason shown, where ``/usr/bin/chromium``
or Playwright is missing; with ``CI=true`` a missing browser is a failure instead.
The server runs with its own config, settings and runtime folders, on a free
loopback port, with a token; answers go to the test's work folder; it serves a
root folder the test fills with copies, so nothing in the repository is ever
saved over. It is stopped by its own process handle.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from minusma import paths

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
#: Screenshots of failures are kept here (git-ignored), one file per failing page.
SCREENSHOTS = paths.REPO_ROOT / ".e2e" / "screenshots"

#: JupyterLab settings for tests: no news or update checks (no network), no autosave (the notebooks are copies,
#: and a run must never be written back), every cell attached to the page (so every output can be inspected).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def require_browser(chromium: Path | None = None) -> None:
    """Skip the test (or fail it when ``CI=true``) if Chromium or Playwright is missing."""
    chromium = chromium or CHROMIUM
    problem = None
    if not chromium.exists():
        problem = f"{chromium} is missing (install Debian's chromium package to run the browser test)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (it is pinned in requirements-dev.txt)"
    if problem:
        skip_or_fail(problem)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(url: str, token: str, method: str = "GET"):
    """Call the Jupyter server's REST API; the decoded JSON answer (or None)."""
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@contextlib.contextmanager
def jupyterlab(base: Path, root: Path, work: Path):
    """A JupyterLab server serving ``root``, answers saved in ``work``; yields ``{"url", "token", "work", "base"}``."""
    settings = base / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ)
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
            "IPYTHONDIR": str(base / "ipython"),
            "MINUSMA_WORK_DIR": str(work),
            # the notebooks are copies outside the repository: let their kernels import the course package
            "PYTHONPATH": os.pathsep.join(filter(None, [str(paths.REPO_ROOT), env.get("PYTHONPATH")])),
        }
    )
    env.pop("MPLBACKEND", None)  # figures must draw inline, as for a student
    log = open(base / "lab.log", "wb")  # noqa: SIM115 (closed in the finally below, after the server stops)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                api(f"{url}/api/status", token)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log_text = (base / "lab.log").read_text(errors="replace")
                    raise RuntimeError("JupyterLab did not start:\n" + log_text) from None
                time.sleep(0.2)
        yield {"url": url, "token": token, "work": work, "base": base, "root": root}
    finally:
        server.terminate()  # only the server we started, by its process handle
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def launch(playwright):
    """Headless Debian Chromium under Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def screenshot(page, name: str) -> Path | None:
    """Keep a full-page screenshot of a failure in ``.e2e/screenshots/``; its path (None if the page is gone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    try:
        page.screenshot(path=str(target), full_page=True, timeout=20_000)
    except Exception:  # a crashed page cannot be photographed; the failure message still says what went wrong
        return None
    return target


# ------------------------------------------------------------------ axe-core, from the npm registry

#: The accessibility engine, pinned; installed on first use into a cache folder outside the repository.
AXE_CORE = "axe-core@4.14.1"


def axe_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "minusma-course" / AXE_CORE.replace("@", "-")


def axe_core_script() -> tuple[Path | None, str | None]:
    """``(path to axe.min.js, None)``, installing it with npm the first time; ``(None, why not)`` if it cannot."""
    folder = axe_cache()
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script, None
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is missing (install Node.js to run the accessibility scan)"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(folder), AXE_CORE],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return None, f"npm install {AXE_CORE} took more than 5 minutes"
    if done.returncode != 0 or not script.exists():
        return None, f"npm install {AXE_CORE} failed: {done.stderr.strip()[-300:]}"
    return script, None


def skip_or_fail(problem: str) -> None:
    """A missing tool skips the test, with the reason; with ``CI=true`` it fails it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {problem}")
    pytest.skip(problem)
