"""A quarter's panels built once (kamlib.panels.period)."""

from __future__ import annotations

from datetime import date

from kamlib.config import Settings
from kamlib.panels.period import Period
from kamlib.periods import Quarter


def test_a_period_takes_a_quarter_label():
    s = Settings(fiscal_year_start_month=4)
    p = Period(None, "2026Q1", s)
    assert p.quarter == Quarter("2026Q1", 4) and p.quarter.start == date(2025, 4, 1)
    assert p.label == "2026Q1"
