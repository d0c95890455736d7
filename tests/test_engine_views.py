"""What a student meets with real widgets: two views of one notebook, untouched
questions, a forecast locked at its starting value, a kernel that went away.

Two kernels are simulated by two answer stores on the same file
(``store.forget_stores()`` between building the widgets), as when a notebook
is open in two tabs or duplicated.
"""

from __future__ import annotations

import json

import pytest
from council_fixture import MEMBERS

from minusma import council, keys, store
from minusma import questions as q

NOTEBOOK = "00_start_here"
OPTIONS = ["The UN Secretary-General", "Mali's government", "France"]


@pytest.fixture(autouse=True)
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("MINUSMA_WORK_DIR", str(tmp_path))
    monkeypatch.setattr(council, "council_2023", lambda: (tuple(MEMBERS), tuple(MEMBERS[:5])))
    store.set_solution_mode(False)
    store.forget_stores()
    q.setup(NOTEBOOK)
    yield tmp_path
    store.forget_stores()


def on_disk(work_dir) -> dict:
    path = work_dir / "answers" / f"{NOTEBOOK}.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}


def second_kernel():
    """Forget the first kernel's store: the next widget is another kernel's view of the same file."""
    store.forget_stores()


def who(check=True):
    checked = keys.encode("single_choice", "00.who", "Mali's government") if check else None
    return q.single_choice("00.who", "Who asked?", OPTIONS, check=checked)


def test_check_in_a_stale_view_never_overwrites_a_newer_answer(work):
    tab_a = who()
    second_kernel()
    tab_b = who()
    tab_a._radio.value = "Mali's government"
    tab_b._radio.value = "France"  # tab B does not know tab A's answer: the later change wins
    assert on_disk(work)["00.who"]["value"] == "France"
    result = tab_a.check()  # tab A still shows Mali
    assert on_disk(work)["00.who"]["value"] == "France", "Check must not save what the student did not change"
    assert tab_a._radio.value == "France" and "another tab" in tab_a._status.value
    assert result.status == "incorrect"  # it scored the answer now saved, the one it shows


def test_an_edit_in_an_older_view_is_saved_and_says_what_it_replaced(work):
    tab_a = who()
    second_kernel()
    tab_b = who()
    tab_b._radio.value = "France"
    tab_a._radio.value = "The UN Secretary-General"  # the student acted here, last: that is the answer
    assert on_disk(work)["00.who"]["value"] == "The UN Secretary-General"
    assert "replaces the answer given in another tab" in tab_a._status.value


def test_check_on_an_untouched_question_saves_nothing(work):
    w = who()
    assert w.check().status == "unanswered"
    ticks = q.multiple_choice(
        "00.many", "Which?", ["a", "b", "c"], check=keys.encode("multiple_choice", "00.many", ["a"])
    )
    assert ticks.check().status == "unanswered"
    order = q.order("00.order", "Order", ["x", "y", "z"], check=keys.encode("order", "00.order", ["z", "y", "x"]))
    assert order.check().status == "unanswered"
    assert on_disk(work) == {}


def test_a_number_typed_without_enter_is_saved_by_check(work):
    w = q.number("00.n", "How many?", check=keys.encode("number", "00.n", {"value": 13289, "tolerance": 0}))
    w._restoring = True  # the browser has the text, the kernel has not heard of it yet
    w._text.value = "13 289"
    w._restoring = False
    assert w.check().status == "correct"
    assert on_disk(work)["00.n"]["value"] == 13289.0


def test_locking_a_forecast_at_the_untouched_starting_value_asks_again(work):
    w = q.forecast("00.fc", "Will it?")
    w._reason.value = "It usually does."
    assert w.lock() is False and not w.locked
    assert "still at 50 %" in w._status.value
    w._slider.value = 60
    w._slider.value = 50  # moved and back: the student chose 50, but a change asks again
    assert w.lock() is False
    assert w.lock() is True and w.locked and on_disk(work)["00.fc"]["value"]["probability"] == 50


def test_a_moved_slider_locks_at_once(work):
    w = q.forecast("00.fc2", "Will it?")
    w._slider.value = 70
    w._reason.value = "Because."
    assert w.lock() is True
    assert "Locked</b> on" in w._feedback.value and "T" not in w._feedback.value.split("on", 1)[1][:12]


def test_every_question_carries_the_stylesheet_for_a_lost_kernel(work):
    for w in (who(), q.written("00.w", "Why?"), q.identity()):
        sheets = [c.value for c in w.children if "minusma-style" in c._dom_classes]
        assert sheets and ".jupyter-widgets-disconnected" in sheets[0] and "pointer-events: none" in sheets[0]
        assert "Run this cell again to reconnect" in sheets[0]


def test_setup_installs_the_keyboard_help(work, monkeypatch):
    shown = []
    import IPython
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    q.setup(NOTEBOOK)
    assert shown and "data-lm-suppress-shortcuts" in shown[0].data and "aria-pressed" in shown[0].data


def test_a_vote_keyed_by_ballot_scores_the_ballot_not_only_its_outcome(work):
    key = {"ballot": {"Russian Federation": "no"}, "others": "yes"}
    w = q.vote("00.veto", "Everyone yes but Russia", check=keys.encode("vote", "00.veto", key))
    for member in MEMBERS:
        w._buttons_by_member[member].value = "abstain"
    result = w.check()
    assert result.status == "incorrect" and "15 of 15 votes" in result.feedback
    for member in MEMBERS:
        w._buttons_by_member[member].value = "no" if member == "Russian Federation" else "yes"
    assert w.check().status == "correct"


def test_hand_in_says_what_it_handed_in_and_how_to_upload_it(work, monkeypatch):
    from minusma import paths

    monkeypatch.setattr(paths, "REPO_ROOT", work.parent)  # the work folder inside the "course folder"
    store.save_identity("Ada Example", "demo-001")
    w = who()
    w._radio.value = "France"
    button = q.hand_in()
    assert button.click() is not None
    message = button._status.value
    assert "Handed in 1 answer(s)" in message and "00.who" in message
    assert "Download" in message and "hand-in" in message


def test_hand_in_warns_when_answers_change_afterwards_and_remembers_after_a_restart(work):
    store.save_identity("Ada Example", "demo-001")
    w = who()
    w._radio.value = "France"
    button = q.hand_in()
    button.click()
    w._radio.value = "Mali's government"
    assert "changed 1 answer(s) since" in button._status.value and "00.who" in button._status.value
    store.forget_stores()  # a restart: a new button learns of the old hand-in from the file
    again = q.hand_in()
    assert "changed 1 answer(s) since" in again._status.value
    again.click()
    store.forget_stores()
    assert "no answer has changed since" in q.hand_in()._status.value


def test_hand_in_outside_the_course_folder_says_to_ask(work):
    store.save_identity("Ada Example", "demo-001")
    who()._radio.value = "France"
    button = q.hand_in()
    button.click()
    assert "outside the course folder" in button._status.value
