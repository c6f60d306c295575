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

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.panels.customers import customers_on
from kamlib.panels.money import realised_margin, trailing_margin
from kamlib.periods import Quarter, as_quarter

__all__ = ["DRAW_CHUNK_ACCOUNTS", "NAIVE_LIFETIME_CAP_YEARS", "account_clv", "clv_interval",
           "clv_values", "model_clv_interval", "naive_lifetime_years", "naive_total",
           "trailing_churn_rate", "value_at_risk_by"]

#: accounts whose CLV draws are held at once by :func:`model_clv_interval`: the block is
#: draws x accounts x years float64, 8 MB for 1,000 draws and 10 years (two such arrays
#: live at a time; blocks of 500 took 40 MB each and were no faster)
DRAW_CHUNK_ACCOUNTS = 100


def clv_values(margin: np.ndarray, survival: np.ndarray, discount_rate: float) -> np.ndarray:
    """``sum_k m * S_k / (1+d)^k`` for rows of yearly survival ``S_1..S_H``."""
    m = np.clip(np.asarray(margin, float), 0, None)
    s = np.clip(np.asarray(survival, float), 0, 1)
    disc = (1 + discount_rate) ** -np.arange(1, s.shape[1] + 1)
    return m * (s * disc).sum(axis=1)


def clv_interval(margin: np.ndarray, survival_draws: np.ndarray, discount_rate: float,
                 level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The interval of each row's CLV over draws of its yearly survival.

    ``survival_draws`` is draws x rows x years (e.g.
    :meth:`kamlib.models.cox.ChurnModel.survival_draws` under draws of the hazard
    ratios); each draw's CLV is :func:`clv_values`, and the interval is their central
    ``level`` range. It carries the uncertainty of the churn model's hazard ratios,
    not of the baseline hazard or of the future margin.

    >>> s = np.array([[[0.5]], [[1.0]]])  # 2 draws, 1 account, 1 year
    >>> low, high = clv_interval(np.array([110.0]), s, 0.10, level=1.0)
    >>> round(float(low[0]), 6), round(float(high[0]), 6)  # 110 x 0.5 / 1.1, 110 x 1 / 1.1
    (50.0, 100.0)
    """
    d = np.asarray(survival_draws, float)
    # clv_values of every draw at once: the same element-wise steps and the same sum
    # over the years of each (draw, row), so equal bit for bit to one draw at a time
    m = np.clip(np.asarray(margin, float), 0, None)
    disc = (1 + discount_rate) ** -np.arange(1, d.shape[2] + 1)
    weighted = np.clip(d, 0, 1)
    weighted *= disc  # in place: one array of the draws' size at a time
    values = m[None, :] * weighted.sum(axis=2)
    tail = (1 - level) / 2
    return (np.quantile(values, tail, axis=0), np.quantile(values, 1 - tail, axis=0))


def model_clv_interval(model, rows: pd.DataFrame, tenure_col: str, margin: np.ndarray,
                       coefficients: np.ndarray, discount_rate: float, horizon_years: int,
                       level: float = 0.95, chunk: int = DRAW_CHUNK_ACCOUNTS
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clv_interval` of each row of ``rows`` under the churn model's survival
    draws (:meth:`kamlib.models.cox.ChurnModel.survival_draw_chunks`, yearly horizons),
    ``chunk`` rows at a time: the same numbers as

        clv_interval(margin, model.survival_draws(rows, tenure_col, years, coefficients),
                     discount_rate, level)

    without holding draws x all rows x years at once.
    """
    years = 365.25 * np.arange(1, horizon_years + 1)
    margin = np.asarray(margin, float)
    low, high = np.empty(len(rows)), np.empty(len(rows))
    for part, draws in model.survival_draw_chunks(rows, tenure_col, years, coefficients, chunk):
        low[part], high[part] = clv_interval(margin[part], draws, discount_rate, level)
    return low, high


def account_clv(data, quarter: Quarter | str, settings: Settings,
                risk: pd.DataFrame) -> pd.DataFrame:
    """Per account alive at ``quarter.end``: margin, CLV, naive CLV, value at risk.

    ``risk`` is :func:`kamlib.models.survival.predict_risk` output (with ``s_1 .. s_H``);
    the margins come from :mod:`kamlib.panels.money`.
    """
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    h = settings.horizon_years
    margin = trailing_margin(data, quarter.end, settings.margin_rate)
    f = risk.copy()
    f["margin"] = f.account_id.map(margin).fillna(0.0).clip(lower=0)
    s = f[[f"s_{k}" for k in range(1, h + 1)]].to_numpy()
    f["clv"] = clv_values(f.margin.to_numpy(), s, settings.discount_rate)
    f["value_at_risk"] = f.clv * f.churn_next_year
    realised = realised_margin(data, quarter.end, settings.margin_rate)
    f["realised"] = f.account_id.map(realised).fillna(0.0)
    acc = data.frame("accounts").set_index("account_id")
    f["segment"] = f.account_id.map(acc["segment"])
    return f


def trailing_churn_rate(spells: pd.DataFrame, quarter: Quarter | str) -> float:
    """Share of the customers of a year ago whose churn became known in the 12 months since."""
    quarter = as_quarter(quarter)
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
