"""End to end in a real browser: JupyterLab 4, headless Debian Chromium, Playwright (sync API).

A student opens ``exercises/00_start_here.ipynb``, runs it, answers one
question of each type, restarts the kernel, reopens the notebook and runs it
again. The answers file must hold every answer and the widgets must show them.
Then the kernel is shut down under the open page, as an idle culler does: every
box must grey out and say it cannot save, and a click must save nothing.
The test also measures click-to-feedback (Check pressed -> feedback shown),
inside the browser, and writes the figures to ``benchmarks/results/``.

Skipped, with the reason shown, where ``/usr/bin/chromium`` is missing; with
``CI=true`` a missing browser is a failure instead.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import time

import browser_support
import pytest
from browser_support import api as _get

from minusma import paths

NOTEBOOK = "00_start_here"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server (tests/browser_support.py) serving a copy of the exercise, with a temp work folder."""
    browser_support.require_browser()
    base = tmp_path_factory.mktemp("e2e")
    root, work = base / "root", base / "work"
    root.mkdir()
    work.mkdir()
    shutil.copy(paths.EXERCISES_DIR / f"{NOTEBOOK}.ipynb", root / f"{NOTEBOOK}.ipynb")
    with browser_support.jupyterlab(base, root, work) as server:
        yield server


# ------------------------------------------------------------------ page helpers


def _open_and_run_all(page, lab):
    from playwright.sync_api import expect

    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}.ipynb?token={lab['token']}")
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(timeout=90_000)
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    expect(page.locator(".minusma-00-consent textarea")).to_be_visible(timeout=90_000)
    expect(page.locator(".minusma-handin button")).to_be_visible(timeout=60_000)


def _question(page, qid):
    return page.locator(".minusma-" + qid.replace(".", "-"))


def _measure_check(page, qid, expected):
    """Milliseconds from a Check click to the feedback text changing, measured inside the browser."""
    selector = ".minusma-" + qid.replace(".", "-")
    elapsed = page.evaluate(
        """([selector, expected]) => new Promise((resolve, reject) => {
            const box = document.querySelector(selector);
            const feedback = box.querySelector('.minusma-feedback');
            const button = [...box.querySelectorAll('button')].find(b => b.textContent.trim() === 'Check');
            const start = performance.now();
            const done = () => {
                if (feedback.textContent.includes(expected)) { observer.disconnect(); resolve(performance.now() - start); }
            };
            const observer = new MutationObserver(done);
            observer.observe(feedback, {subtree: true, childList: true, characterData: true});
            setTimeout(() => { observer.disconnect(); reject(new Error('no feedback after 20 s: ' + feedback.textContent)); }, 20000);
            button.click();
        })""",
        [selector, expected],
    )
    return float(elapsed)


def _wait_saved(lab, qid, predicate, timeout=20):
    """Poll the answers file until the answer to ``qid`` satisfies ``predicate``."""
    path = lab["work"] / "answers" / f"{NOTEBOOK}.json"
    deadline = time.monotonic() + timeout
    entry = None
    while time.monotonic() < deadline:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))["answers"].get(qid)
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            entry = None
        if entry is not None and predicate(entry["value"]):
            return entry
        time.sleep(0.1)
    raise AssertionError(f"{qid}: the answers file does not show the answer (last: {entry})")


WHO = "Mali's transitional government, through its foreign minister"
DRAFT_TERMS = [
    "It would end MINUSMA's mandate on 30 June 2023.",
    "It would ask the mission to complete its withdrawal by 31 December 2023.",
    "Mali asked for a resolution only about the details of an immediate withdrawal.",
]
ORDER = [
    "Resolution 2100 establishes MINUSMA",
    "Resolution 2295 raises the troop ceiling",
    "A second coup gives Col. Assimi Goïta full control",
    "Mali's foreign minister asks for the mission's withdrawal",
    "France circulates a draft resolution ending the mandate",
    "Mali writes to ask for a resolution only on the withdrawal",
]
CLASSES = {
    "China": "permanent",
    "Ghana": "elected",
    "Japan": "elected",
    "Russian Federation": "permanent",
    "Switzerland": "elected",
    "United Kingdom": "permanent",
}
REASON = "Contingents were already leaving; the deadline is tight."
ESSAY = (
    "Consent matters because a mission works inside a sovereign state: it needs permission to move, "
    "fly and supply its bases, and the host's police and army to work with it. Without consent, troop "
    "contributors start to leave and the mission can protect almost no one. I am fairly sure of this, "
    "less of how much partial consent allows."
)


def _answer_everything(page, lab, timings):
    from playwright.sync_api import expect

    who = page.locator(".minusma-identity")
    who.locator("input").nth(0).fill("Aminata Traoré")
    who.locator("input").nth(1).fill("s2023-001")
    who.locator("button", has_text="Save my name and id").click()
    expect(who.locator(".minusma-status")).to_contain_text("Saved: Aminata Traoré", timeout=20_000)

    single = _question(page, "00.who_asked")
    single.locator("label", has_text="The African Union").click()
    _wait_saved(lab, "00.who_asked", lambda v: v == "The African Union")
    timings.append(_measure_check(page, "00.who_asked", "Not yet"))
    single.locator("label", has_text="Mali's transitional government").click()
    _wait_saved(lab, "00.who_asked", lambda v: v == WHO)
    timings.append(_measure_check(page, "00.who_asked", "Correct"))

    multiple = _question(page, "00.draft_terms")
    for option in DRAFT_TERMS:
        multiple.locator(".widget-checkbox", has_text=option).locator("input").check()
        _wait_saved(lab, "00.draft_terms", lambda v, o=option: o in v)
    timings.append(_measure_check(page, "00.draft_terms", "Correct"))

    number = _question(page, "00.ceiling_2016")
    number.locator("input").fill("13,289")
    number.locator("input").press("Enter")
    _wait_saved(lab, "00.ceiling_2016", lambda v: v == 13289.0)
    timings.append(_measure_check(page, "00.ceiling_2016", "Correct"))

    order = _question(page, "00.timeline")
    labels = order.locator(".minusma-order-item")
    current = [labels.nth(i).inner_text().split(". ", 1)[1] for i in range(len(ORDER))]
    for target, item in enumerate(ORDER):  # selection sort with the ▲ buttons, as a student would
        position = current.index(item)
        while position > target:
            order.locator("button", has_text="▲").nth(position).click()
            current[position - 1], current[position] = current[position], current[position - 1]
            position -= 1
            expect(labels.nth(position)).to_contain_text(f"{position + 1}. {item}", timeout=20_000)
    _wait_saved(lab, "00.timeline", lambda v: v == ORDER)
    timings.append(_measure_check(page, "00.timeline", "Correct"))

    classify = _question(page, "00.members")
    for index, category in enumerate(CLASSES.values()):
        classify.locator("select").nth(index).select_option(label=category)
    _wait_saved(lab, "00.members", lambda v: v == CLASSES)
    timings.append(_measure_check(page, "00.members", "Correct"))

    forecast = _question(page, "00.withdrawal_on_time")
    handle = forecast.locator(".noUi-handle")
    handle.focus()
    for _ in range(20):
        handle.press("ArrowRight")
    expect(forecast.locator(".widget-readout")).to_have_text("70", timeout=20_000)
    forecast.locator("input[type=text]").fill(REASON)
    _wait_saved(lab, "00.withdrawal_on_time", lambda v: v["reason"] == REASON and v["probability"] == 70)
    forecast.locator("button", has_text="Lock forecast").click()
    _wait_saved(lab, "00.withdrawal_on_time", lambda v: bool(v["locked_at"]))

    vote = _question(page, "00.veto")
    rows = vote.locator(".widget-toggle-buttons")
    expect(rows).to_have_count(15)
    for index in range(15):
        row = rows.nth(index)
        choice = "no" if "Russian Federation" in row.locator(".widget-label").inner_text() else "yes"
        row.locator("button", has_text=choice).click()
    _wait_saved(lab, "00.veto", lambda v: len(v) == 15)
    expect(vote.locator(".minusma-outcome")).to_contain_text("not adopted", timeout=20_000)
    timings.append(_measure_check(page, "00.veto", "ballot asked for"))

    written = _question(page, "00.consent")
    written.locator("textarea").fill(ESSAY)
    _wait_saved(lab, "00.consent", lambda v: v == ESSAY)
    expect(written.locator(".minusma-wordcount")).to_contain_text("within the range")


def _check_restored(page):
    from playwright.sync_api import expect

    who = page.locator(".minusma-identity")
    expect(who.locator("input").nth(0)).to_have_value("Aminata Traoré")
    expect(
        _question(page, "00.who_asked").locator("label", has_text="Mali's transitional").locator("input")
    ).to_be_checked()
    multiple = _question(page, "00.draft_terms")
    for option in DRAFT_TERMS:
        expect(multiple.locator(".widget-checkbox", has_text=option).locator("input")).to_be_checked()
    expect(multiple.locator(".widget-checkbox", has_text="fewer troops").locator("input")).not_to_be_checked()
    expect(_question(page, "00.ceiling_2016").locator("input")).to_have_value("13289")
    labels = _question(page, "00.timeline").locator(".minusma-order-item")
    for index, item in enumerate(ORDER):
        expect(labels.nth(index)).to_contain_text(f"{index + 1}. {item}")
    selects = _question(page, "00.members").locator("select")
    for index, category in enumerate(CLASSES.values()):
        expect(selects.nth(index)).to_have_value(category)
    forecast = _question(page, "00.withdrawal_on_time")
    expect(forecast.locator(".widget-readout")).to_have_text("70")
    expect(forecast.locator("input[type=text]")).to_have_value(REASON)
    expect(forecast.locator("input[type=text]")).to_be_disabled()
    expect(forecast.locator("button", has_text="Locked")).to_be_disabled()
    vote = _question(page, "00.veto")
    expect(vote.locator("button.mod-active")).to_have_count(15)
    expect(vote.locator(".minusma-outcome")).to_contain_text("14 yes, 1 no")
    expect(_question(page, "00.consent").locator("textarea")).to_have_value(ESSAY)


def _shut_down_under_the_page(page, lab):
    """What a server's idle culler does: the kernel is shut down, not restarted. Every box must say it cannot save."""
    from playwright.sync_api import expect

    box = _question(page, "00.who_asked")
    kernel = next(c for c in box.get_attribute("class").split() if c.startswith("minusma-kernel-"))[15:]
    page.wait_for_function(
        "id => window.minusmaKernelWatch && window.minusmaKernelWatch.seen[id]", arg=kernel, timeout=30_000
    )
    _get(f"{lab['url']}/api/kernels/{kernel}", lab["token"], method="DELETE")
    expect(box).to_have_attribute("data-minusma-lost", "kernel", timeout=30_000)
    expect(page.locator(".minusma-handin")).to_have_attribute("data-minusma-lost", "kernel")
    notice = box.evaluate("el => getComputedStyle(el, '::after').content")
    assert "cannot save" in notice and "Reload the page" in notice
    box.locator("label", has_text="The UN Secretary-General").click(force=True, timeout=5_000)
    expect(box.locator("label", has_text="The UN Secretary-General").locator("input")).not_to_be_checked()
    _wait_saved(lab, "00.who_asked", lambda v: v == WHO, timeout=2)


def _scenario(lab, timings):
    """Answer every question, restart the kernel, reopen the tab, check that all came back; then shut the kernel down."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = browser_support.launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            _open_and_run_all(page, lab)
            _answer_everything(page, lab, timings)

            # Restart the kernel (as Kernel > Restart would), then close the tab and reopen the notebook.
            for session in _get(f"{lab['url']}/api/sessions", lab["token"]):
                _get(f"{lab['url']}/api/kernels/{session['kernel']['id']}/restart", lab["token"], method="POST")
            page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            _open_and_run_all(page, lab)
            _check_restored(page)
            _shut_down_under_the_page(page, lab)
        except Exception:
            print(f"screenshot: {browser_support.screenshot(page, 'engine-answer-restart-failure')}")
            raise
        finally:
            browser.close()


def _fresh_start(lab):
    """Forget the first attempt: end its kernels and empty the student's work folder."""
    for session in _get(f"{lab['url']}/api/sessions", lab["token"]):
        _get(f"{lab['url']}/api/sessions/{session['id']}", lab["token"], method="DELETE")
    shutil.rmtree(lab["work"])
    lab["work"].mkdir()


def test_answer_restart_reopen_restore(lab):
    # A real browser on a loaded 2-core machine can miss a beat once; one retry from a
    # clean state (as the toolchain notes recommend) keeps CI honest without flaking.
    timings: list[float] = []
    try:
        _scenario(lab, timings)
    except Exception as first_failure:
        print(f"\nbrowser scenario failed once, retrying from a fresh kernel and work folder: {first_failure!r}")
        _fresh_start(lab)
        timings.clear()
        _scenario(lab, timings)

    answers = json.loads((lab["work"] / "answers" / f"{NOTEBOOK}.json").read_text(encoding="utf-8"))["answers"]
    assert set(answers) == {
        "00.who_asked",
        "00.draft_terms",
        "00.ceiling_2016",
        "00.timeline",
        "00.members",
        "00.withdrawal_on_time",
        "00.veto",
        "00.consent",
    }
    assert answers["00.veto"]["value"]["Russian Federation"] == "no"
    assert answers["00.withdrawal_on_time"]["value"]["probability"] == 70

    # Timing is reported for benchmarks/README.md, not asserted: speed goals live in benchmarks.
    figures = {
        "click_to_feedback_ms": [round(t, 1) for t in timings],
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "goal_ms": 200,
    }
    results = paths.REPO_ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "click_to_feedback.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nclick-to-feedback in the browser: median {figures['median_ms']} ms, max {figures['max_ms']} ms "
        f"over {len(timings)} checks (goal <= 200 ms)"
    )


# ------------------------------------------------------------------ two views, and a kernel that went away

UN = "The UN Secretary-General"
FRANCE = "The government of France"


def _choose(page, qid, option):
    _question(page, qid).locator("label", has_text=option).click()


def _views_and_restart(lab):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = browser_support.launch(p)
        tab_a = browser.new_page(viewport={"width": 1400, "height": 1100})
        tab_b = None
        try:
            _open_and_run_all(tab_a, lab)
            _choose(tab_a, "00.who_asked", WHO)
            _wait_saved(lab, "00.who_asked", lambda v: v == WHO)

            # A second tab on the same notebook (same kernel) answers differently.
            tab_b = browser.new_page(viewport={"width": 1400, "height": 1100})
            _open_and_run_all(tab_b, lab)
            _choose(tab_b, "00.who_asked", FRANCE)
            _wait_saved(lab, "00.who_asked", lambda v: v == FRANCE)

            # Check in the stale first tab: it learns of the newer answer instead of overwriting it.
            stale = _question(tab_a, "00.who_asked")
            stale.locator("button", has_text="Check").click()
            expect(stale.locator(".minusma-status")).to_contain_text("another tab", timeout=20_000)
            expect(stale.locator("label", has_text=FRANCE).locator("input")).to_be_checked()
            time.sleep(1)
            _wait_saved(lab, "00.who_asked", lambda v: v == FRANCE, timeout=2)

            # Kernel > Restart Kernel… in the first tab; its questions are now disconnected: greyed, inert,
            # and they say so.
            tab_a.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
            tab_a.locator(".lm-Menu-itemLabel", has_text="Restart Kernel…").first.click()
            tab_a.locator(".jp-Dialog button", has_text="Restart").first.click()
            dead = _question(tab_a, "00.who_asked")
            expect(dead).to_have_class(re.compile(r"jupyter-widgets-disconnected"), timeout=60_000)
            notice = dead.evaluate("el => getComputedStyle(el, '::after').content")
            assert "Run this cell again to reconnect" in notice
            dead.locator("label", has_text=UN).click(force=True, timeout=5_000)
            expect(dead.locator("label", has_text=UN).locator("input")).not_to_be_checked()
            time.sleep(1)
            _wait_saved(lab, "00.who_asked", lambda v: v == FRANCE, timeout=2)
        except Exception:
            browser_support.screenshot(tab_a, "engine-views-failure-a")
            if tab_b is not None:
                browser_support.screenshot(tab_b, "engine-views-failure-b")
            print(f"screenshots: {browser_support.SCREENSHOTS}")
            raise
        finally:
            browser.close()


def test_a_stale_view_and_a_dead_widget_never_overwrite_an_answer(lab):
    _fresh_start(lab)
    try:
        _views_and_restart(lab)
    except Exception as first_failure:
        print(f"\nbrowser scenario failed once, retrying from a fresh kernel and work folder: {first_failure!r}")
        _fresh_start(lab)
        _views_and_restart(lab)


# ------------------------------------------------------------------ skip or fail, never silently


def test_missing_browser_skips_with_a_reason_outside_ci(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium is missing"):
        browser_support.require_browser(tmp_path / "no-chromium")


def test_missing_browser_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but"):
        browser_support.require_browser(tmp_path / "no-chromium")
