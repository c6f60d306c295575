"""The team view: KAM satisfaction (eNPS) and its link with customer outcomes.

eNPS is reported per team and for the company (and per KAM in the KPI table),
with groups of fewer than ``min_group_size`` answers suppressed for anonymity; the
KPI rows and the team view share one computation (:func:`enps_answers` and
:func:`kamlib.kpis.grains.nps_rows`). Its association with the
KAM's customers' NPS and churn is a Spearman rank correlation across KAMs, with
a Fisher-z interval, over a window of quarters; with two dozen KAMs the interval
is wide, and the report says so.

>>> import pandas as pd
>>> f = pd.DataFrame({"kam_id": list("abcdef"), "satisfaction": [5, 6, 7, 8, 9, 10],
...                   "churned": [3, 2, 2, 1, 1, 0], "at_risk": [20] * 6})
>>> terciles(f).churn_rate.round(3).tolist()
[0.125, 0.075, 0.025]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import is_detractor, is_passive, is_promoter
from kamlib.kpis.grains import nps_rows
from kamlib.panels import quarter as panels
from kamlib.panels.period import Period
from kamlib.panels.surveys import answers_by_quarter, kam_satisfaction
from kamlib.periods import Quarter, as_quarter
from kamlib.stats import intervals as stats

__all__ = ["NO_TEAM", "association", "enps_answers", "enps_by_team", "kam_outcomes",
           "terciles"]


def kam_outcomes(data, quarters: Iterable[Quarter | str], settings: Settings) -> pd.DataFrame:
    """Per KAM, pooled over ``quarters``: customer-quarters at risk, churns, NPS counts,
    and the mean eNPS score of the KAM's own answers (``satisfaction``)."""
    quarters = [as_quarter(q, settings.fiscal_year_start_month) for q in quarters]
    rows = []
    for q in quarters:
        p = Period(data, q, settings)
        a = p.accounts[p.accounts.customer_start]
        churn = a.groupby("kam_id").agg(at_risk=("account_id", "size"),
                                        churned=("churned", "sum"))
        resp = p.attribute(panels.response_panels(data, [q])[q]).groupby("kam_id")[
            ["promoters", "passives", "detractors"]].sum()
        rows.append(churn.join(resp, how="outer").fillna(0))
    out = pd.concat(rows).groupby(level=0).sum()
    out.index.name = "kam_id"
    first, last = min(quarters), max(quarters)
    if data.has("employee_surveys"):
        e = kam_satisfaction(data, first.start, last.end)
        out = out.join(e.set_index("kam_id"), how="left")
    out = out.reset_index()
    total = out[["promoters", "passives", "detractors"]].sum(axis=1)
    out["customer_nps"] = np.where(total > 0, 100 * (out.promoters - out.detractors)
                                   / total.where(total > 0, 1), np.nan)
    out["churn_rate"] = out.churned / out.at_risk.where(out.at_risk > 0)
    return out


def association(outcomes: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Spearman correlation of KAM satisfaction with customer NPS and with churn."""
    rows = []
    for target in ("customer_nps", "churn_rate"):
        f = outcomes.dropna(subset=["satisfaction", target])
        est, p = stats.rank_correlation(f.satisfaction, f[target], level=level)
        rows.append({"outcome": target, "rho": est.value, "low": est.low, "high": est.high,
                     "p_value": p, "kams": est.n})
    return pd.DataFrame(rows)


def terciles(outcomes: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Pooled churn rate of the KAMs in each satisfaction tercile (low, mid, high)."""
    f = outcomes.dropna(subset=["satisfaction"]).copy()
    f["tercile"] = pd.qcut(f.satisfaction.rank(method="first"), 3, labels=["low", "mid", "high"])
    out = []
    for t, g in f.groupby("tercile", observed=True):
        e = stats.wilson(int(g.churned.sum()), int(g.at_risk.sum()), level)
        out.append({"tercile": t, "kams": len(g), "satisfaction": g.satisfaction.mean(),
                    "churn_rate": e.value, "low": e.low, "high": e.high, "n": e.n})
    return pd.DataFrame(out)


def enps_answers(data, quarter: Quarter | str) -> pd.DataFrame:
    """The eNPS answers of the period, one row per answer: ``response_id``, ``kam_id``,
    ``team`` (the KAM's team from ``account_managers``, NaN when none), ``score``,
    the dimensions present (``workload``, ``recognition``, ``growth``) and
    ``promoters``, ``passives``, ``detractors`` (0/1: scores 9-10, 7-8, 0-6)."""
    e = next(iter(answers_by_quarter(data, [quarter]).values()))  # batched panels
    kams = data.frame("account_managers")
    team = kams.set_index("kam_id")["team"] if "team" in kams else pd.Series(dtype=object)
    e["team"] = e.kam_id.map(team)
    e["promoters"] = is_promoter(e.score).astype(int)
    e["passives"] = is_passive(e.score).astype(int)
    e["detractors"] = is_detractor(e.score).astype(int)
    return e


NO_TEAM = "(no team)"


def enps_by_team(data, quarter: Quarter | str, min_group_size: int = 5,
                 level: float = 0.95) -> pd.DataFrame:
    """eNPS and dimension means per team and for the company; small groups suppressed.

    The eNPS, its interval and the suppression are those of the ``enps`` rows of the
    KPI table (:func:`kamlib.kpis.grains.nps_rows` on :func:`enps_answers`); answers of
    KAMs without a team form the group "(no team)".
    """
    quarter = as_quarter(quarter)
    e = enps_answers(data, quarter)
    e["team"] = e["team"].fillna(NO_TEAM)
    est = {(r["grain"], r["group"]): r
           for r in nps_rows("enps", str(quarter), e, grains=("company", "team"), level=level,
                             min_n=min_group_size)}
    out = []
    for team, g in [("company", e), *sorted(e.groupby("team"), key=lambda x: x[0])]:
        r = est[("company", "all") if team == "company" else ("team", str(team))]
        row = {"team": team, "answers": len(g)}
        if len(g) >= min_group_size:
            row.update(enps=r["value"], low=r["low"], high=r["high"],
                       **{d: g[d].mean() for d in ("workload", "recognition", "growth")
                          if d in g})
        else:
            row.update(enps=np.nan, low=np.nan, high=np.nan, suppressed=True)
        out.append(row)
    return pd.DataFrame(out)
