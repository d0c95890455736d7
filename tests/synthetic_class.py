"""Generated classes for the grading tests and benchmarks: no real student data needed.

A test helper, not part of the package: ``tests/`` imports it directly and
``benchmarks/bench_grading.py`` puts ``tests/`` on its path.

* :func:`write_demo_solutions` writes a small solutions notebook (one question
  of every type, with keys) using nbformat, in the same form as the course's
  ``solutions/`` notebooks, so the grader can be exercised without them;
* :func:`answer_for` makes a plausible answer to any question from its key,
  in one of a few *profiles* (right, partly right, wrong);
* :func:`write_class` writes one hand-in per student per notebook with
  :func:`minusma.submission.build`, exactly as the hand-in button does.

Everything is deterministic: the same arguments give the same files.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from council_fixture import MEMBERS, PERMANENT

from minusma import __version__
from minusma import spec as _spec
from minusma import submission as _submission
from minusma.files import write_json_atomic
from minusma.spec import QuestionSpec

DEMO_NOTEBOOK = "00_demo"

#: The 2023 Council, given explicitly so the demo does not depend on data/.
DEMO_MEMBERS = list(MEMBERS)
DEMO_PERMANENT = list(PERMANENT)

#: (builder, id, positional args, keyword args incl. key) for the demo notebook, in order.
DEMO_QUESTIONS: list[tuple[str, str, list[Any], dict[str, Any]]] = [
    (
        "single_choice",
        "00.capital",
        ["Which city is Mali's capital?", ["Bamako", "Gao", "Timbuktu"]],
        {"points": 1, "hint": "It is on the Niger, in the south-west.", "key": "Bamako"},
    ),
    (
        "multiple_choice",
        "00.permanent",
        [
            "Which of these are permanent members of the Security Council?",
            ["China", "France", "Mali", "Russian Federation"],
        ],
        {
            "points": 3,
            "hint": "There are five; two of them are not listed.",
            "key": ["China", "France", "Russian Federation"],
        },
    ),
    (
        "number",
        "00.days",
        ["How many days passed between Mali's request (16 June 2023) and the vote (30 June 2023)?"],
        {
            "unit": "days",
            "min": 0,
            "max": 365,
            "points": 2,
            "hint": "Count from one date to the other.",
            "key": {"value": 14, "tolerance": 0},
        },
    ),
    (
        "order",
        "00.sequence",
        [
            "Put these events in order.",
            ["Resolution 2690", "Coup of August 2020", "Mali's request", "Algiers agreement"],
        ],
        {
            "points": 4,
            "hint": "The peace agreement came first.",
            "key": ["Algiers agreement", "Coup of August 2020", "Mali's request", "Resolution 2690"],
        },
    ),
    (
        "classify",
        "00.sources",
        [
            "Sort each statement.",
            [
                "OHCHR report on Moura",
                "Government rejects the report",
                "Wagner 'said to' deploy",
                "Bamako: only Russian instructors",
            ],
            ["finding", "claim", "denial"],
        ],
        {
            "points": 4,
            "hint": "Who says it, and on what evidence?",
            "key": {
                "OHCHR report on Moura": "finding",
                "Government rejects the report": "denial",
                "Wagner 'said to' deploy": "claim",
                "Bamako: only Russian instructors": "denial",
            },
        },
    ),
    (
        "vote",
        "00.vote",
        ["Cast the Council's votes so that the draft is adopted."],
        {"members": DEMO_MEMBERS, "permanent": DEMO_PERMANENT, "points": 1, "key": "adopted"},
    ),
    (
        "forecast",
        "00.unanimous",
        ["Will the Council end the mission unanimously?"],
        {"points": 2, "key": {"outcome": True}},
    ),
    ("forecast", "00.kidal", ["Will Malian forces control Kidal town by 31 December 2023?"], {"points": 1}),
    (
        "written",
        "00.why_now",
        ["Why did Bamako ask in June 2023? Attribute each claim."],
        {
            "words": [20, 150],
            "points": 6,
            "key": {"model_answer": "A model answer kept in solutions only.", "rubric": "exit_ticket"},
        },
    ),
]


def _call_source(builder: str, qid: str, args: list[Any], kwargs: Mapping[str, Any]) -> str:
    """One builder call as notebook source, its key between the build step's markers."""
    lines = [f"q.{builder}("]
    lines.append(f"    {qid!r},")
    lines += [f"    {a!r}," for a in args]
    for name, value in kwargs.items():
        if name == "key":
            continue
        lines.append(f"    {name}={value!r},")
    if "key" in kwargs:
        lines += ["    ### BEGIN KEY", f"    key={kwargs['key']!r},", "    ### END KEY"]
    lines.append(")")
    return "\n".join(lines)


def write_demo_solutions(
    folder: Path,
    notebook: str = DEMO_NOTEBOOK,
    questions: Iterable[tuple[str, str, list[Any], dict[str, Any]]] | None = None,
) -> Path:
    """Write ``folder/<notebook>.ipynb``, a solutions notebook with the demo questions; return its path."""
    import nbformat

    questions = list(DEMO_QUESTIONS if questions is None else questions)
    cells = [
        nbformat.v4.new_markdown_cell(f"# {notebook}: a generated solutions notebook for testing the grader"),
        nbformat.v4.new_code_cell(f"from minusma import questions as q\nq.setup({notebook!r})"),
    ]
    cells += [nbformat.v4.new_code_cell(_call_source(*question)) for question in questions]
    nb = nbformat.v4.new_notebook(cells=cells)
    path = Path(folder) / f"{notebook}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------

PROFILES = ("right", "partial", "wrong")

_WORDS = [
    "the",
    "transitional",
    "authorities",
    "said",
    "the",
    "mission",
    "had",
    "become",
    "part",
    "of",
    "the",
    "problem",
    "while",
    "the",
    "secretariat",
    "described",
    "its",
    "record",
    "differently",
    "and",
    "the",
    "council",
    "had",
    "little",
    "room",
    "without",
    "consent",
]


def written_text(n_words: int, seed: int = 0) -> str:
    """Plausible filler prose of ``n_words`` words (deterministic)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(n_words)).capitalize() + "."


def answer_for(s: QuestionSpec, key: Any, profile: str = "right", seed: int = 0) -> Any:
    """An answer value to ``s`` in a profile: ``right`` (the key), ``partial`` or ``wrong``.

    Returns None when no answer can be made (a ballot for a Council that
    cannot be loaded). Values always pass :func:`minusma.spec.validate_answer`.
    """
    rng = random.Random(f"{s.id}/{profile}/{seed}")
    t = s.type
    if t == "single_choice":
        if profile == "right" and key is not None:
            return key
        others = [o for o in s.options if o != key]
        return rng.choice(others or list(s.options))
    if t == "multiple_choice":
        right = list(key) if key else [s.options[0]]
        if profile == "right":
            return [o for o in s.options if o in right]
        if profile == "partial":
            return [o for o in s.options if o in right[:-1] or (len(right) == 1 and o == right[0])]
        wrong = [o for o in s.options if o not in right]
        return wrong[:1] or [s.options[-1]]
    if t == "number":
        value = float(key["value"]) if key else (s.min or 0.0)
        if profile != "right":
            value = (
                value
                + max(1.0, abs(value)) * (0.5 if profile == "partial" else 3.0)
                + float(key["tolerance"] if key else 0)
            )
        if s.max is not None:
            value = min(value, s.max)
        if s.min is not None:
            value = max(value, s.min)
        return value
    if t == "order":
        right = list(key) if key else list(s.items)
        if profile == "right":
            return right
        if profile == "partial":
            return [right[1], right[0], *right[2:]]
        return right[::-1]
    if t == "classify":
        right = dict(key) if key else {item: s.categories[0] for item in s.items}
        if profile == "right":
            return right
        out = dict(right)
        flip = list(out)[:1] if profile == "partial" else list(out)
        for item in flip:
            out[item] = next(c for c in s.categories if c != right[item])
        return out
    if t == "forecast":
        probability = {"right": 100 if (key or {}).get("outcome", True) else 0, "partial": 70, "wrong": 10}[profile]
        return {
            "probability": probability,
            "reason": "Based on the Council's record.",
            "locked_at": "2023-06-20T09:00:00.000Z",
        }
    if t == "vote":
        try:
            members, permanent = _spec.council_members(s)
        except Exception:  # no Council data in data/: leave the ballot unanswered
            return None
        if isinstance(key, Mapping):  # a ballot key: the right answer is that ballot
            from minusma.qtypes import TYPES

            asked = TYPES["vote"].asked_ballot(s, key)
            return asked if profile == "right" else {m: "abstain" for m in members}
        want_adopted = (key or "adopted") == "adopted"
        if profile == "right":
            choice = "yes" if want_adopted else "no"
            return {m: choice for m in members}
        ballot = {m: "yes" for m in members}
        if permanent:
            ballot[permanent[0]] = "no"
        return ballot if want_adopted else {m: "yes" for m in members}
    if t == "written":
        low, high = s.words or (20, 150)
        n = {"right": (low + high) // 2, "partial": max(low, 1), "wrong": max(1, low // 2)}[profile]
        return written_text(n, seed)
    raise ValueError(f"no generator for question type {t!r}")


def answers_for(
    specs: Iterable[QuestionSpec],
    keys: Mapping[str, Any],
    profile: str,
    seed: int = 0,
    saved_at: str = "2023-06-30T09:30:00.000Z",
) -> dict[str, Any]:
    """A submission's ``answers`` object for a whole notebook in one profile."""
    out = {}
    for s in specs:
        value = answer_for(s, keys.get(s.id), profile, seed)
        if value is not None:
            out[s.id] = {"type": s.type, "value": value, "saved_at": saved_at, "checks": 1}
    return out


def submission_for(
    notebook: str,
    student_id: str,
    name: str,
    answers: Mapping[str, Any],
    submitted_at: str = "2023-06-30T10:00:00.000Z",
    created_at: str = "2023-06-30T09:00:00.000Z",
    module_version: str = __version__,
) -> dict[str, Any]:
    """A complete hand-in document (checksum included), as the hand-in button writes it."""
    return _submission.build(
        notebook=notebook,
        student={"id": student_id, "name": name},
        answers=answers,
        created_at=created_at,
        submitted_at=submitted_at,
        module_version=module_version,
    )


def write_class(
    folder: Path, notebooks: Mapping[str, tuple[list[QuestionSpec], Mapping[str, Any]]], n_students: int, seed: int = 0
) -> list[Path]:
    """Write ``n_students`` x notebooks hand-ins into ``folder`` with course-site-like names.

    Students cycle through the profiles right / partial / wrong, so grades
    spread like a class's. Every twentieth student also has an earlier hand-in
    of each notebook (a wrong one, superseded by the later one), as when a
    student hands in again before the deadline; with several notebooks, every
    tenth student skips the last one.
    """
    folder = Path(folder)
    written = []
    for number in range(n_students):
        sid = f"s{1000000 + number}"
        profile = PROFILES[number % len(PROFILES)]
        for index, (notebook, (specs, keys)) in enumerate(sorted(notebooks.items())):
            if len(notebooks) > 1 and number % 10 == 9 and index == len(notebooks) - 1:
                continue
            name = f"Student {number:05d}"
            answers = answers_for(specs, keys, profile, seed=number + seed)
            path = folder / f"student{number:05d}_{sid}_attempt_2_{notebook}.json"
            write_json_atomic(path, submission_for(notebook, sid, name, answers))
            written.append(path)
            if number % 20 == 19:
                early = answers_for(specs, keys, "wrong", seed=number + seed)
                path = folder / f"student{number:05d}_{sid}_attempt_1_{notebook}.json"
                write_json_atomic(
                    path, submission_for(notebook, sid, name, early, submitted_at="2023-06-30T09:45:00.000Z")
                )
                written.append(path)
    return written
