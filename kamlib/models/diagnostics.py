"""Checks of the churn model that every report shows.

* **Concordance**: how well the risk ranks who churns first (0.5 = chance).
* **Calibration at one year**: predicted against observed one-year churn, smoothed
  (Austin, Harrell & van Klaveren 2020, via lifelines'
  ``survival_probability_calibration``): ICI is the mean absolute gap, E50 the median.
* **Proportional hazards**: scaled Schoenfeld residual tests per covariate.
* **Backtest**: fit with data up to four quarters before ``as_of``, predict churn in
  the next four quarters for every account alive then, and compare with what
  happened, next to a naive baseline (the segment's Kaplan-Meier curve). Reported:
  Brier score of both, and the lift of the top risk decile; the accounts in risk bins
  with their observed churn (:func:`calibration_bins`).
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.errors import InsufficientHistory, ModelInputError
from kamlib.models import survival
from kamlib.panels.quarter import spells_as_of
from kamlib.periods import Quarter, as_quarter
from kamlib.stats.intervals import wilson

__all__ = ["CALIBRATION_COLUMNS", "TRUTH_COVARIATES", "backtest", "brier", "calibration", "calibration_bins",
           "segment_km_baseline", "top_decile_lift", "truth_coverage"]


def _outcomes(data, start: Quarter, settings: Settings, until: Quarter,
              accounts: pd.Series) -> pd.DataFrame:
    """For accounts alive at ``start.end``: days to churn (event time = last end_on)
    within the following year, as known at ``until.end``."""
    sp = spells_as_of(data, until.end, settings.grace_days)
    t0 = pd.Timestamp(start.end)
    cur = sp[(sp.start_on <= t0) & (sp.last_day >= t0)]
    cur = cur.sort_values(["account_id", "spell"]).groupby("account_id").last()
    cur = cur.reindex(accounts)
    days = (cur.end_on - t0).dt.days
    horizon = (pd.Timestamp(until.end) - t0).days
    event = cur.churned.fillna(False).astype(bool) & (days <= horizon)
    return pd.DataFrame({"account_id": accounts.to_numpy(),
                         "days": np.where(event, days.clip(lower=1), horizon).astype(float),
                         "event": event.astype(int).to_numpy()})


def segment_km_baseline(data, quarter: Quarter | str, settings: Settings,
                        snap: pd.DataFrame, horizon_days: float) -> np.ndarray:
    """P(churn within ``horizon_days`` | alive at tenure t) from each segment's
    Kaplan-Meier curve (with late entry), for the rows of ``snap``."""
    from lifelines import KaplanMeierFitter

    panel_spells = survival.spells_for_km(data, quarter, settings)  # takes a label too
    out = np.full(len(snap), np.nan)
    for seg, sub in panel_spells.groupby("segment"):
        km = KaplanMeierFitter().fit(sub.years * 365.25, sub.churned)
        rows = (snap.segment == seg).to_numpy()
        t = snap.tenure.to_numpy(float)[rows]
        s0 = km.survival_function_at_times(t).to_numpy()
        s1 = km.survival_function_at_times(t + horizon_days).to_numpy()
        out[rows] = 1 - np.where(s0 > 0, s1 / np.where(s0 > 0, s0, 1), 0)
    return out


class _Predictions:
    """Adapter giving lifelines' calibration function fixed predicted probabilities."""

    duration_col, event_col = "days", "event"
    _censoring_type = "RIGHT"

    def __init__(self, p_event: np.ndarray, t0: float):
        self.p, self.t0 = np.asarray(p_event, float), t0

    def predict_survival_function(self, df, times=None):
        return pd.DataFrame([1 - self.p[: len(df)]], index=[self.t0])


def calibration(p_event: np.ndarray, outcomes: pd.DataFrame, t0: float, ax=None) -> dict:
    """ICI and E50 of predicted ``P(T <= t0)`` against the outcomes (days, event)."""
    import matplotlib.pyplot as plt
    from lifelines.calibration import survival_probability_calibration
    from lifelines.utils import CensoringType

    # the spline fit is better conditioned on a unit time scale: measure in units of t0
    outcomes = outcomes.assign(days=outcomes["days"] / t0)
    t0 = 1.0
    model = _Predictions(p_event, t0)
    model._censoring_type = CensoringType.RIGHT
    own = ax is None
    if own:
        fig, ax = plt.subplots()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # lifelines prints ICI/E50; keep reports clean
        _, ici, e50 = survival_probability_calibration(model, outcomes.reset_index(drop=True),
                                                       t0=t0, ax=ax)
    if own:
        plt.close(fig)
    return {"ici": float(ici), "e50": float(e50)}


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def top_decile_lift(p: np.ndarray, y: np.ndarray) -> float:
    """Churn rate among the 10 % highest predicted risks / overall churn rate."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    if y.mean() == 0:
        return np.nan
    k = max(1, int(np.ceil(0.1 * len(p))))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean() / y.mean())


def backtest(data, quarter: Quarter | str, settings: Settings, lag_quarters: int = 4) -> dict:
    """Fit on data up to ``quarter - lag`` and score the next ``lag`` quarters.

    Raises :class:`~kamlib.errors.InsufficientHistory` (a
    :class:`~kamlib.errors.ModelInputError`) when the history cannot support it: no
    churn to fit on before the scored window, or too few accounts or churns in it to
    score (its message says why).
    """
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    try:
        return _backtest(data, quarter, settings, lag_quarters)
    except InsufficientHistory:
        raise
    except (ModelInputError, ValueError, ArithmeticError) as exc:  # e.g. no churn, no pairs
        raise InsufficientHistory(str(exc)) from exc


def _backtest(data, quarter: Quarter, settings: Settings, lag_quarters: int) -> dict:
    from lifelines.utils import concordance_index

    start = quarter.shift(-lag_quarters)
    model, panel = survival.fit_churn_model(data, start, settings)
    snap = survival.align(survival.snapshot(data, start, settings), panel)
    horizon = float((quarter.end - start.end).days)
    s = model.conditional_survival(snap, "tenure", np.array([horizon]))[:, 0]
    p_model = 1 - s
    out = _outcomes(data, start, settings, quarter, snap.account_id)
    p_km = segment_km_baseline(data, start, settings, snap, horizon)
    y = out.event.to_numpy()
    res = {
        "fit_until": str(start), "scored_until": str(quarter), "accounts": int(len(y)),
        "churned": int(y.sum()), "horizon_days": horizon,
        "brier_model": brier(p_model, y), "brier_km": brier(p_km, y),
        "lift_model": top_decile_lift(p_model, y), "lift_km": top_decile_lift(p_km, y),
        "concordance": float(concordance_index(out.days, -p_model, out.event)),
        "concordance_km": float(concordance_index(out.days, -p_km, out.event)),
    }
    res.update(calibration(p_model, out, horizon))
    res["predictions"] = pd.DataFrame({"account_id": snap.account_id, "p_model": p_model,
                                       "p_km": p_km, "churned": y})
    return res


CALIBRATION_COLUMNS = ["p", "k", "n", "observed", "low", "high"]


def calibration_bins(pred: pd.DataFrame, bins: int = 5, level: float = 0.95) -> pd.DataFrame:
    """The accounts of a backtest in ``bins`` risk groups of equal size: per group the
    mean predicted risk ``p``, the churned count ``k``, the accounts ``n``, the observed
    share ``observed`` (``k / n``) and its Wilson interval ``low``, ``high``.

    ``pred`` has columns ``p_model`` (predicted risk) and ``churned`` (0/1), as the
    backtest's ``predictions``. Accounts are binned by the rank of their risk (ties in
    row order), so the groups have equal counts whatever the ties.

    >>> pred = pd.DataFrame({"p_model": [0.1, 0.2, 0.3, 0.4], "churned": [0, 0, 1, 1]})
    >>> calibration_bins(pred, bins=2)[["p", "k", "n", "observed"]].values.tolist()
    [[0.15000000000000002, 0.0, 2.0, 0.0], [0.35, 2.0, 2.0, 1.0]]
    """
    if pred is None or len(pred) == 0:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    f = pred.copy()
    f["bin"] = pd.qcut(f.p_model.rank(method="first"), min(bins, len(f)), labels=False)
    g = f.groupby("bin").agg(p=("p_model", "mean"), k=("churned", "sum"),
                             n=("churned", "size"))
    est = [wilson(int(k), int(n), level) for k, n in zip(g.k, g.n, strict=True)]
    g["observed"] = [e.value for e in est]
    g["low"] = [e.low for e in est]
    g["high"] = [e.high for e in est]
    return g[CALIBRATION_COLUMNS]


# model column -> (truth.json key, truth's unit in the column's own units)
TRUTH_COVARIATES = {"recent_nps": ("recent_nps", 1.0), "gap_30d": ("max_gap_days", 1.0),
                    "kam_satisfaction": ("kam_satisfaction", 1.0),
                    "inbound_share": ("inbound_share", 0.1),
                    "sla_compliance": ("sla_compliance", 0.1),
                    "revenue_trend": ("revenue_trend", 0.1)}


def truth_coverage(model, panel: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Whether each churn-model interval covers the hazard ratio of a synthetic data set's
    ``truth.json`` (segments relative to the model's reference segment).

    One row per coefficient: ``coef`` (model column), ``truth``, ``hr``, ``low``,
    ``high`` (in truth's unit, e.g. per 10 percentage points for shares) and ``covered``.
    """
    hr = truth["churn"]["hazard_ratios"]
    s = model.summary
    rows = []
    for col, (key, unit) in TRUTH_COVARIATES.items():
        rows.append((col, hr[key]["hr"], *np.exp(unit * s.loc[col, ["coef", "coef lower 95%",
                                                                    "coef upper 95%"]])))
    ref = panel.attrs["reference_segment"]
    for seg, true in hr["segment"].items():
        if seg not in ("reference", ref):
            col = f"segment_{seg}"
            rows.append((col, true / hr["segment"][ref],
                         *np.exp(s.loc[col, ["coef", "coef lower 95%", "coef upper 95%"]])))
    out = pd.DataFrame(rows, columns=["coef", "truth", "hr", "low", "high"])
    out["covered"] = (out.low <= out.truth) & (out.truth <= out.high)
    return out
