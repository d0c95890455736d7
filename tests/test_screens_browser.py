"""The room's screen in a real browser: ``python -m minusma screen chair|reveal`` (Voila), headless Debian Chromium.

Each app is started as the instructor starts it, on a free port, with its own Jupyter folders and a
temporary work folder, and stopped by its process handle. The page must show no code, no error and
every widget; nothing may be fetched from outside this machine (the course works offline); the chair's
vote, clicked and pressed with the keyboard, must be on disk and still shown after a reload; the
reveal must show the outcome only when asked and never a student's name or id. axe-core scans each
app: nothing serious or critical inside the app (``.minusma-screen``); the whole page is counted and
reported. A failure leaves a screenshot in ``.e2e/screenshots/``.

Also: the course's own JupyterLab serves the apps at ``/voila/render/instructor/...`` (Voila's server
extension), checked over HTTP. The unit tests of the apps are ``tests/test_screens.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import browser_support
import pytest

from minusma import data, paths, screens

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Requests to anything but this machine are recorded and refused: the room may have no internet.
OUTSIDE = re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)")
APP = ".minusma-screen"

#: In the page: axe-core over the whole page; each violation counted for the page and, if inside the app, as ours.


@contextlib.contextmanager
def screen_server(app: str, base: Path, work: Path):
    """``python -m minusma screen APP --port N --no-browser``; yields ``{"url", "work", "started_s", "log"}``."""
    port = browser_support.free_port()
    env = dict(os.environ)
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "IPYTHONDIR": str(base / "ipython"),
            "MINUSMA_WORK_DIR": str(work),
        }
    )
    env.pop("MPLBACKEND", None)
    log_path = base / f"screen-{app}.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed in the finally below, after the server stops)
    began = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "minusma", "screen", app, f"--port={port}", "--no-browser"],
        cwd=paths.REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        browser_support.wait_until_up(
            lambda: browser_support.answers(url + "voila/static/voila.js"), server, "Voila", log_path
        )
        yield {"url": url, "work": work, "started_s": round(time.monotonic() - began, 2), "log": log_path}
    finally:
        browser_support.stop_process(server, grace=30)  # the launcher we started; it stops its Voila child
        log.close()


@pytest.fixture(scope="module")
def axe_core():
    return browser_support.axe_core_script()


def _open(page, url: str, outside: list[str]) -> float:
    """Open the app, refusing (and recording) requests that leave the machine; seconds until the app is drawn."""
    from playwright.sync_api import expect

    page.route(OUTSIDE, lambda route: (outside.append(route.request.url), route.abort()))
    began = time.monotonic()
    page.goto(url)
    expect(page.locator(APP)).to_be_visible(timeout=90_000)
    return round(time.monotonic() - began, 2)


def _problems(page) -> list[str]:
    """What the room would see go wrong: code, an error, a widget not drawn."""
    text = page.locator("body").inner_text()
    problems = []
    if page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .highlight, .cm-editor").count():
        problems.append("code cells are shown")
    if "from minusma import screens" in page.content():
        problems.append("the notebook's code is in the page")
    for sign in ("Error displaying widget", "Traceback", "There was an error when executing cell"):
        if sign in text:
            problems.append(f"the page says {sign!r}")
    if page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count():
        problems.append("an error output is shown")
    if page.locator(APP).count() != 1:
        problems.append(f"{page.locator(APP).count()} apps drawn instead of one")
    return problems


#: Planted in the app after the real scan: axe must find these and place them in the app (proof it can fail).
_PLANT = """(app) => {
    const box = document.createElement('div');
    box.className = 'minusma-planted';
    box.innerHTML = '<input type="text" data-planted="yes"><button data-planted="yes"></button>';
    document.querySelector(app).appendChild(box);
}"""


def _axe(page, script: Path | None, name: str) -> dict | None:
    """axe-core's findings on the page as it stands (with ``planted``: those of a second scan after planting faults)."""
    if script is None:
        return None
    page.add_script_tag(path=str(script))
    found = browser_support.axe_scan(page, APP)
    page.evaluate(_PLANT, APP)
    planted = browser_support.axe_scan(page, APP)["ours"]
    found["planted"] = sorted({v["rule"] for v in planted if "data-planted" in v["html"]})
    page.evaluate("() => document.querySelector('.minusma-planted').remove()")
    report = browser_support.SCREENSHOTS.parent / f"axe-screen-{name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    return found


def _wait_for(predicate, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} (waited {timeout} s)")


def _ballot_on_disk(work: Path, session: str, delegation: str):
    path = work / "chair" / f"{session}.json"
    try:
        events = json.loads(path.read_text(encoding="utf-8"))["events"]
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return [e["ballot"] for e in events if e["delegation"] == delegation] or None


def _report(name: str, server: dict, render_s: float, found: dict | None, outside: list[str], began: float):
    counts = "axe-core not installed"
    if found is not None:
        serious = [v for v in found["ours"] if v["impact"] in ("serious", "critical")]
        counts = (
            f"axe-core {found['version']}: in the app {len(found['ours'])} violations ({len(serious)} serious or "
            f"critical); whole page {sum(found['page'].values())}: {found['page']}"
        )
    print(
        f"\nscreen {name}: Voila up in {server['started_s']} s, app drawn in {render_s} s, "
        f"scenario {time.monotonic() - began:.1f} s; requests refused (outside): {len(outside)}; {counts}"
    )


def _assert_accessible(found: dict | None, axe_problem: str | None):
    if found is None:
        browser_support.skip_or_fail(axe_problem)
    assert {"label", "button-name"} <= set(found["planted"]), f"the scan missed faults planted in the app: {found}"
    serious = [v for v in found["ours"] if v["impact"] in ("serious", "critical")]
    assert not serious, "accessibility violations in the app: " + "; ".join(
        f"{v['rule']} ({v['impact']}): {v['html']}" for v in serious[:8]
    )


def test_the_chair_screen_saves_every_vote_and_shows_it_after_a_reload(tmp_path, axe_core):
    from playwright.sync_api import expect, sync_playwright

    browser_support.require_browser()
    began = time.monotonic()
    outside: list[str] = []
    work = tmp_path / "work"
    with screen_server("chair", tmp_path, work) as server, sync_playwright() as p:
        browser = browser_support.launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            render_s = _open(page, server["url"], outside)
            assert not _problems(page), _problems(page)
            page.locator(f"{APP} input").first.fill("room-test")
            page.get_by_role("button", name="Open or continue").click()
            expect(page.locator(".minusma-screen-header")).to_contain_text("Session room-test", timeout=20_000)
            page.get_by_role("button", name="3 · Vote on brackets").click()

            page.locator('button[title="France (P5): yes"]').first.click()  # the mouse
            assert _wait_for(lambda: _ballot_on_disk(work, "room-test", "France"), "France's vote is not on disk")
            china_no = page.locator('button[title="China (P5): no"]').first
            china_no.focus()
            page.keyboard.press("Enter")  # the keyboard alone
            ballots = _wait_for(lambda: _ballot_on_disk(work, "room-test", "China"), "China's vote is not on disk")
            assert ballots[-1] == {"A": "no"}
            expect(page.locator(".minusma-screen-live")).to_contain_text("2 of 15 delegations have voted")
            found = _axe(page, axe_core[0], "chair")

            page.reload()  # a crashed or reloaded page: a new kernel, the same file
            expect(page.locator(".minusma-screen-header")).to_contain_text("Session room-test", timeout=90_000)
            page.get_by_role("button", name="3 · Vote on brackets").click()
            expect(page.locator('button[title="France (P5): yes"]').first).to_have_class(re.compile("mod-active"))
            expect(china_no).to_have_class(re.compile("mod-active"))
            assert not _problems(page), _problems(page)
        except Exception:
            print(f"screenshot: {browser_support.screenshot(page, 'screen-chair-failure')}")
            raise
        finally:
            browser.close()
    _report("chair", server, render_s, found, outside, began)
    assert not outside, f"the app asked the internet for: {outside}"
    _assert_accessible(found, axe_core[1])


def test_the_reveal_shows_the_outcome_on_demand_and_no_student(tmp_path, axe_core):
    from playwright.sync_api import expect, sync_playwright

    browser_support.require_browser()
    began = time.monotonic()
    outside: list[str] = []
    table = data.load("forecast_resolutions")
    first, questions = table.iloc[0], len(table)
    verdict = "Yes: it happened." if first["outcome"] else "No: it did not happen."
    with screen_server("reveal", tmp_path, tmp_path / "work") as server, sync_playwright() as p:
        browser = browser_support.launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            render_s = _open(page, server["url"], outside)
            assert not _problems(page), _problems(page)
            page.get_by_role("button", name="Rehearse with a made-up class").click()
            expect(page.locator(APP)).to_contain_text(f"Question 1 of {questions}", timeout=60_000)
            expect(page.locator(APP)).to_contain_text(first["question"][:60])
            assert verdict not in page.locator(APP).inner_text(), "the outcome shows before the click"
            page.get_by_role("button", name="Reveal what happened").click()
            expect(page.locator(".minusma-screen-outcome")).to_have_text(verdict, timeout=30_000)
            expect(page.locator(APP)).to_contain_text(first["resolution_rule"][:60])
            expect(page.locator(APP)).to_contain_text("always saying 50 % (no skill)")
            expect(page.locator(f"{APP} figure img")).to_have_count(1)
            found = _axe(page, axe_core[0], "reveal")
            for _ in range(questions + 1):  # the other questions, the calibration chart, then the ranking
                page.get_by_role("button", name="Next ▶").click()
            expect(page.locator(APP)).to_contain_text("The ranking (anonymous labels)", timeout=30_000)
            content = page.content()
            for name in ("Demo Student", "demo0"):
                assert name not in content, f"{name!r} is on the projected page"
            assert not _problems(page), _problems(page)
        except Exception:
            print(f"screenshot: {browser_support.screenshot(page, 'screen-reveal-failure')}")
            raise
        finally:
            browser.close()
    _report("reveal", server, render_s, found, outside, began)
    assert not outside, f"the app asked the internet for: {outside}"
    _assert_accessible(found, axe_core[1])


def test_the_course_jupyterlab_serves_the_apps_at_voila_render(tmp_path):
    """Voila's server extension, enabled by installing it: a running course JupyterLab renders the app notebook."""
    browser_support.require_browser()  # the same conditions as the rest of the browser suite
    root = tmp_path / "root"
    (root / "instructor").mkdir(parents=True)
    shutil.copy(screens.notebook_path("chair"), root / "instructor" / screens.APPS["chair"])
    with browser_support.jupyterlab(tmp_path, root, tmp_path / "work") as lab:
        began = time.monotonic()
        request = urllib.request.Request(
            f"{lab['url']}/voila/render/instructor/{screens.APPS['chair']}",
            headers={"Authorization": f"token {lab['token']}"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            status, page = response.status, response.read().decode("utf-8")
        print(f"\n/voila/render in the course JupyterLab: {time.monotonic() - began:.1f} s")
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in page, "the app's widget is in the rendered page"
    assert "from minusma import screens" not in page and "Traceback" not in page
