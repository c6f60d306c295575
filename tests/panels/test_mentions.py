"""Social mentions of a quarter (kamlib.panels.mentions): the query gives what the
same rule computes in pandas from the whole table."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.panels import mentions
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_mentions_of_a_quarter(sample_data, in_quarter):
    every = in_quarter(sample_data.frame("mentions"), "occurred_on")
    got = mentions.mentions_in(sample_data, "2026Q3")
    assert list(got.columns) == ["account_id", "sentiment"] and len(got) == len(every)
    assert mentions.mention_counts(sample_data, Q) == {
        "all": len(every), "unlinked": int(every.account_id.isna().sum())}


@pytest.mark.parametrize("start_month", [1, 4])
def test_batched_mentions_equal_one_query_per_quarter(sample_data, start_month):
    qs = [Quarter(q, start_month) for q in ("2010Q1", "2021Q1", "2024Q4", "2026Q3", "2027Q4")]
    got = mentions.mentions_by_quarter(sample_data, qs)
    for q in qs:  # 2010Q1 and 2027Q4 have no mentions
        pd.testing.assert_frame_equal(got[q], mentions.mentions_in(sample_data, q),
                                      check_exact=True)
    assert len(got[qs[0]]) == 0 and len(got[qs[-2]]) > 0
