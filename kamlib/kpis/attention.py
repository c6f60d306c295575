"""Lists of accounts that need attention, each ranked one way at every level.

Every page that lists accounts (the executive summary, the CLV page, the
engagement page and each scorecard) takes its list from here, so an account
that heads the company's list is also on its own manager's list.

- :func:`accounts_to_act_on`: ranked by value at risk (CLV × probability of
  churning within 12 months).
- :func:`contact_alerts`: accounts whose longest contact gap exceeds the alert
  threshold, ranked by the days since the last contact at the quarter's end
  weighted by value; the ones still out of touch come first.
- :func:`next_renewal_on`: the next renewal date, shown beside every churn risk.
- :func:`add_actions`: each account's risk drivers (:mod:`kamlib.models.drivers`) and
  a suggested next step, by the rules of :data:`NEXT_STEPS` (:func:`next_steps`).

See docs/kpis.md, "Lists of accounts".

>>> import pandas as pd
>>> acc = pd.DataFrame({"account_id": ["a", "b"], "kam_id": ["K1", "K2"],
...                     "value_at_risk": [10.0, 30.0]})
>>> list(accounts_to_act_on(acc).account_id)
['b', 'a']
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlib.models.drivers import summarise

__all__ = ["ACT_ON_COLUMNS", "FALLBACK_STEP", "NEXT_STEPS", "NO_DRIVERS", "NextStep", "accounts_to_act_on",
           "add_actions", "contact_alerts", "next_renewal_on", "next_steps"]

#: what a list of accounts to act on shows of each account (besides its name)
ACT_ON_COLUMNS = ("kam_name", "next_renewal_on", "churn_next_year", "clv", "value_at_risk",
                  "drivers", "next_step")


def accounts_to_act_on(accounts: pd.DataFrame, kam_id: str | None = None,
                       top: int | None = 10) -> pd.DataFrame:
    """Accounts ranked by value at risk, largest first (ties by account id).

    Parameters
    ----------
    accounts : one row per account with ``account_id``, ``kam_id`` and
        ``value_at_risk``; accounts without a value at risk (no churn model) are
        left out.
    kam_id : keep only this manager's accounts. The ranking is the company's,
        restricted afterwards, so ``rank`` is the company-wide rank.
    top : keep the first ``top`` rows (None keeps all).

    Returns
    -------
    The rows of ``accounts`` in rank order, with a ``rank`` column (1 = most
    value at risk in the company). Rows prepared by :func:`add_actions` carry what a
    list shows of each account (:data:`ACT_ON_COLUMNS`: owner, next renewal, risk over
    12 months, CLV, the risk's drivers and the next step).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"], "kam_id": ["K1", "K2", "K1"],
    ...                     "value_at_risk": [10.0, 30.0, 20.0]})
    >>> accounts_to_act_on(acc, kam_id="K1")[["account_id", "rank"]].values.tolist()
    [['c', 2], ['a', 3]]
    """
    f = accounts[accounts["value_at_risk"].notna()]
    f = f.sort_values(["value_at_risk", "account_id"], ascending=[False, True], kind="stable")
    f = f.assign(rank=np.arange(1, len(f) + 1))
    if kam_id is not None:
        f = f[f["kam_id"] == kam_id]
    return f.head(top) if top is not None else f


def contact_alerts(accounts: pd.DataFrame, threshold: int, kam_id: str | None = None
                   ) -> pd.DataFrame:
    """Accounts whose longest contact gap exceeds ``threshold`` days, most urgent first.

    The gap KPI flags an account whose longest stretch without contact in the
    quarter (counting the stretch up to its last day) exceeds the threshold. That
    stretch may have ended long ago, so the list is ranked by what is true at the
    quarter's end:

    - ``still_silent``: days since the last contact exceed the threshold; these
      come first;
    - ``priority`` = days since the last contact × value, where value is the CLV
      (or the contracted annual value when there is no churn model), largest
      first; ties by account id.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "kam_id": ["K1", "K1"],
    ...                     "max_gap_days": [80, 60], "days_since_last_touch": [2, 60],
    ...                     "clv": [9000.0, 100.0]})
    >>> contact_alerts(acc, 45)[["account_id", "still_silent", "priority"]].values.tolist()
    [['b', True, 6000.0], ['a', False, 18000.0]]
    """
    f = accounts[accounts["max_gap_days"] > threshold].copy()
    if kam_id is not None:
        f = f[f["kam_id"] == kam_id]
    since = f["days_since_last_touch"].fillna(f["max_gap_days"]).astype(float)
    value = f["clv"] if "clv" in f else pd.Series(np.nan, index=f.index)
    if "acv_end" in f:
        value = value.fillna(f["acv_end"])
    f["days_since_last_touch"] = since
    f["still_silent"] = since > threshold
    f["priority"] = since * value.fillna(0.0).astype(float)
    return f.sort_values(["still_silent", "priority", "account_id"],
                         ascending=[False, False, True], kind="stable")


def next_renewal_on(renewals: pd.DataFrame) -> pd.Series:
    """The next renewal date of each account: the earliest ``end_on`` among its
    contracts awaiting renewal (``pending``: not renewed, window not yet closed).

    ``renewals`` is :func:`kamlib.panels.customers.derive_renewals` as of the quarter's
    end. A date before ``as_of`` means the account is in its renewal window now.
    Accounts with no contract awaiting renewal are absent (index: account_id).
    """
    p = renewals[renewals["pending"].astype(bool)]
    return p.groupby("account_id")["end_on"].min().rename("next_renewal_on")


# --------------------------------------------------------------------------- next steps
@dataclass(frozen=True)
class NextStep:
    """A rule of :data:`NEXT_STEPS`: suggest ``step`` when any of ``when`` holds.

    Each condition is (column, operator, value); the value is a number, text after
    ``=`` (``"=gap_30d"`` is the text ``gap_30d``), or the name of a limit given to
    :func:`next_steps` (a setting such as ``gap_alert_days``). A
    missing value never satisfies a condition. ``top_driver`` is the covariate that
    raises the account's risk most (:func:`add_actions`).
    """

    step: str
    why: str
    when: tuple[tuple[str, str, Any], ...]


_OPS = {"==": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt,
        "<=": operator.le}

#: the rules, first match wins (docs/kpis.md, "Accounts to act on")
NEXT_STEPS: tuple[NextStep, ...] = (
    NextStep("schedule contact",
             "a long contact gap: the gap is the largest driver of the risk, or no contact "
             "for more than gap_alert_days at the quarter's end",
             (("top_driver", "==", "=gap_30d"),
              ("days_since_last_touch", ">", "gap_alert_days"))),
    NextStep("executive sponsor call",
             "low NPS: the NPS is the largest driver of the risk, or the account is a "
             "detractor (mean answer 0 to 6)",
             (("top_driver", "==", "=recent_nps"), ("nps_score", "<=", 6))),
    NextStep("resolve open requests",
             "requests raised in the quarter are still open at its end",
             (("open_requests", ">", 0),)),
    NextStep("renewal proposal",
             "the next renewal's window opens by the end of the next quarter (it opens "
             "renewal_notice_days before the renewal): the contract is on the next "
             "quarter's renewal calendar, or its window is already open",
             (("next_renewal_on", "<=", "renewal_horizon"),)),
)
#: the step when no rule applies
FALLBACK_STEP = "review account plan"
#: the drivers of an account whose covariates raise its risk above no average account's
NO_DRIVERS = "none above the average account"


def _holds(values: pd.Series, op: str, value: Any) -> np.ndarray:
    present = values.notna().to_numpy()
    if not present.any():
        return present
    out = np.zeros(len(values), dtype=bool)
    out[present] = np.asarray(_OPS[op](values[present], value), dtype=bool)
    return out


def next_steps(accounts: pd.DataFrame, limits: Mapping[str, Any],
               rules: tuple[NextStep, ...] = NEXT_STEPS,
               fallback: str = FALLBACK_STEP) -> pd.Series:
    """The suggested next step of each account: the first rule of ``rules`` with a
    condition that holds, else ``fallback`` (index of ``accounts``).

    ``limits`` gives the values named in the rules (``gap_alert_days``,
    ``renewal_horizon``: the last renewal date whose window opens by the end of the next
    quarter, :func:`kamlib.kpis.renewals.proposal_horizon`). A column a rule reads that
    ``accounts`` lacks satisfies no condition.

    >>> acc = pd.DataFrame({"days_since_last_touch": [80, 10, 10], "nps_score": [8, 4, 9]})
    >>> next_steps(acc, {"gap_alert_days": 45}).tolist()
    ['schedule contact', 'executive sponsor call', 'review account plan']
    """
    step = pd.Series(fallback, index=accounts.index, dtype=object)
    todo = np.ones(len(accounts), dtype=bool)
    for rule in rules:
        hit = np.zeros(len(accounts), dtype=bool)
        for col, op, value in rule.when:
            if col not in accounts:
                continue
            if isinstance(value, str):
                value = value[1:] if value.startswith("=") else limits[value]
            hit |= _holds(accounts[col], op, value)
        step[todo & hit] = rule.step
        todo &= ~hit
    return step


def add_actions(accounts: pd.DataFrame, drivers: pd.DataFrame | None,
                limits: Mapping[str, Any], open_requests: pd.Series | None = None
                ) -> pd.DataFrame:
    """``accounts`` with each account's risk drivers and suggested next step.

    Parameters
    ----------
    accounts : one row per account (``account_id`` and what the rules read:
        ``days_since_last_touch``, ``nps_score``, ``next_renewal_on``).
    drivers : :func:`kamlib.models.drivers.top_drivers` (None without a churn model).
    limits : see :func:`next_steps`.
    open_requests : open requests per account (index account_id); absent means none.

    Returns
    -------
    ``accounts`` with ``drivers`` (plain words, largest first; :data:`NO_DRIVERS` when
    nothing raises the account's risk above the average account's), ``top_driver`` (the
    largest driver's covariate), ``driver_list`` (the drivers' covariates),
    ``open_requests`` and ``next_step``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "days_since_last_touch": [5, 5]})
    >>> d = pd.DataFrame({"account_id": ["a"], "order": [1], "covariate": ["gap_30d"],
    ...                   "hazard_ratio": [1.5], "text": ["contact gap 80 days"]})
    >>> add_actions(acc, d, {"gap_alert_days": 45})[["drivers", "next_step"]].values.tolist()
    [['contact gap 80 days (×1.5)', 'schedule contact'], ['none above the average account', 'review account plan']]
    """
    f = accounts.drop(columns=["drivers", "top_driver", "driver_list", "open_requests",
                               "next_step"], errors="ignore")
    if drivers is not None and len(drivers):
        f = f.merge(summarise(drivers), on="account_id", how="left")
    for c in ("drivers", "top_driver", "driver_list"):
        f[c] = f[c].fillna("") if c in f else ""
    if drivers is not None:
        f["drivers"] = f["drivers"].replace("", NO_DRIVERS)
    opened = open_requests if open_requests is not None else pd.Series(dtype=float)
    f["open_requests"] = f["account_id"].map(opened).fillna(0).astype(int)
    f["next_step"] = next_steps(f, limits)
    return f
