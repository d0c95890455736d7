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
from collections import Counter
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


def wait_until_up(ready, process: subprocess.Popen, what: str, log: Path, timeout: float = 60, error=RuntimeError):
    """Poll ``ready()`` until it is true; raise ``error`` with the log's tail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise error(f"{what} did not start:\n{Path(log).read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def answers(url: str, headers: dict | None = None) -> bool:
    """Whether ``url`` answers (any HTTP success) within 5 s."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen, grace: float = 20) -> None:
    """Stop a process the test started, by its own handle: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


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
        wait_until_up(
            lambda: answers(f"{url}/api/status", {"Authorization": f"token {token}"}),
            server,
            "JupyterLab",
            base / "lab.log",
        )
        yield {"url": url, "token": token, "work": work, "base": base, "root": root}
    finally:
        stop_process(server)  # only the server we started, by its process handle
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


#: In the page: axe-core over the whole document; each violating node, with the course widget it sits in
#: (the ``minusma-`` classes of its closest ``ours`` ancestor; null outside the course's widgets).
_AXE_SCAN = """async (ours) => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    const nodes = [];
    for (const violation of result.violations) {
        for (const node of violation.nodes) {
            let element = null;
            try { element = typeof node.target[0] === 'string' ? document.querySelector(node.target[0]) : null; }
            catch (error) { element = null; }
            const widget = element && element.closest(ours);
            nodes.push({rule: violation.id, impact: node.impact || violation.impact, help: violation.help,
                        target: node.target.join(' '), html: node.html.slice(0, 160),
                        widget: widget ? [...widget.classList].filter(c => c.startsWith('minusma-')).join(' ') : null});
        }
    }
    return {version: axe.version, widgets_scanned: document.querySelectorAll(ours).length, nodes};
}"""


def axe_scan(page, ours: str) -> dict:
    """axe-core (already added to ``page``) over the page, sorted into the course's widgets (``ours``) and the rest.

    ``ours`` lists the violating nodes inside the course's widgets; ``page``
    counts every violating node by "rule (impact)"; ``others``,
    ``others_examples``, ``others_nodes`` and ``others_serious`` describe those
    outside them (JupyterLab's or Voila's own page).
    """
    raw = page.evaluate(_AXE_SCAN, ours)
    key = lambda node: f"{node['rule']} ({node['impact']})"  # noqa: E731
    inside = [node for node in raw["nodes"] if node["widget"] is not None]
    outside = [node for node in raw["nodes"] if node["widget"] is None]
    examples: dict[str, list[str]] = {}
    for node in outside:
        examples.setdefault(key(node), []).append(node["target"])
    return {
        "version": raw["version"],
        "widgets_scanned": raw["widgets_scanned"],
        "ours": inside,
        "page": dict(Counter(key(node) for node in raw["nodes"])),
        "others": dict(Counter(key(node) for node in outside)),
        "others_examples": {rule: targets[:3] for rule, targets in examples.items()},
        "others_nodes": len(outside),
        "others_serious": sum(node["impact"] in ("serious", "critical") for node in outside),
    }


def skip_or_fail(problem: str) -> None:
    """A missing tool skips the test, with the reason; with ``CI=true`` it fails it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {problem}")
    pytest.skip(problem)
