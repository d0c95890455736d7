"""Unit tests of the row-chart helpers of notebooks 01 and 02 (and the panels of 03)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.text import Annotation

from minusma import plots


def lines_with(ax, **wanted):
    """The lines of ``ax`` whose properties match ``wanted`` (marker, linestyle)."""
    found = []
    for line in ax.get_lines():
        props = {"marker": str(line.get_marker()).lower(), "linestyle": str(line.get_linestyle()).lower()}
        if all(props[k] == str(v).lower() for k, v in wanted.items()):
            found.append(line)
    return found


def tick_labels(ax, axis="y"):
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


# ------------------------------------------------------------------ spans

DAY = pd.Timestamp


def departures():
    return pd.DataFrame(
        {
            "country": ["France", "Sweden", "Germany", "United Kingdom"],
            "announced": [DAY("2022-02-17"), DAY("2022-03-01"), DAY("2022-11-22"), DAY("2022-11-14")],
            "left": [DAY("2022-08-15"), DAY("2023-06-30"), DAY("2023-12-15"), pd.NaT],
            "group": ["other", "mission", "mission", "mission"],
        }
    )


def test_spans_draw_a_row_per_item_first_at_the_top():
    fig, ax = plots.figure()
    rows = departures()
    plots.spans(ax, rows["announced"], rows["left"], rows["country"])
    assert tick_labels(ax) == ["France", "Sweden", "Germany", "United Kingdom"]
    low, high = ax.get_ylim()
    assert low > high, "the y axis runs downwards: the first row is at the top"
    assert len(lines_with(ax, marker="o")) == 4, "a circle at every start"
    assert len(lines_with(ax, marker="s")) == 3, "a square at every known end, none for the UK"


def test_spans_are_dotted_after_the_cutoff_and_open_ones_stop_there():
    fig, ax = plots.figure()
    rows = departures()
    cutoff = DAY("2023-06-16")
    plots.spans(ax, rows["announced"], rows["left"], rows["country"], cutoff=cutoff, cutoff_label="16 June 2023")
    solid = lines_with(ax, marker="None", linestyle="-")
    dotted = lines_with(ax, marker="None", linestyle=":")
    assert len(solid) == 4, "every span is solid up to the cutoff (or its end)"
    assert all(max(line.get_xdata()) <= cutoff for line in solid)
    assert sorted(line.get_ydata()[0] for line in dotted) == [1, 2], "Sweden and Germany go on after the cutoff"
    uk = [line for line in solid if line.get_ydata()[0] == 3][0]
    assert list(uk.get_xdata()) == [rows["announced"][3], cutoff], "an open span runs to the cutoff"
    dashed = lines_with(ax, linestyle="--")
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [cutoff, cutoff], "the cutoff is marked"
    assert [t.get_text().strip() for t in ax.texts] == ["16 June 2023"]


def test_spans_colour_by_group_in_the_order_given():
    fig, ax = plots.figure()
    rows = departures()
    plots.spans(
        ax, rows["announced"], rows["left"], rows["country"], groups=rows["group"], group_order=["mission", "other"]
    )
    starts = sorted(lines_with(ax, marker="o"), key=lambda line: line.get_ydata()[0])
    assert to_rgb(starts[0].get_color()) == to_rgb(plots.PALETTE[1]), "France, 'other', takes the second colour"
    assert all(to_rgb(line.get_color()) == to_rgb(plots.PALETTE[0]) for line in starts[1:])
    handles, labels = ax.get_legend_handles_labels()
    assert sorted(labels) == ["mission", "other"], "one legend entry per group"


def test_spans_without_cutoff_draw_only_what_is_known():
    fig, ax = plots.figure()
    plots.spans(ax, [1, 2], [3, None], ["a", "b"])
    assert len(lines_with(ax, linestyle="-", marker="None")) == 1, "no line for the open span without a cutoff"
    assert len(lines_with(ax, marker="o")) == 2
    assert not lines_with(ax, linestyle=":")


def test_spans_check_their_input():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.spans(ax, [1, 2], [3], ["a", "b"])
    with pytest.raises(ValueError, match="needs a cutoff"):
        plots.spans(ax, [1], [3], ["a"], cutoff_label="then")
    with pytest.raises(ValueError, match="group_order"):
        plots.spans(ax, [1], [3], ["a"], groups=["x"], group_order=["y"])


# ------------------------------------------------------------------ dot rows


def claims():
    return pd.DataFrame(
        {
            "figure": [10, 97, 46, 9, 2, 10, 47],
            "counts": [
                "soldiers A",
                "soldiers A",
                "fighters A",
                "fighters A",
                "soldiers B",
                "soldiers B",
                "soldiers B",
            ],
            "claimant": [
                "government",
                "armed group",
                "government",
                "armed group",
                "government",
                "armed group",
                "armed group",
            ],
        }
    )


def test_dot_rows_put_rival_figures_on_one_row_each():
    fig, ax = plots.figure()
    table = claims()
    drawn = plots.dot_rows(
        ax, table["figure"], table["counts"], table["claimant"], group_order=["government", "armed group", "news"]
    )
    assert tick_labels(ax) == ["soldiers A", "fighters A", "soldiers B"], "rows in order of first appearance"
    low, high = ax.get_ylim()
    assert low > high, "first row at the top"
    assert set(drawn) == {"government", "armed group"}, "no line, and no legend entry, for a group without dots"
    assert list(drawn["government"].get_xdata()) == [10, 46, 2]
    assert list(drawn["government"].get_ydata()) == [0, 1, 2]
    assert list(drawn["armed group"].get_ydata()) == [0, 1, 2, 2]


def test_dot_rows_differ_by_marker_as_well_as_colour():
    fig, ax = plots.figure()
    table = claims()
    drawn = plots.dot_rows(ax, table["figure"], table["counts"], table["claimant"], markersize=10)
    government, armed = drawn["government"], drawn["armed group"]
    assert government.get_marker() != armed.get_marker()
    assert to_rgb(government.get_color()) != to_rgb(armed.get_color())
    assert all(line.get_linestyle() == "None" for line in drawn.values()), "dots are never joined"
    assert government.get_markersize() == 10
    assert ax.get_legend_handles_labels()[1] == ["government", "armed group"]


def test_dot_rows_keep_a_group_style_by_its_place_in_the_order():
    fig, ax = plots.figure()
    drawn = plots.dot_rows(ax, [1], ["only row"], ["third"], group_order=["first", "second", "third"])
    assert drawn["third"].get_marker() == plots.series(2)["marker"]
    assert to_rgb(drawn["third"].get_color()) == to_rgb(plots.PALETTE[2])


def test_dot_rows_labels_alternate_above_and_below_along_a_row():
    fig, ax = plots.figure()
    table = claims()
    plots.dot_rows(ax, table["figure"], table["counts"], table["claimant"], labels=[f"n={v}" for v in table["figure"]])
    notes = [a for a in ax.get_children() if isinstance(a, Annotation)]
    assert len(notes) == 7
    notes = {(note.get_text(), note.xy[1]): note for note in notes}
    dy = {key: note.xyann[1] for key, note in notes.items()}
    # row 2 ("soldiers B") in order of value: 2 above, 10 below, 47 above
    assert dy[("n=2", 2)] > 0 > dy[("n=10", 2)] and dy[("n=47", 2)] > 0
    # row 0 ("soldiers A"): 10 above, 97 below
    assert dy[("n=10", 0)] > 0 > dy[("n=97", 0)]
    assert notes[("n=97", 0)].xy == (97, 0)


def test_dot_rows_show_dates_as_month_and_year():
    fig, ax = plots.figure()
    days = [dt.date(2021, 5, 24), dt.date(2022, 3, 27), dt.date(2023, 6, 16)]
    plots.dot_rows(ax, days, ["coup", "Moura", "request"], ["politics", "UN", "UN"])
    assert ax.xaxis.get_major_formatter().fmt == "%b\n%Y"


def test_dot_rows_check_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.dot_rows(ax, [1, 2], ["a"], ["g", "g"])
    with pytest.raises(ValueError, match="same length"):
        plots.dot_rows(ax, [1], ["a"], ["g"], labels=["x", "y"])


# ------------------------------------------------------------------ bar rows


def test_bar_rows_one_bar_per_item_in_order_styled_by_group():
    fig, ax = plots.figure()
    drawn = plots.bar_rows(
        ax,
        [80, 833, 890, None],
        ["14/15 a", "14/15 b", "14/15 c", "20/21 d"],
        ["unclear", "mission", "total", "mission"],
        group_order=["mission", "total", "unclear"],
    )
    assert tick_labels(ax) == ["14/15 a", "14/15 b", "14/15 c", "20/21 d"]
    low, high = ax.get_ylim()
    assert low > high, "first bar at the top"
    assert [bar.get_width() for bar in drawn["mission"]] == [833]
    assert [bar.get_y() + bar.get_height() / 2 for bar in drawn["unclear"]] == [0]
    assert drawn["mission"].patches[0].get_hatch() == plots.bar_style(0)["hatch"]
    assert drawn["total"].patches[0].get_hatch() == plots.bar_style(1)["hatch"]
    assert ax.get_legend_handles_labels()[1] == ["mission", "total", "unclear"]
    assert [t.get_text().strip() for t in ax.texts] == ["no figure"], "a missing value is said, not drawn"


def test_bar_rows_check_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.bar_rows(ax, [1, 2], ["a"], ["g", "g"])


# ------------------------------------------------------------------ qualified columns and callouts


def test_qualified_columns_style_each_column_and_use_its_qualifiers():
    fig, ax = plots.figure()
    table = pd.DataFrame(
        {"date": [1, 2, 3], "total": [170, 190, 220], "total_qualifier": ["", ">", ""], "hostile": [100, None, 130]}
    )
    drawn = plots.qualified_columns(ax, table, x="date", columns={"total": "all causes", "hostile": "hostile acts"})
    assert set(drawn["total"]) == {"", ">"}
    assert list(drawn["hostile"][""].get_xdata()) == [1, 3], "missing values skipped"
    assert drawn["total"][""].get_marker() != drawn["hostile"][""].get_marker()
    assert ax.get_legend_handles_labels()[1] == ["all causes", "all causes, at least (arrow up)", "hostile acts"]


def test_callout_writes_a_note_beside_a_point():
    fig, ax = plots.figure()
    note = plots.callout(ax, 2, 177, "177 (AFP)", dy=-16)
    assert note.get_text() == "177 (AFP)" and note.xy == (2, 177)
    assert note.xyann == (-5, -16) and note.get_ha() == "right"


# ------------------------------------------------------------------ category panels


def test_category_panels_one_panel_per_group_and_one_legend():
    years = ["2013/14", "2014/15", "2015/16"]
    fig, axes = plots.figure(nrows=2, sharex=True, sharey=True)
    missing = plots.category_panels(
        axes,
        years,
        panels=["mission", "mission", "total"],
        at=["2013/14", "2015/16", "2014/15"],
        values=[600, 900, 890],
        qualifiers=["~", ">", ""],
        panel_order=["mission", "total"],
        title="Scope: {}",
        y_label="Budget (USD million)",
        label="figure",
        missing_label="none of this scope",
    )
    assert missing == {"mission": ["2014/15"], "total": ["2013/14", "2015/16"]}
    assert [ax.get_title(loc="left") for ax in axes] == ["Scope: mission", "Scope: total"]
    assert all(ax.get_ylabel() == "Budget (USD million)" for ax in axes)
    assert axes[1].get_legend() is None
    entries = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert entries == ["figure", "figure, approximate", "figure, at least (arrow up)", "none of this scope"]


def test_category_panels_need_one_axes_per_panel():
    fig, axes = plots.figure(nrows=2)
    with pytest.raises(ValueError, match="need 3 axes"):
        plots.category_panels(axes, ["a"], ["x", "y", "z"], ["a", "a", "a"], [1, 2, 3])
