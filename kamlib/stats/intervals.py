"""Shared statistics: intervals for rates and NPS, funnel plots, shrinkage, bootstrap.

Every KPI carries an interval and its denominator ``n`` (see docs/kpis.md, "Shared
statistics"). This module holds the few estimators the KPIs share:

* rates: :func:`wilson` (Wilson score interval);
* NPS-type scores: :func:`nps`, :func:`nps_from_scores`, :func:`nps_difference`
  (Wald and adjusted-Wald intervals, and the change between two periods);
* comparing KAMs: :func:`funnel_limits`, :func:`overdispersion`,
  :func:`funnel_table` (Spiegelhalter's funnel plot) and
  :func:`beta_binomial_fit`, :func:`shrink` (empirical Bayes shrinkage with the
  probability of being in the top quartile);
* anything else: :func:`bootstrap` (percentile interval),
  :func:`rank_correlation` (Spearman with a Fisher-z interval) and
  :func:`annualise`.

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
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from kamlib.data.contract import is_passive, is_promoter

__all__ = [
    "PRECISION_CAP",
    "Estimate",
    "HyperPosterior",
    "NPSChange",
    "Overdispersion",
    "annualise",
    "beta_binomial_fit",
    "beta_binomial_posterior",
    "bootstrap",
    "funnel_limits",
    "funnel_table",
    "level_name",
    "nps",
    "nps_difference",
    "nps_from_scores",
    "overdispersion",
    "rank_correlation",
    "shrink",
    "wilson",
]

NPS_METHODS = ("adjusted_wald", "wald")
"""The interval methods of :func:`nps` (the first is the default)."""

PRECISION_CAP = 1e6
"""Largest ``alpha + beta`` that :func:`beta_binomial_fit` returns (no extra-binomial variation)."""

_MIN_SHAPE = 1e-6  # lower bound of alpha and beta in beta_binomial_fit's optimiser
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
