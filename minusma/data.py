"""Load the course datasets from ``data/``, checked against their schema.

Every dataset is described once, in ``data/datasets.yaml``: its file, what one
row is, its sources and licence, its caveats, and each column's type, unit and
allowed range. :func:`load` reads a CSV, checks every cell against that
description and returns a typed :class:`pandas.DataFrame`:

========== =====================================
``type``   pandas dtype
========== =====================================
date       ``datetime64[ns]`` (missing: NaT)
int        ``Int64`` (nullable integer)
float      ``float64`` (missing: NaN)
text       ``string``
category   ``category`` with the allowed values
bool       ``boolean``
========== =====================================

A file that is missing, cut short or holds a value that makes no sense raises
:class:`DataError` with one line naming the file, the row and the problem.

In a notebook::

    from minusma import data
    data.catalogue()            # every dataset, one line each
    data.describe("budget")     # its documentation: columns, units, sources
    budget = data.load("budget")

A lesson set before lesson 08 first calls ``data.as_of("2023-06-30")``: from
then on, what :func:`load`, :func:`describe` and :func:`catalogue` show stands on
that day (the rules are in :mod:`minusma.cutoff`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import cutoff, paths

SCHEMA_FILE = "datasets.yaml"
COLUMN_TYPES = ("date", "int", "float", "text", "category", "bool")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
_INT = re.compile(r"-?\d+")


class DataError(ValueError):
    """A dataset file is missing, malformed or fails its schema.

    The message is one line: file, row (as counted in a spreadsheet, header
    being row 1) and what is wrong. In Jupyter it is shown without a traceback.
    """

    def _render_traceback_(self):  # IPython hook: show the message, not a stack
        return [f"DataError: {self}"]


@dataclass(frozen=True)
class Column:
    """One column of a dataset, as described in ``datasets.yaml``."""

    name: str
    type: str
    unit: str = ""
    description: str = ""
    required: bool = False
    values: tuple[str, ...] = ()
    min: Any = None
    max: Any = None
    #: Values after the moment set by :func:`as_of` are held back (outcomes, notes on what came next).
    hindsight: bool = False
    #: The whole column is about what came after the decision (a later vote): left out under a moment.
    later: bool = False


@dataclass(frozen=True)
class Dataset:
    """One dataset's description: file, documentation and columns."""

    name: str
    file: str
    title: str
    row: str
    sources: str
    accessed: str
    licence: str
    format: str = "csv"
    caveats: tuple[str, ...] = ()
    gaps_and_conflicts: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    columns: tuple[Column, ...] = field(default=())
    #: The date column that dates a row: rows after the moment set by :func:`as_of` are left out.
    dated_by: str | None = None

    @property
    def path(self) -> Path:
        return paths.DATA_DIR / self.file

    @property
    def label(self) -> str:
        """The file as a user sees it, relative to the repository."""
        return f"data/{self.file}"


# --------------------------------------------------------------------------
# The schema file
# --------------------------------------------------------------------------


def _schema_error(message: str) -> DataError:
    return DataError(f"data/{SCHEMA_FILE}: {message}")


def _parse_column(dataset: str, raw: Any) -> Column:
    if not isinstance(raw, dict) or "name" not in raw or "type" not in raw:
        raise _schema_error(f"dataset '{dataset}': every column needs a name and a type")
    if raw["type"] not in COLUMN_TYPES:
        raise _schema_error(
            f"dataset '{dataset}', column '{raw['name']}': unknown type '{raw['type']}' "
            f"(use one of {', '.join(COLUMN_TYPES)})"
        )
    if raw["type"] == "category" and not raw.get("values"):
        raise _schema_error(f"dataset '{dataset}', column '{raw['name']}': a category needs its values")
    return Column(
        name=str(raw["name"]),
        type=raw["type"],
        unit=str(raw.get("unit") or ""),
        description=str(raw.get("description") or ""),
        required=bool(raw.get("required", False)),
        values=tuple(str(v) for v in raw.get("values") or ()),
        min=raw.get("min"),
        max=raw.get("max"),
        hindsight=bool(raw.get("hindsight", False)),
        later=bool(raw.get("later", False)),
    )


@lru_cache(maxsize=4)
def _schemas(schema_path: Path, mtime: float) -> dict[str, Dataset]:
    try:
        raw = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _schema_error("file not found; it describes every dataset and must be there") from None
    except yaml.YAMLError as exc:
        raise _schema_error(f"not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
        raise _schema_error("expected a top-level 'datasets:' mapping")
    default_accessed = str(raw.get("accessed") or "")
    result = {}
    for name, entry in raw["datasets"].items():
        if not isinstance(entry, dict) or "file" not in entry:
            raise _schema_error(f"dataset '{name}' needs at least a 'file'")
        result[name] = Dataset(
            name=name,
            file=str(entry["file"]),
            title=str(entry.get("title") or name),
            row=str(entry.get("row") or ""),
            sources=str(entry.get("sources") or ""),
            accessed=str(entry.get("accessed") or default_accessed),
            licence=str(entry.get("licence") or ""),
            format=str(entry.get("format") or "csv"),
            caveats=tuple(str(c) for c in entry.get("caveats") or ()),
            gaps_and_conflicts=tuple(str(c) for c in entry.get("gaps_and_conflicts") or ()),
            unique=tuple(entry.get("unique") or ()),
            columns=tuple(_parse_column(name, c) for c in entry.get("columns") or ()),
            dated_by=entry.get("dated_by"),
        )
        dated_by = result[name].dated_by
        if dated_by is not None and not any(c.name == dated_by and c.type == "date" for c in result[name].columns):
            raise _schema_error(f"dataset '{name}': dated_by names '{dated_by}', which is not one of its date columns")
    return result


def schemas() -> dict[str, Dataset]:
    """Every dataset description, by name, read from ``data/datasets.yaml``."""
    schema_path = paths.DATA_DIR / SCHEMA_FILE
    mtime = schema_path.stat().st_mtime if schema_path.exists() else 0.0
    return _schemas(schema_path, mtime)


def schema(name: str) -> Dataset:
    """The description of one dataset; a clear error for an unknown name."""
    known = schemas()
    if name not in known:
        close = [n for n in known if name.lower() in n or n in name.lower()]
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise DataError(f"There is no dataset called '{name}'.{hint} Run data.catalogue() to see them all.")
    return known[name]


def names(format: str | None = "csv") -> list[str]:
    """Names of the datasets, in the order of ``datasets.yaml``.

    By default only the tables (CSV); ``format=None`` lists every entry.
    """
    return [n for n, d in schemas().items() if format is None or d.format == format]


# --------------------------------------------------------------------------
# Reading and checking one CSV
# --------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _bound(column: Column, bound: Any):
    if bound is None:
        return None
    if column.type == "date":
        return bound if isinstance(bound, dt.date) else _parse_date(str(bound))
    return float(bound)


def _convert(column: Column, text: str):
    """One cell's text to its typed value; ValueError with a reason if it can't."""
    if column.type == "text":
        return text
    if column.type == "category":
        if text not in column.values:
            raise ValueError(f"'{text}' is not one of the allowed values ({', '.join(column.values)})")
        return text
    if column.type == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"'{text}' is not true or false")
    if column.type == "int":
        if not _INT.fullmatch(text):
            raise ValueError(f"'{text}' is not a whole number")
        value = int(text)
    elif column.type == "float":
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"'{text}' is not a finite number")
    else:  # date
        try:
            value = _parse_date(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD") from None
    low, high = _bound(column, column.min), _bound(column, column.max)
    if low is not None and value < low:
        raise ValueError(f"{text} is below the smallest allowed value, {column.min}")
    if high is not None and value > high:
        raise ValueError(f"{text} is above the largest allowed value, {column.max}")
    return value


def _read_rows(spec: Dataset) -> tuple[list[str], list[list[str]]]:
    label = spec.label
    try:
        raw = spec.path.read_bytes()
    except FileNotFoundError:
        raise DataError(
            f"{label}: file not found. Is the repository complete? (git status shows missing files)"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{label}, line {line}: not valid UTF-8 text; save the file as UTF-8 CSV") from None
    if not text.strip():
        raise DataError(f"{label}: the file is empty; expected a header row and data rows")
    if text.count('"') % 2:
        raise DataError(f"{label}: a quoted field is never closed; the file looks cut short or hand-edited")
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(f"{label}, line {reader.line_num}: not valid CSV ({exc})") from None
    header, body = rows[0], [r for r in rows[1:] if r and any(cell.strip() for cell in r)]
    if not body:
        raise DataError(f"{label}: has a header but no data rows")
    return [h.strip() for h in header], body


def _check_header(spec: Dataset, header: list[str]) -> None:
    expected = [c.name for c in spec.columns]
    missing = [c for c in expected if c not in header]
    if missing:
        raise DataError(
            f"{spec.label}: missing column(s) {', '.join(missing)}; the header row is damaged or out of date"
        )
    extra = [c for c in header if c not in expected]
    if extra:
        raise DataError(
            f"{spec.label}: column(s) {', '.join(extra)} are not described in data/{SCHEMA_FILE}; "
            "describe them there before using them"
        )
    if len(set(header)) != len(header):
        raise DataError(f"{spec.label}: a column name appears twice in the header")


_DTYPES = {"int": "Int64", "float": "float64", "text": "string", "bool": "boolean"}


def _frame(spec: Dataset, header: list[str], body: list[list[str]]) -> pd.DataFrame:
    columns = {c.name: c for c in spec.columns}
    typed: dict[str, list] = {name: [] for name in header}
    for index, row in enumerate(body):
        row_number = index + 2  # as a spreadsheet counts: the header is row 1
        if len(row) != len(header):
            problem = "cut short" if len(row) < len(header) else "has extra cells"
            raise DataError(f"{spec.label}, row {row_number}: {problem} ({len(row)} cells, expected {len(header)})")
        for name, cell in zip(header, row):
            column, text = columns[name], cell.strip()
            if not text:
                if column.required:
                    raise DataError(
                        f"{spec.label}, row {row_number}, column '{name}': empty, but this column must always be filled"
                    )
                typed[name].append(None)
                continue
            try:
                typed[name].append(_convert(column, text))
            except ValueError as exc:
                raise DataError(f"{spec.label}, row {row_number}, column '{name}': {exc}") from None
    frame = {}
    for name in [c.name for c in spec.columns]:
        column, values = columns[name], typed[name]
        if column.type == "date":
            frame[name] = pd.to_datetime(pd.Series(values, dtype="object"), errors="raise").astype("datetime64[ns]")
        elif column.type == "category":
            frame[name] = pd.Categorical(values, categories=list(column.values))
        elif column.type == "float":
            frame[name] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        else:
            frame[name] = pd.array(values, dtype=_DTYPES[column.type])
    result = pd.DataFrame(frame)
    if spec.unique:
        duplicated = result.duplicated(subset=list(spec.unique), keep="first")
        if duplicated.any():
            first = int(duplicated.to_numpy().nonzero()[0][0]) + 2
            raise DataError(f"{spec.label}, row {first}: repeats an earlier row on {', '.join(spec.unique)}")
    return result


@lru_cache(maxsize=64)
def _load_cached(name: str, mtime: float, schema_mtime: float) -> pd.DataFrame:
    spec = schema(name)
    if spec.format != "csv":
        raise DataError(f"'{name}' is a {spec.format} file, not a table; see data.describe('{name}')")
    header, body = _read_rows(spec)
    _check_header(spec, header)
    return _frame(spec, header, body)


_moment: dt.date | None = None


def as_of(moment: str | dt.date | None) -> None:
    """Show the data as it stood on ``moment`` (``"2023-06-30"``), or everything (``None``).

    Lessons before 08 stand on the day of the Council's decision, so the
    forecasts students lock there cannot be spoiled: after this call,
    :func:`load` leaves out rows dated later and holds back later dates and
    notes, and :func:`describe` holds back caveats about later events.
    """
    global _moment
    _moment = cutoff.parse_moment(moment)


def moment() -> dt.date | None:
    """The moment set by :func:`as_of` (None: nothing is held back)."""
    return _moment


def _hold_back(spec: Dataset, frame: pd.DataFrame, when: dt.date) -> pd.DataFrame:
    """``frame`` as it stood on ``when`` (rules: :mod:`minusma.cutoff`)."""
    limit = pd.Timestamp(when)
    if spec.dated_by:
        frame = frame[~(frame[spec.dated_by] > limit)].reset_index(drop=True)
    frame = frame.drop(columns=[c.name for c in spec.columns if c.later])
    for column in spec.columns:
        if not column.hindsight or column.later:
            continue
        if column.type == "date":
            frame.loc[frame[column.name] > limit, column.name] = pd.NaT
        elif column.type == "text":
            later = frame[column.name].map(lambda text: isinstance(text, str) and cutoff.mentions_after(text, when))
            frame.loc[later.astype(bool), column.name] = cutoff.HELD_BACK
    return frame


def load(name: str) -> pd.DataFrame:
    """Return dataset ``name`` as a typed, validated DataFrame.

    Raises :class:`DataError` (one line: file, row, problem) if the file is
    missing, cut short, or has a value its schema does not allow. Each call
    returns a fresh copy, so changing it never changes what others load.
    After :func:`as_of`, what happened later is held back.
    """
    spec = schema(name)
    mtime = spec.path.stat().st_mtime if spec.path.exists() else 0.0
    schema_file = paths.DATA_DIR / SCHEMA_FILE
    frame = _load_cached(name, mtime, schema_file.stat().st_mtime).copy()
    return frame if _moment is None else _hold_back(spec, frame, _moment)


def validate_all() -> dict[str, int]:
    """Load every table once; return its row count by name (raises on the first problem)."""
    return {name: len(load(name)) for name in names()}


# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------


def country_outlines(name: str = "mali_and_neighbours") -> dict[str, list[tuple[list[float], list[float]]]]:
    """Country outlines for a locator map: ``{country: [(lons, lats), ...]}``.

    Each country maps to its rings (outer boundaries of its polygons), as
    lists of longitudes and latitudes ready for ``ax.plot`` or ``ax.fill``.
    """
    spec = schema(name)
    try:
        geo = json.loads(spec.path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{spec.label}: file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{spec.label}, line {exc.lineno}: not valid GeoJSON ({exc.msg})") from None
    outlines: dict[str, list] = {}
    for feature in geo.get("features", []):
        props = feature.get("properties") or {}
        country = props.get("name") or props.get("NAME") or props.get("admin") or feature.get("id", "?")
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            ring = polygon[0]
            outlines.setdefault(country, []).append(([p[0] for p in ring], [p[1] for p in ring]))
    if not outlines:
        raise DataError(f"{spec.label}: no country outlines found in the file")
    return outlines


# --------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------


class Doc(str):
    """Markdown text that Jupyter renders as formatted documentation."""

    def _repr_markdown_(self) -> str:
        return str(self)


def _column_table(spec: Dataset, when: dt.date | None = None) -> list[str]:
    lines = ["| column | type | unit | always filled | meaning |", "|---|---|---|---|---|"]
    for c in spec.columns:
        meaning = c.description
        if c.values:
            meaning += f" Values: {', '.join(c.values)}."
        upper = c.max
        if when is not None and c.type == "date" and isinstance(upper, dt.date) and upper > when:
            upper = when  # the schema's bound would tell how far the data run
        if c.min is not None or upper is not None:
            meaning += f" Range: {c.min if c.min is not None else '…'} to {upper if upper is not None else '…'}."
        if c.hindsight:
            meaning += " Values after a lesson's moment (data.as_of) are held back."
        if c.later:
            meaning += " About events after the decision: the whole column is held back before lesson 08."
        lines.append(
            f"| `{c.name}` | {c.type} | {c.unit or '–'} | {'yes' if c.required else 'no'} | {meaning.strip()} |"
        )
    return lines


def describe(name: str, *, everything: bool = False) -> Doc:
    """The documentation of one dataset as Markdown (rendered in Jupyter).

    After :func:`as_of`, caveats that mention later events are held back and
    counted, unless ``everything`` is true (the data README shows it all).
    """
    spec = schema(name)
    when = None if everything else _moment
    lines = [f"### `{spec.label}`: {spec.title}", ""]
    if spec.row:
        lines += [f"**One row:** {spec.row}", ""]
    lines += [
        f"**Sources:** {spec.sources}",
        "",
        f"**Accessed:** {spec.accessed if when is None or not cutoff.mentions_after(spec.accessed, when) else 'shown in lesson 08 (the date would tell how far the sources run)'}",
        "",
        f"**Licence / terms:** {spec.licence}",
        "",
    ]
    if spec.columns:
        lines += _column_table(spec, when) + [""]
    held = 0
    for heading, items in (("Caveats", spec.caveats), ("Known gaps and conflicts", spec.gaps_and_conflicts)):
        shown = [item for item in items if when is None or not cutoff.mentions_after(item, when)]
        held += len(items) - len(shown)
        if shown:
            lines += [f"**{heading}:**", ""] + [f"- {item}" for item in shown] + [""]
    if held:
        lines += [f"*{held} note(s) about events after {when:%d %B %Y} are held back until lesson 08.*", ""]
    return Doc("\n".join(lines).rstrip() + "\n")


def catalogue() -> pd.DataFrame:
    """Every dataset, one row each: name, file, title and what one row is.

    After :func:`as_of`, a dataset with nothing to show yet (every row dated
    later, or a title about later events) is left out.
    """
    rows = [
        {"name": d.name, "file": d.label, "title": d.title, "one row is": d.row}
        for d in schemas().values()
        if _moment is None or _shows_something(d, _moment)
    ]
    return pd.DataFrame(rows).set_index("name")


def _shows_something(spec: Dataset, when: dt.date) -> bool:
    if cutoff.mentions_after(spec.title, when):
        return False
    return spec.format != "csv" or spec.dated_by is None or not load(spec.name).empty


README_INTRO = """# The course datasets

Everything a student sees as a number comes from the files in this folder.
Every row names its source (a title and address, or a UN document symbol) and a
confidence level:

- **high**: a UN primary text was seen (resolution, press release, report);
- **medium**: a reputable secondary source (news agencies, Security Council Report,
  think tanks, Wikipedia pointing to UN data);
- **low**: a single weak source, an unclear date, or an inference.

Where sources disagree, each figure keeps its own row and source: the course
shows the disagreement instead of choosing silently. Numbers given only
approximately or as a lower bound keep the number in its column and the sign
(`~`, `>`, `<`) in a `…_qualifier` column beside it. Missing values stay empty;
they are never filled in.

Lessons 00–07 stand on 30 June 2023, the day of the Council's decision
(`data.as_of("2023-06-30")`): there, rows dated later (each dataset's
`dated_by` column) are left out, and later values in columns marked
"held back" are hidden, so the forecasts scored in lesson 08 are not spoiled.

This file is generated from `datasets.yaml` (`python -m minusma datadoc`); edit
that file, not this one. In a notebook, `data.describe("name")` shows one
section and `data.load("name")` returns the checked, typed table.
"""


def readme_markdown() -> str:
    """The text of ``data/README.md``, generated from ``datasets.yaml``."""
    parts = [README_INTRO, "## Contents", ""]
    parts += [f"- [`{d.label}`](#{d.name}): {d.title}" for d in schemas().values()]
    parts.append("")
    for d in schemas().values():
        parts += [f'<a id="{d.name}"></a>', "", str(describe(d.name, everything=True)).replace("### ", "## ", 1), ""]
    return "\n".join(parts).rstrip() + "\n"
