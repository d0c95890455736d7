"""Question widgets for the exercise notebooks.

In a notebook::

    from minusma import questions as q
    q.setup("00_start_here")          # once, at the top: which notebook this is
    q.identity()                      # name and student id (asked once, in 00)
    q.single_choice("00.capital", "Which city is Mali's capital?",
                    ["Bamako", "Gao", "Timbuktu"], points=1)

Every builder returns a labelled, keyboard-usable widget bound to its question
id. Each change is validated and saved at once (:mod:`minusma.store`);
reopening the notebook restores the widget. Auto-graded questions have a
**Check** button whose feedback comes from :func:`minusma.spec.score` and never
shows the answer. Builder arguments must be literals (text, numbers, lists),
because the grading command reads questions from the notebook file without
running it (:func:`minusma.spec.specs_from_notebook`).

In ``solutions/`` the builders get ``key=`` (the plain key, between
``### BEGIN KEY`` / ``### END KEY``); ``python -m minusma build`` removes it
from the exercise and writes its encoded check (:mod:`minusma.keys`) to
``exercises/.checks/``, where each widget finds its own by question id.
``check=`` can still be given directly (tests).
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from typing import Any

import ipywidgets as widgets

from . import council as _council
from . import cutoff as _cutoff
from . import data as _data
from . import keys as _keys
from . import qtypes as _qtypes
from . import spec as _spec
from . import store as _store
from . import ui as _ui
from .spec import AnswerError, QuestionSpec, Result

__all__ = [
    "setup",
    "solution_copy",
    "identity",
    "single_choice",
    "multiple_choice",
    "number",
    "order",
    "classify",
    "forecast",
    "vote",
    "written",
    "hand_in",
    "question",
    "Question",
]

_notebook: str | None = None
#: The newest widget built for each question id in this kernel (see :func:`question`).
_built: dict[str, Question] = {}


def setup(notebook: str) -> None:
    """Declare which notebook is running (e.g. ``"00_start_here"``); call once at the top.

    Prints a message if the notebook's answers file had to be set aside. In a
    notebook before 08, the data are shown as they stood on the day of the
    decision (:func:`minusma.data.as_of`).
    """
    global _notebook
    if not _store.NOTEBOOK_PATTERN.match(notebook):
        raise ValueError(f"notebook name {notebook!r} must look like '00_start_here'")
    _notebook = notebook
    # Lessons before 08 stand on the day of the decision: forecasts are scored in 08.
    _data.as_of(_cutoff.DECISION_DAY if int(notebook[:2]) < _cutoff.REVEAL_LESSON else None)
    notice = _store.get_store(notebook).notice
    if notice:
        print(notice)
    from IPython import get_ipython
    from IPython.display import Javascript, display

    if get_ipython() is not None:  # in a notebook (a script or a test has no page to help)
        display(Javascript(_BROWSER_HELP + _ui.KERNEL_WATCH))


def solution_copy() -> None:
    """Mark this kernel as running a solutions notebook: its files go apart from the student's.

    Solutions call it in a cell tagged ``solution-only`` (dropped from
    exercises), so running a solution never changes a student's own answers.
    """
    _store.set_solution_mode(True)


def _notebook_for(qid: str) -> str:
    """The notebook a question belongs to: the one given to :func:`setup`."""
    if _notebook is None:
        raise RuntimeError("Run the set-up cell at the top of the notebook first (it calls q.setup(...)).")
    if not _notebook.startswith(qid.split(".", 1)[0] + "_"):
        raise _spec.SpecError(f"question {qid} does not belong to notebook {_notebook}")
    return _notebook


_checks_by_notebook: dict[str, dict[str, str]] = {}


def _checks(notebook: str) -> dict[str, str]:
    """The encoded checks of an exercise notebook (read once per kernel)."""
    if notebook not in _checks_by_notebook:
        from . import build

        _checks_by_notebook[notebook] = build.read_checks(notebook)
    return _checks_by_notebook[notebook]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _points_text(points: float) -> str:
    shown = int(points) if float(points).is_integer() else points
    return f"{shown} point" + ("" if shown == 1 else "s")


def _clock() -> str:
    return _dt.datetime.now().strftime("%H:%M:%S")


def _auto_width() -> widgets.Layout:
    """A fresh layout per widget (a shared Layout model would tie their sizes together)."""
    return widgets.Layout(width="auto")


_LABEL_STYLE = {"description_width": "initial"}

#: Keyboard and screen-reader help that only the browser can give, installed
#: once per page by :func:`setup` (JupyterLab runs it when the cell runs):
#: arrow keys go to radio buttons, drop-downs and sliders instead of moving
#: between cells (``data-lm-suppress-shortcuts`` tells JupyterLab to leave
#: them alone); buttons named only by a symbol get their tooltip as their
#: name; a chosen vote says so (``aria-pressed``); feedback is announced.
_BROWSER_HELP = """
(function () {
  if (window.minusmaHelp) { return; }
  window.minusmaHelp = true;
  function mend(root) {
    root.querySelectorAll('.minusma-question .widget-radio-box, .minusma-question select,'
      + ' .minusma-question .widget-slider, .minusma-question .noUi-target').forEach(function (el) {
      el.setAttribute('data-lm-suppress-shortcuts', 'true');
    });
    root.querySelectorAll('.minusma-question button[title]').forEach(function (el) {
      if (el.getAttribute('aria-label') !== el.title) { el.setAttribute('aria-label', el.title); }
    });
    root.querySelectorAll('.minusma-vote .widget-toggle-button').forEach(function (el) {
      var pressed = el.classList.contains('mod-active') ? 'true' : 'false';
      if (el.getAttribute('aria-pressed') !== pressed) { el.setAttribute('aria-pressed', pressed); }
    });
    root.querySelectorAll('.minusma-question .noUi-handle').forEach(function (el) {
      var box = el.closest('.widget-slider');
      var label = box && box.querySelector('.widget-label');
      var question = el.closest('.minusma-question');
      var prompt = question && question.querySelector('.minusma-prompt b');
      var name = (label ? label.textContent : 'Value') + (prompt ? ' for: ' + prompt.textContent : '');
      if (el.getAttribute('aria-label') !== name) { el.setAttribute('aria-label', name); }
    });
    root.querySelectorAll('.minusma-feedback, .minusma-status').forEach(function (el) {
      if (!el.getAttribute('role')) { el.setAttribute('role', 'status'); el.setAttribute('aria-live', 'polite'); }
    });
  }
  mend(document);
  new MutationObserver(function () { mend(document); }).observe(document.body,
    { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
})();
"""


class Question(widgets.VBox):
    """Base of every question widget: header, inputs, Check button, feedback, save status.

    Subclasses build their inputs and translate between widgets and answer
    values; saving, restoring, validation and feedback live here once.
    """

    #: Whether this type gets a Check button when it is auto-graded.
    checkable = True

    def __init__(self, spec: QuestionSpec, check: str | None = None):
        if spec.key is not None and check is not None:
            raise _spec.SpecError(f"{spec.id}: give key= (solutions) or check= (exercises), not both")
        self.spec = spec
        self.notebook = _notebook_for(spec.id)
        # solutions: the plain key; exercises: the encoded check the build put in the notebook's checks file
        self._key = (
            spec.key if spec.key is not None else check if check is not None else _checks(self.notebook).get(spec.id)
        )
        if self._key is not None:
            _keys.checker(spec.type, spec.id, self._key)  # fail now, not on first click, if damaged
        self.store = _store.get_store(self.notebook)
        self._restoring = False
        #: The answer this view last showed from the file or saved itself, and its time stamp:
        #: what the view "knows", so that it never overwrites a newer answer from another view.
        self._base: Any = None
        self._base_saved_at: str | None = None
        self._header = widgets.HTML(self._header_html())
        self._feedback = widgets.HTML(layout=_auto_width())
        self._status = widgets.HTML(layout=_auto_width())
        self._status.add_class("minusma-status")
        self._feedback.add_class("minusma-feedback")
        controls = self._build()
        buttons = self._buttons()
        children = [_ui.stylesheet(), self._header, *controls]
        if buttons:
            children.append(widgets.HBox(buttons))
        children += [self._feedback, self._status]
        super().__init__(
            children=children, layout=widgets.Layout(border="1px solid #bbb", padding="6px 10px", margin="8px 0")
        )
        self.add_class("minusma-question")
        self.add_class("minusma-" + spec.id.replace(".", "-"))
        _ui.mark_kernel(self)
        _built[spec.id] = self
        self._restore()
        if self.store.notice:
            self._set_status(self.store.notice, "warning")

    # -- what subclasses provide ------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        raise NotImplementedError

    def _read(self) -> Any:
        """The answer the widgets show now (None if nothing is chosen)."""
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        """Make the widgets show a (valid) answer value."""
        raise NotImplementedError

    def _after_change(self) -> None:
        """Live displays (word count, vote outcome) to refresh after any change."""

    def _empty_message(self) -> str:
        return "No answer yet."

    # -- shared behaviour -------------------------------------------------------

    def _header_html(self) -> str:
        s = self.spec
        if s.graded == "hand":
            how = "graded by your instructor"
        elif s.type == "forecast":
            how = "scored later, against what happens"
        else:
            how = "checked automatically"
        meta = f"{_points_text(s.points)} · {how}"
        return (
            f'<div class="minusma-prompt"><b>{_esc(s.prompt)}</b><br>'
            f"<small>Question {_esc(s.id)} · {meta}</small></div>"
        )

    def _buttons(self) -> list[widgets.Widget]:
        self._check_button = None
        if self.checkable and self.spec.graded == "auto":
            self._check_button = widgets.Button(
                description="Check",
                tooltip=f"Check your answer to question {self.spec.id}",
                icon="check",
            )
            self._check_button.on_click(lambda _button: self.check())
            return [self._check_button]
        return []

    def _set_status(self, message: str, kind: str = "info") -> None:
        colour = {"info": "#333", "ok": "#1a6b2f", "warning": "#8a4b00", "error": "#a40000"}[kind]
        symbol = {"info": "", "ok": "✔ ", "warning": "⚠ ", "error": "⚠ "}[kind]
        self._status.value = f'<span style="color:{colour}">{symbol}{_esc(message)}</span>'

    def _restore(self) -> None:
        entry = self.store.entry(self.spec.id)
        self._restoring = True
        try:
            if entry is not None:
                try:
                    value = self._validate(entry["value"])
                    self._show(value)
                    self._base, self._base_saved_at = value, entry["saved_at"]
                    self._set_status("Your saved answer is restored.", "info")
                except AnswerError:
                    self._set_status(
                        "Your saved answer no longer fits this question (the question changed); please answer again.",
                        "warning",
                    )
            self._after_change()
        finally:
            self._restoring = False

    def _newer_elsewhere(self) -> dict[str, Any] | None:
        """The saved entry if another view (a second tab, a copy of the notebook) saved it after this view did."""
        self.store.refresh()
        entry = self.store.entry(self.spec.id)
        if entry is None or entry["saved_at"] == self._base_saved_at:
            return None
        return entry

    def _catch_up(self, entry: dict[str, Any]) -> None:
        """Show a newer answer saved by another view, and say so."""
        self._restoring = True
        try:
            value = self._validate(entry["value"])
            self._show(value)
            self._base, self._base_saved_at = value, entry["saved_at"]
            self._after_change()
        finally:
            self._restoring = False
        self._set_status(
            f"This answer was changed in another tab or copy of this notebook at "
            f"{_ui.local_time(entry['saved_at'])}; this view now shows that answer.",
            "warning",
        )

    def _validate(self, value: Any) -> Any:
        return _spec.validate_answer(self.spec, value)

    def _changed(self, _change: Any = None) -> None:
        """Any edit: refresh live displays, validate, save at once (or explain why not)."""
        if self._restoring:
            return
        self._after_change()
        self._feedback.value = ""  # feedback was about the previous answer
        self._save_current()

    def _edited_here(self) -> bool:
        """Whether this view shows an answer of its own that is not saved yet (e.g. a number typed without Enter)."""
        current = self._read()
        if current is None:
            return False
        try:
            return self._validate(current) != self._base
        except AnswerError:
            return True  # let saving explain what is wrong with it

    def _save_current(self) -> bool:
        current = self._read()
        elsewhere = self._newer_elsewhere()
        had_answer = self.store.value(self.spec.id) is not None
        if current is None:
            self._set_status(self._empty_message() + (" Your saved answer is kept." if had_answer else ""), "info")
            return False
        try:
            value = self._validate(current)
            if value != self.store.value(self.spec.id):
                entry = self.store.save(self.spec.id, self.spec.type, value)
                self._base_saved_at = entry["saved_at"]
            else:
                self._base_saved_at = self.store.entry(self.spec.id)["saved_at"]
            self._base = value
        except AnswerError as exc:
            kept = " Your previous answer is kept." if had_answer and "kept" not in str(exc) else ""
            self._set_status(f"{exc}{kept}", "error")
            return False
        except OSError as exc:
            self._set_status(
                f"Could not save ({exc.strerror or exc}). Your previous answer is kept; try again.", "error"
            )
            return False
        note = (
            f" It replaces the answer given in another tab or copy at {_ui.local_time(elsewhere['saved_at'])}."
            if elsewhere is not None and elsewhere["value"] != value
            else ""
        )
        self._set_status(f"Saved at {_clock()}.{note}", "ok")
        from . import handin

        handin.answers_changed(self.notebook)
        return True

    # -- public API -------------------------------------------------------------

    @property
    def value(self) -> Any:
        """The saved answer (what a hand-in would contain), or None."""
        return self.store.value(self.spec.id)

    def answer(self, value: Any) -> None:
        """Set the answer from code (solutions, tests): shows it and saves it.

        Raises :class:`~minusma.spec.AnswerError` if the value is not a valid answer.
        """
        clean = self._validate(value)
        self._restoring = True
        try:
            self._show(clean)
        finally:
            self._restoring = False
        self._after_change()
        self._feedback.value = ""
        if not self._save_current():
            raise AnswerError(_strip_tags(self._status.value))

    def result(self) -> Result:
        """The score of the saved answer, without showing anything."""
        return _spec.score(self.spec, self.value, self._key)

    def check(self) -> Result:
        """Score the saved answer and show feedback (the Check button does this).

        An edit made in this view and not saved yet (a number typed without
        Enter) is saved first. Otherwise Check saves nothing: if another view
        saved a newer answer, this view shows it and scores that one, so a
        stale view never overwrites a newer answer.
        """
        if self._read() is None:
            kept = " Your saved answer is kept." if self.value is not None else ""
            result = Result(0.0, float(self.spec.points), "unanswered", self._empty_message() + kept, "")
            self._show_result(result)
            return result
        if self._edited_here():
            if not self._save_current():
                return Result(0.0, float(self.spec.points), "unanswered", _strip_tags(self._status.value), "")
        else:
            newer = self._newer_elsewhere()
            if newer is not None:
                self._catch_up(newer)
        result = self.result()
        if self.value is not None:
            try:
                self.store.count_check(self.spec.id)
            except OSError:
                pass  # the count is a nicety; never block feedback on it
        self._show_result(result)
        return result

    def _show_result(self, result: Result) -> None:
        style = {
            "correct": ("✔", "#1a6b2f"),
            "partial": ("◐", "#8a4b00"),
            "incorrect": ("✘", "#a40000"),
            "unanswered": ("…", "#333"),
            "hand": ("✎", "#333"),
        }[result.status]
        if result.status == "partial" and not _qtypes.TYPES[self.spec.type].check_shows_points:
            style = ("✘", "#a40000")  # partial credit would tell which options are right
        text = f"{style[0]} {_esc(result.feedback)}"
        shows_points = result.status == "correct" or _qtypes.TYPES[self.spec.type].check_shows_points
        if result.status in ("correct", "partial", "incorrect") and shows_points:
            text += f" <small>({_fmt_points(result.points)} of {_points_text(result.max_points)})</small>"
        if result.hint and result.status != "correct":
            text += f"<br><i>Hint:</i> {_esc(result.hint)}"
        self._feedback.value = f'<div style="color:{style[1]}">{text}</div>'

    def _repr_pretty_(self, printer, cycle):  # stable text for nbval and consoles
        printer.text(f"<{type(self).__name__} {self.spec.id}>")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.id}>"


def _fmt_points(points: float) -> str:
    """Points as every page of the course shows them: at most two decimals (0.67, 1.5, 2)."""
    return f"{round(float(points), 2):g}"


def _strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).lstrip("⚠✔ ").strip()


# --------------------------------------------------------------------------
# The types
# --------------------------------------------------------------------------


class SingleChoice(Question):
    """One option from a list (radio buttons: the arrow keys or Space choose)."""

    def _build(self):
        self._radio = widgets.RadioButtons(
            options=list(self.spec.options),
            value=None,
            description="Your answer:",
            style=_LABEL_STYLE,
            layout=_auto_width(),
        )
        self._radio.observe(self._changed, names="value")
        return [self._radio]

    def _read(self):
        return self._radio.value

    def _show(self, value):
        self._radio.value = value

    def _empty_message(self):
        return "Choose one option."


class MultipleChoice(Question):
    """Any number of options (one tick box each: Tab to move, Space to tick)."""

    def _build(self):
        self._boxes = [
            widgets.Checkbox(value=False, description=o, indent=False, layout=_auto_width()) for o in self.spec.options
        ]
        for box in self._boxes:
            box.observe(self._changed, names="value")
        return [widgets.HTML("<i>Tick every option that applies.</i>"), *self._boxes]

    def _read(self):
        # Nothing ticked is no answer (not an answer "none of these"), so Check never saves it.
        return [o for o, box in zip(self.spec.options, self._boxes) if box.value] or None

    def _empty_message(self):
        return "No option ticked yet."

    def _show(self, value):
        for o, box in zip(self.spec.options, self._boxes):
            box.value = o in value


class Number(Question):
    """A number typed in a text box (commas and spaces between thousands are fine)."""

    def _build(self):
        unit = f" ({self.spec.unit})" if self.spec.unit else ""
        self._text = widgets.Text(
            value="",
            description=f"Your answer{unit}:",
            placeholder="a number, then Enter",
            continuous_update=False,
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="30em", max_width="100%"),
        )
        self._text.observe(self._changed, names="value")
        return [self._text]

    def _read(self):
        return self._text.value if self._text.value.strip() else None

    def _show(self, value):
        self._text.value = f"{value:g}" if abs(value) < 1e15 and float(value) == float(f"{value:g}") else repr(value)

    def _empty_message(self):
        return "The box is empty."


class Order(Question):
    """Put items in order: each position has Move up / Move down buttons."""

    def _build(self):
        self._order = list(self.spec.items)
        self._touched = False  # the starting order is not an answer until an item is moved (or one is restored)
        self._labels, self._ups, self._downs, rows = [], [], [], []
        for i in range(len(self._order)):
            label = widgets.HTML(layout=widgets.Layout(width="auto", min_width="20em"))
            label.add_class("minusma-order-item")
            up = widgets.Button(description="▲", layout=widgets.Layout(width="3em"))
            down = widgets.Button(description="▼", layout=widgets.Layout(width="3em"))
            up.on_click(lambda _b, i=i: self._move(i, -1))
            down.on_click(lambda _b, i=i: self._move(i, +1))
            self._labels.append(label)
            self._ups.append(up)
            self._downs.append(down)
            row = widgets.HBox([up, down, label])
            row.add_class("minusma-order-row")
            rows.append(row)
        self._render()
        return [widgets.HTML("<i>Use ▲ and ▼ (or Tab then Enter) to move items; the first is at the top.</i>"), *rows]

    def _render(self):
        n = len(self._order)
        for i, item in enumerate(self._order):
            self._labels[i].value = f"{i + 1}. {_esc(item)}"
            self._ups[i].tooltip = f"Move “{item}” up"
            self._downs[i].tooltip = f"Move “{item}” down"
            self._ups[i].disabled = i == 0
            self._downs[i].disabled = i == n - 1

    def _move(self, index: int, step: int):
        other = index + step
        if not 0 <= other < len(self._order):
            return
        self._order[index], self._order[other] = self._order[other], self._order[index]
        self._touched = True
        self._render()
        # Keep the keyboard on the item that moved: its button in its new row (or the other one at an end).
        buttons = self._ups if step < 0 else self._downs
        target = buttons[other] if not buttons[other].disabled else (self._downs if step < 0 else self._ups)[other]
        target.focus()
        self._changed()

    def _read(self):
        return list(self._order) if self._touched else None

    def _show(self, value):
        self._order = list(value)
        self._touched = True
        self._render()

    def _empty_message(self):
        return "Move at least one item with ▲ or ▼ first (the starting order is not an answer)."


class _OneChoicePerItem(Question):
    """A question answered by one choice per item (a statement, a Council member).

    Subclasses build ``self._per_item``, a dict from item to its choice widget;
    the answer is ``{item: choice}`` for the items that have one.
    """

    _per_item: dict[str, Any]

    def _read(self):
        chosen = {item: w.value for item, w in self._per_item.items() if w.value is not None}
        return chosen or None

    def _show(self, value):
        for item, widget in self._per_item.items():
            widget.value = value.get(item)


class Classify(_OneChoicePerItem):
    """Sort statements into categories: one drop-down per statement."""

    def _build(self):
        self._menus = self._per_item = {}
        for item in self.spec.items:
            menu = widgets.Dropdown(
                options=list(self.spec.categories),
                value=None,
                description=item,
                tooltip=item,
                style={"description_width": "24em"},
                layout=widgets.Layout(width="40em", max_width="100%"),
            )
            menu.observe(self._changed, names="value")
            self._menus[item] = menu
        return [
            widgets.HTML(f"<i>Choose a category for each: {_esc(', '.join(self.spec.categories))}.</i>"),
            *self._menus.values(),
        ]

    def _empty_message(self):
        return "Choose a category for at least one item."


class Forecast(Question):
    """A probability (0–100 %) with a one-line reason, locked for ever once submitted."""

    checkable = False

    def _build(self):
        self._slider = widgets.IntSlider(
            value=50,
            min=0,
            max=100,
            step=1,
            description="Probability (%):",
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="32em", max_width="100%"),
        )
        self._reason = widgets.Text(
            value="",
            description="Reason (one line):",
            placeholder="why this probability?",
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="48em", max_width="100%"),
        )
        self._confirming_default = False  # a first Lock press at the untouched 50 % asks to be sure
        self._lock_button = widgets.Button(
            description="Lock forecast", icon="lock", tooltip="Lock it: a locked forecast can never be changed"
        )
        self._lock_button.on_click(lambda _b: self.lock())
        self._slider.observe(self._changed, names="value")
        self._reason.observe(self._changed, names="value")
        return [self._slider, self._reason, self._lock_button]

    def _read(self):
        return {"probability": int(self._slider.value), "reason": self._reason.value, "locked_at": None}

    def _after_change(self):
        self._confirming_default = False  # any change: a later Lock at 50 % asks again

    def _show(self, value):
        self._slider.value = value["probability"]
        self._reason.value = value["reason"]
        self._set_locked(value.get("locked_at"))

    def _set_locked(self, locked_at: str | None) -> None:
        locked = bool(locked_at)
        for w in (self._slider, self._reason, self._lock_button):
            w.disabled = locked
        if locked:
            self._lock_button.description = "Locked"
            self._feedback.value = (
                f"<div><b>Locked</b> on {_esc(_ui.readable_time(locked_at))}: "
                f"{self._slider.value} %. It will be scored against what happens.</div>"
            )

    def _save_current(self) -> bool:
        self.store.refresh()  # locked in another kernel (the notebook open twice)? then locked here too
        if self.locked:
            saved = self.store.value(self.spec.id)
            shown = self._read()
            if (shown["probability"], shown["reason"]) == (
                saved["probability"],
                saved["reason"],
            ) and self._slider.disabled:
                return True  # nothing changed: the locked forecast stands, shown as locked
            # Show the locked forecast again, whatever was changed on screen.
            self._restoring = True
            try:
                self._show(self.store.value(self.spec.id))
            finally:
                self._restoring = False
            self._set_status("This forecast is locked and cannot be changed.", "info")
            return False
        return super()._save_current()

    @property
    def locked(self) -> bool:
        value = self.store.value(self.spec.id)
        return bool(value and value.get("locked_at"))

    def lock(self) -> bool:
        """Lock the forecast as shown (needs a reason); True if it is now locked."""
        self.store.refresh()
        if self.locked:
            self._restoring = True
            try:
                self._show(self.store.value(self.spec.id))  # the lock that stands, perhaps from another kernel
            finally:
                self._restoring = False
            return True
        draft = self._read()
        if not draft["reason"].strip():
            self._set_status("Add a one-line reason before locking your forecast.", "error")
            return False
        saved = self.store.value(self.spec.id)
        untouched = draft["probability"] == 50 and (saved is None or saved["probability"] == 50)
        if untouched and not self._confirming_default:
            self._confirming_default = True
            self._set_status(
                "The slider is still at 50 %, where it starts. If 50 % is your forecast, "
                "press Lock forecast again; otherwise move the slider first.",
                "warning",
            )
            return False
        try:
            value = self._validate({**draft, "locked_at": _spec.now_iso()})
            self.store.save(self.spec.id, self.spec.type, value)
        except AnswerError as exc:
            self._set_status(str(exc), "error")
            return False
        except OSError as exc:
            self._set_status(f"Could not save ({exc.strerror or exc}); try again.", "error")
            return False
        self._set_locked(value["locked_at"])
        self._set_status(f"Saved and locked at {_clock()}.", "ok")
        from . import handin

        handin.answers_changed(self.notebook)
        return True


class Vote(_OneChoicePerItem):
    """A Council ballot: yes / no / abstain for each member, with the outcome shown live."""

    def __init__(self, spec: QuestionSpec, check: str | None = None):
        self._members, self._permanent = _council.members_of(spec)
        super().__init__(spec, check)

    def _build(self):
        self._buttons_by_member = self._per_item = {}
        rows = []
        for member in self._members:
            label = member + (" (permanent)" if member in self._permanent else "")
            toggle = widgets.ToggleButtons(
                options=list(_council.VOTE_CHOICES),
                value=None,
                description=label,
                tooltips=[f"{member}: yes", f"{member}: no", f"{member}: abstain"],
                style={"description_width": "19em", "button_width": "7em"},
            )
            toggle.observe(self._changed, names="value")
            self._buttons_by_member[member] = toggle
            rows.append(toggle)
        self._outcome = widgets.HTML(layout=_auto_width())
        self._outcome.add_class("minusma-outcome")
        rule = (
            f"<i>Rule (UN Charter, Art. 27(3)): adopted with at least {_council.VOTES_NEEDED} yes votes "
            "and no permanent member voting no. An abstention is not a veto.</i>"
        )
        # the chosen vote stands out by colour, weight and a tick (the module's stylesheet, _CSS)
        self.add_class("minusma-vote")
        return [widgets.HTML(rule), *rows, self._outcome]

    def _after_change(self):
        votes = self._read() or {}
        outcome = _council.council_outcome(votes, self._permanent, self._members)
        self._outcome.value = f"<b>Outcome so far:</b> {_esc(outcome.explain())}"

    def _empty_message(self):
        return "No member has voted yet."

    @property
    def members(self) -> tuple[str, ...]:
        """The Council members on this ballot, in the order shown."""
        return self._members

    def outcome(self) -> _council.CouncilOutcome:
        """The outcome of the ballot as shown."""
        return _council.council_outcome(self._read() or {}, self._permanent, self._members)


class Written(Question):
    """A written answer: text box, live word count, word range and rubric criteria."""

    checkable = False

    def _build(self):
        self._text = widgets.Textarea(
            value="",
            description="Your answer:",
            placeholder="Write your answer here.",
            continuous_update=True,
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="95%", height="16em"),
        )
        self._text.observe(self._changed, names="value")
        self._count = widgets.HTML()
        self._count.add_class("minusma-wordcount")
        parts = []
        if self.spec.criteria:
            items = "".join(f"<li>{_esc(_spec.RUBRIC_CRITERIA[c])}</li>" for c in self.spec.criteria)
            parts.append(
                widgets.HTML(
                    f"<details open><summary>What your instructor looks for</summary><ul>{items}</ul></details>"
                )
            )
        return [self._text, self._count, *parts]

    def _read(self):
        return self._text.value if self._text.value.strip() else None

    def _show(self, value):
        self._text.value = value

    def _after_change(self):
        n = _spec.word_count(self._text.value)
        text = f"{n} word" + ("" if n == 1 else "s")
        if self.spec.words:
            lo, hi = self.spec.words
            mark = "within" if lo <= n <= hi else "outside"
            text += f" · aim for {lo}–{hi} ({mark} the range)"
        self._count.value = f"<small>{text}</small>"

    def _empty_message(self):
        return "The box is empty."


# --------------------------------------------------------------------------
# Builders (the names used in notebooks)
# --------------------------------------------------------------------------


def _make(cls, qtype: str, id: str, prompt: str, check: str | None, **fields: Any) -> Question:
    fields = {k: v for k, v in fields.items() if v is not None}
    return cls(_spec.make_spec(qtype, id, prompt, **fields), check)


def single_choice(
    id: str,
    prompt: str,
    options: list[str],
    *,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> SingleChoice:
    """One right option out of several. Key: the option."""
    return _make(
        SingleChoice,
        "single_choice",
        id,
        prompt,
        check,
        options=options,
        points=points,
        hint=hint,
        graded=graded,
        key=key,
    )


def multiple_choice(
    id: str,
    prompt: str,
    options: list[str],
    *,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> MultipleChoice:
    """Several right options. Key: the list of right options (partial credit, see spec)."""
    return _make(
        MultipleChoice,
        "multiple_choice",
        id,
        prompt,
        check,
        options=options,
        points=points,
        hint=hint,
        graded=graded,
        key=key,
    )


def number(
    id: str,
    prompt: str,
    *,
    unit: str = "",
    min: float | None = None,
    max: float | None = None,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> Number:
    """A number, with its unit. Key: ``{"value": x, "tolerance": t}`` (absolute tolerance)."""
    return _make(
        Number,
        "number",
        id,
        prompt,
        check,
        unit=unit,
        min=min,
        max=max,
        points=points,
        hint=hint,
        graded=graded,
        key=key,
    )


def order(
    id: str,
    prompt: str,
    items: list[str],
    *,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> Order:
    """Put ``items`` (shown in this order) in the right order. Key: the items in the right order."""
    return _make(Order, "order", id, prompt, check, items=items, points=points, hint=hint, graded=graded, key=key)


def classify(
    id: str,
    prompt: str,
    items: list[str],
    categories: list[str],
    *,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> Classify:
    """Sort each item into one of ``categories``. Key: ``{item: category}``."""
    return _make(
        Classify,
        "classify",
        id,
        prompt,
        check,
        items=items,
        categories=categories,
        points=points,
        hint=hint,
        graded=graded,
        key=key,
    )


def forecast(
    id: str,
    prompt: str,
    *,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> Forecast:
    """A locked probability forecast. Key (later, optional): ``{"outcome": true|false}``."""
    return _make(Forecast, "forecast", id, prompt, check, points=points, hint=hint, graded=graded, key=key)


def vote(
    id: str,
    prompt: str,
    *,
    members: list[str] | None = None,
    permanent: list[str] | None = None,
    points: float = 1,
    hint: str = "",
    graded: str | None = None,
    key: Any = None,
    check: str | None = None,
) -> Vote:
    """A Council ballot. Members default to the 2023 Council in ``data/``. Key (optional): the outcome."""
    return _make(
        Vote,
        "vote",
        id,
        prompt,
        check,
        members=members,
        permanent=permanent,
        points=points,
        hint=hint,
        graded=graded,
        key=key,
    )


def written(
    id: str,
    prompt: str,
    *,
    words: tuple[int, int] | list[int] | None = None,
    criteria: list[str] | None = None,
    points: float = 1,
    hint: str = "",
    key: Any = None,
    check: str | None = None,
) -> Written:
    """A written answer graded by hand. Key (solutions only): ``{"model_answer", "rubric"}``."""
    return _make(
        Written, "written", id, prompt, check, words=words, criteria=criteria, points=points, hint=hint, key=key
    )


def question(id: str) -> Question:
    """The widget built most recently in this kernel for question ``id``.

    Lets a cell build a question as its last expression (so it shows, with no
    ``x = ...`` / ``x`` echo) while a later cell, such as a worked answer in
    ``solutions/``, still reaches it: ``q.question("00.who_asked").answer(...)``.
    """
    try:
        return _built[id]
    except KeyError:
        raise LookupError(f"No question {id!r} has been built in this kernel yet: run its cell first.") from None


# --------------------------------------------------------------------------
# Identity and hand-in
# --------------------------------------------------------------------------


class Identity(widgets.VBox):
    """Asks the student's name and id once; saved in the work folder as ``student.json``."""

    def __init__(self):
        saved = _store.load_identity()
        self._name = widgets.Text(
            value=saved["name"] if saved else "",
            description="Your name:",
            placeholder="as your instructor knows you",
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="32em"),
        )
        self._id = widgets.Text(
            value=saved["id"] if saved else "",
            description="Student id:",
            placeholder="letters, digits, . - _",
            style=_LABEL_STYLE,
            layout=widgets.Layout(width="32em"),
        )
        self._button = widgets.Button(
            description="Save my name and id", icon="user", layout=widgets.Layout(width="auto")
        )
        self._button.on_click(lambda _b: self.save())
        self._status = widgets.HTML()
        self._status.add_class("minusma-status")
        super().__init__(
            children=[
                _ui.stylesheet(),
                widgets.HTML(
                    "<b>Who are you?</b> Your name and id go on every notebook you hand in. You do this once."
                ),
                self._name,
                self._id,
                self._button,
                self._status,
            ],
            layout=widgets.Layout(border="1px solid #bbb", padding="6px 10px", margin="8px 0"),
        )
        self.add_class("minusma-identity")
        _ui.mark_kernel(self)
        if saved:
            self._status.value = f"Saved: {_esc(saved['name'])} ({_esc(saved['id'])}). Change and save again if needed."

    def save(self, name: str | None = None, student_id: str | None = None) -> bool:
        """Save the name and id shown (or given); True on success."""
        if name is not None:
            self._name.value = name
        if student_id is not None:
            self._id.value = student_id
        try:
            saved = _store.save_identity(self._name.value, self._id.value)
        except AnswerError as exc:
            self._status.value = f'<span style="color:#a40000">⚠ {_esc(str(exc))}</span>'
            return False
        except OSError as exc:
            self._status.value = (
                f'<span style="color:#a40000">⚠ Could not save ({_esc(str(exc.strerror or exc))}).</span>'
            )
            return False
        self._status.value = f'<span style="color:#1a6b2f">✔ Saved: {_esc(saved["name"])} ({_esc(saved["id"])}).</span>'
        return True

    def __repr__(self) -> str:
        return "<Identity>"

    def _repr_pretty_(self, printer, cycle):
        printer.text("<Identity>")


def identity() -> Identity:
    """The name-and-id widget (00_start_here); other notebooks read what it saved."""
    return Identity()


def hand_in(notebook: str | None = None):
    """The hand-in button for this notebook (see :mod:`minusma.handin`)."""
    from . import handin

    return handin.HandInButton(notebook or _notebook_or_fail())


def _notebook_or_fail() -> str:
    if _notebook is None:
        raise RuntimeError("Run the set-up cell at the top of the notebook first (it calls q.setup(...)).")
    return _notebook
