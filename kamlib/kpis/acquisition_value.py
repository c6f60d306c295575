"""Value by acquisition channel: mean CLV per channel, CAC, CLV:CAC and payback.

Definitions (docs/kpis.md, "Value by acquisition channel"; the window is the 365 days
up to the quarter's end, an account is *won* on the day its first contract starts):

``clv_by_channel``
    mean CLV (:mod:`kamlib.models.clv`) of the accounts alive at the quarter's end that
    the channel brought (``accounts.acquisition_channel``); the company row is the mean
    over every account alive.
``cac``
    acquisition costs incurred in the window / accounts won in the window. Per channel:
    the channel's cost rows and the accounts it won. Per KAM: the cost rows that carry
    the KAM's id / the accounts that KAM won (the KAM of the account's converted
    prospect, else the KAM credited for the quarter): the KAM's own cost per account
    won, not the channel's whole cost.
``clv_to_cac``
    value of an account won / ``cac``, where the value of an account won in the window
    is the gross margin it has invoiced so far plus its CLV at the quarter's end (0 when
    it is already lost): the whole relationship since it was won, so that a new account
    lost within the year counts at what it paid.
``payback_months``
    ``cac`` / the mean monthly gross margin of the accounts won: the annual value of
    their first contracts x their margin share (gross margin per amount invoiced, or
    ``margin_rate``) / 12. The contracted run rate, not the months invoiced so far,
    because invoices are billed ahead and a recent account's first invoices overstate it.

Intervals: bootstrap percentile (``bootstrap_draws``, ``seed``). ``clv_by_channel``
resamples accounts. The other three resample the window's cost rows (the total cost)
and the accounts won (their value and margin); the *number* of accounts won is drawn
as Poisson with the observed count, since resampling the accounts won leaves their
count unchanged. A group with no cost row or no account won is "no data" (NaN, n 0).

>>> import pandas as pd
>>> costs = pd.DataFrame({"cost_id": ["c1", "c2", "c3"], "channel": ["event"] * 3,
...                       "amount": [300.0, 100.0, 200.0], "kam_id": [None, "K1", "K1"]})
>>> won = pd.DataFrame({"account_id": ["A", "B"], "channel": ["event", "event"],
...                     "kam_id": ["K1", "K2"], "value": [1200.0, 600.0],
...                     "monthly_margin": [40.0, 20.0]})
>>> rows = cost_rows("2026Q3", costs, won, draws=50, seed=1)
>>> [(r["kpi"], r["grain"], r["group"], r["value"]) for r in rows if r["grain"] != "channel"]
... # doctest: +NORMALIZE_WHITESPACE
[('cac', 'company', 'all', 300.0), ('clv_to_cac', 'company', 'all', 3.0),
 ('payback_months', 'company', 'all', 10.0), ('cac', 'kam', 'K1', 300.0),
 ('clv_to_cac', 'kam', 'K1', 4.0), ('payback_months', 'kam', 'K1', 7.5)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib.kpis.grains import row
from kamlib.panels import acquisition_costs as panel
from kamlib.panels.money import realised_margin
from kamlib.stats import intervals as stats

if TYPE_CHECKING:
    from kamlib.panels.period import Period

__all__ = ["COST_IDS", "VALUE_IDS", "clv_by_channel_rows", "cost_rows", "inputs",
           "value_rows"]

COST_IDS = ("cac", "clv_to_cac", "payback_months")
VALUE_IDS = ("clv_by_channel", *COST_IDS)
"""The ids of this module, in registry order."""

_NONE = stats.Estimate(np.nan, np.nan, np.nan, 0)


def _interval(value: float, draws: np.ndarray, level: float) -> stats.Estimate:
    d = draws[np.isfinite(draws)]
    if not np.isfinite(value) or len(d) == 0:
        return stats.Estimate(value, np.nan, np.nan, 0)
    a = (1 - level) / 2
    lo, hi = np.quantile(d, [a, 1 - a])
    return stats.Estimate(value, float(min(lo, value)), float(max(hi, value)), 0)


def _group(costs: pd.DataFrame, won: pd.DataFrame, draws: int, seed: int,
           level: float) -> dict[str, stats.Estimate]:
    """cac, clv_to_cac and payback_months of one group (its cost rows and accounts won)."""
    m, n = len(costs), len(won)
    if m == 0 or n == 0:
        return dict.fromkeys(COST_IDS, _NONE)
    # a canonical order, so that the order of the input rows never changes the draws
    amounts = costs.sort_values("cost_id", kind="stable").amount.to_numpy(float)
    w = won.sort_values("account_id", kind="stable")
    value, margin = w.value.to_numpy(float), w.monthly_margin.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cac = amounts.sum() / n
        ratio = value.mean() / cac if cac > 0 else np.nan
        payback = cac / margin.mean() if margin.mean() > 0 else np.nan
    est = {"cac": stats.Estimate(float(cac), np.nan, np.nan, n),
           "clv_to_cac": stats.Estimate(float(ratio), np.nan, np.nan, n),
           "payback_months": stats.Estimate(float(payback), np.nan, np.nan, n)}
    if n < 2:  # one account won: no interval
        return est
    rng = np.random.default_rng(seed)
    total = amounts[rng.integers(0, m, size=(draws, m))].sum(axis=1)
    count = rng.poisson(n, size=draws).astype(float)
    idx = rng.integers(0, n, size=(draws, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        cac_b = np.where(count > 0, total / count, np.nan)
        ratio_b = np.where(cac_b > 0, value[idx].mean(axis=1) / cac_b, np.nan)
        mm = margin[idx].mean(axis=1)
        payback_b = np.where(mm > 0, cac_b / mm, np.nan)
    for kpi, d in (("cac", cac_b), ("clv_to_cac", ratio_b), ("payback_months", payback_b)):
        e = _interval(est[kpi].value, d, level)
        est[kpi] = stats.Estimate(e.value, e.low, e.high, n)
    return est


def cost_rows(label: str, costs: pd.DataFrame, won: pd.DataFrame, draws: int = 1000,
              seed: int = 0, level: float = 0.95) -> list[dict]:
    """``cac``, ``clv_to_cac`` and ``payback_months`` at the company, KAM and channel grains.

    Parameters
    ----------
    costs : the window's cost rows: cost_id, channel, amount, kam_id.
    won : the accounts won in the window: account_id, channel, kam_id, value (margin
        invoiced so far + CLV at the quarter's end; NaN without a churn model) and
        monthly_margin.

    KAM rows for every KAM named by a cost row; channel rows for every channel with a
    cost row or an account won (no data where one of the two is missing).
    """
    out: list[dict] = []
    groups = [("company", "all", costs, won)]
    for k in sorted(costs.kam_id.dropna().astype(str).unique()):
        groups.append(("kam", k, costs[costs.kam_id == k], won[won.kam_id == k]))
    for ch in sorted(set(costs.channel.dropna().astype(str)) | set(won.channel.dropna().astype(str))):
        groups.append(("channel", ch, costs[costs.channel == ch], won[won.channel == ch]))
    for grain, group, c, w in groups:
        est = _group(c, w, draws, seed, level)
        out += [row(kpi, grain, group, label, est[kpi]) for kpi in COST_IDS]
    return out


def clv_by_channel_rows(label: str, current: pd.DataFrame, draws: int = 1000, seed: int = 0,
                        level: float = 0.95) -> list[dict]:
    """Mean CLV of the accounts alive at the quarter's end, for the company and per
    acquisition channel, with a bootstrap interval over accounts.

    ``current``: account_id, channel and clv (NaN for all without a churn model: the
    rows then say "no data").

    >>> f = pd.DataFrame({"account_id": list("abc"), "channel": ["x", "x", None],
    ...                   "clv": [10.0, 30.0, 50.0]})
    >>> [(r["grain"], r["group"], r["value"], r["n"]) for r in clv_by_channel_rows("q", f)]
    [('company', 'all', 30.0, 3), ('channel', 'x', 20.0, 2)]
    """
    out = []
    f = current.sort_values("account_id", kind="stable")
    groups = [("company", "all", f)] + [("channel", str(ch), sub) for ch, sub in
                                        f.groupby("channel", sort=True, dropna=True)]
    for grain, group, sub in groups:
        x = sub.clv.to_numpy(float)
        if len(x) == 0 or np.isnan(x).any():
            est = _NONE
        elif len(x) == 1:
            est = stats.Estimate(float(x[0]), np.nan, np.nan, 1)
        else:
            b = stats.bootstrap(x, np.mean, draws=draws, seed=seed, level=level, vectorized=True)
            m = float(x.mean())
            est = stats.Estimate(m, float(min(b.low, m)), float(max(b.high, m)), len(x))
        out.append(row("clv_by_channel", grain, group, label, est))
    return out


def inputs(p: Period) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The window's cost rows, the accounts won in it (with their value and monthly
    margin) and the accounts alive at the quarter's end (with their CLV) of a period.

    The CLV comes from the period's churn model (``p.survival``, when the period has
    one and it could be fitted); without it, values and CLVs are NaN.
    """
    s, end = p.settings, p.quarter.end
    lo, hi = panel.window(end)
    costs = panel.costs_in(p.data, lo, hi)
    prospects = p.data.frame("prospects")[["account_id", "kam_id", "converted_on"]]
    accounts = p.attribution[["account_id", "acquisition_channel", "kam_id"]]
    share = panel.margin_share(p.data, end, s.margin_rate)
    won = panel.won_accounts(p.state.contracts, accounts, prospects, share, lo, hi,
                             s.margin_rate)
    fit = getattr(p, "survival", None)
    live = p.accounts[p.accounts.customer_end][["account_id"]]
    channel = accounts.set_index("account_id")["acquisition_channel"]
    current = live.assign(channel=live.account_id.map(channel))
    if fit is not None and fit.fitted:
        clv = fit.clv.set_index("account_id")["clv"]
        current["clv"] = current.account_id.map(clv).astype(float)
        realised = realised_margin(p.data, end, s.margin_rate)
        won["value"] = (won.account_id.map(realised).fillna(0.0)
                        + won.account_id.map(clv).fillna(0.0))
    else:
        current["clv"] = np.nan
        won["value"] = np.nan
    return costs, won, current.reset_index(drop=True)


def value_rows(p: Period) -> list[dict]:
    """Every row of :data:`VALUE_IDS` for a period (see the module's definitions)."""
    s = p.settings
    costs, won, current = inputs(p)
    kw = {"draws": s.bootstrap_draws, "seed": s.seed, "level": s.confidence_level}
    return clv_by_channel_rows(p.label, current, **kw) + cost_rows(p.label, costs, won, **kw)
