"""Handouts (``python -m minusma handouts``): printable pages with questions as text and no keys.

Fast tests build pages from small made-up notebooks; the slow one runs two
real notebooks (the exercise that holds every question type, and a lesson
with a try-it widget) and prints them with Chromium where it is installed.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from minusma import handouts, paths, spec
from minusma.spec import make_spec

EVERY_TYPE = "00_start_here"  # the exercise notebook with one question of each type


def _cell(source, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _widget_output(model_id):
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            handouts.WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
            "text/plain": "VBox(children=(Dropdown(...),))",
        },
    }


def _notebook(cells, state=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    if state is not None:
        nb.metadata["widgets"] = {handouts.WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


# ------------------------------------------------------------------ questions as text, never keys

KEYED = [
    make_spec("single_choice", "09.who", "Who asked first?", options=["Mali", "France"], key="Mali"),
    make_spec(
        "multiple_choice",
        "09.which",
        "Which are true?",
        options=["A fact", "A myth", "Another fact"],
        key=["A fact", "Another fact"],
    ),
    make_spec("number", "09.count", "How many bases?", unit="bases", key={"value": 13.5, "tolerance": 0}),
    make_spec(
        "order",
        "09.when",
        "Earliest first.",
        items=["Later event", "Earlier event"],
        key=["Earlier event", "Later event"],
    ),
    make_spec(
        "classify",
        "09.kind",
        "Permanent or elected?",
        items=["China", "Ghana"],
        categories=["permanent", "elected"],
        key={"China": "permanent", "Ghana": "elected"},
    ),
    make_spec("forecast", "09.will", "Will it be done by 31 December 2023?"),
    make_spec("vote", "09.ballot", "Cast the votes.", members=["A", "B", "C"], permanent=["A"], key="adopted"),
    make_spec(
        "written",
        "09.why",
        "Why then?",
        words=[40, 120],
        criteria=["data", "uncertainty"],
        key={"model_answer": "Because the mandate expired on 30 June: a secret model answer.", "rubric": "exit_ticket"},
    ),
]


@pytest.mark.parametrize("question", KEYED, ids=lambda s: s.type)
def test_every_question_type_prints_its_prompt_and_room_to_answer_but_no_key(question):
    page = handouts.question_html(question)
    assert question.prompt in page and question.id in page
    for shown in question.options + question.items + question.categories + question.members:
        assert shown in page
    if question.type == "written":
        assert "secret model answer" not in page
        assert page.count('class="handout-line"') == 14  # 120 words at about 9 a line
        assert "Says how sure the writer is" in page  # the rubric criterion students see
    if question.type == "number":
        assert "13.5" not in page and "bases" in page
    if question.type in ("order", "classify", "multiple_choice"):
        assert json.dumps(question.key) not in page
    if question.type == "vote":
        assert "A (permanent)" in page and page.count("☐") == 9
    assert "Correct" not in page and "key" not in page.lower()


def test_order_items_print_in_the_order_the_question_lists_them_not_the_key():
    page = handouts.question_html(KEYED[3])
    assert page.index("Later event") < page.index("Earlier event")


# ------------------------------------------------------------------ a notebook made printable


def test_question_cells_become_text_and_other_widgets_are_drawn_from_their_state():
    question = 'q.single_choice("09.who", "Who asked first?", ["Mali", "France"])'
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_menu", "IPY_MODEL_table"]}},
        "menu": {
            "model_name": "DropdownModel",
            "state": {"description": "strand", "_options_labels": ["(all)", "UN"], "index": 0},
        },
        "table": {"model_name": "HTMLModel", "state": {"value": "<table><tr><td>Resolution 2690</td></tr></table>"}},
    }
    nb = _notebook(
        [
            _cell(
                'q.setup("09_demo")',
                [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"application/javascript": "alert(1)", "text/plain": "<JS>"},
                    }
                ],
            ),
            _cell(question, [_widget_output("q1")]),
            _cell('explore.filter_table(timeline, "strand")', [_widget_output("box")]),
            _cell(
                "answer = ...  # your code here\nanswer",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": "Ellipsis"},
                    }
                ],
            ),
            _cell("q.hand_in()", [_widget_output("hand")]),
        ],
        state,
    )
    printed = handouts.printable(nb, "exercises/09_demo.ipynb")
    assert "widgets" not in printed.metadata and "widgets" in nb.metadata, "the original must stay as it was"
    outputs = [c.get("outputs", []) for c in printed.cells[1:]]
    assert outputs[0] == [], "the keyboard-help script does nothing on paper"
    assert "Who asked first?" in outputs[1][0]["data"]["text/html"]
    assert "handout-hide-input" in printed.cells[2].metadata["tags"]
    drawn = outputs[2][0]["data"]["text/html"]
    assert "Resolution 2690" in drawn and "☒ (all)" in drawn and "☐ UN" in drawn
    assert outputs[3] == []
    assert "Hand in" in outputs[4][0]["data"]["text/html"]
    assert "09_demo" in printed.cells[0].source


def test_a_widget_without_saved_state_prints_a_note_not_an_error():
    printed = handouts.printable(_notebook([_cell("explore.filter_table(t, 'x')", [_widget_output("gone")])]), "x")
    text = printed.cells[1].outputs[0]["data"]["text/html"]
    assert "open the notebook in JupyterLab" in text


def test_a_failed_run_is_refused():
    error = {"output_type": "error", "ename": "KeyError", "evalue": "'strand'", "traceback": []}
    with pytest.raises(handouts.HandoutError, match="KeyError"):
        handouts.printable(_notebook([_cell("boom", [error])]), "notebooks/09_demo.ipynb")


def test_solutions_are_refused(tmp_path):
    with pytest.raises(handouts.HandoutError, match="solutions hold keys"):
        handouts.make_handout(paths.SOLUTIONS_DIR / f"{EVERY_TYPE}.ipynb", tmp_path, pdf=False, run=False)
    assert not any(tmp_path.iterdir())


def test_the_page_is_self_contained_and_a_tagged_cell_starts_a_new_page():
    nb = _notebook(
        [
            nbformat.v4.new_markdown_cell("Card 1"),
            _tagged_markdown("Card 2"),
            _cell(
                "1 + 1",
                [{"output_type": "execute_result", "metadata": {}, "execution_count": 1, "data": {"text/plain": "2"}}],
            ),
        ]
    )
    page = handouts.to_html(handouts.printable(nb, "notebooks/07_demo.ipynb"), "demo")
    assert handouts.remote_resources(page) == [] and handouts.script_count(page) == 0
    assert "celltag_handout-new-page" in page and ".celltag_handout-new-page { break-before: page" in page


def _tagged_markdown(text):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [handouts.NEW_PAGE_TAG]
    return cell


@pytest.mark.parametrize(
    "page, found",
    [
        ('<script src="https://cdn.example.org/require.js"></script>', True),
        ('<link rel="stylesheet" href="//fonts.example.org/css">', True),
        ("<style>@import url('https://fonts.example.org/x.css');</style>", True),
        ("<style>p { background: url(http://example.org/a.png) }</style>", True),
        ('<img src="https://example.org/a.png">', True),
        ('<img src="data:image/png;base64,AAAA">', False),
        ('<a href="https://digitallibrary.un.org/">a source to follow</a>', False),
    ],
)
def test_remote_resources_finds_what_a_browser_would_fetch(page, found):
    assert bool(handouts.remote_resources(page)) is found


# ------------------------------------------------------------------ two real notebooks, printed


def _solution_secrets(name):
    """Model answers, and order/classify/multiple-choice keys as JSON, of one solutions notebook."""
    secrets = set()
    for s in spec.specs_from_notebook(paths.SOLUTIONS_DIR / f"{name}.ipynb"):
        if s.type == "written" and s.key:
            model = s.key["model_answer"]
            secrets |= {model} | {sentence for sentence in re.split(r"(?<=[.!?])\s+", model) if len(sentence) > 25}
        elif s.type in ("order", "classify", "multiple_choice") and s.key:
            secrets.add(json.dumps(s.key, ensure_ascii=False))
    return secrets


@pytest.mark.slow
def test_two_notebooks_print_with_every_question_and_no_key(tmp_path):
    exercise = paths.EXERCISES_DIR / f"{EVERY_TYPE}.ipynb"
    lesson = paths.NOTEBOOKS_DIR / "05_counting_to_nine.ipynb"
    pdf = handouts.chromium_available()
    made = [handouts.make_handout(path, tmp_path, pdf=pdf) for path in (exercise, lesson)]
    for handout in made:
        page = handout.html.read_text(encoding="utf-8")
        assert handouts.remote_resources(page) == [], handout.notebook
        assert handouts.script_count(page) == 0, handout.notebook
        for broken in ("Error displaying widget", handouts.WIDGET_VIEW, "VBox(children", "Traceback"):
            assert broken not in page, (handout.notebook, broken)
        assert 'src="data:image/png;base64,' in page or "00_start" in handout.notebook, "figures are embedded"
        if pdf:
            assert handout.pdf.exists() and handouts.pdf_page_count(handout.pdf) > 1, handout.notebook
            assert handout.pdf.read_bytes().startswith(b"%PDF")
    page = made[0].html.read_text(encoding="utf-8")
    questions = spec.specs_from_notebook(exercise)
    assert {q.type for q in questions} >= {
        "single_choice",
        "multiple_choice",
        "number",
        "order",
        "classify",
        "forecast",
        "vote",
        "written",
    }
    import html as html_module

    text = html_module.unescape(page)
    for question in questions:
        assert question.prompt in text, question.id
        for option in question.options + question.items:
            assert option in text, (question.id, option)
    leaks = [s[:50] for s in _solution_secrets(EVERY_TYPE) if s in text]
    assert not leaks, f"a key or model answer in the handout: {leaks}"
    checks = json.loads((paths.EXERCISES_DIR / ".checks" / f"{EVERY_TYPE}.json").read_text(encoding="utf-8"))
    assert not any(encoded in page for encoded in checks.values())
    assert "Name:" in text and "Hand in" in text
    lesson_page = html_module.unescape(made[1].html.read_text(encoding="utf-8"))
    assert "What if? Change any vote" in lesson_page and "☒ yes" in lesson_page, "the lesson's ballot, drawn"


@pytest.mark.slow
def test_a_tagged_cell_prints_on_its_own_page(tmp_path):
    if not handouts.chromium_available():
        pytest.skip(f"{handouts.CHROMIUM} is missing: PDFs are not printed here")
    nb = _notebook([_tagged_markdown(f"## Role card {n}\n\nYou speak for member {n}.") for n in range(1, 4)])
    page = tmp_path / "cards.html"
    page.write_text(handouts.to_html(handouts.printable(nb, "notebooks/07_demo.ipynb"), "cards"), encoding="utf-8")
    handouts.print_pdf(page, tmp_path / "cards.pdf")
    assert handouts.pdf_page_count(tmp_path / "cards.pdf") == 4  # the banner's page, then one card a page


def test_the_command_without_chromium_writes_html_and_says_so(tmp_path, monkeypatch, capsys):
    from minusma.__main__ import main

    monkeypatch.setattr(handouts, "CHROMIUM", tmp_path / "no-chromium")
    lesson = paths.NOTEBOOKS_DIR / "01_the_request.ipynb"
    assert main(["handouts", str(tmp_path / "out"), str(lesson), "--stored-outputs"]) == 0
    assert "only the HTML pages" in capsys.readouterr().err
    assert (tmp_path / "out" / "notebooks" / "01_the_request.html").exists()
    assert not list((tmp_path / "out").rglob("*.pdf"))
    assert "01_the_request.html" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_every_lesson_and_exercise_is_listed_by_glob():
    listed = handouts.notebooks_to_print()
    for folder in handouts.FOLDERS:
        expected = sorted((paths.REPO_ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
        assert expected and [p for p in listed if p.parent.name == folder] == expected
    assert not any(p.parent.name == "solutions" for p in listed)
