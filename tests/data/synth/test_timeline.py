"""Day numbers of the synthetic-data generator (kamlib.data.synth.timeline)."""

from __future__ import annotations

from datetime import date

import pytest

from kamlib.data.synth.parameters import SynthConfig
from kamlib.data.synth.timeline import add_years, day, month_days, months


def test_day_numbers_count_from_1970():
    assert day(date(1970, 1, 1)) == 0
    # 1970..2020 is 51 years, 13 of them leap (1972, ..., 2020): 51 * 365 + 13 = 18628
    assert day(date(2021, 1, 1)) == 18628
    assert day(date(1969, 12, 31)) == -1


def test_months_of_the_default_history():
    m = months(SynthConfig())  # 2021-01 .. 2026-09: 5 * 12 + 9
    assert len(m) == 69 and m[0] == (2021, 1) and m[-1] == (2026, 9)
    assert months(SynthConfig(start=date(2021, 12, 15), end=date(2022, 2, 1))) == [
        (2021, 12), (2022, 1), (2022, 2)]


@pytest.mark.parametrize("y, m, first, last", [
    (2024, 2, date(2024, 2, 1), date(2024, 2, 29)),  # leap year
    (2025, 2, date(2025, 2, 1), date(2025, 2, 28)),
    (2025, 12, date(2025, 12, 1), date(2025, 12, 31)),  # the next month is in 2026
])
def test_month_days(y, m, first, last):
    assert month_days(y, m) == (day(first), day(last))


@pytest.mark.parametrize("start, years, end", [
    (date(2021, 3, 15), 1, date(2022, 3, 15)),
    (date(2024, 2, 29), 1, date(2025, 2, 28)),  # no 29 February in 2025
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
])
def test_add_years_keeps_the_calendar_day(start, years, end):
    assert add_years(day(start), years) == day(end)
