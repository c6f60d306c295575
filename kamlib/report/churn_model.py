"""The churn-model part of a bundle: the model, its checks, survival curves and cohorts.

:func:`model_frames` takes the quarter's fitted churn model
(:attr:`kamlib.kpis.compute.KpiPeriod.survival`) and computes what the CLV and churn page
shows about it: the CLV frame, the hazard ratios, the proportional-hazards check, the
one-year backtest, Kaplan-Meier curves by segment and by year won, and the retention of
acquisition cohorts with their shifted-beta-geometric fit. Without a model only the
reason is kept. :func:`recent_cohorts`, :func:`ph_verdicts` and :func:`factor_labels`
shape the stored frames for the page.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.errors import KamError
from kamlib.models import clv, diagnostics, survival
from kamlib.panels.coverage import first_interaction
from kamlib.periods import Quarter
from kamlib.plots.survival import covariate_label
from kamlib.report.facts import BacktestFacts, CohortModelFacts, LifetimeFacts, ModelFacts

__all__ = ["PH_ALPHA", "RECENT_COHORTS", "factor_labels", "model_frames", "ph_verdicts",
           "recent_cohorts"]

#: a proportional-hazards p-value below this says the factor's effect may change with
#: tenure
PH_ALPHA = 0.05
#: the years won shown on the page: the latest ones followed for at least a year
RECENT_COHORTS = 5


def model_frames(data, quarter: Quarter, settings: Settings, p,
                 step: Callable[[str], None]
                 ) -> tuple[dict[str, pd.DataFrame], ModelFacts, BacktestFacts, CohortModelFacts,
                            LifetimeFacts]:
    """The churn model's frames and facts for ``quarter``.

    Parameters
    ----------
    data : the validated data.
    p : the quarter's :class:`kamlib.kpis.compute.KpiPeriod`; its ``survival`` is the model.
    step : told when the backtest starts (it takes a while).

    Returns
    -------
    The frames (``clv``, ``model_summary`` indexed by covariate, ``ph_check``,
    ``backtest`` (its predictions), ``km_segment``, ``km_cohort``, ``cohorts``,
    ``cohort_fit``; those there are), the model's facts, the backtest's scores (or why
    there is none), the cohort model (empty with no cohort to fit) and the churn of the
    last 12 months. Without a model: no frame, the reason in ``ModelFacts.error`` and
    empty results.
    """

    fit = p.survival
    frames: dict[str, pd.DataFrame] = {}
    if not fit.fitted:
        return (frames, ModelFacts(error=fit.error or "no model"), BacktestFacts(),
                CohortModelFacts(), LifetimeFacts())
    model, panel = fit.model, fit.panel
    frames["clv"] = fit.clv
    frames["model_summary"] = model.summary
    frames["ph_check"] = model.ph_check(panel)
    ref = panel.attrs.get("reference_segment")
    facts = ModelFacts(choice=model.choice_, concordance=model.concordance_, rows=len(panel),
                       events=int(panel.event.sum()), reference_segment=ref,
                       factor_labels=factor_labels(model.summary.index, ref))
    step("backtest")
    try:
        bt = diagnostics.backtest(data, quarter, settings)
        frames["backtest"] = bt.pop("predictions")
        scores = BacktestFacts(**bt)
    # too little history for a backtest (no model to fit, or no churn to score: lifelines'
    # concordance index then divides by zero): say so
    except (KamError, ValueError, ZeroDivisionError) as exc:
        scores = BacktestFacts(error=str(exc))
    spells = survival.spells_for_km(data, quarter, settings)
    frames["km_segment"] = survival.km_by(spells, "segment", settings.confidence_level)
    frames["km_cohort"] = survival.km_by(spells, "cohort", settings.confidence_level)
    cohort_model, fit_frame = _cohort_model(data, quarter, settings, p, frames)
    if fit_frame is not None:
        frames["cohort_fit"] = fit_frame
    annual = clv.trailing_churn_rate(p.state.spells, quarter)
    lifetime = LifetimeFacts(annual_churn=annual,
                             simple_lifetime_years=1 / annual if annual else None)
    return frames, facts, scores, cohort_model, lifetime


def _cohort_model(data, quarter: Quarter, settings: Settings, p,
                  frames: dict[str, pd.DataFrame]) -> tuple[CohortModelFacts, pd.DataFrame | None]:
    """Retention of each year's new customers (``frames["cohorts"]``) and its sBG fit."""

    # cohorts acquired before the first recorded interaction miss their early churners
    d0 = pd.Timestamp(first_interaction(data))
    surv = survival.cohort_survivors(p.state.spells, quarter.end,
                                     first_year=int(d0.year) if not pd.isna(d0) else None)
    frames["cohorts"] = survival.cohort_table(surv)
    if not surv:
        return CohortModelFacts(), None
    try:
        sbg = survival.ShiftedBetaGeometric().fit(list(surv.values()))
    except ValueError as exc:
        return CohortModelFacts(error=str(exc)), None
    years = np.arange(0, settings.horizon_years + 1)
    seen = max(len(v) for v in surv.values()) - 1
    fit = pd.DataFrame({"year": years, "share": sbg.survival_function(years),
                        "observed": years <= seen})
    return CohortModelFacts(alpha=sbg.alpha_, beta=sbg.beta_,
                            first_renewal_churn=sbg.alpha_ / (sbg.alpha_ + sbg.beta_),
                            discounted_lifetime=sbg.del_(settings.discount_rate)), fit


def recent_cohorts(km_cohort: pd.DataFrame | None, years: int = RECENT_COHORTS,
                   min_followed: float = 1.0) -> pd.DataFrame | None:
    """The Kaplan-Meier curves of the latest ``years`` years won whose customers can be
    followed for at least ``min_followed`` years.

    >>> km = pd.DataFrame({"group": ["2024", "2024", "2025", "2026"],
    ...                    "time": [0.0, 1.5, 1.0, 0.5]})
    >>> sorted(recent_cohorts(km).group.unique())
    ['2024', '2025']
    """
    if km_cohort is None or len(km_cohort) == 0:
        return km_cohort
    followed = km_cohort.groupby("group").time.max()
    recent = sorted(followed[followed >= min_followed].index)[-years:]
    return km_cohort[km_cohort.group.isin(recent)]


def factor_labels(covariates, reference_segment: str | None) -> dict[str, str]:
    """The page's name of each covariate of the churn model (segments named against the
    reference segment).

    >>> factor_labels(["gap_30d", "segment_key"], "mid_market")["segment_key"]
    'Segment Key vs Mid market'
    """

    return {c: covariate_label(c, reference_segment) for c in covariates}


def ph_verdicts(ph: pd.DataFrame | None, labels: dict[str, str]) -> pd.DataFrame | None:
    """The proportional-hazards check with each factor's name (``labels``, see
    :func:`factor_labels`) and a verdict: "may change over time" when p <
    :data:`PH_ALPHA`, else "no sign of change".

    >>> ph = pd.DataFrame({"covariate": ["gap_30d"], "statistic": [5.1], "p": [0.02]})
    >>> ph_verdicts(ph, factor_labels(ph.covariate, None)).verdict.tolist()
    ['may change over time']
    """
    if ph is None or len(ph) == 0:
        return ph
    return ph.assign(factor=[labels.get(c, c) for c in ph.covariate],
                     verdict=["may change over time" if p < PH_ALPHA else "no sign of change"
                              for p in ph.p])
