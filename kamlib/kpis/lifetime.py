"""The quarter's churn model and lifetime value, fitted once and handed on explicitly.

:func:`fit_survival` fits the Cox churn model of :mod:`kamlib.models.survival` at the
quarter's end, predicts each current account's churn risk and computes its lifetime
value (:mod:`kamlib.models.clv`). The survival KPIs
(:func:`kamlib.kpis.compute.survival_kpis`) are written from the result, and the
report's bundle stores the model's summary, its checks and the CLV frame from the
same result: :attr:`kamlib.kpis.compute.KpiPeriod.survival` holds it, so the model is
fitted once per quarter.

When the data cannot support the model (no churn yet, a constant covariate, ...)
the result carries the reason in ``error`` instead:

>>> SurvivalFit(error="no events").fitted
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from kamlib.models import clv, survival
from kamlib.models.cox import ModelInputError

if TYPE_CHECKING:
    from kamlib.kpis.compute import KpiPeriod

__all__ = ["SurvivalFit", "fit_survival"]


@dataclass(frozen=True)
class SurvivalFit:
    """The churn model of a quarter and what it predicts, or why there is none.

    Attributes
    ----------
    model : the fitted :class:`kamlib.models.cox.ChurnModel`; None without a model.
    panel : (a property) the customer-quarter panel it was fitted on, a copy made on
        each use from the model's cache (:func:`kamlib.models.survival.fit_churn_model`),
        so the quarter and the previous one do not each hold one more (40 MB at
        20,000 accounts); None without a model.
    risk : per current account, the churn probabilities and survival ``s_1 .. s_H``
        (:func:`kamlib.models.survival.predict_risk`).
    clv : per current account: margin, CLV with its interval (``clv_low``,
        ``clv_high``: the hazard ratios' uncertainty, :func:`kamlib.models.clv.clv_interval`),
        value at risk, churn risks, segment and the KAM credited for the quarter.
    error : why there is no model ("" when there is one).
    fitted_for : the (data, quarter, settings) the model was fitted for, which
        ``panel`` asks the cache with.
    """

    model: Any = None
    risk: pd.DataFrame | None = None
    clv: pd.DataFrame | None = None
    error: str = ""
    fitted_for: tuple | None = None

    @property
    def panel(self) -> pd.DataFrame | None:
        """The panel the model was fitted on (a copy), or None without a model."""
        if self.fitted_for is None:
            return None
        return survival.fit_churn_model(*self.fitted_for)[1]

    @property
    def fitted(self) -> bool:
        """True when there is a model (and so a CLV frame)."""
        return self.model is not None


def fit_survival(p: KpiPeriod) -> SurvivalFit:
    """Fit the churn model at the end of ``p.quarter`` and value every current account.

    Parameters
    ----------
    p : the quarter's shared context; its settings give the horizon, the discount
        rate and the margin rate.

    Returns
    -------
    A :class:`SurvivalFit`; when the data cannot support the model, one with only
    ``error`` set (the survival KPIs then say "no data").
    """

    s = p.settings
    try:
        model, panel = survival.fit_churn_model(p.data, p.quarter, s)
    except ModelInputError as exc:  # e.g. no churn yet
        return SurvivalFit(error=str(exc))
    snap = survival.align(survival.snapshot(p.data, p.quarter, s), panel)
    days = (p.quarter.next().end - p.quarter.end).days
    risk = survival.predict_risk(model, snap, quarter_days=days, horizon_years=s.horizon_years)
    f = clv.account_clv(p.data, p.quarter, s, risk)
    # each account's CLV interval: the hazard ratios' uncertainty carried through
    # (the draws a block of accounts at a time: memory bounded whatever the book's size)
    coefficients = model.coefficient_draws(s.bootstrap_draws, s.seed)
    f["clv_low"], f["clv_high"] = clv.model_clv_interval(
        model, snap, "tenure", f.margin.to_numpy(), coefficients, s.discount_rate,
        s.horizon_years, s.confidence_level)
    f = f.drop(columns=["segment"]).merge(
        p.attribution[["account_id", "segment", "kam_id"]], on="account_id", how="left")
    return SurvivalFit(model=model, risk=risk, clv=f, fitted_for=(p.data, p.quarter, s))
