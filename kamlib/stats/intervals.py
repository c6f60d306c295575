"""Shared statistics: intervals for rates and NPS, bootstrap, rank correlation.

Every KPI carries an interval and its denominator ``n`` (see docs/kpis.md, "Shared
statistics"). This module holds the few estimators the KPIs share:

* rates: :func:`wilson` (Wilson score interval);
* NPS-type scores: :func:`nps`, :func:`nps_from_scores`, :func:`nps_difference`
  (Wald and adjusted-Wald intervals, and the change between two periods);
* anything else: :func:`bootstrap` (percentile interval),
  :func:`rank_correlation` (Spearman with a Fisher-z interval),
  :func:`annualise` and :func:`km_median` (Kaplan-Meier median with its interval).

Comparing KAMs (funnel plots, over-dispersion, beta-binomial shrinkage) is in
:mod:`kamlib.stats.comparison`.

All functions are pure: no clock, no I/O, and every random draw comes from
``numpy.random.default_rng(seed)`` with an explicit ``seed``. An empty
denominator gives ``Estimate(nan, nan, nan, 0)``.

>>> wilson(3, 10).n
10
>>> round(nps(50, 30, 20).value, 1)
30.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kamlib.data.contract import is_passive, is_promoter

__all__ = [
    "KM_HALF_TOLERANCE",
    "NPS_METHODS",
    "Estimate",
    "NPSChange",
    "annualise",
    "bootstrap",
    "km_median",
    "level_name",
    "nps",
    "nps_difference",
    "nps_from_scores",
    "p_value_from_interval",
    "rank_correlation",
    "wilson",
]

NPS_METHODS = ("adjusted_wald", "wald")
"""The interval methods of :func:`nps` (the first is the default)."""

_NAN = float("nan")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval and its denominator.

    Attributes
    ----------
    value : float
        The estimate (a share in [0, 1] for rates, -100..100 for NPS).
    low, high : float
        The interval's bounds.
    n : int
        The denominator (trials, responses, pairs, rows). ``n == 0`` comes with
        ``value``, ``low`` and ``high`` all NaN.

    Examples
    --------
    >>> Estimate(0.5, 0.4, 0.6, 10).to_dict()
    {'value': 0.5, 'low': 0.4, 'high': 0.6, 'n': 10}
    """

    value: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        """The fields as a plain dict (``value``, ``low``, ``high``, ``n``)."""
        return asdict(self)


@dataclass(frozen=True)
class NPSChange:
    """The change ``b - a`` between two NPS values, with its interval and p-value.

    Attributes
    ----------
    value : float
        Raw NPS of ``b`` minus raw NPS of ``a`` (on -200..200).
    low, high : float
        The interval of the difference.
    p_value : float
        Two-sided normal p-value of "no change".
    n_a, n_b : int
        The numbers of responses of ``a`` and ``b``.
    """

    value: float
    low: float
    high: float
    p_value: float
    n_a: int
    n_b: int

    def to_dict(self) -> dict[str, float | int]:
        """The fields as a plain dict."""
        return asdict(self)


def _empty(n: int = 0) -> Estimate:
    return Estimate(_NAN, _NAN, _NAN, int(n))


# --------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=64)
def _z(level: float) -> float:
    """Two-sided normal critical value ``z_{1 - (1 - level)/2}`` (cached: a KPI table
    asks for the same few levels a hundred thousand times)."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(stats.norm.ppf(0.5 + level / 2.0))


def level_name(level: float) -> str:
    """Column suffix for a confidence level: 0.95 -> ``"95"``, 0.998 -> ``"99_8"``.

    Examples
    --------
    >>> level_name(0.95), level_name(0.998), level_name(0.9)
    ('95', '99_8', '90')
    """
    return f"{round(float(level) * 100.0, 6):g}".replace(".", "_")


def _count(x: Any, name: str) -> float:
    v = float(x)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite count >= 0, got {x!r}")
    return v


def _count_arrays(successes: Any, trials: Any) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(successes, dtype=float).ravel()
    n = np.asarray(trials, dtype=float).ravel()
    if k.shape != n.shape:
        raise ValueError(f"successes and trials differ in length: {k.size} vs {n.size}")
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(n))):
        raise ValueError("successes and trials must be finite")
    if np.any(n < 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("need 0 <= successes <= trials for every group")
    return k, n


def _group_counts(successes: Any, trials: Any, groups: Any) -> pd.DataFrame:
    """One row per group (first-appearance order) with summed ``n`` and ``k``."""
    k, n = _count_arrays(successes, trials)
    g = list(groups)
    if len(g) != k.size:
        raise ValueError(f"groups has {len(g)} labels for {k.size} counts")
    frame = pd.DataFrame({"group": g, "n": n, "k": k})
    frame = frame.groupby("group", sort=False, dropna=False, as_index=False)[["n", "k"]].sum()
    for col in ("n", "k"):
        values = frame[col].to_numpy()
        if np.all(values == np.round(values)):
            frame[col] = values.astype(np.int64)
    return frame


# --------------------------------------------------------------------------- rates


def wilson(successes: Any, trials: Any, level: float = 0.95) -> Estimate:
    r"""Wilson score interval for a proportion.

    Parameters
    ----------
    successes, trials : int or numpy integer
        ``0 <= successes <= trials``. ``trials == 0`` gives a NaN estimate with
        ``n = 0``.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    Estimate
        ``value = k/n`` in [0, 1], ``n = trials``.

    Notes
    -----
    With ``p = k/n`` and ``z = z_{1-(1-level)/2}``::

        centre = (k + z^2/2) / (n + z^2)
        half   = z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)
        [low, high] = centre -/+ half

    (no continuity correction). ``low`` is exactly 0 when ``k = 0`` and
    ``high`` exactly 1 when ``k = n``.

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical
    inference. J Am Stat Assoc 22:209-212.
    Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. Stat Med 17:857-872 (method 3).

    Examples
    --------
    >>> e = wilson(81, 263)  # Newcombe (1998), Table I
    >>> round(e.value, 4), round(e.low, 4), round(e.high, 4), e.n
    (0.308, 0.2553, 0.3662, 263)
    """
    k = _count(successes, "successes")
    n = _count(trials, "trials")
    if k > n:
        raise ValueError(f"successes ({k:g}) exceed trials ({n:g})")
    z = _z(level)
    if n == 0:
        return _empty()
    z2 = z * z
    centre = (k + z2 / 2.0) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4.0)
    p = k / n
    low = 0.0 if k == 0 else min(max(centre - half, 0.0), p)
    high = 1.0 if k == n else max(min(centre + half, 1.0), p)
    return Estimate(p, low, high, int(round(n)))


# --------------------------------------------------------------------------- NPS


def _nps_centre_var(
    promoters: float, passives: float, detractors: float, method: str
) -> tuple[float, float]:
    """Interval centre (-100..100) and variance (on the 100^2 scale) of one NPS."""
    if method == "adjusted_wald":
        promoters, passives, detractors = promoters + 0.75, passives + 1.5, detractors + 0.75
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    var = max(p + d - (p - d) ** 2, 0.0) / n
    return 100.0 * (p - d), 1e4 * var


def _check_method(method: str) -> None:
    if method not in NPS_METHODS:
        raise ValueError(f"unknown NPS interval method {method!r}; use one of {NPS_METHODS}")


def nps(
    promoters: Any,
    passives: Any,
    detractors: Any,
    level: float = 0.95,
    method: str = "adjusted_wald",
) -> Estimate:
    r"""Net Promoter Score with a Wald or adjusted-Wald interval.

    Parameters
    ----------
    promoters, passives, detractors : int
        Counts of scores 9-10, 7-8 and 0-6; all >= 0.
    level : float
        Confidence level, default 0.95.
    method : {"adjusted_wald", "wald"}

    Returns
    -------
    Estimate
        ``n`` = number of responses; NaN estimate with ``n = 0`` when there are none.

    Raises
    ------
    ValueError
        For an unknown method or negative counts.

    Notes
    -----
    With ``n = P + X + D`` responses, ``p = P/n`` and ``d = D/n``, the value is
    always the raw score ``NPS = 100 (p - d)`` on -100..100. The interval:

    * ``"wald"``: ``SE = 100 sqrt((p + d - (p - d)^2) / n)``,
      ``NPS -/+ z SE``;
    * ``"adjusted_wald"`` (default): add 3 pseudo-responses, 3/4 to promoters,
      3/4 to detractors and 3/2 to passives, so ``n' = n + 3``,
      ``p' = (P + 3/4)/n'``, ``d' = (D + 3/4)/n'``; the interval is
      ``100 (p' - d') -/+ z SE'`` with ``SE'`` the Wald formula on ``p', d', n'``.

    Bounds are clipped to [-100, 100]. The adjusted centre is pulled towards 0,
    so for tiny samples with extreme counts (e.g. 1 promoter and nothing else,
    raw NPS 100, adjusted interval up to 98.5) the raw value can fall outside the
    adjusted interval; the interval is then extended to the raw value, so
    ``low <= value <= high`` always holds.

    References
    ----------
    Reichheld FF (2003). The one number you need to grow. Harvard Business Review
    81(12):46-54 (the score).
    Rocks B (2016). Interval estimation for the "net promoter score". The American
    Statistician 70(4):365-372 (Wald and adjusted-Wald intervals; R package NPS,
    ``nps_test(..., pseudo_observations = c(0.75, 1.5, 0.75))``).
    Lewis JR, Sauro J (2021). Evaluating NPS confidence intervals with real-world
    data. MeasuringU, https://measuringu.com/nps-three-confidence-intervals/
    (adjusted-Wald: add 3 to n and 3/4 to promoters and detractors).

    Examples
    --------
    >>> e = nps(50, 30, 20, method="wald")
    >>> e.value, round(e.low, 2), round(e.high, 2), e.n
    (30.0, 14.69, 45.31, 100)
    >>> e = nps(50, 30, 20)
    >>> e.value, round(e.low, 2), round(e.high, 2)
    (30.0, 14.05, 44.2)
    """
    _check_method(method)
    p_count = _count(promoters, "promoters")
    x_count = _count(passives, "passives")
    d_count = _count(detractors, "detractors")
    z = _z(level)
    n = p_count + x_count + d_count
    if n == 0:
        return _empty()
    value = 100.0 * (p_count - d_count) / n
    centre, var = _nps_centre_var(p_count, x_count, d_count, method)
    half = z * math.sqrt(var)
    low = min(max(centre - half, -100.0), value)
    high = max(min(centre + half, 100.0), value)
    return Estimate(value, low, high, int(round(n)))


def _nps_counts_from_scores(scores: Any) -> tuple[int, int, int]:
    s = np.asarray(scores, dtype=float).ravel()
    s = s[~np.isnan(s)]
    if np.any((s < 0) | (s > 10)):
        raise ValueError("NPS scores must lie in 0..10")
    promoters = int(np.count_nonzero(is_promoter(s)))
    passives = int(np.count_nonzero(is_passive(s)))
    return promoters, passives, int(s.size) - promoters - passives


def nps_from_scores(scores: Any, level: float = 0.95, method: str = "adjusted_wald") -> Estimate:
    r"""NPS of 0-10 likelihood-to-recommend scores (see :func:`nps`).

    Parameters
    ----------
    scores : array_like of float
        Scores in 0..10; NaN (no answer) is dropped.
    level : float
        Confidence level, default 0.95.
    method : {"adjusted_wald", "wald"}

    Returns
    -------
    Estimate
        As :func:`nps`; ``n`` = number of non-missing scores.

    Raises
    ------
    ValueError
        For a score outside 0..10 or an unknown method.

    Notes
    -----
    A score ``s`` is a promoter when ``s >= 9``, a passive when ``7 <= s < 9``
    and a detractor when ``s < 7`` (for integer scores: 9-10, 7-8, 0-6; the
    half-open bins also place account-level mean scores such as 8.5), as
    :func:`kamlib.data.contract.is_promoter` and its siblings say. Missing
    scores (NaN) are dropped. Then ``nps(P, X, D, level, method)``.

    References
    ----------
    Reichheld FF (2003). The one number you need to grow. Harvard Business Review
    81(12):46-54.

    Examples
    --------
    >>> e = nps_from_scores([10, 9, 9, 8, 7, 6, 0, 3, 10, 5], method="wald")
    >>> e.value, e.n
    (0.0, 10)
    """
    return nps(*_nps_counts_from_scores(scores), level=level, method=method)


def nps_difference(
    a: Sequence[Any],
    b: Sequence[Any],
    level: float = 0.95,
    method: str = "adjusted_wald",
) -> NPSChange:
    r"""Change ``b - a`` between two independent NPS samples, with a z-test.

    Parameters
    ----------
    a, b : (promoters, passives, detractors)
        Counts of the earlier and the later sample.
    level : float
        Confidence level, default 0.95.
    method : {"adjusted_wald", "wald"}

    Returns
    -------
    NPSChange
        All NaN when either sample is empty.

    Notes
    -----
    ``value = NPS_b - NPS_a`` (raw scores). With the centres ``c`` and variances
    ``V = SE^2`` of :func:`nps` for the chosen method (for ``"wald"`` the centres
    are the raw scores, for ``"adjusted_wald"`` the adjusted ones)::

        delta = c_b - c_a,   SE = sqrt(V_a + V_b)
        interval = delta -/+ z SE,   p = 2 (1 - Phi(|delta| / SE))

    As in :func:`nps`, the interval is extended to contain ``value`` if the
    adjustment pushed it aside (tiny samples only). ``SE = 0`` (Wald on two
    unanimous samples) gives ``p = 1`` if ``delta = 0`` else 0.

    References
    ----------
    Rocks B (2016). Interval estimation for the "net promoter score". The American
    Statistician 70(4):365-372 (two-sample Wald tests on the NPS).
    Agresti A, Caffo B (2000). Simple and effective confidence intervals for
    proportions and differences of proportions result from adding two successes
    and two failures. The American Statistician 54(4):280-288 (adjusted Wald for
    a difference).

    Examples
    --------
    >>> c = nps_difference((50, 30, 20), (60, 25, 15), method="wald")
    >>> round(c.value, 6), round(c.low, 2), round(c.high, 2), round(c.p_value, 4)
    (15.0, -6.09, 36.09, 0.1633)
    """
    _check_method(method)
    if len(a) != 3 or len(b) != 3:
        raise ValueError("a and b must be (promoters, passives, detractors) triples")
    ca_counts = [_count(v, "count") for v in a]
    cb_counts = [_count(v, "count") for v in b]
    z = _z(level)
    n_a, n_b = sum(ca_counts), sum(cb_counts)
    if n_a == 0 or n_b == 0:
        return NPSChange(_NAN, _NAN, _NAN, _NAN, int(round(n_a)), int(round(n_b)))
    value = 100.0 * ((cb_counts[0] - cb_counts[2]) / n_b - (ca_counts[0] - ca_counts[2]) / n_a)
    c_a, v_a = _nps_centre_var(*ca_counts, method)
    c_b, v_b = _nps_centre_var(*cb_counts, method)
    delta, se = c_b - c_a, math.sqrt(v_a + v_b)
    degenerate = 1.0 if delta == 0 else 0.0  # SE = 0: Wald on two unanimous samples
    p_value = float(2.0 * stats.norm.sf(abs(delta) / se)) if se > 0 else degenerate
    low = min(max(delta - z * se, -200.0), value)
    high = max(min(delta + z * se, 200.0), value)
    return NPSChange(value, low, high, p_value, int(round(n_a)), int(round(n_b)))


# --------------------------------------------------------------------------- bootstrap etc.


def bootstrap(
    data: Any,
    statistic: Callable[[Any], Any],
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    vectorized: bool = False,
) -> Estimate:
    r"""Nonparametric bootstrap with a percentile interval.

    Parameters
    ----------
    data : numpy array, sequence, pandas DataFrame or Series
        Rows are resampled along the first axis (``.iloc`` for pandas, whose index
        labels repeat in a resample).
    statistic : callable
        Maps data of the same type to a number.
    draws : int
        Number of resamples.
    seed : int
        Seed of the resampling.
    level : float
        Confidence level.

    vectorized : bool
        ``statistic(resamples, axis=1)`` gives one value per row of a 2-D block of
        resamples (``np.sum``, ``np.mean``); the draws and the result are the same,
        only much faster. Ignored for pandas data.

    Returns
    -------
    Estimate
        ``n = len(data)``; an empty ``data`` gives a NaN estimate.

    Notes
    -----
    ``value = statistic(data)``. For ``b = 1..draws`` draw ``len(data)`` row
    indices uniformly with replacement (``numpy.random.default_rng(seed)``) and
    compute ``t_b = statistic(rows)``; the interval is the ``(1 -/+ level)/2``
    empirical quantiles (linear interpolation) of the finite ``t_b``. Resamples
    whose statistic is NaN (or infinite) are ignored; if none is finite the
    bounds are NaN.

    References
    ----------
    Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman &
    Hall, ch. 13 (percentile intervals).

    Examples
    --------
    >>> e = bootstrap(np.arange(10.0), np.mean, draws=500, seed=1)
    >>> e.value, e.n, bool(e.low < 4.5 < e.high)
    (4.5, 10, True)
    """
    draws = int(draws)
    if draws < 1:
        raise ValueError("draws must be >= 1")
    _z(level)  # validates the level
    tail = (1.0 - float(level)) / 2.0
    is_pandas = isinstance(data, pd.DataFrame | pd.Series)
    if not is_pandas:
        data = np.asarray(data)
    size = len(data)
    if size == 0:
        return _empty()
    value = float(statistic(data))
    rng = np.random.default_rng(seed)
    values = np.empty(draws)
    if vectorized and not is_pandas:  # the same draws, a block of resamples at a time
        block = max(1, 2_000_000 // size)
        for start in range(0, draws, block):
            idx = rng.integers(0, size, size=(min(block, draws - start), size))
            values[start:start + len(idx)] = statistic(data[idx], axis=1)
    else:
        for i in range(draws):
            idx = rng.integers(0, size, size=size)
            values[i] = float(statistic(data.iloc[idx] if is_pandas else data[idx]))
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Estimate(value, _NAN, _NAN, size)
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return Estimate(value, float(low), float(high), size)


def rank_correlation(x: Any, y: Any, level: float = 0.95) -> tuple[Estimate, float]:
    r"""Spearman rank correlation with a Fisher-z interval and its p-value.

    Returns
    -------
    (Estimate, float)
        The correlation with ``n`` = complete pairs, and the two-sided p-value.

    Notes
    -----
    ``rho`` = Pearson correlation of the ranks (ties get mid-ranks) over the
    ``n`` complete pairs (pairs with a NaN are dropped). Interval::

        tanh(atanh(rho) -/+ z sqrt(1.06 / (n - 3)))

    The p-value is scipy.stats.spearmanr's (t approximation). ``n < 4`` or a
    constant variable gives a NaN estimate and NaN p-value.

    References
    ----------
    Spearman C (1904). The proof and measurement of association between two
    things. Am J Psychol 15:72-101.
    Fieller EC, Hartley HO, Pearson ES (1957). Tests for rank correlation
    coefficients. I. Biometrika 44:470-481 (variance 1.06/(n-3) of atanh(rho)).

    Examples
    --------
    >>> e, p = rank_correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    >>> round(e.value, 3), round(e.low, 3), round(e.high, 3), e.n
    (0.8, -0.317, 0.987, 5)
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in length: {xa.size} vs {ya.size}")
    z = _z(level)
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    n = int(xa.size)
    if n < 4 or np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return _empty(n), _NAN
    res = stats.spearmanr(xa, ya)
    rho, p_value = float(res.statistic), float(res.pvalue)
    if not math.isfinite(rho):
        return _empty(n), _NAN
    se = math.sqrt(1.06 / (n - 3))
    with np.errstate(divide="ignore"):
        centre = float(np.arctanh(np.clip(rho, -1.0, 1.0)))
    low, high = math.tanh(centre - z * se), math.tanh(centre + z * se)
    return Estimate(rho, min(low, rho), max(high, rho), n), p_value


def p_value_from_interval(value: float, low: float, high: float, level: float = 0.95) -> float:
    """Two-sided p-value of ``value == 0`` for an estimate with a symmetric normal
    interval ``[low, high]`` at ``level``: the standard error is the interval's width over
    ``2 z``. NaN when a bound is missing or the interval is empty.

    Examples
    --------
    An estimate of 2 with the 95 % interval [0, 4] (se = 4 / 3.92 = 1.0204, z = 1.96)
    sits exactly on the 5 % line:

    >>> round(p_value_from_interval(2.0, 0.0, 4.0), 4)
    0.05
    >>> p_value_from_interval(1.0, float("nan"), 2.0)
    nan
    """
    if any(x is None or not np.isfinite(x) for x in (value, low, high)) or high <= low:
        return _NAN
    se = (high - low) / (2 * _z(level))
    return float(2 * stats.norm.sf(abs(value) / se))


def annualise(q: float, periods_per_year: int = 4) -> float:
    r"""Annualise a per-period rate (e.g. quarterly churn).

    Parameters
    ----------
    q : float
        Per-period rate in [0, 1]; NaN passes through.
    periods_per_year : int
        4 for quarters, 12 for months.

    Notes
    -----
    ``1 - (1 - q)^periods_per_year``: surviving a year means surviving every
    period, each with probability ``1 - q`` (constant discrete-time hazard).

    References
    ----------
    Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time
    Data, 2nd ed. Wiley (discrete-time survival ``S = prod (1 - h_j)``).

    Examples
    --------
    >>> round(annualise(0.05), 8)
    0.18549375
    """
    q = float(q)
    if math.isnan(q):
        return _NAN
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be in [0, 1], got {q!r}")
    if periods_per_year <= 0:
        raise ValueError("periods_per_year must be > 0")
    return 1.0 - (1.0 - q) ** periods_per_year


#: how close to one half a Kaplan-Meier curve must be to count as landing on it
#: (R's ``survival`` uses the same, ``sqrt(.Machine$double.eps)``)
KM_HALF_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def km_median(durations: Any, events: Any, level: float = 0.95) -> Estimate:
    r"""Kaplan-Meier median of censored durations, with its confidence interval.

    The product-limit estimate over the distinct durations ``t`` (``n`` at risk,
    ``d`` events)::

        S(t)   = exp(sum log((n - d) / n))
        var(t) = sum d / (n (n - d))            (Greenwood; 0 where n = d)

    and the exponential ("log-log") Greenwood band, with ``v = log S``::

        S_low, S_high = exp(-exp(log(-v) -/+ z sqrt(var) / v))

    The median is the first duration ``t_j`` at which ``S <= 0.5`` (NaN when ``S``
    stays above one half). Where the curve lands exactly on one half at ``t_j``
    (within :data:`KM_HALF_TOLERANCE`, as the product is computed in floating
    point), it stays there until the next event time ``t_{j+1}``, and the median is
    the midpoint ``(t_j + t_{j+1}) / 2``; when no event follows (the curve stays at
    one half to the end of follow-up), the midpoint of ``t_j`` and the largest
    observed duration. This is the convention of R's ``survival`` package
    (``quantile.survfit``); lifelines' ``median_survival_time_`` takes ``t_{j+1}``
    instead, and agrees everywhere else. The interval is where ``S_low`` and
    ``S_high`` cross one half, read off by the same rule.

    This is the one Kaplan-Meier median of the package: every median shown (request
    resolution time, time to convert) comes from here. It computes what lifelines'
    ``KaplanMeierFitter`` does (the tests check it), without its per-call overhead,
    so that thousands of groups take milliseconds.

    >>> e = km_median([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    >>> e.value, e.n
    (5.0, 5)
    >>> km_median([4, 6], [0, 0]).value  # no event: no median
    nan
    >>> km_median([1, 2, 3, 4], [1, 1, 1, 1]).value  # S(2) = 1/2 exactly: (2 + 3) / 2
    2.5
    """
    t = np.asarray(durations, float)
    e = np.asarray(events, float)
    if len(t) == 0 or e.sum() == 0:
        return _empty(len(t))
    times, inv = np.unique(t, return_inverse=True)
    deaths = np.bincount(inv, weights=e, minlength=len(times))
    removed = np.bincount(inv, minlength=len(times)).astype(float)
    at_risk = len(t) - np.concatenate([[0.0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.cumsum(np.log(at_risk - deaths) - np.log(at_risk))
        step = deaths / (at_risk * (at_risk - deaths))
        var = np.cumsum(np.where(np.isinf(step), 0.0, step))
        s = np.exp(log_s)
        v = np.log(s)
        z = _z(level)
        low = np.exp(-np.exp(np.log(-v) - z * np.sqrt(var) / v))
        high = np.exp(-np.exp(np.log(-v) + z * np.sqrt(var) / v))
    low, high = np.nan_to_num(low, nan=1.0), np.nan_to_num(high, nan=1.0)

    def first_half(curve: np.ndarray) -> float:
        hit = np.flatnonzero(curve <= 0.5 + KM_HALF_TOLERANCE)
        if not len(hit):
            return np.nan
        j = hit[0]
        if curve[j] < 0.5 - KM_HALF_TOLERANCE:
            return float(times[j])
        # landed on one half: midpoint with the next drop below it (an event time)
        below = np.flatnonzero(curve < 0.5 - KM_HALF_TOLERANCE)
        nxt = times[below[0]] if len(below) else times[-1]
        return float((times[j] + nxt) / 2)

    return Estimate(first_half(s), first_half(low), first_half(high), len(t))
