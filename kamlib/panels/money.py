"""Money invoiced per account: the margin of the last 12 months, and all of it so far.

Summed where the data lives; one row per account comes back.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kamlib.data.sources import fetch

__all__ = ["realised_margin", "trailing_margin"]


def trailing_margin(data, as_of: date, margin_rate: float) -> pd.Series:
    """Gross margin invoiced in the 12 months up to ``as_of``, per account (index:
    account_id). Invoices without ``gross_margin`` count ``margin_rate`` x amount."""
    t = data.table("invoices")
    lo = as_of - timedelta(days=365)
    t = t.filter((t.issued_on > lo) & (t.issued_on <= as_of))
    if data.has_column("invoices", "gross_margin"):
        value = t.gross_margin.fill_null(t.amount * margin_rate)
    else:
        value = t.amount * margin_rate
    f = fetch(t.mutate(v=value).group_by("account_id").aggregate(margin=lambda x: x.v.sum()),
              by="account_id")
    return f.set_index("account_id")["margin"]


def realised_margin(data, as_of: date) -> pd.Series:
    """Gross margin (or revenue when the data has no ``gross_margin``) invoiced up to
    ``as_of``, per account (index: account_id)."""
    t = data.table("invoices")
    t = t.filter(t.issued_on <= as_of)
    col = t.gross_margin if data.has_column("invoices", "gross_margin") else t.amount
    f = fetch(t.mutate(v=col).group_by("account_id").aggregate(v=lambda x: x.v.sum()),
              by="account_id")
    return f.set_index("account_id")["v"]
