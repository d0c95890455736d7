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
    drawn = plots.qualified_points(
        ax, [1, 2, 3, 4, 5], [10, 20, 30, float("nan"), 50], ["", "~", ">", None, pd.NA], index=1, label="Deaths"
    )
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
    missing = plots.category_points(
        ax, years, ["2014/15", "2016/17", "2016/17"], [830.7, 989.0, float("nan")], ["~", "~", None], label="Budget"
    )
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


# ------------------------------------------------------------------ one-call charts (figure cells of 03 and 04)


def _texts(fig):
    return (
        " ".join(t.get_text() for t in fig.texts)
        + " "
        + " ".join(ax.get_title(loc="left") + " " + ax.get_xlabel() + " " + ax.get_ylabel() for ax in fig.axes)
    )


def test_ceiling_chart_draws_three_kinds_of_figure_and_cites_its_source():
    ceilings = pd.DataFrame(
        {
            "adoption_date": pd.to_datetime(["2013-04-25", "2016-06-29", "2023-06-30"]),
            "uniformed_ceiling": pd.array([12640, 15209, pd.NA], dtype="Int64"),
        }
    )
    yearly = pd.DataFrame({"year": [2018, 2019], "mean_total_uniformed": [13600, 14094]})
    snapshots = pd.DataFrame(
        {
            "date": pd.to_datetime(["2013-07-01", "2022-11-23"]),
            "uniformed_total": [6000, 14102],
            "uniformed_total_qualifier": [">", None],
        }
    )
    fig = plots.ceiling_chart(ceilings, yearly, snapshots, end="2023-06-30", source="data/a.csv", show=False)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "Authorised ceiling (resolutions)" in labels and "Deployed: RADPKO yearly mean" in labels
    assert "Deployed: snapshot on one day, at least (arrow up)" in labels
    assert plots.has_source(fig) and "persons" in ax.get_ylabel()
    assert "2013–2023" in ax.get_title(loc="left")


def test_charts_show_and_return_nothing_by_default(monkeypatch):
    shown = []
    monkeypatch.setattr(plots.plt, "show", lambda: shown.append(True))
    result = plots.ranked_bar_chart(
        ["Chad", "Guinea"],
        [1427, None],
        x="Troops",
        x_unit="persons",
        y="Country",
        title="Largest contributors",
        source="data/troop_contributors.csv",
    )
    assert result is None and shown == [True], "a figure cell ends without a stray Figure repr"


def test_ranked_bar_chart_keeps_the_order_and_names_a_missing_value():
    fig = plots.ranked_bar_chart(
        ["Chad", "Bangladesh", "Guinea"],
        [1427, 1396, float("nan")],
        x="Troops",
        x_unit="persons",
        y="Country",
        title="T",
        source=["data/a.csv", "data/b.csv"],
        show=False,
    )
    ax = fig.axes[0]
    top_down = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    assert [text for _, text in top_down] == ["Chad", "Bangladesh", "Guinea"], "the first label given sits at the top"
    assert any(t.get_text() == "number not found" for t in ax.texts)
    assert "Sources: data/a.csv; data/b.csv." in _texts(fig)


def test_budget_chart_gives_every_year_a_place_in_every_panel_and_shades_gaps():
    table = pd.DataFrame(
        {
            "period": ["2014/15", "2015/16", "2016/17", "2016/17"],
            "scope": ["mission only", "mission only", "total", "mission only"],
            "amount_usd": [830.7e6, float("nan"), 989e6, float("nan")],
            "amount_usd_qualifier": ["~", None, "~", None],
        }
    )
    fig = plots.budget_chart(table, source="data/budget.csv", show=False)
    top, bottom = fig.axes
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["2014/15", "2015/16", "2016/17"]
    assert top.get_title(loc="left") == "Scope: mission only"
    shaded_top = [p for p in top.patches if p.get_hatch() == "//"]
    shaded_bottom = [p for p in bottom.patches if p.get_hatch() == "//"]
    assert len(shaded_top) == 2, "2015/16 and 2016/17 have no mission-only figure"
    assert len(shaded_bottom) == 2, "2014/15 and 2015/16 have no 'total' figure"
    assert all(line.get_linestyle() == "None" for ax in fig.axes for line in ax.get_lines())


def test_reported_totals_chart_never_joins_points():
    table = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-04-07", "2019-05-18", "2023-06-30"]),
            "total": [170, 190, 309],
            "total_qualifier": [None, ">", None],
        }
    )
    fig = plots.reported_totals_chart(
        table,
        columns={"total": "All causes"},
        y="Killed since 2013",
        y_unit="persons",
        title="Deaths",
        source="data/f.csv",
        show=False,
    )
    ax = fig.axes[0]
    assert all(line.get_linestyle() == "None" for line in ax.get_lines())
    assert "All causes, at least (arrow up)" in ax.get_legend_handles_labels()[1]
    assert ax.get_ylim()[1] > 309


def test_bases_map_chart_counts_sites_per_group_in_the_legend():
    sites = pd.DataFrame(
        {
            "longitude": [-0.05, 1.40, -4.19],
            "latitude": [16.27, 18.44, 14.49],
            "zone": ["north", "north", "centre"],
            "base": ["Gao", "Kidal", "Mopti"],
        }
    )
    hq = pd.DataFrame({"longitude": [-8.0], "latitude": [12.64], "zone": ["south"], "base": ["Bamako"]})
    outlines = {"Mali": [([-12, 4, 4, -12, -12], [10, 10, 25, 25, 10])]}
    fig = plots.bases_map_chart(
        sites, outlines, group="zone", name="base", headquarters=hq, title="Sites", source="data/bases.csv", show=False
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["north: 2 sites", "centre: 1 sites", "headquarters"]
    written = {t.get_text() for t in fig.axes[0].texts}
    assert {"Gao", "Kidal", "Mopti", "Bamako"} <= written


def test_yearly_lines_chart_draws_one_line_per_group():
    table = pd.DataFrame(
        {
            "year": [2015, 2014, 2014, 2015],
            "personnel": [39, 10, 877, 1479],
            "country": ["Egypt", "Egypt", "Burkina Faso", "Burkina Faso"],
        }
    )
    fig = plots.yearly_lines_chart(
        table,
        x="year",
        y="personnel",
        group="country",
        y_label="Personnel",
        y_unit="persons",
        title="T",
        source="data/t.csv",
        show=False,
    )
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["Egypt", "Burkina Faso"]
    assert list(lines[0].get_xdata()) == [2014, 2015], "sorted by year before drawing"
    assert lines[0].get_marker() != lines[1].get_marker()


def test_yearly_lines_chart_names_the_blanks_left_to_fill(capsys):
    table = pd.DataFrame({"year": [2014], "personnel": [10], "country": ["Egypt"]})
    result = plots.yearly_lines_chart(
        table, x="year", y=..., group="country", y_label=..., y_unit="persons", title="T", source="data/t.csv"
    )
    assert result is None
    assert capsys.readouterr().out.strip() == "To draw the chart, replace the ... after: y, y_label."


def test_yearly_lines_chart_explains_an_unknown_column():
    table = pd.DataFrame({"year": [2014], "personnel": [10], "country": ["Egypt"]})
    with pytest.raises(KeyError, match="no column 'people'"):
        plots.yearly_lines_chart(
            table,
            x="year",
            y="people",
            group="country",
            y_label="P",
            y_unit="persons",
            title="T",
            source="data/t.csv",
            show=False,
        )


def test_lower_bounds_have_an_arrow_in_the_legend_too():
    table = pd.DataFrame(
        {"date": pd.to_datetime(["2018-04-07", "2019-05-18"]), "total": [170, 190], "total_qualifier": [None, ">"]}
    )
    fig = plots.reported_totals_chart(
        table, columns={"total": "All causes"}, y="Killed", y_unit="persons", title="T", source="data/f.csv", show=False
    )
    legend = fig.axes[0].get_legend()
    keys = {text.get_text(): handle for text, handle in zip(legend.get_texts(), legend.legend_handles)}
    assert "uparrow" in str(keys["All causes, at least (arrow up)"].get_marker())
    assert keys["All causes"].get_marker() == "o", "an exact figure keeps its point"
