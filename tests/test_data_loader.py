"""Unit tests of minusma.data on small datasets made here (not the course's own data)."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from minusma import data, paths

SCHEMA = """
version: 1
accessed: "2026-11-01"
datasets:
  toy:
    file: toy.csv
    title: A toy table
    row: One thing on one day.
    sources: Made up for the tests.
    licence: None needed.
    caveats: [Not real.]
    unique: [day, name]
    columns:
      - {name: day, type: date, required: true, min: 2012-01-01, max: 2025-12-31, description: The day.}
      - {name: name, type: text, required: true, description: The thing.}
      - {name: count, type: int, unit: persons, min: 0, description: How many.}
      - {name: share, type: float, unit: "%", min: 0, max: 100}
      - {name: kind, type: category, values: [north, centre], required: true}
      - {name: closed, type: bool}
      - {name: source, type: text, required: true}
  outline:
    file: shapes.geo.json
    title: Shapes
    format: geojson
"""

GOOD = """\
day,name,count,share,kind,closed,source
2023-08-03,Ogossagou,150,12.5,centre,true,"MINUSMA press release, 4 Aug 2023"
2023-08-13,Ber,,,north,false,MINUSMA press release
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    (tmp_path / "datasets.yaml").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "toy.csv").write_text(GOOD, encoding="utf-8")
    return tmp_path


def write(folder, text):
    (folder / "toy.csv").write_text(textwrap.dedent(text), encoding="utf-8")


def test_load_returns_documented_dtypes(data_dir):
    df = data.load("toy")
    assert list(df.columns) == ["day", "name", "count", "share", "kind", "closed", "source"]
    assert str(df["day"].dtype) == "datetime64[ns]"
    assert str(df["name"].dtype) == "string"
    assert str(df["count"].dtype) == "Int64"
    assert str(df["share"].dtype) == "float64"
    assert isinstance(df["kind"].dtype, pd.CategoricalDtype)
    assert list(df["kind"].cat.categories) == ["north", "centre"]
    assert str(df["closed"].dtype) == "boolean"
    assert df.loc[0, "day"] == pd.Timestamp("2023-08-03")
    assert df.loc[0, "count"] == 150


def test_missing_values_stay_missing(data_dir):
    df = data.load("toy")
    assert pd.isna(df.loc[1, "count"]) and pd.isna(df.loc[1, "share"])


def test_each_load_is_a_fresh_copy(data_dir):
    first = data.load("toy")
    first.loc[0, "name"] = "changed"
    assert data.load("toy").loc[0, "name"] == "Ogossagou"


def test_file_edited_on_disk_is_reloaded(data_dir):
    data.load("toy")
    write(data_dir, GOOD.replace("Ogossagou", "Douentza"))
    import os
    import time

    later = time.time() + 5
    os.utime(data_dir / "toy.csv", (later, later))
    assert data.load("toy").loc[0, "name"] == "Douentza"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "data/toy.csv: the file is empty"),
        ("day,name,count,share,kind,closed,source\n", "has a header but no data rows"),
        (GOOD + '2023-09-01,Tessalit,3,1,north,true,"cut sh', "quoted field is never closed"),
        (GOOD + "2023-09-01,Tessalit,3\n", "row 4: cut short (3 cells, expected 7)"),
        (GOOD + "2023-09-01,Tessalit,3,1,north,true,src,extra\n", "row 4: has extra cells"),
        (
            GOOD.replace("2023-08-13", "13/08/2023"),
            "row 3, column 'day': '13/08/2023' is not a date in the form YYYY-MM-DD",
        ),
        (
            GOOD.replace("2023-08-13", "2031-08-13"),
            "row 3, column 'day': 2031-08-13 is above the largest allowed value",
        ),
        (GOOD.replace(",150,", ",many,"), "row 2, column 'count': 'many' is not a whole number"),
        (GOOD.replace(",150,", ",-4,"), "row 2, column 'count': -4 is below the smallest allowed value, 0"),
        (GOOD.replace(",150,", ",1.5,"), "'1.5' is not a whole number"),
        (GOOD.replace("12.5", "abc"), "row 2, column 'share': 'abc' is not a number"),
        (GOOD.replace("12.5", "nan"), "'nan' is not a finite number"),
        (GOOD.replace("centre", "south"), "'south' is not one of the allowed values (north, centre)"),
        (GOOD.replace("true", "maybe"), "'maybe' is not true or false"),
        (
            GOOD.replace(",MINUSMA press release\n", ",\n"),
            "row 3, column 'source': empty, but this column must always be filled",
        ),
        (GOOD.replace("source\n", "origin\n", 1), "missing column(s) source"),
        (
            GOOD.replace("closed,", "closed,colour,", 1).replace("true,", "true,red,").replace("false,", "false,blue,"),
            "column(s) colour are not described",
        ),
        (GOOD + GOOD.splitlines()[1] + "\n", "row 4: repeats an earlier row on day, name"),
    ],
)
def test_bad_csv_gives_one_clear_line(data_dir, text, expected):
    write(data_dir, text)
    with pytest.raises(data.DataError) as info:
        data.load("toy")
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith("data/toy.csv")


def test_missing_file_is_named(data_dir):
    (data_dir / "toy.csv").unlink()
    with pytest.raises(data.DataError, match=r"^data/toy.csv: file not found"):
        data.load("toy")


def test_binary_garbage_is_not_a_traceback(data_dir):
    (data_dir / "toy.csv").write_bytes(b"day,name\n\xff\xfe\x00garbage")
    with pytest.raises(data.DataError, match="not valid UTF-8"):
        data.load("toy")


def test_unknown_name_suggests_close_matches(data_dir):
    with pytest.raises(data.DataError, match="no dataset called 'to'.*Did you mean 'toy'"):
        data.load("to")


def test_error_renders_without_traceback_in_jupyter():
    error = data.DataError("data/x.csv, row 3: bad")
    assert error._render_traceback_() == ["DataError: data/x.csv, row 3: bad"]


def test_broken_schema_file_is_reported(data_dir):
    (data_dir / "datasets.yaml").write_text("datasets: [unclosed", encoding="utf-8")
    with pytest.raises(data.DataError, match=r"^data/datasets.yaml: not valid YAML"):
        data.load("toy")


def test_schema_rejects_unknown_column_type(data_dir):
    (data_dir / "datasets.yaml").write_text(SCHEMA.replace("type: bool", "type: boolean"), encoding="utf-8")
    with pytest.raises(data.DataError, match="unknown type 'boolean'"):
        data.schemas()


def test_names_and_catalogue(data_dir):
    assert data.names() == ["toy"]
    assert data.names(format=None) == ["toy", "outline"]
    cat = data.catalogue()
    assert cat.loc["toy", "file"] == "data/toy.csv"
    assert cat.loc["toy", "one row is"] == "One thing on one day."


def test_describe_lists_columns_units_and_caveats(data_dir):
    doc = data.describe("toy")
    assert doc._repr_markdown_() == str(doc)
    assert "| `count` | int | persons | no | How many. Range: 0 to …. |" in doc
    assert "Not real." in doc and "Made up for the tests." in doc


def test_geojson_is_not_a_table(data_dir):
    (data_dir / "shapes.geo.json").write_text("{}", encoding="utf-8")
    with pytest.raises(data.DataError, match="is a geojson file, not a table"):
        data.load("outline")


def test_country_outlines_reads_polygons_and_multipolygons(data_dir):
    (data_dir / "shapes.geo.json").write_text(
        '{"type":"FeatureCollection","features":['
        '{"properties":{"name":"Mali"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},'
        '{"properties":{"name":"Niger"},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,0],[3,0],[3,1],[2,0]]],[[[4,4],[5,4],[5,5],[4,4]]]]}}]}',
        encoding="utf-8",
    )
    outlines = data.country_outlines("outline")
    assert outlines["Mali"] == [([0, 1, 1, 0], [0, 0, 1, 0])]
    assert len(outlines["Niger"]) == 2


def test_country_outlines_bad_json(data_dir):
    (data_dir / "shapes.geo.json").write_text('{"type": ', encoding="utf-8")
    with pytest.raises(data.DataError, match="not valid GeoJSON"):
        data.country_outlines("outline")
