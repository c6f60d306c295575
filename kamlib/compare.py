"""Fair comparison of KAMs: funnel plots and empirical-Bayes shrinkage, never bare ranks.

A KAM with 9 accounts who loses 2 is not proven worse than one with 40 who
loses 5. :func:`compare_kams` turns a rate KPI of the long table into

* a funnel table: each KAM's rate against its denominator, with 95 % and 99.8 %
  limits around the company rate, widened when the KAMs vary more than chance
  allows (over-dispersion), and a flag only for KAMs outside the limits;
* shrunken rates: each KAM's rate pulled toward the company rate in proportion to
  how little data it rests on (beta-binomial empirical Bayes), with the
  probability that the KAM is truly in the best quarter.

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

from kamlib import stats


@dataclass
class KamComparison:
    """The funnel table, the limit curves for plotting and the shrunken rates."""

    kpi: str
    target: float
    funnel: pd.DataFrame
    limits: pd.DataFrame
    shrunk: pd.DataFrame
    dispersion: dict | None  # stats.Overdispersion.to_dict()


def compare_kams(kpis: pd.DataFrame, kpi: str, higher_is_better: bool = True,
                 period: str | None = None, draws: int = 4000, seed: int = 0) -> KamComparison:
    """Funnel table and shrinkage for one rate KPI at KAM grain of the long table.

    Counts are recovered as ``round(value * n)``, exact for Wilson-rate KPIs.
    """
    t = kpis[(kpis.kpi == kpi) & (kpis.grain == "kam")]
    if period is not None:
        t = t[t.period == period]
    t = t[t.n > 0].dropna(subset=["value"])
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
    funnel = stats.funnel_table(k, n, groups, p0=target)
    disp = funnel.attrs.get("overdispersion")
    phi = float(funnel.phi.iloc[0]) if len(funnel) else 1.0
    grid = np.unique(np.r_[np.linspace(1, max(n.max() * 1.1, 2), 200), n]).astype(float)
    limits = pd.DataFrame({"n": grid})
    for level in (0.95, 0.998):
        lo, hi = stats.funnel_limits(target, grid, level, phi=phi)
        name = stats.level_name(level)
        limits[f"low_{name}"], limits[f"high_{name}"] = lo, hi
    shrunk = stats.shrink(k, n, groups, higher_is_better=higher_is_better, draws=draws,
                          seed=seed)
    return KamComparison(kpi, target, funnel, limits, shrunk, disp)
