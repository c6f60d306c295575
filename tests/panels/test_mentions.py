"""Social mentions of a quarter (kamlib.panels.mentions): the query gives what the
same rule computes in pandas from the whole table."""

from __future__ import annotations

from kamlib.panels import mentions
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_mentions_of_a_quarter(sample_data, in_quarter):
    every = in_quarter(sample_data.frame("mentions"), "occurred_on")
    got = mentions.mentions_in(sample_data, "2026Q3")
    assert list(got.columns) == ["account_id", "sentiment"] and len(got) == len(every)
    assert mentions.mention_counts(sample_data, Q) == {
        "all": len(every), "unlinked": int(every.account_id.isna().sum())}
