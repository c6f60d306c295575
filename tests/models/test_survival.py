"""The churn model of kamlib.models.survival on the sample: sane predictions, and
hazard-ratio intervals that cover the generator's truth (truth.json) as often as promised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --------------------------------------------------------------------------- caches
def _forget(data) -> None:
    """Drop what the churn models of ``data`` keep, so the next call computes afresh."""
    for cache in (survival._CONTACTS, survival._FITS, survival._SNAPSHOTS):
        cache.pop(data, None)


def test_covariates_from_the_cache_equal_a_fresh_computation(sample_data):
    """Quarters built in one call and handed out again in another (alone, in another
    order, mixed with new ones) are the frames a fresh call computes, dtypes included."""
    from pandas.testing import assert_frame_equal

    s = Settings()
    qs = Quarter.span(Quarter("2025Q3", 1), Quarter("2026Q3", 1))
    asks = [[qs[-1]], qs[1:3], [qs[2], qs[0]], qs]
    _forget(sample_data)
    fresh = []
    for ask in asks:
        fresh.append(survival.covariates(sample_data, ask, s))
        _forget(sample_data)
    survival.covariates(sample_data, qs[:3], s)  # warm: the first three quarters
    for ask, want in zip(asks, fresh, strict=True):
        assert_frame_equal(survival.covariates(sample_data, ask, s), want, check_exact=True)
    # the frames handed out are not the cached ones: changing one changes no later answer
    handed = survival.covariates(sample_data, [qs[0]], s)
    handed.loc[:, "gap_30d"] = -1.0
    assert_frame_equal(survival.covariates(sample_data, asks[2], s), fresh[2], check_exact=True)


def test_the_cache_keys_on_grace_days_and_the_fiscal_year(sample_data):
    """Another grace period (other spells) or another fiscal year (other days for the
    same label) is computed, not served from the cache."""
    from pandas.testing import assert_frame_equal

    q = Quarter("2026Q3", 1)
    base = survival.covariates(sample_data, [q], Settings())
    for other, quarter in ((Settings(grace_days=0), q),
                           (Settings(fiscal_year_start_month=4), Quarter("2026Q3", 4))):
        cached = survival.covariates(sample_data, [quarter], other)
        _forget(sample_data)
        assert_frame_equal(survival.covariates(sample_data, [quarter], other), cached,
                           check_exact=True)
    # the April fiscal year's 2026Q3 is Oct-Dec 2026: other covariates than July-Sept
    assert not survival.covariates(sample_data, [Quarter("2026Q3", 4)],
                                   Settings(fiscal_year_start_month=4)).equals(base)


def test_one_fit_per_quarter_and_settings(sample_data):
    from pandas.testing import assert_frame_equal

    s, q = Settings(), Quarter("2026Q2", 1)
    _forget(sample_data)
    m1, p1 = survival.fit_churn_model(sample_data, q, s)
    m2, p2 = survival.fit_churn_model(sample_data, "2026Q2", s)
    assert m2 is m1 and p2 is not p1  # the same model, a copy of its panel
    assert_frame_equal(p2, p1, check_exact=True)
    assert p2.attrs["reference_segment"] == p1.attrs["reference_segment"]
    # an uncached fit gives the same coefficients and panel
    _forget(sample_data)
    m3, p3 = survival.fit_churn_model(sample_data, q, s)
    assert m3 is not m1
    assert m3.params_.equals(m1.params_) and m3.baseline_.equals(m1.baseline_)
    assert_frame_equal(p3, p1, check_exact=True)
    # another quarter, other settings or another penalizer is another fit
    assert survival.fit_churn_model(sample_data, "2026Q1", s)[0] is not m3
    assert survival.fit_churn_model(sample_data, q, Settings(grace_days=0))[0] is not m3
    m4 = survival.fit_churn_model(sample_data, q, s, penalizer=0.5)[0]
    assert m4 is not m3 and not m4.params_.equals(m3.params_)
    assert survival.fit_churn_model(sample_data, q, s)[0] is m3


def test_one_snapshot_per_quarter_and_settings(sample_data):
    from pandas.testing import assert_frame_equal

    s, q = Settings(), Quarter("2026Q3", 1)
    _forget(sample_data)
    fresh = survival.snapshot(sample_data, q, s)
    again = survival.snapshot(sample_data, q, s)
    assert again is not fresh
    assert_frame_equal(again, fresh, check_exact=True)
    again.loc[:, "tenure"] = -1  # a caller's change stays its own
    assert_frame_equal(survival.snapshot(sample_data, q, s), fresh, check_exact=True)
    # another quarter or grace period is another snapshot
    assert not survival.snapshot(sample_data, "2026Q2", s).equals(fresh)
    other = survival.snapshot(sample_data, q, Settings(grace_days=0))
    _forget(sample_data)
    assert_frame_equal(survival.snapshot(sample_data, q, Settings(grace_days=0)), other,
                       check_exact=True)


def test_the_caches_go_with_the_data(sample_dir):
    import gc
    import weakref

    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate

    with validate(open_source(sample_dir)) as vd:
        survival.snapshot(vd, Quarter("2026Q3", 1), Settings())
        assert vd in survival._SNAPSHOTS and vd in survival._CONTACTS
        ref = weakref.ref(vd)
    del vd
    gc.collect()
    assert ref() is None  # no cache holds the data set alive


def _contracts(draw_starts, draw_lengths):
    """Contracts of three accounts from drawn day offsets (from 2024-01-01) and lengths."""
    rows = []
    for i, (start, length) in enumerate(zip(draw_starts, draw_lengths, strict=True)):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=start)
        rows.append({"contract_id": f"c{i:03d}", "account_id": "ABC"[i % 3], "start_on": day,
                     "end_on": day + pd.Timedelta(days=length), "annual_value": 100.0})
    return pd.DataFrame(rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 400)), min_size=1, max_size=12),
       st.integers(0, 10), st.integers(0, 8), st.sampled_from([0, 30, 90]))
def test_spell_starts_of_a_quarter_are_the_same_in_any_later_view(contracts, k, later, grace):
    """The survival panel takes every quarter's live spells from one view of the spells
    (as of the last quarter's end): a contract started after a quarter's end never
    changes which spell is live in it, nor that spell's start."""
    from kamlib.models.survival import _spell_starts
    from kamlib.panels.customers import derive_spells

    c = _contracts(*zip(*contracts, strict=True))
    q = Quarter("2024Q1").shift(k)
    own = _spell_starts(derive_spells(c, q.end, grace), q)
    view = _spell_starts(derive_spells(c, q.shift(later).end, grace), q)
    pd.testing.assert_frame_equal(own, view)


def _rolling4_one_window_at_a_time(frame, key, cols, quarters):
    """The four-quarter sums as first written: one filter and one grouped sum per quarter."""
    out = []
    for qi in quarters:
        w = frame[(frame.qi > qi - 4) & (frame.qi <= qi)]
        out.append(w.groupby(key)[cols].sum().assign(qi=qi).reset_index())
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=[key, *cols, "qi"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 12),
                          st.floats(-1e6, 1e9, allow_nan=False), st.integers(0, 5)),
                max_size=60),
       st.lists(st.integers(-2, 16), max_size=8), st.sampled_from([1, 2, 3, 8]))
def test_four_quarter_sums_of_all_quarters_at_once_are_those_of_each_quarter(rows, quarters,
                                                                             block):
    """The covariates' rolling sums (revenue, answers, SLA checks) for every quarter of
    the panel in one grouped sum: the same frame, bit for bit, as one quarter at a time
    (floats added in the same order), whatever the quarters asked for."""
    from kamlib.models import survival

    f = pd.DataFrame(rows, columns=["account_id", "qi", "revenue", "checks"])
    f["qi"] = f.qi.astype("int64")
    want = _rolling4_one_window_at_a_time(f, "account_id", ["revenue", "checks"], quarters)
    was, survival._ROLLING_BLOCK = survival._ROLLING_BLOCK, block  # quarters per grouped sum
    try:
        got = survival._rolling4(f, "account_id", ["revenue", "checks"], quarters)
    finally:
        survival._ROLLING_BLOCK = was
    pd.testing.assert_frame_equal(got, want, check_exact=True)
