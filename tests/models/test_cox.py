"""The Cox churn model (kamlib.models.cox): the baseline, its extrapolation and the
predictions worked out by hand on tiny data; reference fits, the input checks and
property tests.

Reference numbers: R 4.x ``survival::coxph(Surv(week, arrest) ~ fin + age + race + wexp +
mar + paro + prio, data = rossi)`` (Efron ties), coefficients as printed in the lifelines
documentation ("Survival regression", Rossi recidivism example) and in Fox & Weisberg
(2019), "Cox Proportional-Hazards Regression for Survival Data in R", appendix to An R
Companion to Applied Regression, 3rd ed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.datasets import load_rossi

from kamlib.models.cox import ChurnModel, ModelInputError

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


def test_survival_draws_hold_the_baseline_and_vary_the_hazard_ratios(symmetric):
    rows = pd.DataFrame({"x": [0.0, 1.0], "tenure": [2.0, 0.0]})
    # under the fitted beta (0) every draw is the point prediction
    beta = symmetric.params_.to_numpy()[None, :]
    same = symmetric.survival_draws(rows, "tenure", np.array([3.0]), beta)
    assert same.shape == (1, 2, 1)
    assert same[0] == approx(symmetric.conditional_survival(rows, "tenure", np.array([3.0])))
    # beta = ln 2: the risk score is exp((x - 0.5) ln 2), 1/sqrt(2) for x = 0 and sqrt(2)
    # for x = 1 (the mean of x is 0.5); alive at 2, H(5) - H(2) = 1 -> exp(-1/sqrt 2);
    # alive at 0, H(3) - H(0) = 5/6 -> exp(-5/6 * sqrt 2)
    s = symmetric.survival_draws(rows, "tenure", np.array([3.0]), np.array([[math.log(2)]]))
    assert s[0, :, 0].tolist() == [approx(math.exp(-1 / math.sqrt(2))),
                                   approx(math.exp(-5 / 6 * math.sqrt(2)))]


def test_coefficient_draws_follow_the_fits_normal_approximation():
    m = ChurnModel().fit(load_rossi(), duration_col="week", event_col="arrest")
    d = m.coefficient_draws(20_000, seed=1)
    assert d.shape == (20_000, 7)
    se = m.summary["se(coef)"].to_numpy()
    # mean within 4 standard errors of the mean (se / sqrt(20000)), spread within 3 %
    assert (np.abs(d.mean(axis=0) - m.params_.to_numpy()) < 4 * se / math.sqrt(20_000)).all()
    assert d.std(axis=0) == approx(se, rel=0.03)
    assert (m.coefficient_draws(5, seed=1) == m.coefficient_draws(5, seed=1)).all()


@pytest.fixture(scope="module")
def two_covariates() -> ChurnModel:
    """A hand-made model with two covariates (so the risk score is a real product of
    draws and rows): eight rows, churns at 1, 2, 4, 6 and censoring at 3, 5, 7, 8."""
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 0, 1, 0, 1, 0, 0],
                       "x": [1.0, 0, 1, 0, 1, 1, 0, 0], "z": [0.5, 2, 1, 3, 0, 1.5, 2.5, 1]})
    return ChurnModel(penalizer=0.1).fit(df, "t", "e", ["x", "z"])


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 6, 7, 1000])
def test_survival_draw_chunks_are_the_whole_arrays_blocks_bit_for_bit(two_covariates, chunk):
    # six accounts at tenures 0 .. 5, three horizons, 50 draws; chunk 6 is one block, 7
    # and 1000 are more than the rows, 1 is one account at a time
    m = two_covariates
    rows = pd.DataFrame({"tenure": [0.0, 1, 2, 3, 4, 5], "x": [0.0, 1, 1, 0, 1, 0],
                         "z": [0.0, 1, 2, 3, 0.5, 1.5]})
    horizons = np.array([1.0, 2.0, 10.0])
    draws = m.coefficient_draws(50, seed=4)
    whole = m.survival_draws(rows, "tenure", horizons, draws)
    blocks = list(m.survival_draw_chunks(rows, "tenure", horizons, draws, chunk))
    # ceil(6 / chunk) blocks covering positions 0 .. 5 in order
    assert len(blocks) == -(-6 // chunk)
    assert [i for part, _ in blocks for i in range(6)[part]] == list(range(6))
    joined = np.concatenate([b for _, b in blocks], axis=1)
    assert joined.shape == whole.shape == (50, 6, 3)
    assert np.array_equal(joined, whole)  # bit for bit, not approximately


def test_survival_draw_chunks_refuse_an_empty_chunk(two_covariates):
    rows = pd.DataFrame({"tenure": [0.0], "x": [0.0], "z": [0.0]})
    with pytest.raises(ValueError, match="chunk"):
        list(two_covariates.survival_draw_chunks(rows, "tenure", np.r_[1.0],
                                                 two_covariates.coefficient_draws(3, 1), 0))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), chunk=st.integers(1, 50), seed=st.integers(0, 10_000))
def test_survival_draw_chunks_equal_the_whole_for_any_rows_and_chunk(two_covariates, n, chunk,
                                                                     seed):
    rng = np.random.default_rng(seed)
    rows = pd.DataFrame({"tenure": rng.uniform(0, 9, n), "x": rng.integers(0, 2, n) * 1.0,
                         "z": rng.normal(1, 2, n)})
    horizons = np.array([0.5, 3.0])
    draws = two_covariates.coefficient_draws(20, seed=seed)
    whole = two_covariates.survival_draws(rows, "tenure", horizons, draws)
    joined = np.concatenate([b for _, b in two_covariates.survival_draw_chunks(
        rows, "tenure", horizons, draws, chunk)], axis=1)
    assert np.array_equal(joined, whole)


def test_concordance_is_worked_out_on_first_use_and_again_after_a_refit():
    """Harrell's concordance is lifelines' on the training data (0.640 on Rossi, as R's
    ``coxph`` prints it: "Concordance= 0.64"), worked out lazily; a second ``fit`` on
    other rows gives the new data's value, not the first one's."""
    from lifelines import CoxPHFitter

    rossi = load_rossi()
    m = ChurnModel().fit(rossi, duration_col="week", event_col="arrest")
    assert "concordance_" not in vars(m)  # not paid for by the fit itself
    assert round(m.concordance_, 3) == 0.640
    half = rossi[rossi.age < 25]
    m.fit(half, duration_col="week", event_col="arrest")
    want = CoxPHFitter().fit(half, duration_col="week", event_col="arrest").concordance_index_
    assert m.concordance_ == want and round(want, 3) != 0.640
