"""Hand grading of written answers: the grading sheet, the scores file, and the grading widget.

The grading command writes ``hand_grading.csv`` into the grades folder: one
row per written answer, anonymised (a stable pseudonym per student, see
:func:`minusma.grading.names.pseudonym`), with a column per rubric criterion
(``-`` where a criterion does not apply) and a comment column. Graders either

* fill the sheet in a spreadsheet (levels 0-4, or the level's name), or
* use :class:`HandGrader` in ``instructor/grade_written.ipynb``: one answer at a
  time beside the rubric; every level and comment is saved the moment it is
  given to ``hand_scores.json`` in the grades folder.

Either file is merged with ``python -m minusma grade SUBMISSIONS --out GRADES
--hand-scores FILE`` (the option can be repeated, e.g. for two graders).

The scores file follows the same no-loss rules as the student answer store
(:class:`minusma.files.KeptDocument`): every change rewrites it atomically; a
file that cannot be read, or is not a scores file, is renamed aside and never
overwritten; if another grader's session changed it since we last read or
wrote it, it is re-read and merged (newest entry wins) before every change.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import spec as _spec
from ..files import KeptDocument, read_document
from ..paths import display_path
from ..spec import ISO_PATTERN, now_iso
from .names import csv_text, fmt_points, shorten
from .problems import IGNORED, Problem
from .rubric import Rubric, load_rubric

SHEET_NAME = "hand_grading.csv"
SCORES_NAME = "hand_scores.json"
SCORES_FORMAT = "minusma-hand-scores/1"

#: Written before and after the criterion columns of the sheet.
HEAD_COLUMNS = ("pseudonym", "notebook", "question", "rubric", "max_points")
TAIL_COLUMNS = ("comment", "words", "word_range", "prompt", "answer", "answer_sha")
#: In a criterion column: this criterion does not apply to the question.
NOT_APPLICABLE = "-"


class HandScoresError(ValueError):
    """A hand-scores file given to the grading command cannot be used; the message says why."""


def answer_sha(text: str) -> str:
    """A short fingerprint of an answer, to notice when a scored answer was replaced by a new hand-in."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class HandItem:
    """One written answer to grade, as the grader sees it (no name, no id)."""

    pseudonym: str
    notebook: str
    question: str
    rubric: str
    max_points: float
    criteria: tuple[str, ...]
    prompt: str
    answer: str
    words: int
    word_range: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.pseudonym, self.question)

    @property
    def sha(self) -> str:
        return answer_sha(self.answer)


@dataclass
class HandScore:
    """Levels given to one answer (criterion -> level), the grader's comment, and which answer text they were for."""

    levels: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    answer_sha: str = ""

    def complete_for(self, criteria: Iterable[str]) -> bool:
        return all(self.levels.get(c) is not None for c in criteria)


# --------------------------------------------------------------------------
# The sheet (CSV)
# --------------------------------------------------------------------------

def sheet_columns(criteria: Iterable[str]) -> list[str]:
    return [*HEAD_COLUMNS, *criteria, *TAIL_COLUMNS]


def render_sheet(items: list[HandItem], criteria_order: list[str],
                 filled: Mapping[tuple[str, str], HandScore] | None = None) -> str:
    """The sheet as CSV text: one row per item, in the order given; ``filled`` scores are written back in."""
    filled = filled or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sheet_columns(criteria_order))
    for item in items:
        score = filled.get(item.key)
        cells = []
        for cid in criteria_order:
            if cid not in item.criteria:
                cells.append(NOT_APPLICABLE)
            elif score is not None and score.levels.get(cid) is not None:
                cells.append(str(score.levels[cid]))
            else:
                cells.append("")
        writer.writerow([
            item.pseudonym, item.notebook, item.question, item.rubric, fmt_points(item.max_points), *cells,
            csv_text(score.comment) if score else "", item.words, item.word_range,
            csv_text(item.prompt), csv_text(item.answer), item.sha,
        ])
    return out.getvalue()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # a spreadsheet on Windows may save in cp1252
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_sheet_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a sheet as dicts. Accepts ``,`` or ``;`` separators (spreadsheets in some locales use ``;``)."""
    text = _decode(Path(path).read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    missing = [c for c in ("pseudonym", "question") if c not in (reader.fieldnames or [])]
    if missing:
        raise HandScoresError(f"{Path(path).name} is not a grading sheet (no column {', '.join(missing)})")
    return [dict(row) for row in reader]


def _uncsv(text: str | None) -> str:
    """Undo :func:`csv_text` (the leading ``'`` added against formulas)."""
    text = text or ""
    return text[1:] if text.startswith("'") and len(text) > 1 and text[1] in "=+-@\t\r" else text


def sheet_items(rows: list[dict[str, str]], criteria_order: Iterable[str]) -> list[HandItem]:
    """The items of a sheet (for the widget): applicable criteria are the columns not marked ``-``."""
    criteria_order = list(criteria_order)
    items = []
    for row in rows:
        if not row.get("pseudonym") or not row.get("question"):
            continue
        present = [c for c in criteria_order if c in row]
        try:
            max_points = float(row.get("max_points") or 0)
        except ValueError:
            max_points = 0.0
        try:
            words = int(row.get("words") or 0)
        except ValueError:
            words = 0
        items.append(HandItem(
            pseudonym=row["pseudonym"].strip(), notebook=(row.get("notebook") or "").strip(),
            question=row["question"].strip(), rubric=(row.get("rubric") or "").strip(), max_points=max_points,
            criteria=tuple(c for c in present if (row.get(c) or "").strip() != NOT_APPLICABLE),
            prompt=_uncsv(row.get("prompt")), answer=_uncsv(row.get("answer")), words=words,
            word_range=(row.get("word_range") or "").strip(),
        ))
    return items


def sheet_scores(rows: list[dict[str, str]], rubric: Rubric, label: str) -> tuple[dict[tuple[str, str], HandScore], list[Problem]]:
    """Levels and comments typed into a sheet. Bad cells are reported and left empty."""
    scores: dict[tuple[str, str], HandScore] = {}
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        pseudonym, qid = (row.get("pseudonym") or "").strip(), (row.get("question") or "").strip()
        if not pseudonym or not qid:
            continue
        levels: dict[str, int] = {}
        for cid in rubric.criteria:
            cell = (row.get(cid) or "").strip()
            if not cell or cell == NOT_APPLICABLE:
                continue
            try:
                level = rubric.parse_level(cell)
            except ValueError as exc:
                problems.append(Problem(label, "", f"row {number} ({pseudonym}, {qid}), {cid}: {exc}", IGNORED))
                continue
            if level is not None:
                levels[cid] = level
        comment = _uncsv(row.get("comment")).strip()
        if levels or comment:
            scores[(pseudonym, qid)] = HandScore(levels, comment, (row.get("answer_sha") or "").strip())
    return scores, problems


# --------------------------------------------------------------------------
# The scores file (JSON), written by the widget
# --------------------------------------------------------------------------

def _scores_problem(document: Any) -> str | None:
    """Why ``document`` is not a usable scores file (None if it is one)."""
    if not isinstance(document, dict) or document.get("format") != SCORES_FORMAT:
        return "it is not a hand-scores file of this course"
    scores = document.get("scores")
    if not isinstance(scores, dict):
        return "its list of scores is damaged"
    for pseudonym, per_question in scores.items():
        if not isinstance(per_question, dict):
            return f"the scores of {shorten(pseudonym, 30)} are damaged"
        for qid, entry in per_question.items():
            if (
                not isinstance(entry, dict) or not isinstance(entry.get("levels"), dict)
                or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                           for k, v in entry["levels"].items())
                or not isinstance(entry.get("comment", ""), str)
                or not isinstance(entry.get("answer_sha", ""), str)
                or not isinstance(entry.get("scored_at"), str) or not ISO_PATTERN.match(entry["scored_at"])
            ):
                return f"the score of {shorten(pseudonym, 30)}, {shorten(qid, 30)} is damaged"
    return None


def _read_scores_document(path: Path) -> tuple[dict | None, str | None]:
    return read_document(path, _scores_problem)


class ScoresFile(KeptDocument):
    """``hand_scores.json``: every level and comment a grader gives, saved at once.

    It follows the student answer store's no-loss rules (:class:`~minusma.files.KeptDocument`);
    ``notice`` explains, in plain words, if an unusable old file was set aside.
    """

    def __init__(self, path: Path):
        super().__init__(path, {"format": SCORES_FORMAT, "scores": {}})

    def _problem(self, document: Any) -> str | None:
        return _scores_problem(document)

    def _notice(self, problem: str, aside_name: str) -> str:
        return (f"The scores file {self.path.name} could not be used: {problem}. Nothing was deleted: "
                f"it was kept as {aside_name} in the same folder, and the scores are saved in a new file.")

    def _merge(self, theirs: dict[str, Any]) -> None:
        """Another session's entries that are newer than ours replace ours."""
        mine = self._document["scores"]
        for pseudonym, per_question in theirs["scores"].items():
            for qid, entry in per_question.items():
                ours = mine.setdefault(pseudonym, {}).get(qid)
                if ours is None or entry["scored_at"] > ours["scored_at"]:
                    mine[pseudonym][qid] = entry

    def entry(self, pseudonym: str, qid: str) -> dict[str, Any] | None:
        entry = self._document["scores"].get(pseudonym, {}).get(qid)
        return json.loads(json.dumps(entry)) if entry is not None else None

    def score(self, pseudonym: str, qid: str) -> HandScore | None:
        entry = self.entry(pseudonym, qid)
        if entry is None:
            return None
        return HandScore(dict(entry["levels"]), entry.get("comment", ""), entry.get("answer_sha", ""))

    def all_scores(self) -> dict[tuple[str, str], HandScore]:
        out = {}
        for pseudonym, per_question in self._document["scores"].items():
            for qid in per_question:
                out[(pseudonym, qid)] = self.score(pseudonym, qid)
        return out

    def record(self, item: HandItem, level: tuple[str, int | None] | None = None, comment: str | None = None) -> None:
        """Save one change for ``item`` now: a criterion's level (None clears it) and/or the comment.

        If the write fails, memory is put back as it was and the error is raised.
        """
        def put(document: dict[str, Any]) -> None:
            # Under the file's lock, on the latest document: another grader may
            # have scored other criteria of this answer, and keeps them.
            per_question = document["scores"].setdefault(item.pseudonym, {})
            previous = per_question.get(item.question)
            entry = json.loads(json.dumps(previous)) if previous else {"levels": {}, "comment": ""}
            if level is not None:
                criterion, value = level
                if value is None:
                    entry["levels"].pop(criterion, None)
                else:
                    entry["levels"][criterion] = int(value)
            if comment is not None:
                entry["comment"] = comment
            entry["answer_sha"] = item.sha
            entry["scored_at"] = now_iso()
            per_question[item.question] = entry

        self.update(put)


def load_hand_scores(path: Path, rubric: Rubric) -> tuple[dict[tuple[str, str], HandScore], list[Problem]]:
    """Scores from a filled sheet (``.csv``) or a widget scores file (``.json``), for merging.

    Raises :class:`HandScoresError` if the file as a whole cannot be used, so a
    gradebook is never written silently without the hand scores asked for.
    Unlike the widget, merging never renames anything.
    """
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise HandScoresError(f"the hand-scores file {path} was not found")
    if path.suffix.lower() == ".csv":
        return sheet_scores(read_sheet_rows(path), rubric, label)
    document, problem = _read_scores_document(path)
    if problem:
        raise HandScoresError(f"{label} cannot be used: {problem}")
    scores: dict[tuple[str, str], HandScore] = {}
    problems: list[Problem] = []
    for pseudonym, per_question in (document or {"scores": {}})["scores"].items():
        for qid, entry in per_question.items():
            levels = {}
            for cid, value in entry["levels"].items():
                if cid not in rubric.criteria:
                    problems.append(Problem(label, "", f"{pseudonym}, {qid}: unknown criterion {shorten(cid, 30)!r}", IGNORED))
                    continue
                try:
                    levels[cid] = rubric.parse_level(value)
                except ValueError as exc:
                    problems.append(Problem(label, "", f"{pseudonym}, {qid}, {cid}: {exc}", IGNORED))
            scores[(pseudonym, qid)] = HandScore(levels, entry.get("comment", ""), entry.get("answer_sha", ""))
    return scores, problems


def model_answers(solutions_dir: Path) -> dict[str, str]:
    """``{question id: model answer}`` from the solutions notebooks, for graders (never for students)."""
    answers: dict[str, str] = {}
    for path in sorted(Path(solutions_dir).glob("*.ipynb")):
        try:
            keys = _spec.keys_from_notebook(path)
        except (_spec.SpecError, OSError, ValueError):
            continue
        for qid, key in keys.items():
            if isinstance(key, Mapping) and isinstance(key.get("model_answer"), str):
                answers[qid] = key["model_answer"]
    return answers


# --------------------------------------------------------------------------
# The grading widget
# --------------------------------------------------------------------------

class HandGradingError(RuntimeError):
    """The grading widget cannot start; the message says what to do."""


_UNSCORED = ""  # menu value for "no level yet"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _widgets():
    import ipywidgets  # imported here: the grading command itself needs no widgets

    return ipywidgets


class HandGrader:
    """One anonymised written answer at a time, beside the rubric; every change saved at once.

    ``HandGrader(grades_dir)`` reads ``hand_grading.csv`` (written by the
    grading command) and ``hand_scores.json`` in that folder, and opens at the
    first answer not fully scored, so a new session resumes where the last
    one stopped. Show it by leaving ``grader.widget`` (or the grader itself)
    as the last line of a cell.
    """

    def __init__(self, grades_dir: Path, *, rubric: Rubric | None = None, scores_path: Path | None = None,
                 model_answers: Mapping[str, str] | None = None):
        self.grades_dir = Path(grades_dir)
        sheet = self.grades_dir / SHEET_NAME
        if not sheet.is_file():
            raise HandGradingError(
                f"There is no {SHEET_NAME} in {display_path(self.grades_dir)}. Run "
                "`python -m minusma grade SUBMISSIONS_FOLDER --out GRADES_FOLDER` first, then point "
                "the grader at that grades folder.")
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
        self._comment = w.Textarea(description="Comment:", placeholder="Optional: a sentence for the student",
                                   continuous_update=False, layout=w.Layout(width="100%", height="5em"))
        self._comment.observe(self._on_comment, names="value")
        self._previous = w.Button(description="Previous", icon="arrow-left", tooltip="The answer before this one")
        self._next = w.Button(description="Next", icon="arrow-right", tooltip="The next answer")
        self._next_unscored = w.Button(description="Next unscored", icon="forward",
                                       tooltip="The next answer that still needs a level")
        self._previous.on_click(lambda _b: self.previous())
        self._next.on_click(lambda _b: self.next())
        self._next_unscored.on_click(lambda _b: self.go(self.first_unscored(self.index + 1)))
        self._status = w.HTML()
        self._model = w.Accordion(children=[w.HTML()], selected_index=None)
        self._model.set_title(0, "Model answer (for graders only)")
        self.widget = w.VBox([
            self._header,
            w.HBox([self._answer, self._criteria]),
            self._comment,
            w.HBox([self._previous, self._next, self._next_unscored]),
            self._status,
            self._model,
        ])
        self.widget.add_class("minusma-hand-grader")

    def _ipython_display_(self):  # so that `grader` as the last line of a cell shows the widget
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<HandGrader: {self.n_scored} of {len(self.items)} answers scored>"

    def _say(self, message: str, kind: str = "info") -> None:
        colour = {"ok": "#1a6b2f", "warn": "#a40000"}.get(kind, "#333333")
        mark = {"ok": "✔ ", "warn": "⚠ "}.get(kind, "")
        self._status.value = f'<span style="color:{colour}">{mark}{_esc(message)}</span>'

    def _descriptors_html(self, cid: str, chosen: int | None) -> str:
        criterion = self.rubric.criteria[cid]
        rows = []
        for lv in self.rubric.levels:
            text = _esc(criterion.descriptors[lv.level])
            if lv.level == chosen:  # marked in words and weight, not by colour alone
                rows.append(f"<li><b>{_esc(lv.label)} (chosen): {text}</b></li>")
            else:
                rows.append(f"<li>{_esc(lv.label)}: {text}</li>")
        return f'<ul style="margin:0 0 8px 0;font-size:90%">{"".join(rows)}</ul>'

    def go(self, index: int) -> None:
        """Show answer number ``index`` (0-based)."""
        w = _widgets()
        self._loading = True
        try:
            if not self.items:
                self._header.value = "<b>No written answers to grade.</b>"
                self._answer.value = ""
                self._criteria.children = []
                self.level_menus = {}
                return
            self.index = max(0, min(index, len(self.items) - 1))
            item = self.items[self.index]
            score = self.scores.score(*item.key) or HandScore()
            self._header.value = (
                f"<b>Answer {self.index + 1} of {len(self.items)}</b> · {_esc(item.pseudonym)} · question "
                f"<code>{_esc(item.question)}</code> ({_esc(item.notebook)}) · worth {fmt_points(item.max_points)} "
                f"points · {self.n_scored} of {len(self.items)} answers fully scored")
            words = f"{item.words} words" + (f" (range {_esc(item.word_range)})" if item.word_range else "")
            self._answer.value = (
                f"<p><b>Question:</b> {_esc(item.prompt)}</p><p><b>Answer</b> ({words}):</p>"
                f'<div style="white-space:pre-wrap;border-left:3px solid #999;padding-left:8px">{_esc(item.answer)}</div>')
            rows, self.level_menus = [], {}
            options = [("not scored yet", _UNSCORED)] + [(lv.label, lv.level) for lv in self.rubric.levels]
            for cid in item.criteria:
                criterion = self.rubric.criteria.get(cid)
                if criterion is None:
                    continue
                chosen = score.levels.get(cid)
                menu = w.Dropdown(options=options, value=_UNSCORED if chosen is None else chosen,
                                  description=criterion.title, style={"description_width": "initial"},
                                  layout=w.Layout(width="auto"))
                help_text = w.HTML(self._descriptors_html(cid, chosen))
                menu.observe(lambda change, c=cid, h=help_text: self._on_level(c, change, h), names="value")
                self.level_menus[cid] = menu
                rows.append(w.VBox([menu, help_text]))
            self._criteria.children = rows
            self._comment.value = score.comment
            model = self.model_answers.get(item.question)
            self._model.children[0].value = (f'<div style="white-space:pre-wrap">{_esc(model)}</div>' if model
                                             else "<i>No model answer found in solutions/.</i>")
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
        self._say(f"Saved: {self.rubric.criteria[criterion].title}: {shown}. {done} of {len(self.items)} answers "
                  "fully scored.", "ok")

    def _on_comment(self, change: Mapping[str, Any]) -> None:
        if self._loading or self.item is None:
            return
        try:
            self.scores.record(self.item, comment=change["new"])
        except OSError as exc:
            self._say(f"Comment not saved ({exc.strerror or exc}); copy it somewhere safe and try again.", "warn")
            return
        self._say("Comment saved.", "ok")
