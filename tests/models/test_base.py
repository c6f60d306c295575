"""What the models share (kamlib.models.base): fit returns the model, a model that is
not fitted refuses to predict, and the repr says what the model is."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines.datasets import load_rossi

from kamlib.errors import KamError, NotFittedError
from kamlib.models.base import Model
from kamlib.models.cox import ChurnModel
from kamlib.models.sbg import ShiftedBetaGeometric

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
