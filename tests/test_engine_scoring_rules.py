"""Scoring rules from the reviews: keys that cannot be probed, ballots, numbers as notebooks print them."""

from __future__ import annotations

import pytest
from council_fixture import MEMBERS

from minusma import keys, qtypes, spec
from minusma.spec import AnswerError, make_spec


def both_keys(qspec, key):
    """The plain key (solutions, grading) and the encoded one (exercises): they must score alike."""
    return [key, keys.encode(qspec.type, qspec.id, key)]


@pytest.mark.parametrize("which", [0, 1])
def test_multiple_choice_feedback_does_not_tell_right_from_wrong_options(which):
    qspec = make_spec("multiple_choice", "00.mc", "p", options=["a", "b", "c", "d"], points=2)
    key = both_keys(qspec, ["a", "b"])[which]
    one_right, one_wrong = spec.score(qspec, ["a"], key), spec.score(qspec, ["c"], key)
    assert one_right.feedback == one_wrong.feedback
    assert one_right.points > 0 and one_wrong.points == 0  # the grader still gives partial credit
    assert not qtypes.TYPES["multiple_choice"].check_shows_points


@pytest.mark.parametrize("which", [0, 1])
def test_vote_with_a_ballot_key(which):
    qspec = make_spec("vote", "00.veto", "p", members=MEMBERS, permanent=MEMBERS[:5])
    key = both_keys(qspec, {"ballot": {"Russian Federation": "no"}, "others": "yes"})[which]
    asked = {m: ("no" if m == "Russian Federation" else "yes") for m in MEMBERS}
    assert spec.score(qspec, asked, key).status == "correct"
    assert spec.score(qspec, {m: "abstain" for m in MEMBERS}, key).status == "incorrect"
    china_instead = {**asked, "Russian Federation": "yes", "China": "no"}  # same outcome, other ballot
    assert spec.score(qspec, china_instead, key).status == "incorrect"


@pytest.mark.parametrize("which", [0, 1])
def test_vote_with_a_full_ballot_key_and_no_others(which):
    qspec = make_spec("vote", "00.all", "p", members=MEMBERS, permanent=MEMBERS[:5])
    ballot = {m: "yes" for m in MEMBERS}
    key = both_keys(qspec, {"ballot": ballot})[which]
    assert spec.score(qspec, ballot, key).status == "correct"
    assert spec.score(qspec, {**ballot, "Malta": "abstain"}, key).status == "incorrect"


def test_vote_outcome_keys_still_accept_any_ballot_with_that_outcome():
    qspec = make_spec("vote", "00.out", "p", members=MEMBERS, permanent=MEMBERS[:5], key="adopted")
    assert spec.score(qspec, {m: "yes" for m in MEMBERS}).status == "correct"


@pytest.mark.parametrize(
    "key",
    [
        {"ballot": {"Atlantis": "no"}, "others": "yes"},
        {"ballot": {"France": "maybe"}, "others": "yes"},
        {"ballot": {"France": "no"}},
        {"ballot": {"France": "no"}, "others": "perhaps"},
        "vetoed",
    ],
)
def test_bad_vote_keys_are_refused(key):
    with pytest.raises(spec.SpecError):
        make_spec("vote", "00.bad", "p", members=MEMBERS, permanent=MEMBERS[:5], key=key)


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("np.float64(25.273010920436818)", "%", 25.273010920436818),
        ("np.int64(753)", "days", 753.0),
        ("Timedelta('753 days 00:00:00')", "days", 753.0),
        ("753 days", "days", 753.0),
        ("1 day", "days", 1.0),
        ("25.3 %", "%", 25.3),
        ("25,3%", "% of uniformed personnel", 25.3),
        ("13 289", "military personnel", 13289.0),
    ],
)
def test_numbers_as_a_notebook_prints_them_or_with_their_unit(text, unit, expected):
    assert qtypes.parse_number(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text, unit", [("753 apples", "days"), ("about 13000", ""), ("np.float64(x)", "")])
def test_other_words_are_still_refused_clearly(text, unit):
    with pytest.raises(AnswerError, match="is not a number"):
        qtypes.parse_number(text, unit)


def test_a_damaged_rubric_breaks_only_written_questions(tmp_path, monkeypatch):
    from minusma import paths

    broken = tmp_path / "rubric.yaml"
    broken.write_text("criteria: [oops", encoding="utf-8")
    monkeypatch.setattr(paths, "RUBRIC_FILE", broken)
    make_spec("single_choice", "00.ok", "p", options=["a", "b"])  # unaffected
    with pytest.raises(spec.RubricFileError):
        make_spec("written", "00.wr", "p", criteria=["evidence"])


def test_every_type_is_one_class_with_every_part():
    for name, kind in qtypes.TYPES.items():
        assert kind.name == name
        for part in ("check_spec", "validate_key", "validate_answer", "encode", "score", "describe_answer"):
            assert callable(getattr(kind, part))
    assert tuple(qtypes.TYPES) == spec.QUESTION_TYPES
