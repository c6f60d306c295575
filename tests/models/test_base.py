"""What the models share (kamlib.models.base): fit returns the model, a model that is
not fitted refuses to predict, and the repr says what the model is; and the
calibration bins of the backtest, checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from kamlib.config import Settings
from kamlib.errors import InsufficientHistory, KamError, ModelInputError, NotFittedError
from kamlib.models.base import Model
from kamlib.models.cox import ChurnModel
from kamlib.models.diagnostics import CALIBRATION_COLUMNS, backtest, calibration_bins
from kamlib.models.sbg import ShiftedBetaGeometric
from kamlib.panels.coverage import data_quarters
from kamlib.stats.intervals import wilson

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]  # Fader & Hardie (2007)


def test_the_base_cannot_be_used_alone():
    with pytest.raises(TypeError):
        Model()


@pytest.mark.parametrize("call", [
    lambda m: m.summary,
    lambda m: m.survival_function(3),
    lambda m: m.retention_rate(2),
    lambda m: m.predict_survivors(100, 3),
    lambda m: m.derl(0.1, 2),
    lambda m: m.del_(0.1),
])
def test_an_unfitted_sbg_refuses_to_predict(call):
    m = ShiftedBetaGeometric()
    assert not m.is_fitted
    with pytest.raises(NotFittedError, match="not fitted: call fit"):
        call(m)


@pytest.mark.parametrize("call", [
    lambda m: m.summary,
    lambda m: m.hazard_ratios_,
    lambda m: m.baseline(),
    lambda m: m.cumulative_hazard(np.array([1.0])),
    lambda m: m.partial_hazard(load_rossi()),
    lambda m: m.conditional_survival(load_rossi(), "week", np.array([10.0])),
    lambda m: m.ph_check(load_rossi()),
])
def test_an_unfitted_churn_model_refuses_to_predict(call):
    m = ChurnModel()
    with pytest.raises(NotFittedError, match="ChurnModel is not fitted"):
        call(m)


def test_not_fitted_is_a_kamlib_error_and_a_runtime_error():
    """Callers that caught RuntimeError before keep working; the command line shows
    kamlib's errors as one line."""
    assert issubclass(NotFittedError, KamError) and issubclass(NotFittedError, RuntimeError)


def test_fit_returns_the_model_and_the_repr_follows_it():
    sbg = ShiftedBetaGeometric()
    assert repr(sbg) == "<kamlib.models.sbg.ShiftedBetaGeometric: not fitted>"
    assert sbg.fit(HIGH_END) is sbg and sbg.is_fitted
    assert repr(sbg) == ("<kamlib.models.sbg.ShiftedBetaGeometric: alpha=0.668, beta=3.806, "
                         "fitted on 1 cohort of 1000 customers>")
    given = ShiftedBetaGeometric.from_params(1.0, 2.0)
    assert given.is_fitted and "given (not fitted to data)" in repr(given)

    cox = ChurnModel(penalizer=0.1)
    assert repr(cox) == "<kamlib.models.cox.ChurnModel: penalizer=0.1, not fitted>"
    rossi = load_rossi()
    assert cox.fit(rossi, "week", "arrest", covariates=["fin", "age"]) is cox
    text = repr(cox)
    assert text.startswith("<kamlib.models.cox.ChurnModel: penalizer=0.1, fitted on 432 rows "
                           f"({int(rossi.arrest.sum())} events), 2 covariates, concordance 0.")
    assert text.endswith(">") and "not fitted" not in text


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
