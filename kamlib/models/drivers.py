"""What drives an account's churn risk: each covariate's share of its Cox log hazard.

In the Cox model the log partial hazard of account ``i`` against the average account
(the means of the training panel) is a sum over covariates::

    log h_i / h_mean = sum_j beta_j * (x_ij - mean_j)

so each term ``c_ij = beta_j * (x_ij - mean_j)`` is covariate ``j``'s contribution:
positive terms raise the account's hazard above the average account's, by the factor
``exp(c_ij)`` (the hazard ratio of that difference alone). The *drivers* of an account
are its positive contributions, largest first (docs/kpis.md, "Accounts to act on").

- :func:`contributions`: ``c_ij`` for every account and covariate (wide);
- :func:`model_contributions`: the same from a fitted
  :class:`~kamlib.models.cox.ChurnModel`;
- :func:`top_drivers`: the positive contributions, largest first, worded plainly
  (:func:`driver_text`, "contact gap 74 days").

>>> x = pd.DataFrame({"account_id": ["a"], "gap_30d": [3.0], "max_gap_days": [90.0]})
>>> c = contributions(x, pd.Series({"gap_30d": 0.5}), pd.Series({"gap_30d": 1.0}))
>>> float(c.loc["a", "gap_30d"])  # 0.5 * (3 - 1)
1.0
>>> top_drivers(c, x)[["covariate", "text"]].values.tolist()
[['gap_30d', 'contact gap 90 days']]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DRIVER_WORDS", "SEGMENT", "DriverWords", "contributions", "driver_text",
           "model_contributions", "summarise", "top_drivers"]


def _num(x: float, unit: str = "") -> str:
    """A number with at most one decimal (none when whole), then ``unit``.

    >>> _num(4.0), _num(6.46, " %"), _num(-0.3)
    ('4', '6.5 %', '-0.3')
    """
    r = round(float(x), 1)
    s = f"{r:.0f}" if r == int(r) else f"{r:.1f}"
    return s + unit


@dataclass(frozen=True)
class DriverWords:
    """How a covariate is worded as a driver: ``name`` and the value shown, read from
    ``column`` of the account's covariates (``column`` may differ from the covariate,
    e.g. the contact gap in days for ``gap_30d``) and formatted by ``show``."""

    name: str
    column: str
    show: Callable[[float], str]


#: the one driver that stands for the segment indicators ``segment_<name>``
SEGMENT = "segment"

#: plain names and units of the churn model's covariates (segment indicators are
#: worded by :func:`driver_text` itself)
DRIVER_WORDS: dict[str, DriverWords] = {
    "gap_30d": DriverWords("contact gap", "max_gap_days", lambda v: _num(v, " days")),
    "recent_nps": DriverWords("NPS", "recent_nps", _num),
    "inbound_share": DriverWords("inbound share", "inbound_share",
                                 lambda v: _num(100 * v, " %")),
    "sla_compliance": DriverWords("SLA met", "sla_compliance", lambda v: _num(100 * v, " %")),
    "kam_satisfaction": DriverWords("KAM satisfaction", "kam_satisfaction",
                                    lambda v: _num(v, " of 10")),
    "revenue_trend": DriverWords("revenue vs a year before", "revenue_trend",
                                 lambda v: ("+" if v > 0 else "") + _num(100 * v, " %")),
}


def contributions(x: pd.DataFrame, params: pd.Series, means: pd.Series,
                  key: str = "account_id") -> pd.DataFrame:
    """``beta_j * (x_ij - mean_j)`` per account (rows, indexed by ``key``) and
    covariate (columns, in the order of ``params``).

    Each row sums to the account's log partial hazard against the average account.

    >>> x = pd.DataFrame({"account_id": ["a", "b"], "u": [1.0, 3.0], "v": [0.0, 1.0]})
    >>> contributions(x, pd.Series({"u": 2.0, "v": -1.0}), pd.Series({"u": 2.0, "v": 0.5}))
    ...                                             # doctest: +NORMALIZE_WHITESPACE
                  u    v
    account_id
    a          -2.0  0.5
    b           2.0 -0.5
    """
    cov = list(params.index)
    vals = x[cov].astype(float).to_numpy() - means[cov].to_numpy(float)
    out = pd.DataFrame(vals * params.to_numpy(float), columns=cov,
                       index=pd.Index(x[key].to_numpy(), name=key))
    return out


def model_contributions(model, x: pd.DataFrame, key: str = "account_id") -> pd.DataFrame:
    """:func:`contributions` of a fitted :class:`~kamlib.models.cox.ChurnModel`: its log
    hazard ratios and the covariate means of its training data (lifelines' centring, so
    a row sums to ``predict_log_partial_hazard``)."""
    model.check_fitted()
    return contributions(x, model.params_, model.model_._norm_mean, key)


def driver_text(covariate: str, value: float | str) -> str:
    """A driver in plain words: the covariate's plain name and the account's value
    (for ``segment``, the segment's code).

    >>> driver_text("gap_30d", 74), driver_text("recent_nps", 4.0)
    ('contact gap 74 days', 'NPS 4')
    >>> driver_text("segment", "mid_market"), driver_text("sla_compliance", 0.724)
    ('segment mid market', 'SLA met 72.4 %')
    """
    if covariate == SEGMENT:
        return f"segment {str(value).replace('_', ' ')}"
    words = DRIVER_WORDS.get(covariate)
    if words is None:
        return f"{covariate.replace('_', ' ')} {_num(float(value))}"
    return f"{words.name} {words.show(float(value))}"


def _one_segment(contrib: pd.DataFrame) -> pd.DataFrame:
    """The segment indicators' contributions summed into one ``segment`` column: the
    account's segment against the average account's mix is one driver."""
    seg = [c for c in contrib.columns if c.startswith("segment_")]
    if not seg:
        return contrib
    return contrib.drop(columns=seg).assign(**{SEGMENT: contrib[seg].sum(axis=1)})


def top_drivers(contrib: pd.DataFrame, x: pd.DataFrame, top: int = 3,
                key: str = "account_id", min_contribution: float = 0.0) -> pd.DataFrame:
    """The drivers of each account: its contributions above ``min_contribution``
    (those that raise its hazard), largest first, at most ``top`` per account. The
    segment indicators count as one driver, ``segment`` (their contributions summed).

    Parameters
    ----------
    contrib : :func:`contributions` (index ``key``).
    x : the accounts' covariates (with ``key``, the columns of :data:`DRIVER_WORDS`
        and ``segment``).
    min_contribution : e.g. ``log(1.05)`` keeps the drivers that raise the hazard by
        at least 5 %.

    Returns
    -------
    Long frame ``key``, ``order`` (1 = largest), ``covariate``, ``value`` (the shown
    value; NaN for the segment), ``contribution``, ``hazard_ratio`` (exp(contribution))
    and ``text``.
    """
    long = _one_segment(contrib).rename_axis(key).reset_index().melt(
        id_vars=key, var_name="covariate", value_name="contribution")
    long = long[long.contribution > min_contribution]
    long = long.sort_values([key, "contribution", "covariate"], ascending=[True, False, True],
                            kind="stable")
    long["order"] = long.groupby(key).cumcount() + 1
    long = long[long.order <= top].reset_index(drop=True)
    xi = x.drop_duplicates(key).set_index(key)

    def shown(r) -> float | str:
        if r.covariate == SEGMENT:
            return xi.at[getattr(r, key), SEGMENT] if SEGMENT in xi else ""
        words = DRIVER_WORDS.get(r.covariate)
        col = words.column if words is not None and words.column in xi else r.covariate
        return float(xi.at[getattr(r, key), col]) if col in xi else math.nan

    values = [shown(r) for r in long.itertuples()]
    long["value"] = [math.nan if isinstance(v, str) else v for v in values]
    long["hazard_ratio"] = np.exp(long.contribution)
    long["text"] = [driver_text(c, v) for c, v in zip(long.covariate, values, strict=True)]
    return long[[key, "order", "covariate", "value", "contribution", "hazard_ratio", "text"]]


def summarise(drivers: pd.DataFrame, key: str = "account_id") -> pd.DataFrame:
    """One row per account: ``drivers`` (the texts joined, largest first, each with its
    hazard ratio), ``top_driver`` (the largest one's covariate) and ``driver_list``
    (the covariates, comma-separated).

    >>> d = pd.DataFrame({"account_id": ["a", "a"], "order": [1, 2],
    ...                   "covariate": ["gap_30d", "recent_nps"], "hazard_ratio": [1.84, 1.2],
    ...                   "text": ["contact gap 74 days", "NPS 4"]})
    >>> summarise(d).drivers.tolist()
    ['contact gap 74 days (×1.8), NPS 4 (×1.2)']
    """
    if len(drivers) == 0:
        return pd.DataFrame(columns=[key, "drivers", "top_driver", "driver_list"])
    d = drivers.sort_values([key, "order"])
    d = d.assign(part=[f"{t} (×{hr:.1f})" for t, hr in zip(d.text, d.hazard_ratio,
                                                                  strict=True)])
    g = d.groupby(key, sort=True)
    return pd.DataFrame({"drivers": g.part.agg(", ".join), "top_driver": g.covariate.first(),
                         "driver_list": g.covariate.agg(",".join)}).reset_index()
