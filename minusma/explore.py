"""Ungraded "try it" widgets for the lesson notebooks.

They let a student poke at a dataset without writing code yet; nothing here
is saved or graded (graded questions live in :mod:`minusma.questions`).
"""
from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

ALL = "(all)"


def rows_matching(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """The rows whose ``column`` equals ``value`` (every row for ``"(all)"``)."""
    if column not in frame.columns:
        raise KeyError(f"no column '{column}'; the columns are: {', '.join(map(str, frame.columns))}")
    if value == ALL:
        return frame
    return frame[frame[column].astype("string") == value]


def filter_table(frame: pd.DataFrame, column: str, show: Sequence[str] | None = None, description: str | None = None) -> widgets.VBox:
    """A drop-down of the values in ``column`` and the matching rows beneath it.

    ``show`` picks the columns to display (all by default). The table shows
    how many rows match, so a student can check a count they computed.
    """
    values = [ALL] + sorted(str(v) for v in frame[column].dropna().unique())
    chooser = widgets.Dropdown(options=values, value=ALL, description=description or column,
                               style={"description_width": "initial"})
    count = widgets.Label()
    table = widgets.HTML()
    columns = list(show) if show else list(frame.columns)

    def refresh(_change=None):
        matching = rows_matching(frame, column, chooser.value)
        count.value = f"{len(matching)} of {len(frame)} rows"
        table.value = matching[columns].to_html(index=False, na_rep="–", escape=True, border=0)

    chooser.observe(refresh, names="value")
    refresh()
    return widgets.VBox([chooser, count, table])
