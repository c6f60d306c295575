"""Day numbers (days since 1970-01-01), the simulation's clock.

>>> day(date(1970, 1, 11))
10
>>> add_years(day(date(2024, 2, 29)), 1) == day(date(2025, 2, 28))
True
>>> month_days(2024, 2) == (day(date(2024, 2, 1)), day(date(2024, 2, 29)))
True
"""

from __future__ import annotations

from datetime import date

import numpy as np

from kamlib.data.synth.parameters import SynthConfig

__all__ = ["EPOCH", "add_years", "day", "month_days", "months"]

EPOCH = np.datetime64("1970-01-01", "D")


def day(d: date) -> int:
    """The day number of a date."""
    return (np.datetime64(d, "D") - EPOCH).astype(int).item()


def months(cfg: SynthConfig) -> list[tuple[int, int]]:
    """Every (year, month) of the history, in order.

    >>> months(SynthConfig(start=date(2021, 11, 5), end=date(2022, 1, 31)))
    [(2021, 11), (2021, 12), (2022, 1)]
    """
    out, y, m = [], cfg.start.year, cfg.start.month
    while (y, m) <= (cfg.end.year, cfg.end.month):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def month_days(y: int, m: int) -> tuple[int, int]:
    """The first and the last day number of a month."""
    return day(date(y, m, 1)), day(date(y + (m == 12), m % 12 + 1, 1)) - 1


def add_years(d: int, years: int) -> int:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    when = (EPOCH + np.timedelta64(d, "D")).astype(object)
    try:
        return day(when.replace(year=when.year + years))
    except ValueError:  # 29 February
        return day(when.replace(year=when.year + years, day=28))
