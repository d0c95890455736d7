"""The answer store under stress: property-based sequences and processes killed mid-save."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from minusma import paths, spec, store, submission
from minusma.spec import AnswerError, make_spec

NOTEBOOK = "00_start_here"
MEMBERS = [
    "China",
    "France",
    "Russian Federation",
    "United Kingdom",
    "United States",
    "Ghana",
    "Japan",
    "Malta",
    "Albania",
    "Brazil",
    "Ecuador",
    "Gabon",
    "Mozambique",
    "Switzerland",
    "United Arab Emirates",
]

SPECS = [
    make_spec("single_choice", "00.one", "p", options=["a", "b", "c"]),
    make_spec("multiple_choice", "00.many", "p", options=["a", "b", "c"]),
    make_spec("number", "00.num", "p", min=0, max=1e6),
    make_spec("order", "00.ord", "p", items=["x", "y", "z"]),
    make_spec("classify", "00.cls", "p", items=["x", "y"], categories=["p", "q"]),
    make_spec("forecast", "00.fc", "p"),
    make_spec("vote", "00.vote", "p", members=MEMBERS, permanent=MEMBERS[:5]),
    make_spec("written", "00.wr", "p"),
]

# Anything a widget or a careless caller might hand over, valid or not.
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


def plausible(s):
    """Values shaped like answers to ``s`` (mostly valid, sometimes not)."""
    if s.type == "single_choice":
        return st.sampled_from(["a", "b", "c", "d", ""])
    if s.type == "multiple_choice":
        return st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=4)
    if s.type == "number":
        return st.floats() | st.integers(-10, 10**7) | st.text(max_size=12)
    if s.type == "order":
        return st.permutations(["x", "y", "z"]).map(list) | st.lists(st.sampled_from(["x", "y", "z"]), max_size=4)
    if s.type == "classify":
        return st.dictionaries(st.sampled_from(["x", "y", "w"]), st.sampled_from(["p", "q", "r"]), max_size=3)
    if s.type == "forecast":
        return st.fixed_dictionaries(
            {"probability": st.integers(-5, 105), "reason": st.text(max_size=40), "locked_at": st.none()}
        )
    if s.type == "vote":
        return st.dictionaries(
            st.sampled_from(MEMBERS + ["Germany"]), st.sampled_from(["yes", "no", "abstain", "maybe"])
        )
    return st.text(max_size=200) | st.integers(20_001, 20_050).map(lambda n: "y" * n)  # over the limit


operation = st.integers(0, len(SPECS) - 1).flatmap(lambda i: st.tuples(st.just(i), plausible(SPECS[i]) | anything))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, max_size=25))
def test_store_matches_a_plain_dict_model(ops):
    """Whatever sequence of answers arrives, the file holds exactly the last valid one per question."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers" / f"{NOTEBOOK}.json"
        answers = store.AnswerStore(NOTEBOOK, path)
        model: dict = {}
        for index, raw in ops:
            s = SPECS[index]
            before = path.read_bytes() if path.exists() else None
            try:
                value = spec.validate_answer(s, raw)
                answers.save(s.id, s.type, value)
            except AnswerError:
                assert (path.read_bytes() if path.exists() else None) == before, "a refused answer changed the file"
                continue
            model[s.id] = value
            assert spec.validate_answer(s, value) == value, "validated values are canonical"
        on_disk = json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}
        assert {k: v["value"] for k, v in on_disk.items()} == model
        reopened = store.AnswerStore(NOTEBOOK, path)
        assert reopened.notice is None
        assert {k: v["value"] for k, v in reopened.answers.items()} == model
        if path.parent.exists():
            assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")], "no temporary file left"


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300), probability=st.integers(0, 100))
def test_any_text_round_trips_or_is_refused_clearly(text, probability):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.json"
        answers = store.AnswerStore(NOTEBOOK, path)
        for s, raw in ((SPECS[7], text), (SPECS[5], {"probability": probability, "reason": text, "locked_at": None})):
            try:
                value = spec.validate_answer(s, raw)
            except AnswerError as exc:
                assert str(exc) and str(exc)[0].isupper(), "a message a student can read"
                continue
            answers.save(s.id, s.type, value)
            assert store.AnswerStore(NOTEBOOK, path).value(s.id) == value


@settings(max_examples=100, deadline=None)
@given(
    answers=st.dictionaries(
        st.sampled_from([s.id for s in SPECS]),
        st.fixed_dictionaries(
            {"type": st.just("written"), "value": st.text(max_size=50), "saved_at": st.just("2023-06-30T10:00:00.000Z")}
        ),
    )
)
def test_checksum_survives_a_json_round_trip(answers):
    try:
        document = submission.build(
            NOTEBOOK, {"id": "s1", "name": "N"}, answers, "2023-06-30T09:00:00Z", "2023-06-30T11:00:00Z", "0.1.0"
        )
    except UnicodeEncodeError:
        return  # lone surrogates: validate_answer refuses them before they reach a submission
    assert submission.verify_checksum(json.loads(json.dumps(document)))
    assert submission.verify_checksum(json.loads(json.dumps(document, ensure_ascii=False, indent=2)))


# ------------------------------------------------------------------ killed while saving

CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from minusma import store
    answers = store.AnswerStore("00_start_here", Path(sys.argv[2]))
    counter = int(answers.value("00.num") or 0)
    print("ready", flush=True)
    while True:
        counter += 1
        # a long written answer makes each write take a while, so kills land mid-write
        answers.save("00.wr", "written", ("word " * 2000) + str(counter))
        answers.save("00.num", "number", float(counter))
        print(counter, flush=True)
""")

KILLS = int(os.environ.get("MINUSMA_KILL_REPEATS", "200"))


@pytest.mark.slow
def test_killed_while_saving_leaves_a_valid_file(tmp_path):
    """SIGKILL a process in the middle of saving, many times: the file stays valid and durable.

    Durable: every save the child reported as done (it prints after ``save``
    returns) is in the file after the kill.
    """
    path = tmp_path / "answers" / f"{NOTEBOOK}.json"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    rng = random.Random(2690)
    last_seen = 0
    for attempt in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(script), str(paths.REPO_ROOT), str(path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0, 0.02))
        finally:
            child.send_signal(signal.SIGKILL)
            output = child.communicate()[0]
        reported = [int(line) for line in output.split() if line.isdigit()]
        answers = store.AnswerStore(NOTEBOOK, path)
        assert answers.notice is None, f"attempt {attempt}: {answers.notice}"
        number = int(answers.value("00.num") or 0)
        if reported:
            assert number >= reported[-1], f"attempt {attempt}: a save that returned was lost"
        assert number >= last_seen, f"attempt {attempt}: the file went back in time"
        text = answers.value("00.wr")
        if text is not None:
            assert text.startswith("word ") and int(text.rsplit(" ", 1)[1]) >= number
        last_seen = number
    assert last_seen > 0, "the child never managed a save"
    leftovers = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    # A kill between mkstemp and os.replace leaves a temporary file; it never replaces the answers file.
    assert all(p.name.startswith(f".{NOTEBOOK}.json.") for p in leftovers)
