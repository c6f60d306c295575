"""Comparing groups fairly: funnel plots, over-dispersion and empirical-Bayes shrinkage.

* :func:`funnel_limits`, :func:`overdispersion`, :func:`funnel_table`:
  Spiegelhalter's funnel plot, widened when the groups vary more than chance allows;
* :func:`beta_binomial_fit`, :func:`beta_binomial_posterior`, :func:`shrink`:
  beta-binomial empirical Bayes shrinkage, with the probability of being in the top
  quartile.

Like :mod:`kamlib.stats.intervals`, every function is pure and every random draw
comes from ``numpy.random.default_rng(seed)`` with an explicit ``seed``.

>>> lo, hi = funnel_limits(0.1, [100])
>>> bool(lo[0] < 0.1 < hi[0])
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from kamlib.stats.intervals import (
    _NAN,
    _count_arrays,
    _group_counts,
    _z,
    level_name,
)

__all__ = [
    "PRECISION_CAP",
    "HyperPosterior",
    "Overdispersion",
    "beta_binomial_fit",
    "beta_binomial_posterior",
    "funnel_limits",
    "funnel_table",
    "overdispersion",
    "shrink",
]

PRECISION_CAP = 1e6
"""Largest ``alpha + beta`` that :func:`beta_binomial_fit` returns (no extra-binomial variation)."""

_MIN_SHAPE = 1e-6  # lower bound of alpha and beta in beta_binomial_fit's optimiser


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's multiplicative over-dispersion check (see :func:`overdispersion`).

    Attributes
    ----------
    phi : float
        Over-dispersion factor (1 = binomial variation).
    chi2 : float
        Test statistic ``K * phi``.
    df : int
        Degrees of freedom ``K - 1``.
    p_value : float
        Upper-tail chi-squared p-value.
    overdispersed : bool
        ``p_value < 0.05 and phi > 1``.
    """

    phi: float
    chi2: float
    df: int
    p_value: float
    overdispersed: bool

    def to_dict(self) -> dict[str, float | int | bool]:
        """The fields as a plain dict."""
        return asdict(self)


# --------------------------------------------------------------------------- funnel plots


def funnel_limits(
    p0: float, n: Any, level: float = 0.95, phi: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Funnel-plot control limits for a proportion around a target.

    Parameters
    ----------
    p0 : float
        Target rate in [0, 1] (e.g. the company rate).
    n : int or array_like
        Denominators; the result has the same shape.
    level : float
        Coverage, e.g. 0.95 or 0.998.
    phi : float
        Multiplicative over-dispersion (> 0), 1 for binomial limits.

    Returns
    -------
    low, high : numpy.ndarray

    Notes
    -----
    ``p0 -/+ z sqrt(phi p0 (1 - p0) / n)``, clipped to [0, 1], with
    ``z = z_{1-(1-level)/2}`` (normal approximation; ``phi`` inflates the variance
    for over-dispersion). ``n = 0`` gives the whole range [0, 1].

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
    Stat Med 24:1185-1202.

    Examples
    --------
    >>> low, high = funnel_limits(0.2, [100, 400])
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.1216, 0.1608], [0.2784, 0.2392])
    """
    p0 = float(p0)
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"p0 must be in [0, 1], got {p0!r}")
    phi = float(phi)
    if not (math.isfinite(phi) and phi > 0):
        raise ValueError(f"phi must be > 0, got {phi!r}")
    z = _z(level)
    n_arr = np.asarray(n, dtype=float)
    if np.any(n_arr < 0) or np.any(np.isnan(n_arr)):
        raise ValueError("n must be >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(n_arr > 0, z * np.sqrt(phi * p0 * (1.0 - p0) / n_arr), np.inf)
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)


def overdispersion(
    successes: Any, trials: Any, p0: float | None = None, winsor: float = 0.1
) -> Overdispersion:
    r"""Multiplicative over-dispersion of group rates around a target (Spiegelhalter).

    Parameters
    ----------
    successes, trials : array_like
        Per-group counts.
    p0 : float, optional
        Target rate; default the pooled rate.
    winsor : float
        Share winsorised in each tail, in [0, 0.5); 0 turns it off.

    Notes
    -----
    For the K groups with ``n_i > 0``, ``y_i = k_i / n_i`` and
    ``z_i = (y_i - p0) / sqrt(p0 (1 - p0) / n_i)`` (``p0`` = pooled rate
    ``sum k / sum n`` when None). The z-scores are winsorised: values below the
    ``winsor`` quantile are set to it, values above the ``1 - winsor`` quantile
    likewise. Then::

        phi = (1/K) sum z_i^2,   chi2 = K phi,   df = K - 1,
        p = P(chi2_{df} > chi2),  overdispersed = p < 0.05 and phi > 1.

    Fewer than two groups, or ``p0`` equal to 0 or 1, give NaN and
    ``overdispersed = False``.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
    Stat Med 24:1185-1202.
    Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators.
    Qual Saf Health Care 14:347-351.

    Examples
    --------
    >>> od = overdispersion([10, 30, 50, 20], [100, 100, 100, 100])
    >>> round(od.phi, 2), od.df, od.overdispersed
    (6.83, 3, True)
    """
    if not 0.0 <= winsor < 0.5:
        raise ValueError(f"winsor must be in [0, 0.5), got {winsor!r}")
    k, n = _count_arrays(successes, trials)
    keep = n > 0
    k, n = k[keep], n[keep]
    n_groups = int(k.size)
    if p0 is None:
        p0 = float(k.sum() / n.sum()) if n_groups else _NAN
    p0 = float(p0)
    df = max(n_groups - 1, 0)
    if n_groups < 2 or not 0.0 < p0 < 1.0:
        return Overdispersion(_NAN, _NAN, df, _NAN, False)
    z = (k / n - p0) / np.sqrt(p0 * (1.0 - p0) / n)
    if winsor > 0:
        lo, hi = np.quantile(z, [winsor, 1.0 - winsor])
        z = np.clip(z, lo, hi)
    phi = float(np.mean(z**2))
    chi2 = n_groups * phi
    p_value = float(stats.chi2.sf(chi2, df))
    return Overdispersion(phi, chi2, df, p_value, bool(p_value < 0.05 and phi > 1.0))


def _flag(rate: np.ndarray, low: np.ndarray, high: np.ndarray, has: np.ndarray) -> np.ndarray:
    flag = np.where(rate > high, "above", np.where(rate < low, "below", "within")).astype(object)
    flag[~has] = "no data"
    return flag


def funnel_table(
    successes: Any,
    trials: Any,
    groups: Any,
    levels: Iterable[float] = (0.95, 0.998),
    p0: float | None = None,
) -> pd.DataFrame:
    r"""Funnel-plot table: each group's rate against control limits around a target.

    Parameters
    ----------
    successes, trials : array_like
        Counts per row.
    groups : array_like
        Group label per row.
    levels : iterable of float
        Limit coverages; columns are named with :func:`level_name`
        (``low_95``, ``high_95``, ``low_99_8``, ``high_99_8``).
    p0 : float, optional
        Target rate; default the pooled rate.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, n, k, rate, z, low_*, high_*, phi, flag, flag_*``;
        ``attrs`` holds ``p0``, ``levels`` and ``overdispersion`` (a dict).

    Notes
    -----
    Per group (counts summed over repeated labels): ``rate = k/n``,
    ``z = (rate - p0) / sqrt(p0 (1 - p0) / n)`` (the unadjusted z-score), and
    for each level the limits of :func:`funnel_limits` with
    ``phi = overdispersion(...).phi`` when :func:`overdispersion` finds
    over-dispersion, else ``phi = 1``. ``p0`` defaults to the pooled rate.
    ``flag`` is "above", "below" or "within" the limits of the highest level
    (99.8 % by default), ``flag_<level>`` the same for each other level
    (``flag_95``); groups with ``n = 0`` get NaN rate, z and limits and the flag
    "no data".

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
    Stat Med 24:1185-1202.

    Examples
    --------
    >>> t = funnel_table([20] * 8 + [28, 45], [100] * 10, list("abcdefghij"), p0=0.2)
    >>> t[["group", "rate", "z", "flag", "flag_95"]].tail(2).to_string(index=False)
    'group  rate    z   flag flag_95\n    i  0.28 2.00 within   above\n    j  0.45 6.25  above   above'
    >>> float(t["phi"].iloc[0])  # the winsorised z show no over-dispersion
    1.0
    """
    levels = [float(x) for x in levels]
    if not levels:
        raise ValueError("need at least one level")
    frame = _group_counts(successes, trials, groups)
    k = frame["k"].to_numpy(dtype=float)
    n = frame["n"].to_numpy(dtype=float)
    has = n > 0
    if p0 is None:
        p0 = float(k.sum() / n.sum()) if n.sum() > 0 else _NAN
    p0 = float(p0)
    od = (
        overdispersion(k, n, p0=p0)
        if math.isfinite(p0)
        else Overdispersion(_NAN, _NAN, 0, _NAN, False)
    )
    phi = od.phi if od.overdispersed else 1.0
    safe_n = np.where(has, n, 1.0)
    rate = np.where(has, k / safe_n, _NAN)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(has, (rate - p0) / np.sqrt(p0 * (1.0 - p0) / safe_n), _NAN)
    out = frame[["group", "n", "k"]].copy()
    out["rate"] = rate
    out["z"] = z
    limits = {}
    for lev in levels:
        if math.isfinite(p0):
            low, high = funnel_limits(p0, n, level=lev, phi=phi)
            low, high = np.where(has, low, _NAN), np.where(has, high, _NAN)
        else:
            low = high = np.full(n.shape, _NAN)
        name = level_name(lev)
        out[f"low_{name}"] = low
        out[f"high_{name}"] = high
        limits[lev] = (low, high)
    out["phi"] = phi
    top = max(levels)
    out["flag"] = _flag(rate, *limits[top], has)
    for lev in levels:
        if lev != top:
            out[f"flag_{level_name(lev)}"] = _flag(rate, *limits[lev], has)
    out.attrs.update({"p0": p0, "levels": tuple(levels), "overdispersion": od.to_dict()})
    return out


# --------------------------------------------------------------------------- shrinkage


def _bb_loglik(k: np.ndarray, n: np.ndarray, a: float, b: float) -> float:
    """``sum_i log BetaBinom(k_i; n_i, a, b)`` (the ufunc form of ``scipy.stats.betabinom.logpmf``,
    an order of magnitude faster inside the optimiser)."""
    from scipy.special import betaln, gammaln

    return float(np.sum(gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)
                        + betaln(k + a, n - k + b) - betaln(a, b)))


def beta_binomial_fit(
    successes: Any, trials: Any, max_precision: float = PRECISION_CAP
) -> tuple[float, float]:
    r"""Maximum-likelihood (alpha, beta) of a beta-binomial across groups.

    Raises
    ------
    ValueError
        When no group has trials.

    Notes
    -----
    ``k_i ~ Binomial(n_i, theta_i)``, ``theta_i ~ Beta(alpha, beta)``; maximise
    ``sum_i log BetaBinom(k_i; n_i, alpha, beta)`` over ``(log alpha, log beta)``
    (bounded Nelder-Mead), starting from the method of moments: pooled rate
    ``m = sum k / sum n`` and intra-class correlation
    ``rho = (sum (k_i - n_i m)^2 / (m (1 - m)) - sum n_i) / sum n_i (n_i - 1)``,
    ``alpha + beta = 1/rho - 1``.

    When the data show no extra-binomial variation the likelihood keeps rising
    as ``alpha + beta -> infinity`` (the binomial limit). The precision
    ``alpha + beta`` is then capped at ``max_precision`` (default 1e6) with mean
    the pooled rate: the prior becomes practically a point mass at the pooled
    rate and :func:`shrink` pulls every group to it. The cap is used whenever
    the fit reaches it or is no better than it. The optimiser keeps alpha and
    beta within [1e-6, max_precision].

    When every group has ``k = 0`` (or every group ``k = n``) the likelihood has
    no interior maximum (it grows as ``alpha -> 0``, resp. ``beta -> 0``, for any
    precision) and says nothing about the spread between groups. Then Jeffreys'
    ``(1/2, 1/2)`` is returned instead: no pooling, each group's posterior
    ``Beta(k + 1/2, n - k + 1/2)`` reflects only its own ``n``.

    Groups with ``n = 0`` carry no information and are ignored.

    References
    ----------
    Skellam JG (1948). A probability distribution derived from the binomial
    distribution by regarding the probability of success as variable between the
    sets of trials. J R Stat Soc B 10:257-261.
    Kleinman JC (1973). Proportions with extraneous variance: single and
    independent samples. J Am Stat Assoc 68:46-54 (moment estimators).
    Gelman A et al. (2013). Bayesian Data Analysis, 3rd ed., ch. 5.
    Jeffreys H (1946). An invariant form for the prior probability in estimation
    problems. Proc R Soc Lond A 186:453-461 (the fallback prior).

    Examples
    --------
    >>> a, b = beta_binomial_fit([20, 20, 20, 20], [100, 100, 100, 100])
    >>> round(a), round(b)  # no extra-binomial variation: capped precision
    (200000, 800000)
    """
    k, n = _count_arrays(successes, trials)
    keep = n > 0
    k, n = np.round(k[keep]), np.round(n[keep])
    if k.size == 0:
        raise ValueError("no group has trials")
    if np.all(k == 0) or np.all(k == n):
        return 0.5, 0.5
    cap = float(max_precision)
    total = n.sum()
    m = float(np.clip(k.sum() / total, 0.5 / total, 1.0 - 0.5 / total))
    pairs = float(np.sum(n * (n - 1.0)))
    spread = float(np.sum((k - n * m) ** 2) / (m * (1.0 - m)))
    rho = (spread - total) / pairs if pairs > 0 else _NAN
    rho = float(np.clip(rho, 1.0 / (cap + 1.0), 0.5)) if math.isfinite(rho) else 0.5
    precision = 1.0 / rho - 1.0
    x0 = np.log([max(m * precision, _MIN_SHAPE), max((1.0 - m) * precision, _MIN_SHAPE)])
    bounds = [(math.log(_MIN_SHAPE), math.log(cap))] * 2

    def nll(x: np.ndarray) -> float:
        value = -_bb_loglik(k, n, math.exp(x[0]), math.exp(x[1]))
        return value if math.isfinite(value) else 1e300

    def at_the_cap(intermediate_result: optimize.OptimizeResult) -> None:
        # the best vertex has reached the binomial limit: the answer is the cap (below),
        # and crawling along the flat ridge there would only burn the iteration budget
        if float(np.sum(np.exp(intermediate_result.x))) >= 0.5 * cap:
            raise StopIteration

    res = optimize.minimize(
        nll,
        x0,
        method="Nelder-Mead",
        bounds=bounds,
        callback=at_the_cap,
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )
    a, b = float(math.exp(res.x[0])), float(math.exp(res.x[1]))
    a_cap, b_cap = max(cap * m, _MIN_SHAPE), max(cap * (1.0 - m), _MIN_SHAPE)
    at_cap = _bb_loglik(k, n, a_cap, b_cap)
    if a + b >= 0.5 * cap or at_cap >= -float(res.fun) - 1e-9:
        return a_cap, b_cap
    return a, b


@dataclass(frozen=True)
class HyperPosterior:
    """Grid approximation of ``p(alpha, beta | data)`` in a hierarchical beta-binomial.

    See :func:`beta_binomial_posterior`. ``alpha``, ``beta`` and ``weight`` are
    aligned 1-d arrays; the weights sum to 1.
    """

    alpha: np.ndarray
    beta: np.ndarray
    weight: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """The population mean ``alpha / (alpha + beta)`` at each grid point."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def concentration(self) -> np.ndarray:
        """The concentration ``alpha + beta`` at each grid point."""
        return self.alpha + self.beta

    def quantile(self, values: np.ndarray, q: float) -> float:
        """Weighted ``q`` quantile of a per-grid-point quantity."""
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(self.weight[order])
        return float(values[order][min(np.searchsorted(cum, q), cum.size - 1)])


_GRID = 41  # points per axis of each refinement of the hyperparameter grid
_TAIL = 1e4  # the grid's largest concentration is _TAIL * (total trials)


def _bb_logpost(kc: np.ndarray, nc: np.ndarray, wc: np.ndarray, u: np.ndarray,
                v: np.ndarray) -> np.ndarray:
    """Log posterior density of ``(u, v) = (logit mean, log concentration)`` (up to a
    constant) under the hyperprior ``p(alpha, beta) ∝ (alpha + beta)^(-5/2)``."""
    from scipy.special import gammaln

    mu = 1.0 / (1.0 + np.exp(-u))
    tau = np.exp(v)
    a = (mu * tau)[..., None]
    b = ((1.0 - mu) * tau)[..., None]
    ll = np.sum(wc * (gammaln(a + kc) - gammaln(a) + gammaln(b + nc - kc) - gammaln(b)
                      + gammaln(a + b) - gammaln(a + b + nc)), axis=-1)
    # Jacobian of (alpha, beta) -> (u, v) is alpha * beta / (alpha + beta) = mu (1 - mu) tau
    return ll + np.log(mu) + np.log1p(-mu) - 0.5 * v


def beta_binomial_posterior(successes: Any, trials: Any) -> HyperPosterior | None:
    r"""Posterior of the beta-binomial hyperparameters on a grid (hierarchical Bayes).

    Model: ``k_i ~ Binomial(n_i, theta_i)``, ``theta_i ~ Beta(alpha, beta)`` and the
    weakly informative hyperprior ``p(alpha, beta) ∝ (alpha + beta)^(-5/2)`` of
    Gelman et al. (2013, §5.3): flat on the population mean
    ``mu = alpha/(alpha + beta)`` and on ``(alpha + beta)^(-1/2)``, roughly the
    between-group standard deviation of ``theta``. The marginal posterior
    ``p(alpha, beta | k) ∝ p(alpha, beta) prod_i BetaBinom(k_i; n_i, alpha, beta)``
    is evaluated on a grid in ``(logit mu, log(alpha + beta))``, refined twice
    around its mass.

    No between-group variation in the data does not make ``alpha + beta``
    infinite here, as the maximum-likelihood fit does: the posterior of the
    concentration then spreads over every value the data cannot rule out, from
    "the groups differ a little" to "they are identical". The grid stops at
    ``alpha + beta = 1e4 * sum(n)``, where each group's rate is the population
    mean for all practical purposes; the posterior mass beyond it (the density
    falls as ``(alpha + beta)^(-1/2)`` there) is added to the grid's last row.

    Returns ``None`` when no group has ``0 < k < n``: the posterior is then
    improper (the likelihood stays positive as ``alpha + beta -> 0``).
    Groups with ``n = 0`` carry no information and are ignored.

    References
    ----------
    Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB (2013).
    Bayesian Data Analysis, 3rd ed., §5.3 (the rat tumour example: hyperprior,
    grid and parameterisation).

    Examples
    --------
    >>> post = beta_binomial_posterior([20, 20, 20, 20], [100, 100, 100, 100])
    >>> round(float(post.weight.sum()), 6)
    1.0
    >>> bool(post.quantile(post.concentration, 0.05) < 1e3)  # finite spread not ruled out
    True
    """
    k, n = _count_arrays(successes, trials)
    keep = n > 0
    k, n = np.round(k[keep]), np.round(n[keep])
    if not np.any((k > 0) & (k < n)):
        return None
    pairs, counts = np.unique(np.c_[k, n], axis=0, return_counts=True)
    kc, nc, wc = pairs[:, 0], pairs[:, 1], counts.astype(float)
    v_top = math.log(_TAIL * max(n.sum(), 1.0))
    u_lo, u_hi, v_lo, v_hi = -20.0, 20.0, math.log(1e-3), v_top
    for _ in range(3):
        u = np.linspace(u_lo, u_hi, _GRID)
        v = np.linspace(v_lo, v_hi, _GRID)
        du, dv = u[1] - u[0], v[1] - v[0]
        uu, vv = np.meshgrid(u, v, indexing="ij")
        lp = _bb_logpost(kc, nc, wc, uu, vv)
        lp = np.where(np.isfinite(lp), lp, -np.inf)
        inside = np.argwhere(lp > lp.max() - 25.0)
        i0, j0 = inside.min(axis=0)
        i1, j1 = inside.max(axis=0)
        new = (max(u[i0] - du, -20.0), min(u[i1] + du, 20.0),
               max(v[j0] - dv, math.log(1e-3)), min(v[j1] + dv, v_top))
        if new == (u_lo, u_hi, v_lo, v_hi):
            break
        u_lo, u_hi, v_lo, v_hi = new
    w = np.exp(lp - lp.max())
    if v_hi >= v_top:
        # the mass beyond the last row: the density there is ~ exp(-v/2) times the
        # last row's, which integrates to 2/dv rows
        w[:, -1] *= 1.0 + 2.0 / dv
    w = w.ravel() / w.sum()
    mu = 1.0 / (1.0 + np.exp(-uu.ravel()))
    tau = np.exp(vv.ravel())
    order = np.argsort(w)
    drop = order[np.cumsum(w[order]) < 1e-7]  # negligible mass: fewer mixture components
    keep_pts = np.setdiff1d(np.arange(w.size), drop)
    w = w[keep_pts] / w[keep_pts].sum()
    return HyperPosterior(mu[keep_pts] * tau[keep_pts], (1 - mu[keep_pts]) * tau[keep_pts], w)


def _mixture_quantiles(a: np.ndarray, b: np.ndarray, w: np.ndarray, probs: Sequence[float],
                       iterations: int = 26) -> list[np.ndarray]:
    """Quantiles of each row's mixture ``sum_g w_g Beta(a[:, g], b[:, g])`` by bisection
    on the exact mixture distribution function."""
    from scipy.special import betainc, expit

    out = []
    for p in probs:
        # bisection on logit(x) over [-60, 60]: 26 halvings leave 2e-6 on the logit scale
        lo, hi = np.full(a.shape[0], -60.0), np.full(a.shape[0], 60.0)
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            below = betainc(a, b, expit(mid)[:, None]) @ w < p
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        out.append(expit(0.5 * (lo + hi)))
    return out


def shrink(
    successes: Any,
    trials: Any,
    groups: Any,
    higher_is_better: bool = True,
    level: float = 0.95,
    draws: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    r"""Beta-binomial shrinkage with honest intervals and P(top quartile) per group.

    Parameters
    ----------
    successes, trials, groups : array_like
        Counts and labels per row.
    higher_is_better : bool
        Direction of "best" for the ranking (False for churn).
    level : float
        Credible level of ``low``/``high``.
    draws : int
        Monte Carlo draws for ``p_top_quartile``.
    seed : int
        Seed of the random draws.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, n, k, raw, posterior_mean, low, high, p_top_quartile,
        alpha, beta``; ``attrs`` holds ``alpha``, ``beta``, ``top`` (=ceil(K/4)),
        ``level``, ``draws``, ``seed``, ``higher_is_better``, ``method``
        (``"hierarchical"`` or ``"independent"``) and, for the hierarchical
        method, ``mean_interval`` and ``concentration_interval`` (central
        ``level`` posterior intervals of ``alpha/(alpha+beta)`` and
        ``alpha + beta``).

    Notes
    -----
    Point estimate (empirical Bayes): ``(alpha, beta) = beta_binomial_fit(k, n)``,
    the maximum of the marginal likelihood across groups (counts summed over
    repeated labels), and::

        posterior_mean = (k + alpha) / (n + alpha + beta)
                       = w raw + (1 - w) alpha/(alpha + beta),  w = n / (n + alpha + beta)

    so bigger groups shrink less.

    Interval and ranking (hierarchical Bayes): plugging the fitted ``alpha,
    beta`` into ``Beta(k + alpha, n - k + beta)`` treats them as known, and when
    the groups look alike the fit has ``alpha + beta -> infinity`` and every
    interval collapses onto the pooled rate to a fraction of a point, whatever a
    group's own ``n``. Instead each group's rate is drawn from its posterior
    averaged over the posterior of the hyperparameters
    (:func:`beta_binomial_posterior`, prior ``(alpha + beta)^(-5/2)``, Gelman et
    al. 2013, §5.3)::

        p(theta_i | k) = sum_g p(alpha_g, beta_g | k) Beta(theta_i; k_i + alpha_g, n_i - k_i + beta_g)

    ``low, high`` are this mixture's ``(1 -/+ level)/2`` quantiles (exact, by
    bisection on its distribution function), so the interval carries the
    group's own binomial noise, the uncertainty of the pooled rate and the
    uncertainty about how much the groups truly differ. ``p_top_quartile``:
    ``draws`` times (``numpy.random.default_rng(seed)``) draw one
    ``(alpha, beta)`` from the grid and then every group's rate given it, rank
    within each draw (best = highest rate if ``higher_is_better`` else lowest)
    and take the share of draws in which the group is among the ``ceil(K/4)``
    best of the K groups with data (exact ties broken at random). These
    probabilities sum to ``ceil(K/4)``.

    When no group has ``0 < k < n`` (say no churn at all) the hierarchical
    posterior is improper; each group then gets its own Jeffreys posterior
    ``Beta(k + 1/2, n - k + 1/2)`` (no pooling, ``method = "independent"``).
    Groups with ``n = 0`` have NaN ``raw``, the population distribution as
    posterior, and are not ranked (NaN ``p_top_quartile``).

    References
    ----------
    Gelman A et al. (2013). Bayesian Data Analysis, 3rd ed., §5.3 (hierarchical
    beta-binomial model, the rat tumour example).
    Deely JJ, Lindley DV (1981). Bayes empirical Bayes. J Am Stat Assoc
    76:833-841 (averaging the empirical-Bayes posterior over the hyperparameters).
    Efron B, Morris C (1975). Data analysis using Stein's estimator and its
    generalizations. J Am Stat Assoc 70:311-319.
    Goldstein H, Spiegelhalter DJ (1996). League tables and their limitations:
    statistical issues in comparisons of institutional performance. J R Stat Soc A
    159:385-443 (uncertainty of ranks).

    Examples
    --------
    >>> s = shrink([2, 12, 30, 50], [5, 40, 60, 100], ["a", "b", "c", "d"], draws=1000)
    >>> round(float(s["p_top_quartile"].sum()), 6)  # ceil(4/4) = 1 group on top per draw
    1.0
    >>> prior = s.attrs["alpha"] / (s.attrs["alpha"] + s.attrs["beta"])
    >>> w = (s["posterior_mean"] - prior) / (s["raw"] - prior)  # = n / (n + alpha + beta)
    >>> bool((w.diff().dropna() > 0).all())  # n grows down the table: less shrinkage
    True
    """
    draws = int(draws)
    if draws < 1:
        raise ValueError("draws must be >= 1")
    _z(level)  # validates the level
    tail = (1.0 - float(level)) / 2.0
    frame = _group_counts(successes, trials, groups)
    k = frame["k"].to_numpy(dtype=float)
    n = frame["n"].to_numpy(dtype=float)
    alpha, beta = beta_binomial_fit(k, n)
    post = beta_binomial_posterior(k, n)
    has = n > 0
    out = frame[["group", "n", "k"]].copy()
    out["raw"] = np.where(has, k / np.where(has, n, 1.0), _NAN)
    out["posterior_mean"] = (k + alpha) / (n + alpha + beta)
    extra: dict[str, Any] = {}
    if post is None:
        method = "independent"
        ga, gb, gw = np.array([0.5]), np.array([0.5]), np.array([1.0])
    else:
        method = "hierarchical"
        ga, gb, gw = post.alpha, post.beta, post.weight
        extra = {
            "mean_interval": (post.quantile(post.mean, tail), post.quantile(post.mean, 1 - tail)),
            "concentration_interval": (post.quantile(post.concentration, tail),
                                       post.quantile(post.concentration, 1 - tail)),
        }
    a_mix = k[:, None] + ga[None, :]
    b_mix = (n - k)[:, None] + gb[None, :]
    # groups with the same counts share a posterior: solve once per distinct (k, n)
    _, first, back = np.unique(np.c_[k, n], axis=0, return_index=True, return_inverse=True)
    low, high = _mixture_quantiles(a_mix[first], b_mix[first], gw, (tail, 1.0 - tail))
    out["low"], out["high"] = low[back.ravel()], high[back.ravel()]
    ranked = np.flatnonzero(has)
    top = math.ceil(ranked.size / 4)
    p_top = np.full(n.shape, _NAN)
    if ranked.size:
        rng = np.random.default_rng(seed)
        pick = rng.choice(gw.size, size=draws, p=gw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sims = rng.beta(a_mix[ranked][:, pick].T, b_mix[ranked][:, pick].T)
        sims = np.nan_to_num(sims, nan=0.0)
        key = -sims if higher_is_better else sims
        # exact ties (possible when a posterior is extremely concentrated) are broken at random
        tie_break = rng.random(sims.shape)
        best = np.lexsort((tie_break, key), axis=1)[:, :top]
        p_top[ranked] = np.bincount(best.ravel(), minlength=ranked.size) / draws
    out["p_top_quartile"] = p_top
    out["alpha"] = alpha
    out["beta"] = beta
    out.attrs.update(
        {
            "alpha": alpha,
            "beta": beta,
            "top": top,
            "level": float(level),
            "draws": draws,
            "seed": seed,
            "higher_is_better": bool(higher_is_better),
            "method": method,
            **extra,
        }
    )
    return out
