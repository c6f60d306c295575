"""Reading the long KPI table (kamlib.present.rows): one KPI's row, its series over
quarters and the quarter labels, on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kamlib.periods import Quarter
from kamlib.present.rows import kpi_row, kpi_series, quarter_of, shift_quarter


def _long(rows) -> pd.DataFrame:
    """(kpi, grain, group, period, value, n) tuples as a long KPI table (interval +-1)."""
    t = pd.DataFrame(rows, columns=["kpi", "grain", "group", "period", "value", "n"])
    return t.assign(low=t.value - 1, high=t.value + 1)


TABLE = _long([("nps", "company", "all", "2026Q2", 1.0, 310),
               ("nps", "company", "all", "2026Q3", 2.0, 343),
               ("nps", "kam", "K1", "2026Q3", 5.0, 40),
               ("nps", "segment", "1", "2026Q3", 7.0, 9),
               ("nrr", "company", "all", "2026Q3", np.nan, 0)])


def test_shift_quarter_counts_across_years_either_way():
    # 2026Q3 is quarter index 2026 * 4 + 2; -3 -> 2025Q4, +2 -> 2027Q1
    assert shift_quarter("2026Q3", -3) == "2025Q4"
    assert shift_quarter("2026Q3", 2) == "2027Q1"
    assert shift_quarter("2026Q1", -1) == "2025Q4" and shift_quarter("2026Q4", 0) == "2026Q4"
    assert shift_quarter(" 2026-q2 ", -8) == "2024Q2"  # any case, a dash, blanks around
    assert shift_quarter(Quarter("2026Q3"), -4) == "2025Q3"


def test_kpi_row_picks_the_kpi_grain_group_and_period():
    assert kpi_row(TABLE, "nps", period="2026Q2") == {"value": 1.0, "low": 0.0, "high": 2.0,
                                                      "n": 310}
    assert kpi_row(TABLE, "nps", "kam", "K1")["value"] == 5.0
    # without a period the first row of the KPI is taken (the table's order)
    assert kpi_row(TABLE, "nps")["n"] == 310
    # groups compare as text: segment 1 is found as 1 or "1"
    assert kpi_row(TABLE, "nps", "segment", 1)["n"] == 9


def test_kpi_row_of_what_is_not_there_is_nan_with_no_observations():
    for got in (kpi_row(TABLE, "nps", "kam", "K9"), kpi_row(TABLE, "grr"),
                kpi_row(TABLE, "nps", period="2025Q1"), kpi_row(None, "nps")):
        assert math.isnan(got["value"]) and math.isnan(got["low"]) and got["n"] == 0
    missing_n = TABLE.assign(n=np.nan)
    assert kpi_row(missing_n, "nps", period="2026Q3")["n"] == 0  # a missing count is 0


def test_kpi_series_lists_the_values_of_the_periods_asked_for():
    got = kpi_series(TABLE, "nps", ["2026Q1", "2026Q2", "2026Q3"])
    assert math.isnan(got[0]) and got[1:] == [1.0, 2.0]  # 2026Q1 has no row
    assert kpi_series(TABLE, "nps", ["2026Q3"], "kam", "K1") == [5.0]
    nrr = kpi_series(TABLE, "nrr", ["2026Q3"])  # a row without a value
    assert len(nrr) == 1 and math.isnan(nrr[0])
    assert all(math.isnan(v) for v in kpi_series(TABLE.iloc[:0], "nps", ["2026Q2", "2026Q3"]))


def test_quarter_of_is_the_given_quarter_or_the_tables_latest():
    assert quarter_of(TABLE) == "2026Q3"  # the latest period of the table
    assert quarter_of(TABLE, Quarter("2026Q1")) == "2026Q1"  # given: taken as it is
    assert quarter_of(pd.DataFrame()) is None and quarter_of(TABLE.drop(columns="period")) is None
