"""Unit tests of the one-call figure helpers of notebooks 00 and 01 (end of minusma/plots.py)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from minusma import plots

DAY = pd.Timestamp


def source_line(fig):
    return next(t.get_text() for t in fig.texts if t.get_gid() == "course-source-line")


def events():
    return pd.DataFrame(
        {
            "date": [DAY("2021-05-24"), DAY("2022-02-17"), DAY("2023-06-16"), DAY("2023-06-22")],
            "label": ["coup", "Barkhane exit", "request", "draft"],
            "group": ["politics", "foreign intervention", "MINUSMA", "UN"],
        }
    )


def test_timeline_chart_labels_cites_and_returns_the_figure_when_not_shown():
    table = events()
    fig = plots.timeline_chart(
        table["date"], table["group"], labels=table["label"], source="data/timeline.csv", show=False
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Date" and ax.get_ylabel() == "Kind of event"
    assert plots.has_source(fig) and source_line(fig) == "Source: data/timeline.csv."
    assert [t.get_text().strip() for t in ax.texts] == ["coup", "Barkhane exit", "request", "draft"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["politics", "foreign intervention", "MINUSMA", "UN"]


def test_timeline_chart_without_labels_draws_marks_with_captions():
    table = events()
    fig = plots.timeline_chart(
        table["date"],
        table["group"],
        source=["a.csv", "b.csv"],
        y="Strand",
        marks={DAY("2021-05-24"): "second coup", DAY("2023-06-16"): "request"},
        note="one marker per event",
        show=False,
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Strand"
    captions = [t.get_text().strip() for t in ax.texts if t.get_text().strip()]
    assert captions == ["second coup", "request"], "no event labels, only the two captions"
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 2
    assert source_line(fig) == "Sources: a.csv; b.csv.\nNote: one marker per event"


def test_chart_helpers_show_and_return_nothing_by_default(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    table = events()
    assert plots.timeline_chart(table["date"], table["group"], source="data/timeline.csv") is None
    assert shown == [True], "a figure cell is one call: the helper shows the figure itself"


def test_stacked_bars_chart_stacks_columns_in_order_and_keeps_empty_years():
    counts = pd.DataFrame({"A": [2, 0, 1], "B": [1, 0, 3]}, index=pd.Index([2016, 2017, 2018], name="year"))
    fig = plots.stacked_bars_chart(counts, source="data/timeline.csv", x="Year", y="Events", y_unit="count", show=False)
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [2016, 2017, 2018], "a year with no event still has its place"
    assert ax.get_ylabel() == "Events (count)"
    bars = ax.patches
    assert len(bars) == 6
    tops = {(round(b.get_x() + b.get_width() / 2), round(b.get_y() + b.get_height())) for b in bars}
    assert (2018, 4) in tops and (2016, 3) in tops, "B sits on top of A"
    assert ax.get_legend_handles_labels()[1] == ["A", "B"]
    assert bars[0].get_hatch() != bars[3].get_hatch(), "columns differ by hatch as well as colour"


def test_dot_rows_chart_keeps_the_first_row_on_top_and_cites_its_source():
    fig = plots.dot_rows_chart(
        [DAY("2021-05-24"), DAY("2023-06-16")],
        ["coup", "request"],
        ["politics", "UN"],
        source="data/timeline.csv",
        x="Date",
        y="Event",
        group_order=["UN", "politics"],
        show=False,
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["coup", "request"]
    low, high = ax.get_ylim()
    assert low > high
    assert ax.get_legend() is not None and plots.has_source(fig)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert to_rgb(lines["UN"].get_color()) == to_rgb(plots.PALETTE[0]), "style by place in group_order"


def test_spans_chart_marks_the_cutoff_and_has_a_legend_only_with_groups():
    starts, ends = [DAY("2022-03-01"), DAY("2022-11-14")], [DAY("2023-06-30"), pd.NaT]
    fig = plots.spans_chart(
        starts,
        ends,
        ["Sweden", "United Kingdom"],
        source="data/tcc_departures.csv",
        x="Date",
        y="Contributor",
        cutoff=DAY("2023-06-16"),
        cutoff_label="16 June 2023",
        show=False,
    )
    ax = fig.axes[0]
    assert ax.get_legend() is None
    assert any(t.get_text().strip() == "16 June 2023" for t in ax.texts)
    fig = plots.spans_chart(
        starts,
        ends,
        ["Sweden", "United Kingdom"],
        source="data/tcc_departures.csv",
        x="Date",
        y="Contributor",
        groups=["MINUSMA", "MINUSMA"],
        show=False,
    )
    assert fig.axes[0].get_legend() is not None


def test_chart_helpers_refuse_a_figure_without_a_source():
    table = events()
    with pytest.raises(ValueError, match="at least one source"):
        plots.timeline_chart(table["date"], table["group"], source="  ", show=False)
