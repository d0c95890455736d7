"""The grading widget of ``instructor/grade_written.ipynb``: one anonymised written answer at a time.

:class:`HandGrader` reads ``hand_grading.csv`` (written by the grading
command) and keeps every level and comment in ``hand_scores.json``
(:class:`minusma.grading.hand.ScoresFile`) the moment it is given. Each
criterion shows its share of the question's points, so graders see the
weights the rubric applies (:meth:`minusma.grading.rubric.Rubric.weighted`).
The grading command itself never imports this module (nor ipywidgets).

Every piece of text from a student or a file is escaped with
:mod:`markupsafe` (Jinja2's escaping) before it becomes HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..paths import display_path
from .hand import SCORES_NAME, SHEET_NAME, HandItem, HandScore, ScoresFile, read_sheet_rows, sheet_items
from .names import fmt_percent, fmt_points
from .rubric import Rubric, load_rubric


class HandGradingError(RuntimeError):
    """The grading widget cannot start; the message says what to do."""


_UNSCORED = ""  # menu value for "no level yet"
_STATUS_STYLE = {"ok": ("#1a6b2f", "✔ "), "warn": ("#a40000", "⚠ "), "info": ("#333333", "")}


def _widgets():
    import ipywidgets  # imported here: the grading command itself needs no widgets

    return ipywidgets


def _html(template: str, *values: Any) -> str:
    """``template`` with every value escaped (markupsafe, as Jinja2's autoescape does)."""
    return str(Markup(template).format(*values))


class HandGrader:
    """One anonymised written answer at a time, beside the rubric; every change saved at once.

    ``HandGrader(grades_dir)`` reads ``hand_grading.csv`` (written by the
    grading command) and ``hand_scores.json`` in that folder, and opens at the
    first answer not fully scored, so a new session resumes where the last
    one stopped. Show it by leaving ``grader.widget`` (or the grader itself)
    as the last line of a cell.
    """

    def __init__(
        self,
        grades_dir: Path,
        *,
        rubric: Rubric | None = None,
        scores_path: Path | None = None,
        model_answers: Mapping[str, str] | None = None,
    ):
        self.grades_dir = Path(grades_dir)
        sheet = self.grades_dir / SHEET_NAME
        if not sheet.is_file():
            raise HandGradingError(
                f"There is no {SHEET_NAME} in {display_path(self.grades_dir)}. Run "
                "`python -m minusma grade SUBMISSIONS_FOLDER --out GRADES_FOLDER` first, then point "
                "the grader at that grades folder."
            )
        self.rubric = rubric or load_rubric()
        self.items: list[HandItem] = sheet_items(read_sheet_rows(sheet), self.rubric.criteria)
        self.scores = ScoresFile(scores_path or self.grades_dir / SCORES_NAME)
        self.model_answers = dict(model_answers or {})
        self.index = 0
        self._loading = False
        self.level_menus: dict[str, Any] = {}
        self._build()
        self.go(self.first_unscored())
        if self.scores.notice:
            self._say(self.scores.notice, "warn")

    # -- state ----------------------------------------------------------------

    @property
    def item(self) -> HandItem | None:
        return self.items[self.index] if self.items else None

    def is_scored(self, item: HandItem) -> bool:
        score = self.scores.score(*item.key)
        return score is not None and score.complete_for(item.criteria)

    @property
    def n_scored(self) -> int:
        return sum(1 for item in self.items if self.is_scored(item))

    def first_unscored(self, start: int = 0) -> int:
        """Index of the first answer from ``start`` on (wrapping round) not fully scored; ``start`` if all are."""
        n = len(self.items)
        for step in range(n):
            i = (start + step) % n
            if not self.is_scored(self.items[i]):
                return i
        return start if n else 0

    # -- layout ---------------------------------------------------------------

    def _build(self) -> None:
        w = _widgets()
        self._header = w.HTML()
        self._answer = w.HTML(layout=w.Layout(width="50%", padding="0 12px 0 0"))
        self._criteria = w.VBox(layout=w.Layout(width="50%"))
        self._comment = w.Textarea(
            description="Comment:",
            placeholder="Optional: a sentence for the student",
            continuous_update=False,
            layout=w.Layout(width="100%", height="5em"),
        )
        self._comment.observe(self._on_comment, names="value")
        self._previous = w.Button(description="Previous", icon="arrow-left", tooltip="The answer before this one")
        self._next = w.Button(description="Next", icon="arrow-right", tooltip="The next answer")
        self._next_unscored = w.Button(
            description="Next unscored", icon="forward", tooltip="The next answer that still needs a level"
        )
        self._previous.on_click(lambda _b: self.previous())
        self._next.on_click(lambda _b: self.next())
        self._next_unscored.on_click(lambda _b: self.go(self.first_unscored(self.index + 1)))
        self._status = w.HTML()
        self._model = w.Accordion(children=[w.HTML()], selected_index=None)
        self._model.set_title(0, "Model answer (for graders only)")
        self.widget = w.VBox(
            [
                self._header,
                w.HBox([self._answer, self._criteria]),
                self._comment,
                w.HBox([self._previous, self._next, self._next_unscored]),
                self._status,
                self._model,
            ]
        )
        self.widget.add_class("minusma-hand-grader")

    def _ipython_display_(self):  # so that `grader` as the last line of a cell shows the widget
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<HandGrader: {self.n_scored} of {len(self.items)} answers scored>"

    def _say(self, message: str, kind: str = "info") -> None:
        colour, mark = _STATUS_STYLE.get(kind, _STATUS_STYLE["info"])
        self._status.value = _html('<span style="color:{}">{}{}</span>', colour, mark, message)

    def _descriptors_html(self, cid: str, chosen: int | None) -> str:
        criterion = self.rubric.criteria[cid]
        rows = []
        for lv in self.rubric.levels:
            text = criterion.descriptors[lv.level]
            if lv.level == chosen:  # marked in words and weight, not by colour alone
                rows.append(Markup("<li><b>{} (chosen): {}</b></li>").format(lv.label, text))
            else:
                rows.append(Markup("<li>{}: {}</li>").format(lv.label, text))
        return _html('<ul style="margin:0 0 8px 0;font-size:90%">{}</ul>', Markup("").join(rows))

    def _show_empty(self) -> None:
        self._header.value = "<b>No written answers to grade.</b>"
        self._answer.value = ""
        self._criteria.children = []
        self.level_menus = {}

    def _show_answer(self, item: HandItem) -> None:
        self._header.value = _html(
            "<b>Answer {} of {}</b> · {} · question <code>{}</code> ({}) · worth {} points · {} of {} answers fully "
            "scored",
            self.index + 1,
            len(self.items),
            item.pseudonym,
            item.question,
            item.notebook,
            fmt_points(item.max_points),
            self.n_scored,
            len(self.items),
        )
        words = f"{item.words} words" + (f" (range {item.word_range})" if item.word_range else "")
        self._answer.value = _html(
            "<p><b>Question:</b> {}</p><p><b>Answer</b> ({}):</p>"
            '<div style="white-space:pre-wrap;border-left:3px solid #999;padding-left:8px">{}</div>',
            item.prompt,
            words,
            item.answer,
        )
        model = self.model_answers.get(item.question)
        self._model.children[0].value = (
            _html('<div style="white-space:pre-wrap">{}</div>', model)
            if model
            else "<i>No model answer found in solutions/.</i>"
        )

    def _show_criteria(self, item: HandItem, score: HandScore) -> None:
        w = _widgets()
        rows, self.level_menus = [], {}
        options = [("not scored yet", _UNSCORED)] + [(lv.label, lv.level) for lv in self.rubric.levels]
        shares = self.rubric.weighted(item.criteria, item.rubric).shares
        for cid in item.criteria:
            criterion = self.rubric.criteria.get(cid)
            if criterion is None:
                continue
            chosen = score.levels.get(cid)
            share = shares[cid]
            menu = w.Dropdown(
                options=options,
                value=_UNSCORED if chosen is None else chosen,
                description=f"{criterion.title} ({fmt_percent(share)})",
                style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
            weight = w.HTML(
                _html(
                    '<div style="font-size:90%">Weight: {} of the points ({} of {}).</div>',
                    fmt_percent(share),
                    fmt_points(share * item.max_points),
                    fmt_points(item.max_points),
                )
            )
            help_text = w.HTML(self._descriptors_html(cid, chosen))
            menu.observe(lambda change, c=cid, h=help_text: self._on_level(c, change, h), names="value")
            self.level_menus[cid] = menu
            rows.append(w.VBox([menu, weight, help_text]))
        self._criteria.children = rows

    def go(self, index: int) -> None:
        """Show answer number ``index`` (0-based)."""
        self._loading = True
        try:
            if not self.items:
                self._show_empty()
                return
            self.index = max(0, min(index, len(self.items) - 1))
            item = self.items[self.index]
            score = self.scores.score(*item.key) or HandScore()
            self._show_answer(item)
            self._show_criteria(item, score)
            self._comment.value = score.comment
            if score.answer_sha and score.answer_sha != item.sha:
                self._say("This answer was replaced by a newer hand-in after it was scored: check the levels.", "warn")
            elif self.is_scored(item):
                self._say("Scored. Change a level to re-score; every change is saved at once.", "ok")
            else:
                self._say("Choose a level for each criterion; each choice is saved at once.")
            self._previous.disabled = self.index == 0
            self._next.disabled = self.index >= len(self.items) - 1
        finally:
            self._loading = False

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    # -- saving ---------------------------------------------------------------

    def _on_level(self, criterion: str, change: Mapping[str, Any], help_text: Any) -> None:
        if self._loading or self.item is None:
            return
        new = change["new"]
        level = None if new == _UNSCORED else int(new)
        try:
            self.scores.record(self.item, level=(criterion, level))
        except OSError as exc:
            self._loading = True
            try:
                self.level_menus[criterion].value = change["old"]  # the menu shows what is on disk
            finally:
                self._loading = False
            self._say(f"Not saved ({exc.strerror or exc}); the previous level is kept.", "warn")
            return
        help_text.value = self._descriptors_html(criterion, level)
        shown = "cleared" if level is None else self.rubric.level(level).label
        done = self.n_scored
        self._say(
            f"Saved: {self.rubric.criteria[criterion].title}: {shown}. {done} of {len(self.items)} answers "
            "fully scored.",
            "ok",
        )

    def _on_comment(self, change: Mapping[str, Any]) -> None:
        if self._loading or self.item is None:
            return
        try:
            self.scores.record(self.item, comment=change["new"])
        except OSError as exc:
            self._say(f"Comment not saved ({exc.strerror or exc}); copy it somewhere safe and try again.", "warn")
            return
        self._say("Comment saved.", "ok")
