"""The fair comparison of groups (kamlib.stats.comparison: funnel limits,
over-dispersion, beta-binomial fit and shrinkage): published and hand-computed values.

Every reference number below is either from a cited publication or computed by
hand in the comment next to it (z_0.975 = 1.959964).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import beta as stats_beta

from kamlib.stats.comparison import (
    PRECISION_CAP,
    Overdispersion,
    beta_binomial_fit,
    funnel_limits,
    funnel_table,
    overdispersion,
    shrink,
)

Z95 = 1.959963984540054


# --------------------------------------------------------------------------- funnel


def test_funnel_limits_by_hand():
    # p0 = 0.2, n = 100: SE = sqrt(0.2*0.8/100) = 0.04; 0.2 -/+ 1.959964*0.04
    # -> 0.121601 .. 0.278399
    lo, hi = funnel_limits(0.2, [100])
    assert lo[0] == pytest.approx(0.2 - Z95 * 0.04)
    assert hi[0] == pytest.approx(0.2 + Z95 * 0.04)
    # phi = 4 doubles the width; small n is clipped to [0, 1]
    lo4, hi4 = funnel_limits(0.2, np.array([100, 1]), phi=4.0)
    assert hi4[0] - 0.2 == pytest.approx(2 * Z95 * 0.04)
    assert (lo4[1], hi4[1]) == (0.0, 1.0)


@given(
    st.floats(0, 1),
    st.lists(st.integers(1, 10**6), min_size=1, max_size=20),
    st.floats(0.5, 0.999),
    st.floats(0.1, 10),
)
@settings(max_examples=200, deadline=None)
def test_funnel_limits_contain_p0(p0, ns, level, phi):
    lo, hi = funnel_limits(p0, ns, level=level, phi=phi)
    assert lo.shape == hi.shape == (len(ns),)
    assert np.all(lo >= 0) and np.all(hi <= 1)
    assert np.all(lo <= p0) and np.all(p0 <= hi)


def _synthetic(overdispersed: bool, seed: int = 20240601, k_groups: int = 60):
    rng = np.random.default_rng(seed)
    n = rng.integers(50, 400, size=k_groups)
    p = rng.beta(4, 16, size=k_groups) if overdispersed else np.full(k_groups, 0.2)
    return rng.binomial(n, p), n


def test_overdispersion_detects_extra_binomial_variation():
    # rates ~ Beta(4, 16): sd 0.087 against a binomial sd of at most 0.057 (n = 50)
    k, n = _synthetic(True)
    od = overdispersion(k, n)
    assert isinstance(od, Overdispersion)
    assert od.df == len(n) - 1
    assert od.chi2 == pytest.approx(len(n) * od.phi)
    assert od.phi > 2 and od.p_value < 1e-6 and od.overdispersed


def test_overdispersion_binomial_data_not_flagged():
    k, n = _synthetic(False)
    od = overdispersion(k, n, p0=0.2)
    assert od.p_value > 0.2 and not od.overdispersed


def test_funnel_table_flags_and_columns():
    # 20 groups on target (z = 0) besides a..e: the winsorised z of b and c are pulled in
    # to the 10 % / 90 % points (0), so phi = 0, no over-dispersion, binomial limits
    k = np.array([20, 60, 2, 0, 5] + [40] * 20)
    n = np.array([100, 100, 100, 0, 25] + [200] * 20)
    t = funnel_table(k, n, ["a", "b", "c", "d", "e"] + [f"x{i}" for i in range(20)], p0=0.2)
    assert (t["phi"] == 1.0).all()
    assert list(t.columns[:5]) == ["group", "n", "k", "rate", "z"]
    for c in ["low_95", "high_95", "low_99_8", "high_99_8", "phi", "flag", "flag_95"]:
        assert c in t.columns
    t = t.set_index("group")
    # a: 0.2 exactly on target; b: 0.6, z = 0.4/0.04 = 10 -> above; c: 0.02, z = -4.5 -> below
    assert t.loc["a", "flag"] == "within" and t.loc["a", "z"] == pytest.approx(0.0)
    assert t.loc["b", "flag"] == "above" and t.loc["b", "z"] == pytest.approx(10.0)
    assert t.loc["c", "flag"] == "below" and t.loc["c", "z"] == pytest.approx(-4.5)
    assert t.loc["d", "flag"] == "no data" and math.isnan(t.loc["d", "rate"])
    # e: 5/25 = 0.2, within
    assert t.loc["e", "flag_95"] == "within"
    assert t.loc["a", "high_95"] == pytest.approx(0.2 + Z95 * 0.04 * math.sqrt(t.loc["a", "phi"]))


def test_funnel_table_uses_phi_only_when_overdispersed():
    k, n = _synthetic(True)
    t = funnel_table(k, n, [f"g{i}" for i in range(len(n))])
    od = overdispersion(k, n)
    assert t["phi"].iloc[0] == pytest.approx(od.phi)
    k, n = _synthetic(False)
    t = funnel_table(k, n, [f"g{i}" for i in range(len(n))])
    assert (t["phi"] == 1.0).all()


# --------------------------------------------------------------------------- beta-binomial


def test_beta_binomial_fit_recovers_parameters():
    rng = np.random.default_rng(11)
    n = np.full(400, 200)
    k = rng.binomial(n, rng.beta(4, 16, size=400))
    a, b = beta_binomial_fit(k, n)
    assert a / (a + b) == pytest.approx(0.2, abs=0.01)
    assert a + b == pytest.approx(20, rel=0.25)


def test_beta_binomial_fit_caps_precision_without_extra_variation():
    # identical rates: no extra-binomial variation, the MLE of alpha+beta is infinite
    a, b = beta_binomial_fit([20, 20, 20, 20], [100, 100, 100, 100])
    assert a + b == pytest.approx(1e6)
    assert a / (a + b) == pytest.approx(0.2)


def test_beta_binomial_fit_all_zero_falls_back_to_jeffreys():
    # every k = 0: the likelihood grows as alpha -> 0, no interior maximum
    assert beta_binomial_fit([0, 0, 0], [10, 20, 30]) == (0.5, 0.5)
    assert beta_binomial_fit([10, 20, 30], [10, 20, 30]) == (0.5, 0.5)
    with pytest.raises(ValueError):
        beta_binomial_fit([0, 0], [0, 0])


# --------------------------------------------------------------------------- shrinkage


def test_shrink_properties():
    k = np.array([2, 30, 12, 50, 1, 9, 45, 20])
    n = np.array([5, 60, 40, 100, 10, 50, 200, 45])  # distinct n for the shrinkage order
    g = list("abcdefgh")
    s = shrink(k, n, g, seed=1)
    assert list(s["group"]) == g
    alpha, beta = s.attrs["alpha"], s.attrs["beta"]
    prior = alpha / (alpha + beta)
    lo = np.minimum(s["raw"], prior)
    hi = np.maximum(s["raw"], prior)
    assert np.all((s["posterior_mean"] >= lo - 1e-12) & (s["posterior_mean"] <= hi + 1e-12))
    assert prior == pytest.approx(k.sum() / n.sum(), abs=0.05)
    # posterior mean = w*raw + (1-w)*prior with w = n/(n+alpha+beta): bigger n, less shrinkage
    w = (s["posterior_mean"] - prior) / (s["raw"] - prior)
    assert np.all(np.diff(w.to_numpy()[np.argsort(n)]) > 0)
    assert np.all((s["low"] <= s["posterior_mean"]) & (s["posterior_mean"] <= s["high"]))
    assert s["p_top_quartile"].between(0, 1).all()
    # exactly ceil(8/4) = 2 groups are in the top quartile in every draw
    assert s["p_top_quartile"].sum() == pytest.approx(2.0)
    # same seed, same answer
    pd.testing.assert_frame_equal(s, shrink(k, n, g, seed=1))


def test_shrink_lower_is_better_and_empty_groups():
    k = np.array([4, 40, 20, 0])
    n = np.array([200, 200, 200, 0])
    hi = shrink(k, n, ["a", "b", "c", "d"], seed=0).set_index("group")
    lo = shrink(k, n, ["a", "b", "c", "d"], higher_is_better=False, seed=0).set_index("group")
    assert hi.loc["b", "p_top_quartile"] > 0.9
    assert lo.loc["a", "p_top_quartile"] > 0.9
    # the group without data is not ranked; ceil(3/4) = 1 ranked group per draw
    assert math.isnan(hi.loc["d", "p_top_quartile"]) and math.isnan(hi.loc["d", "raw"])
    assert hi["p_top_quartile"].sum() == pytest.approx(1.0)


def test_shrink_identical_groups_share_the_top_fairly():
    # four identical groups: no extra-binomial variation, precision capped at 1e6, so all
    # posteriors are nearly the same; each should be on top about 1/4 of the time
    s = shrink([20, 20, 20, 20], [100, 100, 100, 100], list("abcd"), draws=4000, seed=2)
    assert s.attrs["alpha"] + s.attrs["beta"] == pytest.approx(1e6)
    assert np.allclose(s["posterior_mean"], 0.2, atol=1e-4)
    assert np.allclose(s["p_top_quartile"], 0.25, atol=0.03)
    # all zero: Jeffreys fallback, nobody's posterior collapses to a point
    z = shrink([0, 0, 0], [10, 20, 30], list("abc"), seed=0)
    assert (z["high"] > 0).all() and z["p_top_quartile"].sum() == pytest.approx(1.0)


def kn_tables(min_n: int, max_n: int):
    """Tables of 2 to 12 groups as (k, n) pairs: k events out of n."""
    return st.lists(
        st.integers(min_n, max_n).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=2, max_size=12)


@given(kn_tables(0, 200))
@settings(max_examples=40, deadline=None)
def test_shrink_posterior_means_in_unit_interval(pairs):
    k = [p[0] for p in pairs]
    n = [p[1] for p in pairs]
    if sum(n) == 0:
        return
    s = shrink(k, n, list(range(len(pairs))), draws=200, seed=3)
    assert s["posterior_mean"].between(0, 1).all()
    assert s["low"].between(0, 1).all() and s["high"].between(0, 1).all()


# --------------------------------------------------------------------------- shrinkage intervals
#
# The shrinkage interval is the hierarchical-Bayes posterior of each group's rate,
# averaged over the posterior of (alpha, beta) (see kamlib.stats.comparison.shrink).


def _jeffreys(k, n, level=0.95):
    tail = (1 - level) / 2
    return stats_beta.ppf(tail, k + 0.5, n - k + 0.5), stats_beta.isf(tail, k + 0.5, n - k + 0.5)


# 24 KAMs, about ten customers each, 8 churns in 229 customer-quarters (3.5 %): the
# churns are spread as evenly as they can be, so the maximum-likelihood fit finds no
# between-KAM variation and drives alpha + beta to the cap
_FLAT_N = np.array([4, 12, 8, 8, 9, 8, 12, 12, 10, 11, 9, 10, 8, 12, 9, 11, 10, 8, 9, 12, 10,
                    11, 8, 8])
_FLAT_K = np.array([0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0])


def test_shrink_interval_does_not_collapse_to_the_pooled_rate():
    """Plugging the fitted (alpha, beta) with alpha + beta = 1e6 into Beta(k + alpha,
    n - k + beta) gave every KAM '3.4 % (3.3-3.4 %)' with a 25 % chance of the best
    quarter. A KAM with 4 customers cannot be known to +-0.05 points: its 95 % interval
    must be several points wide."""
    s = shrink(_FLAT_K, _FLAT_N, [f"K{i:02d}" for i in range(24)], higher_is_better=False,
               seed=0)
    assert s.attrs["alpha"] + s.attrs["beta"] == pytest.approx(1e6)  # the fit diverged
    small = s.iloc[0]
    assert small["n"] == 4
    assert small["high"] - small["low"] > 0.05


def test_shrink_interval_is_at_least_as_wide_as_the_pooled_rates():
    # no KAM can be known better than the company rate all their data pool into
    s = shrink(_FLAT_K, _FLAT_N, range(24), higher_is_better=False, seed=0)
    low, high = _jeffreys(_FLAT_K.sum(), _FLAT_N.sum())
    assert (s["high"] - s["low"]).min() >= high - low


def test_shrink_ranks_spread_when_the_kams_differ_in_their_own_data():
    # with honest intervals, a KAM with no churn is more often in the best (lowest-churn)
    # quarter than one with a churn in 8 customers
    s = shrink(_FLAT_K, _FLAT_N, range(24), higher_is_better=False, seed=0)
    p = s.set_index("group")["p_top_quartile"]
    assert p[1] - p[3] > 0.1  # 0 of 12 against 1 of 8
    assert s["p_top_quartile"].sum() == pytest.approx(6.0)  # ceil(24/4) per draw


def test_shrink_hand_made_tables():
    # two groups with the same counts get the same interval; more events, higher bounds
    s = shrink([1, 1, 4], [10, 10, 10], list("abc"), seed=0).set_index("group")
    assert s.loc["a", "low"] == s.loc["b", "low"] and s.loc["a", "high"] == s.loc["b", "high"]
    assert s.loc["c", "low"] > s.loc["a", "low"] and s.loc["c", "high"] > s.loc["a", "high"]
    assert s.attrs["method"] == "hierarchical"
    # every interval holds its point estimate
    assert ((s["low"] <= s["posterior_mean"]) & (s["posterior_mean"] <= s["high"])).all()


def test_shrink_without_any_event_uses_each_groups_jeffreys_posterior():
    # no group with 0 < k < n: the hierarchical posterior is improper; each group keeps
    # its own Jeffreys interval Beta(k + 1/2, n - k + 1/2)
    s = shrink([0, 0], [4, 10], ["a", "b"], seed=0)
    assert s.attrs["method"] == "independent"
    for row in s.itertuples():
        low, high = _jeffreys(row.k, row.n)
        assert row.low == pytest.approx(low, abs=1e-6)
        assert row.high == pytest.approx(high, rel=1e-5)


@given(
    st.lists(st.integers(1, 60), min_size=2, max_size=24),
    st.floats(0.01, 0.5),
)
@settings(max_examples=25, deadline=None)
def test_shrink_interval_never_narrower_than_the_pooled_rate(ns, p):
    """When the KAMs show no between-KAM variation (the maximum-likelihood fit is at
    the cap) each KAM's interval is at least as wide as the Jeffreys interval of the
    pooled rate, and the point estimate lies between the KAM's raw rate and the pooled
    rate.

    The counts are the closest to a common rate ``p`` (under-dispersed), so the fit
    mostly diverges; examples where it does not are skipped. With fewer than two
    events (or two non-events) in the whole table a KAM with none can come out
    narrower than the pooled rate: the hierarchical prior then cannot rule out that
    the rate is near zero for everybody but one group, so those are skipped too."""
    n = np.array(ns)
    k = np.round(p * n).astype(int)
    events, total = int(k.sum()), int(n.sum())
    assume(min(events, total - events) >= 2)
    alpha, beta = beta_binomial_fit(k, n)
    assume(alpha + beta >= 0.999 * PRECISION_CAP)
    s = shrink(k, n, list(range(len(ns))), draws=200, seed=3)
    low, high = _jeffreys(events, total)
    assert (s["high"] - s["low"]).min() >= high - low
    pooled = events / total
    between = (s["posterior_mean"] >= np.minimum(s["raw"], pooled) - 1e-9) & (
        s["posterior_mean"] <= np.maximum(s["raw"], pooled) + 1e-9)
    assert between.all()


@given(kn_tables(1, 80))
@settings(max_examples=25, deadline=None)
def test_shrink_posterior_mean_between_raw_and_prior_mean(pairs):
    # for any table: (k + alpha)/(n + alpha + beta) lies between k/n and alpha/(alpha + beta)
    k = np.array([q[0] for q in pairs])
    n = np.array([q[1] for q in pairs])
    s = shrink(k, n, list(range(len(pairs))), draws=100, seed=4)
    prior = s.attrs["alpha"] / (s.attrs["alpha"] + s.attrs["beta"])
    lo = np.minimum(s["raw"], prior) - 1e-9
    hi = np.maximum(s["raw"], prior) + 1e-9
    assert ((s["posterior_mean"] >= lo) & (s["posterior_mean"] <= hi)).all()
    assert ((s["low"] >= 0) & (s["low"] <= s["high"]) & (s["high"] <= 1)).all()


# Rat tumour data, Gelman et al. (2013), Bayesian Data Analysis 3rd ed., Table 5.1 (from
# Tarone 1982): 70 historical control groups and the current one, 4 of 14 (last).
_RAT_Y = np.array([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 1, 5, 2, 5, 3, 2, 7, 7, 3, 3, 2, 9, 10, 4, 4, 4, 4, 4, 4, 4, 10, 4, 4, 4, 5, 11, 12, 5,
    5, 6, 5, 6, 6, 6, 6, 16, 15, 15, 9, 4])
_RAT_N = np.array([
    20, 20, 20, 20, 20, 20, 20, 19, 19, 19, 19, 18, 18, 17, 20, 20, 20, 20, 19, 19, 18, 18,
    25, 24, 23, 20, 20, 20, 20, 20, 20, 10, 49, 19, 46, 27, 17, 49, 47, 20, 20, 13, 48, 50,
    20, 20, 20, 20, 20, 20, 20, 48, 19, 19, 19, 22, 46, 49, 20, 20, 23, 19, 22, 20, 20, 20,
    52, 46, 47, 24, 14])


def test_beta_binomial_fit_rat_tumours():
    # maximum-likelihood Beta(2.304768, 14.079707) for the 70 historical groups, as
    # reported by the BayesGOF package vignette (Mukhopadhyay & Fletcher 2018, Sci Rep
    # 8:9983, "rat" data, gMLE.bb)
    a, b = beta_binomial_fit(_RAT_Y[:70], _RAT_N[:70])
    assert a == pytest.approx(2.304768, rel=1e-3)
    assert b == pytest.approx(14.079707, rel=1e-3)


def test_beta_binomial_posterior_rat_tumours():
    # BDA3 §5.3 with p(alpha, beta) ∝ (alpha + beta)^(-5/2) on all 71 groups: the marginal
    # posterior of (log(alpha/beta), log(alpha + beta)) has its mode at (-1.79, 2.74)
    # (alpha = 2.21, beta = 13.27), as in the PyMC port of the example ("Hierarchical
    # Binomial Model: Rat Tumor Example"). The grid holds the mode to within a grid step;
    # maximising the same density from there recovers it to the published two decimals.
    from scipy import optimize

    from kamlib.stats.comparison import _bb_logpost, beta_binomial_posterior

    post = beta_binomial_posterior(_RAT_Y, _RAT_N)
    assert post.weight.sum() == pytest.approx(1.0)
    best = np.argmax(post.weight)
    u0, v0 = math.log(post.alpha[best] / post.beta[best]), math.log(post.concentration[best])
    assert u0 == pytest.approx(-1.79, abs=0.1) and v0 == pytest.approx(2.74, abs=0.2)
    pairs, counts = np.unique(np.c_[_RAT_Y, _RAT_N], axis=0, return_counts=True)
    res = optimize.minimize(
        lambda x: -_bb_logpost(pairs[:, 0], pairs[:, 1], counts.astype(float),
                               np.array(x[0]), np.array(x[1])),
        [u0, v0], method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-10})
    assert res.x[0] == pytest.approx(-1.79, abs=0.005)
    assert res.x[1] == pytest.approx(2.74, abs=0.005)
    # the current experiment (4 of 14) is pulled toward the historical mean 0.14
    s = shrink(_RAT_Y, _RAT_N, range(71), seed=0).iloc[70]
    assert s["low"] < 0.14 < s["posterior_mean"] < 4 / 14 < s["high"]
