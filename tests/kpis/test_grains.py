"""Rows of the long KPI table at every grain (kamlib.kpis.grains) on a three-account frame.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.kpis.grains import (
    COLUMNS,
    frame,
    groups,
    mean_rows,
    nps_rows,
    positions,
    rate_rows,
    ratio_rows,
    rows_frame,
)

approx = pytest.approx


@pytest.fixture()
def accounts() -> pd.DataFrame:
    return pd.DataFrame({"account_id": ["a", "b", "c"], "segment": ["s", "s", "t"],
                         "kam_id": ["k1", "k1", "k2"]})


def _by(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["grain"], r["group"]): r for r in rows}


def test_groups_and_positions_visit_company_then_each_grain_sorted(accounts):
    shuffled = accounts.iloc[[2, 0, 1]].reset_index(drop=True)  # c, a, b
    got = [(g, grp, sorted(sub.account_id)) for g, grp, sub in groups(shuffled)]
    assert got == [("company", "all", ["a", "b", "c"]), ("segment", "s", ["a", "b"]),
                   ("segment", "t", ["c"]), ("kam", "k1", ["a", "b"]), ("kam", "k2", ["c"]),
                   ("account", "a", ["a"]), ("account", "b", ["b"]), ("account", "c", ["c"])]
    # positions are the rows' places in the frame: c is row 0, a row 1, b row 2
    pos = [(g, grp, list(i)) for g, grp, i in positions(shuffled, ("company", "segment"))]
    assert pos == [("company", "all", [0, 1, 2]), ("segment", "s", [1, 2]),
                   ("segment", "t", [0])]


def test_a_missing_key_leaves_the_group_out(accounts):
    accounts.loc[2, "kam_id"] = None  # c has no KAM
    assert [grp for g, grp, _ in groups(accounts, ("kam",))] == ["k1"]


def test_rate_rows_sum_k_over_n_with_a_wilson_interval(accounts):
    f = accounts.assign(k=[1, 0, 1], n=[1, 1, 1])
    rows = _by(rate_rows("logo_churn_rate", "2026Q3", f, "k", "n"))
    company = rows[("company", "all")]
    # 2 of 3; Wilson, z = 1.96: centre (2/3 + z²/6) / (1 + z²/3) = 0.57308, half-width
    # z sqrt(2/27 + z²/36) / (1 + z²/3) = 0.36543 -> (0.20766, 0.93851)
    assert (company["value"], company["n"]) == (approx(2 / 3), 3)
    assert (company["low"], company["high"]) == (approx(0.20766, abs=1e-5),
                                                 approx(0.93851, abs=1e-5))
    assert rows[("segment", "s")]["value"] == approx(0.5)  # 1 of 2
    assert rows[("account", "b")]["value"] == 0.0
    assert set(company) == set(COLUMNS) and company["period"] == "2026Q3"


def test_nps_rows_from_class_counts_with_suppression_and_scale(accounts):
    f = accounts.assign(promoters=[2, 0, 1], passives=[1, 0, 0], detractors=[0, 1, 0])
    rows = _by(nps_rows("nps", "2026Q3", f, min_n=2))
    # company: 3 promoters, 1 passive, 1 detractor -> 100 (3 - 1) / 5 = 40
    assert (rows[("company", "all")]["value"], rows[("company", "all")]["n"]) == (approx(40), 5)
    # segment s: 2, 1, 1 -> 100 (2 - 1) / 4 = 25
    assert rows[("segment", "s")]["value"] == approx(25)
    # segment t: one answer < min_n 2: suppressed, n kept
    t = rows[("segment", "t")]
    assert math.isnan(t["value"]) and math.isnan(t["low"]) and t["n"] == 1
    net = _by(nps_rows("net", "2026Q3", f, grains=("company",), scale=0.01))
    assert net[("company", "all")]["value"] == approx(0.4)  # 40 on -100..100 -> 0.4


def test_mean_rows_bootstrap_stays_within_the_values(accounts):
    f = accounts.assign(touches=[2.0, 0.0, 4.0])
    rows = _by(mean_rows("touchpoints", "2026Q3", f, "touches", draws=200, seed=1))
    c = rows[("company", "all")]
    # mean (2 + 0 + 4) / 3 = 2; a resampled mean lies between 0 and 4
    assert (c["value"], c["n"]) == (approx(2.0), 3)
    assert 0 <= c["low"] <= 2 <= c["high"] <= 4
    one = rows[("account", "a")]  # one account: a value, no interval
    assert (one["value"], one["n"]) == (2.0, 1) and math.isnan(one["low"])
    f.loc[2, "touches"] = np.nan  # c unknown: left out -> (2 + 0) / 2 = 1 over 2 accounts
    c = _by(mean_rows("touchpoints", "2026Q3", f, "touches", grains=("company",),
                      draws=50))[("company", "all")]
    assert (c["value"], c["n"]) == (approx(1.0), 2)


def test_ratio_rows_of_sums_over_accounts_with_a_denominator(accounts):
    f = accounts.assign(num=[1.0, 2.0, 5.0], den=[2.0, 2.0, 0.0])
    rows = _by(ratio_rows("grr", "2026Q3", f, "num", "den", draws=300, seed=2))
    c = rows[("company", "all")]
    # c has no denominator: (1 + 2) / (2 + 2) = 0.75 over 2 accounts; resampling a and b
    # gives 1/2 (a, a), 3/4 (a, b) or 1 (b, b), so the interval lies within [0.5, 1]
    assert (c["value"], c["n"]) == (approx(0.75), 2)
    assert 0.5 <= c["low"] <= 0.75 <= c["high"] <= 1.0
    t = rows[("segment", "t")]
    assert math.isnan(t["value"]) and t["n"] == 0
    one = rows[("account", "a")]  # one account: 1 / 2, no interval
    assert one["value"] == approx(0.5) and math.isnan(one["high"])
    churn = _by(ratio_rows("churn", "2026Q3", f, "num", "den", grains=("company",),
                           draws=50, transform=lambda r: 1 - r))
    assert churn[("company", "all")]["value"] == approx(0.25)  # 1 - 0.75


def test_frame_orders_by_kpi_then_grain_then_group():
    rows = [{"kpi": k, "grain": g, "group": grp, "period": "2026Q3", "value": 1.0,
             "low": np.nan, "high": np.nan, "n": 1}
            for k, g, grp in (("b", "kam", "k2"), ("b", "company", "all"), ("a", "account", "x"),
                              ("b", "kam", "k1"), ("b", "team", "north"), ("a", "segment", "s"))]
    f = frame(rows)
    assert list(f.columns) == COLUMNS
    assert list(zip(f.kpi, f.grain, f.group, strict=True)) == [
        ("a", "segment", "s"), ("a", "account", "x"), ("b", "company", "all"),
        ("b", "kam", "k1"), ("b", "kam", "k2"), ("b", "team", "north")]


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 200), min_size=1, max_size=30),
       seed=st.integers(0, 2**16))
def test_property_touchpoints_interval_never_below_zero(counts, seed):
    f = pd.DataFrame({"account_id": [f"a{i}" for i in range(len(counts))],
                      "segment": "s", "kam_id": "k", "touches": counts})
    for r in mean_rows("touchpoints_per_account", "2026Q3", f, "touches",
                       grains=("company",), draws=200, seed=seed):
        assert r["value"] == approx(sum(counts) / len(counts))
        if len(counts) > 1:
            assert 0 <= r["low"] <= r["value"] <= r["high"] <= max(counts)


_NUMBER = st.one_of(st.none(), st.just(np.nan), st.integers(-5, 5),
                    st.floats(allow_nan=False, allow_infinity=False))
_ROW = st.fixed_dictionaries({
    "kpi": st.sampled_from(["a", "b"]), "grain": st.sampled_from(["company", "kam", "account"]),
    "group": st.sampled_from(["x", "y", "all"]), "period": st.just("2026Q3"),
    "value": _NUMBER, "low": _NUMBER, "high": _NUMBER, "n": st.integers(0, 9)})


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROW, max_size=12), st.lists(st.integers(0, 12), max_size=4))
def test_the_table_of_the_families_frames_is_the_table_of_their_rows(rows, cuts):
    """compute_kpis keeps each family's rows as columns (rows_frame); the table is the
    one the rows make, dtypes included, however they are cut (a part whose numbers
    are all None, or all integers, is typed otherwise on its own)."""
    cuts = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    parts = [rows_frame(rows[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)
             if rows[a:b]]
    pd.testing.assert_frame_equal(frame(parts) if parts else frame([]), frame(rows),
                                  check_exact=True)
