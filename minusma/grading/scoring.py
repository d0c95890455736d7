"""Grading a class: each kept hand-in scored question by question, then gathered per student.

The scoring rules themselves are :func:`minusma.spec.score`'s (partial credit,
tolerances, Brier scores). This module adds the rules of *grading a class*:

* an answer that fails the schema, is saved under another question type, or
  that :func:`minusma.spec.validate_answer` refuses scores 0 with status
  ``invalid`` and a reason; the student's other answers are still scored;
* a question nobody can be scored on yet (a forecast whose outcome is not in
  the key, an auto-graded question without a key, a written question no
  grader has scored for anyone) is ``pending``: 0 points, and it does not
  count towards the points possible;
* a written answer is ``hand-scored`` once every criterion that applies has a
  level (:meth:`minusma.grading.rubric.Rubric.points`); until then it is
  ``pending`` and scores 0;
* points per question are rounded to 2 decimals, and totals add the rounded
  values, so every file shows sums that add up;
* a student is identified by ``student.id``; the name shown is the one in
  their latest hand-in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import spec as _spec
from ..spec import AnswerError, QuestionSpec
from . import problems as P
from .course import Course, NotebookQuestions
from .hand import HandItem, HandScore
from .intake import Intake, Submission
from .names import fmt_points, pseudonym, round_points, shorten
from .problems import Problem
from .rubric import Applied, Rubric

#: Every status a question can have in questions.csv, in the order summaries list them.
STATUSES = ("correct", "partial", "incorrect", "unanswered", "invalid", "pending", "hand-scored", "error")


@dataclass(frozen=True)
class QuestionGrade:
    """One student's result on one question.

    ``feedback`` and ``hint`` are for the student (they never contain the
    key); ``note`` is for the instructor (questions.csv). ``counted`` says
    whether the question's points count towards the points possible.
    """

    spec: QuestionSpec
    points: float
    status: str
    feedback: str
    hint: str = ""
    note: str = ""
    answer: Any = None
    counted: bool = True
    hand: HandScore | None = None
    applied: Applied | None = None

    @property
    def max_points(self) -> float:
        return float(self.spec.points)


@dataclass
class NotebookGrade:
    notebook: str
    submission: Submission
    questions: list[QuestionGrade]

    @property
    def points(self) -> float:
        return round_points(sum(q.points for q in self.questions))

    @property
    def possible(self) -> float:
        return round_points(sum(q.max_points for q in self.questions if q.counted))


@dataclass
class StudentGrade:
    student_id: str
    name: str
    notebooks: dict[str, NotebookGrade] = field(default_factory=dict)

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.student_id)

    @property
    def total(self) -> float:
        return round_points(sum(nb.points for nb in self.notebooks.values()))


@dataclass
class ClassGrades:
    """Everything the output files are made from."""

    course: Course
    rubric: Rubric
    students: list[StudentGrade]
    notebooks: list[str]
    possible: dict[str, float]
    hand_items: list[HandItem]
    hand_scores: dict[tuple[str, str], HandScore]
    problems: list[Problem]
    files_read: int

    @property
    def total_possible(self) -> float:
        return round_points(sum(self.possible.values()))

    def questions(self, notebook: str) -> tuple[QuestionSpec, ...]:
        return self.course.notebooks[notebook].specs


# --------------------------------------------------------------------------
# One question
# --------------------------------------------------------------------------

def _invalid(s: QuestionSpec, reason: str, answer: Any = None) -> QuestionGrade:
    return QuestionGrade(s, 0.0, "invalid", f"This answer could not be scored: {reason}", note=reason, answer=answer)


def score_answer(s: QuestionSpec, entry: Any, key: Any, schema_error: str | None = None) -> QuestionGrade:
    """Grade one stored answer entry (``{"type", "value", "saved_at", ...}`` or None) against its key.

    Hand-scored and pending questions are settled later by :func:`grade_class`.
    Never raises for bad student data; a failure of the scorer itself gives
    status ``error``.
    """
    if schema_error is not None:
        return _invalid(s, f"the stored answer is damaged ({shorten(schema_error, 120)})")
    if entry is None:
        result = _spec.score(s, None, key)
        return QuestionGrade(s, 0.0, "unanswered", result.feedback)
    if entry.get("type") != s.type:
        return _invalid(s, f"saved as a {shorten(str(entry.get('type')), 30)} answer, but the question is {s.type}")
    value = entry.get("value")
    try:
        _spec.validate_answer(s, value)
    except AnswerError as exc:
        return _invalid(s, str(exc), value)
    try:
        result = _spec.score(s, value, key)
    except Exception as exc:  # a course-side fault must not stop the class: report it instead
        return QuestionGrade(s, 0.0, "error", "This question could not be scored; your instructor has been told.",
                             note=f"{type(exc).__name__}: {shorten(str(exc), 120)}", answer=value)
    hint = result.hint if result.status != "correct" else ""
    return QuestionGrade(s, round_points(result.points), result.status, result.feedback, hint, answer=value)


# --------------------------------------------------------------------------
# A class
# --------------------------------------------------------------------------

def _written_text(grade: QuestionGrade) -> str | None:
    """The text of a written answer that can go to a grader (None if there is none to grade)."""
    if grade.spec.type != "written" or grade.status in ("invalid", "unanswered", "error"):
        return None
    return grade.answer if isinstance(grade.answer, str) else None


def _word_range(s: QuestionSpec) -> str:
    return f"{s.words[0]}-{s.words[1]}" if s.words else ""


def _grade_submission(sub: Submission, nb: NotebookQuestions, problems: list[Problem],
                      errors: dict[tuple[str, str], list[str]]) -> list[QuestionGrade]:
    unknown = sorted(set(sub.answers) - set(nb.ids))
    if unknown:
        shown = ", ".join(shorten(q, 40) for q in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        problems.append(Problem(sub.file, sub.student_id, f"answers to questions {nb.notebook} does not have: {shown}",
                                "those answers ignored; the others were graded"))
    grades = []
    for s in nb.specs:
        entry = sub.answers.get(s.id)
        grade = score_answer(s, entry if isinstance(entry, dict) or entry is None else {},
                             nb.keys.get(s.id), sub.answer_errors.get(s.id))
        if grade.status == "invalid":
            problems.append(Problem(sub.file, sub.student_id, f"answer to {s.id} cannot be scored: {grade.note}",
                                    P.SCORED_ZERO))
        elif grade.status == "error":
            errors.setdefault((nb.notebook, s.id), []).append(grade.note)
        grades.append(grade)
    return grades


def _settle(grade: QuestionGrade, nb: NotebookQuestions, counted: bool, hand: HandScore | None,
            applied: Applied | None, rubric: Rubric) -> QuestionGrade:
    """Apply the class-level rules (pending questions, hand scores) to one scored answer."""
    s = grade.spec
    if s.type == "written" and _written_text(grade) is not None:
        points = rubric.points(s.points, applied, hand.levels) if (hand and applied) else None
        if points is not None:
            return QuestionGrade(s, points, "hand-scored",
                                 f"Scored with the rubric: {fmt_points(points)} of {fmt_points(s.points)} points.",
                                 answer=grade.answer, counted=counted, hand=hand, applied=applied)
        note = "written answer: waiting for hand scores" if not hand else "hand score incomplete"
        return QuestionGrade(s, 0.0, "pending", grade.feedback, note=note, answer=grade.answer, counted=counted,
                             hand=hand, applied=applied)
    if s.id in nb.pending and grade.status not in ("invalid", "unanswered", "error"):
        return QuestionGrade(s, 0.0, "pending", grade.feedback, note=nb.pending[s.id], answer=grade.answer,
                             counted=False)
    if not counted:
        return QuestionGrade(s, 0.0, grade.status, grade.feedback, grade.hint, grade.note, grade.answer, counted=False)
    return grade


def grade_class(intake: Intake, course: Course, rubric: Rubric,
                hand_scores: Mapping[tuple[str, str], HandScore] | None = None,
                hand_label: str = "hand scores") -> ClassGrades:
    """Grade every kept hand-in; gather students, hand-grading items and problems."""
    hand_scores = dict(hand_scores or {})
    problems = list(course.problems) + list(intake.problems)
    errors: dict[tuple[str, str], list[str]] = {}

    # 1. Score every answer of every gradable hand-in.
    scored: list[tuple[Submission, NotebookQuestions, list[QuestionGrade]]] = []
    for sub in sorted(intake.submissions, key=lambda s: (s.student_id, s.notebook)):
        nb = course.notebooks.get(sub.notebook)
        if nb is None:
            problems.append(Problem(sub.file, sub.student_id,
                                    f"unknown notebook {shorten(sub.notebook, 60)} (no such notebook in solutions/)",
                                    P.NOT_GRADED))
            continue
        scored.append((sub, nb, _grade_submission(sub, nb, problems, errors)))

    # 2. Written answers: the items to grade by hand, and the scores given so far.
    items: list[HandItem] = []
    applied_for: dict[tuple[str, str], Applied] = {}
    noted_rubric: set[str] = set()
    matched: set[tuple[str, str]] = set()
    scored_questions: set[str] = set()
    for sub, nb, grades in scored:
        alias = pseudonym(sub.student_id)
        for grade in grades:
            text = _written_text(grade)
            if text is None:
                continue
            s = grade.spec
            applied = rubric.applied(s, nb.keys.get(s.id))
            if applied.note and s.id not in noted_rubric:
                noted_rubric.add(s.id)
                problems.append(Problem(f"solutions/{nb.notebook}.ipynb", "", f"question {s.id}: {applied.note}",
                                        "graded with the criteria that exist"))
            applied_for[(alias, s.id)] = applied
            items.append(HandItem(alias, nb.notebook, s.id, applied.rubric_id, float(s.points), applied.ids,
                                  s.prompt, text, _spec.word_count(text), _word_range(s)))
            score = hand_scores.get((alias, s.id))
            if score is None:
                continue
            matched.add((alias, s.id))
            if score.answer_sha and score.answer_sha != items[-1].sha:
                problems.append(Problem(hand_label, sub.student_id,
                                        f"{s.id}: the answer changed (a newer hand-in) after it was scored",
                                        "used the scores given; check them"))
            extra = sorted(set(score.levels) - set(applied.ids))
            if extra:
                problems.append(Problem(hand_label, sub.student_id,
                                        f"{s.id}: levels for criteria that do not apply ({', '.join(extra)})", P.IGNORED))
            if score.complete_for(applied.ids):
                scored_questions.add(s.id)
            else:
                missing = [c for c in applied.ids if score.levels.get(c) is None]
                problems.append(Problem(hand_label, sub.student_id,
                                        f"{s.id}: no level yet for {', '.join(missing)}", "left pending (0 points)"))
    for alias, qid in sorted(set(hand_scores) - matched):
        problems.append(Problem(hand_label, "", f"a score for {alias}, {qid}, but no such written answer in this class",
                                P.IGNORED))
    items.sort(key=lambda it: (course.order(it.notebook), it.notebook, it.question, it.pseudonym))

    # 3. Class-level rules, then gather per student.
    students: dict[str, StudentGrade] = {}
    latest: dict[str, Submission] = {}
    names_seen: dict[str, set[str]] = {}
    for sub, nb, grades in scored:
        alias = pseudonym(sub.student_id)
        settled = []
        for grade in grades:
            s = grade.spec
            if s.type == "written":
                counted = s.id in scored_questions
            else:
                counted = s.id not in nb.pending
            settled.append(_settle(grade, nb, counted, hand_scores.get((alias, s.id)),
                                   applied_for.get((alias, s.id)), rubric))
        student = students.setdefault(sub.student_id, StudentGrade(sub.student_id, sub.name))
        student.notebooks[nb.notebook] = NotebookGrade(nb.notebook, sub, settled)
        names_seen.setdefault(sub.student_id, set()).add(sub.name)
        if sub.student_id not in latest or sub.sort_key() > latest[sub.student_id].sort_key():
            latest[sub.student_id] = sub
            student.name = sub.name
    for sid, names in sorted(names_seen.items()):
        if len(names) > 1:
            problems.append(Problem(latest[sid].file, sid,
                                    "the name differs between hand-ins: " + " / ".join(shorten(n, 40) for n in sorted(names)),
                                    "used the name in the latest hand-in"))
    by_name: dict[str, list[str]] = {}
    for student in students.values():
        by_name.setdefault(" ".join(student.name.lower().split()), []).append(student.student_id)
    for name, ids in sorted(by_name.items()):
        if len(ids) > 1:
            for sid in sorted(ids):
                problems.append(Problem(latest[sid].file, sid,
                                        f"{len(ids)} student ids share the name {shorten(students[sid].name, 40)!r} "
                                        f"({', '.join(sorted(ids))}): perhaps a mistyped id",
                                        "graded as separate students; merge by hand if it is one person"))
    for (notebook, qid), notes in sorted(errors.items()):
        problems.append(Problem(f"solutions/{notebook}.ipynb", "",
                                f"question {qid} could not be scored for {len(notes)} hand-in(s): {notes[0]}",
                                "scored 0 for them; tell the course maintainers"))

    graded_notebooks = sorted({nb.notebook for _sub, nb, _g in scored}, key=course.order)
    possible: dict[str, float] = {}
    for notebook in graded_notebooks:
        nb = course.notebooks[notebook]
        possible[notebook] = round_points(sum(
            float(s.points) for s in nb.specs
            if (s.id in scored_questions if s.type == "written" else s.id not in nb.pending)))
    return ClassGrades(course=course, rubric=rubric, students=sorted(students.values(), key=lambda st: st.student_id),
                       notebooks=graded_notebooks, possible=possible, hand_items=items, hand_scores=hand_scores,
                       problems=sorted(set(problems)), files_read=intake.files_read)
