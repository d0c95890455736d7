"""The Security Council's voting rule, and the Council a vote question uses.

Article 27(3) of the UN Charter: a substantive decision needs nine affirmative
votes, including the concurring votes of the permanent members. By the
Council's practice since 1946, a permanent member's abstention (or absence) is
not a veto; only a "no" is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Votes needed to adopt a substantive decision (UN Charter, Article 27(3)).
VOTES_NEEDED = 9
VOTE_CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class CouncilOutcome:
    """The result of a Council vote under Article 27(3) of the UN Charter."""

    adopted: bool
    yes: int
    no: int
    abstain: int
    not_voted: int
    vetoed_by: tuple[str, ...]

    @property
    def label(self) -> str:
        return "adopted" if self.adopted else "not adopted"

    def explain(self) -> str:
        """One sentence a student can check against the rule."""
        counts = f"{self.yes} yes, {self.no} no, {self.abstain} abstain"
        if self.not_voted:
            counts += f", {self.not_voted} not voted yet"
        if self.vetoed_by:
            who = ", ".join(self.vetoed_by)
            return f"{counts}: not adopted, because {who} (permanent) voted no (a veto)."
        if self.yes < VOTES_NEEDED:
            return f"{counts}: not adopted, because it needs at least {VOTES_NEEDED} yes votes."
        return f"{counts}: adopted (at least {VOTES_NEEDED} yes and no permanent member voted no)."


def council_outcome(
    votes: Mapping[str, str], permanent: Iterable[str], members: Iterable[str] | None = None
) -> CouncilOutcome:
    """Apply the Charter rule: adopted iff >= 9 yes and no permanent member votes no.

    ``votes`` maps member to "yes" / "no" / "abstain"; members missing from it
    have not voted. ``members`` (optional) is the full list, used to count who
    has not voted.
    """
    permanent = set(permanent)
    tally = {choice: 0 for choice in VOTE_CHOICES}
    for member, choice in votes.items():
        if choice not in tally:
            raise ValueError(f"{member}: a vote is yes, no or abstain, not {choice!r}")
        tally[choice] += 1
    vetoed_by = tuple(sorted(m for m, c in votes.items() if c == "no" and m in permanent))
    total = len(set(members)) if members is not None else len(votes)
    return CouncilOutcome(
        adopted=tally["yes"] >= VOTES_NEEDED and not vetoed_by,
        yes=tally["yes"],
        no=tally["no"],
        abstain=tally["abstain"],
        not_voted=max(0, total - len(votes)),
        vetoed_by=vetoed_by,
    )


@lru_cache(maxsize=1)
def council_2023() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(members, permanent members) of the 2023 Council, from ``data/security_council_2023.csv``."""
    from . import data  # imported late: pandas is slow to import and not needed for most scoring

    table = data.load("security_council_2023")
    members = tuple(str(m) for m in table["member"])
    permanent = tuple(str(m) for m, c in zip(table["member"], table["category"]) if str(c).startswith("permanent"))
    return members, permanent


def members_of(question: Any = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(members, permanent members) for a vote question: its own lists if it has them, else the 2023 Council."""
    if question is not None and getattr(question, "members", ()):
        return tuple(question.members), tuple(question.permanent)
    return council_2023()
