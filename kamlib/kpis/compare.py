"""Fair comparison of KAMs: funnel plots and empirical-Bayes shrinkage, never bare ranks.

A KAM with 9 accounts who loses 2 is not proven worse than one with 40 who
loses 5. :func:`compare_kams` turns a rate KPI of the long table into

* a funnel table: each KAM's rate against its denominator, with 95 % and 99.8 %
  limits around the company rate, widened when the KAMs vary more than chance
  allows (over-dispersion), and a flag only for KAMs outside the limits;
* shrunken rates: each KAM's rate pulled toward the company rate in proportion to
  how little data it rests on (beta-binomial empirical Bayes), with an interval
  that also carries the uncertainty of the company rate and of how much KAMs
  truly differ (see :func:`kamlib.stats.comparison.shrink`), and the probability that the
  KAM truly ranks in the top 25 % of the managers.

One quarter of churn per KAM (ten customers, a few percent churn) holds about a
third of an event: too little to compare anybody. :func:`trailing_counts`
therefore pools the last four quarters per KAM (customer-quarters at risk and
the events in them); the report compares KAMs on that table.

>>> import pandas as pd
>>> t = pd.DataFrame({"kpi": "logo_churn_rate", "grain": "kam", "group": ["a", "b", "c", "d"],
...                   "period": "2026Q3", "value": [0.0, 0.1, 0.2, 0.05],
...                   "low": 0, "high": 1, "n": [10, 20, 10, 40]})
>>> c = compare_kams(t, "logo_churn_rate", higher_is_better=False, draws=200)
>>> list(c.funnel.columns[:5])
['group', 'n', 'k', 'rate', 'z']
>>> round(float(c.shrunk.p_top_quartile.sum()), 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.kpis.grains import positions
from kamlib.panels.period import Period
from kamlib.periods import Quarter, as_quarter
from kamlib.stats import comparison
from kamlib.stats.intervals import level_name, wilson

__all__ = ["TRAILING_KPIS", "TRAILING_QUARTERS", "KamComparison", "compare_kams",
           "trailing_counts", "trailing_window", "window_label"]

TRAILING_QUARTERS = 4
"""Quarters pooled per KAM by :func:`trailing_counts`."""

TRAILING_KPIS = ("logo_churn_rate", "upsell_rate")
"""The rate KPIs :func:`trailing_counts` pools."""


@dataclass
class KamComparison:
    """The funnel table, the limit curves for plotting and the shrunken rates."""

    kpi: str
    target: float
    funnel: pd.DataFrame
    limits: pd.DataFrame
    shrunk: pd.DataFrame
    dispersion: dict | None  # comparison.Overdispersion.to_dict()


def compare_kams(kpis: pd.DataFrame, kpi: str, higher_is_better: bool = True,
                 period: str | None = None, draws: int = 4000, seed: int = 0) -> KamComparison:
    """Funnel table and shrinkage for one rate KPI at KAM grain of the long table.

    ``kpis`` is the long KPI table or the trailing table of :func:`trailing_counts`.
    Counts are its ``k`` column when there is one, else ``round(value * n)`` (exact for
    Wilson-rate KPIs). ``seed`` seeds the draws of P(top quartile): pass
    ``Settings.seed``.
    """
    if not {"kpi", "grain", "group", "value", "n"} <= set(kpis.columns):
        empty = pd.DataFrame()
        return KamComparison(kpi, float("nan"), empty, empty, empty, None)
    t = kpis[(kpis.kpi == kpi) & (kpis.grain == "kam")]
    if period is not None:
        t = t[t.period == period]
    t = t[t.n > 0].dropna(subset=["value"])
    if "k" in t.columns:
        k = t.k.to_numpy(float).round().astype(int)
    else:
        k = np.round(t.value.to_numpy(float) * t.n.to_numpy(float)).astype(int)
    n = t.n.to_numpy(int)
    groups = t.group.astype(str).to_numpy()
    company = kpis[(kpis.kpi == kpi) & (kpis.grain == "company")]
    if period is not None:
        company = company[company.period == period]
    target = float(company.value.iloc[0]) if len(company) else (k.sum() / max(n.sum(), 1))
    if len(t) == 0:
        empty = pd.DataFrame()
        return KamComparison(kpi, target, empty, empty, empty, None)
    funnel = comparison.funnel_table(k, n, groups, p0=target)
    disp = funnel.attrs.get("overdispersion")
    phi = float(funnel.phi.iloc[0]) if len(funnel) else 1.0
    grid = np.unique(np.r_[np.linspace(1, max(n.max() * 1.1, 2), 200), n]).astype(float)
    limits = pd.DataFrame({"n": grid})
    for level in (0.95, 0.998):
        lo, hi = comparison.funnel_limits(target, grid, level, phi=phi)
        name = level_name(level)
        limits[f"low_{name}"], limits[f"high_{name}"] = lo, hi
    shrunk = comparison.shrink(k, n, groups, higher_is_better=higher_is_better, draws=draws,
                          seed=seed)
    return KamComparison(kpi, target, funnel, limits, shrunk, disp)


def trailing_window(quarter: Quarter | str, first: Quarter | None = None,
                    quarters: int = TRAILING_QUARTERS) -> list[Quarter]:
    """The ``quarters`` quarters up to ``quarter`` (those from ``first`` on).

    >>> [str(q) for q in trailing_window("2026Q3")]
    ['2025Q4', '2026Q1', '2026Q2', '2026Q3']
    """
    quarter = as_quarter(quarter)
    return [q for q in Quarter.span(quarter.shift(-(quarters - 1)), quarter)
            if first is None or not q < first]


def window_label(window: list[Quarter]) -> str:
    """``"2025Q4–2026Q3"`` for a window of quarters (one quarter: its name)."""
    if not window:
        return ""
    return str(window[0]) if len(window) == 1 else f"{window[0]}–{window[-1]}"


def trailing_counts(data, quarter: Quarter | str, settings: Settings,
                    first: Quarter | None = None,
                    quarters: int = TRAILING_QUARTERS, periods: dict | None = None
                    ) -> pd.DataFrame:
    """Per KAM and for the company, the rate KPIs of :data:`TRAILING_KPIS` pooled over
    the trailing quarters, as a long table that :func:`compare_kams` reads.

    For each quarter of :func:`trailing_window` the denominator is the customers at
    the quarter's start and the events are those of that quarter, exactly as the
    quarterly KPI (``logo_churn_rate``: churns that became known in the quarter;
    ``upsell_rate``: customers with an upsell invoiced in it), credited to the KAM
    who owned the account at the quarter's start. Customer-quarters (``n``) and
    events (``k``) are then summed over the quarters, so a customer present all
    year counts four times. ``value`` is ``k / n`` with its Wilson interval;
    ``period`` is the window's label (``"2025Q4–2026Q3"``) and ``quarters`` the
    number of quarters pooled. ``periods`` maps quarters to already built
    :class:`kamlib.panels.period.Period` objects to reuse.
    """
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    window = trailing_window(quarter, first, quarters)
    label = window_label(window)
    parts = []
    for q in window:
        p = (periods or {}).get(q) or Period(data, q, settings)
        f = p.accounts[p.accounts.customer_start]
        f = f.merge(p.invoices[["account_id", "n_upsell"]], on="account_id", how="left")
        parts.append(pd.DataFrame({
            "kam_id": f.kam_id.to_numpy(),
            "logo_churn_rate": f.churned.astype(int).to_numpy(),
            "upsell_rate": (f.n_upsell.fillna(0) > 0).astype(int).to_numpy(),
        }))
    cols = ["kpi", "grain", "group", "period", "value", "low", "high", "n", "k", "quarters"]
    if not parts:
        return pd.DataFrame(columns=cols)
    pooled = pd.concat(parts, ignore_index=True)
    rows = []
    for kpi in TRAILING_KPIS:
        events = pooled[kpi].to_numpy()
        for grain, group, i in positions(pooled, ("company", "kam")):
            k, n = int(events[i].sum()), int(len(i))
            e = wilson(k, n, settings.confidence_level)
            rows.append({"kpi": kpi, "grain": grain, "group": group, "period": label,
                         "value": e.value, "low": e.low, "high": e.high, "n": n, "k": k,
                         "quarters": len(window)})
    return pd.DataFrame(rows, columns=cols)
