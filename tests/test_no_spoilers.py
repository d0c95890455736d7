"""Nothing dated after 30 June 2023 reaches a student before lesson 08.

Students lock forecasts in lessons 00-04 that lesson 08 scores, and they
role-play the Council's decision in 07, so the lessons and exercises numbered
below 08 stand on the day of the decision (``minusma.cutoff``). This test reads
what a student sees in those notebooks without running them: every Markdown
cell, every code cell (prompts, hints, options) and every stored output (tables,
printed text, documentation). A line that names a day, month or year after the
cut-off (``cutoff.mentions_after``) fails the test, and so does an outcome
phrase that carries no date ("the withdrawal is completed").

Some later dates are not spoilers: deadlines and plans that were already set on
30 June 2023 (the draft's target of 31 December 2023, the transition's election
date of February 2024), and the date a forecast resolves on. They go in
``ALLOWED`` below, each with its reason. To add one:

* quote the phrase with enough words around the date that it cannot describe an
  outcome ("by 31 December 2023", not "31 December 2023");
* say in the reason who set the date, and when (it must be on or before 30 June 2023);
* never allow a phrase that reports what happened: move that text to lesson 08.

Solutions are instructors' material and are not scanned; exercises are, since
they are generated from solutions without the solution-only cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from minusma import cutoff, paths

#: Phrases that name a later date without giving an outcome away (matched ignoring case), with the reason.
ALLOWED: dict[str, str] = {
    "by 31 December 2023": "the target for completing the withdrawal, set in advance: in the draft resolution of "
    "29 June 2023 (What's in Blue) and in resolution 2690; a deadline, not an outcome",
    "Kidal on 31 December 2023": "the date the forecast 01.army_in_kidal resolves on, set by this module",
    "by 29 February 2024": "the date the forecast 01.election_by_feb_2024 resolves on, set by this module from the "
    "transition's own election date",
    "election in February 2024": "the transition's own election date, in the timetable ECOWAS accepted on 3 July 2022",
    "constitutional order in March 2024": "the end of the transition in the same timetable of 3 July 2022",
    "December 2025 instead of February 2022": "the transition's proposed election date of January 2022, which led to "
    "the ECOWAS sanctions of 9 January 2022",
    "01.election_by_feb_2024": "the id of the forecast question, named after its resolution date, set by this module",
    "2023–2024": "an elected Council member's two-year term (the 2022 General Assembly election): set in advance",
    'pd.Timestamp("2023-07-01")': "lesson 06's logistics model starts where France's draft of June 2023 starts the "
    "withdrawal: a plan, not an outcome",
    "target is 31 December 2023, from 1 July": "the draft's withdrawal window (What's in Blue, 29 June 2023)",
    "days after 31 December 2023": "a count from the deadline set in the draft and in resolution 2690",
    "31 December 2023 (the target)": "the deadline of the draft and of resolution 2690, set in advance",
    "planning to finish in May 2024": "Germany's plan, announced in November 2022 (tcc_departures): a plan, not an outcome",
    "planned to finish in May 2024": "the same plan of November 2022",
    "2022–2024": "the period of the Malian government's action plan for the central regions, adopted in 2022: a plan",
    "in force on 30 June 2024": "the date the forecast 04.algiers_in_force resolves on, set by this module",
    "set May 2024": "the end date the German coalition set for its contingent in November 2022: a plan",
    "elections planned for February 2024": "the transition's own election date (timetable of 3 July 2022): a plan",
    "protothema.gr (30 Aug 2023)": "the publication date of a source for contributor figures of early 2023: a citation, "
    "not an event",
    "africanperceptions.org (Jul 2023)": "where the text of resolution 2690 (30 June 2023) was read: a citation",
    "Until 30 September 2023": "a deadline written into resolution 2690 on 30 June 2023 (protection of civilians)",
    "2023-09-30": "the same deadline of resolution 2690, as the deadline_date of its provisions table",
    # The three deadlines resolution 2690 set on 30 June 2023 (and the drafts before it): lessons 05-07 work
    # with them all the time. What happened on or by them is caught by OUTCOME_PHRASES and lesson-specific checks.
    "30 September 2023": "resolution 2690's deadline for the protection of civilians, set on 30 June 2023",
    "15 August 2023": "resolution 2690's deadline for the withdrawal plan, set on 30 June 2023",
    "objective: 31 December 2023": "a draft option for the withdrawal deadline in lesson 07 (resolution 2690's text)",
    "30 September, 31 December 2023": "the list of the draft's deadlines in lesson 07, set before the vote",
    "What is 31 December 2023 in resolution 2690": "a question about the deadline resolution 2690 set on 30 June 2023",
    "(until 31 December 2023)": "the withdrawal period resolution 2690 set on 30 June 2023",
    "31 December 2023 as an objective": "resolution 2690's deadline as the resolution words it (30 June 2023)",
    "on 1 July 2023": "the start of the withdrawal in resolution 2690 and in the drafts' options: set in advance",
    "starting on 1 July 2023": "the same start date, in a draft option",
    "The model's exit date: 06 April 2024": "the exit date lesson 06's model computes from its teaching assumptions: "
    "a projection made on 30 June, not what happened",
}

#: Outcomes that carry no date, so the date test cannot see them (matched ignoring case).
OUTCOME_PHRASES: tuple[str, ...] = (
    "withdrawal is completed",
    "withdrawal was completed",
    "completed its withdrawal",
    "withdrawal was complete",
    "took Kidal",
    "retook Kidal",
    "election was postponed",
    "postponed the election",
    "ended the Algiers",
    "liquidation ended",
    "mission was ending",
)

#: Notebooks being corrected in parallel (issue 10) when this test was written: expected to fail until merged.
#: The mark is strict, so a notebook that passes fails the run until its entry is removed.
BEING_FIXED: set[str] = set()

_OUTPUT_TYPES = ("text/plain", "text/markdown", "text/html")


def _lesson_number(path: Path) -> int:
    return int(path.name[:2])


def scanned_notebooks() -> list[Path]:
    """The lessons and exercises a student reads before lesson 08."""
    folders = (paths.NOTEBOOKS_DIR, paths.EXERCISES_DIR)
    return sorted(
        p for folder in folders for p in folder.glob("[0-9][0-9]_*.ipynb") if _lesson_number(p) < cutoff.REVEAL_LESSON
    )


def _texts(nb) -> list[tuple[str, str]]:
    """(where, text) for every cell source and stored output a student sees."""
    found = []
    for index, cell in enumerate(nb.cells):
        found.append((f"cell {index} ({cell.cell_type})", cell.source))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found.append((f"cell {index} output", output.get("text", "")))
            for kind in _OUTPUT_TYPES:
                value = output.get("data", {}).get(kind)
                if value:
                    text = value if isinstance(value, str) else "".join(value)
                    # a str shown by its repr keeps its line breaks as "\n": split it into lines too
                    found.append((f"cell {index} output ({kind})", text.replace("\\n", "\n")))
    return found


def _without_allowed(text: str) -> str:
    for phrase in ALLOWED:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return text


def spoilers(nb, moment=cutoff.DECISION_DAY) -> list[str]:
    """Every line of ``nb`` that names a later date (outside ``ALLOWED``) or an undated outcome."""
    problems = []
    for where, text in _texts(nb):
        for line in _without_allowed(text).splitlines():
            lowered = line.lower()
            outcome = next((p for p in OUTCOME_PHRASES if p.lower() in lowered), None)
            if outcome or cutoff.mentions_after(line, moment):
                reason = f"outcome '{outcome}'" if outcome else "a date after 30 June 2023"
                problems.append(f"{where}, {reason}: {line.strip()[:160]}")
    return problems


def _relative(path: Path) -> str:
    return path.relative_to(paths.REPO_ROOT).as_posix()


def _param(path: Path):
    marks = []
    if path.stem in BEING_FIXED:
        marks.append(pytest.mark.xfail(strict=True, reason="spoilers being removed in parallel (issue 10)"))
    return pytest.param(path, id=_relative(path), marks=marks)


@pytest.mark.parametrize("path", [_param(p) for p in scanned_notebooks()])
def test_no_later_dates_or_outcomes_before_lesson_08(path):
    found = spoilers(nbformat.read(path, as_version=4))
    assert not found, f"{_relative(path)} shows what happened after 30 June 2023:\n" + "\n".join(found)


def test_the_first_lessons_are_scanned():
    names = {_relative(p) for p in scanned_notebooks()}
    assert {
        "notebooks/00_start_here.ipynb",
        "exercises/00_start_here.ipynb",
        "notebooks/01_the_request.ipynb",
        "exercises/01_the_request.ipynb",
    } <= names
    assert not any(name.startswith("solutions/") for name in names)


# ---- the scan itself can fail --------------------------------------------------------------


def _notebook(markdown: str = "", output: str = "", code_source: str = "x = 1"):
    cell = nbformat.v4.new_code_cell(code_source)
    if output:
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": output}, execution_count=1)]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), cell])


def test_a_planted_spoiler_is_found_in_prose_outputs_and_code(tmp_path):
    clean = _notebook("On 16 June 2023 Mali asked the mission to leave.", "2023-06-29  draft passes silence")
    assert spoilers(clean) == []
    planted = _notebook(
        "The Malian army entered Kidal on 14 November 2023.",
        "2023-09-12  fighting at Bourem",
        'hint = "see the row of September 2023"',
    )
    path = tmp_path / "05_planted.ipynb"
    nbformat.write(planted, path)
    found = spoilers(nbformat.read(path, as_version=4))
    assert len(found) == 3
    assert found[0].startswith("cell 0 (markdown)") and "14 November 2023" in found[0]
    assert any("output" in f and "2023-09-12" in f for f in found)
    assert any("cell 1 (code)" in f and "September 2023" in f for f in found)


def test_an_allowed_deadline_passes_but_the_same_date_as_an_outcome_does_not():
    assert spoilers(_notebook("The draft asks the mission to withdraw by 31 December 2023.")) == []
    found = spoilers(_notebook("The mission withdrew on 31 December 2023."))
    assert found and "a date after 30 June 2023" in found[0]


def test_an_undated_outcome_is_found():
    found = spoilers(_notebook("Put in order: The withdrawal is completed"))
    assert found and "outcome 'withdrawal is completed'" in found[0]


def test_every_allowed_phrase_names_a_later_date_and_gives_its_reason():
    for phrase, reason in ALLOWED.items():
        assert cutoff.mentions_after(phrase, cutoff.DECISION_DAY), f"not needed, it names no later date: {phrase!r}"
        assert len(reason.split()) >= 6, f"say who set the date {phrase!r}, and when"
        assert not any(p.lower() in phrase.lower() for p in OUTCOME_PHRASES), (
            f"an outcome cannot be allowed: {phrase!r}"
        )
