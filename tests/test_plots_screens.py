"""Unit tests of the plot helper added for the room's screen: one question's forecasts as a strip."""

from __future__ import annotations

import pytest

from minusma import plots


def line_labelled(ax, start: str):
    (line,) = [line for line in ax.get_lines() if line.get_label().startswith(start)]
    return line


def test_each_forecast_is_a_dot_and_equal_forecasts_stack():
    fig = plots.forecast_strip_chart([50, 50, 51, 90], source="test", show=False)
    ax = fig.axes[0]
    dots = line_labelled(ax, "one forecast (4)")
    assert list(dots.get_xdata()) == [50, 50, 51, 90]
    assert list(dots.get_ydata()) == [1, 2, 3, 1], "forecasts within 2.5 points share a column"
    mean = line_labelled(ax, "the class's average: 60 %")
    assert list(mean.get_xdata()) == [60.25]
    assert not [line for line in ax.get_lines() if line.get_label().startswith("what happened")]
    assert plots.has_source(fig) and ax.get_xlabel() == "Forecast probability that it happens (%)"


@pytest.mark.parametrize(("outcome", "where", "caption"), [(True, 100, "yes (100 %)"), (False, 0, "no (0 %)")])
def test_the_outcome_is_a_star_at_100_or_0_joined_to_the_mean(outcome, where, caption):
    fig = plots.forecast_strip_chart([20, 40], outcome=outcome, source="test", show=False)
    ax = fig.axes[0]
    star = line_labelled(ax, "what happened: " + caption)
    assert list(star.get_xdata()) == [where]
    joins = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(joins) == 1 and sorted(joins[0].get_xdata()) == sorted([30.0, where])


def test_no_forecast_says_so_and_a_probability_out_of_range_is_refused():
    fig = plots.forecast_strip_chart([], outcome=True, source="test", show=False)
    assert "no forecast to show" in [t.get_text() for t in fig.axes[0].texts]
    with pytest.raises(ValueError, match="per cent"):
        plots.forecast_strip_chart([0.5, 120], source="test", show=False)
