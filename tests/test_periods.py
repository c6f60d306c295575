"""Fiscal quarters, including non-January fiscal years."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamlib.periods import Quarter


def test_calendar_quarter():
    q = Quarter("2026Q3", start_month=1)
    assert (q.start, q.end, q.days) == (date(2026, 7, 1), date(2026, 9, 30), 92)
    assert str(q.previous()) == "2026Q2"
    assert str(q.year_ago()) == "2025Q3"
    assert str(Quarter("2026Q1", start_month=1).previous()) == "2025Q4"


def test_april_fiscal_year_is_named_by_its_end():
    # FY2026 runs 2025-04-01 .. 2026-03-31; Q1 = Apr-Jun 2025, Q4 = Jan-Mar 2026
    q1 = Quarter("2026Q1", start_month=4)
    assert (q1.start, q1.end) == (date(2025, 4, 1), date(2025, 6, 30))
    q4 = Quarter("2026Q4", start_month=4)
    assert (q4.start, q4.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert Quarter.containing(date(2025, 12, 31), start_month=4) == Quarter("2026Q3", 4)
    assert Quarter.containing(date(2026, 4, 1), start_month=4) == Quarter("2027Q1", 4)


def test_november_fiscal_year_crosses_calendar_year():
    # FY2027 starts 2026-11-01: Q1 = Nov 2026 - Jan 2027 (crosses the calendar year)
    q = Quarter("2027Q1", start_month=11)
    assert (q.start, q.end) == (date(2026, 11, 1), date(2027, 1, 31))
    assert q.next().start == date(2027, 2, 1)
    assert q.previous().end == date(2026, 10, 31)


def test_label_forms_and_errors():
    assert Quarter("2026-q3", 1) == Quarter("2026Q3", 1)
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter("2026Q5", 1)
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter("Q3 2026", 1)


def test_latest_complete_and_span():
    assert Quarter.latest_complete(date(2026, 9, 30), 1) == Quarter("2026Q3", 1)
    assert Quarter.latest_complete(date(2026, 9, 29), 1) == Quarter("2026Q2", 1)
    span = Quarter.span(Quarter("2025Q4", 1), Quarter("2026Q2", 1))
    assert [str(q) for q in span] == ["2025Q4", "2026Q1", "2026Q2"]


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(min_value=1, max_value=12))
def test_every_day_is_in_exactly_its_quarter(day, start_month):
    q = Quarter.containing(day, start_month)
    assert q.start <= day <= q.end
    assert q.previous().end < q.start and q.next().start > q.end
    assert q.next().start == date.fromordinal(q.end.toordinal() + 1)
    assert q.start.month in {(start_month - 1 + 3 * k) % 12 + 1 for k in range(4)}


def test_a_quarter_never_reads_the_config(tmp_path, monkeypatch):
    """The fiscal start month is an argument (default January), whatever kam.toml says."""
    toml = tmp_path / "kam.toml"
    toml.write_text("[settings]\nfiscal_year_start_month = 4\n")
    monkeypatch.setenv("KAM_CONFIG", str(toml))
    assert Quarter("2026Q1").start == date(2026, 1, 1)
    assert Quarter.containing(date(2026, 4, 1)) == Quarter("2026Q2")
    assert Quarter.latest_complete(date(2026, 4, 1)).start_month == 1


def test_as_quarter_coerces_a_label_once():
    from kamlib.periods import as_quarter

    q = as_quarter(" 2026-q1 ", start_month=4)
    assert q == Quarter("2026Q1", 4) and q.start == date(2025, 4, 1)
    assert as_quarter(q) is q  # a Quarter keeps its own start month
    with pytest.raises(ValueError, match="not a quarter"):
        as_quarter("2026Q5")
