"""Customer lifetime value: survival-based, discounted, per account and in total.

For an account alive at ``as_of`` with tenure ``t`` (README, "CLV"):

    CLV_i = sum_{k=1..H} m_i * S_i(t + k | alive at t) / (1 + d)^k

``m_i`` is the trailing-12-month gross margin (or ``margin_rate`` x revenue when
invoices carry no margin), floored at 0; ``S_i`` comes from the Cox churn model
with the account's covariates; ``d`` is the yearly discount rate and ``H`` the
horizon in years. The seed formula, annual value x average lifetime with the
average lifetime taken as 1 / yearly churn rate, is kept as the naive baseline.

>>> import numpy as np
>>> clv_values(np.array([100.0]), np.array([[0.9, 0.8]]), discount_rate=0.1).round(4).tolist()
[147.9339]
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.sources import fetch
from kamlib.periods import Quarter


def clv_values(margin: np.ndarray, survival: np.ndarray, discount_rate: float) -> np.ndarray:
    """``sum_k m * S_k / (1+d)^k`` for rows of yearly survival ``S_1..S_H``."""
    m = np.clip(np.asarray(margin, float), 0, None)
    s = np.clip(np.asarray(survival, float), 0, 1)
    disc = (1 + discount_rate) ** -np.arange(1, s.shape[1] + 1)
    return m * (s * disc).sum(axis=1)


def trailing_margin(data, as_of, settings: Settings) -> pd.Series:
    """Gross margin invoiced in the 12 months up to ``as_of``, per account."""
    t = data.table("invoices")
    lo = as_of - timedelta(days=365)
    t = t.filter((t.issued_on > lo) & (t.issued_on <= as_of))
    if data.has_column("invoices", "gross_margin"):
        value = t.gross_margin.fill_null(t.amount * settings.margin_rate)
    else:
        value = t.amount * settings.margin_rate
    f = fetch(t.mutate(v=value).group_by("account_id").aggregate(margin=lambda x: x.v.sum()),
              by="account_id")
    return f.set_index("account_id")["margin"]


def realised_margin(data, as_of) -> pd.Series:
    """Gross margin (or revenue when absent) invoiced up to ``as_of``, per account."""
    t = data.table("invoices")
    t = t.filter(t.issued_on <= as_of)
    col = t.gross_margin if data.has_column("invoices", "gross_margin") else t.amount
    f = fetch(t.mutate(v=col).group_by("account_id").aggregate(v=lambda x: x.v.sum()),
              by="account_id")
    return f.set_index("account_id")["v"]


def account_clv(data, quarter: Quarter, settings: Settings, risk: pd.DataFrame) -> pd.DataFrame:
    """Per account alive at ``quarter.end``: margin, CLV, naive CLV, value at risk.

    ``risk`` is :func:`kamlib.models.survival.predict_risk` output (with ``s_1 .. s_H``).
    """
    h = settings.horizon_years
    margin = trailing_margin(data, quarter.end, settings)
    f = risk.copy()
    f["margin"] = f.account_id.map(margin).fillna(0.0).clip(lower=0)
    s = f[[f"s_{k}" for k in range(1, h + 1)]].to_numpy()
    f["clv"] = clv_values(f.margin.to_numpy(), s, settings.discount_rate)
    f["value_at_risk"] = f.clv * f.churn_next_year
    f["realised"] = f.account_id.map(realised_margin(data, quarter.end)).fillna(0.0)
    acc = data.frame("accounts").set_index("account_id")
    f["segment"] = f.account_id.map(acc["segment"])
    return f


def trailing_churn_rate(spells: pd.DataFrame, quarter: Quarter) -> float:
    """Share of the customers of a year ago whose churn became known in the 12 months since."""
    from kamlib.panels.customers import customers_on

    d0 = pd.Timestamp(quarter.shift(-4).end)
    base = customers_on(spells, d0)
    if len(base) == 0:
        return np.nan
    lost = spells[spells.churned & (spells.known_on > d0)
                  & (spells.known_on <= pd.Timestamp(quarter.end))]
    return float(lost.account_id.isin(base).groupby(lost.account_id).any().sum() / len(base))


def naive_lifetime_years(annual_churn: float) -> float:
    """The seed formula's average lifetime: 1 / yearly churn rate (inf when no churn)."""
    return 1.0 / annual_churn if annual_churn > 0 else np.inf


#: the naive lifetime is capped so that a quarter without churn gives a finite figure
NAIVE_LIFETIME_CAP_YEARS = 100.0


def naive_total(clv: pd.DataFrame, annual_churn: float) -> float:
    """The seed formula for the whole book: yearly margin x average lifetime (capped)."""
    return float(clv.margin.sum() * min(naive_lifetime_years(annual_churn),
                                        NAIVE_LIFETIME_CAP_YEARS))


def value_at_risk_by(clv: pd.DataFrame, key: str) -> pd.DataFrame:
    """Value at risk (CLV x next-year churn probability) and CLV summed per ``key``
    (e.g. ``kam_id`` or ``segment``), largest risk first."""
    out = clv.groupby(key).agg(value_at_risk=("value_at_risk", "sum"), clv=("clv", "sum"),
                               accounts=("account_id", "size")).reset_index()
    out["share_at_risk"] = out.value_at_risk / out.clv.where(out.clv > 0)
    return out.sort_values(["value_at_risk", key], ascending=[False, True]) \
        .reset_index(drop=True)
