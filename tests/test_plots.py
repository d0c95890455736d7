"""Unit tests of the course plot style and labelling helpers."""

from __future__ import annotations

import datetime as dt

import matplotlib
import pytest
from matplotlib.colors import to_rgb

from minusma import plots


def test_palette_is_okabe_ito_and_distinct():
    assert plots.PALETTE[0] == "#0072B2" and plots.PALETTE[1] == "#E69F00"
    assert len(set(plots.PALETTE)) == len(plots.PALETTE)


def test_every_series_differs_by_more_than_colour():
    styles = [plots.series(i) for i in range(len(plots.MARKERS))]
    assert len({s["marker"] for s in styles}) == len(styles)
    assert len({str(s["linestyle"]) for s in styles}) == len(styles)
    assert plots.series(len(plots.MARKERS)) == plots.series(0)


def test_bars_differ_by_hatch():
    assert len({plots.bar_style(i)["hatch"] for i in range(len(plots.HATCHES))}) == len(plots.HATCHES)


def test_default_cycle_carries_markers_and_linestyles():
    fig, ax = plots.figure()
    first, second = ax.plot([0, 1], [0, 1])[0], ax.plot([0, 1], [1, 2])[0]
    assert first.get_marker() != second.get_marker()
    assert first.get_linestyle() != second.get_linestyle()
    assert to_rgb(first.get_color()) == to_rgb(plots.PALETTE[0])


def test_axis_label_has_unit():
    assert plots.axis_label("Personnel", "persons") == "Personnel (persons)"
    assert plots.axis_label("Year") == "Year"
    with pytest.raises(ValueError, match="needs a name"):
        plots.axis_label(" ")


def test_label_sets_axes_and_title():
    fig, ax = plots.figure()
    plots.label(ax, x="Year", y="Budget", y_unit="USD million", title="MINUSMA budget")
    assert ax.get_xlabel() == "Year"
    assert ax.get_ylabel() == "Budget (USD million)"
    assert ax.get_title(loc="left") == "MINUSMA budget"


def test_source_line_under_figure():
    fig, ax = plots.figure()
    assert not plots.has_source(fig)
    plots.source(fig, "data/budget.csv", note="Missing years left blank")
    assert plots.has_source(fig)
    text = fig._supxlabel.get_text()
    assert text.startswith("Source: data/budget.csv.")
    assert "Note: Missing years left blank" in text


def test_several_sources_are_joined():
    fig, _ = plots.figure()
    plots.source(fig, "UN press release SC/15341", "data/council_votes.csv")
    assert fig._supxlabel.get_text() == "Sources: UN press release SC/15341; data/council_votes.csv."


def test_source_is_required():
    fig, _ = plots.figure()
    with pytest.raises(ValueError, match="at least one source"):
        plots.source(fig, "", "  ")


def test_source_line_fits_in_saved_figure(tmp_path):
    fig, ax = plots.figure()
    ax.plot([1, 2], [3, 4])
    plots.source(fig, "a source")
    fig.canvas.draw()
    box = fig._supxlabel.get_window_extent()
    assert box.y0 >= 0, "the source line must lie inside the figure"


def test_timeline_one_lane_per_group_with_distinct_markers():
    fig, ax = plots.figure()
    dates = [dt.date(2021, 5, 24), dt.date(2022, 2, 17), dt.date(2023, 6, 16)]
    plots.timeline(ax, dates, ["coup", "France leaves", "request"], ["politics", "foreign forces", "politics"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["politics", "foreign forces"]
    markers = {line.get_marker() for line in ax.lines}
    assert len(markers) == 2
    assert [t.get_text().strip() for t in ax.texts] == ["coup", "France leaves", "request"]
    assert ax.texts[-1].get_ha() == "right"  # late labels sit left of their marker


def test_timeline_rejects_mismatched_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.timeline(ax, [dt.date(2023, 1, 1)], ["a", "b"], ["x"])


def test_locator_map_shades_focus_and_labels_degrees():
    fig, ax = plots.figure()
    outlines = {"Mali": [([-5, 0, 0, -5], [15, 15, 20, 15])], "Niger": [([1, 4, 4, 1], [14, 14, 18, 14])]}
    plots.locator_map(ax, outlines)
    assert len(ax.patches) == 1  # only Mali is filled
    assert ax.get_xlabel() == "Longitude (degrees east)"
    assert ax.get_ylabel() == "Latitude (degrees north)"


def test_style_context_restores_rcparams():
    before = matplotlib.rcParams["axes.spines.top"]
    with plots.style():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.spines.top"] == before
