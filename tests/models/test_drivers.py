"""The drivers of an account's churn risk (kamlib.models.drivers): each covariate's
contribution beta_j * (x_ij - mean_j) to its Cox log hazard against the average
account, worked out by hand on a tiny fitted model and checked against lifelines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.models import drivers
from kamlib.models.cox import ChurnModel

approx = pytest.approx


@pytest.fixture(scope="module")
def tiny() -> tuple[ChurnModel, pd.DataFrame]:
    """Four accounts, one binary covariate x (a long contact gap).

    (t=1, churn, x=1), (t=2, churn, x=0), (t=3, churn, x=1), (t=4, censored, x=0).
    With r = exp(beta) the partial likelihood is
        r / (2r + 2) * 1 / (r + 2) * r / (r + 1),
    its score 2 - 2r/(r+1) - r/(r+2) = 2/(r+1) - r/(r+2) = 0 gives r^2 - r - 4 = 0,
    so r = (1 + sqrt(17)) / 2 = 2.5616 and beta = ln r = 0.94057.
    """
    df = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "t": [1.0, 2.0, 3.0, 4.0],
                       "e": [1, 1, 1, 0], "gap_30d": [1.0, 0.0, 1.0, 0.0],
                       "max_gap_days": [95.0, 20.0, 80.0, 10.0]})
    m = ChurnModel().fit(df, "t", "e", covariates=["gap_30d"])
    return m, df


def test_the_tiny_models_coefficient_is_the_hand_solution(tiny):
    m, _ = tiny
    assert float(m.params_["gap_30d"]) == approx(math.log((1 + math.sqrt(17)) / 2), abs=1e-4)


def test_contributions_by_hand(tiny):
    m, df = tiny
    beta = math.log((1 + math.sqrt(17)) / 2)  # 0.94057
    c = drivers.model_contributions(m, df)
    # mean x = (1 + 0 + 1 + 0) / 4 = 0.5: x = 1 gives beta * 0.5 = 0.47028, x = 0 -0.47028
    assert c.loc["a", "gap_30d"] == approx(beta * 0.5, abs=1e-4)
    assert c.loc["b", "gap_30d"] == approx(-beta * 0.5, abs=1e-4)
    top = drivers.top_drivers(c, df)
    # only a and c have a driver (x above the mean); the shown value is the gap in days
    assert top.account_id.tolist() == ["a", "c"]
    assert top.text.tolist() == ["contact gap 95 days", "contact gap 80 days"]
    # hazard ratio exp(0.47028) = 1.6005
    assert top.hazard_ratio.iloc[0] == approx(math.exp(beta * 0.5), abs=1e-4)
    assert top.hazard_ratio.iloc[0] == approx(1.6005, abs=1e-3)


def test_contributions_sum_to_lifelines_log_partial_hazard():
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"account_id": [f"A{i:03d}" for i in range(n)],
                       "gap_30d": rng.gamma(2.0, 1.0, n), "recent_nps": rng.uniform(0, 10, n),
                       "revenue_trend": rng.uniform(-1, 1, n)})
    df["max_gap_days"] = 30 * df.gap_30d
    lin = 0.4 * df.gap_30d - 0.2 * df.recent_nps - 0.5 * df.revenue_trend
    df["t"] = rng.exponential(1 / np.exp(lin))
    df["e"] = (rng.uniform(size=n) < 0.8).astype(int)
    cov = ["gap_30d", "recent_nps", "revenue_trend"]
    m = ChurnModel().fit(df, "t", "e", covariates=cov)
    c = drivers.model_contributions(m, df)
    lph = m.model_.predict_log_partial_hazard(df[cov])
    np.testing.assert_allclose(c.sum(axis=1).to_numpy(), lph.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(np.exp(c.sum(axis=1)).to_numpy(), m.partial_hazard(df),
                               rtol=1e-9)


def test_drivers_are_the_positive_contributions_largest_first():
    # u: 2 * (x - 1); v: -1 * (x - 0); w: 0.5 * (x - 2)
    # account a: u 2*(3-1) = 4, v -1*(-2) = 2, w 0.5*(1-2) = -0.5 -> drivers u, v
    x = pd.DataFrame({"account_id": ["a"], "u": [3.0], "v": [-2.0], "w": [1.0]})
    c = drivers.contributions(x, pd.Series({"u": 2.0, "v": -1.0, "w": 0.5}),
                              pd.Series({"u": 1.0, "v": 0.0, "w": 2.0}))
    assert c.loc["a"].tolist() == [4.0, 2.0, -0.5]
    top = drivers.top_drivers(c, x)
    assert top.covariate.tolist() == ["u", "v"]
    assert top.hazard_ratio.tolist() == approx([math.exp(4), math.exp(2)])
    assert drivers.top_drivers(c, x, top=1).covariate.tolist() == ["u"]
    s = drivers.summarise(top)
    assert s.top_driver.tolist() == ["u"]
    assert s.drivers.iloc[0] == "u 3 (×54.6), v -2 (×7.4)"


def test_plain_words_per_covariate():
    assert drivers.driver_text("gap_30d", 74.0) == "contact gap 74 days"
    assert drivers.driver_text("recent_nps", 4.0) == "NPS 4"
    assert drivers.driver_text("inbound_share", 0.125) == "inbound share 12.5 %"
    assert drivers.driver_text("revenue_trend", -0.35) == "revenue vs a year before -35 %"
    assert drivers.driver_text("kam_satisfaction", 5.25) == "KAM satisfaction 5.2 of 10"
    assert drivers.driver_text("segment", "mid_market") == "segment mid market"


def test_segment_indicators_are_one_driver():
    # reference segment "mid"; indicators key and strategic with betas 0.4 and -0.6,
    # means 0.5 and 0.25. Account k (key):  0.4*(1-0.5) + -0.6*(0-0.25) = 0.2 + 0.15 = 0.35
    #                     account m (mid):  0.4*(0-0.5) + -0.6*(0-0.25) = -0.2 + 0.15 = -0.05
    x = pd.DataFrame({"account_id": ["k", "m"], "segment": ["key", "mid"],
                      "segment_key": [1.0, 0.0], "segment_strategic": [0.0, 0.0]})
    c = drivers.contributions(x, pd.Series({"segment_key": 0.4, "segment_strategic": -0.6}),
                              pd.Series({"segment_key": 0.5, "segment_strategic": 0.25}))
    top = drivers.top_drivers(c, x)
    assert top.account_id.tolist() == ["k"]
    assert top.covariate.tolist() == ["segment"]
    assert top.contribution.tolist() == approx([0.35])
    assert top.text.tolist() == ["segment key"]
    assert top.value.isna().all()


def test_a_floor_keeps_only_drivers_that_matter():
    x = pd.DataFrame({"account_id": ["a"], "u": [1.02], "v": [2.0]})
    c = drivers.contributions(x, pd.Series({"u": 1.0, "v": 1.0}), pd.Series({"u": 1.0, "v": 1.0}))
    # u: 1 * 0.02 = 0.02 < log(1.05) = 0.0488; v: 1 * 1 = 1
    assert drivers.top_drivers(c, x, min_contribution=math.log(1.05)).covariate.tolist() == ["v"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5)),
                min_size=1, max_size=20),
       st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2)),
       st.integers(1, 3))
def test_contributions_add_up_and_drivers_are_ordered(rows, beta, top):
    x = pd.DataFrame(rows, columns=["u", "v", "w"])
    x["account_id"] = [f"A{i:02d}" for i in range(len(x))]
    params = pd.Series(beta, index=["u", "v", "w"])
    means = x[["u", "v", "w"]].mean()
    c = drivers.contributions(x, params, means)
    expected = (x[["u", "v", "w"]] - means).to_numpy() @ params.to_numpy()
    np.testing.assert_allclose(c.sum(axis=1).to_numpy(), expected, atol=1e-9)
    d = drivers.top_drivers(c, x, top=top)
    assert (d.contribution > 0).all()
    assert (d.groupby("account_id").size() <= top).all()
    for _, g in d.groupby("account_id"):
        assert g.contribution.is_monotonic_decreasing
        assert g.order.tolist() == list(range(1, len(g) + 1))
