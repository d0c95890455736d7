"""Unit tests of the plot helpers added for notebooks 03 and 04."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.text import Annotation

from minusma import plots



# ------------------------------------------------------------------ steps

def test_steps_hold_each_value_until_the_next_start():
    fig, ax = plots.figure()
    starts = [dt.date(2013, 4, 25), dt.date(2016, 6, 29), dt.date(2023, 6, 30)]
    (line,) = plots.steps(ax, starts[:2], [12640, 15209], end=starts[2], label="ceiling")
    xs, ys = line.get_data()
    assert list(ys) == [12640, 12640, 15209, 15209]
    assert list(xs) == [starts[0], starts[1], starts[1], starts[2]]
    assert line.get_label() == "ceiling"


def test_steps_leave_a_missing_value_empty():
    fig, ax = plots.figure()
    lines = plots.steps(ax, [0, 1, 2, 3], [5, pd.NA, 7, 7], end=4, label="ceiling")
    assert len(lines) == 2, "a missing value breaks the line, nothing is carried forward"
    assert lines[0].get_label() == "ceiling"
    assert lines[1].get_label().startswith("_"), "one legend entry, not one per run"
    assert list(lines[0].get_ydata()) == [5, 5]
    assert list(lines[1].get_xdata()) == [2, 3, 3, 4]


def test_steps_check_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.steps(ax, [0, 1], [5], end=2)


# ------------------------------------------------------------------ qualified points

def test_qualified_points_style_each_qualifier_differently():
    fig, ax = plots.figure()
    drawn = plots.qualified_points(ax, [1, 2, 3, 4, 5], [10, 20, 30, float("nan"), 50],
                                   ["", "~", ">", None, pd.NA], index=1, label="Deaths")
    assert set(drawn) == {"", "~", ">"}
    assert list(drawn[""].get_xdata()) == [1, 5], "exact points, the missing value skipped"
    assert drawn["~"].get_markerfacecolor() == "white"
    assert to_rgb(drawn[""].get_markerfacecolor()) == to_rgb(plots.PALETTE[1])
    assert drawn[">"].get_label() == "Deaths, at least (arrow up)"
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation)]
    assert len(arrows) == 1, "one arrow for the one lower bound"
    assert all(line.get_linestyle() == "None" for line in drawn.values()), "reported figures are never joined"


def test_qualified_points_reject_unknown_qualifiers_and_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="unknown qualifier"):
        plots.qualified_points(ax, [1], [2], ["about"])
    with pytest.raises(ValueError, match="same length"):
        plots.qualified_points(ax, [1, 2], [2], None)


def test_qualified_points_without_label_add_no_legend_entries():
    fig, ax = plots.figure()
    plots.qualified_points(ax, [1], [2])
    handles, labels = ax.get_legend_handles_labels()
    assert labels == []


# ------------------------------------------------------------------ gaps

def test_category_points_keep_empty_categories_visible():
    fig, ax = plots.figure()
    years = ["2014/15", "2015/16", "2016/17"]
    missing = plots.category_points(ax, years, ["2014/15", "2016/17", "2016/17"], [830.7, 989.0, float("nan")],
                                    ["~", "~", None], label="Budget")
    assert missing == ["2015/16"]
    assert [t.get_text() for t in ax.get_xticklabels()] == years
    bands = [p for p in ax.patches if p.get_hatch() == "//"]
    assert len(bands) == 1
    x0 = bands[0].get_x()
    assert math.isclose(x0 + bands[0].get_width() / 2, 1.0), "the band sits on 2015/16"
    assert any(t.get_text() == "none found" for t in ax.texts)


def test_category_points_refuse_an_unknown_category():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="not in categories: 2099/00"):
        plots.category_points(ax, ["2014/15"], ["2099/00"], [1.0])


def test_shade_missing_labels_the_legend_once():
    fig, ax = plots.figure()
    plots.shade_missing(ax, [0, 2, 4], label="not found", text=None)
    handles, labels = ax.get_legend_handles_labels()
    assert labels == ["not found"]
    assert not ax.texts


# ------------------------------------------------------------------ ranked bars

def test_hbars_first_label_on_top_and_missing_values_named():
    fig, ax = plots.figure()
    plots.hbars(ax, ["Chad", "Bangladesh", "Guinea"], [1427, 1396, pd.NA])
    ticks = {t.get_text(): pos for t, pos in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert ticks["Chad"] > ticks["Bangladesh"] > ticks["Guinea"]
    texts = [t.get_text() for t in ax.texts]
    assert "1,427" in texts and "number not found" in texts
    assert ax.patches[2].get_width() == 0, "no bar is drawn for a missing value"


def test_hbars_check_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.hbars(ax, ["a"], [1, 2])


# ------------------------------------------------------------------ labelled points

def test_label_points_do_not_overlap_each_other():
    fig, ax = plots.figure(width=5, height=4)
    xs, ys = [0.0, 0.05, 0.1, 0.0, 3.0], [0.0, 0.05, 0.0, 0.1, 3.0]
    ax.plot(xs, ys, "o")
    ax.set_xlim(-1, 4)
    ax.set_ylim(-1, 4)
    texts = plots.label_points(ax, xs, ys, ["Timbuktu", "Ber", "Goundam", "Gao", "Kidal"])
    assert [t.get_text() for t in texts] == ["Timbuktu", "Ber", "Goundam", "Gao", "Kidal"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())


def test_label_points_first_choice_is_to_the_right():
    fig, ax = plots.figure()
    (text,) = plots.label_points(ax, [0.5], [0.5], ["Bamako"])
    assert text.get_ha() == "left" and text.xyann == (7, 0)
    assert not text.get_in_layout()


def test_label_points_check_lengths():
    fig, ax = plots.figure()
    with pytest.raises(ValueError, match="same length"):
        plots.label_points(ax, [0], [0, 1], ["a"])
