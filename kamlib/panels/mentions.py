"""Mentions of the company (press, social media) in a quarter, with their sentiment.

A mention may name no account (``account_id`` empty): it counts for the company only.
"""

from __future__ import annotations

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.panels import batch
from kamlib.periods import Quarter, as_quarter

__all__ = ["mention_counts", "mentions_by_quarter", "mentions_in"]


def _in_quarter(data, q: Quarter):
    t = data.table("mentions")
    return t.filter((t.occurred_on >= q.start) & (t.occurred_on <= q.end))


def mentions_in(data, quarter: Quarter | str) -> pd.DataFrame:
    """The quarter's mentions: ``account_id`` (empty when unlinked) and ``sentiment``."""
    return fetch(_in_quarter(data, as_quarter(quarter)).select("account_id", "sentiment"))


def mentions_by_quarter(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`mentions_in` of many quarters, the same frames, from one query tagging each
    mention with its fiscal quarter (run once per data set and fiscal start month; a
    copy is returned each time).

    >>> mentions_by_quarter(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("mentions")
        m = t.select("account_id", "sentiment",
                     **{batch.KEY: batch.fiscal_index(t.occurred_on, sm)})
        return batch.grouped(m, m.drop(batch.KEY).schema(), None)

    return batch.by_quarter(data, "mentions_in", quarters, build)


def mention_counts(data, quarter: Quarter | str) -> dict[str, int]:
    """How many mentions the quarter has (``all``) and how many name no account
    (``unlinked``)."""
    t = _in_quarter(data, as_quarter(quarter))
    return {"all": int(t.count().execute()),
            "unlinked": int(t.account_id.isnull().sum().execute() or 0)}
