"""Survival models, churn risk, CLV and the model checks.

Reference numbers:
* R 4.x ``survival::coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
  data = rossi)`` (Efron ties), coefficients as printed in the lifelines documentation
  ("Survival regression", Rossi recidivism example) and in Fox & Weisberg (2019),
  "Cox Proportional-Hazards Regression for Survival Data in R", appendix to
  An R Companion to Applied Regression, 3rd ed.
* truth.json of the sample (the generator's hazard ratios).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.datasets import load_rossi

from kamlib.config import Settings
from kamlib.models import clv, diagnostics, survival
from kamlib.models.cox import ChurnModel, ModelInputError
from kamlib.periods import Quarter

R_COXPH_ROSSI = {"fin": -0.37942, "age": -0.05744, "race": 0.31390, "wexp": -0.14980,
                 "mar": -0.43370, "paro": -0.08487, "prio": 0.09150}


def test_reproduces_r_coxph_on_rossi():
    m = ChurnModel().fit(load_rossi(), duration_col="week", event_col="arrest")
    for name, coef in R_COXPH_ROSSI.items():
        assert round(float(m.params_[name]), 3) == round(coef, 3), name
    # the Breslow baseline we compute equals lifelines' own when there is no late entry
    ours = m.baseline()
    theirs = m.model_.baseline_cumulative_hazard_.iloc[:, 0]
    assert np.allclose(ours.reindex(theirs.index).ffill().fillna(0), theirs, atol=1e-12)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.assign(arrest=0), "no events"),
    (lambda d: d.assign(race=1), "covariate race is constant"),
    (lambda d: d.assign(week=d.week - 60), "negative durations"),
    (lambda d: d.assign(age=d.age.where(d.index > 5)), "age has 6 missing"),
    (lambda d: d.drop(columns="prio"), "columns missing for the churn model: prio"),
])
def test_rejects_bad_input_with_a_clear_error(mutate, message):
    df = mutate(load_rossi())
    with pytest.raises(ModelInputError, match=message):
        ChurnModel().fit(df, duration_col="week", event_col="arrest",
                         covariates=list(R_COXPH_ROSSI))


def test_late_entry_risk_sets():
    """Two rows of one subject (0, 5] and (5, 10] must give the same baseline as one row
    (0, 10]: the counting-process form may not inflate the risk set."""
    whole = pd.DataFrame({"t": [10.0, 8.0, 6.0, 12.0], "e": [1, 1, 0, 1], "x": [0, 1, 0, 1.0]})
    split = pd.DataFrame({"entry": [0, 5, 0, 0, 0], "t": [5, 10, 8.0, 6, 12],
                          "e": [0, 1, 1, 0, 1], "x": [0, 0, 1, 0, 1.0]})
    a = ChurnModel().fit(whole.assign(entry=0.0), "t", "e", ["x"], entry_col="entry")
    b = ChurnModel().fit(split, "t", "e", ["x"], entry_col="entry")
    assert np.isclose(a.params_["x"], b.params_["x"])
    # compare the cumulative hazard of a subject with x = 0 (baselines are centred on
    # each data set's mean covariate, which differs between the two layouts)
    x0 = pd.DataFrame({"x": [0.0], "t": [0.0]})
    ha = a.cumulative_hazard(np.array([6.0, 8.0, 10.0, 12.0])) * a.partial_hazard(x0)
    hb = b.cumulative_hazard(np.array([6.0, 8.0, 10.0, 12.0])) * b.partial_hazard(x0)
    assert np.allclose(ha, hb)


@pytest.fixture(scope="module")
def fitted(sample_data):
    return survival.fit_churn_model(sample_data, Quarter("2026Q3", 1), Settings())


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


def test_backtest_beats_the_segment_kaplan_meier(sample_data):
    bt = diagnostics.backtest(sample_data, Quarter("2026Q3", 1), Settings())
    assert bt["brier_model"] < bt["brier_km"]
    assert bt["lift_model"] > 1.5
    assert bt["concordance"] > 0.6
    assert 0 <= bt["ici"] < 0.1 and 0 <= bt["e50"] < 0.1


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


# ----------------------------------------------------------------------------- CLV
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


@given(st.floats(-2, 2), st.floats(0.01, 5), st.integers(0, 3000), st.integers(1, 3000),
       st.integers(0, 2**32 - 1))
@settings(max_examples=50, deadline=None)
def test_conditional_survival_never_rises(log_hr, scale, tenure, step, seed):
    """Each example fits its own model: exponential lifetimes with rate ``scale`` and log
    hazard ratio ``log_hr`` for a binary covariate, random censoring; tenures and steps
    reach past the last observed time, where the baseline is extrapolated."""
    rng = np.random.default_rng(seed)
    x = np.r_[np.zeros(100), np.ones(100)]
    life = rng.exponential(1 / (scale * np.exp(log_hr * x)))
    censor = rng.uniform(0, 2 / scale, len(x))
    df = pd.DataFrame({"t": np.minimum(life, censor), "event": (life <= censor).astype(int),
                       "x": x})
    m = ChurnModel().fit(df, duration_col="t", event_col="event")
    b, se = m.params_["x"], m.summary.loc["x", "se(coef)"]
    assert abs(b - log_hr) < 5 * se  # the drawn model is the one fitted
    last = df.t.max()
    rows = pd.DataFrame({"x": [0.0, 1.0], "tenure": tenure / 1000 * last})
    s = m.conditional_survival(rows, "tenure", step / 1000 * last * np.array([0, 1, 2, 4]))
    assert (np.diff(s, axis=1) <= 1e-12).all() and s[:, 0] == pytest.approx(1.0)
    risky, safe = (1, 0) if b > 0 else (0, 1)
    assert (s[risky] <= s[safe] + 1e-12).all()  # the riskier row never survives longer


def test_kpis_write_the_survival_ids(sample_data):
    from kamlib.kpis.compute import KpiPeriod, survival_kpis

    rows = pd.DataFrame(survival_kpis(KpiPeriod(sample_data, Quarter("2026Q3", 1), Settings())))
    assert {"clv_total", "clv_naive_total", "churn_risk_next_quarter"} <= set(rows.kpi)
    total = rows[(rows.kpi == "clv_total") & (rows.grain == "company")].iloc[0]
    assert total.low < total.value < total.high
    seg = rows[(rows.kpi == "clv_total") & (rows.grain == "segment")]
    assert seg.value.sum() == pytest.approx(total.value)


def test_ph_check_flags_what_the_rossi_literature_flags(fitted):
    """On rossi, age and wexp break proportional hazards (lifelines' check_assumptions
    documentation, rank transform: age p < 0.001, wexp p < 0.01); fin does not."""
    m = ChurnModel().fit(load_rossi(), duration_col="week", event_col="arrest")
    ph = m.ph_check(load_rossi()).set_index("covariate")
    assert ph.loc["age", "p"] < 0.01 and ph.loc["wexp", "p"] < 0.01
    assert ph.loc["fin", "p"] > 0.5
    model, panel = fitted  # the account panel (late entry) uses the time-interaction test
    res = model.ph_check(panel)
    assert set(res.covariate) == set(model.covariates_)
    assert res.p.between(0, 1).all()


def test_value_at_risk_by_kam_adds_up():
    f = pd.DataFrame({"account_id": list("abc"), "kam_id": ["k1", "k1", "k2"],
                      "clv": [100.0, 50.0, 80.0], "value_at_risk": [10.0, 5.0, 20.0]})
    v = clv.value_at_risk_by(f, "kam_id")
    # k2: 20 at risk of 80; k1: 10 + 5 = 15 of 150
    assert v.kam_id.tolist() == ["k2", "k1"]
    assert v.value_at_risk.tolist() == [20.0, 15.0]
    assert v.share_at_risk.round(3).tolist() == [0.25, 0.1]
