"""Unit tests of the whole-figure helpers of notebook 02: claim_rows and cumulative_counts."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Annotation

from minusma import plots


def ledger(**overrides):
    table = pd.DataFrame(
        {
            "claimant": [
                "Malian armed forces (FAMa)",
                "Human Rights Watch",
                "UN Human Rights Office (OHCHR), report",
                "Transitional government of Mali",
            ],
            "claimant_type": [
                "government of Mali",
                "research or advocacy organisation",
                "UN fact-finding",
                "government of Mali",
            ],
            "date": pd.to_datetime(["2022-04-01", "2022-04-05", "2023-05-12", "2023-05-13"]),
            "figure": [203, 300, 500, None],
            "figure_qualifier": [None, "~", ">", None],
            "figure_counts": ["people called fighters", "men executed", "people killed", None],
        }
    )
    return table.assign(**overrides)


def texts(ax):
    return [t.get_text() for t in ax.texts] + [c.get_text() for c in ax.get_children() if isinstance(c, Annotation)]


def test_claim_rows_one_row_per_statement_in_order_with_who_and_when():
    plots.claim_rows(ledger(), source="data/claims.csv")
    fig = plt.gcf()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "Malian armed forces\n1 Apr 2022",
        "Human Rights Watch\n5 Apr 2022",
        "UN Human Rights Office\n12 May 2023",
        "Transitional government of Mali\n13 May 2023",
    ]
    assert ax.get_ylim()[0] > ax.get_ylim()[1], "first statement at the top"
    assert plots.has_source(fig)


def test_claim_rows_write_each_value_with_its_qualifier_and_what_it_counts():
    plots.claim_rows(ledger(), source="data/claims.csv")
    ax = plt.gca()
    written = texts(ax)
    assert {"203", "about 300", "at least 500"} <= set(written)
    assert " counts: men executed" in written
    assert written.count(" no figure given") == 1, "a statement without a figure keeps its row"


def test_claim_rows_style_by_kind_of_claimant_with_a_marker_each():
    plots.claim_rows(ledger(), source="data/claims.csv")
    ax = plt.gca()
    legend = ax.get_legend()
    names = [t.get_text() for t in legend.get_texts()]
    assert names == [
        "government of Mali",
        "research or advocacy organisation, approximate",
        "UN fact-finding, at least (arrow up)",
    ]
    markers = {h.get_marker() for h in legend.legend_handles}
    assert len(markers) == 3, "colour is never the only cue"


def test_claim_rows_give_no_legend_entry_to_a_kind_without_a_figure():
    plots.claim_rows(
        ledger(
            claimant_type=[
                "government of Mali",
                "research or advocacy organisation",
                "UN fact-finding",
                "foreign government",
            ]
        ),
        source="data/claims.csv",
    )
    names = [t.get_text() for t in plt.gca().get_legend().get_texts()]
    assert not any(name.startswith("foreign government") for name in names)


def test_claim_rows_return_nothing_so_a_cell_shows_one_copy():
    assert plots.claim_rows(ledger(), source="data/claims.csv") is None


def test_claim_rows_refuse_an_empty_table():
    with pytest.raises(ValueError, match="at least one"):
        plots.claim_rows(ledger().iloc[0:0], source="data/claims.csv")


def deaths():
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-07-12", "2023-05-01", "2023-05-31", "2023-06-30", "2023-06-30"]),
            "total": [275, 304, 303, 309, None],
            "total_qualifier": [None, None, None, None, None],
            "hostile": [177, None, None, None, 174],
        }
    )


def test_cumulative_counts_mark_every_fall_and_only_falls():
    plots.cumulative_counts(
        deaths(),
        x="date",
        columns={"total": "all causes", "hostile": "hostile acts"},
        y="Personnel killed since 2013",
        y_unit="persons",
        source="data/x.csv",
    )
    fig, ax = plt.gcf(), plt.gca()
    notes = [c.get_text() for c in ax.get_children() if isinstance(c, Annotation)]
    assert sorted(notes) == ["177 → 174", "304 → 303"]
    assert ax.get_ylabel() == "Personnel killed since 2013 (persons)" and plots.has_source(fig)


def test_cumulative_counts_mark_nothing_when_counts_only_rise():
    rising = deaths().assign(total=[275, 300, 303, 309, None], hostile=[170, None, None, None, 174])
    plots.cumulative_counts(
        rising,
        x="date",
        columns={"total": "all", "hostile": "hostile"},
        y="Killed",
        y_unit="persons",
        source="data/x.csv",
    )
    ax = plt.gca()
    assert not [c for c in ax.get_children() if isinstance(c, Annotation) and "→" in c.get_text()]
