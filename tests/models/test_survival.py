"""The churn model of kamlib.models.survival on the sample: sane predictions, and
hazard-ratio intervals that cover the generator's truth (truth.json) as often as promised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib.config import Settings
from kamlib.models import diagnostics, survival
from kamlib.periods import Quarter

# small synthetic data sets on top of the sample (seed 8): 150 accounts still hold about
# 50 churns, enough for a Cox fit of eight coefficients, and each costs ~15 s to build;
# bench/truth_coverage.py sweeps more seeds at full size
TRUTH_SEEDS = (1, 2)
TRUTH_ACCOUNTS = 150


def _fit_synthetic(seed: int, accounts: int, folder):
    import json

    from kamlib.data.sources import open_source
    from kamlib.data.synth import synthesize
    from kamlib.data.validate import validate

    synthesize(folder, accounts=accounts, seed=seed)
    truth = json.loads((folder / "truth.json").read_text())
    with validate(open_source(folder)) as vd:
        model, panel = survival.fit_churn_model(vd, Quarter("2026Q3", 1), Settings())
    return diagnostics.truth_coverage(model, panel, truth)


@pytest.fixture(scope="module")
def coverage(fitted, truth, tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = {"sample": diagnostics.truth_coverage(*fitted, truth)}
    for seed in TRUTH_SEEDS:
        out[f"seed {seed}"] = _fit_synthetic(seed, TRUTH_ACCOUNTS,
                                             tmp_path_factory.mktemp(f"truth{seed}"))
    return out


@pytest.mark.slow
def test_hazard_ratio_intervals_cover_truth_as_often_as_promised(coverage):
    """Over m data sets and c coefficients, the 95 % intervals cover the true hazard ratio
    at least ``binom.ppf(0.001, m*c, 0.95)`` times (19 of 24 for 3 x 8).

    Each interval covers its truth with probability 0.95 when the model is right, so the
    count of covered intervals is about Binomial(m*c, 0.95) (the coefficients of one fit
    are not independent, which widens the spread a little). The threshold is that
    distribution's 0.1 % quantile: a correct model fails this test less than once in a
    thousand runs (the data sets are fixed, so a pass is reproducible), while a model
    whose intervals cover, say, 75 % of the time (expected 18 of 24) fails it more
    often than not. One data set alone cannot judge coverage: a 95 % interval misses
    one truth in twenty by design."""
    from scipy.stats import binom

    results = pd.concat(coverage, names=["data", "row"]).reset_index(level="data")
    assert len(results) == 8 * (1 + len(TRUTH_SEEDS))  # six covariates, two segment contrasts
    threshold = int(binom.ppf(0.001, len(results), 0.95))
    assert results.covered.sum() >= threshold, results[~results.covered]


def test_predictions_are_sane(fitted, sample_data):
    model, panel = fitted
    s = Settings()
    snap = survival.align(survival.snapshot(sample_data, Quarter("2026Q3", 1), s), panel)
    r = survival.predict_risk(model, snap, horizon_years=s.horizon_years)
    assert r.churn_next_quarter.between(0, 1).all()
    assert (r.churn_next_year >= r.churn_next_quarter - 1e-12).all()
    ys = r[[f"s_{k}" for k in range(1, s.horizon_years + 1)]].to_numpy()
    assert (np.diff(ys, axis=1) <= 1e-12).all()  # survival never rises
    assert r.remaining_years.between(0, s.horizon_years).all()
    # a yearly churn near the observed ~10 % (the sample's truth), not a risk-set artefact
    assert 0.04 < r.churn_next_year.mean() < 0.2
