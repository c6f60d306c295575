"""Prospect touches (kamlib.panels.prospects): the query gives what the same rule
computes in pandas from the whole table."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib.panels import prospects


def test_prospect_touches_up_to_a_day(sample_data):
    day = date(2026, 3, 31)
    got = prospects.prospect_touches(sample_data, day)
    assert list(got.columns) == ["prospect_id", "channel", "day"]
    assert got.day.max() <= pd.Timestamp(day)
    every = sample_data.frame("prospect_touches")
    assert len(got) == int((pd.to_datetime(every.occurred_at).dt.normalize()
                            <= pd.Timestamp(day)).sum())
