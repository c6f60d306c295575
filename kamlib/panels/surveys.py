"""The account managers' own survey (eNPS): a quarter's answers, or each KAM's mean
score over a span of days."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib.data.sources import fetch
from kamlib.panels import batch
from kamlib.periods import Quarter, as_quarter

__all__ = ["answers_by_quarter", "employee_answers", "kam_satisfaction"]


def employee_answers(data, quarter: Quarter | str) -> pd.DataFrame:
    """The answers given in the quarter, one row per answer (every column of
    ``employee_surveys``), ordered by ``response_id``."""
    q = as_quarter(quarter)
    t = data.table("employee_surveys")
    return fetch(t.filter((t.responded_on >= q.start) & (t.responded_on <= q.end)),
                 by="response_id")


def answers_by_quarter(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`employee_answers` of many quarters, the same frames, from one query tagging
    each answer with its fiscal quarter (run once per data set and fiscal start month; a
    copy is returned each time).

    >>> answers_by_quarter(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("employee_surveys")
        return batch.grouped(t.mutate(**{batch.KEY: batch.fiscal_index(t.responded_on, sm)}),
                             t.schema(), "response_id")

    return batch.by_quarter(data, "employee_answers", quarters, build)


def kam_satisfaction(data, first_day: date, last_day: date) -> pd.DataFrame:
    """Per KAM, the answers given from ``first_day`` to ``last_day``: mean score
    (``satisfaction``) and count (``answers``), ordered by ``kam_id``."""
    t = data.table("employee_surveys")
    t = t.filter((t.responded_on >= first_day) & (t.responded_on <= last_day))
    return fetch(t.group_by("kam_id").aggregate(satisfaction=t.score.mean(), answers=t.count()),
                 by="kam_id")
