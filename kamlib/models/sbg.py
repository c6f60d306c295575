r"""The shifted-beta-geometric (sBG) model of contractual retention by cohort.

In a contractual setting (a subscription, a yearly key-account contract) a
customer either renews at the end of each period or leaves, and the firm sees
the leaving. Fader & Hardie (2007) model this with two assumptions:

* a customer with churn probability :math:`\theta` renews each period with
  probability :math:`1 - \theta`, so her lifetime :math:`T` (the number of
  periods she pays for) is geometric, :math:`P(T = t \mid \theta) = \theta
  (1 - \theta)^{t - 1}`, :math:`t = 1, 2, \dots`;
* :math:`\theta` varies across customers as :math:`\mathrm{Beta}(\alpha, \beta)`.

The mixture is the shifted-beta-geometric distribution:

.. math::

    P(T = t) &= \frac{B(\alpha + 1, \beta + t - 1)}{B(\alpha, \beta)},
        \qquad t = 1, 2, \dots \\
    S(t) = P(T > t) &= \frac{B(\alpha, \beta + t)}{B(\alpha, \beta)},
        \qquad S(0) = 1 \\
    r(t) = \frac{S(t)}{S(t - 1)} &= \frac{\beta + t - 1}{\alpha + \beta + t - 1},
        \qquad t = 1, 2, \dots

The retention rate :math:`r(t)` rises with tenure although no customer's own
churn probability changes: the customers with a high :math:`\theta` leave
first (the sorting effect of heterogeneity).

:class:`ShiftedBetaGeometric` fits :math:`(\alpha, \beta)` by maximum
likelihood to the number of customers alive at the start of each period, for
one cohort or jointly for several acquisition cohorts observed for different
lengths of time, and gives retention projections and the discounted expected
(residual) lifetime of Fader & Hardie (2010), the multiplier of a customer's
margin in a contractual CLV.

>>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
>>> round(m.alpha_, 3), round(m.beta_, 3)
(0.704, 1.182)

References
----------
Fader PS, Hardie BGS (2007). How to project customer retention. Journal of
Interactive Marketing 21(1):76-90. doi:10.1002/dir.20074
Fader PS, Hardie BGS (2007). Fitting the sBG model to multi-cohort data.
http://www.brucehardie.com/notes/017/
Fader PS, Hardie BGS (2010). Customer-base valuation in a contractual setting:
the perils of ignoring heterogeneity. Marketing Science 29(1):85-93.
doi:10.1287/mksc.1080.0482
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from kamlib.models.base import Model

__all__ = ["ShiftedBetaGeometric", "sbg_log_likelihood"]

_LOG_BOUND = 15.0
"""The optimiser keeps log alpha and log beta within +-15 (alpha, beta in [3e-7, 3.3e6])."""

_AT_BOUND = _LOG_BOUND - 0.5
"""An estimate beyond this (on the log scale) is a boundary solution, not a maximum."""


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class _Counts:
    """Survivor data pooled over cohorts into the two sufficient statistics.

    ``lost[t]`` is the number of customers lost in period ``t`` (``T = t``),
    summed over cohorts; ``censored[t]`` is the number still alive at the last
    observed point ``t`` of their cohort (``T > t``, right censored).
    """

    lost: np.ndarray
    censored: np.ndarray
    cohort_sizes: tuple[float, ...]
    cohort_lengths: tuple[int, ...]

    @property
    def n_customers(self) -> float:
        return float(sum(self.cohort_sizes))


def _is_scalar(x: Any) -> bool:
    return isinstance(x, numbers.Real) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _split_cohorts(survivors: Any) -> list[Any]:
    """One sequence per cohort, from a 1-D sequence, a 2-D array or a list of sequences."""
    if isinstance(survivors, (str, bytes)) or survivors is None:
        raise ValueError("survivors must be a sequence of counts or a list of such sequences")
    if isinstance(survivors, pd.DataFrame):
        survivors = survivors.to_numpy(dtype=float)
    if isinstance(survivors, (np.ndarray, pd.Series)):
        arr = np.asarray(survivors, dtype=float)
        if arr.ndim == 1:
            return [arr]
        if arr.ndim == 2:
            return list(arr)
        raise ValueError(f"survivors must be 1-D or 2-D, got {arr.ndim} dimensions")
    if not isinstance(survivors, Sequence):
        survivors = list(survivors)
    if len(survivors) == 0:
        raise ValueError("survivors is empty: give the counts alive at t = 0, 1, ...")
    scalars = [_is_scalar(x) for x in survivors]
    if all(scalars):
        return [survivors]
    if any(scalars):
        raise ValueError(
            "survivors mixes numbers and sequences: give one cohort's counts "
            "or a list with one sequence of counts per cohort"
        )
    return list(survivors)


def _check_cohort(values: Any, label: str) -> np.ndarray:
    """The counts of one cohort as floats, after the input checks (trailing NaN dropped)."""
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label}: survivors must be numbers ({exc})") from None
    if s.ndim != 1:
        raise ValueError(f"{label}: survivors must be a flat sequence of counts")
    # A cohort table (pivot) pads the younger cohorts with NaN: drop the padding.
    observed = ~np.isnan(s)
    if observed.any():
        s = s[: int(np.flatnonzero(observed)[-1]) + 1]
    if np.isnan(s).any():
        t = int(np.flatnonzero(np.isnan(s))[0])
        raise ValueError(f"{label}: missing count at t = {t} (only trailing NaN are allowed)")
    if not np.isfinite(s).all():
        raise ValueError(f"{label}: survivors must be finite")
    if s.size < 2:
        raise ValueError(
            f"{label}: needs at least 2 points (the cohort size at t = 0 and the "
            f"number alive at t = 1), got {s.size}"
        )
    if (s < 0).any():
        t = int(np.flatnonzero(s < 0)[0])
        raise ValueError(f"{label}: negative count {s[t]:g} at t = {t}")
    if s[0] <= 0:
        raise ValueError(f"{label}: the first value (the cohort size at t = 0) must be positive")
    rises = np.flatnonzero(np.diff(s) > 0)
    if rises.size:
        t = int(rises[0]) + 1
        raise ValueError(
            f"{label}: survivors must be non-increasing, but {s[t]:g} are alive at "
            f"t = {t} and {s[t - 1]:g} at t = {t - 1}"
        )
    return s


def _counts(survivors: Any) -> _Counts:
    cohorts = _split_cohorts(survivors)
    several = len(cohorts) > 1
    checked = [
        _check_cohort(c, f"cohort {i}" if several else "survivors") for i, c in enumerate(cohorts)
    ]
    horizon = max(len(s) for s in checked) - 1
    lost = np.zeros(horizon + 1)
    censored = np.zeros(horizon + 1)
    for s in checked:
        lost[1 : len(s)] += s[:-1] - s[1:]
        censored[len(s) - 1] += s[-1]
    if lost.sum() == 0:
        raise ValueError(
            "no customer was lost in any period: the churn probabilities cannot be "
            "estimated (the likelihood keeps rising as beta -> infinity)"
        )
    if censored.sum() == 0 and lost[2:].sum() == 0:
        raise ValueError(
            "every customer was lost in the first period: the likelihood keeps "
            "rising as beta -> 0 and has no maximum"
        )
    # Two parameters need the retention rate at two tenures: some cohort must be
    # followed for 2 periods with customers at risk in the second one.
    if not any(len(s) >= 3 and s[1] > 0 for s in checked):
        raise ValueError(
            "alpha and beta are not identified: only the first-period retention is "
            "observed, which fixes alpha / (alpha + beta) but not their size; give at "
            "least one cohort with 3 or more points (t = 0, 1, 2) and survivors at t = 1"
        )
    return _Counts(
        lost=lost,
        censored=censored,
        cohort_sizes=tuple(float(s[0]) for s in checked),
        cohort_lengths=tuple(len(s) - 1 for s in checked),
    )


# --------------------------------------------------------------------------- likelihood
def _log_p(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """log P(T = t) = log B(a + 1, b + t - 1) - log B(a, b)."""
    return special.betaln(a + 1.0, b + t - 1.0) - special.betaln(a, b)


def _log_s(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """log S(t) = log B(a, b + t) - log B(a, b)."""
    return special.betaln(a, b + t) - special.betaln(a, b)


def _loglik(c: _Counts, a: float, b: float) -> float:
    t = np.arange(c.lost.size, dtype=float)
    ll = 0.0
    died = c.lost > 0
    if died.any():
        ll += float(np.sum(c.lost[died] * _log_p(a, b, t[died])))
    alive = c.censored > 0
    if alive.any():
        ll += float(np.sum(c.censored[alive] * _log_s(a, b, t[alive])))
    return ll


def _gradient(c: _Counts, a: float, b: float) -> np.ndarray:
    """d LL / d (alpha, beta), with the digamma function psi."""
    psi = special.digamma
    t = np.arange(c.lost.size, dtype=float)
    ab = psi(a + b)
    # log P(t): d/da = 1/a + psi(a+b) - psi(a+b+t); d/db = psi(b+t-1) - psi(b) + psi(a+b) - psi(a+b+t)
    dp_a = 1.0 / a + ab - psi(a + b + t)
    dp_b = psi(np.maximum(b + t - 1.0, b)) - psi(b) + ab - psi(a + b + t)
    # log S(t): d/da = psi(a+b) - psi(a+b+t); d/db = psi(b+t) - psi(b) + psi(a+b) - psi(a+b+t)
    ds_a = ab - psi(a + b + t)
    ds_b = psi(b + t) - psi(b) + ab - psi(a + b + t)
    lost, cens = c.lost.copy(), c.censored
    lost[0] = 0.0
    return np.array(
        [np.sum(lost * dp_a + cens * ds_a), np.sum(lost * dp_b + cens * ds_b)], dtype=float
    )


def _hessian(c: _Counts, a: float, b: float) -> np.ndarray:
    """Second derivatives of LL in (alpha, beta), with the trigamma function psi1."""

    def psi1(x: Any) -> Any:
        return special.polygamma(1, x)

    t = np.arange(c.lost.size, dtype=float)
    common = psi1(a + b) - psi1(a + b + t)
    p_aa = -1.0 / a**2 + common
    p_bb = psi1(np.maximum(b + t - 1.0, b)) - psi1(b) + common
    p_ab = common
    s_aa = common
    s_bb = psi1(b + t) - psi1(b) + common
    s_ab = common
    lost, cens = c.lost.copy(), c.censored
    lost[0] = 0.0
    h_aa = np.sum(lost * p_aa + cens * s_aa)
    h_bb = np.sum(lost * p_bb + cens * s_bb)
    h_ab = np.sum(lost * p_ab + cens * s_ab)
    return np.array([[h_aa, h_ab], [h_ab, h_bb]], dtype=float)


def sbg_log_likelihood(survivors: Any, alpha: float, beta: float) -> float:
    r"""Log-likelihood of survivor counts under the sBG model with given parameters.

    Parameters
    ----------
    survivors : sequence of numbers, or list of sequences
        Customers alive at ``t = 0, 1, ...`` (first value the cohort size), or
        one such sequence per cohort (the same checks as
        :meth:`ShiftedBetaGeometric.fit`).
    alpha, beta : float
        Positive parameters of the Beta distribution of the churn probability.

    Returns
    -------
    float
        :math:`\sum_c \big[\sum_{t=1}^{\tau_c} (n_{c,t-1} - n_{c,t}) \log P(T = t)
        + n_{c,\tau_c} \log S(\tau_c)\big]`, where cohort :math:`c` has
        :math:`n_{c,t}` customers alive at :math:`t` and is observed up to
        :math:`\tau_c`.

    Examples
    --------
    >>> round(sbg_log_likelihood([1000, 869, 743, 653, 593, 551, 517, 491], 1, 1), 1)
    -2115.5
    """
    a, b = float(alpha), float(beta)
    if not (a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"alpha and beta must be positive and finite, got {alpha}, {beta}")
    return _loglik(_counts(survivors), a, b)


def _geometric_limit_loglik(c: _Counts) -> float:
    """Log-likelihood of the homogeneous limit (alpha + beta -> infinity): one churn probability.

    A customer with ``T = t`` made ``t`` renewal decisions (the last one to leave),
    a censored one at ``tau`` made ``tau`` (all renewals); ``p`` = leavers / decisions.
    """
    t = np.arange(c.lost.size, dtype=float)
    leavers = float(c.lost.sum())
    decisions = float(np.sum(c.lost * t) + np.sum(c.censored * t))
    p = leavers / decisions
    stayers = decisions - leavers
    return leavers * math.log(p) + (stayers * math.log1p(-p) if stayers > 0 else 0.0)


def _start_values(c: _Counts) -> list[np.ndarray]:
    """Log-scale starts: moment-style from the pooled first two retention rates, and (1, 1).

    With ``r1 = b / (a + b)`` and ``r2 = (b + 1) / (a + b + 1)``, ``a + b =
    (1 - r2) / (r2 - r1)`` when retention rises (heterogeneity).
    """
    starts = []
    at_risk1 = c.lost.sum() + c.censored.sum()  # everyone is at risk in period 1
    r1 = float(np.clip(1.0 - c.lost[1] / at_risk1, 1e-4, 1 - 1e-4))
    at_risk2 = at_risk1 - c.lost[1] - c.censored[1]  # alive at t = 1 and observed further
    if at_risk2 > 0:
        r2 = float(np.clip(1.0 - c.lost[2] / at_risk2, 1e-4, 1 - 1e-4))
        total = float(np.clip((1.0 - r2) / (r2 - r1), 1e-2, 1e4)) if r2 > r1 else 10.0
        starts.append(np.log([(1.0 - r1) * total, r1 * total]))
    starts.append(np.zeros(2))
    return starts


# --------------------------------------------------------------------------- model
class ShiftedBetaGeometric(Model):
    r"""The shifted-beta-geometric (sBG) model of Fader & Hardie (2007).

    A customer with churn probability :math:`\theta` renews each period with
    probability :math:`1 - \theta`; across customers :math:`\theta \sim
    \mathrm{Beta}(\alpha, \beta)`. Then

    .. math::

        P(T = t) = \frac{B(\alpha + 1, \beta + t - 1)}{B(\alpha, \beta)},\quad
        S(t) = \frac{B(\alpha, \beta + t)}{B(\alpha, \beta)},\quad
        r(t) = \frac{\beta + t - 1}{\alpha + \beta + t - 1}.

    Parameters
    ----------
    level : float, default 0.95
        Confidence level of the intervals in :attr:`summary`.

    Attributes
    ----------
    alpha_, beta_ : float
        Maximum-likelihood estimates (after :meth:`fit`).
    log_likelihood_ : float
        The maximised log-likelihood.
    variance_matrix_ : pandas.DataFrame
        Inverse of the observed information at the estimate, natural scale.
    standard_errors_ : pandas.Series
        Square roots of its diagonal.
    confidence_intervals_ : pandas.DataFrame
        Intervals at ``level`` (see :attr:`summary`).
    n_cohorts_, n_customers_ : int, float
        Number of cohorts fitted and their total size at ``t = 0``.
    cohort_sizes_, cohort_periods_ : tuple
        Each cohort's size and number of observed periods.

    Notes
    -----
    **Likelihood.** A cohort with :math:`n_t` customers alive at the start of
    period :math:`t + 1` (:math:`t = 0, \dots, \tau`) loses
    :math:`n_{t-1} - n_t` customers with :math:`T = t` and leaves :math:`n_\tau`
    right censored (:math:`T > \tau`):

    .. math::

        LL(\alpha, \beta) = \sum_{t=1}^{\tau} (n_{t-1} - n_t) \log P(T = t)
            + n_\tau \log S(\tau).

    Several cohorts (Fader & Hardie's multi-cohort note) share
    :math:`(\alpha, \beta)` and their log-likelihoods add. :math:`LL` is
    maximised over :math:`(\log\alpha, \log\beta)` with L-BFGS-B and the
    analytic gradient (``betaln`` and digamma, stable for large ``t``), from a
    moment-style start (from the first two pooled retention rates, see
    ``_start_values``) and from :math:`(1, 1)`; the better optimum is kept. The
    fit is accepted only if the optimiser converged to an interior point where
    the observed information (analytic Hessian, trigamma function) is positive
    definite and the likelihood beats its homogeneous limit
    :math:`\alpha + \beta \to \infty` (a single geometric churn probability,
    leavers / renewal decisions); otherwise a :class:`ValueError` explains why
    (typically retention that does not rise with tenure). Data that are barely
    heterogeneous can still have a finite but huge maximum (say
    :math:`\alpha + \beta` in the thousands) with very wide intervals: that is
    the honest answer, and the projections are then close to geometric.

    **Standard errors and intervals.** Standard errors are the square roots of
    the diagonal of the inverse observed information on the natural scale. The
    intervals are Wald intervals on the log scale (delta method,
    :math:`\exp(\log\hat\alpha \pm z\,\mathrm{se}/\hat\alpha)`), so they stay
    positive. Counts are taken at face value: percentages (a cohort of 100)
    give wider intervals than the same shares of 1000 customers.

    **Valuation** (Fader & Hardie 2010), with discount rate :math:`d` per
    period and :math:`z = 1/(1 + d)`: a customer pays at the start of every
    period she is alive (:math:`t = 0, \dots, T - 1`).

    * DEL, a just-acquired customer, first payment at :math:`t = 0`
      undiscounted: :math:`\sum_{t\ge0} S(t) z^t = {}_2F_1(1, \beta; \alpha +
      \beta; z)`.
    * DERL after ``renewals`` = :math:`n - 1` renewals, standing just before
      the next renewal decision; the future payments are at :math:`t = n, n +
      1, \dots`, the first one (if she renews) undiscounted:

      .. math::

          \sum_{t \ge n} \frac{S(t)}{S(n-1)} z^{t-n}
          = \frac{\beta + n - 1}{\alpha + \beta + n - 1}\,
            {}_2F_1(1, \beta + n; \alpha + \beta + n; z).

    So ``del_(d) == 1 + derl(d, 0) / (1 + d)``. The hypergeometric function is
    evaluated by its series of positive terms (``_hyp2f1_unit``), not by
    ``scipy.special.hyp2f1``, which gives NaN or loses digits for some integer
    parameters; with ``d = 0`` the closed forms :math:`(\alpha + \beta -
    1)/(\alpha - 1)` (DEL) and :math:`(\beta + n - 1)/(\alpha - 1)` (DERL)
    hold for :math:`\alpha > 1`, and the sums are infinite otherwise.

    References
    ----------
    Fader PS, Hardie BGS (2007). How to project customer retention. Journal of
    Interactive Marketing 21(1):76-90.
    Fader PS, Hardie BGS (2007). Fitting the sBG model to multi-cohort data.
    http://www.brucehardie.com/notes/017/
    Fader PS, Hardie BGS (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. Marketing Science
    29(1):85-93.

    Examples
    --------
    The "High End" segment of Fader & Hardie (2007), first 8 points:

    >>> m = ShiftedBetaGeometric().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> m
    <kamlib.models.sbg.ShiftedBetaGeometric: alpha=0.668, beta=3.806, fitted on 1 cohort of 1000 customers>
    >>> [round(float(s), 3) for s in m.survival_function([8, 12])]
    [0.46, 0.378]
    >>> round(float(m.retention_rate(1)), 3), round(float(m.retention_rate(12)), 3)
    (0.851, 0.957)
    >>> round(m.derl(0.10, renewals=7), 2), round(m.del_(0.10), 2)
    (7.53, 5.92)
    >>> list(m.summary.columns)
    ['coef', 'se(coef)', 'coef lower 95%', 'coef upper 95%']
    """

    _fitted_attr = "alpha_"
    _fit_hint = "call fit(survivors) or ShiftedBetaGeometric.from_params(alpha, beta) first"

    def __init__(self, level: float = 0.95):
        if not 0.0 < float(level) < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.level = float(level)

    # ------------------------------------------------------------------ fitting
    @classmethod
    def from_params(cls, alpha: float, beta: float, level: float = 0.95) -> ShiftedBetaGeometric:
        """A model with known parameters (no data: no standard errors, NaN in :attr:`summary`).

        >>> float(ShiftedBetaGeometric.from_params(1.0, 1.0).survival_function(3))
        0.25
        """
        a, b = float(alpha), float(beta)
        if not (a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"alpha and beta must be positive and finite, got {alpha}, {beta}")
        m = cls(level=level)
        m._set_params(a, b, None)
        return m

    def fit(self, survivors: Any) -> ShiftedBetaGeometric:
        """Fit alpha and beta by maximum likelihood.

        Parameters
        ----------
        survivors : sequence of numbers, or list of sequences
            The number of customers alive at ``t = 0, 1, ..., tau`` (the
            start of periods 1, 2, ...), starting at the cohort size; or one
            such sequence per acquisition cohort, of any lengths (joint fit with
            a common alpha and beta). A 2-D array or DataFrame is read as one
            cohort per row; trailing NaN (the unobserved cells of a cohort
            table) are dropped.

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted.

        Raises
        ------
        ValueError
            On bad input (fewer than 2 points, a first value of 0, a negative
            count, survivors that rise, missing values inside a cohort), on
            data that cannot identify both parameters (only first-period
            retention observed, nobody lost, everybody lost at once), and when
            the likelihood has no interior maximum.
        """
        c = _counts(survivors)

        def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
            a, b = math.exp(x[0]), math.exp(x[1])
            value = _loglik(c, a, b)
            if not math.isfinite(value):
                return 1e300, np.zeros(2)
            grad = _gradient(c, a, b) * np.array([a, b])
            return -value, -grad

        best = None
        for x0 in _start_values(c):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = optimize.minimize(
                    objective,
                    x0,
                    jac=True,
                    method="L-BFGS-B",
                    bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
                    options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
                )
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        x = best.x
        a, b = math.exp(x[0]), math.exp(x[1])
        scale = max(1.0, c.n_customers)
        if np.any(np.abs(x) >= _AT_BOUND):
            raise ValueError(
                "the sBG likelihood has no interior maximum for these data "
                f"(the fit ran to alpha = {a:.3g}, beta = {b:.3g}): "
                + (
                    "retention does not rise with tenure, so the data look homogeneous "
                    "(alpha + beta -> infinity, a plain geometric model)"
                    if a + b > 1e3
                    else "the churn probabilities look concentrated at 0 and 1"
                )
            )
        if _loglik(c, a, b) <= _geometric_limit_loglik(c) + 1e-9 * scale:
            raise ValueError(
                "the sBG likelihood has no interior maximum for these data: it is no "
                "better than its homogeneous limit (alpha + beta -> infinity, one churn "
                "probability for everyone), because retention does not rise with tenure"
            )
        hess = _hessian(c, a, b)
        grad = _gradient(c, a, b)
        if not np.all(np.isfinite(hess)) or np.any(np.linalg.eigvalsh(-hess) <= 0):
            raise ValueError(
                f"the sBG fit did not reach a maximum (alpha = {a:.4g}, beta = {b:.4g}): "
                "the observed information is not positive definite"
            )
        # Relative convergence check on the log scale, where the optimiser works.
        if np.max(np.abs(grad * np.array([a, b]))) > 1e-4 * scale:
            raise ValueError(
                f"the sBG fit did not converge (alpha = {a:.4g}, beta = {b:.4g}, "
                f"gradient {grad}): {best.message}"
            )
        self._counts = c
        self._set_params(a, b, hess)
        return self

    def _set_params(self, a: float, b: float, hess: np.ndarray | None) -> None:
        names = ["alpha", "beta"]
        self.alpha_ = float(a)
        self.beta_ = float(b)
        if hess is None:
            self._counts = None
            self.log_likelihood_ = math.nan
            cov = np.full((2, 2), math.nan)
            self.n_cohorts_, self.n_customers_ = 0, 0.0
            self.cohort_sizes_, self.cohort_periods_ = (), ()
        else:
            c = self._counts
            self.log_likelihood_ = _loglik(c, a, b)
            cov = np.linalg.inv(-hess)
            self.n_cohorts_ = len(c.cohort_sizes)
            self.n_customers_ = c.n_customers
            self.cohort_sizes_ = c.cohort_sizes
            self.cohort_periods_ = c.cohort_lengths
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        se = np.sqrt(np.diag(cov))
        self.standard_errors_ = pd.Series(se, index=names, name="se(coef)")
        z = stats.norm.ppf(0.5 + self.level / 2.0)
        coef = np.array([a, b])
        pct = _percent(self.level)
        self.confidence_intervals_ = pd.DataFrame(
            {
                f"coef lower {pct}": coef * np.exp(-z * se / coef),
                f"coef upper {pct}": coef * np.exp(z * se / coef),
            },
            index=names,
        )

    @property
    def summary(self) -> pd.DataFrame:
        """alpha and beta with standard errors and intervals at ``level`` (log-scale Wald).

        Columns ``coef``, ``se(coef)``, ``coef lower 95%``, ``coef upper 95%``
        (the percentage follows ``level``), index ``alpha``, ``beta``.
        """
        self.check_fitted()
        out = pd.DataFrame(
            {"coef": [self.alpha_, self.beta_], "se(coef)": self.standard_errors_.to_numpy()},
            index=pd.Index(["alpha", "beta"], name="param"),
        )
        return pd.concat([out, self.confidence_intervals_.set_axis(out.index)], axis=1)

    # ------------------------------------------------------------------ predictions
    def survival_function(self, t: Any) -> Any:
        r"""S(t) = B(alpha, beta + t) / B(alpha, beta), the share alive at the start of period t + 1.

        Parameters
        ----------
        t : int or array of int, t >= 0
            Number of periods since acquisition.

        Returns
        -------
        float or numpy.ndarray
            Same shape as ``t``; ``S(0) = 1``.
        """
        self.check_fitted()
        tt = _periods(t, "t", minimum=0)
        out = np.exp(_log_s(self.alpha_, self.beta_, tt))
        return float(out) if np.ndim(out) == 0 else out

    def retention_rate(self, t: Any) -> Any:
        r"""r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), for t >= 1.

        The share of the customers alive at ``t - 1`` who renew at ``t``; it
        rises with ``t`` (sorting of a heterogeneous cohort).
        """
        self.check_fitted()
        tt = _periods(t, "t", minimum=1)
        a, b = self.alpha_, self.beta_
        out = (b + tt - 1.0) / (a + b + tt - 1.0)
        return float(out) if np.ndim(out) == 0 else out

    def predict_survivors(self, cohort_size: float, periods: int) -> pd.Series:
        """Expected number alive at ``t = 0, ..., periods`` for a cohort of ``cohort_size``.

        >>> ShiftedBetaGeometric.from_params(1.0, 1.0).predict_survivors(100, 3).round(2).tolist()
        [100.0, 50.0, 33.33, 25.0]
        """
        self.check_fitted()
        size = float(cohort_size)
        if not (size >= 0 and math.isfinite(size)):
            raise ValueError(f"cohort_size must be a non-negative number, got {cohort_size}")
        horizon = int(_periods(periods, "periods", minimum=0))
        t = np.arange(horizon + 1)
        values = size * np.exp(_log_s(self.alpha_, self.beta_, t.astype(float)))
        return pd.Series(values, index=pd.Index(t, name="t"), name="survivors")

    def derl(self, discount_rate: float, renewals: Any) -> Any:
        r"""Discounted expected residual lifetime (Fader & Hardie 2010).

        The expected discounted number of future payments of a customer who
        has renewed ``renewals`` times and stands just before the next renewal
        decision, with ``n = renewals + 1``:

        .. math::

            \mathrm{DERL} = \frac{\beta + n - 1}{\alpha + \beta + n - 1}\,
            {}_2F_1\!\left(1, \beta + n; \alpha + \beta + n; \tfrac{1}{1 + d}\right)
            = \sum_{t \ge n} \frac{S(t)}{S(n - 1)} (1 + d)^{-(t - n)}.

        The next payment (if she renews) is not discounted. Multiply by the
        margin per period for the residual value.

        Parameters
        ----------
        discount_rate : float
            ``d >= 0`` per period. With ``d = 0`` the sum is finite only for
            ``alpha > 1`` (else ``inf``).
        renewals : int or array of int, >= 0

        Returns
        -------
        float or numpy.ndarray
        """
        self.check_fitted()
        d = _discount(discount_rate)
        n = _periods(renewals, "renewals", minimum=0) + 1.0
        a, b = self.alpha_, self.beta_
        head = (b + n - 1.0) / (a + b + n - 1.0)
        out = head * _hyp2f1_unit(b + n, a + b + n, 1.0 / (1.0 + d))
        return float(out) if np.ndim(out) == 0 else out

    def del_(self, discount_rate: float) -> float:
        r"""Discounted expected lifetime of a just-acquired customer (Fader & Hardie 2010).

        .. math::

            \mathrm{DEL} = {}_2F_1\!\left(1, \beta; \alpha + \beta; \tfrac{1}{1 + d}\right)
            = \sum_{t \ge 0} S(t) (1 + d)^{-t},

        counting the first payment at ``t = 0`` undiscounted. With ``d = 0`` it
        is the expected lifetime ``(alpha + beta - 1) / (alpha - 1)`` when
        ``alpha > 1`` (else ``inf``).
        """
        self.check_fitted()
        d = _discount(discount_rate)
        a, b = self.alpha_, self.beta_
        return float(_hyp2f1_unit(b, a + b, 1.0 / (1.0 + d)))

    # ------------------------------------------------------------------ misc
    def _fit_description(self) -> str:
        params = f"alpha={self.alpha_:.3f}, beta={self.beta_:.3f}"
        if not self.n_cohorts_:
            return f"{params}, given (not fitted to data)"
        k = self.n_cohorts_
        return (f"{params}, fitted on {k} cohort{'s' if k != 1 else ''} of "
                f"{_count(self.n_customers_)} customers")


# --------------------------------------------------------------------------- helpers
def _count(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.6g}"


def _percent(level: float) -> str:
    return f"{100 * level:g}%"


def _periods(t: Any, name: str, minimum: int) -> np.ndarray:
    """Integer-valued periods >= minimum, as a float array (0-d for a scalar)."""
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer or an array of integers, got {t!r}") from None
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise ValueError(f"{name} must be whole numbers of periods, got {t!r}")
    if arr.size and np.any(arr < minimum):
        raise ValueError(f"{name} must be >= {minimum}, got {t!r}")
    return arr


def _discount(discount_rate: float) -> float:
    d = float(discount_rate)
    if not (d >= 0 and math.isfinite(d)):
        raise ValueError(f"discount_rate must be a finite number >= 0, got {discount_rate}")
    return d


def _hyp2f1_unit(b: Any, c: Any, z: float) -> Any:
    r"""Gauss' :math:`{}_2F_1(1, b; c; z)` for ``0 < b < c`` and ``0 < z <= 1``, elementwise.

    With first parameter 1 the series is :math:`\sum_{j \ge 0} z^j (b)_j / (c)_j`,
    all terms positive, each term ``z (b + j) / (c + j)`` times the one before.
    It is summed directly (in log space, in blocks) until the tail bound
    ``term / (1 - z)`` falls below ``1e-17`` of the sum, so the relative error
    stays near machine precision. ``scipy.special.hyp2f1`` is not used: in
    scipy 1.17 it returns NaN when the parameters are integers such as
    ``(1, 160; 200; 1/1.05)`` (alpha = 40, beta = 160) and loses digits nearby
    (relative error 1.6e-5 at ``(1, 160; 165; 1/1.1)``). At ``z = 1`` (no
    discounting) the sum is :math:`(c - 1)/(c - b - 1)` when ``c - b > 1``,
    else infinite.
    """
    bb, cc = np.broadcast_arrays(np.asarray(b, dtype=float), np.asarray(c, dtype=float))
    out = np.empty(bb.shape, dtype=float)
    for idx in np.ndindex(bb.shape):
        out[idx] = _hyp2f1_unit_scalar(float(bb[idx]), float(cc[idx]), z)
    return out if out.ndim else out[()]


def _hyp2f1_unit_scalar(b: float, c: float, z: float) -> float:
    if z >= 1.0:
        return (c - 1.0) / (c - b - 1.0) if c - b > 1.0 else math.inf
    log_z = math.log(z)
    # Block size: about the number of terms the geometric factor z^j needs.
    block = int(min(1 << 20, max(256, 40.0 / -log_z + 64)))
    total, log_term, start = 0.0, 0.0, 0
    while True:
        j = np.arange(start, start + block, dtype=float)
        log_ratio = np.log((b + j) / (c + j)) + log_z  # log(term_{j+1} / term_j)
        logs = log_term + np.concatenate(([0.0], np.cumsum(log_ratio[:-1])))
        total += float(np.exp(logs).sum())
        log_term = float(logs[-1] + log_ratio[-1])
        if math.exp(log_term) / (1.0 - z) <= 1e-17 * total:
            return total
        start += block
