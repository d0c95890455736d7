"""Unit tests of the chart first used in notebook 07: where each delegation's words point on the brackets."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from minusma import plots


def draft():
    return pd.DataFrame(
        {
            "clause_id": ["time", "time", "time", "camps", "camps", "fixed"],
            "clause_order": [2, 2, 2, 1, 1, 3],
            "clause_title": ["Timeline of the withdrawal"] * 3 + ["Camps"] * 2 + ["End"],
            "bracketed": [True, True, True, True, True, False],
            "option_id": ["A", "B", "C", "A", "B", "A"],
            "closest_to": ["France", "Mali; Japan", None, "France; Japan", "Japan", "France; Japan; Mali"],
        }
    )


def drawn(actors, **kwargs):
    plots.bracket_positions(draft(), actors, source="made up for the test", **kwargs)
    return plt.gcf()


def markers(ax, letter):
    colour = plots.PALETTE[plots.OPTION_MARKS[letter][0]]
    return [line for line in ax.get_lines() if to_rgb(line.get_color()) == to_rgb(colour)]


def test_one_lettered_marker_per_actor_and_option_in_bracket_order():
    fig = drawn(["France", "Japan", "Mali"], permanent=["France"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Camps", "Timeline of the\nwithdrawal"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["France (P5)", "Japan", "Mali"]
    a_points = sorted((round(line.get_xdata()[0]), line.get_ydata()[0]) for line in markers(ax, "A"))
    assert a_points == [(0, 0), (0, 1), (1, 0)], "one mark per actor and option; the clause without brackets not drawn"
    b_points = sorted((round(line.get_xdata()[0]), line.get_ydata()[0]) for line in markers(ax, "B"))
    assert b_points == [(0, 1), (1, 1), (1, 2)]
    assert sorted(t.get_text() for t in ax.texts) == ["A", "A", "A", "B", "B", "B"]
    assert plots.has_source(fig)


def test_two_options_in_one_cell_sit_side_by_side_and_shapes_differ():
    ax = drawn(["France", "Japan", "Mali"]).axes[0]
    japan_camps = [line for line in ax.get_lines() if line.get_ydata()[0] == 1 and round(line.get_xdata()[0]) == 0]
    assert len(japan_camps) == 2 and japan_camps[0].get_xdata()[0] != japan_camps[1].get_xdata()[0]
    assert {line.get_marker() for line in japan_camps} == {"o", "s"}, "colour is never the only cue"


def test_actors_not_listed_are_left_out_and_an_empty_row_stays():
    ax = drawn(["Mali", "China"]).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mali", "China"]
    assert all(line.get_ydata()[0] == 0 for line in ax.get_lines() if line.get_marker() in ("o", "s", "^"))


def test_a_draft_without_brackets_is_refused():
    table = draft()
    table["bracketed"] = False
    with pytest.raises(ValueError, match="no bracketed clauses"):
        plots.bracket_positions(table, ["France"], source="x")
