"""Money invoiced per account: the margin of the last 12 months, and all of it so far.

Summed where the data lives; one row per account comes back.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kamlib.data.sources import fetch

__all__ = ["invoice_margin", "realised_margin", "trailing_margin"]


def invoice_margin(data, t, margin_rate: float):
    """The gross margin of each invoice of ``t`` (an Ibis table of invoices): its
    ``gross_margin``, or ``margin_rate`` x ``amount`` when that is empty or the data has
    no such column. The one definition both margins below use."""
    if data.has_column("invoices", "gross_margin"):
        return t.gross_margin.fill_null(t.amount * margin_rate)
    return t.amount * margin_rate


def trailing_margin(data, as_of: date, margin_rate: float) -> pd.Series:
    """Gross margin (:func:`invoice_margin`) invoiced in the 12 months up to ``as_of``,
    per account (index: account_id)."""
    t = data.table("invoices")
    lo = as_of - timedelta(days=365)
    t = t.filter((t.issued_on > lo) & (t.issued_on <= as_of))
    value = invoice_margin(data, t, margin_rate)
    f = fetch(t.mutate(v=value).group_by("account_id").aggregate(margin=lambda x: x.v.sum()),
              by="account_id")
    return f.set_index("account_id")["margin"]


def realised_margin(data, as_of: date, margin_rate: float) -> pd.Series:
    """Gross margin (:func:`invoice_margin`) invoiced up to ``as_of``, per account
    (index: account_id)."""
    t = data.table("invoices")
    t = t.filter(t.issued_on <= as_of)
    f = fetch(t.mutate(v=invoice_margin(data, t, margin_rate)).group_by("account_id")
              .aggregate(v=lambda x: x.v.sum()), by="account_id")
    return f.set_index("account_id")["v"]
