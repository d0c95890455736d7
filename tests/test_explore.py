"""The ungraded try-it widgets, driven without a kernel."""

import pandas as pd
import pytest

from minusma import explore

FRAME = pd.DataFrame(
    {
        "event": ["Coup", "Request", "<script>alert(1)</script>"],
        "category": pd.Categorical(["politics", "UN", "politics"]),
    }
)


def test_rows_matching_filters_and_all_keeps_everything():
    assert list(explore.rows_matching(FRAME, "category", "politics")["event"]) == ["Coup", "<script>alert(1)</script>"]
    assert len(explore.rows_matching(FRAME, "category", explore.ALL)) == 3


def test_rows_matching_unknown_column_is_explained():
    with pytest.raises(KeyError, match="no column 'kind'.*event, category"):
        explore.rows_matching(FRAME, "kind", "UN")


def test_filter_table_updates_count_and_escapes_text():
    box = explore.filter_table(FRAME, "category", show=["event"])
    chooser, count, table = box.children
    assert chooser.options == (explore.ALL, "UN", "politics")
    assert count.value == "3 of 3 rows"
    chooser.value = "UN"
    assert count.value == "1 of 3 rows"
    assert "Request" in table.value and "Coup" not in table.value
    chooser.value = "politics"
    assert "<script>" not in table.value and "&lt;script&gt;" in table.value
