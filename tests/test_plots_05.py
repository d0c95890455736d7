"""Unit tests of the Council-tally chart first used in notebook 05."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from minusma import plots


def tallies():
    return pd.DataFrame(
        {
            "text_id": ["S/RES/2584 (2021)", "S/RES/2640 (2022)", "draft-x", "S/RES/2374 (2017)"],
            "date": pd.to_datetime(["2021-06-29", "2022-06-29", "2022-07-08", "2017-09-05"]),
            "resolution_number": pd.array([2584, 2640, None, 2374], dtype="Int64"),
            "yes": pd.array([15, 13, 13, None], dtype="Int64"),
            "no": pd.array([0, 0, 1, None], dtype="Int64"),
            "abstain": pd.array([0, 2, 1, None], dtype="Int64"),
            "abstaining": pd.array([None, "China; Russian Federation", "China", None], dtype="string"),
        }
    )


def bars_by_colour(ax, colour):
    return [p for p in ax.patches if isinstance(p, Rectangle) and to_rgb(p.get_facecolor()) == to_rgb(colour)]


def test_each_vote_is_a_row_first_at_the_top_labelled_by_date_and_number():
    fig = plots.council_tallies(tallies())
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["29 Jun 2021 · 2584", "29 Jun 2022 · 2640", "08 Jul 2022 · draft-x", "05 Sep 2017 · 2374"]
    low, high = ax.get_ylim()
    assert low > high, "the first row is at the top"


def test_segments_add_up_to_the_tally_in_the_order_yes_abstain_no():
    fig = plots.council_tallies(tallies())
    ax = fig.axes[0]
    yes = bars_by_colour(ax, plots.PALETTE[0])
    abstain = bars_by_colour(ax, plots.PALETTE[1])
    against = bars_by_colour(ax, plots.PALETTE[5])
    assert [b.get_width() for b in yes] == [15, 13, 13, 0]
    assert [b.get_width() for b in abstain] == [0, 2, 1, 0]
    assert [b.get_width() for b in against] == [0, 0, 1, 0]
    assert [b.get_x() for b in abstain][:3] == [15, 13, 13], "abstentions start where the yes votes end"
    assert against[2].get_x() == 14, "votes against come last"
    assert against[2].get_hatch() != abstain[2].get_hatch(), "against and abstained differ by more than colour"


def test_tally_and_abstainers_are_written_and_a_missing_count_stays_missing():
    fig = plots.council_tallies(tallies())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert " 15–0–0" in texts
    assert " 13–0–2   abstained: China, Russian Federation" in texts
    assert "count not found" in texts
    assert not any("nan" in t.lower() or "<na>" in t.lower() for t in texts)


def test_the_votes_needed_are_marked_and_the_legend_names_the_three_ways():
    fig = plots.council_tallies(tallies(), needed=9)
    ax = fig.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [9, 9]
    assert any("9 in favour needed" in t.get_text() for t in ax.texts)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["in favour", "abstained", "against"]
    assert ax.get_xlim() == (0, 15)
    assert "votes" in ax.get_xlabel()


def test_a_table_without_votes_or_columns_is_refused():
    with pytest.raises(ValueError, match="no votes"):
        plots.council_tallies(tallies().iloc[0:0])
    with pytest.raises(KeyError, match="abstain"):
        plots.council_tallies(tallies().drop(columns="abstain"))
