"""Grading a class: each kept hand-in scored question by question, then gathered per student.

The scoring rules themselves are :func:`minusma.spec.score`'s (partial credit,
tolerances, Brier scores). This module adds the rules of *grading a class*:

* an answer that fails the schema, is saved under another question type, or
  that :func:`minusma.spec.validate_answer` refuses scores 0 with status
  ``invalid`` and a reason; the student's other answers are still scored;
* an answer that cannot be scored *yet* is ``pending``: a locked forecast
  whose outcome is not in the key, an answer to an auto-graded question
  without a key, a written answer no grader has scored (or not on every
  criterion). Pending answers earn nothing yet and are not in the student's
  points ``possible`` so far; their points are shown apart, as ``pending``.
  An answer missing altogether is settled: it scores 0 whatever happens;
* each student's ``possible`` is the points of everything already settled
  for them, so merging one grader's scores changes only the students whose
  answers were scored;
* points per question are rounded half up to 2 decimals, and totals add the
  rounded values, so every file shows sums that add up;
* a student is identified by ``student.id``; the name shown is the one in
  their latest hand-in. Ids equal but for capitals, and names shared by
  several ids, are flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..spec import AnswerError, QuestionSpec, score, validate_answer, word_count
from .hand import HandItem, HandScore
from .intake import Intake, Submission
from .names import fmt_points, pseudonym, round_points, shorten
from .problems import IGNORED, NOT_GRADED, SCORED_ZERO, Problem
from .rubric import AppliedCriteria, Rubric
from .solutions import Course, NotebookQuestions


@dataclass(frozen=True)
class QuestionGrade:
    """One student's result on one question.

    ``feedback`` and ``hint`` are for the student (they never contain the
    key); ``note`` is for the instructor (questions.csv). ``checks`` is how
    many times the student pressed Check before handing in (None if the
    hand-in does not say).
    """

    spec: QuestionSpec
    points: float
    status: str
    feedback: str
    hint: str = ""
    note: str = ""
    answer: Any = None
    hand: HandScore | None = None
    applied: AppliedCriteria | None = None
    checks: int | None = None

    @property
    def max_points(self) -> float:
        return float(self.spec.points)

    @property
    def pending(self) -> bool:
        """True while the answer waits for something (a grader, an outcome, a key) before it can be scored."""
        return self.status == "pending"


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
        """The points of the questions settled so far (scored, or missing and so 0)."""
        return round_points(sum(q.max_points for q in self.questions if not q.pending))

    @property
    def pending(self) -> float:
        """The points of the answers that wait to be scored."""
        return round_points(sum(q.max_points for q in self.questions if q.pending))


@dataclass
class StudentGrade:
    """One student's notebooks. A notebook not handed in counts 0 of its maximum (``maximum``)."""

    student_id: str
    name: str
    notebooks: dict[str, NotebookGrade] = field(default_factory=dict)
    maximum: Mapping[str, float] = field(default_factory=dict)

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.student_id)

    @property
    def total(self) -> float:
        return round_points(sum(nb.points for nb in self.notebooks.values()))

    @property
    def possible(self) -> float:
        """Points of everything settled for this student: handed-in notebooks' settled questions, missing ones whole."""
        return round_points(
            sum(self.notebooks[nb].possible if nb in self.notebooks else most for nb, most in self.maximum.items())
        )

    @property
    def pending(self) -> float:
        return round_points(sum(nb.pending for nb in self.notebooks.values()))


@dataclass
class ClassGrades:
    """Everything the output files are made from."""

    course: Course
    rubric: Rubric
    students: list[StudentGrade]
    notebooks: list[str]
    maximum: dict[str, float]
    hand_items: list[HandItem]
    problems: list[Problem]
    files_read: int

    @property
    def total_maximum(self) -> float:
        return round_points(sum(self.maximum.values()))

    def questions(self, notebook: str) -> tuple[QuestionSpec, ...]:
        return self.course.notebooks[notebook].specs

    @property
    def written_scored(self) -> int:
        """Written answers scored on every criterion (the rest of :attr:`hand_items` waits for a grader)."""
        return sum(
            1 for st in self.students for nb in st.notebooks.values() for q in nb.questions if q.status == "hand-scored"
        )


# --------------------------------------------------------------------------
# One question
# --------------------------------------------------------------------------


def _invalid(s: QuestionSpec, reason: str, answer: Any = None, checks: int | None = None) -> QuestionGrade:
    return QuestionGrade(
        s, 0.0, "invalid", f"This answer could not be scored: {reason}", note=reason, answer=answer, checks=checks
    )


def _checks(entry: Any) -> int | None:
    value = entry.get("checks") if isinstance(entry, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def score_answer(s: QuestionSpec, entry: Any, key: Any, schema_error: str | None = None) -> QuestionGrade:
    """Grade one stored answer entry (``{"type", "value", "saved_at", "checks"}`` or None) against its key.

    Hand-scored and pending questions are settled later by :func:`grade_class`.
    Never raises for bad student data; a failure of the scorer itself gives
    status ``error``.
    """
    checks = _checks(entry)
    if schema_error is not None:
        return _invalid(s, f"the stored answer is damaged ({shorten(schema_error, 120)})", checks=checks)
    if entry is None:
        return QuestionGrade(s, 0.0, "unanswered", score(s, None, key).feedback)
    if entry.get("type") != s.type:
        return _invalid(
            s, f"saved as a {shorten(str(entry.get('type')), 30)} answer, but the question is {s.type}", checks=checks
        )
    value = entry.get("value")
    try:
        validate_answer(s, value)
    except AnswerError as exc:
        return _invalid(s, str(exc), value, checks)
    try:
        result = score(s, value, key)
    except Exception as exc:  # a course-side fault must not stop the class: report it instead
        return QuestionGrade(
            s,
            0.0,
            "error",
            "This question could not be scored; your instructor has been told.",
            note=f"{type(exc).__name__}: {shorten(str(exc), 120)}",
            answer=value,
            checks=checks,
        )
    hint = result.hint if result.status != "correct" else ""
    return QuestionGrade(
        s, round_points(result.points), result.status, result.feedback, hint, answer=value, checks=checks
    )


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


def _grade_submission(
    sub: Submission, nb: NotebookQuestions, problems: list[Problem], errors: dict[tuple[str, str], list[str]]
) -> list[QuestionGrade]:
    unknown = sorted(set(sub.answers) - set(nb.ids))
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        shown = ", ".join(shorten(q, 40) for q in unknown[:5]) + more
        problems.append(
            Problem(
                sub.file,
                sub.student_id,
                f"answers to questions {nb.notebook} does not have: {shown}",
                "those answers ignored; the others were graded",
            )
        )
    grades = []
    for s in nb.specs:
        entry = sub.answers.get(s.id)
        grade = score_answer(
            s, entry if isinstance(entry, dict) or entry is None else {}, nb.keys.get(s.id), sub.answer_errors.get(s.id)
        )
        if grade.status == "invalid":
            problems.append(
                Problem(sub.file, sub.student_id, f"answer to {s.id} cannot be scored: {grade.note}", SCORED_ZERO)
            )
        elif grade.status == "error":
            errors.setdefault((nb.notebook, s.id), []).append(grade.note)
        grades.append(grade)
    return grades


def _apply_class_rules(
    grade: QuestionGrade, nb: NotebookQuestions, hand: HandScore | None, applied: AppliedCriteria | None, rubric: Rubric
) -> QuestionGrade:
    """Apply the class-level rules (pending questions, hand scores) to one scored answer."""
    s = grade.spec
    if s.type == "written" and _written_text(grade) is not None:
        points = rubric.points(s.points, applied, hand.levels) if (hand and applied) else None
        if points is not None:
            return QuestionGrade(
                s,
                points,
                "hand-scored",
                f"Scored with the rubric: {fmt_points(points)} of {fmt_points(s.points)} points.",
                answer=grade.answer,
                hand=hand,
                applied=applied,
                checks=grade.checks,
            )
        note = "written answer: waiting for hand scores" if not hand else "hand score incomplete"
        return QuestionGrade(
            s,
            0.0,
            "pending",
            grade.feedback,
            note=note,
            answer=grade.answer,
            hand=hand,
            applied=applied,
            checks=grade.checks,
        )
    if s.id in nb.pending and grade.status not in ("invalid", "unanswered", "error"):
        return QuestionGrade(
            s, 0.0, "pending", grade.feedback, note=nb.pending[s.id], answer=grade.answer, checks=grade.checks
        )
    return grade


def _score_hand_ins(
    intake: Intake, course: Course, problems: list[Problem]
) -> list[tuple[Submission, NotebookQuestions, list[QuestionGrade]]]:
    """Step 1: score every answer of every gradable hand-in."""
    errors: dict[tuple[str, str], list[str]] = {}
    scored = []
    for sub in sorted(intake.submissions, key=lambda s: (s.student_id, s.notebook)):
        nb = course.notebooks.get(sub.notebook)
        if nb is None:
            problems.append(
                Problem(
                    sub.file,
                    sub.student_id,
                    f"unknown notebook {shorten(sub.notebook, 60)} (no such notebook in solutions/)",
                    NOT_GRADED,
                )
            )
            continue
        scored.append((sub, nb, _grade_submission(sub, nb, problems, errors)))
    for (notebook, qid), notes in sorted(errors.items()):
        problems.append(
            Problem(
                f"solutions/{notebook}.ipynb",
                "",
                f"question {qid} could not be scored for {len(notes)} hand-in(s): {notes[0]}",
                "scored 0 for them; tell the course maintainers",
            )
        )
    return scored


def _check_hand_score(
    score: HandScore,
    item: HandItem,
    applied: AppliedCriteria,
    sub: Submission,
    hand_label: str,
    problems: list[Problem],
) -> None:
    qid = item.question
    if score.answer_sha and score.answer_sha != item.sha:
        problems.append(
            Problem(
                hand_label,
                sub.student_id,
                f"{qid}: the answer changed (a newer hand-in) after it was scored",
                "used the scores given; check them",
            )
        )
    extra = sorted(set(score.levels) - set(applied.ids))
    if extra:
        problems.append(
            Problem(
                hand_label,
                sub.student_id,
                f"{qid}: levels for criteria that do not apply ({', '.join(extra)})",
                IGNORED,
            )
        )
    missing = [c for c in applied.ids if score.levels.get(c) is None]
    if missing:
        problems.append(
            Problem(
                hand_label,
                sub.student_id,
                f"{qid}: no level yet for {', '.join(missing)}",
                "left pending (not counted yet)",
            )
        )


def _hand_items(
    scored,
    course: Course,
    rubric: Rubric,
    hand_scores: Mapping[tuple[str, str], HandScore],
    hand_label: str,
    problems: list[Problem],
) -> tuple[list[HandItem], dict[tuple[str, str], AppliedCriteria]]:
    """Step 2: the written answers to grade by hand, and a check of the scores given so far."""
    items: list[HandItem] = []
    applied_for: dict[tuple[str, str], AppliedCriteria] = {}
    noted_rubric: set[str] = set()
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
                problems.append(
                    Problem(
                        f"solutions/{nb.notebook}.ipynb",
                        "",
                        f"question {s.id}: {applied.note}",
                        "graded with the criteria that exist",
                    )
                )
            applied_for[(alias, s.id)] = applied
            item = HandItem(
                alias,
                nb.notebook,
                s.id,
                applied.rubric_id,
                float(s.points),
                applied.ids,
                s.prompt,
                text,
                word_count(text),
                _word_range(s),
            )
            items.append(item)
            if (alias, s.id) in hand_scores:
                _check_hand_score(hand_scores[(alias, s.id)], item, applied, sub, hand_label, problems)
    unmatched = sorted(set(hand_scores) - set(applied_for))
    kept = [key for key in unmatched if hand_scores[key].kept_row]
    for alias, qid in unmatched:
        if not hand_scores[(alias, qid)].kept_row:
            problems.append(
                Problem(
                    hand_label, "", f"a score for {alias}, {qid}, but no such written answer in this class", IGNORED
                )
            )
    if kept:
        problems.append(
            Problem(
                hand_label,
                "",
                f"{len(kept)} score(s) in rows kept from an earlier run (in_this_run = "
                "no) are for answers not in this class either",
                IGNORED,
            )
        )
    items.sort(key=lambda it: (course.order(it.notebook), it.notebook, it.question, it.pseudonym))
    return items, applied_for


def _gather_students(
    scored,
    course: Course,
    rubric: Rubric,
    hand_scores: Mapping[tuple[str, str], HandScore],
    applied_for: Mapping[tuple[str, str], AppliedCriteria],
    maximum: Mapping[str, float],
) -> tuple[dict[str, StudentGrade], dict[str, list[Submission]]]:
    """Step 3: class-level rules on every answer, gathered per student."""
    students: dict[str, StudentGrade] = {}
    hand_ins: dict[str, list[Submission]] = {}
    for sub, nb, grades in scored:
        alias = pseudonym(sub.student_id)
        settled = [
            _apply_class_rules(g, nb, hand_scores.get((alias, g.spec.id)), applied_for.get((alias, g.spec.id)), rubric)
            for g in grades
        ]
        student = students.setdefault(sub.student_id, StudentGrade(sub.student_id, sub.name, maximum=maximum))
        student.notebooks[nb.notebook] = NotebookGrade(nb.notebook, sub, settled)
        hand_ins.setdefault(sub.student_id, []).append(sub)
    for sid, subs in hand_ins.items():
        students[sid].name = max(subs, key=Submission.sort_key).name
    return students, hand_ins


def _identity_problems(students: Mapping[str, StudentGrade], hand_ins: Mapping[str, list[Submission]]) -> list[Problem]:
    """Names that differ between one student's hand-ins, names shared by several ids, ids equal but for capitals."""
    problems = []
    latest = {sid: max(subs, key=Submission.sort_key) for sid, subs in hand_ins.items()}
    for sid, subs in sorted(hand_ins.items()):
        names = sorted({sub.name for sub in subs})
        if len(names) > 1:
            problems.append(
                Problem(
                    latest[sid].file,
                    sid,
                    "the name differs between hand-ins: " + " / ".join(shorten(n, 40) for n in names),
                    "used the name in the latest hand-in",
                )
            )
    for groups, describe in (
        (_groups(students, lambda st: st.name.casefold()), _shared_name),
        (_groups(students, lambda st: st.student_id.casefold()), _shared_id),
    ):
        for ids in groups:
            for sid in ids:
                problems.append(
                    Problem(
                        latest[sid].file,
                        sid,
                        describe(ids, students),
                        "graded as separate students; merge by hand if it is one person",
                    )
                )
    return problems


def _groups(students: Mapping[str, StudentGrade], key) -> list[list[str]]:
    found: dict[str, list[str]] = {}
    for student in students.values():
        found.setdefault(key(student), []).append(student.student_id)
    return [sorted(ids) for _k, ids in sorted(found.items()) if len(ids) > 1]


def _shared_name(ids: list[str], students: Mapping[str, StudentGrade]) -> str:
    return (
        f"{len(ids)} student ids share the name {shorten(students[ids[0]].name, 40)!r} "
        f"({', '.join(ids)}): perhaps a mistyped id"
    )


def _shared_id(ids: list[str], _students: Mapping[str, StudentGrade]) -> str:
    return (
        f"the ids {', '.join(shorten(i, 40) for i in ids)} differ only in capitals: a course site that matches "
        "logins without case takes them as one person"
    )


def grade_class(
    intake: Intake,
    course: Course,
    rubric: Rubric,
    hand_scores: Mapping[tuple[str, str], HandScore] | None = None,
    hand_label: str = "hand scores",
) -> ClassGrades:
    """Grade every kept hand-in; gather students, hand-grading items and problems."""
    hand_scores = dict(hand_scores or {})
    problems = list(course.problems) + list(intake.problems)
    scored = _score_hand_ins(intake, course, problems)
    items, applied_for = _hand_items(scored, course, rubric, hand_scores, hand_label, problems)
    notebooks = sorted({nb.notebook for _sub, nb, _g in scored}, key=course.order)
    maximum = {notebook: course.notebooks[notebook].maximum for notebook in notebooks}
    students, hand_ins = _gather_students(scored, course, rubric, hand_scores, applied_for, maximum)
    problems.extend(_identity_problems(students, hand_ins))
    return ClassGrades(
        course=course,
        rubric=rubric,
        students=sorted(students.values(), key=lambda st: st.student_id),
        notebooks=notebooks,
        maximum=maximum,
        hand_items=items,
        problems=sorted(set(problems)),
        files_read=intake.files_read,
    )
