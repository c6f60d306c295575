"""What winning accounts cost and what the accounts won bring: the panels of
:mod:`kamlib.kpis.acquisition_value`.

:func:`costs_in` reads the optional ``acquisition_costs`` rows of a window (an empty
frame without the table); :func:`won_accounts` lists the accounts whose first contract
started in a window, with their channel, the KAM who won them and the monthly gross
margin of their first contract; :func:`margin_share` is each account's gross margin
per unit invoiced.

>>> TRAILING_DAYS
365
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.panels.money import invoice_margin

__all__ = ["COST_COLUMNS", "TRAILING_DAYS", "WON_COLUMNS", "costs_in", "margin_share",
           "won_accounts", "window"]

TRAILING_DAYS = 365
"""The trailing window of ``cac``: the 365 days up to the quarter's end (as
:func:`kamlib.panels.money.trailing_margin`)."""

COST_COLUMNS = ["cost_id", "incurred_on", "channel", "amount", "kam_id"]
WON_COLUMNS = ["account_id", "won_on", "channel", "kam_id", "first_acv", "margin_share",
               "monthly_margin"]


def window(as_of: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The trailing window ``(as_of - 365 days, as_of]`` as (exclusive, inclusive) bounds.

    >>> [str(d.date()) for d in window(date(2026, 9, 30))]
    ['2025-09-30', '2026-09-30']
    """
    return pd.Timestamp(as_of - timedelta(days=TRAILING_DAYS)), pd.Timestamp(as_of)


def costs_in(data, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """The acquisition cost rows incurred in ``(lo, hi]`` (:data:`COST_COLUMNS`, ordered by
    cost_id); empty when the data has no ``acquisition_costs`` table."""
    if not data.has("acquisition_costs"):
        return pd.DataFrame({c: pd.Series(dtype=object if c != "amount" else float)
                             for c in COST_COLUMNS})
    t = data.table("acquisition_costs")
    t = t.filter((t.incurred_on > lo.date()) & (t.incurred_on <= hi.date()))
    cols = [c for c in COST_COLUMNS if data.has_column("acquisition_costs", c)]
    f = fetch(t.select(*cols), by="cost_id")
    if "kam_id" not in f:
        f["kam_id"] = None
    f["incurred_on"] = pd.to_datetime(f["incurred_on"])
    f["amount"] = f["amount"].astype(float)
    return f[COST_COLUMNS]


def margin_share(data, as_of: date, margin_rate: float) -> pd.Series:
    """Each account's gross margin per unit invoiced up to ``as_of`` (index account_id):
    Σ margin / Σ amount of its invoices (:func:`kamlib.panels.money.invoice_margin`);
    accounts without a positive amount invoiced are left out (callers use
    ``margin_rate``)."""
    t = data.table("invoices")
    t = t.filter(t.issued_on <= as_of)
    f = fetch(t.mutate(v=invoice_margin(data, t, margin_rate)).group_by("account_id")
              .aggregate(margin=lambda x: x.v.sum(), amount=lambda x: x.amount.sum()),
              by="account_id")
    f = f[f.amount > 0]
    return (f.margin / f.amount).set_axis(f.account_id)


def won_accounts(contracts: pd.DataFrame, accounts: pd.DataFrame, prospects: pd.DataFrame,
                 share: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp,
                 margin_rate: float) -> pd.DataFrame:
    """The accounts won in ``(lo, hi]``: their first contract starts in it.

    Parameters
    ----------
    contracts : account_id, start_on (timestamps), annual_value.
    accounts : account_id, acquisition_channel and kam_id (the KAM credited for the
        quarter, used when no prospect names the KAM who won it).
    prospects : account_id, kam_id, converted_on: the KAM who won an account is the one
        of its earliest converted prospect row.
    share : :func:`margin_share`; ``margin_rate`` for an account without one.

    Returns
    -------
    :data:`WON_COLUMNS`, one row per account won, ordered by account_id:
    ``first_acv`` is the annual value of the contracts starting on ``won_on``,
    ``monthly_margin = first_acv x margin_share / 12``.

    Examples
    --------
    >>> ts = pd.Timestamp
    >>> c = pd.DataFrame({"account_id": ["A", "A", "B"], "annual_value": [120.0, 240.0, 60.0],
    ...                   "start_on": [ts("2026-01-10"), ts("2027-01-10"), ts("2024-05-01")]})
    >>> a = pd.DataFrame({"account_id": ["A", "B"], "acquisition_channel": ["event", "email"],
    ...                   "kam_id": ["K2", "K2"]})
    >>> p = pd.DataFrame({"account_id": ["A"], "kam_id": ["K1"], "converted_on": [ts("2026-01-05")]})
    >>> w = won_accounts(c, a, p, pd.Series({"A": 0.5}), ts("2025-09-30"), ts("2026-09-30"), 0.3)
    >>> w[["account_id", "channel", "kam_id", "first_acv", "monthly_margin"]].values.tolist()
    [['A', 'event', 'K1', 120.0, 5.0]]
    """
    c = contracts[contracts.start_on <= hi]
    first = c.groupby("account_id").start_on.min()
    won = first[(first > lo) & (first <= hi)]
    starts = c.merge(won.rename("won_on"), left_on="account_id", right_index=True)
    acv = starts[starts.start_on == starts.won_on].groupby("account_id").annual_value.sum()
    f = pd.DataFrame({"account_id": won.index.astype(object), "won_on": won.to_numpy()})
    acc = accounts.set_index("account_id")
    f["channel"] = f.account_id.map(acc["acquisition_channel"])
    pr = prospects[prospects.account_id.notna()].sort_values(["converted_on", "kam_id"])
    winner = pr.drop_duplicates("account_id").set_index("account_id")["kam_id"]
    f["kam_id"] = f.account_id.map(winner).fillna(f.account_id.map(acc["kam_id"]))
    f["first_acv"] = f.account_id.map(acv).fillna(0.0).astype(float)
    f["margin_share"] = f.account_id.map(share).fillna(margin_rate).astype(float)
    f["monthly_margin"] = f.first_acv * f.margin_share / 12
    return f.sort_values("account_id").reset_index(drop=True)[WON_COLUMNS]
