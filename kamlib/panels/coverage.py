"""How far the data reaches: the default quarter, judged from the bulk of the activity.

The activity is every used row of ``interactions`` (``occurred_at``), ``invoices``
(``issued_on``) and ``contracts`` (``start_on``), pooled. Its end is found so that a
few stray rows (a typo dated 2062, a test row) cannot move it:

1. the *bulk end* is the 99.9th percentile of the activity dates, taken so that it
   never rests on the single latest row: the (k+1)-th latest date, with
   k = max(1, ⌊n / 1000⌋) for n rows;
2. the data's *last day* is the latest activity date no later than the bulk end plus
   a slack: the time the bulk's own last k rows span, at least 3 days and at most
   92. Dense data then keeps its true last day (the bulk end is a day or two before
   it) and sparse data its last rows, while a row that stands apart from the rest by
   more than that is ignored;
3. the default quarter is the latest quarter that ends on or before the last day.

:func:`data_end` queries the data each time it is called; a caller that needs the end
more than once computes it once and passes it on (the ``end`` parameters).

Rows later than the last day are valid (a date up to 2100 is plausible): they are
outside the view of every quarter up to theirs, and :func:`explain` names them.

>>> from datetime import date
>>> days = [date(2026, 9, d) for d in range(1, 31)]
>>> activity_end(days + [date(2062, 3, 1)])
ActivityEnd(last=datetime.date(2026, 9, 30), bulk=datetime.date(2026, 9, 30), ignored=1, latest=datetime.date(2062, 3, 1))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import pandas as pd

from kamlib.config import Settings
from kamlib.data.sources import fetch
from kamlib.periods import Quarter, as_quarter

__all__ = ["ACTIVITY", "MAX_SLACK", "MIN_SLACK", "TAIL", "ActivityEnd", "activity_end",
           "data_end", "data_quarters", "explain", "first_interaction", "tail_size"]

ACTIVITY = (("interactions", "occurred_at"), ("invoices", "issued_on"),
            ("contracts", "start_on"))
"""The tables (and dates) whose rows make the activity."""
TAIL = 1000
"""One row in this many may lie beyond the bulk end (the 99.9th percentile)."""
MIN_SLACK = timedelta(days=3)
MAX_SLACK = timedelta(days=92)


@dataclass(frozen=True)
class ActivityEnd:
    """Where the activity ends.

    Attributes
    ----------
    last : the data's last day (the default quarter ends on or before it).
    bulk : the bulk end (the 99.9th percentile of the activity dates).
    ignored : rows dated after ``last``.
    latest : the latest of those rows, or None.
    """

    last: date
    bulk: date
    ignored: int
    latest: date | None


def tail_size(n: int) -> int:
    """How many of the latest dates :func:`activity_end` needs for ``n`` rows."""
    return 2 * max(1, n // TAIL) + 1


def activity_end(dates: Iterable[date], n: int | None = None) -> ActivityEnd:
    """The end of the activity given its dates (see the module's rule).

    ``dates`` may be only the latest :func:`tail_size` ``(n)`` dates of ``n`` rows.
    """
    top = sorted((pd.Timestamp(d).date() for d in dates), reverse=True)
    if not top:
        raise ValueError("no activity dates")
    n = len(top) if n is None else n
    k = max(1, n // TAIL)
    bulk = top[min(k, len(top) - 1)]
    before = top[min(2 * k, len(top) - 1)]
    slack = min(max(bulk - before, MIN_SLACK), MAX_SLACK)
    last = next(d for d in top if d <= bulk + slack)
    later = [d for d in top if d > last]
    return ActivityEnd(last, bulk, len(later), later[0] if later else None)


def data_end(data) -> ActivityEnd:
    """The end of a validated data set's activity (two small queries per table)."""
    tables = [(name, col) for name, col in ACTIVITY if data.has(name)]
    counts = {name: int(data.table(name).count().execute()) for name, _ in tables}
    m = tail_size(sum(counts.values()))
    dates: list[date] = []
    for name, col in tables:
        if counts[name]:
            t = data.table(name)
            v = t[col] if t[col].type().is_date() else t[col].date()
            top = fetch(t.select(d=v).order_by(ibis.desc("d")).limit(m))["d"]
            dates += [pd.Timestamp(d).date() for d in top]
    return activity_end(dates, sum(counts.values()))


def first_interaction(data):
    """The earliest ``occurred_at`` of the interactions (None or NaT when there are
    none), as the engine returns it."""
    return data.table("interactions").occurred_at.min().execute()


def data_quarters(data, settings: Settings, end: ActivityEnd | None = None
                  ) -> tuple[Quarter, Quarter]:
    """The first quarter with a contract and the latest complete quarter of the data
    (the latest quarter ending on or before the activity's last day). ``end`` is the
    data's :func:`data_end` when the caller has it already."""
    sm = settings.fiscal_year_start_month
    first = data.table("contracts").start_on.min().execute()
    first_q = Quarter.containing(pd.Timestamp(first).date(), sm)
    end = end if end is not None else data_end(data)
    return first_q, Quarter.latest_complete(end.last, sm)


def explain(data, settings: Settings, quarter: Quarter | str | None = None,
            end: ActivityEnd | None = None) -> str:
    """One line saying which quarter is the default and why, e.g.
    ``quarter 2026Q3 (latest complete quarter of the data: activity runs to 2026-10-01;
    3 later rows, up to 2026-10-21, stand apart from the bulk and do not count)``.
    ``end`` is the data's :func:`data_end` when the caller has it already."""
    end = end if end is not None else data_end(data)
    q = as_quarter(quarter, settings.fiscal_year_start_month) if quarter is not None \
        else data_quarters(data, settings, end)[1]
    why = f"latest complete quarter of the data: activity runs to {end.last}"
    if end.ignored == 1:
        why += f"; 1 later row ({end.latest}) stands apart from the bulk and does not count"
    elif end.ignored:
        why += (f"; {end.ignored:,} later rows, up to {end.latest}, stand apart from the "
                "bulk and do not count")
    return f"quarter {q} ({why})"
