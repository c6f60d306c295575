"""The renewal calendar: contracts whose renewal window opens in a coming period.

A contract's renewal falls on its ``end_on`` (an auto-renewing contract renews, or
is cancelled, on that day too); its *renewal window* opens ``renewal_notice_days``
before (a setting, default 90 days) and closes when the grace period after
``end_on`` ends (``window_closes_on``, see :mod:`kamlib.panels.customers`). The
calendar of a period lists the contracts still awaiting renewal (``pending`` in
:func:`kamlib.panels.customers.derive_renewals` as of the reported quarter's end)
whose window opens in it, with their value (contracted annual value), the
account's churn risk over 12 months and the owner (docs/kpis.md, "Renewal
calendar").

>>> import pandas as pd
>>> r = pd.DataFrame({"contract_id": ["c1", "c2"], "account_id": ["A", "B"],
...                   "end_on": pd.to_datetime(["2027-02-15", "2027-08-01"]),
...                   "annual_value": [100.0, 50.0], "pending": [True, True]})
>>> renewal_calendar(r, "2026-10-01", "2026-12-31", 90).contract_id.tolist()
['c1']
"""

from __future__ import annotations

from datetime import date

import pandas as pd

__all__ = ["CALENDAR_COLUMNS", "for_accounts", "proposal_horizon", "renewal_calendar",
           "window_opens_on"]

#: the columns of :func:`renewal_calendar`
CALENDAR_COLUMNS = ("contract_id", "account_id", "end_on", "window_opens_on",
                    "annual_value")


def window_opens_on(end_on: pd.Series, notice_days: int) -> pd.Series:
    """The day each renewal window opens: ``end_on - notice_days``.

    >>> window_opens_on(pd.Series(pd.to_datetime(["2027-03-31"])), 90).dt.date.tolist()
    [datetime.date(2026, 12, 31)]
    """
    return pd.to_datetime(end_on) - pd.Timedelta(days=notice_days)


# -- renewal proposal: the next step agrees with the calendar ---------------------------------
def proposal_horizon(end: date | str, notice_days: int) -> pd.Timestamp:
    """The last renewal date for which a renewal proposal is due by ``end`` (the next
    quarter's last day): ``end + notice_days``, so that a contract's renewal window
    (opening ``notice_days`` before its renewal) opens by ``end``.

    The next step "renewal proposal" (:data:`kamlib.kpis.attention.NEXT_STEPS`) fires
    when the account's next renewal is on or before this day: every contract of the
    next quarter's calendar (window opening in it) gets it, and so does every contract
    whose window is already open; none whose window opens later.

    Examples
    --------
    Next quarter ends 2026-12-31; 90 days' notice: 2026-12-31 + 90 days = 2027-03-31
    (31 - 31 = 0 days left in December, then 31 in January, 28 in February, 31 in
    March: 90), whose window opens 2027-03-31 - 90 days = 2026-12-31.

    >>> proposal_horizon("2026-12-31", 90).date()
    datetime.date(2027, 3, 31)
    """
    return pd.Timestamp(end) + pd.Timedelta(days=notice_days)


def renewal_calendar(renewals: pd.DataFrame, start: date | str, end: date | str,
                     notice_days: int) -> pd.DataFrame:
    """Contracts awaiting renewal whose window opens between ``start`` and ``end``
    (both included), earliest first, then the largest value (ties by contract id).

    Parameters
    ----------
    renewals : :func:`kamlib.panels.customers.derive_renewals` as of the reported
        quarter's end (``contract_id``, ``account_id``, ``end_on``, ``annual_value``,
        ``pending``).
    start, end : the period, e.g. the next quarter's first and last day.
    notice_days : ``renewal_notice_days``.

    Returns
    -------
    The columns of :data:`CALENDAR_COLUMNS`.
    """
    if len(renewals) == 0:
        return pd.DataFrame(columns=list(CALENDAR_COLUMNS))
    r = renewals[renewals["pending"].astype(bool)].copy()
    r["end_on"] = pd.to_datetime(r["end_on"])
    r["window_opens_on"] = window_opens_on(r["end_on"], notice_days)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    r = r[(r.window_opens_on >= lo) & (r.window_opens_on <= hi)]
    r = r.sort_values(["window_opens_on", "annual_value", "contract_id"],
                      ascending=[True, False, True], kind="stable")
    return r[list(CALENDAR_COLUMNS)].reset_index(drop=True)


def for_accounts(calendar: pd.DataFrame, accounts: pd.DataFrame,
                 kam_id: str | None = None) -> pd.DataFrame:
    """The calendar with what the pages show of each account (``accounts``: one row
    per account with ``account_id`` and e.g. ``name``, ``kam_id``, ``kam_name``,
    ``churn_next_year``), restricted to one manager's accounts when ``kam_id`` is given.

    >>> cal = pd.DataFrame({"contract_id": ["c1", "c2"], "account_id": ["A", "B"]})
    >>> acc = pd.DataFrame({"account_id": ["A", "B"], "kam_id": ["K1", "K2"]})
    >>> for_accounts(cal, acc, "K2").contract_id.tolist()
    ['c2']
    """
    cols = [c for c in accounts.columns if c not in calendar.columns or c == "account_id"]
    out = calendar.merge(accounts[cols], on="account_id", how="left")
    if kam_id is not None:
        out = out[out["kam_id"] == kam_id] if "kam_id" in out else out.iloc[0:0]
    return out.reset_index(drop=True)
