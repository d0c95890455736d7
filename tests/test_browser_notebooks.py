"""Every notebook in a real browser: JupyterLab 4, headless Debian Chromium, Run All.

nbval runs the notebooks headless; this opens each one as a student does, in
JupyterLab, runs all its cells and checks what the page shows: no error output,
and every widget drawn (never "Error displaying widget"). The notebooks are
found by glob (``notebooks/``, ``exercises/``, and the instructor's
``grade_written.ipynb``), so a new lesson is covered without editing this file.

The notebooks open as tabs of one JupyterLab page, a few running at a time,
each with its own kernel, to keep the browser suite within its time budget on
two cores. They are copies in the server's root folder: nothing is saved back.
A failing notebook leaves a screenshot in ``.e2e/screenshots/``.

The accessibility scan runs here too, on ``exercises/00_start_here.ipynb``
(one question of every type) once its run has finished: axe-core, from the npm
registry (``tests/browser_support.py`` installs it into a cache folder outside
the repository on first use). Violations inside the course's own widgets
(``.minusma-question``, ``.minusma-identity``, ``.minusma-handin``) are ours
and must include nothing serious or critical; JupyterLab's own page is counted
and reported apart. Counts go to ``.e2e/axe-00_start_here.json``.

Answering one question of each type, restarting the kernel and seeing each
answer restored is ``tests/test_engine_browser.py``.
"""

from __future__ import annotations

import json
import shutil
import time

import browser_support
import nbformat
import pytest

from minusma import paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Notebooks running at once (tabs of one page). Two cores: the kernels compute while the browser draws.
PARALLEL_TABS = 3
RUN_TIMEOUT_S = 240
#: The notebook with one question of each type: scanned for accessibility once its run has finished.
A11Y_NOTEBOOK = "exercises/00_start_here.ipynb"
#: What is ours on the page: the course's widgets (JupyterLab's own interface is not).
OUR_WIDGETS = ".minusma-question, .minusma-identity, .minusma-handin"
NOTEBOOKS = sorted(
    p.relative_to(paths.REPO_ROOT).as_posix()
    for folder in ("notebooks", "exercises")
    for p in (paths.REPO_ROOT / folder).glob("[0-9][0-9]_*.ipynb")
)
NOTEBOOKS.append("instructor/grade_written.ipynb")
#: A made-up notebook that goes wrong in every way the sweep looks for: proof that the sweep can fail.
BROKEN = "selftest/99_broken.ipynb"
BROKEN_CELLS = [
    "from IPython.display import display\n"
    "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'no-such-model', 'version_major': 2,"
    " 'version_minor': 0}, 'text/plain': 'a widget'}, raw=True)",
    "1 / 0",
    "print('never runs')",
]

#: In the page: open a notebook in a new tab of the one JupyterLab page, and keep a handle on its panel.
_OPEN = """async (path) => {
    window.sweep = window.sweep || {};
    const panel = await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    window.sweep[path] = panel;
    return panel.id;
}"""

#: In the page: is the notebook open with its kernel idle, ready for Run All?
_READY = """(path) => {
    const panel = window.sweep[path];
    const session = panel.sessionContext && panel.sessionContext.session;
    return Boolean(panel.context && panel.context.isReady && session && session.kernel
                   && session.kernel.status === 'idle' && panel.content.widgets.length > 0);
}"""

#: In the page: has Run All finished? (No cell queued or running, the kernel idle, and either every code cell
#: ran or an error stopped the run.)
_RUN_FINISHED = """(path) => {
    const panel = window.sweep[path];
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    if (prompts.some(p => p.includes('*'))) return false;
    const cells = panel.content.widgets.filter(c => c.model.type === 'code');
    const ran = cells.every(c => c.model.sharedModel.source.trim() === '' || c.model.executionCount !== null);
    const failed = cells.some(c => { const o = c.model.outputs;
        for (let i = 0; i < o.length; i++) { if (o.get(i).type === 'error') return true; } return false; });
    return ran || failed;
}"""

#: In the page: the widget views the kernel sent (in the model), and how many the page drew.
_WIDGET_COUNTS = """(path) => {
    const panel = window.sweep[path];
    let sent = 0;
    panel.content.widgets.forEach(cell => {
        if (cell.model.type !== 'code') return;
        const outputs = cell.model.outputs;
        for (let i = 0; i < outputs.length; i++) {
            if ('application/vnd.jupyter.widget-view+json' in (outputs.get(i).data || {})) sent += 1;
        }
    });
    const drawn = [...panel.node.querySelectorAll('.jp-OutputArea-output')]
        .filter(o => o.querySelector('.jupyter-widgets')).length;
    return {sent, drawn, broken: panel.node.textContent.includes('Error displaying widget')};
}"""

#: In the page: what a student would see go wrong.
_PROBLEMS = """([path, counts]) => {
    const panel = window.sweep[path];
    const problems = [];
    panel.content.widgets.forEach((cell, index) => {
        if (cell.model.type !== 'code') return;
        const first = cell.model.sharedModel.source.split('\\n')[0].slice(0, 60);
        if (cell.model.sharedModel.source.trim() !== '' && cell.model.executionCount === null)
            problems.push(`cell ${index} (${first}) did not run`);
        const outputs = cell.model.outputs;
        for (let i = 0; i < outputs.length; i++) {
            const out = outputs.get(i).toJSON();
            if (out.output_type === 'error') problems.push(`cell ${index} (${first}): ${out.ename}: ${out.evalue}`);
        }
    });
    if (counts.broken) problems.push('a widget shows "Error displaying widget"');
    if (counts.drawn < counts.sent) problems.push(`only ${counts.drawn} of ${counts.sent} widgets were drawn`);
    return {problems, widgets: counts.sent, cells: panel.content.widgets.length};
}"""

#: In the page: show a notebook's tab, scrolled to its first error if it has one (for a screenshot).
_SHOW = """(path) => {
    const panel = window.sweep[path];
    window.jupyterapp.shell.activateById(panel.id);
    const error = panel.node.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    if (error) error.scrollIntoView();
}"""

_CLOSE = """(path) => { window.sweep[path].dispose(); delete window.sweep[path]; }"""

#: Planted in the page after the real scan, inside a course widget: axe must find these and call them ours.
_PLANT = """() => {
    const box = document.createElement('div');
    box.className = 'minusma-question minusma-planted';
    box.innerHTML = '<input type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button>';
    document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook').appendChild(box);
}"""


def _axe_scan(page, script) -> tuple[dict, dict]:
    """(the scan of the page as the run left it, a second scan with planted faults: proof the scan can fail)."""
    page.add_script_tag(path=str(script))
    found = browser_support.axe_scan(page, OUR_WIDGETS)
    page.evaluate(_PLANT)
    planted = browser_support.axe_scan(page, OUR_WIDGETS)
    return found, planted


def _run_all(page, panel_id: str):
    """Show the notebook's tab, click a cell, then Run > Run All Cells from the menu, as a student does."""
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", panel_id)
    page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _report(page, notebook: str) -> dict:
    """What went wrong in a notebook whose run has finished (waiting up to 20 s for late widget views)."""
    deadline = time.monotonic() + 20
    while True:
        counts = page.evaluate(_WIDGET_COUNTS, notebook)
        if counts["drawn"] >= counts["sent"] or counts["broken"] or time.monotonic() > deadline:
            return page.evaluate(_PROBLEMS, [notebook, counts])
        time.sleep(0.2)


def _failure_screenshot(page, notebook: str):
    try:
        page.evaluate(_SHOW, notebook)
    except Exception:
        pass  # the panel is gone: photograph the page as it is
    return browser_support.screenshot(page, _name(notebook))


def _sweep(lab, axe_script=None) -> dict[str, dict]:
    """Run every notebook, PARALLEL_TABS tabs at a time; ``{notebook: {"problems", "screenshot", "seconds"}}``.

    One JupyterLab page, each notebook in its own tab with its own kernel (loading JupyterLab once, not
    once per notebook); a tab opens as soon as another finishes, so the slowest never holds up the rest.
    """
    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    pending, running = [BROKEN] + NOTEBOOKS, {}
    with sync_playwright() as p:
        browser = browser_support.launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            page.goto(f"{lab['url']}/lab/workspaces/sweep?reset&token={lab['token']}")
            page.wait_for_function("() => window.jupyterapp", timeout=90_000)
            page.evaluate("async () => { await window.jupyterapp.restored; }")
            while pending or running:
                while pending and len(running) < PARALLEL_TABS:
                    notebook = pending.pop(0)
                    running[notebook] = {
                        "began": time.monotonic(),
                        "started": False,
                        "panel": page.evaluate(_OPEN, notebook),
                    }
                for notebook, item in list(running.items()):
                    waited = time.monotonic() - item["began"]
                    try:
                        if not item["started"]:
                            if page.evaluate(_READY, notebook):
                                _run_all(page, item["panel"])
                                item["started"] = True
                            elif waited > 90:
                                raise TimeoutError("the notebook did not open with an idle kernel within 90 s")
                            continue
                        if page.evaluate(_RUN_FINISHED, notebook):
                            results[notebook] = _report(page, notebook)
                        elif waited > RUN_TIMEOUT_S:
                            raise TimeoutError(f"Run All did not finish within {RUN_TIMEOUT_S} s")
                        else:
                            continue
                    except Exception as problem:
                        results[notebook] = {"problems": [f"{type(problem).__name__}: {problem}"]}
                    results[notebook]["seconds"] = round(time.monotonic() - item["began"], 1)
                    results[notebook]["screenshot"] = (
                        _failure_screenshot(page, notebook) if results[notebook]["problems"] else None
                    )
                    running.pop(notebook)
                    if notebook != A11Y_NOTEBOOK:  # kept open for the accessibility scan, after the others
                        page.evaluate(_CLOSE, notebook)
                        _shut_kernel(lab, notebook)
                time.sleep(0.2)
            if axe_script is not None and not results[A11Y_NOTEBOOK]["problems"]:
                page.evaluate(_SHOW, A11Y_NOTEBOOK)
                results[A11Y_NOTEBOOK]["axe"], results[A11Y_NOTEBOOK]["axe_planted"] = _axe_scan(page, axe_script)
        finally:
            browser.close()
    return results


def _shut_kernel(lab, notebook: str):
    """End a finished notebook's kernel, so the two cores serve the notebooks still running."""
    for session in browser_support.api(f"{lab['url']}/api/sessions", lab["token"]):
        if session.get("path") == notebook:
            browser_support.api(f"{lab['url']}/api/sessions/{session['id']}", lab["token"], method="DELETE")


def _name(notebook: str) -> str:
    return "run-all-" + notebook.replace("/", "-").removesuffix(".ipynb")


@pytest.fixture(scope="module")
def axe_core():
    """``(axe.min.js, None)``, or ``(None, why it is missing)``: the sweep runs either way."""
    return browser_support.axe_core_script()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, axe_core):
    browser_support.require_browser()
    base = tmp_path_factory.mktemp("e2e-sweep")
    root, work = base / "root", base / "work"
    for notebook in NOTEBOOKS:
        (root / notebook).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(paths.REPO_ROOT / notebook, root / notebook)
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in BROKEN_CELLS])
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / BROKEN).parent.mkdir(parents=True)
    nbformat.write(broken, root / BROKEN)
    work.mkdir()
    for old in browser_support.SCREENSHOTS.glob("run-all-*.png"):
        old.unlink()  # a screenshot left by an earlier run would point at a failure that is gone
    with browser_support.jupyterlab(base, root, work) as lab:
        began = time.monotonic()
        results = _sweep(lab, axe_core[0])
        print(
            f"\nRun All in the browser: {len(results)} notebooks in {time.monotonic() - began:.0f} s "
            f"({PARALLEL_TABS} at a time)"
        )
        for notebook, result in results.items():
            print(f"  {notebook}: {result.get('seconds')} s, {result.get('widgets')} widgets")
    return results


def test_every_notebook_is_found():
    folders = {n.split("/")[0] for n in NOTEBOOKS}
    assert folders == {"notebooks", "exercises", "instructor"}
    assert "exercises/00_start_here.ipynb" in NOTEBOOKS


def test_the_sweep_sees_an_error_a_cell_left_unrun_and_a_broken_widget(sweep):
    problems = " | ".join(sweep[BROKEN]["problems"])
    assert "ZeroDivisionError" in problems and "did not run" in problems, problems
    assert "Error displaying widget" in problems or "widgets were drawn" in problems, problems
    assert sweep[BROKEN]["screenshot"] is not None and sweep[BROKEN]["screenshot"].exists()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_in_jupyterlab_shows_no_error_and_draws_every_widget(sweep, notebook):
    result = sweep[notebook]
    where = f" (screenshot: {result['screenshot']})" if result.get("screenshot") else ""
    assert not result["problems"], f"{notebook}: " + "; ".join(result["problems"][:5]) + where
    assert result["cells"] > 0


def test_accessibility_of_the_course_widgets_axe_core(sweep, axe_core):
    script, problem = axe_core
    if script is None:
        browser_support.skip_or_fail(problem)
    result = sweep[A11Y_NOTEBOOK]
    assert "axe" in result, f"the scan did not run: {result['problems']}"
    found = result["axe"]
    assert found["widgets_scanned"] >= 10, "the scan ran before the widgets were drawn"
    report = browser_support.SCREENSHOTS.parent / "axe-00_start_here.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    serious = [v for v in found["ours"] if v["impact"] in ("serious", "critical")]
    print(
        f"\naxe-core {found['version']} on {A11Y_NOTEBOOK}: course widgets {len(found['ours'])} violations "
        f"({len(serious)} serious or critical); JupyterLab's page {found['others_nodes']} "
        f"({found['others_serious']} serious or critical): {found['others']}"
    )
    assert not serious, "accessibility violations in the course's widgets: " + "; ".join(
        f"{v['rule']} ({v['impact']}) in {v['widget']}: {v['html']}" for v in serious[:8]
    )
    planted = {v["rule"] for v in result["axe_planted"]["ours"] if "minusma-planted" in v["widget"]}
    assert {"label", "image-alt", "button-name"} <= planted, f"the scan missed faults planted in a widget: {planted}"
