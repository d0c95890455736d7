"""The course's moment of decision: what a student may see before lesson 08.

Lessons 00–07 stand on 30 June 2023, the day the Council ended MINUSMA's
mandate. Forecasts locked in them are scored in lesson 08, so nothing dated
later may reach a student earlier: not a row, not a date, not a note.

:func:`minusma.data.as_of` sets the moment for a session; this module holds
the rules it applies, so they are written once:

* a row dated after the moment (the dataset's ``dated_by`` column in
  ``datasets.yaml``) is left out;
* a cell of a column marked ``hindsight: true`` is held back when it is a date
  after the moment or a text that mentions one (a closure date, a note on what
  happened next); dates set in advance (a deadline in a resolution) live in
  columns without that mark and are shown;
* a column marked ``later: true`` is about events after the moment as a whole
  (a vote taken in August 2023) and is left out;
* in the documentation, a caveat that mentions a later date is held back too,
  and the page says how many were.

A text "mentions a later date" when it names a day, a month or a year that
starts after the moment: "12 September 2023", "Dec 2023", "2023-08", "2024".
A bare "2023" does not count, since the year began before 30 June.
"""

from __future__ import annotations

import datetime as dt
import re

#: The moment lessons 00–07 stand on.
DECISION_DAY = dt.date(2023, 6, 30)
#: The first lesson that may show what happened after it.
REVEAL_LESSON = 8

#: What replaces a held-back text cell, so students see that something is held back, and until when.
HELD_BACK = "[held back until lesson 08]"

_MONTHS = {
    "jan": 1,
    "january": 1,
    "janvier": 1,
    "feb": 2,
    "february": 2,
    "février": 2,
    "fevrier": 2,
    "mar": 3,
    "march": 3,
    "mars": 3,
    "apr": 4,
    "april": 4,
    "avril": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "june": 6,
    "juin": 6,
    "jul": 7,
    "july": 7,
    "juillet": 7,
    "aug": 8,
    "august": 8,
    "août": 8,
    "aout": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "septembre": 9,
    "oct": 10,
    "october": 10,
    "octobre": 10,
    "nov": 11,
    "november": 11,
    "novembre": 11,
    "dec": 12,
    "december": 12,
    "décembre": 12,
    "decembre": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = re.compile(rf"\b(?:(\d{{1,2}})(?:er)?\s+)?({_MONTH_NAMES})\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])(?:-(\d\d))?\b")
_YEAR = re.compile(r"(?<![\d-])((?:19|20)\d\d)(?![\d-])")


def parse_moment(value: str | dt.date | None) -> dt.date | None:
    """A moment as a date (``"2023-06-30"`` or a date); None means no cut-off."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"a moment is a date written like 2023-06-30, not {value!r}") from None


def _starts(year: int, month: int | None = None, day: int | None = None) -> dt.date:
    """The first day a date mention can refer to."""
    try:
        return dt.date(year, month or 1, day or 1)
    except ValueError:  # "31 Feb": not a real day; count it from the month
        return dt.date(year, month or 1, 1)


def mentions_after(text: str, moment: dt.date) -> bool:
    """Whether ``text`` names a day, month or year that starts after ``moment``."""
    if not text:
        return False
    covered: list[tuple[int, int]] = []
    for match in _DAY_MONTH_YEAR.finditer(text):
        covered.append(match.span())
        day, month, year = match.group(1), _MONTHS[match.group(2).lower()], int(match.group(3))
        if _starts(year, month, int(day) if day else None) > moment:
            return True
    for match in _ISO.finditer(text):
        covered.append(match.span())
        if _starts(int(match.group(1)), int(match.group(2)), int(match.group(3)) if match.group(3) else None) > moment:
            return True
    for match in _YEAR.finditer(text):
        if any(start <= match.start() < end for start, end in covered):
            continue
        if _starts(int(match.group(1))) > moment:
            return True
    return False
