"""The submission file a student hands in, and its checksum.

Format ``minusma-submission/1`` (JSON Schema:
``minusma/schemas/submission.schema.json``)::

    {
      "format": "minusma-submission/1",
      "module_version": "0.1.0",
      "notebook": "00_start_here",
      "student": {"id": "s1234567", "name": "Aminata Traoré"},
      "created_at": "2023-06-30T09:00:00.000Z",     # first answer saved
      "submitted_at": "2023-06-30T10:15:00.000Z",   # hand-in time
      "answers": {
        "00.capital": {"type": "single_choice", "value": "Bamako",
                       "saved_at": "2023-06-30T09:01:00.000Z", "checks": 1},
        ...
      },
      "checksum": "sha256:<64 hex>"
    }

The checksum is SHA-256 over :func:`canonical_json` of the document without
its ``checksum`` field. It detects accidental damage and casual hand edits;
it is not a signature (anyone can recompute it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

SUBMISSION_FORMAT = "minusma-submission/1"
ANSWERS_FORMAT = "minusma-answers/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "submission.schema.json"


def canonical_json(obj: Any) -> bytes:
    """The one byte form of ``obj`` that checksums are computed over.

    Keys sorted, no spaces (separators ``,`` and ``:``), non-ASCII kept as
    UTF-8 (``ensure_ascii=False``). Floats use Python's shortest round-trip
    form, so reading and re-writing a file keeps its checksum.
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def checksum(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the canonical JSON of ``document`` minus its ``checksum`` field."""
    body = {k: v for k, v in document.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def verify_checksum(document: Mapping[str, Any]) -> bool:
    """True when the document's ``checksum`` matches its content."""
    return document.get("checksum") == checksum(document)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The submission JSON Schema (draft 2020-12), as a dict."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _fast_check():
    """The schema compiled to Python by fastjsonschema: about ten times faster than jsonschema."""
    import fastjsonschema  # late import: only hand-in and grading need it

    return fastjsonschema.compile(schema()), fastjsonschema.JsonSchemaException


@lru_cache(maxsize=1)
def _full_validator():
    import jsonschema  # late import: only hand-in and grading need it

    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` breaks the schema, one readable line each (empty if valid).

    A valid document (the common case when grading a class) is confirmed by the
    fast compiled check alone; only a failing one goes through jsonschema, whose
    messages name every problem. Does not check the checksum: see :func:`verify_checksum`.
    """
    check, failure = _fast_check()
    try:
        check(document)
        return []
    except failure:
        pass
    errors = sorted(_full_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    lines = []
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        lines.append(f"{where}: {error.message}")
    return lines or ["(top level): does not match the submission format"]


def build(
    notebook: str,
    student: Mapping[str, str],
    answers: Mapping[str, Any],
    created_at: str,
    submitted_at: str,
    module_version: str,
) -> dict[str, Any]:
    """A complete submission document, checksum included."""
    document: dict[str, Any] = {
        "format": SUBMISSION_FORMAT,
        "module_version": module_version,
        "notebook": notebook,
        "student": {"id": student["id"], "name": student["name"]},
        "created_at": created_at,
        "submitted_at": submitted_at,
        "answers": json.loads(json.dumps(answers)),  # a deep copy, plain JSON types only
    }
    document["checksum"] = checksum(document)
    return document
