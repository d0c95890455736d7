"""Role cards of lesson 07 (minusma.roles): one per delegation, honest to 30 June 2023, printable.

A card may show only what was known on 29-30 June 2023: nothing dated later, and
never how a delegation voted on resolution 2690 (the class votes first).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from minusma import cutoff, data, roles

HEARING = set(roles.HEARING)
#: Phrases that would give away the vote of 30 June 2023.
VOTE_GIVEAWAYS = re.compile(
    r"\b2690\b|15\s*[-–]\s*0|\bunanim|voted (?:for|in favou?r of|yes on) (?:the|this) (?:resolution|text|draft)"
    r"|supported the resolution|satisfied with the drawdown plan|we voted|adopted",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def every_card():
    return roles.cards(hearing=True)


def test_every_member_of_2023_mali_and_the_secretariat_has_a_card(every_card):
    council = data.load("security_council_2023")
    names = [c.actor for c in every_card]
    for member in council["member"]:
        assert names.count(member) == 1, member
    assert roles.HOST in names and roles.SECRETARIAT in names
    formal = roles.cards()
    assert len(formal) == 17 and not {c.actor for c in formal} & HEARING
    permanent = set(council.loc[council["category"] == "permanent", "member"])
    assert [c.actor for c in formal[:5]] == [m for m in council["member"] if m in permanent], "P5 first"
    assert roles.delegations() == [c.actor for c in formal]


def test_cards_are_read_on_the_day_and_the_moment_is_put_back():
    data.as_of(None)
    roles.cards()
    assert data.moment() is None
    data.as_of("2023-06-16")
    assert roles.card("Switzerland").section("position"), "cards stand on 30 June whatever the moment"
    assert data.moment() == dt.date(2023, 6, 16)
    data.as_of(None)


def test_kinds_and_who_votes(every_card):
    kinds = {c.actor: c.kind for c in every_card}
    assert kinds["France"] == "permanent member" and kinds["Ghana"] == "elected member"
    assert kinds[roles.HOST] == "host state" and kinds[roles.SECRETARIAT] == "secretariat"
    assert {kinds[a] for a in HEARING} == {"briefer"}
    assert [c.actor for c in every_card if c.votes] == [c.actor for c in every_card if "member" in c.kind]


def test_every_card_has_a_sourced_record_and_says_what_is_unknown(every_card):
    for card in every_card:
        assert card.section("record"), card.actor
        assert card.section("position") or card.section("unknown"), f"{card.actor}: no position and nothing unknown"
        for item in card.items:
            assert item.source.strip() and item.confidence in ("high", "medium", "low"), (card.actor, item.text)
    for silent in ("Ecuador", "Malta"):
        card = roles.card(silent)
        assert not card.section("position") and "No " in card.section("unknown")[0].text
        assert "not found" in card.section("unknown")[0].text or "was found" in card.section("unknown")[0].text


def test_no_item_is_dated_after_30_june_2023():
    items = data.load("role_card_items")
    assert (items["date"] <= pd.Timestamp(cutoff.DECISION_DAY)).all()
    data.as_of("2023-06-30")
    assert len(data.load("role_card_items")) == len(items), "the cut-off removes nothing: nothing was later"


def test_no_card_mentions_a_later_date_except_deadlines_set_by_then(every_card):
    for card in every_card:
        assert roles.later_mentions(card.text()) == [], card.actor
        assert roles.later_mentions(re.sub(r"<[^>]+>", " ", card.html())) == [], card.actor


def test_the_leak_check_can_fail():
    assert roles.later_mentions("Japan voted against Russia's draft on 30 August 2023")
    assert roles.later_mentions("(28 Aug 2023) strict respect of the deadline")
    assert not roles.later_mentions("the objective of 31 December 2023")


def test_the_allowed_dates_were_all_set_by_30_june_2023():
    """Each date a card may name although it falls later is a deadline or term fixed by then, in the data."""
    provisions = data.load("resolution_2690_provisions")
    set_dates = {f"{d.day} {d:%B %Y}" for d in provisions["deadline_date"].dropna()}
    notes = " ".join(provisions["deadline_note"].dropna())
    terms = set(data.load("security_council_2023")["term"])
    for allowed in roles.SET_DEADLINES:
        assert allowed in set_dates or allowed in notes or allowed in terms or allowed == "1 July 2023", allowed
    assert "Starts on 1 Jul 2023" in notes, "the start of the drawdown, 1 July 2023, is set by the resolution"


def test_no_card_gives_away_the_vote_of_30_june(every_card):
    for card in every_card:
        found = VOTE_GIVEAWAYS.search(card.text())
        assert found is None, f"{card.actor}: {found.group(0)!r}"
    assert VOTE_GIVEAWAYS.search("we voted in favor of this resolution"), "the check can fail"


def test_cards_never_read_the_columns_that_report_the_vote_or_later_events(monkeypatch):
    real_load = data.load
    secret = "SECRET-LATER-TEXT"

    def poisoned(name, *args, **kwargs):
        table = real_load(name, *args, **kwargs)
        if name == "council_positions_2023":
            table = table.copy()
            for column in (
                "vote_2690",
                "vote_note",
                "statement_30_jun",
                "stated_position",
                "key_concerns",
                "note",
                "short_quote",
                "source",
            ):
                if column in table.columns:
                    table[column] = secret
        if name == "security_council_2023":
            table = table.copy()
            table["note"] = secret
        return table

    monkeypatch.setattr(data, "load", poisoned)
    for card in roles.cards(hearing=True):
        assert secret not in card.text() and secret not in card.html(), card.actor


def test_in_the_room_follows_the_seat():
    assert "veto" in roles.card("China").in_the_room[0]
    assert "not a veto" in roles.card("Malta").in_the_room[0]
    assert "do not vote" in roles.card(roles.HOST).in_the_room[0]
    assert any("hold the pen" in line for line in roles.card("France").in_the_room)
    assert any("preside" in line for line in roles.card("United Arab Emirates").in_the_room)
    for a3 in ("Gabon", "Ghana", "Mozambique"):
        assert any("A3" in line for line in roles.card(a3).in_the_room)
    assert not any("A3" in line for line in roles.card("Japan").in_the_room)
    assert "camps" in roles.card("Signatory armed groups (CSP-PSD)").in_the_room[1]


def test_leans_come_from_the_zero_draft():
    draft = data.load("zero_draft_clauses")
    swiss = {(lean.clause, lean.option_id) for lean in roles.card("Switzerland").leans}
    expected = {
        (r.clause_title, r.option_id)
        for r in draft.itertuples()
        if r.bracketed and isinstance(r.closest_to, str) and "Switzerland" in r.closest_to.split("; ")
    }
    assert swiss == expected and len(swiss) == 2
    assert {lean.option_id for lean in roles.card("France").leans} == {"A"}
    assert roles.card("China").leans == ()


def test_unknown_card_names_the_cards():
    with pytest.raises(KeyError, match="Switzerland"):
        roles.card("Atlantis")


# ------------------------------------------------------------------ printing


def test_html_is_self_contained_with_one_page_per_card(every_card):
    page = roles.cards_html(every_card)
    assert page.count('<section class="card"') == len(every_card) == 20
    assert "page-break-after: always" in page and "break-after: page" in page and "@page" in page
    assert not re.search(r"<(script|link|img|iframe)\b|src=|url\(", page), "nothing fetched from elsewhere"
    assert "vote_2690" not in page


def test_without_chromium_the_html_is_written_and_the_message_says_why_there_is_no_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr(roles, "find_chromium", lambda: None)
    html_path, pdf_path, message = roles.write_cards(tmp_path / "cards")
    assert html_path == tmp_path / "cards" / "role_cards_07.html" and html_path.exists() and pdf_path is None
    assert "No PDF: Chromium was not found" in message
    assert roles.main([str(tmp_path / "cards.html"), "--no-pdf", "--no-hearing"]) == 0
    assert (tmp_path / "cards.html").read_text(encoding="utf-8").count('<section class="card"') == 17


def test_a_chromium_that_fails_is_reported(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot print' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("MINUSMA_CHROMIUM", str(fake))
    assert roles.main([str(tmp_path / "out")]) == 1
    assert "exit code 3" in capsys.readouterr().out
    assert not list((tmp_path / "out").glob("*.pdf")) and not list((tmp_path / "out").glob(".*tmp"))


@pytest.mark.slow
def test_the_pdf_has_one_page_per_card(tmp_path):
    if roles.find_chromium() is None:
        pytest.skip("Chromium is not installed: the PDF cannot be printed here")
    html_path, pdf_path, message = roles.write_cards(tmp_path)
    payload = pdf_path.read_bytes()
    assert payload.startswith(b"%PDF-") and "Printed them to" in message
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", payload))
    assert pages == 20, f"{pages} pages for 20 cards: a card runs over its page"


def test_dates_on_cards_read_as_people_write_them():
    card = roles.card("Switzerland")
    assert card.section("position")[0].date == "30 June 2023"
    assert roles.card("China").section("record")[0].date == "2019"
    assert roles._date_label(pd.Timestamp(dt.date(2023, 6, 1)), "month") == "June 2023"
