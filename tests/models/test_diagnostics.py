"""Checks of the churn model (kamlib.models.diagnostics): scores, truth coverage and the
calibration bins on hand-made numbers, and the backtest on the sample."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kamlib.config import Settings
from kamlib.errors import InsufficientHistory, ModelInputError
from kamlib.models import diagnostics
from kamlib.models.diagnostics import CALIBRATION_COLUMNS, backtest, calibration_bins
from kamlib.panels.coverage import data_quarters
from kamlib.periods import Quarter
from kamlib.stats.intervals import wilson

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


def test_backtest_beats_the_segment_kaplan_meier(sample_data):
    bt = diagnostics.backtest(sample_data, Quarter("2026Q3", 1), Settings())
    assert bt["brier_model"] < bt["brier_km"]
    assert bt["lift_model"] > 1.5
    assert bt["concordance"] > 0.6
    assert 0 <= bt["ici"] < 0.1 and 0 <= bt["e50"] < 0.1


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval, written out (Newcombe 1998, method 3)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_calibration_bins_by_hand():
    """Ten accounts in five bins of two, by the rank of their risk (ties in row order)."""
    pred = pd.DataFrame({
        "p_model": [0.9, 0.1, 0.5, 0.5, 0.3, 0.2, 0.7, 0.8, 0.4, 0.6],
        "churned": [1, 0, 1, 0, 0, 0, 1, 1, 0, 0],
    })
    # ranks: 0.1, 0.2 | 0.3, 0.4 | 0.5 (row 2), 0.5 (row 3) | 0.6, 0.7 | 0.8, 0.9
    got = calibration_bins(pred, bins=5)
    assert list(got.columns) == CALIBRATION_COLUMNS == ["p", "k", "n", "observed", "low",
                                                        "high"]
    assert np.allclose(got.p, [0.15, 0.35, 0.5, 0.65, 0.85])
    assert got.k.tolist() == [0, 0, 1, 1, 2] and got.n.tolist() == [2] * 5
    assert got.observed.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    for (lo, hi), (k, n) in zip(zip(got.low, got.high, strict=True),
                                zip(got.k, got.n, strict=True), strict=True):
        want = _wilson(int(k), int(n))
        assert lo == pytest.approx(max(want[0], 0.0), abs=1e-12)
        assert hi == pytest.approx(min(want[1], 1.0), abs=1e-12)
    # by hand for k = 1 of n = 2: centre 1/2, half-width 0.405467...
    assert got.low.iloc[2] == pytest.approx(0.0945312, abs=1e-6)
    assert got.high.iloc[2] == pytest.approx(0.9054688, abs=1e-6)


def test_calibration_bins_of_few_accounts_and_of_none():
    few = calibration_bins(pd.DataFrame({"p_model": [0.2, 0.6], "churned": [0, 1]}), bins=5)
    assert few.n.tolist() == [1, 1] and few.observed.tolist() == [0.0, 1.0]
    none = calibration_bins(pd.DataFrame({"p_model": [], "churned": []}))
    assert none.empty and list(none.columns) == CALIBRATION_COLUMNS


def test_calibration_bins_match_the_calibration_plot():
    """The bins are the points the calibration plot draws."""
    rng = np.random.default_rng(3)
    pred = pd.DataFrame({"p_model": rng.random(57), "churned": rng.integers(0, 2, 57)})
    f = pred.copy()
    f["bin"] = pd.qcut(f.p_model.rank(method="first"), 5, labels=False)
    g = f.groupby("bin").agg(p=("p_model", "mean"), k=("churned", "sum"),
                             n=("churned", "size"))
    got = calibration_bins(pred)
    assert np.allclose(got.p, g.p) and got.k.tolist() == g.k.tolist()
    assert got.high.tolist() == [wilson(int(k), int(n)).high for k, n in zip(g.k, g.n,
                                                                            strict=True)]


def test_a_backtest_without_history_says_so(sample_data):
    """Too little history raises InsufficientHistory (a ModelInputError), which a report
    catches by name."""
    first, _ = data_quarters(sample_data, Settings())
    assert issubclass(InsufficientHistory, ModelInputError)
    with pytest.raises(InsufficientHistory):
        backtest(sample_data, str(first.shift(1)), Settings())
