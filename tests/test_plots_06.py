"""Unit tests of the plot helpers added for notebook 06: exit pace, drawdown streams, stakeholder map."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from minusma import plots


def bars_of(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]


def texts_of(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# ------------------------------------------------------------------ exit pace


def test_exit_pace_draws_one_labelled_bar_per_exit_in_order():
    fig = plots.exit_pace(["past", "six months", "three months"], [405, 2070, 4140], ["past exit", "option", "option"])
    ax = fig.axes[0]
    bars = sorted(bars_of(ax), key=lambda b: b.get_y())
    assert [b.get_width() for b in bars] == [405, 2070, 4140], "first row at the top, values as given"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["past", "six months", "three months"]
    assert {" 405", " 2,070", " 4,140"} <= set(texts_of(ax)), "every bar carries its value"
    assert "persons per month" in ax.get_xlabel()


def test_exit_pace_tells_kinds_apart_by_hatch_as_well_as_colour():
    fig = plots.exit_pace(["a", "b"], [1, 2], ["past exit", "option"])
    first, second = sorted(bars_of(fig.axes[0]), key=lambda b: b.get_y())
    assert first.get_hatch() != second.get_hatch()
    assert to_rgb(first.get_facecolor()) != to_rgb(second.get_facecolor())
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["past exit", "option"]


@pytest.mark.parametrize("values, message", [([1, -2], "negative"), ([1, None], "missing"), ([1], "same length")])
def test_exit_pace_refuses_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        plots.exit_pace(["a", "b"], values, ["x", "x"])


# ------------------------------------------------------------------ drawdown streams


def test_drawdown_streams_draw_the_weeks_given_and_the_line_of_weeks_available():
    fig = plots.drawdown_streams(["people", "equipment", "sites"], [15.6, 40.0, 19.5], 26.1, "31 December")
    ax = fig.axes[0]
    bars = sorted(bars_of(ax), key=lambda b: b.get_y())
    assert [round(b.get_width(), 1) for b in bars] == [15.6, 40.0, 19.5]
    (line,) = [line for line in ax.get_lines() if line.get_gid() == "weeks-available"]
    assert list(line.get_xdata()) == [26.1, 26.1]
    assert "31 December" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert {" 15.6 weeks", " 40.0 weeks", " 19.5 weeks"} <= set(texts_of(ax))
    assert ax.get_xlim()[1] > 40, "the longest bar and its label fit"
    assert len({b.get_hatch() for b in bars}) == 3, "each stream has its own hatch"


def test_drawdown_streams_keep_the_line_in_view_when_every_stream_is_short():
    fig = plots.drawdown_streams(["people"], [2.0], 26.0, "target")
    assert fig.axes[0].get_xlim()[1] > 26


@pytest.mark.parametrize(
    "weeks, available, message",
    [
        ([1, -1], 10, "negative"),
        ([1], 10, "same length"),
        ([1, 2], 0, "positive"),
        ([1, 2], None, "positive"),
    ],
)
def test_drawdown_streams_refuse_bad_input(weeks, available, message):
    with pytest.raises(ValueError, match=message):
        plots.drawdown_streams(["a", "b"], weeks, available, "target")


# ------------------------------------------------------------------ stakeholder map

ACTORS = ["Host", "Veto A", "Veto B", "Member", "Civilians"]
INTEREST = [5, 4, 4, 3, 5]
POWER = [5, 5, 5, 3, 1]
GROUPS = ["host state", "permanent member", "permanent member", "elected members", "civilians"]
VETO = [False, True, True, False, False]


def drawn_points(ax) -> dict[str, list[tuple[float, float]]]:
    return {
        line.get_label(): list(zip(line.get_xdata(), line.get_ydata()))
        for line in ax.get_lines()
        if line.get_marker() not in ("None", None, "none") and line.get_linestyle() == "None"
    }


def test_stakeholder_map_places_actors_by_interest_and_power():
    fig = plots.stakeholder_map(ACTORS, INTEREST, POWER, GROUPS, VETO)
    points = drawn_points(fig.axes[0])
    assert points["host state"] == [(5.0, 5.0)]
    assert points["civilians"] == [(5.0, 1.0)]
    assert points["elected members"] == [(3.0, 3.0)]


def test_stakeholder_map_spreads_actors_with_the_same_scores():
    fig = plots.stakeholder_map(ACTORS, INTEREST, POWER, GROUPS, VETO)
    tied = drawn_points(fig.axes[0])["permanent member"]
    assert len(set(tied)) == 2, "two actors at (4, 5) must not sit on top of each other"
    for x, y in tied:
        assert abs(x - 4) <= 0.25 and abs(y - 5) <= 0.25, "but they stay close to their scores"


def test_stakeholder_map_rings_the_veto_players_and_labels_every_actor():
    fig = plots.stakeholder_map(ACTORS, INTEREST, POWER, GROUPS, VETO)
    ax = fig.axes[0]
    rings = drawn_points(ax)["veto in the Council"]
    assert len(rings) == 2 and set(rings) == set(drawn_points(ax)["permanent member"])
    labels = [t.get_text() for t in ax.texts if t.get_gid() != "quadrant"]
    assert sorted(labels) == sorted(ACTORS)
    quadrants = {t.get_text() for t in ax.texts if t.get_gid() == "quadrant"}
    assert quadrants == set(plots.QUADRANTS.values())


def test_stakeholder_map_gives_each_group_its_own_marker_and_colour():
    fig = plots.stakeholder_map(ACTORS, INTEREST, POWER, GROUPS, VETO)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines() if line.get_label() in set(GROUPS)}
    assert len({line.get_marker() for line in lines.values()}) == len(set(GROUPS))
    assert len({to_rgb(line.get_color()) for line in lines.values()}) == len(set(GROUPS))
    assert "course's coding" in fig.axes[0].get_xlabel() and "course's coding" in fig.axes[0].get_ylabel()


def test_stakeholder_map_wraps_long_names():
    fig = plots.stakeholder_map(["A very long name for an actor in the map"], [2], [2], ["civilians"], [False])
    (label,) = [t.get_text() for t in fig.axes[0].texts if t.get_gid() != "quadrant"]
    assert "\n" in label and label.replace("\n", " ") == "A very long name for an actor in the map"


@pytest.mark.parametrize(
    "interest, message", [([0], "outside the scale"), ([6], "outside the scale"), ([None], "missing")]
)
def test_stakeholder_map_refuses_scores_off_the_scale(interest, message):
    with pytest.raises(ValueError, match=message):
        plots.stakeholder_map(["A"], interest, [3], ["civilians"], [False])


def test_stakeholder_map_checks_lengths():
    with pytest.raises(ValueError, match="same length"):
        plots.stakeholder_map(["A", "B"], [1, 2], [1, 2], ["civilians"], [False, False])
