"""The panels of acquisition costs (kamlib.panels.acquisition_costs): the window, the cost
rows in it, the accounts won in it and their monthly margin."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from kpi_builder import DataSet

from kamlib.panels.acquisition_costs import (
    COST_COLUMNS,
    costs_in,
    margin_share,
    window,
    won_accounts,
)

ts = pd.Timestamp


def test_window_is_the_365_days_up_to_as_of():
    lo, hi = window(date(2026, 9, 30))
    assert (lo, hi) == (ts("2025-09-30"), ts("2026-09-30"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    ds = DataSet()
    ds.account("A", kam="K1", acquisition_channel="event")
    ds.contract("A", "2026-01-10", "2026-12-31", value=1200)
    ds.add("invoices", invoice_id="I1", account_id="A", issued_on="2026-02-01", amount=1000,
           gross_margin=250, product_line="core")
    ds.acquisition_cost("2025-09-30", "event", 999)  # outside: the window is open there
    ds.acquisition_cost("2025-10-01", "event", 10, kam="K1")
    ds.acquisition_cost("2026-09-30", "email", 20)
    ds.acquisition_cost("2026-10-01", "email", 30)  # after as_of
    with ds.load(tmp_path_factory.mktemp("costs")) as d:
        yield d


def test_costs_in_keeps_the_window_open_at_its_start_and_closed_at_its_end(data):
    f = costs_in(data, *window(date(2026, 9, 30)))
    assert list(f.columns) == COST_COLUMNS
    assert f.amount.tolist() == [10.0, 20.0] and f.kam_id.tolist()[0] == "K1"


def test_costs_in_without_the_table_is_empty(tmp_path):
    ds = DataSet()
    ds.contract("A", "2026-01-10", "2026-12-31")
    with ds.load(tmp_path) as d:
        f = costs_in(d, *window(date(2026, 9, 30)))
    assert f.empty and list(f.columns) == COST_COLUMNS


def test_margin_share_is_margin_over_amount(data):
    assert margin_share(data, date(2026, 9, 30), 0.5).to_dict() == {"A": 0.25}


def test_won_accounts_first_contract_in_the_window_and_the_winning_kam():
    c = pd.DataFrame({"account_id": ["A", "A", "B", "C"],
                      "start_on": [ts("2026-01-10"), ts("2026-01-10"), ts("2025-09-30"),
                                   ts("2026-05-01")],
                      "annual_value": [600.0, 600.0, 50.0, 240.0]})
    a = pd.DataFrame({"account_id": ["A", "B", "C"], "acquisition_channel": ["event", "email", None],
                      "kam_id": ["K2", "K2", "K3"]})
    p = pd.DataFrame({"account_id": ["A", "A", None], "kam_id": ["K9", "K1", "K5"],
                      "converted_on": [ts("2026-01-09"), ts("2026-01-01"), pd.NaT]})
    w = won_accounts(c, a, p, pd.Series({"A": 0.5}), *window(date(2026, 9, 30)), 0.3)
    # B's first contract starts on the window's open end: not won in it. A: two contracts
    # on its first day, 600 + 600 = 1200 a year x 0.5 / 12 = 50 a month, won by K1 (its
    # earliest converted prospect); C: no prospect -> the credited KAM K3, margin_rate
    # 0.3: 240 x 0.3 / 12 = 6
    assert w.account_id.tolist() == ["A", "C"]
    assert w.kam_id.tolist() == ["K1", "K3"]
    assert w.monthly_margin.tolist() == pytest.approx([50.0, 6.0])
    assert w.won_on.tolist() == [ts("2026-01-10"), ts("2026-05-01")]
