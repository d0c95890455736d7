"""Role cards for lesson 07: who sits at the table on 29–30 June 2023, what each had done, what each wants.

A card is built from the data, never typed in here:

* the seat: ``security_council_2023`` (permanent or elected, term, regional
  group, votes in the General Assembly) and the ``group`` column of
  ``council_positions_2023`` (P3, A3, penholder, presidency);
* the items: ``role_card_items``, each dated and sourced, in four parts: the
  delegation's *record* (what it had done and said before 30 June 2023), its
  *position* (what it said it wanted, in its words of 16 or 30 June), one short
  *quote*, and what is *unknown* about it;
* where its words point on the brackets: ``closest_to`` in ``zero_draft_clauses``.

The cards stand on 29–30 June 2023, before the class votes: no column that
reports how a delegation voted on resolution 2690, or what happened later, is
ever read (``vote_2690``, ``stated_position``, ``key_concerns``, ``note``).

``python -m minusma role-cards OUT`` writes every card to one self-contained
HTML file, one card per printed page, and prints it to PDF with headless
Chromium when it is installed (see :func:`main`).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import cutoff, data
from .files import write_text_atomic

#: Cards in this order: the permanent members, the elected members, then the two who sit without a vote.
HOST = "Mali (host country)"
SECRETARIAT = "UN Secretariat (SRSG El-Ghassim Wane; Secretary-General)"
#: The briefers of the optional Arria-style hearing, as named in ``role_card_items``.
HEARING = ("Signatory armed groups (CSP-PSD)", "Humanitarian agencies", "Malian civil society")

#: Dates fixed on or before 30 June 2023 that a card or the zero draft may name although they fall later:
#: the deadlines of the penholder's text (resolution 2690), the transition timetable agreed with ECOWAS on
#: 3 July 2022, and the term of the members elected in June 2022. Known on the day; not outcomes.
SET_DEADLINES = (
    "1 July 2023",
    "15 August 2023",
    "30 September 2023",
    "31 December 2023",
    "February 2024",
    "March 2024",
    "2023–2024",
)

SECTIONS = {
    "seat": "Who you are",
    "record": "Your record: what you had done and said before 30 June 2023",
    "position": "What you want: your own words of 16 or 30 June 2023",
    "quote": "In your words",
    "unknown": "Not known",
}


@dataclass(frozen=True)
class CardItem:
    """One dated, sourced line of a card."""

    section: str
    date: str
    text: str
    source: str
    confidence: str


@dataclass(frozen=True)
class BracketLean:
    """An option of the zero draft that the delegation's stated words are closest to."""

    clause: str
    option_id: str
    short: str
    origin: str


@dataclass(frozen=True)
class RoleCard:
    """Everything one delegation's card shows."""

    actor: str
    kind: str  # permanent member | elected member | host state | secretariat | briefer
    seat: str
    groups: str
    in_the_room: tuple[str, ...]
    items: tuple[CardItem, ...]
    leans: tuple[BracketLean, ...]

    @property
    def votes(self) -> bool:
        """Whether this delegation votes in the Council."""
        return self.kind in ("permanent member", "elected member")

    def section(self, name: str) -> tuple[CardItem, ...]:
        return tuple(item for item in self.items if item.section == name)

    def text(self) -> str:
        """The card as plain text: everything it shows, sources included (tests read this)."""
        lines = [self.actor, self.seat, self.groups, *self.in_the_room]
        for item in self.items:
            lines.append(f"{item.date}: {item.text} (source: {item.source}; confidence {item.confidence})")
        lines += [f"{lean.clause}: option {lean.option_id}, {lean.short} ({lean.origin})" for lean in self.leans]
        return "\n".join(line for line in lines if line)

    def html(self) -> str:
        """The card as an HTML fragment (``<section class="card">``)."""
        return _card_html(self)

    def _repr_html_(self) -> str:
        return f"<style>{CARD_CSS}</style>{self.html()}"

    def __repr__(self) -> str:
        return f"<RoleCard {self.actor}>"


# --------------------------------------------------------------------------
# Building the cards from the data
# --------------------------------------------------------------------------


def _date_label(value, precision: str) -> str:
    if precision == "year":
        return f"{value:%Y}"
    if precision == "month":
        return f"{value:%B %Y}"
    return f"{value.day} {value:%B %Y}"


def _items() -> dict[str, list[CardItem]]:
    table = data.load("role_card_items")
    by_actor: dict[str, list[CardItem]] = {}
    for row in table.sort_values("date", kind="stable").itertuples(index=False):
        item = CardItem(
            str(row.section),
            _date_label(row.date, str(row.date_precision)),
            str(row.text),
            str(row.source),
            str(row.confidence),
        )
        by_actor.setdefault(str(row.actor), []).append(item)
    return by_actor


def _leans() -> dict[str, list[BracketLean]]:
    draft = data.load("zero_draft_clauses")
    draft = draft[draft["bracketed"]].sort_values(["clause_order", "option_id"])
    by_actor: dict[str, list[BracketLean]] = {}
    for row in draft.itertuples(index=False):
        if not isinstance(row.closest_to, str):
            continue
        for actor in (a.strip() for a in row.closest_to.split(";")):
            by_actor.setdefault(actor, []).append(
                BracketLean(str(row.clause_title), str(row.option_id), str(row.short), str(row.origin))
            )
    return by_actor


#: What each briefer of the hearing should press the members on (a prompt of the role-play, not a fact).
HEARING_PROMPTS = {
    "Signatory armed groups (CSP-PSD)": "Press the members on the brackets that touch you: the camps and the "
    "Agreement.",
    "Humanitarian agencies": "Press the members on the bracket on civilians (and civilian-led aid) and on what the UN "
    "keeps in Mali after the mission.",
    "Malian civil society": "Press the members on civilians, on the camps in your towns and on what the departure "
    "costs people in the north.",
}


def _in_the_room(kind: str, groups: str, actor: str = "") -> tuple[str, ...]:
    """What the delegation may do in the room, from its seat (the rules of the role-play)."""
    rules = {
        "permanent member": "You hold a veto: your 'no' on an option or on the whole text blocks it, however many "
        "vote yes. An abstention blocks nothing.",
        "elected member": "Your 'no' is not a veto, but a text needs nine votes in favour: seven members voting no "
        "or abstaining together stop it.",
        "host state": "Mali is not on the Council: you sit at the table under rule 37, speak, lobby and answer "
        "questions, but you do not vote.",
        "secretariat": "You brief the Council and answer its questions on what a withdrawal takes; you do not vote.",
        "briefer": "You speak at the optional Arria-style hearing before the formal meeting and answer the "
        "members' questions. You have no seat at the formal meeting and no vote.",
    }
    lines = [rules[kind]]
    if actor in HEARING_PROMPTS:
        lines.append(HEARING_PROMPTS[actor])
    if "penholder" in groups:
        lines.append(
            "You hold the pen: you present the zero draft, and between rounds you may propose wording "
            "that closes a bracket. The A options are your proposals."
        )
    if "Council President" in groups:
        lines.append("You preside in June: the instructor chairs the room, but you open the meeting.")
    if "A3" in groups:
        lines.append("The A3 (Gabon, Ghana, Mozambique) usually speak with one voice: agree your line together.")
    return tuple(lines)


def _seat(member_row) -> str:
    if member_row is None:
        return ""
    if member_row.category == "permanent":
        return f"Permanent member of the Security Council (veto) · {member_row.regional_group}"
    votes = (
        ""
        if member_row.ga_election_votes is None or str(member_row.ga_election_votes) == "<NA>"
        else f", elected with {int(member_row.ga_election_votes)} votes in the General Assembly"
    )
    return f"Elected member of the Security Council for {member_row.term}{votes} · {member_row.regional_group}"


@contextmanager
def _on_the_day() -> Iterator[None]:
    """Read the data as they stood on 30 June 2023, whatever moment the session has set, then put it back."""
    before = data.moment()
    data.as_of(cutoff.DECISION_DAY)
    try:
        yield
    finally:
        data.as_of(before)


def cards(hearing: bool = False) -> list[RoleCard]:
    """Every role card: the fifteen members of 2023, Mali and the Secretariat (and the hearing's briefers).

    The data are read as they stood on 30 June 2023 (:func:`minusma.data.as_of`), whatever moment is set.
    """
    with _on_the_day():
        return _cards(hearing)


def _cards(hearing: bool) -> list[RoleCard]:
    council = data.load("security_council_2023")
    members = {row.member: row for row in council.itertuples(index=False)}
    # Only the columns that describe the seat: the others report the vote of 30 June or later events.
    positions = data.load("council_positions_2023")[["actor", "role", "group"]]
    groups = {str(a): str(g) for a, g in zip(positions["actor"], positions["group"])}
    items, leans = _items(), _leans()
    order = [m for m in council["member"] if members[m].category == "permanent"]
    order += [m for m in council["member"] if members[m].category == "elected"]
    order += [HOST, SECRETARIAT] + (list(HEARING) if hearing else [])
    result = []
    for actor in order:
        if actor in members:
            kind = "permanent member" if members[actor].category == "permanent" else "elected member"
        else:
            kind = {HOST: "host state", SECRETARIAT: "secretariat"}.get(actor, "briefer")
        group = groups.get(actor, "")
        seat = _seat(members.get(actor))
        own = items.get(actor, [])
        if kind == "briefer":
            seat = "Briefer at the Arria-style hearing"
        result.append(
            RoleCard(
                actor=actor,
                kind=kind,
                seat=seat,
                groups=group,
                in_the_room=_in_the_room(kind, group, actor),
                items=tuple(own),
                leans=tuple(leans.get(actor, ())),
            )
        )
    return result


def card(actor: str) -> RoleCard:
    """The card of one delegation, by its name in the data (e.g. ``"Switzerland"``, ``"Mali (host country)"``)."""
    for each in cards(hearing=True):
        if each.actor == actor:
            return each
    names = ", ".join(c.actor for c in cards(hearing=True))
    raise KeyError(f"no role card for {actor!r}; the cards are: {names}")


def delegations() -> list[str]:
    """The names on the cards of the formal meeting, in card order (members, then Mali and the Secretariat)."""
    return [c.actor for c in cards()]


# --------------------------------------------------------------------------
# HTML and PDF
# --------------------------------------------------------------------------

CARD_CSS = """
.card { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 9.6pt; line-height: 1.32;
        color: #111; border: 1px solid #888; border-radius: 6px; padding: 10px 14px; margin: 0 0 12px 0;
        max-width: 46em; }
.card h2 { font-size: 17pt; margin: 0 0 2px 0; }
.card .lesson { font-size: 8pt; color: #444; text-transform: uppercase; letter-spacing: .04em; }
.card .seat { font-weight: bold; margin: 2px 0; }
.card .groups { color: #333; margin: 0 0 6px 0; }
.card .room { border-left: 4px solid #0072B2; background: #EEF5FB; padding: 4px 8px; margin: 6px 0; }
.card .room p { margin: 2px 0; }
.card h3 { font-size: 10.5pt; margin: 8px 0 2px 0; border-bottom: 1px solid #bbb; }
.card ul { margin: 2px 0 2px 1.1em; padding: 0; }
.card li { margin: 1px 0; }
.card .date { font-weight: bold; }
.card .ref { font-size: 7.5pt; vertical-align: super; color: #444; }
.card blockquote { margin: 2px 0 2px 1em; font-style: italic; }
.card .sources { font-size: 7.4pt; color: #333; margin-top: 6px; border-top: 1px solid #bbb; padding-top: 3px; }
.card .sources li { margin: 0; }
.card .foot { font-size: 7.5pt; color: #555; margin-top: 4px; }
"""

PRINT_CSS = """
@page { size: A4; margin: 12mm; }
body { margin: 0; }
.card { border: none; padding: 0; max-width: none; font-size: 9.2pt; page-break-after: always;
        break-after: page; page-break-inside: avoid; }
.card:last-child { page-break-after: auto; break-after: auto; }
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _card_html(card: RoleCard) -> str:
    sources: list[str] = []

    def ref(source: str) -> str:
        if source not in sources:
            sources.append(source)
        return f'<span class="ref">[{sources.index(source) + 1}]</span>'

    parts = [
        f'<section class="card" id="{_esc(_slug(card.actor))}">',
        '<div class="lesson">Lesson 07 · The Council decides · role card · 29–30 June 2023</div>',
        f"<h2>{_esc(card.actor)}</h2>",
    ]
    if card.seat:
        parts.append(f'<div class="seat">{_esc(card.seat)}</div>')
    if card.groups:
        parts.append(f'<div class="groups">{_esc(card.groups)}</div>')
    parts.append('<div class="room">' + "".join(f"<p>{_esc(line)}</p>" for line in card.in_the_room) + "</div>")
    for name in ("seat", "record", "position", "quote", "unknown"):
        chosen = card.section(name)
        if not chosen:
            continue
        parts.append(f"<h3>{_esc(SECTIONS[name])}</h3>")
        if name == "quote":
            parts += [
                f"<blockquote>“{_esc(i.text)}”{ref(i.source)} <span class='date'>({_esc(i.date)})</span></blockquote>"
                for i in chosen
            ]
            continue
        lines = []
        for i in chosen:
            when = "" if name == "unknown" else f"<span class='date'>{_esc(i.date)}.</span> "  # the unknown is undated
            lines.append(f"<li>{when}{_esc(i.text)}{ref(i.source)}</li>")
        parts.append("<ul>" + "".join(lines) + "</ul>")
    if card.leans:
        parts.append("<h3>Where your words point on the zero draft's brackets</h3><ul>")
        parts += [
            f"<li>{_esc(lean.clause)}: option {_esc(lean.option_id)}, <i>{_esc(lean.short)}</i> "
            f"({_esc(lean.origin)})</li>"
            for lean in card.leans
        ]
        parts.append("</ul>")
    elif card.votes:
        parts.append(
            "<h3>Where your words point on the zero draft's brackets</h3>"
            "<p>Your statements do not point to one option: read the brackets and decide.</p>"
        )
    parts.append('<ol class="sources">' + "".join(f"<li>{_esc(s)}</li>" for s in sources) + "</ol>")
    parts.append(
        '<div class="foot">Items are paraphrased for the course; quotations are short and attributed. '
        "Every item comes from data/role_card_items.csv (the brackets from "
        "data/zero_draft_clauses.csv).</div></section>"
    )
    return "\n".join(parts)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def cards_html(chosen: list[RoleCard] | None = None) -> str:
    """One self-contained HTML page holding ``chosen`` cards (default: all, hearing included), one per printed page."""
    chosen = cards(hearing=True) if chosen is None else chosen
    body = "\n".join(c.html() for c in chosen)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Role cards · Lesson 07 · The Council decides</title>"
        f"<style>{CARD_CSS}{PRINT_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def find_chromium() -> str | None:
    """The Chromium (or Chrome) to print with: ``MINUSMA_CHROMIUM`` if set, else the first on the PATH."""
    override = os.environ.get("MINUSMA_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class PrintError(RuntimeError):
    """Chromium did not produce the PDF; the message says what it reported."""


def print_pdf(html_path: Path, pdf_path: Path, chromium: str, timeout: float = 180) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; the PDF appears whole or not at all."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf_path.name}.", suffix=".tmp", dir=pdf_path.parent)
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="minusma-chromium-") as profile:
            run = subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={tmp_name}",
                    html_path.as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        with open(tmp_name, "rb") as handle:
            ok = handle.read(5) == b"%PDF-"
        if run.returncode != 0 or not ok:
            last = (run.stderr or run.stdout or "").strip().splitlines()[-1:] or ["no message"]
            raise PrintError(f"Chromium did not print the PDF (exit code {run.returncode}): {last[0]}")
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the PDF is meant to be shared
        os.replace(tmp_name, pdf_path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return pdf_path


def write_cards(out: Path, pdf: bool = True, hearing: bool = True) -> tuple[Path, Path | None, str]:
    """Write the cards' HTML (and PDF); returns (html path, pdf path or None, a message for the user).

    ``out`` is a folder (the files are ``role_cards_07.html`` and ``.pdf`` in it) or an ``.html`` file name.
    """
    out = Path(out)
    html_path = out if out.suffix.lower() == ".html" else out / "role_cards_07.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    chosen = cards(hearing=hearing)
    write_text_atomic(html_path, cards_html(chosen))
    message = f"Wrote {len(chosen)} role cards, one per page, to {html_path}."
    if not pdf:
        return html_path, None, message
    chromium = find_chromium()
    if chromium is None:
        return (
            html_path,
            None,
            message
            + (
                " No PDF: Chromium was not found (install the chromium package, or set "
                "MINUSMA_CHROMIUM to a Chrome or Chromium program); open the HTML file "
                "in a browser and print it instead."
            ),
        )
    pdf_path = print_pdf(html_path, html_path.with_suffix(".pdf"), chromium)
    return html_path, pdf_path, message + f" Printed them to {pdf_path}."


def main(argv: list[str] | None = None) -> int:
    """``python -m minusma role-cards OUT``: print the role cards of lesson 07."""
    parser = argparse.ArgumentParser(
        prog="python -m minusma role-cards",
        description="Write the role cards of lesson 07 (the fifteen Council members of 2023, Mali, the Secretariat "
        "and the three briefers of the optional hearing) to one HTML file, one card per printed page, "
        "and print it to PDF with headless Chromium when it is installed.",
    )
    parser.add_argument("out", type=Path, help="a folder (role_cards_07.html and .pdf go in it) or an .html file")
    parser.add_argument("--no-pdf", action="store_true", help="write the HTML file only")
    parser.add_argument("--no-hearing", action="store_true", help="leave out the three briefers of the hearing")
    args = parser.parse_args(argv)
    try:
        _html, _pdf, message = write_cards(args.out, pdf=not args.no_pdf, hearing=not args.no_hearing)
    except (PrintError, subprocess.TimeoutExpired, OSError) as problem:
        print(f"The role cards could not be written: {problem}")
        return 1
    print(message)
    return 0


def without_set_deadlines(text: str, deadlines: tuple[str, ...] = SET_DEADLINES) -> str:
    """``text`` with the ``deadlines`` set by 30 June 2023 taken out, for leak checks.

    A month ("March 2024") is taken out only where no day number comes before it,
    so "5 March 2024" still counts as a later date.
    """
    for deadline in sorted(deadlines, key=len, reverse=True):
        text = re.sub(rf"(?<!\d )(?<!\d){re.escape(deadline)}", "", text)
    return text


def later_mentions(text: str, deadlines: tuple[str, ...] = SET_DEADLINES) -> list[str]:
    """Lines of ``text`` that name a date after 30 June 2023, other than one of the ``deadlines`` set by then."""
    return [
        line
        for line in without_set_deadlines(text, deadlines).splitlines()
        if cutoff.mentions_after(line, cutoff.DECISION_DAY)
    ]
