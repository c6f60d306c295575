"""The log-linear regression with HC1 errors: hand-computed values, exact recovery,
the coverage of its intervals and invariants (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.stats.regression import estimable_columns, log_linear

T975_DF2 = 4.302652729911275  # t quantile 0.975 with 2 degrees of freedom


def _two_groups() -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    return np.exp([0.0, 2.0, 1.0, 3.0]), x


def test_hand_computed_two_groups():
    # log y = 0, 2 | 1, 3: group means 1 and 2, so b = (1, 1); residuals -1, 1, -1, 1.
    # X'X = [[4, 2], [2, 2]], (X'X)^-1 = [[0.5, -0.5], [-0.5, 1]]; every e^2 = 1 so the
    # meat is X'X and HC0 = (X'X)^-1; HC1 = HC0 x n / (n - p) = x 4 / 2 = [[1, -1], [-1, 2]].
    y, x = _two_groups()
    fit = log_linear(y, x, ["intercept", "b"])
    assert fit.coef == pytest.approx([1.0, 1.0])
    assert fit.cov == pytest.approx(np.array([[1.0, -1.0], [-1.0, 2.0]]))
    r = fit.ratios()
    # ratio e^1; interval e^(1 ± 4.302653 x sqrt 2) = e^(1 ± 6.084875)
    assert r.loc["b", "ratio"] == pytest.approx(math.e)
    assert r.loc["b", "low"] == pytest.approx(math.exp(1 - T975_DF2 * math.sqrt(2)))
    assert r.loc["b", "high"] == pytest.approx(math.exp(1 + T975_DF2 * math.sqrt(2)))
    # R^2: total SS of log y about 1.5 = 2.25 + 0.25 + 0.25 + 2.25 = 5; residual SS 4
    assert fit.r2 == pytest.approx(1 - 4 / 5)


def test_exact_multiplicative_effect_recovered_without_noise():
    # y = 1000 x 1.4^referred x 0.7^small, no noise: the ratios are exactly 1.4 and 0.7
    rng = np.random.default_rng(1)
    referred = rng.random(40) < 0.3
    small = rng.random(40) < 0.5
    y = 1000 * 1.4 ** referred * 0.7 ** small
    x = np.column_stack([np.ones(40), referred, small])
    r = log_linear(y, x, ["intercept", "referred", "small"]).ratios()
    assert r.loc["referred", "ratio"] == pytest.approx(1.4)
    assert r.loc["small", "ratio"] == pytest.approx(0.7)
    assert r.loc["referred", "high"] - r.loc["referred", "low"] == pytest.approx(0, abs=1e-9)


def test_interval_coverage_near_95_percent():
    # 400 data sets of 120 rows with unequal spreads (HC1's case): the true ratio 1.3
    # should lie in about 95 % of the intervals (binomial sd of the share: 1.1 points)
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(400):
        g = rng.random(120) < 0.4
        e = rng.normal(0, np.where(g, 0.8, 0.4))
        x = np.column_stack([np.ones(120), g])
        r = log_linear(np.exp(np.log(1.3) * g + e), x, ["c", "g"]).ratios()
        hits += r.loc["g", "low"] <= 1.3 <= r.loc["g", "high"]
    assert 0.91 <= hits / 400 <= 0.98


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.01, 100.0))
def test_scaling_the_outcome_moves_only_the_constant(seed, scale):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(30), rng.random(30) < 0.5, rng.normal(size=30)])
    y = np.exp(rng.normal(size=30))
    a = log_linear(y, x, ["c", "g", "z"])
    b = log_linear(y * scale, x, ["c", "g", "z"])
    assert b.coef[1:] == pytest.approx(a.coef[1:], abs=1e-9)
    assert b.coef[0] == pytest.approx(a.coef[0] + math.log(scale), abs=1e-9)
    assert b.cov == pytest.approx(a.cov, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_row_order_does_not_matter_and_interval_holds_the_ratio(seed):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(25), rng.random(25) < 0.5])
    if x[:, 1].sum() in (0, 25):
        x[0, 1] = 1 - x[0, 1]
    y = np.exp(rng.normal(size=25))
    order = rng.permutation(25)
    a = log_linear(y, x, ["c", "g"]).ratios()
    b = log_linear(y[order], x[order], ["c", "g"]).ratios()
    assert b.ratio.to_numpy() == pytest.approx(a.ratio.to_numpy())
    assert (a.low <= a.ratio).all() and (a.ratio <= a.high).all()


def test_estimable_columns_drops_aliased_levels():
    # column 2 = column 0 - column 1 (a level implied by the others): dropped
    x = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    assert estimable_columns(x) == [0, 1]


def test_rejects_zero_outcomes_and_too_few_rows():
    with pytest.raises(ValueError, match="positive"):
        log_linear(np.array([1.0, 0.0, 2.0]), np.ones((3, 1)), ["c"])
    with pytest.raises(ValueError, match="cannot estimate"):
        log_linear(np.array([1.0, 2.0]), np.ones((2, 2)), ["c", "d"])


def _rank_one_by_one(x: np.ndarray, tol: float = 1e-9) -> list[int]:
    """The definition: keep a column when the kept ones and it have full rank (SVD)."""
    kept: list[int] = []
    for j in range(x.shape[1]):
        trial = kept + [j]
        if np.linalg.matrix_rank(x[:, trial], tol=tol * max(1.0, np.abs(x).max())) == len(trial):
            kept.append(j)
    return kept


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 40), st.integers(1, 12))
def test_estimable_columns_agree_with_the_rank_of_each_trial(seed, n, k):
    # dummy columns as a design has them: a constant, 0/1 levels, and columns that are
    # sums, differences or copies of earlier ones (aliased levels), in random order
    rng = np.random.default_rng(seed)
    cols = [np.ones(n)]
    for _ in range(k):
        if len(cols) > 1 and rng.random() < 0.4:
            a, b = rng.choice(len(cols), 2)
            cols.append(cols[a] - cols[b] if rng.random() < 0.5 else cols[a].copy())
        else:
            cols.append((rng.random(n) < rng.uniform(0.1, 0.9)).astype(float))
    x = np.column_stack(cols)
    assert estimable_columns(x) == _rank_one_by_one(x)


def test_estimable_columns_of_many_levels_drop_only_the_aliased_one():
    # one level per manager, as at 20,000 accounts (there 1,350): 400 levels of 6 rows, a
    # level that is the sum of the first two (dropped) and a constant
    n_levels, per = 400, 6
    levels = np.repeat(np.arange(n_levels), per)
    x = np.column_stack([np.ones(len(levels))]
                        + [(levels == v).astype(float) for v in range(1, n_levels)]
                        + [((levels == 1) | (levels == 2)).astype(float)])
    kept = estimable_columns(x)
    assert kept == list(range(n_levels))  # the constant and 399 levels; the sum is aliased
