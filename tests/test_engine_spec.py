"""The question contract (minusma.spec, minusma.keys, minusma.submission), without widgets.

Scoring rules, the Charter rule, answer validation, reading questions out of
a notebook with ``ast``, encoded keys and the submission checksum.
"""

from __future__ import annotations

import json

import hypothesis.strategies as st
import jsonschema
import nbformat
import pytest
from council_fixture import MEMBERS, PERMANENT
from hypothesis import given, settings

from minusma import keys, spec, submission
from minusma.spec import AnswerError, SpecError, make_spec, score


def specs_with_keys():
    """One question of every type with a key (plus written, whose key is a model answer)."""
    return [
        make_spec("single_choice", "00.one", "Pick one", options=["a", "b", "c"], key="b", hint="think"),
        make_spec("multiple_choice", "00.many", "Pick some", options=["a", "b", "c", "d"], key=["a", "c"], points=2),
        make_spec("number", "00.num", "How many?", unit="personnel", key={"value": 13289, "tolerance": 0}),
        make_spec("order", "00.ord", "Order", items=["c", "a", "b", "d"], key=["a", "b", "c", "d"], points=4),
        make_spec(
            "classify",
            "00.cls",
            "Sort",
            items=["x", "y", "z"],
            categories=["p", "q"],
            key={"x": "p", "y": "q", "z": "p"},
            points=3,
        ),
        make_spec("vote", "00.vote", "Vote", members=MEMBERS, permanent=PERMANENT, key="not adopted"),
        make_spec("forecast", "00.fc", "Will it?", key={"outcome": True}),
        make_spec(
            "written",
            "00.wr",
            "Write",
            words=[5, 50],
            criteria=["perspectives"],
            key={"model_answer": "A model answer.", "rubric": "exit_ticket"},
        ),
    ]


SPECS = {s.type: s for s in specs_with_keys()}


def both_keys(s):
    """The plain key and its encoded form: the scorer must agree on both."""
    return [s.key, keys.encode(s.type, s.id, s.key)]


# ---------------------------------------------------------------- make_spec


@pytest.mark.parametrize("bad_id", ["capital", "0.capital", "00.Capital", "00-capital", "00.", "000.x", ""])
def test_ids_must_be_notebook_dot_slug(bad_id):
    with pytest.raises(SpecError, match="00.slug"):
        make_spec("single_choice", bad_id, "p", options=["a", "b"])


@pytest.mark.parametrize(
    "qtype, kwargs, message",
    [
        ("single_choice", {"options": ["a"]}, "at least two"),
        ("single_choice", {"options": ["a", "a"]}, "twice"),
        ("single_choice", {"options": ["a", "b"], "key": "c"}, "one of the options"),
        ("multiple_choice", {"options": ["a", "b"], "key": []}, "non-empty"),
        ("number", {"key": {"value": 1}}, "tolerance"),
        ("number", {"key": {"value": 1, "tolerance": -1}}, ">= 0"),
        ("number", {"min": 5, "max": 1}, "min is above max"),
        ("order", {"items": ["a", "b"], "key": ["a"]}, "every item"),
        ("classify", {"items": ["a"], "categories": ["x", "y"], "key": {"a": "z"}}, "category"),
        ("vote", {"key": "passed"}, "adopted"),
        ("vote", {"permanent": ["X"]}, "members"),
        ("forecast", {"key": {"outcome": "yes"}}, "outcome"),
        ("written", {"criteria": ["charm"]}, "unknown rubric criterion"),
        ("written", {"words": [50, 10]}, "fewest, most"),
        ("written", {"graded": "auto"}, "by hand"),
        ("number", {"options": ["a", "b"]}, "does not take"),
        ("single_choice", {"options": ["a", "b"], "points": -1}, "points"),
    ],
)
def test_inconsistent_questions_are_refused(qtype, kwargs, message):
    with pytest.raises(SpecError, match=message):
        make_spec(qtype, "00.q", "prompt", **kwargs)


def test_default_grading_by_type():
    assert SPECS["written"].graded == "hand"
    assert all(SPECS[t].graded == "auto" for t in SPECS if t != "written")


def test_key_is_copied_not_shared():
    correct = ["a", "c"]
    s = make_spec("multiple_choice", "00.m", "p", options=["a", "b", "c"], key=correct)
    correct.append("b")
    assert s.key == ["a", "c"]


# ---------------------------------------------------------------- scoring


@pytest.mark.parametrize("qtype", ["single_choice", "multiple_choice", "number", "order", "classify"])
def test_the_key_scores_full_marks(qtype):
    s = SPECS[qtype]
    answer = s.key["value"] if qtype == "number" else s.key
    for key in both_keys(s):
        result = score(s, answer, key)
        assert (result.status, result.points) == ("correct", s.points)


def test_unanswered():
    for s in SPECS.values():
        result = score(s, None)
        assert result.status == "unanswered" and result.points == 0 and result.max_points == s.points


def test_multiple_choice_partial_credit_rule():
    s = SPECS["multiple_choice"]  # correct: a, c; 2 points
    cases = {
        ("a",): 1.0,
        ("a", "c"): 2.0,
        ("a", "b"): 0.0,
        ("a", "c", "b"): 1.0,
        ("b", "d"): 0.0,
        ("a", "b", "c", "d"): 0.0,
    }
    for picked, points in cases.items():
        for key in both_keys(s):
            assert score(s, list(picked), key).points == points, picked
    assert score(s, ["a", "b", "c"]).status == "partial"


def test_number_within_tolerance_and_feedback_in_words():
    s = make_spec("number", "00.n", "p", key={"value": 200, "tolerance": 5})
    check = keys.encode("number", s.id, s.key)
    for key in (s.key, check):
        assert score(s, 204.9, key).status == "correct"
        assert score(s, 195, key).status == "correct"
        assert score(s, 210, key).feedback == "Not yet: too high, within 10 %."
        assert score(s, 160, key).feedback == "Not yet: too low, within 25 %."
        assert score(s, 500, key).feedback == "Not yet: too high, more than double."
        assert score(s, 350, key).feedback == "Not yet: too high, more than 50 % off (up to double)."
        assert score(s, 400, key).feedback == "Not yet: too high, more than 50 % off (up to double)."
        assert score(s, 0, key).feedback == "Not yet: too low, less than half of it."
        assert score(s, 20, key).feedback == "Not yet: too low, less than half of it."
        assert score(s, -200, key).feedback == "Not yet: too low, far off (check the sign)."
    for answer in (210, 160, 500, 350, 0, 20, 204.9):
        result = score(s, answer, check)
        assert "200" not in result.feedback and "5" not in result.feedback.replace("25 %", "").replace("50 %", "")


def test_order_partial_credit_is_fraction_in_place():
    s = SPECS["order"]  # a b c d, 4 points
    assert score(s, ["a", "b", "d", "c"]).points == 2.0
    assert score(s, ["b", "a", "d", "c"]).status == "incorrect"
    assert score(s, ["a", "c", "b", "d"], keys.encode("order", s.id, s.key)).feedback.startswith("Not yet: 2 of 4")


def test_classify_partial_credit_per_item():
    s = SPECS["classify"]  # x p, y q, z p; 3 points
    for key in both_keys(s):
        assert score(s, {"x": "p", "y": "p", "z": "p"}, key).points == 2.0
        assert score(s, {"x": "p"}, key).feedback.endswith("(2 not sorted yet).")


def test_vote_scoring():
    s = SPECS["vote"]  # expected: not adopted
    veto = {m: "yes" for m in MEMBERS} | {"Russian Federation": "no"}
    all_yes = {m: "yes" for m in MEMBERS}
    for key in both_keys(s):
        assert score(s, veto, key).status == "correct"
        assert score(s, all_yes, key).status == "incorrect"
    partial = dict(list(all_yes.items())[:10])
    assert "5 member(s) have not voted" in score(s, partial).feedback
    no_key = make_spec("vote", "00.v2", "p", members=MEMBERS, permanent=PERMANENT)
    assert score(no_key, all_yes).status == "correct"  # a complete ballot is the task


def test_forecast_scoring_is_brier():
    s = SPECS["forecast"]  # outcome: true
    locked = {"probability": 80, "reason": "r", "locked_at": "2023-06-30T10:00:00.000Z"}
    draft = dict(locked, locked_at=None)
    assert score(s, draft).status == "unanswered"
    for key in both_keys(s):
        result = score(s, locked, key)
        assert result.points == pytest.approx(1 - 0.04)
    no_key = make_spec("forecast", "00.f2", "p")
    assert score(no_key, locked).status == "hand"
    assert spec.brier_score(50, False) == 0.25 and spec.brier_score(100, True) == 0.0


def test_written_is_hand_graded_and_feedback_counts_words():
    s = SPECS["written"]
    result = score(s, "Only four words here.")
    assert result.status == "hand" and result.points == 0
    assert "4 words (the range is 5–50)" in result.feedback
    assert "model" not in result.feedback.lower()


def test_feedback_never_contains_the_key():
    for s in SPECS.values():
        if s.type in ("written", "forecast"):
            continue
        wrong = {
            "single_choice": "a",
            "multiple_choice": ["b"],
            "number": 1.0,
            "order": ["d", "c", "b", "a"],
            "classify": {"x": "q", "y": "p", "z": "q"},
            "vote": {m: "yes" for m in MEMBERS},
        }[s.type]
        result = score(s, wrong, keys.encode(s.type, s.id, s.key))
        text = result.feedback + result.hint
        assert "13289" not in text and "13,289" not in text
        if s.type == "single_choice":
            assert "'b'" not in text and "“b”" not in text


def test_bad_stored_answer_scores_as_unanswered():
    assert score(SPECS["single_choice"], "z").status == "unanswered"
    assert score(SPECS["number"], "many").status == "unanswered"


@settings(max_examples=200, deadline=None)
@given(picked=st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True))
def test_multiple_choice_plain_and_encoded_agree(picked):
    s = SPECS["multiple_choice"]
    plain, encoded = (score(s, picked, k) for k in both_keys(s))
    assert plain == encoded
    assert 0 <= plain.points <= plain.max_points


@settings(max_examples=200, deadline=None)
@given(order=st.permutations(["a", "b", "c", "d"]))
def test_order_plain_and_encoded_agree(order):
    s = SPECS["order"]
    assert score(s, list(order), s.key) == score(s, list(order), keys.encode("order", s.id, s.key))


@settings(max_examples=200, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_number_plain_and_encoded_agree(x):
    s = SPECS["number"]
    assert score(s, x, s.key) == score(s, x, keys.encode("number", s.id, s.key))


# ---------------------------------------------------------------- the Charter rule


def test_council_outcome_rule():
    all_yes = {m: "yes" for m in MEMBERS}
    assert spec.council_outcome(all_yes, PERMANENT).adopted
    veto = all_yes | {"China": "no"}
    out = spec.council_outcome(veto, PERMANENT)
    assert not out.adopted and out.vetoed_by == ("China",) and "veto" in out.explain()
    abstain = all_yes | {"China": "abstain", "Russian Federation": "abstain"}
    assert spec.council_outcome(abstain, PERMANENT).adopted, "an abstention is not a veto"
    eight = {m: ("yes" if i < 8 else "abstain") for i, m in enumerate(MEMBERS)}
    assert not spec.council_outcome(eight, PERMANENT).adopted
    nine = {m: ("yes" if i < 9 else "no") for i, m in enumerate(MEMBERS)}  # all 6 "no" are elected members
    assert spec.council_outcome(nine, PERMANENT).adopted
    real_2640 = all_yes | {"China": "abstain", "Russian Federation": "abstain"}  # 13-0-2 in June 2022
    out = spec.council_outcome(real_2640, PERMANENT)
    assert (out.yes, out.no, out.abstain, out.adopted) == (13, 0, 2, True)
    sanctions = all_yes | {"Russian Federation": "no", "China": "abstain"}  # 30 Aug 2023: 13-1-1, vetoed
    out = spec.council_outcome(sanctions, PERMANENT)
    assert (out.yes, out.no, out.abstain, out.adopted) == (13, 1, 1, False)


def test_council_outcome_counts_missing_votes():
    out = spec.council_outcome({"China": "yes"}, PERMANENT, MEMBERS)
    assert out.not_voted == 14 and "not voted yet" in out.explain()
    with pytest.raises(ValueError):
        spec.council_outcome({"China": "maybe"}, PERMANENT)


@settings(max_examples=300, deadline=None)
@given(votes=st.dictionaries(st.sampled_from(MEMBERS), st.sampled_from(spec.VOTE_CHOICES)))
def test_council_outcome_property(votes):
    out = spec.council_outcome(votes, PERMANENT, MEMBERS)
    expected = sum(v == "yes" for v in votes.values()) >= 9 and not any(votes.get(p) == "no" for p in PERMANENT)
    assert out.adopted == expected
    assert out.yes + out.no + out.abstain + out.not_voted == len(MEMBERS)


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize(
    "text, value",
    [
        ("13289", 13289.0),
        ("13,289", 13289.0),
        ("13 289", 13289.0),
        ("1,234,567.5", 1234567.5),
        ("2,5", 2.5),
        ("-3.25", -3.25),
        ("1e3", 1000.0),
        (" 42 ", 42.0),
        ("13\u202f289", 13289.0),
    ],
)
def test_parse_number_accepts_what_students_type(text, value):
    assert spec.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "   ", "abc", "12 apples", "1,2,3", "<script>", "--5"])
def test_parse_number_refuses_with_a_message(text):
    with pytest.raises(AnswerError) as info:
        spec.parse_number(text)
    assert "number" in str(info.value)


def test_validate_answer_messages():
    num = make_spec("number", "00.n", "p", unit="%", min=0, max=100)
    with pytest.raises(AnswerError, match="at most 100 %"):
        spec.validate_answer(num, 150)
    with pytest.raises(AnswerError, match="not finite"):
        spec.validate_answer(num, float("inf"))
    with pytest.raises(AnswerError, match="Type a number"):
        spec.validate_answer(num, True)
    w = SPECS["written"]
    with pytest.raises(AnswerError, match="too long"):
        spec.validate_answer(w, "x" * 100_000)
    with pytest.raises(AnswerError, match="cannot be saved"):
        spec.validate_answer(w, "bad \ud800 surrogate")
    with pytest.raises(AnswerError, match="empty"):
        spec.validate_answer(w, "   ")
    assert spec.validate_answer(w, "<script>alert(1)</script> ünïcödé 🙂") == "<script>alert(1)</script> ünïcödé 🙂"
    fc = SPECS["forecast"]
    with pytest.raises(AnswerError, match="0 to 100"):
        spec.validate_answer(fc, {"probability": 101, "reason": "r", "locked_at": None})
    with pytest.raises(AnswerError, match="one line"):
        spec.validate_answer(fc, {"probability": 5, "reason": "a\nb", "locked_at": None})
    vote = SPECS["vote"]
    with pytest.raises(AnswerError, match="not a member"):
        spec.validate_answer(vote, {"Germany": "yes"})
    assert spec.validate_answer(SPECS["multiple_choice"], ["c", "a"]) == ["a", "c"]  # canonical order


def test_word_count():
    assert spec.word_count("") == 0
    assert spec.word_count("MINUSMA's well-known end, in 2023.") == 5
    assert spec.word_count("Côte d’Ivoire et le Mali") == 5


# ---------------------------------------------------------------- reading notebooks


def _notebook(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = tmp_path / "00_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_specs_from_notebook_reads_literals_without_running(tmp_path):
    path = _notebook(
        tmp_path,
        "%matplotlib inline\nfrom minusma import questions as q\nraise SystemExit('never run')",
        'w = q.single_choice("00.a", "Pick", ["x", "y"], points=2, key="y")\nw',
        'q.order("00.b", "Order", items=["2", "1"], check="mk1:abc")',
        'print("not a question")\nq.number(variable)  # first argument is not an id: ignored',
    )
    found = spec.specs_from_notebook(path)
    assert [(s.id, s.type, s.points) for s in found] == [("00.a", "single_choice", 2), ("00.b", "order", 1)]
    assert spec.keys_from_notebook(path) == {"00.a": "y"}


def test_specs_from_notebook_refuses_non_literals_and_duplicates(tmp_path):
    path = _notebook(tmp_path, 'opts = ["x", "y"]\nq.single_choice("00.a", "Pick", opts)')
    with pytest.raises(SpecError, match="literal"):
        spec.specs_from_notebook(path)
    path = _notebook(tmp_path, 'q.written("00.a", "W")', 'q.written("00.a", "again")')
    with pytest.raises(SpecError, match="used twice"):
        spec.specs_from_notebook(path)


def test_positional_order_matches_the_builders():
    import inspect

    from minusma import questions

    for qtype, names in spec.POSITIONAL.items():
        params = list(inspect.signature(getattr(questions, qtype)).parameters.values())
        positional = [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert positional == ["id", "prompt", *names], qtype
        keyword = {p.name for p in params if p.kind == p.KEYWORD_ONLY}
        assert keyword == set(spec.TYPE_FIELDS[qtype]) - set(names) | {"points", "hint", "key", "check"} | (
            {"graded"} if qtype != "written" else set()
        ), qtype


# ---------------------------------------------------------------- encoded keys


def test_encoded_checks_do_not_contain_the_key_in_plain_text():
    for s in SPECS.values():
        check = keys.encode(s.type, s.id, s.key)
        if s.type == "written":
            assert check is None
            continue
        assert check.startswith(keys.PREFIX)
        decoded_outer = __import__("base64").urlsafe_b64decode(check[4:] + "==").decode()
        for secret in json.dumps(s.key).strip('"').split('"'):
            if len(secret) > 2:
                assert secret not in check and secret not in decoded_outer
        assert "13289" not in decoded_outer


def test_encoding_is_deterministic_and_salted_by_question():
    a = keys.encode("single_choice", "00.x", "Bamako")
    assert a == keys.encode("single_choice", "00.x", "Bamako")
    assert a != keys.encode("single_choice", "01.x", "Bamako")


def test_damaged_check_gives_a_clear_error():
    with pytest.raises(ValueError, match="damaged"):
        keys.checker("single_choice", "00.x", "mk1:%%%")
    other = keys.encode("vote", "00.x", "adopted")
    with pytest.raises(ValueError, match="another kind"):
        keys.checker("single_choice", "00.x", other)
    assert "Bamako" not in repr(keys.checker("single_choice", "00.x", keys.encode("single_choice", "00.x", "Bamako")))


# ---------------------------------------------------------------- submission format


def _submission(**answers):
    return submission.build(
        notebook="00_start_here",
        student={"id": "s-1", "name": "Aminata Traoré"},
        answers=answers,
        created_at="2023-06-30T09:00:00.000Z",
        submitted_at="2023-06-30T10:00:00.000Z",
        module_version="0.1.0",
    )


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(submission.schema())
    assert submission.schema()["$schema"].endswith("2020-12/schema")


def test_every_answer_shape_passes_the_schema():
    stamp = "2023-06-30T09:30:00.000Z"
    values = {
        "00.one": ("single_choice", "b"),
        "00.many": ("multiple_choice", ["a", "c"]),
        "00.num": ("number", 13289.0),
        "00.ord": ("order", ["a", "b"]),
        "00.cls": ("classify", {"x": "p"}),
        "00.fc": ("forecast", {"probability": 70, "reason": "r", "locked_at": stamp}),
        "00.vote": ("vote", {"China": "abstain"}),
        "00.wr": ("written", "Texte libre, ünïcödé."),
    }
    doc = _submission(
        **{qid: {"type": t, "value": v, "saved_at": stamp, "checks": 1} for qid, (t, v) in values.items()}
    )
    assert submission.schema_errors(doc) == []
    assert submission.verify_checksum(doc)


def test_schema_catches_bad_documents():
    stamp = "2023-06-30T09:30:00.000Z"
    doc = _submission(
        **{
            "00.fc": {
                "type": "forecast",
                "value": {"probability": 170, "reason": "r", "locked_at": stamp},
                "saved_at": stamp,
            }
        }
    )
    assert any("170" in e for e in submission.schema_errors(doc))
    doc = _submission(**{"capital": {"type": "written", "value": "x", "saved_at": stamp}})
    assert submission.schema_errors(doc)
    doc = _submission()
    doc["student"]["id"] = "../../etc"
    assert submission.schema_errors(doc)


def test_checksum_is_over_canonical_json():
    doc = _submission(**{"00.wr": {"type": "written", "value": "é", "saved_at": "2023-06-30T09:30:00.000Z"}})
    assert doc["checksum"].startswith("sha256:") and len(doc["checksum"]) == 71
    reordered = json.loads(json.dumps(doc, indent=3, ensure_ascii=True, sort_keys=False))
    assert submission.verify_checksum(reordered), "layout and escaping do not matter, content does"
    reordered["answers"]["00.wr"]["value"] = "e"
    assert not submission.verify_checksum(reordered)
    assert submission.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


# ---------------------------------------------------------------- the rule against the recorded votes


def test_council_rule_reproduces_every_recorded_vote_in_data():
    """council_outcome, fed each member's recorded vote, gives the outcome the Council recorded."""
    from minusma import data

    members, permanent = spec.council_members()
    assert len(members) == 15 and len(permanent) == 5
    ballots = data.load("council_member_votes")
    recorded = data.load("council_votes").set_index("text_id")
    checked = 0
    for text_id, rows in ballots.groupby("text_id", observed=True):
        if len(rows) != 15:
            continue  # only complete ballots can be replayed
        votes = {str(m): str(v) for m, v in zip(rows["member"], rows["vote"])}
        if (rows["date"].dt.year == 2023).all():  # 2640 (2022) was voted by the Council of 2022
            assert set(votes) == set(members), text_id
        out = spec.council_outcome(votes, permanent, members)
        row = recorded.loc[text_id]
        assert (out.yes, out.no, out.abstain) == (row["yes"], row["no"], row["abstain"]), text_id
        assert out.label == row["outcome"], text_id
        checked += 1
    assert checked >= 3, "resolution 2690 and the two drafts of 30 August 2023 at least"


def test_damaged_rubric_file_gives_one_clear_message(tmp_path):
    from minusma import spec as spec_module

    broken = tmp_path / "rubric.yaml"
    broken.write_text("criteria: [not, a, mapping", encoding="utf-8")
    with pytest.raises(spec_module.RubricFileError, match="instructor/rubric.yaml could not be read"):
        spec_module.rubric_criteria(broken)
    missing = tmp_path / "nothing.yaml"
    with pytest.raises(spec_module.RubricFileError, match="git checkout instructor/rubric.yaml"):
        spec_module.rubric_criteria(missing)
    assert spec_module.rubric_criteria() == spec_module.RUBRIC_CRITERIA
