"""Monthly sums per account (or per KAM), summed where the data lives.

Each frame has one row per key and calendar month with data up to ``as_of``; ``ym``
is the month's ordinal ``year * 12 + month - 1``. The survival model rolls them up
into fiscal quarters.

The survival model asks for them up to several quarter ends in one build; for an
``as_of`` on a month's last day the sums of every month are queried once per data set
and cut at ``as_of``'s month (:func:`kamlib.panels.batch.cached`), the same frames as
one query up to ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.panels import batch

__all__ = ["monthly_enps", "monthly_responses", "monthly_revenue", "monthly_sla"]


def _monthly(data, table: str, key: str, date_col: str, as_of: date,
             **aggs: Callable) -> pd.DataFrame:
    """Sums per ``key`` and calendar month of ``table`` up to ``as_of``, ordered by key
    and month; each of ``aggs`` maps the table to one aggregate."""
    t = data.table(table)
    d = t[date_col].date() if t[date_col].type().is_timestamp() else t[date_col]
    t = t.filter(d <= as_of).mutate(ym=d.year() * 12 + d.month() - 1)
    return fetch(t.group_by([key, "ym"]).aggregate(**{k: f(t) for k, f in aggs.items()}),
                 by=[key, "ym"])


def _all_months(data, table: str, key: str, date_col: str, **aggs: Callable):
    t = data.table(table)
    d = t[date_col].date() if t[date_col].type().is_timestamp() else t[date_col]
    t = t.filter(d.notnull()).mutate(ym=d.year() * 12 + d.month() - 1)
    agg = t.group_by([key, "ym"]).aggregate(**{k: f(t) for k, f in aggs.items()})
    return fetch(agg, by=[key, "ym"]), agg.schema()


def _monthly_once(data, name: str, table: str, key: str, date_col: str, as_of: date,
                  **aggs: Callable) -> pd.DataFrame:
    """:func:`_monthly`, cut from the sums of every month (queried once per data set and
    ``name``, which must say which aggregates) when ``as_of`` is a month's last day."""
    if (as_of + timedelta(days=1)).day != 1:
        return _monthly(data, table, key, date_col, as_of, **aggs)
    every, schema = batch.cached(data, ("monthly", name),
                                 lambda: _all_months(data, table, key, date_col, **aggs))
    cut = every[every.ym <= as_of.year * 12 + as_of.month - 1]
    return batch.like_engine(cut, schema).reset_index(drop=True)


def monthly_responses(data, as_of: date) -> pd.DataFrame:
    """NPS answers per account and month: ``answers`` and ``score_sum``."""
    return _monthly_once(data, "responses", "nps_responses", "account_id", "responded_on", as_of,
                    answers=lambda t: t.count(), score_sum=lambda t: t.score.sum())


def monthly_revenue(data, as_of: date) -> pd.DataFrame:
    """Invoiced ``revenue`` per account and month."""
    return _monthly_once(data, "revenue", "invoices", "account_id", "issued_on", as_of,
                    revenue=lambda t: t.amount.sum())


def monthly_sla(data, as_of: date) -> pd.DataFrame:
    """SLA ``checks`` and the number ``met`` per account and month (of the period end)."""
    return _monthly_once(data, "sla", "sla_checks", "account_id", "period_end", as_of,
                    checks=lambda t: t.count(), met=lambda t: t.met.ifelse(1, 0).sum())


def monthly_enps(data, as_of: date) -> pd.DataFrame:
    """The KAMs' own survey per KAM and month: ``answers`` and ``score_sum``."""
    return _monthly_once(data, "enps", "employee_surveys", "kam_id", "responded_on", as_of,
                    answers=lambda t: t.count(), score_sum=lambda t: t.score.sum())
