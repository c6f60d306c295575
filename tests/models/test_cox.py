"""The Cox churn model (kamlib.models.cox) on hand-made data.

Reference fits (R's coxph on rossi), the input checks and the property tests are in
test_survival.py; here the baseline, its extrapolation and the predictions are
worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib.models.cox import ChurnModel

approx = pytest.approx


@pytest.fixture(scope="module")
def symmetric() -> ChurnModel:
    """Two groups (x = 0 and x = 1) with the same three rows, so the fitted log hazard
    ratio is 0 (swapping the groups maps beta to -beta): every risk score is 1 and
    Breslow's baseline is a count of deaths over rows at risk.

    Per group: (entry 0, churn at 2), (entry 0, censored at 4), (entry 2.5, churn at 5).
    """
    rows = [(0.0, 2.0, 1), (0.0, 4.0, 0), (2.5, 5.0, 1)]
    df = pd.DataFrame([(e, t, d, x) for x in (0.0, 1.0) for e, t, d in rows],
                      columns=["entry", "t", "event", "x"])
    return ChurnModel().fit(df, "t", "event", ["x"], entry_col="entry")


def test_breslow_baseline_counts_rows_at_risk_only_after_their_entry(symmetric):
    assert symmetric.params_["x"] == approx(0.0, abs=1e-6)
    assert symmetric.hazard_ratios_["x"] == approx(1.0, abs=1e-6)
    h = symmetric.baseline()
    # t = 2: at risk (entry < 2 <= stop): the two rows of each group that entered at 0
    # (the late entries come in at 2.5) -> 4 rows, 2 deaths: 2 / 4 = 0.5
    # t = 5: only the late entries are still at risk -> 2 rows, 2 deaths: + 1 = 1.5
    assert h.index.tolist() == [2.0, 5.0]
    assert h.tolist() == [approx(0.5), approx(1.5)]


def test_cumulative_hazard_interpolates_and_extends_with_the_recent_rate(symmetric):
    # H(1) = 0 before the first death; H(3.5) = 0.5 + (3.5 - 2) / 3 * 1.0 = 1.0 (linear
    # between the death times). Past t = 5, the rate of the last third of the range
    # (5 / 3): from H(10/3) = 0.5 + (4/3) / 3 = 0.9444 to H(5) = 1.5, i.e.
    # (1.5 - 0.9444) / (5/3) = 1/3 per unit: H(8) = 1.5 + 3 / 3 = 2.5
    got = symmetric.cumulative_hazard(np.array([1.0, 3.5, 5.0, 8.0]))
    assert got.tolist() == [0.0, approx(1.0), approx(1.5), approx(2.5)]
    # a window of 1 instead: from H(4) = 0.5 + 2/3 = 1.1667 to 1.5 -> 1/3 per unit too
    h6 = symmetric.cumulative_hazard(np.array([6.0]), tail_window=1.0)[0]
    assert h6 == approx(1.5 + 1 / 3)


def test_conditional_survival_and_partial_hazard(symmetric):
    rows = pd.DataFrame({"x": [0.0, 1.0], "tenure": [2.0, 0.0]})
    assert symmetric.partial_hazard(rows) == approx(np.ones(2), abs=1e-6)  # beta = 0
    s = symmetric.conditional_survival(rows, "tenure", np.array([0.0, 3.0]))
    # alive at 2, three more years: exp(-(H(5) - H(2))) = exp(-1); alive at 0: H(3) - H(0)
    # = 0.5 + 1/3 -> exp(-0.8333)
    assert s[0].tolist() == [approx(1.0), approx(math.exp(-1.0), abs=1e-6)]
    assert s[1].tolist() == [approx(1.0), approx(math.exp(-5 / 6), abs=1e-6)]


def test_a_risk_score_scales_the_cumulative_hazard():
    # one covariate, fitted beta b: a row's hazard is exp((x - mean) b) times the baseline
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "event": [1, 1, 0, 1, 1, 1],
                       "x": [1.0, 0, 1, 0, 1, 0]})
    m = ChurnModel().fit(df, "t", "event", ["x"])
    b = m.params_["x"]
    ph = m.partial_hazard(pd.DataFrame({"x": [0.0, 1.0]}))
    assert ph.tolist() == [approx(math.exp(-0.5 * b)), approx(math.exp(0.5 * b))]  # mean 0.5
    assert m.covariates_ == ["x"] and 0 <= m.concordance_ <= 1
