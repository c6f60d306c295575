"""KAM comparison (kamlib.kpis.compare): the trailing-four-quarter table and compare_kams."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib.config import Settings
from kamlib.kpis import compare
from kamlib.kpis.compute import churn_kpis, expansion_kpis
from kamlib.panels.period import Period
from kamlib.periods import Quarter

Q = Quarter("2026Q3", 1)
CHEAP = Settings(bootstrap_draws=20)


@pytest.fixture(scope="module")
def trailing(sample_data) -> pd.DataFrame:
    return compare.trailing_counts(sample_data, Q, CHEAP)


def test_window_is_the_four_quarters_up_to_the_report_quarter():
    window = compare.trailing_window(Q)
    assert [str(q) for q in window] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert compare.window_label(window) == "2025Q4–2026Q3"
    # quarters before the data begin are left out
    assert [str(q) for q in compare.trailing_window(Q, first=Quarter("2026Q2", 1))] == [
        "2026Q2", "2026Q3"]


def test_trailing_counts_sum_the_quarterly_kpis(sample_data, trailing):
    """Each quarter contributes exactly the quarterly KPI's customers at the start (n) and
    events (k = value * n) at KAM grain; the trailing table is their sum."""
    expected = []
    for q in compare.trailing_window(Q):
        p = Period(sample_data, q, CHEAP, grains=("company", "kam"))
        t = pd.DataFrame(churn_kpis(p) + expansion_kpis(p))
        t = t[t.kpi.isin(compare.TRAILING_KPIS)].copy()
        t["k"] = np.round(t.value.fillna(0) * t.n).astype(int)
        expected.append(t[["kpi", "grain", "group", "n", "k"]])
    want = pd.concat(expected).groupby(["kpi", "grain", "group"], as_index=False)[["n", "k"]].sum()
    got = trailing[["kpi", "grain", "group", "n", "k"]]
    merged = want.merge(got, on=["kpi", "grain", "group"], how="outer", suffixes=("_q", "_t"))
    assert len(merged) == len(want) == len(got)
    assert (merged.n_q == merged.n_t).all()
    assert (merged.k_q == merged.k_t).all()
    assert (trailing.period == "2025Q4–2026Q3").all() and (trailing.quarters == 4).all()


def test_compare_kams_reads_the_trailing_table_and_its_seed(trailing):
    a = compare.compare_kams(trailing, "logo_churn_rate", higher_is_better=False, draws=500,
                             seed=7)
    b = compare.compare_kams(trailing, "logo_churn_rate", higher_is_better=False, draws=500,
                             seed=7)
    c = compare.compare_kams(trailing, "logo_churn_rate", higher_is_better=False, draws=500,
                             seed=8)
    kam = trailing[(trailing.kpi == "logo_churn_rate") & (trailing.grain == "kam")]
    assert list(a.shrunk.k) == list(kam.k) and list(a.shrunk.n) == list(kam.n)
    company = trailing[(trailing.kpi == "logo_churn_rate") & (trailing.grain == "company")]
    assert a.target == pytest.approx(float(company.value.iloc[0]))
    pd.testing.assert_frame_equal(a.shrunk, b.shrunk)
    assert not np.array_equal(a.shrunk.p_top_quartile, c.shrunk.p_top_quartile)


def test_compare_kams_on_a_table_without_kam_rows():
    c = compare.compare_kams(pd.DataFrame(), "logo_churn_rate")
    assert c.funnel.empty and c.shrunk.empty
