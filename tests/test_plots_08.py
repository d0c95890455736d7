"""Unit tests of the plot helpers added for notebook 08: the withdrawal map, calibration, the Brier ranking."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from minusma import data, plots


def texts_of(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def line_labelled(ax, start: str):
    (line,) = [line for line in ax.get_lines() if line.get_label().startswith(start)]
    return line


# ------------------------------------------------------------------ calibration


def test_calibration_bands_give_the_share_that_happened_at_the_mean_forecast():
    fig = plots.calibration_chart([10, 30, 34, 90, 100], [False, True, False, True, True], source="test", show=False)
    ax = fig.axes[0]
    bands = line_labelled(ax, "share that happened")
    # bands of 20: [0,20) holds 10 (no); [20,40) holds 30 (yes) and 34 (no); [80,100] holds 90 and 100 (both yes)
    assert list(bands.get_xdata()) == [10, 32, 95]
    assert list(bands.get_ydata()) == [0, 50, 100]
    assert {"n=1", "n=2"} <= set(texts_of(ax))
    assert plots.has_source(fig)


def test_calibration_ticks_each_forecast_at_the_top_or_the_bottom():
    fig = plots.calibration_chart([60, 40, 35], [True, False, True], labels=["a", "b", "c"], source="test", show=False)
    ax = fig.axes[0]
    happened = line_labelled(ax, "a forecast of an event that happened")
    missed = line_labelled(ax, "a forecast of an event that did not")
    assert (list(happened.get_xdata()), list(happened.get_ydata())) == ([60, 35], [100, 100])
    assert (list(missed.get_xdata()), list(missed.get_ydata())) == ([40], [0])
    assert {"a", "b", "c"} <= set(texts_of(ax))
    diagonal = line_labelled(ax, "perfectly calibrated")
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata()) == [0, 100]
    assert "%" in ax.get_xlabel() and "%" in ax.get_ylabel()


def test_calibration_takes_pandas_columns_and_an_empty_table():
    table = pd.DataFrame({"probability": pd.array([80], dtype="Int64"), "outcome": pd.array([True], dtype="boolean")})
    assert plots.calibration_chart(table["probability"], table["outcome"], source="test", show=False)
    empty = plots.calibration_chart([], [], source="test", show=False)
    assert "no locked forecast to show" in texts_of(empty.axes[0])


@pytest.mark.parametrize(
    "probabilities, outcomes, message", [([50], [True, False], "same length"), ([0.5, 120], [True, False], "per cent")]
)
def test_calibration_refuses_bad_input(probabilities, outcomes, message):
    with pytest.raises(ValueError, match=message):
        plots.calibration_chart(probabilities, outcomes, source="test", show=False)


# ------------------------------------------------------------------ Brier ranking


def test_ranking_bars_keep_the_order_given_and_draw_the_reference_lines():
    fig = plots.brier_ranking_chart(
        ["F02", "F01"], [0.1, 0.3], source="test", show=False, references={"no skill": 0.25, "crowd": 0.18}
    )
    ax = fig.axes[0]
    bars = sorted((p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0), key=lambda b: -b.get_y())
    assert [round(b.get_width(), 3) for b in bars] == [0.1, 0.3], "best first, at the top"
    at = {round(float(y)): t.get_text() for y, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert at[round(bars[0].get_y() + bars[0].get_height() / 2)] == "F02"
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["no skill: 0.250"].get_xdata()) == [0.25, 0.25]
    assert list(lines["crowd: 0.180"].get_xdata()) == [0.18, 0.18]
    assert lines["no skill: 0.250"].get_linestyle() != lines["crowd: 0.180"].get_linestyle()
    assert ax.get_xlim()[1] >= 0.5 and {"0.100", "0.300"} <= set(texts_of(ax))


# ------------------------------------------------------------------ the withdrawal map


def test_withdrawal_map_labels_each_site_with_its_day_and_names_those_it_cannot_place():
    bases = data.load("bases")
    sites = bases[bases["site_2023"]]
    fig = plots.withdrawal_map_chart(
        sites,
        data.country_outlines(),
        phase="withdrawal_phase",
        name="base",
        date="closure_date",
        open_label="liquidation site",
        title="t",
        source="test",
        show=False,
    )
    ax = fig.axes[0]
    labels = set(texts_of(ax))
    assert {"Ber (13 Aug)", "Kidal (31 Oct)", "Gao (liquidation site)"} <= labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["phase 1: 4 sites", "phase 2: 6 sites", "phase 3: 3 sites"], "Ogossagou counts in phase 1"
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "Ogossagou" in notes and "no coordinates" in notes


def test_short_day_is_day_and_month_and_empty_when_missing():
    assert plots._short_day(pd.Timestamp("2023-08-03")) == "3 Aug"
    assert plots._short_day(pd.NaT) == "" and plots._short_day(None) == ""
    assert plots._short_day("2023-12-28") == "28 Dec"
