"""Mentions of the company (press, social media) in a quarter, with their sentiment.

A mention may name no account (``account_id`` empty): it counts for the company only.
"""

from __future__ import annotations

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.periods import Quarter, as_quarter

__all__ = ["mention_counts", "mentions_in"]


def _in_quarter(data, q: Quarter):
    t = data.table("mentions")
    return t.filter((t.occurred_on >= q.start) & (t.occurred_on <= q.end))


def mentions_in(data, quarter: Quarter | str) -> pd.DataFrame:
    """The quarter's mentions: ``account_id`` (empty when unlinked) and ``sentiment``."""
    return fetch(_in_quarter(data, as_quarter(quarter)).select("account_id", "sentiment"))


def mention_counts(data, quarter: Quarter | str) -> dict[str, int]:
    """How many mentions the quarter has (``all``) and how many name no account
    (``unlinked``)."""
    t = _in_quarter(data, as_quarter(quarter))
    return {"all": int(t.count().execute()),
            "unlinked": int(t.account_id.isnull().sum().execute() or 0)}
