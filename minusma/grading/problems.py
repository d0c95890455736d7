"""One row of ``problems.csv``: a file or answer the grader could not take as it is.

Every part of the grading run reports trouble by returning :class:`Problem`
values instead of raising, so one bad submission never stops the class.
"""

from __future__ import annotations

from dataclasses import dataclass

# Actions, worded for the instructor reading problems.csv.
NOT_GRADED = "not graded; ask the student to hand in again"
GRADED_FLAGGED = "graded; check with the student"
IGNORED = "ignored"
SCORED_ZERO = "that question scored 0; the others were graded"
KEPT_LATEST = "ignored (the latest hand-in was graded)"
GRADED_LATEST = "graded (the latest of several hand-ins)"
QUESTION_SKIPPED = "question left out of the grades until fixed"
NOTEBOOK_SKIPPED = "notebook not graded until fixed"
WRONG_FILE = "not graded; ask the student for the .json file the Hand in button wrote"
UPDATE_GRADER = "not graded; update the course on this computer, then grade again"


@dataclass(frozen=True, order=True)
class Problem:
    """What went wrong, where, and what the grader did about it.

    ``file`` is relative to the folder it came from (submissions, solutions or
    a hand-scores file), never an absolute path; ``student_id`` is empty when
    the file could not be read far enough to know.
    """

    file: str
    student_id: str
    problem: str
    action: str

    def row(self) -> tuple[str, str, str, str]:
        return (self.file, self.student_id, self.problem, self.action)
