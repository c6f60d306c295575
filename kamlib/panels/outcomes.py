"""What was promised and what was met: customer objectives and SLA checks of a quarter.

Both are read where the data lives; only the quarter's rows (objectives) or one row
per account (SLA checks) come back to pandas.
"""

from __future__ import annotations

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.panels import batch
from kamlib.periods import Quarter, as_quarter

__all__ = ["objectives_by_quarter", "objectives_in", "sla_by_quarter", "sla_counts"]


def objectives_in(data, quarter: Quarter | str) -> pd.DataFrame:
    """The objectives due in the quarter (``due_on`` within it), every column of the
    table, ordered by ``objective_id``."""
    q = as_quarter(quarter)
    t = data.table("objectives")
    return fetch(t.filter((t.due_on >= q.start) & (t.due_on <= q.end)), by="objective_id")


def sla_counts(data, quarter: Quarter | str) -> pd.DataFrame:
    """Per account, the SLA checks whose period ends in the quarter: ``checks`` and
    ``met``, ordered by ``account_id``."""
    q = as_quarter(quarter)
    t = data.table("sla_checks")
    t = t.filter((t.period_end >= q.start) & (t.period_end <= q.end))
    return fetch(t.group_by("account_id").aggregate(checks=t.count(), met=t.met.sum()),
                 by="account_id")


def objectives_by_quarter(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`objectives_in` of many quarters, the same frames, from one query tagging each
    objective with its fiscal quarter (:mod:`kamlib.panels.batch`; run once per data set
    and fiscal start month, a copy is returned each time).

    >>> objectives_by_quarter(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("objectives")
        return batch.grouped(t.mutate(**{batch.KEY: batch.fiscal_index(t.due_on, sm)}),
                             t.schema(), "objective_id")

    return batch.by_quarter(data, "objectives_in", quarters, build)


def sla_by_quarter(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`sla_counts` of many quarters, the same frames, from one query grouped by
    account and fiscal quarter (run once per data set and fiscal start month).

    >>> sla_by_quarter(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("sla_checks")
        t = t.mutate(**{batch.KEY: batch.fiscal_index(t.period_end, sm)})
        agg = t.group_by(["account_id", batch.KEY]).aggregate(checks=t.count(), met=t.met.sum())
        return batch.grouped(agg, agg.drop(batch.KEY).schema(), "account_id")

    return batch.by_quarter(data, "sla_counts", quarters, build)
