"""Customer lifetime value (kamlib.models.clv) on hand-made numbers.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.models import clv
from kamlib.periods import Quarter

approx = pytest.approx


def test_clv_values_discount_each_year_of_survival():
    # d = 0: 10 * (1 + 0.5 + 0.25) = 17.5
    assert clv.clv_values(np.array([10.0]), np.array([[1, 0.5, 0.25]]), 0.0)[0] == approx(17.5)
    # d = 25 %, one year: 10 * 0.5 / 1.25 = 4 and 20 * 0.5 / 1.25 = 8, row by row
    got = clv.clv_values(np.array([10.0, 20.0]), np.array([[0.5], [0.5]]), 0.25)
    assert got.tolist() == [approx(4.0), approx(8.0)]
    # survival outside [0, 1] is clipped: 10 * (1 + 0) = 10
    assert clv.clv_values(np.array([10.0]), np.array([[1.2, -0.1]]), 0.0)[0] == approx(10.0)


def test_naive_lifetime_and_total_with_the_cap():
    assert clv.naive_lifetime_years(0.25) == 4.0  # 1 / 0.25
    assert clv.naive_lifetime_years(0.0) == math.inf
    book = pd.DataFrame({"margin": [100.0, 50.0]})
    assert clv.naive_total(book, 0.25) == approx(600.0)  # 150 * 4
    # no churn: the lifetime is capped at 100 years -> 150 * 100
    assert clv.naive_total(book, 0.0) == approx(150 * clv.NAIVE_LIFETIME_CAP_YEARS)


def test_trailing_churn_rate_counts_last_years_customers_lost_since():
    t = pd.Timestamp
    spells = pd.DataFrame({
        "account_id": ["A", "B", "C", "D"],
        "start_on": [t("2024-01-01"), t("2024-01-01"), t("2025-10-15"), t("2024-01-01")],
        "last_day": [t("2026-03-31"), t("2026-09-30"), t("2026-04-30"), t("2025-09-14")],
        "churned": [True, False, True, True],
        "known_on": [t("2026-04-01"), pd.NaT, t("2026-05-01"), t("2025-09-15")],
    })
    # a year before 2026Q3's end is 2025-09-30: customers then are A and B (C started
    # later, D had left); of them A's churn became known since -> 1 / 2
    assert clv.trailing_churn_rate(spells, Quarter("2026Q3", 1)) == 0.5
    assert math.isnan(clv.trailing_churn_rate(spells, Quarter("2024Q3", 1)))  # no base


def test_value_at_risk_by_group_with_zero_clv_and_ties():
    f = pd.DataFrame({"account_id": list("abcd"), "segment": ["s", "t", "u", "u"],
                      "clv": [100.0, 40.0, 0.0, 0.0], "value_at_risk": [10.0, 10.0, 0.0, 0.0]})
    v = clv.value_at_risk_by(f, "segment")
    # s and t tie at 10: by name; u has no CLV: no share
    assert v.segment.tolist() == ["s", "t", "u"] and v.accounts.tolist() == [1, 1, 2]
    assert v.share_at_risk.tolist()[:2] == [approx(0.1), approx(0.25)]  # 10/100, 10/40
    assert math.isnan(v.share_at_risk.iloc[2])


# ----------------------------------------------------------------------------- properties
def test_clv_hand_example():
    # m = 100, S = (0.9, 0.8), d = 10 %: 100 * (0.9 / 1.1 + 0.8 / 1.21) = 81.818 + 66.116
    assert clv.clv_values(np.array([100.0]), np.array([[0.9, 0.8]]), 0.10)[0] == \
        pytest.approx(147.93388, abs=1e-5)
    # negative margins (credit notes) are floored: CLV never goes below 0
    assert clv.clv_values(np.array([-50.0]), np.array([[0.9]]), 0.1)[0] == 0


@given(st.lists(st.floats(0, 1), min_size=1, max_size=12),
       st.floats(-1e5, 1e6), st.floats(0, 0.5), st.floats(0, 0.5))
@settings(max_examples=200, deadline=None)
def test_clv_properties(hazards, margin, d1, d2):
    s = np.cumprod(1 - np.asarray(hazards))[None, :]  # a valid non-increasing survival curve
    m = np.array([margin])
    lo_d, hi_d = sorted((d1, d2))
    v = clv.clv_values(m, s, lo_d)[0]
    assert v >= 0
    assert clv.clv_values(m, s, hi_d)[0] <= v + 1e-9  # a higher rate never raises CLV
    for h in range(1, s.shape[1]):
        assert clv.clv_values(m, s[:, :h], lo_d)[0] <= clv.clv_values(m, s[:, :h + 1],
                                                                     lo_d)[0] + 1e-9


def test_value_at_risk_by_kam_adds_up():
    f = pd.DataFrame({"account_id": list("abc"), "kam_id": ["k1", "k1", "k2"],
                      "clv": [100.0, 50.0, 80.0], "value_at_risk": [10.0, 5.0, 20.0]})
    v = clv.value_at_risk_by(f, "kam_id")
    # k2: 20 at risk of 80; k1: 10 + 5 = 15 of 150
    assert v.kam_id.tolist() == ["k2", "k1"]
    assert v.value_at_risk.tolist() == [20.0, 15.0]
    assert v.share_at_risk.round(3).tolist() == [0.25, 0.1]


def test_clv_interval_is_the_clv_at_the_quantiles_of_a_single_hazard_ratio():
    # one covariate, an account at x - mean = 1, a constant baseline hazard of 0.2 a year:
    # S_k = exp(-0.2 k e^b). CLV falls as b rises, so its 2.5 % quantile is the CLV at b's
    # 97.5 % quantile (b ~ N(0.3, 0.1^2): 0.3 + 1.96 x 0.1) and the other way round.
    rng = np.random.default_rng(3)
    b = rng.normal(0.3, 0.1, 40_000)
    years = np.arange(1, 6)
    draws = np.exp(-0.2 * years[None, :] * np.exp(b)[:, None])[:, None, :]  # draws x 1 x 5
    low, high = clv.clv_interval(np.array([1000.0]), draws, 0.1)

    def at(beta):
        s = np.exp(-0.2 * years * math.exp(beta))[None, :]
        return float(clv.clv_values(np.array([1000.0]), s, 0.1)[0])

    assert low[0] == pytest.approx(at(0.3 + 1.96 * 0.1), rel=0.005)
    assert high[0] == pytest.approx(at(0.3 - 1.96 * 0.1), rel=0.005)
    assert low[0] < at(0.3) < high[0]


def test_clv_interval_by_hand_over_two_draws_and_two_years():
    # margin 121, discount 10 %: draw 1 survives (0.5, 0.25) -> 121 x (0.5/1.1 + 0.25/1.21)
    # = 55 + 25 = 80; draw 2 (1.0, 1.0) -> 110 + 100 = 210. level 1 -> (min, max) = (80, 210);
    # level 0 -> both the median (80 + 210) / 2 = 145. Margin -5 is floored at 0 -> (0, 0).
    s = np.array([[[0.5, 0.25], [0.5, 0.25]], [[1.0, 1.0], [1.0, 1.0]]])  # 2 draws x 2 x 2
    low, high = clv.clv_interval(np.array([121.0, -5.0]), s, 0.10, level=1.0)
    assert low.tolist() == [approx(80.0), 0.0] and high.tolist() == [approx(210.0), 0.0]
    mid = clv.clv_interval(np.array([121.0, -5.0]), s, 0.10, level=0.0)
    assert mid[0][0] == approx(145.0) and mid[1][0] == approx(145.0)


@pytest.fixture(scope="module")
def churn_model():
    """A hand-made Cox model with two covariates and twelve accounts to value."""
    from kamlib.models.cox import ChurnModel

    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 0, 1, 0, 1, 0, 0],
                       "x": [1.0, 0, 1, 0, 1, 1, 0, 0], "z": [0.5, 2, 1, 3, 0, 1.5, 2.5, 1]})
    model = ChurnModel(penalizer=0.1).fit(df, "t", "e", ["x", "z"])
    rng = np.random.default_rng(11)
    rows = pd.DataFrame({"tenure": rng.uniform(0, 3, 12) * 365.25,
                         "x": rng.integers(0, 2, 12) * 1.0, "z": rng.normal(1, 1, 12)})
    margin = rng.gamma(2.0, 500.0, 12)
    margin[[2, 7]] = [0.0, -10.0]  # no margin, a negative one (floored at 0)
    return model, rows, margin


def _per_draw_interval(margin, draws, rate, level):
    """The interval as it was computed before: clv_values one draw at a time."""
    values = np.stack([clv.clv_values(margin, draws[k], rate) for k in range(draws.shape[0])])
    tail = (1 - level) / 2
    return np.quantile(values, tail, axis=0), np.quantile(values, 1 - tail, axis=0)


@pytest.mark.parametrize("chunk", [1, 2, 5, 11, 12, 13, clv.DRAW_CHUNK_ACCOUNTS])
def test_model_clv_interval_in_chunks_equals_the_whole_bit_for_bit(churn_model, chunk):
    model, rows, margin = churn_model
    coef = model.coefficient_draws(200, seed=5)
    years = 365.25 * np.arange(1, 4)
    whole = model.survival_draws(rows, "tenure", years, coef)
    want = _per_draw_interval(margin, whole, 0.08, 0.9)
    assert all(np.array_equal(a, b) for a, b in
               zip(clv.clv_interval(margin, whole, 0.08, 0.9), want, strict=True))
    got = clv.model_clv_interval(model, rows, "tenure", margin, coef, 0.08, 3, 0.9, chunk=chunk)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert (got[0][[2, 7]] == 0).all() and (got[1][[2, 7]] == 0).all()
    assert (got[0] <= got[1]).all()


@settings(max_examples=25, deadline=None)
@given(years=st.integers(1, 5), draws=st.integers(1, 30), rate=st.floats(0.0, 0.3),
       seed=st.integers(0, 1000))
def test_vectorised_clv_interval_equals_one_draw_at_a_time(years, draws, rate, seed):
    rng = np.random.default_rng(seed)
    s = np.sort(rng.uniform(-0.1, 1.1, (draws, 7, years)), axis=2)[:, :, ::-1]
    m = rng.normal(100, 80, 7)
    got = clv.clv_interval(m, s, rate, 0.8)
    want = _per_draw_interval(m, s, rate, 0.8)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
