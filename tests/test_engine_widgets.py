"""Question widgets without a kernel: set values, click, check the saved file, restore.

ipywidgets works headless (comm.DummyComm), so each test drives the widgets
as a student would, then reads the answers file from disk and rebuilds the
widget as after a kernel restart (``store.forget_stores()``).
"""

from __future__ import annotations

import json

import pytest
from council_fixture import MEMBERS, PERMANENT

from minusma import files, handin, keys, spec, store, submission
from minusma import questions as q

NOTEBOOK = "00_start_here"


@pytest.fixture(autouse=True)
def work(tmp_path, monkeypatch):
    """A fresh, empty work folder and module state for every test."""
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path))
    store.set_solution_mode(False)
    store.forget_stores()
    q.setup(NOTEBOOK)
    yield tmp_path
    store.set_solution_mode(False)
    store.forget_stores()


def saved(work_dir) -> dict:
    """The answers file as on disk."""
    path = work_dir / "answers" / f"{NOTEBOOK}.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"]


def restart():
    """What a kernel restart does to the engine: every in-memory store is gone."""
    store.forget_stores()


def exercise_check(qtype, qid, key):
    """The encoded check an exercise notebook would carry."""
    return keys.encode(qtype, qid, key)


# ------------------------------------------------------------- one test per type


def test_single_choice(work):
    w = q.single_choice(
        "00.who",
        "Who asked?",
        ["UN", "Mali", "France"],
        hint="Read the letter.",
        check=exercise_check("single_choice", "00.who", "Mali"),
    )
    w._radio.value = "France"
    assert saved(work)["00.who"]["value"] == "France"
    w._check_button.click()
    assert "Not yet" in w._feedback.value and "Read the letter." in w._feedback.value
    assert "Mali" not in w._feedback.value
    w._radio.value = "Mali"
    assert w._feedback.value == "", "old feedback disappears when the answer changes"
    assert w.check().status == "correct" and "Correct" in w._feedback.value
    assert saved(work)["00.who"] == {**saved(work)["00.who"], "type": "single_choice", "value": "Mali", "checks": 2}
    restart()
    again = q.single_choice("00.who", "Who asked?", ["UN", "Mali", "France"])
    assert again._radio.value == "Mali" and "restored" in again._status.value


def test_multiple_choice(work):
    check = exercise_check("multiple_choice", "00.many", ["a", "c"])
    w = q.multiple_choice("00.many", "Which?", ["a", "b", "c"], points=2, check=check)
    w._boxes[0].value = True
    w._boxes[1].value = True
    assert saved(work)["00.many"]["value"] == ["a", "b"]
    assert w.check().points == 0.0
    w._boxes[1].value = False
    w._boxes[2].value = True
    assert w.check().points == 2.0
    for box in w._boxes:
        box.value = False
    # nothing ticked is no answer: the last one ticked is kept, and Check says so instead of scoring it
    assert saved(work)["00.many"]["value"] == ["c"]
    assert w.check().status == "unanswered" and "kept" in w._feedback.value
    w._boxes[0].value = w._boxes[2].value = True
    restart()
    again = q.multiple_choice("00.many", "Which?", ["a", "b", "c"], points=2, check=check)
    assert [b.value for b in again._boxes] == [True, False, True]


def test_number(work):
    check = exercise_check("number", "00.ceiling", {"value": 13289, "tolerance": 0})
    w = q.number("00.ceiling", "Ceiling?", unit="military personnel", check=check)
    assert "military personnel" in w._text.description
    w._text.value = "12,000"
    assert saved(work)["00.ceiling"]["value"] == 12000.0
    w._check_button.click()
    assert "too low, within 10 %" in w._feedback.value and "13" not in w._feedback.value.split("(")[0]
    w._text.value = "13 289"
    assert w.check().status == "correct"
    restart()
    again = q.number("00.ceiling", "Ceiling?", unit="military personnel", check=check)
    assert again._text.value == "13289" and again.value == 13289.0


def test_order(work):
    items = ["2690 ends the mandate", "2100 creates MINUSMA", "Mali asks it to leave"]
    right = ["2100 creates MINUSMA", "Mali asks it to leave", "2690 ends the mandate"]
    check = exercise_check("order", "00.timeline", right)
    w = q.order("00.timeline", "Order them", items, points=3, check=check)
    assert w._ups[0].disabled and w._downs[-1].disabled
    assert "00.timeline" not in saved_or_empty(work), "showing the widget is not an answer"
    assert w.check().status == "unanswered"  # the starting order is not an answer...
    assert "00.timeline" not in saved_or_empty(work), "...so Check saves nothing"
    w._downs[0].click()  # 2690 goes to position 2
    w._downs[1].click()  # ... and to position 3
    assert saved(work)["00.timeline"]["value"] == right
    assert "1. 2100 creates MINUSMA" in w._labels[0].value
    assert w.check().status == "correct"
    restart()
    again = q.order("00.timeline", "Order them", items, points=3, check=check)
    assert again._order == right and "3. 2690" in again._labels[2].value


def saved_or_empty(work_dir):
    try:
        return saved(work_dir)
    except FileNotFoundError:
        return {}


def test_classify(work):
    key = {"China": "permanent", "Ghana": "elected", "Japan": "elected"}
    check = exercise_check("classify", "00.p5", key)
    w = q.classify("00.p5", "Sort", list(key), ["permanent", "elected"], points=3, check=check)
    w._menus["China"].value = "permanent"
    assert saved(work)["00.p5"]["value"] == {"China": "permanent"}
    assert "2 not sorted yet" in w.check().feedback
    w._menus["Ghana"].value = "elected"
    w._menus["Japan"].value = "permanent"
    assert w.check().points == 2.0
    w._menus["Japan"].value = "elected"
    assert w.check().status == "correct"
    restart()
    again = q.classify("00.p5", "Sort", list(key), ["permanent", "elected"], points=3, check=check)
    assert {i: m.value for i, m in again._menus.items()} == key


def test_forecast_locks_for_ever(work):
    w = q.forecast("00.withdrawal", "Will it be done by 31 December 2023?")
    assert w._check_button is None
    w._slider.value = 70
    assert saved(work)["00.withdrawal"]["value"] == {"probability": 70, "reason": "", "locked_at": None}
    assert not w.lock() and "reason" in w._status.value
    w._reason.value = "Contingents were already leaving."
    assert w.lock()
    entry = saved(work)["00.withdrawal"]["value"]
    assert entry["probability"] == 70 and spec.ISO_PATTERN.match(entry["locked_at"])
    assert w._slider.disabled and w._reason.disabled and w._lock_button.disabled
    assert w.check().status == "hand", "locked, to be scored once the outcome is known"
    w._slider.value = 5  # a frontend cannot do this once disabled; code can, and must not win
    assert saved(work)["00.withdrawal"]["value"]["probability"] == 70
    assert w._slider.value == 70 and "locked" in w._status.value
    with pytest.raises(spec.AnswerError, match="locked"):
        store.get_store(NOTEBOOK).save(
            "00.withdrawal", "forecast", {"probability": 1, "reason": "x", "locked_at": None}
        )
    restart()
    again = q.forecast("00.withdrawal", "Will it be done by 31 December 2023?")
    assert again.locked and again._slider.disabled and again._slider.value == 70
    assert "locked" in again._feedback.value.lower()


def test_vote_with_live_outcome(work):
    check = exercise_check("vote", "00.veto", "not adopted")
    w = q.vote("00.veto", "Make it fail", members=MEMBERS, permanent=PERMANENT, check=check)
    assert "(permanent)" in w._buttons_by_member["China"].description
    assert "15 not voted yet" in w._outcome.value
    for toggle in w._buttons_by_member.values():
        toggle.value = "yes"
    assert "adopted (at least 9 yes" in w._outcome.value
    assert w.check().status == "incorrect"
    w._buttons_by_member["Russian Federation"].value = "no"
    assert "Russian Federation (permanent) voted no" in w._outcome.value
    assert w.check().status == "correct"
    assert saved(work)["00.veto"]["value"]["Russian Federation"] == "no"
    assert len(saved(work)["00.veto"]["value"]) == 15
    w._buttons_by_member["Russian Federation"].value = "abstain"
    assert "14 yes, 0 no, 1 abstain: adopted" in w._outcome.value, "an abstention is not a veto"
    restart()
    again = q.vote("00.veto", "Make it fail", members=MEMBERS, permanent=PERMANENT, check=check)
    assert again._buttons_by_member["Russian Federation"].value == "abstain"
    assert "14 yes" in again._outcome.value


def test_vote_members_come_from_data_by_default(work, monkeypatch):
    from minusma import council

    monkeypatch.setattr(council, "council_2023", lambda: (tuple(MEMBERS), tuple(PERMANENT)))
    w = q.vote("00.veto", "Vote")
    assert list(w._buttons_by_member) == MEMBERS


def test_written_with_word_count_and_rubric(work):
    w = q.written("00.consent", "Why consent?", words=[3, 10], criteria=["perspectives", "uncertainty"])
    assert w._check_button is None
    assert "Perspectives" in w.children[-3].value or any("Perspectives" in getattr(c, "value", "") for c in w.children)
    w._text.value = "Two words"
    assert "2 words · aim for 3–10 (outside the range)" in w._count.value
    assert saved(work)["00.consent"]["value"] == "Two words"
    w._text.value = "Consent matters because peacekeepers need access."
    assert "within the range" in w._count.value
    restart()
    again = q.written("00.consent", "Why consent?", words=[3, 10], criteria=["perspectives"])
    assert again._text.value == "Consent matters because peacekeepers need access."
    assert "6 words" in again._count.value


# ------------------------------------------------------------- bad input


def test_bad_input_never_loses_the_previous_answer(work):
    num = q.number("00.n", "How many?", min=0, max=100000)
    num._text.value = "42"
    for bad, message in [
        ("abc", "is not a number"),
        ("-5", "at least 0"),
        ("1e300", "far too large"),
        ("200000", "at most 100,000"),
        ("<script>alert(1)</script>", "is not a number"),
    ]:
        num._text.value = bad
        assert message in num._status.value, bad
        assert "previous answer is kept" in num._status.value
        assert saved(work)["00.n"]["value"] == 42.0
    assert "&lt;script&gt;" in num._status.value and "<script>" not in num._status.value, "shown escaped"
    num._text.value = ""
    assert "empty" in num._status.value and saved(work)["00.n"]["value"] == 42.0


def test_huge_and_strange_text(work):
    w = q.written("00.w", "Write")
    w._text.value = "Première réponse — 🙂 <b>bold?</b>"
    w._text.value = "x" * 100_000
    assert "too long (100,000 characters" in w._status.value
    assert saved(work)["00.w"]["value"] == "Première réponse — 🙂 <b>bold?</b>"
    w._text.value = "   "
    assert "empty" in w._status.value and saved(work)["00.w"]["value"].startswith("Première")
    w._text.value = "bad \ud800 half of a character"
    assert "cannot be saved" in w._status.value
    w._text.value = "<script>alert('x')</script>"
    assert saved(work)["00.w"]["value"] == "<script>alert('x')</script>", "kept verbatim, as text"
    with pytest.raises(spec.AnswerError):
        w.answer(12)


def test_wrong_types_from_code_are_refused(work):
    w = q.single_choice("00.s", "Pick", ["a", "b"])
    w.answer("a")
    for bad in (None, 3, ["a"], "c"):
        with pytest.raises(spec.AnswerError):
            w.answer(bad)
    assert w.value == "a"
    fc = q.forecast("00.f", "Will it?")
    with pytest.raises(spec.AnswerError, match="0 to 100"):
        fc.answer({"probability": 150, "reason": "x", "locked_at": None})
    fc._reason.value = "a" * 400
    assert "too long" in fc._status.value


def test_failed_disk_write_keeps_memory_and_file_in_step(work, monkeypatch):
    w = q.single_choice("00.s", "Pick", ["a", "b"])
    w._radio.value = "a"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_json_atomic", disk_full)  # every kept file writes through it
    w._radio.value = "b"
    assert "Could not save (No space left on device)" in w._status.value
    assert w.value == "a" and saved(work)["00.s"]["value"] == "a"


# ------------------------------------------------------------- the answers file


def test_corrupt_answers_file_is_set_aside_not_overwritten(work, capsys):
    path = work / "answers" / f"{NOTEBOOK}.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "minusma-answers/1", "answers": {"00.a": ', encoding="utf-8")
    restart()
    q.setup(NOTEBOOK)
    assert "could not be used" in capsys.readouterr().out
    w = q.single_choice("00.a", "Pick", ["a", "b"])
    assert "could not be used" in w._status.value and "corrupt-" in w._status.value
    w._radio.value = "b"
    aside = list(path.parent.glob(f"{NOTEBOOK}.corrupt-*.json"))
    assert len(aside) == 1
    assert aside[0].read_text(encoding="utf-8") == '{"format": "minusma-answers/1", "answers": {"00.a": '
    assert saved(work)["00.a"]["value"] == "b"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        b'{"format": "something-else/2"}',
        json.dumps(
            {
                "format": "minusma-answers/1",
                "notebook": "01_the_request",
                "answers": {},
                "created_at": "2023-01-01T00:00:00Z",
                "updated_at": "2023-01-01T00:00:00Z",
            }
        ).encode(),
        json.dumps(
            {
                "format": "minusma-answers/1",
                "notebook": NOTEBOOK,
                "answers": {"00.a": "b"},
                "created_at": "2023-01-01T00:00:00Z",
                "updated_at": "2023-01-01T00:00:00Z",
            }
        ).encode(),
    ],
)
def test_foreign_or_damaged_files_are_set_aside(work, content):
    path = work / "answers" / f"{NOTEBOOK}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    restart()
    s = store.get_store(NOTEBOOK)
    assert s.notice and "Nothing was deleted" in s.notice
    assert not path.exists()
    (aside,) = path.parent.glob("*.corrupt-*.json")
    assert aside.read_bytes() == content


def test_two_set_asides_in_the_same_second_do_not_collide(work):
    folder = work / "answers"
    folder.mkdir()
    for _ in range(2):
        (folder / f"{NOTEBOOK}.json").write_text("broken", encoding="utf-8")
        restart()
        store.get_store(NOTEBOOK)
    assert len(list(folder.glob("*.corrupt-*.json"))) == 2


def test_saved_answer_that_no_longer_fits_is_kept_but_not_shown(work):
    q.single_choice("00.s", "Pick", ["a", "b"]).answer("b")
    restart()
    w = q.single_choice("00.s", "Pick", ["a", "c"])  # the course changed the options
    assert w._radio.value is None and "no longer fits" in w._status.value
    assert saved(work)["00.s"]["value"] == "b", "not overwritten until the student answers again"


def test_two_kernels_on_one_notebook_merge(work):
    first = q.single_choice("00.a", "A", ["x", "y"])
    first._radio.value = "x"
    other_kernel = store.AnswerStore(NOTEBOOK)  # a second kernel reading the same file
    other_kernel.save("00.b", "single_choice", "y")
    first._radio.value = "y"
    assert saved(work)["00.a"]["value"] == "y" and saved(work)["00.b"]["value"] == "y"


def test_a_forecast_locked_in_another_kernel_stays_locked(work):
    """The notebook open twice: locking in one kernel wins over a later change in the other,
    whose widget still showed an unlocked draft."""
    here = q.forecast("00.fc", "Will it?")
    here._reason.value = "A first thought."
    other_kernel = store.AnswerStore(NOTEBOOK)
    draft = other_kernel.value("00.fc")
    other_kernel.save("00.fc", "forecast", {**draft, "probability": 80, "locked_at": spec.now_iso()})
    here._slider.value = 10  # this kernel does not know about the lock yet
    entry = saved(work)["00.fc"]["value"]
    assert entry["probability"] == 80 and entry["locked_at"], "the lock survived"
    assert here._slider.value == 80 and here._slider.disabled and "locked" in here._status.value
    with pytest.raises(spec.AnswerError, match="locked"):
        store.AnswerStore(NOTEBOOK, store.answers_path(NOTEBOOK)).save(
            "00.fc", "forecast", {"probability": 5, "reason": "x", "locked_at": None}
        )


def test_the_store_refuses_to_unlock_what_another_kernel_locked(work):
    first, second = store.AnswerStore(NOTEBOOK), store.AnswerStore(NOTEBOOK)
    first.save("00.fc", "forecast", {"probability": 40, "reason": "r", "locked_at": None})
    second.save("00.fc", "forecast", {"probability": 40, "reason": "r", "locked_at": spec.now_iso()})
    with pytest.raises(spec.AnswerError, match="locked"):
        first.save("00.fc", "forecast", {"probability": 90, "reason": "changed", "locked_at": None})
    assert saved(work)["00.fc"]["value"]["probability"] == 40 and saved(work)["00.fc"]["value"]["locked_at"]


def test_hand_in_holds_answers_saved_by_another_kernel(work):
    q.identity().save("Aminata Traoré", "s1")
    q.single_choice("00.a", "A", ["x", "y"]).answer("x")
    store.AnswerStore(NOTEBOOK).save("00.b", "single_choice", "y")  # the same notebook, open in a second tab
    document = json.loads(handin.hand_in(NOTEBOOK).read_text(encoding="utf-8"))
    assert {qid: entry["value"] for qid, entry in document["answers"].items()} == {"00.a": "x", "00.b": "y"}


def test_solution_runs_keep_apart_from_the_students_files(work):
    q.single_choice("00.a", "A", ["x", "y"]).answer("x")
    q.solution_copy()
    q.single_choice("00.a", "A", ["x", "y"], key="y").answer("y")
    assert saved(work)["00.a"]["value"] == "x"
    assert (
        json.loads((work / "solutions" / "answers" / f"{NOTEBOOK}.json").read_text())["answers"]["00.a"]["value"] == "y"
    )


def test_setup_must_match_the_question(work):
    with pytest.raises(spec.SpecError, match="does not belong"):
        q.single_choice("03.a", "A", ["x", "y"])


def test_key_and_check_are_exclusive_and_checks_validated(work):
    with pytest.raises(spec.SpecError, match="not both"):
        q.single_choice("00.a", "A", ["x", "y"], key="x", check=keys.encode("single_choice", "00.a", "x"))
    with pytest.raises(ValueError, match="damaged"):
        q.single_choice("00.a", "A", ["x", "y"], check="mk1:!!")


# ------------------------------------------------------------- identity and hand-in


def test_identity_asked_once_and_validated(work):
    who = q.identity()
    assert not who.save("", "s1") and "Type your name" in who._status.value
    assert not who.save("Ada <script>", "s1") and "cannot contain" in who._status.value
    assert not who.save("Ada", "../etc/passwd") and "letters, digits" in who._status.value
    assert not (work / "student.json").exists()
    assert who.save("  Aminata   Traoré ", "s-2023.01")
    assert json.loads((work / "student.json").read_text(encoding="utf-8"))["name"] == "Aminata Traoré"
    restart()
    again = q.identity()
    assert again._name.value == "Aminata Traoré" and again._id.value == "s-2023.01"


def test_corrupt_identity_is_set_aside_and_asked_again(work):
    (work / "student.json").write_text("{oops", encoding="utf-8")
    assert store.load_identity() is None
    assert list(work.glob("student.corrupt-*.json"))


def test_hand_in_writes_a_valid_submission(work):
    button = q.hand_in()
    assert button.click() is None and "name and student id" in button._status.value
    q.identity().save("Aminata Traoré", "s1")
    assert button.click() is None and "nothing to hand in" in button._status.value
    q.single_choice("00.a", "A", ["x", "y"]).answer("y")
    q.written("00.w", "W").answer("Un texte <b>libre</b>.")
    path = button.click()
    assert path == work / "hand-in" / "s1__00_start_here.json"
    assert "hand-in/s1__00_start_here.json" in button._status.value
    document = json.loads(path.read_text(encoding="utf-8"))
    assert submission.schema_errors(document) == [] and submission.verify_checksum(document)
    assert document["student"] == {"id": "s1", "name": "Aminata Traoré"}
    assert set(document["answers"]) == {"00.a", "00.w"}
    assert document["created_at"] <= document["submitted_at"]


def test_hand_in_file_name_is_sanitised():
    assert handin.safe_file_part("../../evil id") == "evil_id"
    assert handin.safe_file_part("...") == "student"


def test_question_finds_the_newest_widget_by_id(work):
    first = q.single_choice("00.lookup", "Who asked?", ["UN", "Mali"])
    assert q.question("00.lookup") is first
    rebuilt = q.single_choice("00.lookup", "Who asked?", ["UN", "Mali"])
    assert q.question("00.lookup") is rebuilt
    with pytest.raises(LookupError, match="run its cell first"):
        q.question("00.never_built")
