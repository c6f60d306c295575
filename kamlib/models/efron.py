"""The Cox partial likelihood of counting-process rows, with each risk set found once.

The churn model's panel has one row per account and quarter: a row is at risk at
tenure ``t`` when ``entry < t <= stop``. lifelines (``CoxPHFitter`` with an
``entry_col``) works out the Efron log-likelihood, its gradient and its Hessian by
``CoxTimeVaryingFitter._get_gradients``, which, at every Newton step and for every
distinct churn time, compares all rows with ``t`` and copies the rows at risk by
that mask. The risk sets do not depend on the coefficients, so
:func:`risk_sets` finds them once per fit, as row numbers, and
:func:`efron_gradients` takes the rows by those numbers. Everything else is lifelines'
computation, step by step and in the same order, so the results are the same to the
last bit (at 20,000 accounts, 264,000 rows and 510 churn times, a step takes 0.26 s
instead of 0.79 s).

:class:`CoxPHFitter` is lifelines' fitter using it (through its Breslow-baseline model,
:class:`SemiParametricPHFitter`): same arguments, same results.
(This module imports lifelines; :mod:`kamlib.models.cox` imports it when it fits.)

>>> import numpy as np
>>> from lifelines import CoxTimeVaryingFitter
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(200, 2)); entry = rng.integers(0, 5, 200).astype(float)
>>> stop = entry + rng.integers(1, 6, 200); event = rng.random(200) < 0.3
>>> args = (x, event, entry, stop, np.ones(200), np.array([0.2, -0.1]))
>>> ours = efron_gradients(*args, sets=risk_sets(event, entry, stop))
>>> theirs = CoxTimeVaryingFitter._get_gradients(*args)
>>> all(np.array_equal(a, b) for a, b in zip(ours, theirs))
True
"""

from __future__ import annotations

import numpy as np
from lifelines import utils
from lifelines.fitters import coxph_fitter

__all__ = ["CoxPHFitter", "SemiParametricPHFitter", "efron_gradients", "risk_sets"]


def risk_sets(events: np.ndarray, start: np.ndarray, stop: np.ndarray
              ) -> list[tuple[float, np.ndarray]]:
    """Each distinct event time ``t`` (ascending) with the row numbers (ascending) of
    the rows at risk then: ``start < t <= stop``.

    >>> risk_sets(np.array([True, False, True]), np.array([0., 0, 3]), np.array([3., 4, 5]))
    [(3.0, array([0, 1])), (5.0, array([2]))]
    """
    return [(float(t), np.flatnonzero((start < t) & (t <= stop)))
            for t in np.unique(stop[events])]


def efron_gradients(X: np.ndarray, events: np.ndarray, start: np.ndarray, stop: np.ndarray,
                    weights: np.ndarray, beta: np.ndarray,
                    sets: list[tuple[float, np.ndarray]] | None = None):
    """The Hessian, gradient and log-likelihood of the Efron partial likelihood at
    ``beta``: ``CoxTimeVaryingFitter._get_gradients`` of lifelines 0.30, with the risk
    sets given (:func:`risk_sets` of ``events``, ``start``, ``stop``) instead of found
    again. Returns ``(hessian, gradient, log_lik)``."""
    if sets is None:
        sets = risk_sets(events, start, stop)
    _, d = X.shape
    hessian = np.zeros((d, d))
    gradient = np.zeros(d)
    log_lik = 0
    for t, ix in sets:
        X_at_t = X[ix]  # the rows of the mask, in the same order
        weights_at_t = weights[ix]
        stops_events_at_t = stop[ix]
        events_at_t = events[ix]

        phi_i = weights_at_t * np.exp(np.dot(X_at_t, beta))
        phi_x_i = phi_i[:, None] * X_at_t
        phi_x_x_i = np.dot(X_at_t.T, phi_x_i)

        risk_phi = np.sum(phi_i)
        risk_phi_x = phi_x_i.sum(0)
        risk_phi_x_x = phi_x_x_i

        deaths = events_at_t & (stops_events_at_t == t)
        tied_death_counts = np.sum(deaths.astype(int))
        xi_deaths = X_at_t[deaths]
        x_death_sum = (weights_at_t[deaths, None] * xi_deaths).sum(0)
        weight_count = np.sum(weights_at_t[deaths])
        weighted_average = weight_count / tied_death_counts

        if tied_death_counts > 1:  # Efron's handling of ties
            tie_phi = np.sum(phi_i[deaths])
            tie_phi_x = phi_x_i[deaths].sum(0)
            tie_phi_x_x = np.dot(xi_deaths.T, phi_i[deaths, None] * xi_deaths)
            increasing_proportion = np.arange(tied_death_counts) / tied_death_counts
            denom = 1.0 / (risk_phi - increasing_proportion * tie_phi)
            numer = risk_phi_x - np.outer(increasing_proportion, tie_phi_x)
            a1 = np.einsum("ab, i->ab", risk_phi_x_x, denom) - np.einsum(
                "ab, i->ab", tie_phi_x_x, increasing_proportion * denom)
        else:
            denom = 1.0 / np.array([risk_phi])
            numer = risk_phi_x
            a1 = risk_phi_x_x * denom

        summand = numer * denom[:, None]
        a2 = summand.T.dot(summand)
        gradient = gradient + x_death_sum - weighted_average * summand.sum(0)
        log_lik = log_lik + np.dot(x_death_sum, beta) + weighted_average * np.log(denom).sum()
        hessian = hessian + weighted_average * (a2 - a1)
    return hessian, gradient, log_lik


class SemiParametricPHFitter(coxph_fitter.SemiParametricPHFitter):
    """The model behind lifelines' ``CoxPHFitter`` (Breslow baseline); with an entry
    column, its Newton steps use :func:`efron_gradients` with the risk sets found once."""

    def _choose_gradient_calculator(self, T, X, entries):
        if entries is None:
            return super()._choose_gradient_calculator(T, X, entries)
        seen: list = []  # (start, stop, events, risk sets) of the rows last asked about

        def gradients(X, T, E, weights, entries, beta):
            start, stop, events = entries.values, T.values, E.values
            if not (seen and all(np.array_equal(a, b) for a, b in
                                 zip(seen[:3], (start, stop, events), strict=True))):
                seen[:] = [start.copy(), stop.copy(), events.copy(),
                           risk_sets(events, start, stop)]
            return efron_gradients(X.values, events, start, stop, weights.values, beta,
                                   sets=seen[3])

        return gradients


class CoxPHFitter(coxph_fitter.CoxPHFitter):
    """lifelines' ``CoxPHFitter``, fitting its Breslow-baseline model with
    :class:`SemiParametricPHFitter` (lifelines' ``_fit_model_breslow`` with that class)."""

    def _fit_model_breslow(self, *args, **kwargs):
        if not utils.CensoringType.is_right_censoring(self):  # as lifelines says it
            return super()._fit_model_breslow(*args, **kwargs)
        model = SemiParametricPHFitter(penalizer=self.penalizer, l1_ratio=self.l1_ratio,
                                       strata=self.strata, alpha=self.alpha,
                                       label=self._label)
        model.fit(*args, **kwargs)
        return model
