"""The chair's side of lesson 07: the zero draft, the class's votes, the Charter rule, the class's text.

The instructor chairs the class's Council from ``instructor/chair_07.ipynb``;
everything that notebook does is here, so it stays a few short cells.

The zero draft (``data/zero_draft_clauses.csv``)
    Clauses in brackets, each with two or three options (A is always the
    penholder's proposal), between clauses that are agreed.

Voting on a bracket
    Each delegation votes yes, no or abstain on *each option* of a bracket:
    "yes" means it can accept a text with that option, "no" that it cannot
    (from a permanent member, a veto), "abstain" that it would let it pass. The
    Charter's rule (:func:`minusma.council.council_outcome`: nine yes and no
    permanent member voting no) is applied to every option; of the options that
    pass, the one with the most yes votes goes into the class's text (then the
    fewest no votes, then the earlier letter). If none passes, the bracket stays
    open: the chair can reopen it for a new round after consultations, or settle
    it "without a vote" when the room agrees; a bracket still open at the end is
    left out of the text, as a penholder drops a bracket it cannot close.

The final vote
    On the whole text as it stands. A vote cast on an earlier version of the
    text (a bracket changed afterwards) is not counted, and the tally says so.

Saving: nothing is ever lost
    A session is a :class:`~minusma.files.KeptDocument`: every vote is written
    to disk at once, atomically, under a cross-process lock, into an
    append-only list of events. Reopening the session (after a crash, or in the
    next class period) replays the events; two notebooks recording into the same
    session (two laptops, a second tab) merge instead of overwriting each other;
    a damaged file is renamed aside, never overwritten. Sessions live in
    ``<work folder>/chair/<name>.json``.

Votes handed in
    :meth:`Session.import_handins` reads a folder of students' hand-ins of
    notebook 07 (the answers to ``07.delegation``, ``07.vote_<clause>`` and
    ``07.vote_final``) with the grader's intake, which checks every file and
    never runs anything in it, and records each delegation's votes. Students
    of the same delegation who voted differently are reported, not recorded.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import council as _council
from . import paths
from .council import VOTE_CHOICES, CouncilOutcome
from .files import KeptDocument, write_text_atomic
from .spec import now_iso

SESSION_FORMAT = "minusma-chair/1"
#: The notebook whose hand-ins carry the votes, and the ids of its vote questions.
NOTEBOOK = "07_the_council_decides"
DELEGATION_QUESTION = "07.delegation"
FINAL_QUESTION = "07.vote_final"
#: The item id of the vote on the whole text.
FINAL = "final"
_EVENT_KINDS = ("vote", "settle", "reopen")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$")


def vote_question(clause_id: str) -> str:
    """The id of the exercise question on which a student votes on the options of ``clause_id``."""
    return f"07.vote_{clause_id}"


# --------------------------------------------------------------------------
# The zero draft
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option of a clause of the zero draft."""

    clause_id: str
    option_id: str
    short: str
    wording: str
    origin: str
    closest_to: str
    basis: str
    source: str
    in_resolution_2690: bool
    resolution_2690_topic: str

    @property
    def label(self) -> str:
        """How the option is named on the students' vote question: ``"A · objective: 31 December 2023"``."""
        return f"{self.option_id} · {self.short}"


@dataclass(frozen=True)
class Clause:
    """A clause of the zero draft: in brackets with its options, or agreed (one option)."""

    id: str
    order: int
    part: str
    bracketed: bool
    title: str
    question: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.option_id == option_id:
                return option
        raise KeyError(f"clause {self.id} has no option {option_id!r}")

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.option_id for o in self.options)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class ZeroDraft:
    """The zero draft: its clauses in the order of the text."""

    clauses: tuple[Clause, ...]

    @classmethod
    def load(cls) -> ZeroDraft:
        """The zero draft in ``data/zero_draft_clauses.csv``."""
        return _load_draft()

    @property
    def bracketed(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.bracketed)

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(
            f"the zero draft has no clause {clause_id!r}; its brackets are: " + ", ".join(c.id for c in self.bracketed)
        )

    @property
    def fingerprint(self) -> str:
        """A short hash of the clauses and their options: tells whether a session used this draft."""
        parts = [(c.id, o.option_id, o.wording) for c in self.clauses for o in c.options]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:16]

    def _repr_html_(self) -> str:
        return _draft_html(self)

    def __repr__(self) -> str:
        return f"<ZeroDraft: {len(self.clauses)} clauses, {len(self.bracketed)} in brackets>"


@lru_cache(maxsize=1)
def _load_draft() -> ZeroDraft:
    from . import data  # pandas is slow to import; only needed here

    table = data.load("zero_draft_clauses").sort_values(["clause_order", "option_id"], kind="stable")
    clauses = []
    for clause_id in dict.fromkeys(table["clause_id"]):
        rows = table[table["clause_id"] == clause_id]
        first = rows.iloc[0]
        options = tuple(
            Option(
                clause_id=str(clause_id),
                option_id=str(r.option_id),
                short=str(r.short),
                wording=str(r.wording),
                origin=str(r.origin),
                closest_to=_text(r.closest_to),
                basis=str(r.basis),
                source=str(r.source),
                in_resolution_2690=bool(r.in_resolution_2690),
                resolution_2690_topic=_text(r.resolution_2690_topic),
            )
            for r in rows.itertuples(index=False)
        )
        clauses.append(
            Clause(
                id=str(clause_id),
                order=int(first["clause_order"]),
                part=str(first["part"]),
                bracketed=bool(first["bracketed"]),
                title=str(first["clause_title"]),
                question=_text(first["question"]),
                options=options,
            )
        )
    return ZeroDraft(tuple(clauses))


# --------------------------------------------------------------------------
# Tallies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionTally:
    """The Charter's rule applied to one option of a bracket."""

    option: Option
    votes: Mapping[str, str]
    outcome: CouncilOutcome


@dataclass(frozen=True)
class ClauseTally:
    """Where a bracket stands: each option's tally, and the option that goes into the text."""

    clause: Clause
    options: tuple[OptionTally, ...]
    chosen: Option | None
    status: str  # open | voting | agreed | not agreed | agreed without a vote
    voted: tuple[str, ...]
    members: tuple[str, ...]
    round: int

    def explain(self) -> str:
        """One sentence for the room."""
        if self.status == "agreed without a vote":
            return f"{self.clause.title}: agreed without a vote on option {self.chosen.label}."
        if self.status == "open":
            return f"{self.clause.title}: no votes yet."
        counted = f"{len(self.voted)} of {len(self.members)} delegations have voted"
        if self.chosen is None:
            ending = "no option has nine yes votes without a veto" + (
                ": the bracket stays open (consult, then reopen it for a new round)."
                if self.status == "not agreed"
                else " so far."
            )
            return f"{self.clause.title}: {counted}; {ending}"
        lead = "goes into the text" if self.status == "agreed" else "would go into the text so far"
        return f"{self.clause.title}: {counted}; option {self.chosen.label} {lead}."

    def _repr_html_(self) -> str:
        return _tally_html(self)

    def __repr__(self) -> str:
        return self.explain()


@dataclass(frozen=True)
class FinalTally:
    """The vote on the whole text."""

    outcome: CouncilOutcome
    votes: Mapping[str, str]
    stale: tuple[str, ...]  # delegations whose vote was on an earlier version of the text

    def explain(self) -> str:
        text = f"The final text: {self.outcome.explain()}"
        if self.stale:
            text += (
                f" Not counted: the votes of {', '.join(self.stale)}, cast before a bracket changed; "
                "they must vote again."
            )
        return text

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{_esc(m)}</td><td>{_esc(v)}</td></tr>" for m, v in self.votes.items())
        return f"<p><b>{_esc(self.explain())}</b></p><table><tr><th>delegation</th><th>vote</th></tr>{rows}</table>"

    def __repr__(self) -> str:
        return self.explain()


@dataclass(frozen=True)
class TextLine:
    clause: Clause
    option: Option | None
    status: str


@dataclass(frozen=True)
class ClassText:
    """The class's resolution: the agreed clauses and, for each bracket, the option chosen (or a gap)."""

    lines: tuple[TextLine, ...]

    @property
    def choices(self) -> dict[str, str | None]:
        """Bracketed clause id -> option id in the text (None where the bracket is still open)."""
        return {
            line.clause.id: (line.option.option_id if line.option else None)
            for line in self.lines
            if line.clause.bracketed
        }

    def markdown(self) -> str:
        """The text as Markdown: preamble, then numbered operative paragraphs."""
        out = ["**The Security Council,**", ""]
        number = 0
        for line in self.lines:
            if line.option is None:
                words = f"*[{line.clause.title}: not agreed ({line.status}); left out of the text.]*"
            else:
                words = line.option.wording
                words = re.sub(r"^\d+\.\s*", "", words)  # the text numbers its own paragraphs
            if line.clause.part == "operative":
                number += 1
                out.append(f"{number}. {words}")
            else:
                out.append(f"*{words}*" if line.option is not None else words)
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        """The text as HTML, numbered as in :meth:`markdown` (for the room's screen)."""
        out = ["<p><b>The Security Council,</b></p>"]
        number = 0
        for line in self.lines:
            if line.option is None:
                words = f"<i>[{_esc(line.clause.title)}: not agreed ({_esc(line.status)}); left out of the text.]</i>"
            else:
                words = _esc(re.sub(r"^\d+\.\s*", "", line.option.wording))
            if line.clause.part == "operative":
                number += 1
                out.append(f"<p>{number}. {words}</p>")
            else:
                out.append(f"<p><i>{words}</i></p>" if line.option is not None else f"<p>{words}</p>")
        return "".join(out)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown()


# --------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------


def where(path: Path) -> str:
    """A session file as the instructor finds it: in the course folder, or in the work folder (MINUSMA_WORK_DIR)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(paths.REPO_ROOT).as_posix()
    except ValueError:
        pass
    try:
        return "(work folder)/" + path.resolve().relative_to(paths.work_dir().resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SavedFile:
    """A file the chair's notebook wrote, and a sentence saying where."""

    path: Path
    what: str

    def __repr__(self) -> str:
        return f"Saved {self.what} to {where(self.path)}."

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def sessions_dir() -> Path:
    """Where sessions are kept: ``<work folder>/chair/``."""
    return paths.work_dir() / "chair"


def session_path(name: str) -> Path:
    """The file of the session called ``name`` (letters, digits, spaces, ``.``, ``-``, ``_``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"a session name is up to 64 letters, digits, spaces, '.', '-' or '_', not {name!r}")
    return sessions_dir() / (re.sub(r"\s+", "-", name.strip()) + ".json")


class ClauseSettledError(ValueError):
    """A vote on a bracket that was agreed without a vote; reopen it first."""


class Session(KeptDocument):
    """One class's meeting: every vote on the brackets and on the text, kept on disk as it is cast."""

    def __init__(
        self,
        path: Path,
        draft: ZeroDraft | None = None,
        members: Iterable[str] | None = None,
        permanent: Iterable[str] | None = None,
    ):
        self.draft = draft or ZeroDraft.load()
        if members is None:
            members, permanent = _council.council_2023()
        members = list(members)
        permanent = list(permanent or ())
        empty = {
            "format": SESSION_FORMAT,
            "name": Path(path).stem,
            "created_at": now_iso(),
            "draft": self.draft.fingerprint,
            "members": members,
            "permanent": permanent,
            "events": [],
        }
        super().__init__(Path(path), empty)
        if self._document["draft"] != self.draft.fingerprint and self.notice is None:
            self.notice = (
                "This session was started with another version of the zero draft: votes on options that "
                "no longer exist are not counted."
            )

    # -- KeptDocument ------------------------------------------------------------

    def _problem(self, document: Any) -> str | None:
        if not isinstance(document, dict) or document.get("format") != SESSION_FORMAT:
            return "it is not a session of the chair's notebook"
        if not isinstance(document.get("members"), list) or not isinstance(document.get("events"), list):
            return "its members or events are missing"
        for event in document["events"]:
            if (
                not isinstance(event, dict)
                or event.get("kind") not in _EVENT_KINDS
                or not isinstance(event.get("id"), str)
                or not isinstance(event.get("seq"), int)
            ):
                return "one of its events is damaged"
        return None

    def _merge(self, theirs: dict[str, Any]) -> None:
        # Events are only ever added, so the union of both lists loses nothing.
        known = {e["id"]: e for e in self._document["events"]}
        for event in theirs["events"]:
            known.setdefault(event["id"], event)
        self._document["events"] = sorted(known.values(), key=lambda e: (e["seq"], e["id"]))
        self._document["created_at"] = min(self._document["created_at"], theirs.get("created_at", "~"))

    def _notice(self, problem: str, aside_name: str) -> str:
        return (
            f"The session file could not be used ({problem}). It was kept, unchanged, as {aside_name}, "
            "and this session starts empty."
        )

    # -- who and what ----------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self._document["name"])

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(self._document["members"])

    @property
    def permanent(self) -> tuple[str, ...]:
        return tuple(self._document["permanent"])

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event, oldest first (a copy)."""
        self.refresh()
        return json.loads(json.dumps(self._document["events"]))

    def _check_member(self, delegation: str) -> None:
        if delegation not in self.members:
            raise ValueError(f"{delegation!r} does not vote: the members are {', '.join(self.members)}")

    def _append(self, event: dict[str, Any]) -> bool:
        """Add ``event`` under the lock, after everything another process wrote; False if it was there already."""

        def change(document: dict[str, Any]) -> bool:
            if any(e["id"] == event["id"] for e in document["events"]):
                return False
            stored = dict(event, seq=max((e["seq"] for e in document["events"]), default=0) + 1)
            document["events"].append(stored)
            return True

        return self.update(change)

    # -- recording ---------------------------------------------------------------------

    def vote(
        self,
        clause_id: str,
        delegation: str,
        ballot: Mapping[str, str],
        *,
        by: str = "chair",
        event_id: str | None = None,
    ) -> bool:
        """Record ``delegation``'s votes on the options of a bracket (``{"A": "yes", "B": "no"}``), and save.

        Options left out of ``ballot`` count as not voted. A later vote of the
        same delegation in the same round replaces this one.
        """
        clause = self.draft.clause(clause_id)
        if not clause.bracketed:
            raise ValueError(f"clause {clause_id} is not in brackets: there is nothing to vote on")
        self._check_member(delegation)
        clean = {}
        for option_id, choice in ballot.items():
            if option_id not in clause.option_ids:
                raise ValueError(
                    f"clause {clause_id} has no option {option_id!r} (options: {', '.join(clause.option_ids)})"
                )
            if choice not in VOTE_CHOICES:
                raise ValueError(f"a vote is yes, no or abstain, not {choice!r}")
            clean[option_id] = choice
        if self._settled(clause_id) is not None:
            raise ClauseSettledError(f"{clause.title} was agreed without a vote: reopen it before voting on it")
        return self._append(
            {
                "id": event_id or uuid.uuid4().hex,
                "at": now_iso(),
                "kind": "vote",
                "item": clause_id,
                "delegation": delegation,
                "ballot": clean,
                "by": by,
            }
        )

    def vote_final(self, delegation: str, choice: str, *, by: str = "chair", event_id: str | None = None) -> bool:
        """Record ``delegation``'s vote on the whole text as it stands now, and save."""
        self._check_member(delegation)
        if choice not in VOTE_CHOICES:
            raise ValueError(f"a vote is yes, no or abstain, not {choice!r}")
        return self._append(
            {
                "id": event_id or uuid.uuid4().hex,
                "at": now_iso(),
                "kind": "vote",
                "item": FINAL,
                "delegation": delegation,
                "ballot": {"text": choice},
                "text": self.text().choices,
                "by": by,
            }
        )

    def settle(self, clause_id: str, option_id: str) -> bool:
        """Put ``option_id`` into the text without a vote (the room agrees), and save."""
        clause = self.draft.clause(clause_id)
        clause.option(option_id)
        return self._append(
            {
                "id": uuid.uuid4().hex,
                "at": now_iso(),
                "kind": "settle",
                "item": clause_id,
                "option": option_id,
                "by": "chair",
            }
        )

    def reopen(self, item: str) -> bool:
        """Start a new round on a bracket (or on the final vote): earlier votes stay on file but no longer count."""
        if item != FINAL:
            self.draft.clause(item)
        return self._append({"id": uuid.uuid4().hex, "at": now_iso(), "kind": "reopen", "item": item, "by": "chair"})

    # -- reading --------------------------------------------------------------------------

    def _round(self, item: str) -> tuple[int, list[dict[str, Any]]]:
        """The round number of ``item`` and the events since its last reopening."""
        round_no, current = 1, []
        for event in self.events:
            if event["item"] != item:
                continue
            if event["kind"] == "reopen":
                round_no, current = round_no + 1, []
            else:
                current.append(event)
        return round_no, current

    def _settled(self, clause_id: str) -> str | None:
        settled = None
        for event in self._round(clause_id)[1]:
            if event["kind"] == "settle":
                settled = event["option"]
        return settled

    def ballots(self, item: str) -> dict[str, dict[str, str]]:
        """Each delegation's latest ballot on ``item`` in the current round."""
        latest: dict[str, dict[str, str]] = {}
        for event in self._round(item)[1]:
            if event["kind"] == "vote" and event.get("delegation") in self.members:
                latest[event["delegation"]] = dict(event["ballot"])
        return {m: latest[m] for m in self.members if m in latest}

    def tally(self, clause_id: str) -> ClauseTally:
        """Where a bracket stands under the Charter's rule."""
        clause = self.draft.clause(clause_id)
        round_no, _events = self._round(clause_id)
        settled = self._settled(clause_id)
        if settled is not None and settled in clause.option_ids:
            return ClauseTally(clause, (), clause.option(settled), "agreed without a vote", (), self.members, round_no)
        ballots = self.ballots(clause_id)
        options = []
        for option in clause.options:
            votes = {m: b[option.option_id] for m, b in ballots.items() if option.option_id in b}
            options.append(OptionTally(option, votes, _council.council_outcome(votes, self.permanent, self.members)))
        carried = [t for t in options if t.outcome.adopted]
        chosen = (
            max(
                carried, key=lambda t: (t.outcome.yes, -t.outcome.no, -clause.option_ids.index(t.option.option_id))
            ).option
            if carried
            else None
        )
        complete = len(ballots) == len(self.members) and all(len(b) == len(clause.options) for b in ballots.values())
        if not ballots:
            status = "open"
        elif complete:
            status = "agreed" if chosen else "not agreed"
        else:
            status = "voting"
        return ClauseTally(clause, tuple(options), chosen, status, tuple(ballots), self.members, round_no)

    def text(self) -> ClassText:
        """The class's text as it stands: agreed clauses, and each bracket's chosen option (or a gap)."""
        lines = []
        for clause in sorted(self.draft.clauses, key=lambda c: c.order):
            if not clause.bracketed:
                lines.append(TextLine(clause, clause.options[0], "agreed"))
                continue
            tally = self.tally(clause.id)
            lines.append(TextLine(clause, tally.chosen, tally.status))
        return ClassText(tuple(lines))

    def final(self) -> FinalTally:
        """The vote on the whole text: only votes cast on the text as it stands now count."""
        current = self.text().choices
        counted, stale = {}, []
        latest: dict[str, dict[str, Any]] = {}
        for event in self._round(FINAL)[1]:
            if event["kind"] == "vote" and event.get("delegation") in self.members:
                latest[event["delegation"]] = event
        for member in self.members:
            event = latest.get(member)
            if event is None:
                continue
            if event.get("text") == current:
                counted[member] = event["ballot"]["text"]
            else:
                stale.append(member)
        outcome = _council.council_outcome(counted, self.permanent, self.members)
        return FinalTally(outcome, counted, tuple(stale))

    def summary(self) -> SessionSummary:
        """Every bracket and the final vote, one line each (what the room sees between votes)."""
        return SessionSummary(tuple(self.tally(c.id) for c in self.draft.bracketed), self.final(), self)

    def compare_with_2690(self) -> Comparison:
        """For the debrief: each bracket of the class's text beside resolution 2690 as adopted on 30 June 2023."""
        return Comparison(self.text(), self.final())

    def save_text(self, path: Path | None = None) -> SavedFile:
        """Write the class's text as Markdown (default: beside the session file) and say where."""
        path = Path(path) if path is not None else self.path.with_name(self.path.stem + "-text.md")
        final = self.final()
        header = f"# The class's resolution ({self.name})\n\n_Final vote: {final.outcome.explain()}_\n\n"
        write_text_atomic(path, header + self.text().markdown())
        return SavedFile(path, "the class's text")

    # -- hand-ins ---------------------------------------------------------------------------

    def import_handins(self, folder: Path) -> ImportReport:
        """Record the votes in a folder of hand-ins of notebook 07 (see :func:`read_handins`)."""
        report = read_handins(folder, self.draft, self.members)
        recorded = 0
        for (item, delegation), (ballot, event_id) in sorted(report.ballots.items()):
            try:
                if item == FINAL:
                    added = self.vote_final(delegation, ballot["text"], by="hand-in", event_id=event_id)
                else:
                    added = self.vote(item, delegation, ballot, by="hand-in", event_id=event_id)
            except ClauseSettledError as settled:
                report.problems.append(f"{delegation}: {settled}; its handed-in votes on it were not recorded.")
                continue
            recorded += int(added)
        return ImportReport(report.students, recorded, report.conflicts, report.problems, report.advisory)

    # -- display -------------------------------------------------------------------------------

    def panel(self, item: str | None = None):
        """The voting panel projected in the room (see :class:`VotingPanel`)."""
        return VotingPanel(self, item)

    def __repr__(self) -> str:
        votes = sum(1 for e in self._document["events"] if e["kind"] == "vote")
        return f"<Session {self.name}: {votes} votes recorded, saved in {where(self.path)}>"

    def _repr_html_(self) -> str:
        votes = sum(1 for e in self._document["events"] if e["kind"] == "vote")
        state = "new" if not self._document["events"] else f"continued: {votes} votes already on file"
        parts = [
            f"<p><b>Session {_esc(self.name)}</b> ({_esc(state)}). Every vote is saved at once to "
            f"<code>{_esc(where(self.path))}</code>; open the same name again after a crash or in "
            "the next class period to carry on.</p>"
        ]
        if self.notice:
            parts.append(f"<p style='color:#a40000'>⚠ {_esc(self.notice)}</p>")
        return "".join(parts)


def open_session(name: str) -> Session:
    """Open the session called ``name``, or start it: the same name carries on where it stopped."""
    return Session(session_path(name))


@dataclass(frozen=True)
class SessionSummary:
    clauses: tuple[ClauseTally, ...]
    final: FinalTally
    session: Session

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{_esc(t.clause.title)}</td><td>{_esc(t.status)}</td>"
            f"<td>{_esc(t.chosen.label if t.chosen else '—')}</td><td>{len(t.voted)} of {len(t.members)}</td>"
            f"<td>{t.round}</td></tr>"
            for t in self.clauses
        )
        return (
            "<table><tr><th>bracket</th><th>status</th><th>in the text</th><th>voted</th><th>round</th></tr>"
            f"{rows}</table><p><b>{_esc(self.final.explain())}</b></p>"
        )

    def __repr__(self) -> str:
        return "\n".join([t.explain() for t in self.clauses] + [self.final.explain()])


# --------------------------------------------------------------------------
# Votes handed in
# --------------------------------------------------------------------------


@dataclass
class HandinVotes:
    """What a folder of hand-ins says: each delegation's agreed ballots, and what could not be used."""

    students: int
    ballots: dict[tuple[str, str], tuple[dict[str, str], str]]  # (item, delegation) -> (ballot, event id)
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    advisory: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # non-voting roles' answers


@dataclass(frozen=True)
class ImportReport:
    """What :meth:`Session.import_handins` did."""

    students: int
    recorded: int
    conflicts: list[str]
    problems: list[str]
    advisory: dict[str, dict[str, dict[str, str]]]

    def __repr__(self) -> str:
        lines = [f"Read the hand-ins of {self.students} student(s); recorded {self.recorded} new vote(s)."]
        lines += [f"Conflict: {c}" for c in self.conflicts]
        lines += [f"Not used: {p}" for p in self.problems]
        for role, items in self.advisory.items():
            said = "; ".join(f"{item}: {', '.join(f'{o} {v}' for o, v in b.items())}" for item, b in items.items())
            lines.append(f"{role} (no vote) would have voted: {said}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def _option_id(label: Any, clause: Clause) -> str | None:
    """The option a vote question's item names (``"B · without delay"`` -> ``"B"``)."""
    if not isinstance(label, str):
        return None
    for option in clause.options:
        if label == option.label or label.split(" · ", 1)[0].strip() == option.option_id:
            return option.option_id
    return None


def read_handins(folder: Path, draft: ZeroDraft | None = None, members: Iterable[str] | None = None) -> HandinVotes:
    """Each delegation's votes from a folder of hand-ins of notebook 07.

    Files are read by the grader's intake (:func:`minusma.grading.intake.read_folder`): checked
    against the hand-in format, never executed, the latest hand-in kept per student. A student
    counts for the delegation chosen in ``07.delegation``. Where students of one delegation
    disagree on an item, nothing is recorded for it and the conflict is reported; where some left
    an item blank, the others' votes stand.
    """
    from .grading.intake import read_folder  # the grader's reader: checks each file, runs nothing

    draft = draft or ZeroDraft.load()
    members = tuple(members) if members is not None else _council.council_2023()[0]
    folder = Path(folder)
    if not folder.is_dir():
        return HandinVotes(0, {}, problems=[f"there is no folder {paths.display_path(folder)} (yet)"])
    intake = read_folder(folder)
    result = HandinVotes(0, {})
    result.problems += [f"{p.file}: {p.problem}" for p in intake.problems if "not graded" in p.action]
    # (item, delegation) -> {student id: ballot}
    cast: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    stamps: dict[tuple[str, str], list[str]] = {}
    for sub in intake.submissions:
        if sub.notebook != NOTEBOOK:
            continue
        result.students += 1
        delegation = _value(sub, DELEGATION_QUESTION)
        if not isinstance(delegation, str):
            result.problems.append(
                f"{sub.file}: no delegation chosen ({DELEGATION_QUESTION}), so its votes were not counted"
            )
            continue
        for item, ballot in _ballots(sub, draft, result.problems).items():
            if delegation not in members:
                result.advisory.setdefault(delegation, {})[item] = ballot
                continue
            cast.setdefault((item, delegation), {})[sub.student_id] = ballot
            stamps.setdefault((item, delegation), []).append(f"{sub.student_id}|{sub.submitted_at}")
    for key, by_student in sorted(cast.items()):
        item, delegation = key
        merged: dict[str, str] = {}
        clash = []
        for ballot in by_student.values():
            for option_id, choice in ballot.items():
                if merged.setdefault(option_id, choice) != choice:
                    clash.append(option_id)
        if clash:
            who = ", ".join(sorted(by_student))
            result.conflicts.append(
                f"{delegation}, {item}: its students ({who}) voted differently on option(s) "
                f"{', '.join(sorted(set(clash)))}; ask the delegation in the room"
            )
            continue
        digest = hashlib.sha256("\n".join([item, delegation, *sorted(stamps[key])]).encode("utf-8")).hexdigest()
        result.ballots[key] = (merged, "handin-" + digest[:24])
    return result


def _value(sub, qid: str) -> Any:
    if qid in sub.answer_errors:
        return None
    entry = sub.answers.get(qid)
    return entry.get("value") if isinstance(entry, dict) else None


def _ballots(sub, draft: ZeroDraft, problems: list[str]) -> dict[str, dict[str, str]]:
    """A hand-in's votes: clause id (or FINAL) -> ballot, with the options named by their letter."""
    found: dict[str, dict[str, str]] = {}
    for clause in draft.bracketed:
        value = _value(sub, vote_question(clause.id))
        if not isinstance(value, dict) or not value:
            continue
        ballot = {}
        for label, choice in value.items():
            option_id = _option_id(label, clause)
            if option_id is None or choice not in VOTE_CHOICES:
                problems.append(
                    f"{sub.file}: an answer to {vote_question(clause.id)} names no option of the draft "
                    f"({str(label)[:40]!r}); left out"
                )
                continue
            ballot[option_id] = choice
        if ballot:
            found[clause.id] = ballot
    final = _value(sub, FINAL_QUESTION)
    if final in VOTE_CHOICES:
        found[FINAL] = {"text": final}
    return found


# --------------------------------------------------------------------------
# The debrief: the class's text beside resolution 2690
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Each bracket: the class's choice and the option resolution 2690 contains."""

    text: ClassText
    final: FinalTally

    def rows(self) -> list[dict[str, str]]:
        rows = []
        for line in self.text.lines:
            if not line.clause.bracketed:
                continue
            real = next(o for o in line.clause.options if o.in_resolution_2690)
            ours = line.option
            rows.append(
                {
                    "bracket": line.clause.title,
                    "class": ours.label if ours else f"not agreed ({line.status})",
                    "resolution 2690": real.label,
                    "same": "yes" if ours is not None and ours.option_id == real.option_id else "no",
                }
            )
        return rows

    def _repr_html_(self) -> str:
        rows = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r.values()) + "</tr>" for r in self.rows())
        head = "".join(f"<th>{_esc(k)}</th>" for k in ("bracket", "the class's text", "resolution 2690", "same?"))
        return (
            f"<table><tr>{head}</tr>{rows}</table><p>The class's final vote: {_esc(self.final.outcome.explain())}"
            " Resolution 2690 was adopted on 30 June 2023 by 15 votes to none (UN press release SC/15341).</p>"
        )

    def __repr__(self) -> str:
        return "\n".join(
            f"{r['bracket']}: class {r['class']} | 2690 {r['resolution 2690']} | same: {r['same']}" for r in self.rows()
        )


# --------------------------------------------------------------------------
# HTML and the voting panel
# --------------------------------------------------------------------------


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _draft_html(draft: ZeroDraft) -> str:
    parts = ["<div style='max-width:60em'><p><b>The Security Council,</b></p>"]
    number = 0
    for clause in sorted(draft.clauses, key=lambda c: c.order):
        if clause.part == "operative" and number == 0:
            parts.append("<hr style='margin:4px 0'>")
        prefix = ""
        if clause.part == "operative":
            number += 1
            prefix = f"{number}. "
        if not clause.bracketed:
            words = re.sub(r"^\d+\.\s*", "", clause.options[0].wording)
            parts.append(f"<p>{prefix}{_esc(words)}</p>")
            continue
        parts.append(f"<p>{prefix}<b>[Bracket: {_esc(clause.title)}]</b> <i>{_esc(clause.question)}</i></p><ul>")
        for option in clause.options:
            closest = f"; closest to: {_esc(option.closest_to)}" if option.closest_to else ""
            parts.append(
                f"<li><b>[{_esc(option.option_id)}]</b> {_esc(option.wording)} "
                f"<small>({_esc(option.origin)}{closest})</small></li>"
            )
        parts.append("</ul>")
    parts.append(
        "<p><small>Source: data/zero_draft_clauses.csv (each option's basis and sources are in the "
        "table).</small></p></div>"
    )
    return "".join(parts)


def _tally_html(tally: ClauseTally) -> str:
    if not tally.options:
        return f"<p><b>{_esc(tally.explain())}</b></p>"
    head = "<tr><th>option</th><th>yes</th><th>no</th><th>abstain</th><th>not voted</th><th>under the rule</th></tr>"
    rows = []
    for t in tally.options:
        o = t.outcome
        verdict = (
            "passes"
            if o.adopted
            else ("vetoed by " + ", ".join(o.vetoed_by) if o.vetoed_by else f"fewer than {_council.VOTES_NEEDED} yes")
        )
        mark = " ✔ in the text" if tally.chosen is not None and tally.chosen.option_id == t.option.option_id else ""
        rows.append(
            f"<tr><td>{_esc(t.option.label)}</td><td>{o.yes}</td><td>{o.no}</td><td>{o.abstain}</td>"
            f"<td>{o.not_voted}</td><td>{_esc(verdict)}{mark}</td></tr>"
        )
    return f"<p><b>{_esc(tally.explain())}</b> (round {tally.round})</p><table>{head}{''.join(rows)}</table>"


class VotingPanel:
    """The panel projected in the room: pick a bracket (or the final vote), click each delegation's votes.

    Every click is saved to the session file at once; the tally under the buttons follows. A
    button row per delegation (permanent members marked), one set of yes/no/abstain buttons per
    option. Also: reopen the bracket for a new round, or settle it without a vote.
    """

    #: Widths of the delegation column, of each option's column and of one button (the room's screen narrows them).
    NAME_WIDTH, COLUMN_WIDTH, BUTTON_WIDTH = "15em", "17em", "5em"

    def __init__(self, session: Session, item: str | None = None):
        import ipywidgets as widgets

        self._w = widgets
        self.session = session
        items = [(f"{c.title}", c.id) for c in session.draft.bracketed] + [("The final vote on the whole text", FINAL)]
        self.chooser = widgets.Dropdown(
            options=items, value=item or items[0][1], description="Vote on:", layout=widgets.Layout(width="36em")
        )
        self.rows_box = widgets.VBox()
        self.tally_box = widgets.HTML()
        self.status = widgets.HTML()
        self.reopen_button = widgets.Button(description="Reopen: new round", icon="refresh")
        self.settle_choice = widgets.Dropdown(options=[], description="or agree:", layout=widgets.Layout(width="20em"))
        self.settle_button = widgets.Button(description="Agree without a vote")
        self.reopen_button.on_click(lambda _b: self._reopen())
        self.settle_button.on_click(lambda _b: self._settle())
        self.chooser.observe(lambda _c: self._build(), names="value")
        self._toggles: dict[tuple[str, str], Any] = {}
        self._building = False
        self.widget = widgets.VBox(
            [
                self.chooser,
                self.rows_box,
                self.tally_box,
                widgets.HBox([self.reopen_button, self.settle_choice, self.settle_button]),
                self.status,
            ]
        )
        self._build()

    @property
    def item(self) -> str:
        return self.chooser.value

    def _build(self) -> None:
        w = self._w
        self._building = True
        self._toggles.clear()
        item = self.item
        if item == FINAL:
            columns = [("text", "the whole text")]
            current = {m: b for m, b in self.session.ballots(FINAL).items()}
            self.settle_choice.options, self.settle_choice.disabled, self.settle_button.disabled = [], True, True
        else:
            clause = self.session.draft.clause(item)
            columns = [(o.option_id, o.label) for o in clause.options]
            current = self.session.ballots(item)
            self.settle_choice.options = [o.label for o in clause.options]
            self.settle_choice.disabled = self.settle_button.disabled = False
        header = w.HBox(
            [w.HTML("<b>delegation</b>", layout=w.Layout(width=self.NAME_WIDTH))]
            + [w.HTML(f"<b>{_esc(label)}</b>", layout=w.Layout(width=self.COLUMN_WIDTH)) for _, label in columns]
        )
        rows = [header]
        for member in self.session.members:
            name = member + (" (P5)" if member in self.session.permanent else "")
            cells = [w.HTML(_esc(name), layout=w.Layout(width=self.NAME_WIDTH))]
            for column, _label in columns:
                toggle = w.ToggleButtons(
                    options=list(VOTE_CHOICES),
                    value=current.get(member, {}).get(column),
                    style={"button_width": self.BUTTON_WIDTH},
                    layout=w.Layout(width=self.COLUMN_WIDTH),
                    tooltips=[f"{name}: {choice}" for choice in VOTE_CHOICES],
                )
                toggle.observe(lambda change, m=member: self._changed(m, change), names="value")
                self._toggles[(member, column)] = toggle
                cells.append(toggle)
            rows.append(w.HBox(cells))
        self.rows_box.children = rows
        self._building = False
        self._show_tally()

    def _changed(self, member: str, change) -> None:
        if self._building or change["new"] is None:
            return
        ballot = {column: t.value for (m, column), t in self._toggles.items() if m == member and t.value}
        try:
            if self.item == FINAL:
                self.session.vote_final(member, ballot["text"])
            else:
                self.session.vote(self.item, member, ballot)
        except (ValueError, OSError) as problem:
            self.status.value = f"<span style='color:#a40000'>⚠ Not saved: {_esc(problem)}</span>"
            return
        self.status.value = (
            f"<span style='color:#1a6b2f'>✔ Saved {_esc(member)}'s vote at {now_iso()[11:19]} UTC "
            f"({_esc(where(self.session.path))}).</span>"
        )
        self._show_tally()

    def _show_tally(self) -> None:
        if self.item == FINAL:
            self.tally_box.value = self.session.final()._repr_html_()
        else:
            self.tally_box.value = self.session.tally(self.item)._repr_html_()

    def _reopen(self) -> None:
        self.session.reopen(self.item)
        self.status.value = "New round: the earlier votes stay on file but no longer count."
        self._build()

    def _settle(self) -> None:
        if self.item == FINAL or not self.settle_choice.value:
            return
        self.session.settle(self.item, self.settle_choice.value.split(" · ", 1)[0])
        self.status.value = f"Agreed without a vote: {_esc(self.settle_choice.value)}."
        self._build()

    def refresh(self) -> None:
        """Show the votes on file again (another notebook or laptop may have recorded some since)."""
        self._build()

    def click(self, member: str, column: str, choice: str) -> None:
        """Set one button as a click would (for tests and keyboard-free demos)."""
        self._toggles[(member, column)].value = choice

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<VotingPanel {self.item}>"
