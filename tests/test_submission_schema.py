"""The fast compiled schema check and jsonschema agree on what a valid submission is.

The grader keeps both: fastjsonschema confirms a valid hand-in about ten times
faster, and jsonschema words the errors of a failing one. jsonschema alone
would add over a second per 1,000 hand-ins, about 9 s for 1,000 students with
every notebook (``benchmarks/bench_grading.py`` prints the figure), which the
10-second goal cannot absorb. These cases keep the two from drifting apart.
"""

import copy

import jsonschema
import pytest

from minusma import submission


def valid_document():
    answers = {
        "00.who_asked": {"type": "single_choice", "value": "Mali", "saved_at": "2026-11-30T10:00:00Z"},
        "00.ceiling_2016": {"type": "number", "value": 13289.0, "saved_at": "2026-11-30T10:01:00Z"},
        "00.consent": {"type": "written", "value": "Consent <b>matters</b> — é", "saved_at": "2026-11-30T10:02:00Z"},
    }
    return submission.build(
        "00_start_here",
        {"id": "s-001", "name": "Aminata Traoré"},
        answers,
        "2026-11-30T09:00:00Z",
        "2026-11-30T11:00:00Z",
        "0.1.0",
    )


def mutations():
    yield "valid", lambda d: None
    yield "no student", lambda d: d.pop("student")
    yield "id with a slash", lambda d: d["student"].__setitem__("id", "../etc")
    yield "number as text", lambda d: d["answers"]["00.ceiling_2016"].__setitem__("value", "13289")
    yield "bad timestamp", lambda d: d.__setitem__("submitted_at", "yesterday")
    yield "unknown format", lambda d: d.__setitem__("format", "other/1")
    yield "answers not a mapping", lambda d: d.__setitem__("answers", [])
    yield "extra top-level field", lambda d: d.__setitem__("grade", 100)
    yield "not an object", lambda d: None


@pytest.mark.parametrize("name, change", list(mutations()), ids=[m[0] for m in mutations()])
def test_fast_check_agrees_with_jsonschema(name, change):
    document = valid_document()
    change(document)
    if name == "not an object":
        document = ["a", "list"]
    full = jsonschema.Draft202012Validator(submission.schema(), format_checker=jsonschema.FormatChecker())
    expected_valid = not list(full.iter_errors(document))
    errors = submission.schema_errors(copy.deepcopy(document))
    assert (errors == []) == expected_valid, (name, errors)
    if name == "valid":
        assert errors == []
    else:
        assert errors and all(isinstance(line, str) and line for line in errors)
