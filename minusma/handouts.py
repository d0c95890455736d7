"""``python -m minusma handouts OUT``: a printable page of every lesson and exercise.

For rooms without a laptop per student, and for reading on paper. For each
notebook in ``notebooks/`` and ``exercises/`` it writes

* ``OUT/<folder>/<name>.html``: one self-contained page (figures embedded, the
  style inline, no script and nothing fetched from the network when opened);
* ``OUT/<folder>/<name>.pdf``: that page printed by headless Chromium
  (``/usr/bin/chromium``); without Chromium, the HTML only, and the command says so;
* ``OUT/index.html``: a list of them.

How a notebook becomes a handout: it is run top to bottom (answers saved to a
throw-away folder), so its figures, tables and widgets are fresh. Every
question widget is then replaced by the question as text, read from the
notebook with :func:`minusma.spec.specs_from_notebook`'s reader (the prompt,
the options and lines to write on; never a key, and exercises hold none).
The other widgets (the lessons' try-it tables and ballots) are drawn as they
stood after the run, from the widget state. Figures keep their description
and source, which are text cells and figure labels. A cell tagged
``handout-new-page`` starts a new page (for role cards, one per page).

Solutions are refused: a handout is for students.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat

from . import paths
from .spec import QuestionSpec, question_calls

#: Debian's Chromium prints the PDFs; override with MINUSMA_CHROMIUM (a path).
CHROMIUM = Path(os.environ.get("MINUSMA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-pdf-header-footer",
]
#: The folders handouts are made of (solutions/ never).
FOLDERS = ("notebooks", "exercises")
#: A cell with this tag starts on a new printed page.
NEW_PAGE_TAG = "handout-new-page"
_HIDE_INPUT_TAG = "handout-hide-input"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Roughly how many handwritten words fit on one ruled line.
WORDS_PER_LINE = 9


class HandoutError(RuntimeError):
    """A handout cannot be made (the message says which notebook and why)."""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------ questions as text


def _lines(count: int) -> str:
    return '<div class="handout-lines">' + '<div class="handout-line"></div>' * count + "</div>"


def _choices(options: tuple[str, ...], box: str) -> str:
    return (
        '<ul class="handout-choices">'
        + "".join(f'<li><span class="handout-box">{box}</span> {_esc(o)}</li>' for o in options)
        + "</ul>"
    )


def _grid(rows: list[str], columns: list[str], row_heading: str) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join(f"<tr><td>{_esc(r)}</td>" + '<td class="handout-cell">☐</td>' * len(columns) + "</tr>" for r in rows)
    return (
        f'<table class="handout-grid"><thead><tr><th>{_esc(row_heading)}</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _points(points: float) -> str:
    shown = int(points) if float(points).is_integer() else points
    return f"{shown} point" + ("" if shown == 1 else "s")


def question_html(question: QuestionSpec) -> str:
    """One question as printed text: prompt, what to do, the options and lines to write on. Never the key."""
    s = question
    how = (
        "graded by your instructor"
        if s.graded == "hand"
        else "scored later, against what happens"
        if s.type == "forecast"
        else "checked automatically"
    )
    parts = [
        f'<p class="handout-prompt"><b>{_esc(s.prompt)}</b></p>',
        f'<p class="handout-meta">Question {_esc(s.id)} · {_points(s.points)} · {how}</p>',
    ]
    if s.type == "single_choice":
        parts += ["<p><i>Tick one.</i></p>", _choices(s.options, "○")]
    elif s.type == "multiple_choice":
        parts += ["<p><i>Tick every right option.</i></p>", _choices(s.options, "☐")]
    elif s.type == "number":
        unit = f" {_esc(s.unit)}" if s.unit else ""
        parts.append(f'<p>Answer: <span class="handout-blank"></span>{unit}</p>')
    elif s.type == "order":
        parts.append(f"<p><i>Number the {len(s.items)} items from 1 (first) to {len(s.items)}.</i></p>")
        parts.append(
            '<ul class="handout-choices">'
            + "".join(f'<li><span class="handout-number"></span> {_esc(item)}</li>' for item in s.items)
            + "</ul>"
        )
    elif s.type == "classify":
        parts += ["<p><i>Tick one category for each item.</i></p>", _grid(list(s.items), list(s.categories), "item")]
    elif s.type == "forecast":
        parts.append(
            '<p>Probability: <span class="handout-blank handout-short"></span> % '
            "<small>(0 = it will certainly not happen, 100 = it certainly will)</small></p>"
        )
        parts += ["<p>Reason, in one line:</p>", _lines(1)]
    elif s.type == "vote":
        from .council import VOTES_NEEDED, members_of

        members, permanent = members_of(s)
        rows = [m + (" (permanent)" if m in permanent else "") for m in members]
        parts += [
            f"<p><i>Tick one vote per member. A draft is adopted with at least {VOTES_NEEDED} yes votes "
            "and no permanent member voting no.</i></p>",
            _grid(rows, ["yes", "no", "abstain"], "member"),
            '<p>Outcome: <span class="handout-blank"></span></p>',
        ]
    elif s.type == "written":
        low, high = s.words if s.words else (None, None)
        if s.words:
            parts.append(f"<p><i>Write {low} to {high} words.</i></p>")
        if s.criteria:
            from .spec import rubric_criteria

            known = rubric_criteria()
            items = "".join(f"<li>{_esc(known.get(c, c))}</li>" for c in s.criteria)
            parts.append(f'<div class="handout-criteria">What your instructor looks for:<ul>{items}</ul></div>')
        parts.append(_lines(min(24, max(4, math.ceil((high or 60) / WORDS_PER_LINE)))))
    else:  # a new question type: its prompt and room to answer
        parts.append(_lines(3))
    return f'<div class="minusma-static-question">{"".join(parts)}</div>'


IDENTITY_HTML = (
    '<div class="minusma-static-question"><p><b>Who are you?</b></p>'
    '<p>Name: <span class="handout-blank handout-long"></span></p>'
    '<p>Student id: <span class="handout-blank"></span></p></div>'
)
HANDIN_HTML = (
    '<div class="minusma-static-question"><p><b>Hand in.</b> On paper: give these pages to your '
    "instructor. In JupyterLab: press <b>Hand in</b> at the end of the exercise notebook and upload "
    "the file it writes (<code>my-work/hand-in/</code>).</p></div>"
)


# ------------------------------------------------------------------ other widgets, as they stood


class _WidgetDrawer:
    """Draw a widget view from the notebook's saved widget state, as static HTML (no script)."""

    def __init__(self, state: dict[str, Any]):
        self.state = state

    def draw(self, model_id: str, depth: int = 0) -> str:
        model = self.state.get(model_id)
        if model is None or depth > 30:
            return ""
        name, s = model.get("model_name", ""), model.get("state", {})
        description = s.get("description") or ""
        label = f"<b>{_esc(description)}</b> " if description else ""
        if name in ("VBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel", "StackModel"):
            return (
                '<div class="handout-widget-box">'
                + "".join(self.draw(child.removeprefix("IPY_MODEL_"), depth + 1) for child in s.get("children", []))
                + "</div>"
            )
        if name == "HBoxModel":
            return (
                '<div class="handout-widget-row">'
                + "".join(self.draw(child.removeprefix("IPY_MODEL_"), depth + 1) for child in s.get("children", []))
                + "</div>"
            )
        if name in ("HTMLModel", "HTMLMathModel"):
            return f"<div>{label}{s.get('value', '')}</div>"  # the course's own HTML, as the notebook shows it
        if name == "LabelModel":
            return f"<div>{label}{_esc(s.get('value', ''))}</div>"
        if name in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
            options, index = s.get("_options_labels", []), s.get("index")
            chosen = options[index] if isinstance(index, int) and 0 <= index < len(options) else "—"
            marks = (
                " ".join(("☒ " if o == chosen else "☐ ") + _esc(o) for o in options)
                if len(options) <= 6
                else f'<span class="handout-value">{_esc(chosen)}</span>'
            )
            return f'<div class="handout-widget-line">{label}{marks}</div>'
        if name.endswith("SliderModel") or name in (
            "BoundedIntTextModel",
            "IntTextModel",
            "FloatTextModel",
            "BoundedFloatTextModel",
            "ProgressModel",
        ):
            value = f'<span class="handout-value">{_esc(s.get("value"))}</span>'
            return f'<div class="handout-widget-line">{label}{value}</div>'
        if name in ("TextModel", "TextareaModel"):
            value = s.get("value") or ""
            shown = _esc(value) if value else '<span class="handout-blank handout-long"></span>'
            return f'<div class="handout-widget-line">{label}{shown}</div>'
        if name == "CheckboxModel":
            return f'<div class="handout-widget-line">{"☒" if s.get("value") else "☐"} {_esc(description)}</div>'
        if name == "OutputModel":
            return "".join(_output_html(o) for o in s.get("outputs", []))
        return ""  # buttons and other controls have nothing to print


def _output_html(output: dict[str, Any]) -> str:
    data = output.get("data", {})
    if "text/html" in data:
        return "".join(data["text/html"])
    if "image/png" in data:
        return f'<img alt="figure" src="data:image/png;base64,{"".join(data["image/png"]).strip()}">'
    if output.get("output_type") == "stream":
        return f"<pre>{_esc(''.join(output.get('text', '')))}</pre>"
    if "text/plain" in data:
        return f"<pre>{_esc(''.join(data['text/plain']))}</pre>"
    return ""


# ------------------------------------------------------------------ a notebook made printable


def _html_output(markup: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": markup})


def _is_placeholder_echo(output: dict[str, Any]) -> bool:
    """``name = ...  # your code here`` echoed or printed: ``Ellipsis`` means nothing on paper."""
    if output.get("output_type") == "stream":
        return "".join(output.get("text", "")).strip() == "Ellipsis"
    return output.get("output_type") == "execute_result" and output.get("data", {}).get("text/plain") == "Ellipsis"


def printable(nb: nbformat.NotebookNode, source_name: str) -> nbformat.NotebookNode:
    """A copy of an executed notebook with every widget as static text, ready for HTML export."""
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # a copy: the caller's notebook stays as it was
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    drawer = _WidgetDrawer(state)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("*Your answer here.*", _lines(5))
            continue
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            raise HandoutError(
                f"{source_name}, cell {index}: the run failed ({errors[0].get('ename')}: "
                f"{errors[0].get('evalue')}); fix the notebook first"
            )
        calls = question_calls(cell.source, index)
        tags = set(cell.metadata.get("tags", []))
        if calls or re.search(r"\bq\.(identity|hand_in)\(", cell.source):
            statics = [question_html(call.spec) for call in calls]
            if re.search(r"\bq\.identity\(", cell.source):
                statics.insert(0, IDENTITY_HTML)
            if re.search(r"\bq\.hand_in\(", cell.source):
                statics.append(HANDIN_HTML)
            kept = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
            cell.outputs = kept + [_html_output("".join(statics))]
            tags.add(_HIDE_INPUT_TAG)  # the builder call is plumbing; the printed question is the content
        else:
            outputs = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if _is_placeholder_echo(output):
                    continue
                if WIDGET_VIEW in data:
                    drawn = drawer.draw(data[WIDGET_VIEW].get("model_id", ""))
                    note = (
                        "Interactive in JupyterLab; shown here as it first appears."
                        if drawn
                        else "An interactive widget: open the notebook in JupyterLab to use it."
                    )
                    note = f'<p class="handout-note">{note}</p>'
                    outputs.append(_html_output(f'<div class="handout-widget">{drawn}{note}</div>'))
                    continue
                if data and set(data) <= {"application/javascript", "text/plain"} and "application/javascript" in data:
                    continue  # page helpers (keyboard help) do nothing on paper
                for mime in ("application/javascript", "application/vnd.jupyter.widget-state+json"):
                    data.pop(mime, None)
                outputs.append(output)
            cell.outputs = outputs
        cell.metadata["tags"] = sorted(tags)
    nb.metadata.pop("widgets", None)
    banner = nbformat.v4.new_markdown_cell(
        f'<p class="handout-banner">Leaving Mali · handout of <code>{_esc(source_name)}</code>. '
        "Questions are printed as text: answer on these pages, or in JupyterLab to check, save and hand in.</p>"
    )
    nb.cells.insert(0, banner)
    return nb


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook in its own folder (answers to a throw-away folder) and return it with widget state."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="minusma-handout-") as work:
        # the kernel inherits these: answers go to a throw-away folder, figures are drawn inline
        kernel_env = {"MINUSMA_WORK_DIR": work, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        previous = {name: os.environ.get(name) for name in kernel_env}
        os.environ.update(kernel_env)
        try:
            NotebookClient(
                nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
        except Exception as problem:  # nbclient's CellExecutionError and kernel failures
            raise HandoutError(f"{path.name}: running it failed: {str(problem).strip().splitlines()[-1]}") from None
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return nb


# ------------------------------------------------------------------ HTML and PDF

PRINT_CSS = """
body { font-size: 11pt; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.jp-Notebook { padding: 0 8px; }
.handout-banner { font-size: 9pt; color: #444; border-bottom: 1px solid #999; padding-bottom: 4px; }
.minusma-static-question { display: block; box-sizing: border-box; width: 100%; border: 1px solid #777;
  border-radius: 4px; padding: 6px 12px; margin: 6px 0;
  break-inside: avoid; page-break-inside: avoid; }
.handout-prompt { margin: 4px 0 2px 0; }
.handout-meta { font-size: 9pt; color: #444; margin: 0 0 6px 0; }
.jp-RenderedHTMLCommon ul.handout-choices { list-style: none; padding-left: 4px; }
.handout-choices li { margin: 4px 0; }
.handout-box { display: inline-block; width: 1.4em; }
.handout-number { display: inline-block; width: 2.2em; height: 1.3em; border: 1px solid #555; margin-right: 6px;
  vertical-align: middle; }
.handout-blank { display: inline-block; min-width: 12em; border-bottom: 1px solid #333; height: 1.2em; }
.handout-short { min-width: 4em; }
.handout-long { min-width: 22em; }
.handout-lines { margin: 6px 0; }
.handout-line { border-bottom: 1px solid #888; height: 2.1em; }
.jp-RenderedHTMLCommon table.handout-grid { border-collapse: collapse; margin: 4px 0; }
.jp-RenderedHTMLCommon .handout-grid th, .jp-RenderedHTMLCommon .handout-grid td {
  border: 1px solid #999; padding: 2px 8px; text-align: left; }
.jp-RenderedHTMLCommon .handout-grid td.handout-cell { text-align: center; }
/* wide tables wrap inside the page instead of running off its edge */
.jp-RenderedHTMLCommon table { table-layout: auto; max-width: 100%; font-size: 9pt; margin-left: 0; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { overflow-wrap: break-word; padding: 0.3em 0.5em; }
.jp-OutputArea-child, .jp-OutputArea, .jp-OutputArea-output { overflow: visible; }
.jp-OutputArea-child { display: block; }
/* long code lines wrap on paper (a screen scrolls them) */
.jp-InputArea-editor pre, .highlight pre, .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.handout-criteria { font-size: 9.5pt; }
.handout-widget { border-left: 3px solid #bbb; padding-left: 8px; margin: 4px 0; }
.handout-widget-row { display: flex; flex-wrap: wrap; gap: 12px; }
.handout-widget-line { margin: 2px 0; }
.handout-value { border: 1px solid #999; padding: 0 6px; }
.handout-note { font-size: 9pt; font-style: italic; color: #555; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  .jp-OutputArea-output img, .jp-RenderedImage { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .celltag_handout-new-page { break-before: page; page-break-before: always; }
  .celltag_handout-hide-input .jp-InputArea { display: none; }
}
.celltag_handout-hide-input .jp-Cell-inputWrapper { display: none; }
"""

#: The lab template without anything that loads from the network (require.js, MathJax, Mermaid, widget manager).
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<style type="text/css">{{ resources.handout_css }}</style>{%- endblock html_head_css -%}
"""


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """A printable notebook as one self-contained HTML page (no script, nothing remote)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"handout.html.j2": TEMPLATE})],
        template_file="handout.html.j2",
        embed_images=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"handout_css": PRINT_CSS})
    remote = remote_resources(body)
    if remote:
        raise HandoutError(f"{title}: the page would load from the network: {', '.join(remote[:3])}")
    return body


class _ResourceFinder(HTMLParser):
    """Collects every address a browser would fetch when the page opens (not links a reader may follow)."""

    LOADING = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "embed": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "link": "href",
        "object": "data",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        wanted = self.LOADING.get(tag)
        for name, value in attrs:
            if name == wanted and value and not value.startswith(("data:", "#")):
                self.found.append(f"<{tag} {name}={value[:80]}>")


def remote_resources(page: str) -> list[str]:
    """What a page would fetch when opened: external scripts, styles, images, CSS imports and fonts."""
    finder = _ResourceFinder()
    finder.feed(page)
    found = list(finder.found)
    css_fetch = r"""(@import\s+(url\()?|url\()\s*['"]?(https?:)?//[^)'"\s]+"""
    found += [m.group(0)[:80] for m in re.finditer(css_fetch, page)]
    return found


def script_count(page: str) -> int:
    """How many ``<script>`` elements a page holds (a handout needs none)."""
    finder = _ResourceFinder()
    finder.feed(page)
    return finder.scripts


def chromium_available() -> bool:
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def print_pdf(page: Path, pdf: Path, timeout: int = 180) -> None:
    """Print an HTML file to PDF with headless Chromium (A4, no header or footer)."""
    with tempfile.TemporaryDirectory(prefix="minusma-chromium-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise HandoutError(f"Chromium could not print {page.name}: {done.stderr.strip()[-300:]}")


def pdf_page_count(pdf: Path) -> int:
    """Pages in a PDF as Chromium writes it (counts its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", Path(pdf).read_bytes()))


# ------------------------------------------------------------------ the command


@dataclass
class Handout:
    notebook: str  # e.g. "exercises/00_start_here.ipynb"
    html: Path
    pdf: Path | None
    pages: int | None
    seconds: float


def notebooks_to_print(root: Path | None = None) -> list[Path]:
    """Every lesson and exercise notebook, in order (the folders are globbed: new lessons come in by themselves)."""
    root = Path(root or paths.REPO_ROOT)
    return [p for folder in FOLDERS for p in sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))]


def make_handout(path: Path, out: Path, pdf: bool = True, run: bool = True) -> Handout:
    """Write the handout of one notebook into ``out/<folder>/``; return what was written."""
    path = Path(path).resolve()
    if path.parent.name == "solutions" or path.parent.resolve() == paths.SOLUTIONS_DIR.resolve():
        raise HandoutError(f"{path.name}: solutions hold keys and model answers; print the exercise instead")
    started = time.monotonic()
    folder = path.parent.name
    name = f"{folder}/{path.name}"
    nb = execute(path) if run else nbformat.read(path, as_version=4)
    page = to_html(printable(nb, name), title=f"Leaving Mali handout: {name}")
    target = Path(out) / folder
    target.mkdir(parents=True, exist_ok=True)
    html_path = target / f"{path.stem}.html"
    html_path.write_text(page, encoding="utf-8")
    pdf_path, pages = None, None
    if pdf:
        pdf_path = target / f"{path.stem}.pdf"
        print_pdf(html_path, pdf_path)
        pages = pdf_page_count(pdf_path)
    return Handout(name, html_path, pdf_path, pages, time.monotonic() - started)


def write_index(out: Path, handouts: list[Handout]) -> Path:
    rows = "".join(
        f'<li><a href="{_esc(h.html.relative_to(out).as_posix())}">{_esc(h.notebook)}</a>'
        + (f' · <a href="{_esc(h.pdf.relative_to(out).as_posix())}">PDF</a> ({h.pages} pages)' if h.pdf else "")
        + "</li>"
        for h in handouts
    )
    index = Path(out) / "index.html"
    index.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Leaving Mali: handouts'
        f"</title></head><body><h1>Leaving Mali: handouts</h1><ul>{rows}</ul></body></html>\n",
        encoding="utf-8",
    )
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma handouts",
        description="Write a printable HTML page and PDF of every lesson and exercise.",
    )
    parser.add_argument("out", type=Path, help="folder for the handouts (made if missing)")
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="only these notebooks (default: every notebook in notebooks/ and exercises/)",
    )
    parser.add_argument("--no-pdf", action="store_true", help="HTML only, even where Chromium is installed")
    parser.add_argument(
        "--stored-outputs",
        action="store_true",
        help="use the outputs stored in the notebooks instead of running them (faster; exercises "
        "are stored without outputs, and widgets then print as a note)",
    )
    args = parser.parse_args(argv)
    pdf = not args.no_pdf
    if pdf and not chromium_available():
        print(
            f"handouts: {CHROMIUM} is missing, so only the HTML pages are written (open one in a browser and "
            "print it, or install Debian's chromium package for the PDFs).",
            file=sys.stderr,
        )
        pdf = False
    chosen = args.notebooks or notebooks_to_print()
    handouts = []
    for path in chosen:
        try:
            handout = make_handout(path, args.out, pdf=pdf, run=not args.stored_outputs)
        except HandoutError as problem:
            print(f"handouts: {problem}", file=sys.stderr)
            return 1
        handouts.append(handout)
        pages = f", {handout.pages} pages" if handout.pages else ""
        print(
            f"{handout.notebook}: {handout.html.relative_to(args.out)}"
            + (f" and {handout.pdf.relative_to(args.out)}" if handout.pdf else "")
            + f"{pages} "
            f"({handout.seconds:.1f} s)",
            flush=True,
        )
    index = write_index(args.out, handouts)
    print(f"Wrote {len(handouts)} handouts; the list is {index}.")
    return 0
