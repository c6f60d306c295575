"""The churn model's partial likelihood with each risk set found once
(kamlib.models.efron) against lifelines' own, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter as LifelinesCox
from lifelines import CoxTimeVaryingFitter

from kamlib.models.efron import CoxPHFitter, SemiParametricPHFitter, efron_gradients, risk_sets


def _rows(n, seed, ties=True):
    """Counting-process rows: entry < stop, whole days (so churn times tie) or not."""
    rng = np.random.default_rng(seed)
    entry = rng.integers(0, 300, n).astype(float)
    length = rng.integers(1, 92, n) if ties else rng.uniform(0.5, 92, n)
    return pd.DataFrame({"entry": entry, "stop": entry + length,
                         "event": rng.random(n) < 0.2, "x1": rng.normal(size=n),
                         "x2": rng.integers(0, 2, n).astype(float),
                         "w": rng.uniform(0.5, 2.0, n), "g": rng.integers(0, 2, n)})


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 400), st.integers(0, 2**31), st.booleans(),
       st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_gradients_are_lifelines_bit_for_bit(n, seed, ties, b1, b2):
    f = _rows(n, seed, ties)
    if not f.event.any():
        f.loc[0, "event"] = True
    args = (f[["x1", "x2"]].to_numpy(), f.event.to_numpy(), f.entry.to_numpy(),
            f.stop.to_numpy(), f.w.to_numpy(), np.array([b1, b2]))
    ours = efron_gradients(*args)
    theirs = CoxTimeVaryingFitter._get_gradients(*args)
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(a, b)


def test_risk_sets_are_the_rows_at_risk_at_each_churn_time():
    # rows (entry, stop]: (0, 3] event, (0, 4], (3, 5] event, (4, 6] event
    events = np.array([True, False, True, True])
    got = risk_sets(events, np.array([0.0, 0, 3, 4]), np.array([3.0, 4, 5, 6]))
    # t = 3: rows 0, 1 (row 2 enters at 3: 3 < 3 is false); t = 5: rows 2 and 3;
    # t = 6: row 3
    assert [(t, ix.tolist()) for t, ix in got] == [(3.0, [0, 1]), (5.0, [2, 3]), (6.0, [3])]


@pytest.mark.parametrize("penalizer, options", [
    (0.0, {}), (0.0, {"weights_col": "w", "robust": True}), (0.0, {"strata": ["g"]}),
    (0.1, {})])
def test_a_fit_is_lifelines_fit_bit_for_bit(penalizer, options, monkeypatch):
    """Weights, strata (the gradients asked for one stratum's rows at a time) and a
    penalty go through lifelines' own paths around the gradients."""
    from kamlib.models import efron

    calls = []
    monkeypatch.setattr(efron, "efron_gradients",
                        lambda *a, **k: calls.append(1) or efron_gradients(*a, **k))
    f = _rows(3000, 7)
    f = f.drop(columns=[c for c in ("w", "g") if c not in {options.get("weights_col"),
                                                            *options.get("strata", [])}])
    fits = [cls(penalizer=penalizer).fit(f, duration_col="stop", event_col="event",
                                         entry_col="entry", **options)
            for cls in (CoxPHFitter, LifelinesCox)]
    ours, theirs = fits
    assert isinstance(ours._model, SemiParametricPHFitter) and calls  # risk sets found once
    pd.testing.assert_series_equal(ours.params_, theirs.params_, check_exact=True)
    pd.testing.assert_frame_equal(ours.variance_matrix_, theirs.variance_matrix_,
                                  check_exact=True)
    pd.testing.assert_frame_equal(ours.baseline_hazard_, theirs.baseline_hazard_,
                                  check_exact=True)
    assert ours.log_likelihood_ == theirs.log_likelihood_
    assert ours.concordance_index_ == theirs.concordance_index_
