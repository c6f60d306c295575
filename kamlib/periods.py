"""Fiscal quarters.

A fiscal year starts in ``start_month`` (default January: pass
``Settings.fiscal_year_start_month`` for the configured one) and is named after the calendar year in which it **ends**: with an April start,
``2026Q1`` runs from 2025-04-01 to 2025-06-30 and ``2026Q4`` ends on 2026-03-31.
With a January start, fiscal and calendar quarters coincide.

>>> q = Quarter("2026Q3")
>>> q.start, q.end
(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
>>> str(q.previous()), str(q.year_ago())
('2026Q2', '2025Q3')
>>> Quarter("2026Q1", start_month=4).start
datetime.date(2025, 4, 1)
>>> Quarter.containing(date(2026, 8, 15))
Quarter('2026Q3')
>>> as_quarter("2026q1", start_month=4) == Quarter("2026Q1", 4)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import total_ordering

__all__ = ["Quarter", "as_quarter"]

_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _add_months(year: int, month: int, k: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + k
    return idx // 12, idx % 12 + 1


@total_ordering
@dataclass(frozen=True)
class Quarter:
    """A fiscal quarter such as ``Quarter("2026Q3")``.

    Parameters
    ----------
    label : ``"YYYYQn"`` (also accepts ``"YYYY-Qn"`` and lowercase ``q``).
    start_month : first month of the fiscal year (default 1: calendar quarters).
    """

    label: str
    start_month: int = field(default=1, compare=False)
    year: int = field(init=False, compare=True)
    number: int = field(init=False, compare=True)

    def __post_init__(self) -> None:
        m = _LABEL.match(str(self.label))
        if not m:
            raise ValueError(f"not a quarter: {self.label!r} (expected e.g. '2026Q3')")
        sm = self.start_month
        if not 1 <= sm <= 12:
            raise ValueError(f"fiscal start month must be 1..12, got {sm}")
        object.__setattr__(self, "start_month", sm)
        object.__setattr__(self, "year", int(m.group(1)))
        object.__setattr__(self, "number", int(m.group(2)))
        object.__setattr__(self, "label", f"{self.year}Q{self.number}")

    # -- dates -------------------------------------------------------------
    @property
    def start(self) -> date:
        """First day of the quarter."""
        # the fiscal year named Y starts in start_month of Y-1, unless start_month is 1
        fy_start_year = self.year if self.start_month == 1 else self.year - 1
        y, m = _add_months(fy_start_year, self.start_month, 3 * (self.number - 1))
        return date(y, m, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter (the ``as_of`` date of its figures)."""
        y, m = _add_months(self.start.year, self.start.month, 3)
        return date(y, m, 1) - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    # -- navigation ----------------------------------------------------------
    def shift(self, k: int) -> Quarter:
        """The quarter ``k`` quarters later (earlier when negative)."""
        idx = self.year * 4 + (self.number - 1) + k
        return Quarter(f"{idx // 4}Q{idx % 4 + 1}", start_month=self.start_month)

    def previous(self) -> Quarter:
        return self.shift(-1)

    def next(self) -> Quarter:
        return self.shift(1)

    def year_ago(self) -> Quarter:
        return self.shift(-4)

    @classmethod
    def containing(cls, day: date, start_month: int = 1) -> Quarter:
        """The fiscal quarter that holds ``day``."""
        sm = start_month
        months_into_fy = (day.month - sm) % 12
        fy_start_year = day.year if day.month >= sm else day.year - 1
        fy_name = fy_start_year if sm == 1 else fy_start_year + 1
        return cls(f"{fy_name}Q{months_into_fy // 3 + 1}", start_month=sm)

    @classmethod
    def latest_complete(cls, last_day: date, start_month: int = 1) -> Quarter:
        """The latest quarter whose last day is on or before ``last_day``."""
        q = cls.containing(last_day, start_month)
        return q if q.end <= last_day else q.previous()

    @classmethod
    def span(cls, first: Quarter, last: Quarter) -> list[Quarter]:
        """All quarters from ``first`` to ``last`` inclusive."""
        out, q = [], first
        while q <= last:
            out.append(q)
            q = q.next()
        return out

    # -- dunder --------------------------------------------------------------
    def __lt__(self, other: Quarter) -> bool:
        if not isinstance(other, Quarter):
            return NotImplemented
        return (self.year, self.number) < (other.year, other.number)

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"Quarter({self.label!r})"


def as_quarter(quarter: Quarter | str, start_month: int = 1) -> Quarter:
    """``quarter`` as a :class:`Quarter`: a label such as ``"2026Q3"`` is read with
    ``start_month`` (pass ``Settings.fiscal_year_start_month``); a Quarter is returned
    as it is.

    >>> as_quarter("2026Q3").start, as_quarter(Quarter("2026Q3", 4), 1).start_month
    (datetime.date(2026, 7, 1), 4)
    """
    return quarter if isinstance(quarter, Quarter) else Quarter(str(quarter), start_month)
