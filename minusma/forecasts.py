"""Forecasts back for scoring: a student's own, and a whole class's for the instructor.

Lessons 00–07 ask for forecasts that are locked and cannot change; lesson 08
scores them. This module brings them back as tables. It does **not** score
them for the student: computing a Brier score is what lesson 08 teaches, in
a few lines of pandas.

For a student (in ``notebooks/`` and ``exercises/08_what_happened_next``):

* :func:`my_forecasts` reads the forecasts the student locked, from their own
  answers files in the work folder (:mod:`minusma.store`), with the "I
  already knew the outcome" ticks of question ``08.already_knew``;
* :func:`my_journals` reads their decision journal entries (``NN.journal``);
* :func:`example_forecasts` is the worked example's forecaster (invented
  probabilities, for practice).

For the instructor (``instructor/class_forecasts.ipynb`` and
``python -m minusma forecasts SUBMISSIONS --out GRADES``):

* :func:`class_forecasts` reads a folder of hand-ins (the grader's reader,
  :func:`minusma.grading.intake.read_folder`: nothing in them is run), takes
  each student's locked forecasts, and scores them against the outcomes in the
  keys of ``solutions/`` (the same keys the grading command uses);
* :func:`write_class_view` writes the anonymised tables and the class
  calibration chart; :func:`write_demo_class` writes a small made-up class.

Forecasts a student marks as already known are kept apart: they are scored,
but never count in the ranking.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import paths, spec, store

#: The question of notebook 08 where students tick the outcomes they already knew when they locked.
ALREADY_KNEW_ID = "08.already_knew"
#: The first notebook that may score forecasts (forecasts are asked before it).
REVEAL_NOTEBOOK = 8
#: The Brier score of a forecaster who always says 50 %: (0.5 - 0)**2 = (0.5 - 1)**2.
NO_SKILL_BRIER = 0.25

FORECAST_COLUMNS = ["question_id", "notebook", "probability", "reason", "locked_at", "already_knew"]
JOURNAL_COLUMNS = ["question_id", "notebook", "saved_at", "words", "text"]

#: The worked example's forecaster: probabilities invented for practice, one per forecast question of 00–04.
_EXAMPLE = [
    (
        "00.withdrawal_on_time",
        "00_start_here",
        60,
        "The deadline is tight, but the Council and Mali both want the mission gone.",
    ),
    ("01.election_by_feb_2024", "01_the_request", 40, "The transition has moved its dates before."),
    (
        "01.army_in_kidal",
        "01_the_request",
        35,
        "The army wants Kidal back, but the armed groups have held it for years.",
    ),
    (
        "03.equipment_destroyed",
        "03_what_minusma_was",
        55,
        "Six months is short and Bamako controls flights and convoys.",
    ),
    ("04.algiers_in_force", "04_consequences", 35, "The process has stalled and Bamako wants to revisit its terms."),
]


# --------------------------------------------------------------------------
# A student's own forecasts and journals
# --------------------------------------------------------------------------


def _before_reveal(notebook: str) -> bool:
    return bool(paths.NOTEBOOK_NAME.match(notebook)) and int(notebook[:2]) < REVEAL_NOTEBOOK


def _answers_folder_name() -> str:
    """Where the answers are, as a student can find it: ``my-work/answers`` inside the course folder."""
    folder = store.answers_path("00_start_here").parent
    shown = paths.display_path(folder)
    return shown if not Path(shown).is_absolute() else "the answers folder of your work folder"


def _answers_notebooks() -> list[str]:
    """The notebooks before 08 that have an answers file in the work folder, in order."""
    folder = store.answers_path("00_start_here").parent
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if _before_reveal(p.stem))


def _answers(notebook: str) -> dict:
    """Every saved answer of ``notebook``, read through the answer store (a damaged file is set aside, never lost)."""
    answers_store = store.get_store(notebook)
    answers_store.refresh()
    if answers_store.notice:
        print(answers_store.notice)
    return answers_store.answers


def already_known_ids(ticked) -> set[str]:
    """The question ids in the options ticked in ``08.already_knew`` ("00.withdrawal_on_time: ...")."""
    return {
        str(option).split(":", 1)[0].strip()
        for option in ticked or ()
        if paths.QUESTION_ID.match(str(option).split(":", 1)[0].strip())
    }


def _already_known() -> set[str] | None:
    """What the student ticked in ``08.already_knew``; None if not answered yet."""
    entry = _answers("08_what_happened_next").get(ALREADY_KNEW_ID)
    return None if entry is None else already_known_ids(entry.get("value"))


def _forecast_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    return frame.astype(
        {
            "question_id": "string",
            "notebook": "string",
            "probability": "Int64",
            "reason": "string",
            "already_knew": "boolean",
        }
    ).assign(locked_at=pd.to_datetime(frame["locked_at"], utc=True).dt.tz_localize(None))


def example_forecasts() -> pd.DataFrame:
    """The forecasts of the worked example's forecaster (invented probabilities), in the table :func:`my_forecasts` gives."""
    return _forecast_frame(
        [
            {
                "question_id": qid,
                "notebook": nb,
                "probability": p,
                "reason": reason,
                "locked_at": None,
                "already_knew": False,
            }
            for qid, nb, p, reason in _EXAMPLE
        ]
    )


def my_forecasts(example_if_none: bool = True) -> pd.DataFrame:
    """The forecasts you locked in notebooks 00–07, one row each, read from your own answers files.

    Columns: ``question_id``, ``notebook``, ``probability`` (0–100, in per
    cent, as you set it), ``reason``, ``locked_at`` (UTC) and
    ``already_knew`` (True for the outcomes you ticked in ``08.already_knew``).
    A forecast saved but never locked is left out (it is not scored), with a
    note. With no locked forecast at all, the worked example's forecasts are
    returned instead (``example_if_none``), and a note says so.
    """
    known = _already_known()
    rows, unlocked = [], []
    for notebook in _answers_notebooks():
        for qid, entry in sorted(_answers(notebook).items()):
            if entry.get("type") != "forecast":
                continue
            value = entry.get("value") or {}
            if not value.get("locked_at"):
                unlocked.append(qid)
                continue
            rows.append(
                {
                    "question_id": qid,
                    "notebook": notebook,
                    "probability": value.get("probability"),
                    "reason": value.get("reason", ""),
                    "locked_at": value["locked_at"],
                    "already_knew": qid in (known or set()),
                }
            )
    if unlocked:
        print(f"Saved but never locked, so not scored: {', '.join(unlocked)}.")
    if not rows:
        print(f"No locked forecast was found in {_answers_folder_name()}.")
        if example_if_none:
            print(
                "To practise, here are the worked example's forecasts instead; your own score needs your own forecasts."
            )
            return example_forecasts()
    elif known is None:
        print(f"You have not answered {ALREADY_KNEW_ID} yet: already_knew is False everywhere until you do.")
    return _forecast_frame(rows)


def my_journals() -> pd.DataFrame:
    """Your decision journal entries of notebooks 00–07 (questions ``NN.journal``), oldest notebook first."""
    rows = []
    for notebook in _answers_notebooks():
        for qid, entry in sorted(_answers(notebook).items()):
            if qid.endswith(".journal") and entry.get("type") == "written" and isinstance(entry.get("value"), str):
                rows.append(
                    {
                        "question_id": qid,
                        "notebook": notebook,
                        "saved_at": entry.get("saved_at"),
                        "words": spec.word_count(entry["value"]),
                        "text": entry["value"],
                    }
                )
    if not rows:
        print(f"No decision journal entry was found in {_answers_folder_name()}.")
    frame = pd.DataFrame(rows, columns=JOURNAL_COLUMNS)
    return frame.astype({"question_id": "string", "notebook": "string", "words": "Int64", "text": "string"}).assign(
        saved_at=pd.to_datetime(frame["saved_at"], utc=True).dt.tz_localize(None)
    )


# --------------------------------------------------------------------------
# The course's forecast questions and their outcomes
# --------------------------------------------------------------------------


def forecast_questions(solutions_dir: Path | None = None) -> list[spec.QuestionSpec]:
    """Every forecast question of the notebooks before 08, in order, read from ``solutions/`` (keys included)."""
    folder = Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS_DIR
    found = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        if _before_reveal(path.stem):
            found += [s for s in spec.specs_from_notebook(path) if s.type == "forecast"]
    return found


def outcomes(solutions_dir: Path | None = None) -> dict[str, bool]:
    """``{question id: outcome}`` for every forecast whose key in ``solutions/`` gives its outcome."""
    return {s.id: bool(s.key["outcome"]) for s in forecast_questions(solutions_dir) if s.key is not None}


# --------------------------------------------------------------------------
# The class view (instructor)
# --------------------------------------------------------------------------


def brier(probability: float, outcome: bool) -> float:
    """One forecast's Brier score, probability in per cent: ``(p/100 - outcome)**2`` (for the instructor's tables)."""
    return (float(probability) / 100.0 - (1.0 if outcome else 0.0)) ** 2


@dataclass
class ClassForecasts:
    """A class's forecasts, scored and anonymised.

    ``forecasts``: one row per locked forecast with a known outcome
    (forecaster, question_id, probability, outcome, brier, already_knew).
    ``ranking``: one row per forecaster, by mean Brier score on the forecasts
    made blind (already-known ones apart). ``questions``: one row per question,
    with the class's mean forecast and the Brier score of that mean (the
    "crowd"). ``pseudonyms``: student id -> forecaster label, for the
    instructor only. ``pending``: questions answered but not yet resolved.
    """

    forecasts: pd.DataFrame
    ranking: pd.DataFrame
    questions: pd.DataFrame
    pseudonyms: dict[str, str]
    pending: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def crowd_brier(self) -> float:
        """Mean Brier score of the class's average forecast, question by question (NaN without questions)."""
        return float(self.questions["crowd_brier"].mean()) if len(self.questions) else float("nan")

    def blind(self) -> pd.DataFrame:
        """The forecasts made without knowing the outcome (what the ranking counts)."""
        return self.forecasts[~self.forecasts["already_knew"]]


def _labels(student_ids) -> dict[str, str]:
    """Forecaster labels F01, F02, ... in an order that depends on a hash of the id, not on the id or name."""
    from .grading.names import pseudonym

    ordered = sorted(set(student_ids), key=lambda sid: (pseudonym(sid), sid))
    width = max(2, len(str(len(ordered))))
    return {sid: f"F{index:0{width}d}" for index, sid in enumerate(ordered, start=1)}


def class_forecasts(submissions_dir: Path, solutions_dir: Path | None = None) -> ClassForecasts:
    """Read every hand-in under ``submissions_dir`` and score the locked forecasts against the keys in ``solutions/``.

    Only the latest hand-in per student and notebook counts (as in grading).
    A forecast that is not locked, or whose question has no outcome yet, is
    not scored; the ticks of ``08.already_knew`` mark forecasts to keep
    apart. Nothing in the files is run.
    """
    from .grading.intake import read_folder

    intake = read_folder(Path(submissions_dir))
    resolved = outcomes(solutions_dir)
    known: dict[str, set[str]] = {}
    raw = []
    pending: set[str] = set()
    for sub in intake.submissions:
        if sub.notebook == "08_what_happened_next":
            entry = sub.answers.get(ALREADY_KNEW_ID)
            if isinstance(entry, dict) and ALREADY_KNEW_ID not in sub.answer_errors:
                known[sub.student_id] = already_known_ids(entry.get("value"))
            continue
        if not _before_reveal(sub.notebook):
            continue
        for qid, entry in sub.answers.items():
            if not isinstance(entry, dict) or entry.get("type") != "forecast" or qid in sub.answer_errors:
                continue
            value = entry.get("value")
            if not isinstance(value, dict) or not value.get("locked_at"):
                continue
            probability = value.get("probability")
            if (
                isinstance(probability, bool)
                or not isinstance(probability, (int, float))
                or not 0 <= probability <= 100
            ):
                continue
            if qid not in resolved:
                pending.add(qid)
                continue
            raw.append((sub.student_id, qid, float(probability)))
    labels = _labels(sid for sid, _, _ in raw)
    rows = [
        {
            "forecaster": labels[sid],
            "question_id": qid,
            "probability": p,
            "outcome": resolved[qid],
            "brier": round(brier(p, resolved[qid]), 6),
            "already_knew": qid in known.get(sid, set()),
        }
        for sid, qid, p in raw
    ]
    forecasts = pd.DataFrame(
        rows, columns=["forecaster", "question_id", "probability", "outcome", "brier", "already_knew"]
    )
    forecasts = forecasts.astype({"outcome": bool, "already_knew": bool, "probability": float, "brier": float})
    forecasts = forecasts.sort_values(["forecaster", "question_id"], ignore_index=True)
    problems = [f"{p.file}: {p.problem}" for p in intake.problems]
    return ClassForecasts(
        forecasts=forecasts,
        ranking=_ranking(forecasts),
        questions=_questions(forecasts),
        pseudonyms=labels,
        pending=sorted(pending),
        problems=problems,
    )


def _ranking(forecasts: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "rank",
        "forecaster",
        "scored",
        "mean_brier",
        "better_than_no_skill",
        "already_knew",
        "mean_brier_already_knew",
    ]
    rows = []
    for name, mine in forecasts.groupby("forecaster", sort=True):
        blind, known = mine[~mine["already_knew"]], mine[mine["already_knew"]]
        rows.append(
            {
                "forecaster": name,
                "scored": len(blind),
                "mean_brier": round(blind["brier"].mean(), 4) if len(blind) else float("nan"),
                "already_knew": len(known),
                "mean_brier_already_knew": round(known["brier"].mean(), 4) if len(known) else float("nan"),
            }
        )
    table = pd.DataFrame(rows, columns=columns[1:])
    table["better_than_no_skill"] = (NO_SKILL_BRIER - table["mean_brier"]).round(4)
    table = table.sort_values(
        ["mean_brier", "scored", "forecaster"], ascending=[True, False, True], na_position="last", ignore_index=True
    )
    table["rank"] = table["mean_brier"].rank(method="min").astype("Int64")
    return table[columns]


def _questions(forecasts: pd.DataFrame) -> pd.DataFrame:
    columns = ["question_id", "outcome", "forecasts", "mean_probability", "mean_brier", "crowd_brier"]
    rows = []
    for qid, made in forecasts[~forecasts["already_knew"]].groupby("question_id", sort=True):
        outcome = bool(made["outcome"].iloc[0])
        mean_p = made["probability"].mean()
        rows.append(
            {
                "question_id": qid,
                "outcome": outcome,
                "forecasts": len(made),
                "mean_probability": round(mean_p, 2),
                "mean_brier": round(made["brier"].mean(), 4),
                "crowd_brier": round(brier(mean_p, outcome), 4),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def write_class_view(view: ClassForecasts, out_dir: Path) -> list[Path]:
    """Write the class view into ``out_dir`` (created if needed); return the files written.

    ``forecast_ranking.csv``, ``forecast_questions.csv`` and
    ``class_forecasts.csv`` name forecasters by label only, ready to project;
    ``class_calibration.png`` pools the blind forecasts; ``forecast_labels.csv``
    (student id -> label) is for the instructor alone, to tell each student
    their label privately.
    """
    from . import plots

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (
        ("forecast_ranking.csv", view.ranking),
        ("forecast_questions.csv", view.questions),
        ("class_forecasts.csv", view.forecasts),
    ):
        table.to_csv(out_dir / name, index=False)
        written.append(out_dir / name)
    from .grading.names import csv_text

    labels = pd.DataFrame(sorted(view.pseudonyms.items(), key=lambda item: item[1]), columns=["student_id", "label"])
    labels["student_id"] = labels["student_id"].map(csv_text)
    labels.to_csv(out_dir / "forecast_labels.csv", index=False)
    written.append(out_dir / "forecast_labels.csv")
    blind = view.blind()
    with plots.style():
        fig = plots.calibration_chart(
            blind["probability"],
            blind["outcome"],
            show=False,
            title="The class's forecasts against what happened",
            source="class hand-ins, notebooks 00–07; outcomes: data/forecast_resolutions.csv",
            note="forecasts marked 'I already knew' are left out",
        )
        fig.savefig(out_dir / "class_calibration.png", bbox_inches="tight")
        plots.plt.close(fig)
    written.append(out_dir / "class_calibration.png")
    return written


# --------------------------------------------------------------------------
# A made-up class (instructor notebook, tests)
# --------------------------------------------------------------------------


def _demo_hand_in(
    notebook: str,
    student_id: str,
    name: str,
    answers: dict,
    created_at: str = "2023-06-30T09:00:00.000Z",
    submitted_at: str = "2023-06-30T10:00:00.000Z",
) -> dict:
    """A hand-in document (checksum included) as the hand-in button writes it, for a made-up student."""
    from . import __version__, submission

    return submission.build(
        notebook=notebook,
        student={"id": student_id, "name": name},
        answers=answers,
        created_at=created_at,
        submitted_at=submitted_at,
        module_version=__version__,
    )


def write_demo_class(
    folder: Path, n_students: int = 12, seed: int = 0, solutions_dir: Path | None = None
) -> list[Path]:
    """Write a made-up class's hand-ins into ``folder``: every forecast notebook of 00–07, and notebook 08.

    Each student locks each forecast question at a random probability (a few
    leave one unlocked), and ticks one outcome as already known now and then.
    The hand-ins are built as the hand-in button builds them; the same
    arguments always give the same files.
    """
    from .files import write_json_atomic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    questions = forecast_questions(solutions_dir)
    by_notebook: dict[str, list[str]] = {}
    for question in questions:
        by_notebook.setdefault(_notebook_of(question.id, solutions_dir), []).append(question.id)
    written = []
    for number in range(n_students):
        sid = f"demo{number + 1:03d}"
        name = f"Demo Student {number + 1}"
        lean = rng.uniform(-25, 25)  # each student leans more or less towards yes
        for notebook, qids in sorted(by_notebook.items()):
            answers = {}
            for qid in qids:
                probability = int(min(100, max(0, round(rng.gauss(50 + lean, 22)))))
                locked = rng.random() > 0.05
                stamp = "2023-06-30T10:00:00.000Z"
                answers[qid] = {
                    "type": "forecast",
                    "saved_at": stamp,
                    "checks": 0,
                    "value": {
                        "probability": probability,
                        "reason": "A reason in one line.",
                        "locked_at": stamp if locked else None,
                    },
                }
            path = folder / f"{sid}__{notebook}.json"
            write_json_atomic(path, _demo_hand_in(notebook, sid, name, answers))
            written.append(path)
        knew = [f"{q.id}: (demo)" for q in questions if rng.random() < 0.1]
        answers = {
            ALREADY_KNEW_ID: {
                "type": "multiple_choice",
                "value": knew or ["None of them: I knew none of these outcomes"],
                "saved_at": "2023-07-01T10:00:00.000Z",
                "checks": 0,
            }
        }
        path = folder / f"{sid}__08_what_happened_next.json"
        write_json_atomic(
            path,
            _demo_hand_in(
                "08_what_happened_next",
                sid,
                name,
                answers,
                created_at="2023-07-01T09:00:00.000Z",
                submitted_at="2023-07-01T10:30:00.000Z",
            ),
        )
        written.append(path)
    return written


def _notebook_of(qid: str, solutions_dir: Path | None = None) -> str:
    folder = Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS_DIR
    matches = sorted(folder.glob(f"{qid[:2]}_*.ipynb"))
    if not matches:
        raise LookupError(f"no notebook in {paths.display_path(folder)} for question {qid}")
    return matches[0].stem


# --------------------------------------------------------------------------
# Command line: python -m minusma forecasts SUBMISSIONS --out GRADES
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minusma forecasts",
        description="The class's forecasts, scored and anonymised: a Brier ranking and a calibration chart.",
    )
    parser.add_argument("submissions", type=Path, help="the folder of hand-ins (as for the grade command)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the tables and the chart")
    parser.add_argument("--solutions", type=Path, default=None, help="where the keys come from (default: solutions/)")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"No folder {args.submissions}.")
        return 2
    view = class_forecasts(args.submissions, args.solutions)
    written = write_class_view(view, args.out)
    print(
        f"{len(view.ranking)} forecasters, {len(view.forecasts)} forecasts scored "
        f"({int(view.forecasts['already_knew'].sum())} marked as already known, kept apart)."
    )
    if view.pending:
        print(f"Not scored yet (no outcome in the keys): {', '.join(view.pending)}.")
    for path in written:
        print(f"wrote {paths.display_path(path)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
