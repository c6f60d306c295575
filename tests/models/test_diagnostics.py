"""Checks of the churn model (kamlib.models.diagnostics) on hand-made numbers.

The backtest and calibration on the sample are in test_survival.py.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kamlib.models import diagnostics

approx = pytest.approx


def test_brier_score():
    # ((0.2 - 0)² + (0.9 - 1)²) / 2 = (0.04 + 0.01) / 2
    assert diagnostics.brier(np.array([0.2, 0.9]), np.array([0, 1])) == approx(0.025)
    assert diagnostics.brier([0.0, 1.0], [0, 1]) == 0.0


def test_top_decile_lift():
    p = np.linspace(1, 0, 20)  # accounts 0, 1 have the highest risks
    y = np.zeros(20)
    y[[0, 1, 10, 15]] = 1
    # top 10 % = 2 accounts, both churned: 1.0 against 4 / 20 = 0.2 overall -> 5
    assert diagnostics.top_decile_lift(p, y) == approx(5.0)
    # 5 accounts: ceil(0.5) = 1 in the top decile (the first of equal risks); it did not
    # churn -> 0 / (1 / 5) = 0
    assert diagnostics.top_decile_lift(np.full(5, 0.3), np.array([0, 0, 1, 0, 0])) == 0.0
    assert math.isnan(diagnostics.top_decile_lift(p, np.zeros(20)))  # nobody churned


def _model(rows: dict[str, tuple[float, float, float]]):
    summary = pd.DataFrame(rows, index=["coef", "coef lower 95%", "coef upper 95%"]).T
    return SimpleNamespace(summary=summary)


TRUTH = {"churn": {"hazard_ratios": {
    "recent_nps": {"hr": 0.8}, "max_gap_days": {"hr": 1.3}, "kam_satisfaction": {"hr": 0.85},
    "inbound_share": {"hr": 1.0}, "sla_compliance": {"hr": 1.0}, "revenue_trend": {"hr": 1.0},
    "segment": {"reference": "enterprise", "strategic": 0.6, "enterprise": 1.0,
                "mid_market": 1.5}}}}


def test_truth_coverage_in_truths_units_and_relative_to_the_reference_segment():
    ln = math.log
    model = _model({
        "recent_nps": (ln(0.8), ln(0.7), ln(0.9)),
        "gap_30d": (ln(1.3), ln(1.2), ln(1.25)),  # interval below the truth
        "kam_satisfaction": (ln(0.85), ln(0.8), ln(0.9)),
        # per unit of share; truth is per 10 points: exp(0.1 * (0.2 .. 0.8)) = 1.02 .. 1.08
        "inbound_share": (0.5, 0.2, 0.8),
        "sla_compliance": (0.0, -1.0, 1.0),
        "revenue_trend": (0.0, -1.0, 1.0),
        "segment_strategic": (ln(0.4), ln(0.3), ln(0.5)),
        "segment_enterprise": (ln(0.7), ln(0.5), ln(0.9)),
    })
    panel = pd.DataFrame()
    panel.attrs["reference_segment"] = "mid_market"
    cov = diagnostics.truth_coverage(model, panel, TRUTH).set_index("coef")
    assert cov.covered.to_dict() == {
        "recent_nps": True, "gap_30d": False, "kam_satisfaction": True,
        "inbound_share": False, "sla_compliance": True, "revenue_trend": True,
        # against mid_market: strategic 0.6 / 1.5 = 0.4, enterprise 1.0 / 1.5 = 0.667
        "segment_strategic": True, "segment_enterprise": True,
    }
    assert cov.loc["segment_strategic", "truth"] == approx(0.4)
    assert cov.loc["segment_enterprise", "truth"] == approx(2 / 3)
    assert cov.loc["inbound_share", "hr"] == approx(math.exp(0.05))
    assert (cov.loc["inbound_share", "low"], cov.loc["inbound_share", "high"]) == (
        approx(math.exp(0.02)), approx(math.exp(0.08)))
