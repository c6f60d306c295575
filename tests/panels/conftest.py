"""Fixtures of the panel tests."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.periods import Quarter


def _in_quarter(frame: pd.DataFrame, col: str, q: Quarter | str = "2026Q3") -> pd.DataFrame:
    q = Quarter(q) if isinstance(q, str) else q
    d = pd.to_datetime(frame[col])
    return frame[(d >= pd.Timestamp(q.start)) & (d <= pd.Timestamp(q.end))]


@pytest.fixture(scope="session")
def in_quarter():
    """``in_quarter(frame, col, q="2026Q3")``: the rows of a whole table whose date column
    ``col`` falls in the quarter, chosen in pandas: what a panel's query must select."""
    return _in_quarter
