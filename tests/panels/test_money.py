"""kamlib.panels.money: the margins of the accounts' invoices, queried in the engine."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from kpi_builder import DataSet
from pytest import approx

from kamlib.panels import money
from kamlib.periods import Quarter


def test_trailing_and_realised_margin(tmp_path):
    ds = DataSet()
    ds.contract("A", "2024-01-01", "2026-12-31")
    ds.contract("B", "2024-01-01", "2026-12-31")
    ds.invoice("A", "2025-09-30", 500)  # exactly 365 days before as_of: not trailing
    ds.invoice("A", "2026-01-10", 100)
    ds.rows["invoices"][-1]["gross_margin"] = 30
    ds.invoice("A", "2026-09-30", 50)  # no margin given: 40 % of the amount
    ds.invoice("B", "2026-02-01", 200)
    ds.rows["invoices"][-1]["gross_margin"] = 60
    ds.invoice("B", "2026-10-01", 999)  # after as_of
    ds.rows["invoices"][-1]["gross_margin"] = 999
    with ds.load(tmp_path) as data:
        trailing = money.trailing_margin(data, date(2026, 9, 30), margin_rate=0.4)
        realised = money.realised_margin(data, date(2026, 9, 30), margin_rate=0.4)
    # A: 30 + 0.4 * 50 = 50; B: 60
    assert trailing.to_dict() == {"A": approx(50.0), "B": approx(60.0)}
    # all invoices up to as_of, with the same fallback for a missing margin:
    # A: 0.4 * 500 + 30 + 0.4 * 50 = 250; B: 60 (the invoice after as_of does not count)
    assert realised.to_dict() == {"A": approx(250.0), "B": approx(60.0)}


def test_without_a_margin_column_both_margins_are_the_rate_times_the_amount(tmp_path):
    ds = DataSet()
    ds.contract("A", "2024-01-01", "2026-12-31")
    ds.invoice("A", "2025-03-01", 1000)
    ds.invoice("A", "2026-03-01", 200)
    ds.drop["invoices"] = {"gross_margin"}
    with ds.load(tmp_path) as data:
        assert not data.has_column("invoices", "gross_margin")
        trailing = money.trailing_margin(data, date(2026, 9, 30), margin_rate=0.25)
        realised = money.realised_margin(data, date(2026, 9, 30), margin_rate=0.25)
    # trailing: 0.25 * 200 = 50; realised: 0.25 * (1000 + 200) = 300 (not the revenue, 1200)
    assert trailing.to_dict() == {"A": approx(50.0)}
    assert realised.to_dict() == {"A": approx(300.0)}


Q = Quarter("2026Q3")


def test_margins_of_the_sample_sum_its_invoices(sample_data):
    inv = sample_data.frame("invoices")
    inv["issued_on"] = pd.to_datetime(inv.issued_on)
    upto = inv[inv.issued_on <= pd.Timestamp(Q.end)]
    realised = money.realised_margin(sample_data, Q.end, margin_rate=0.35)
    col = "gross_margin" if sample_data.has_column("invoices", "gross_margin") else "amount"
    want = upto[col].fillna(upto.amount * 0.35) if col == "gross_margin" else upto.amount * 0.35
    assert realised.sum() == pytest.approx(want.sum())
    year = upto[upto.issued_on > pd.Timestamp(Q.end - timedelta(days=365))]
    trailing = money.trailing_margin(sample_data, Q.end, margin_rate=0.35)
    want = year[col].fillna(year.amount * 0.35) if col == "gross_margin" else year.amount * 0.35
    assert trailing.sum() == pytest.approx(want.sum())
