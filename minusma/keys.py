"""Encoded answer keys for exercise notebooks: the ``check="mk1:..."`` argument.

Solutions hold plain keys (``key="Bamako"``). The build step
(:mod:`minusma.build`) replaces each by :func:`encode` of it, so that an
exercise notebook can still check answers without showing them:

* choice, order, classify, vote and forecast keys become **salted hashes**
  (SHA-256 of a course salt, the question id and the candidate answer,
  truncated): the check compares hashes of what the student picked;
* number keys become a **blob** (the value and tolerance XOR-ed with a key
  stream derived from the same salt), decoded only inside the scorer and
  never printed;
* written keys (model answers) are never encoded: they do not leave solutions.

Honesty note: this is **obfuscation against casual reading, not security**.
The salt is in this file, and a choice question has few candidates, so a
determined student who reads this code can recover any key in seconds. It
keeps answers out of sight while working, which is all a self-check needs;
marks that count come from the grading command, which uses the solutions.

Encoding is deterministic (same question and key, same text), so building
exercises twice gives byte-identical notebooks.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

#: Every encoded check starts with this (the version of the encoding).
PREFIX = "mk1:"

#: Course-wide salt. Changing it changes every encoded check: rebuild exercises after.
COURSE_SALT = "minusma-course/leaving-mali/2023"

_HASH_CHARS = 24  # 96 bits: collisions between a handful of candidates are impossible in practice
_SEP = "\x1f"


def _salt(qid: str) -> bytes:
    return hashlib.sha256(f"{COURSE_SALT}{_SEP}{qid}".encode()).digest()


def digest(qid: str, *parts: str) -> str:
    """A salted hash of one candidate answer part for question ``qid`` (what encoded checks compare)."""
    h = hashlib.sha256(_salt(qid))
    h.update(_SEP.join(parts).encode("utf-8"))
    return h.hexdigest()[:_HASH_CHARS]


def _keystream(qid: str, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(_salt(qid) + b"number" + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream))


def hide(qid: str, obj: Any) -> str:
    """``obj`` (JSON) as a blob that only :func:`unhide` reads back (number keys)."""
    plain = json.dumps(obj).encode("utf-8")
    return base64.b64encode(_xor(plain, _keystream(qid, len(plain)))).decode("ascii")


def unhide(qid: str, blob: str) -> Any:
    raw = base64.b64decode(blob)
    return json.loads(_xor(raw, _keystream(qid, len(raw))))


def encode(qtype: str, qid: str, key: Any) -> str | None:
    """The ``check`` text that replaces a plain key in an exercise notebook.

    Returns ``None`` for keys that must not appear at all (written answers).
    The key must already be valid for its question (see ``spec.validate_key``);
    what is hashed or hidden is the type's business (:mod:`minusma.qtypes`).
    """
    from .qtypes import TYPES  # the types use this module's hashing

    if key is None:
        return None
    if qtype not in TYPES:
        raise ValueError(f"cannot encode a key for question type {qtype!r}")
    payload = TYPES[qtype].encode(qid, key)
    if payload is None:
        return None
    payload["t"] = qtype
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return PREFIX + base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def is_encoded(key: Any) -> bool:
    """True for a ``check`` text made by :func:`encode`."""
    return isinstance(key, str) and key.startswith(PREFIX)


def _decode_payload(check: str, qtype: str) -> dict[str, Any]:
    body = check[len(PREFIX) :]
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError):
        raise ValueError("this question's check data is damaged; re-download the exercise notebook") from None
    if not isinstance(payload, dict) or payload.get("t") != qtype:
        raise ValueError("this question's check data belongs to another kind of question")
    return payload


class PlainChecker:
    """Answers the scorer's questions from a plain key (solutions, grading)."""

    def __init__(self, qtype: str, key: Any):
        self.qtype, self.key = qtype, key

    def option_ok(self, option: str) -> bool:
        return option == self.key if self.qtype == "single_choice" else option in self.key

    def n_correct(self) -> int:
        return len(self.key)

    def position_ok(self, index: int, item: str) -> bool:
        return index < len(self.key) and self.key[index] == item

    def category_ok(self, item: str, category: str) -> bool:
        return self.key.get(item) == category

    def number(self) -> tuple[float, float]:
        return float(self.key["value"]), float(self.key["tolerance"])

    def outcome_is(self, label: str) -> bool:
        return self.key == label

    def outcome(self) -> bool:
        return bool(self.key["outcome"])

    def kind(self) -> str:
        """For a vote: "ballot" (the votes asked for) or "outcome"."""
        return "ballot" if isinstance(self.key, Mapping) else "outcome"

    def vote_ok(self, member: str, vote: str) -> bool:
        return self.key["ballot"].get(member, self.key.get("others")) == vote


class EncodedChecker:
    """Answers the same questions from an encoded check, without decoding hashes."""

    def __init__(self, qtype: str, qid: str, check: str):
        self.qtype, self.qid = qtype, qid
        self._payload = _decode_payload(check, qtype)
        self._hashes = self._payload.get("h", [])

    def option_ok(self, option: str) -> bool:
        return digest(self.qid, "option", option) in self._hashes

    def n_correct(self) -> int:
        return len(self._hashes)

    def position_ok(self, index: int, item: str) -> bool:
        return index < len(self._hashes) and digest(self.qid, "position", str(index), item) == self._hashes[index]

    def category_ok(self, item: str, category: str) -> bool:
        return digest(self.qid, "category", item, category) in self._hashes

    def number(self) -> tuple[float, float]:
        value, tolerance = unhide(self.qid, self._payload["b"])
        return float(value), float(tolerance)

    def outcome_is(self, label: str) -> bool:
        return digest(self.qid, "outcome", label) in self._hashes

    def outcome(self) -> bool:
        return digest(self.qid, "outcome", "true") in self._hashes

    def kind(self) -> str:
        return "ballot" if "v" in self._payload else "outcome"

    def vote_ok(self, member: str, vote: str) -> bool:
        if digest(self.qid, "listed", member) in self._payload.get("l", []):
            return digest(self.qid, "vote", member, vote) in self._payload["v"]
        return self._payload.get("o") == digest(self.qid, "others", vote)

    def __repr__(self) -> str:  # never show the payload, even by accident
        return f"<encoded check for {self.qid}>"


def checker(qtype: str, qid: str, key: Any) -> PlainChecker | EncodedChecker | None:
    """A checker for ``key`` (plain or encoded), or ``None`` when there is no key."""
    if key is None:
        return None
    if is_encoded(key):
        return EncodedChecker(qtype, qid, key)
    if isinstance(key, Mapping) and qtype not in ("number", "classify", "forecast", "vote", "written"):
        raise ValueError(f"unexpected key shape for a {qtype} question")
    return PlainChecker(qtype, key)
