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

See docs/kpis.md, "Lists of accounts".

>>> import pandas as pd
>>> acc = pd.DataFrame({"account_id": ["a", "b"], "kam_id": ["K1", "K2"],
...                     "value_at_risk": [10.0, 30.0]})
>>> list(accounts_to_act_on(acc).account_id)
['b', 'a']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["accounts_to_act_on", "contact_alerts", "next_renewal_on"]


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
    value at risk in the company).

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
