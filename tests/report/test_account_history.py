"""Each current account's history for the account pages (kamlib.report.account_history),
on a tiny hand-made data set of 2026Q3 (as of 2026-09-30): the history window is
2024Q4-2026Q3 (8 quarters), the touch window 2025-10 to 2026-09 (12 months).

- A (K1): contracts C1 2024 (100) and C2 2025-2026 (120, renews C1), invoices, touches,
  requests and survey answers on both sides of each window's edges;
- B (K1): a customer in 2020-2021 only (not current: no rows anywhere);
- E (K2): a customer since 2026 without a single event.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_builder import FAST, DataSet, period

from kamlib.data.contract import is_detractor, is_promoter
from kamlib.periods import Quarter
from kamlib.report import account_history as ah

Q = Quarter("2026Q3")


def _invoice(ds, on, amount, kind, margin=None, line="p1"):
    ds.invoice("A", on, amount, product_line=line, kind=kind)
    ds.rows["invoices"][-1]["gross_margin"] = margin


def _answer(ds, on, score, would_reference=None, role=None):
    ds.response("A", on, score, would_reference)
    ds.rows["nps_responses"][-1]["contact_role"] = role


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    ds = DataSet()
    ds.account("A", kam="K1", industry="retail", region="north")
    ds.account("B", kam="K1")
    ds.account("E", kam="K2")
    ds.contract("A", "2024-01-01", "2024-12-31", 100, cid="C1")
    ds.contract("A", "2025-01-01", "2026-12-31", 120, cid="C2", renewal_of="C1")
    ds.contract("B", "2020-01-01", "2021-12-31", 50, cid="C3")
    ds.contract("E", "2026-01-01", "2027-12-31", 80, cid="C4")
    _invoice(ds, "2024-09-30", 50, "new", 10)  # 2024Q3: before the window
    _invoice(ds, "2024-11-15", 100, "repeat", 40)  # 2024Q4
    _invoice(ds, "2025-02-01", 70, "cross_sell", None, "p3")  # 2025Q1, margin unknown
    _invoice(ds, "2026-07-01", 200, "upsell", 50, "p2")  # 2026Q3
    _invoice(ds, "2026-09-30", 300, "repeat", 60)  # 2026Q3
    _invoice(ds, "2026-10-01", 999, "upsell", 1)  # after the quarter
    ds.invoice("B", "2021-03-01", 10)
    ds.touch("A", "2025-09-30T23:00:00", "outbound")  # before the touch window
    ds.touch("A", "2025-10-01T00:00:00", "inbound")  # 2025-10
    ds.touch("A", "2026-09-15", "outbound")  # 2026-09
    ds.touch("A", "2026-09-16", "inbound")  # 2026-09
    ds.touch("A", "2026-09-30T23:59:00", "outbound")  # 2026-09, the window's last minute
    ds.touch("A", "2026-10-01", "outbound")  # after the quarter
    ds.request("A", "2026-06-01")  # inbound 2026-06; open, but raised before the quarter
    ds.request("A", "2026-08-01", "2026-08-02")  # inbound 2026-08; resolved
    ds.request("A", "2026-09-20T10:00:00")  # inbound 2026-09; open 10 days at the end
    ds.touch("B", "2021-01-05")
    _answer(ds, "2024-09-30", 5)  # before the window
    _answer(ds, "2024-10-01", 9, True, "champion")  # promoter
    _answer(ds, "2026-05-01", 6)  # detractor, nothing else known
    _answer(ds, "2026-09-30", 7, False, "user")  # passive
    data = ds.load(tmp_path_factory.mktemp("history"))
    out = ah.history_frames(data, Q, FAST, period(data))
    yield out
    data.close()


def _of(f: pd.DataFrame, account: str) -> pd.DataFrame:
    return f[f.account_id == account].reset_index(drop=True)


def test_only_current_accounts(frames):
    # B's last contract ended in 2021: no row of B in any frame
    for name, f in frames.items():
        assert "B" not in set(f.account_id), name
    assert frames["account_profile"].account_id.tolist() == ["A", "E"]


def test_profile(frames):
    p = frames["account_profile"].set_index("account_id")
    assert (p.loc["A", "industry"], p.loc["A", "region"]) == ("retail", "north")
    # C1 and C2 follow each other without a gap: one spell since 2024-01-01
    assert p.loc["A", "customer_since"] == pd.Timestamp("2024-01-01")
    assert p.loc["E", "customer_since"] == pd.Timestamp("2026-01-01")


def test_contracts_in_start_order_with_their_chain(frames):
    a = _of(frames["account_contracts"], "A")
    assert a.contract_id.tolist() == ["C1", "C2"]
    assert a.annual_value.tolist() == [100, 120]
    assert pd.isna(a.renewal_of[0]) and a.renewal_of[1] == "C1"
    assert _of(frames["account_contracts"], "E").contract_id.tolist() == ["C4"]


def test_revenue_and_margin_by_quarter(frames):
    a = _of(frames["account_quarters"], "A").set_index("quarter")
    assert a.index.tolist() == [str(q) for q in Quarter.span(Quarter("2024Q4"), Q)]
    # 2024Q4: 100 (margin 40); 2025Q1: 70, margin unknown; 2026Q3: 200 + 300 = 500,
    # margin 50 + 60 = 110; the 2024-09-30 and 2026-10-01 invoices are outside
    assert a.loc["2024Q4", ["revenue", "gross_margin", "invoices"]].tolist() == [100, 40, 1]
    assert a.loc["2025Q1", "revenue"] == 70 and pd.isna(a.loc["2025Q1", "gross_margin"])
    assert a.loc["2026Q3", ["revenue", "gross_margin", "invoices"]].tolist() == [500, 110, 2]
    # the five quarters between: no invoice, so nothing earned
    quiet = a.drop(["2024Q4", "2025Q1", "2026Q3"])
    assert len(quiet) == 5 and (quiet.revenue == 0).all() and (quiet.gross_margin == 0).all()
    assert a.revenue.sum() == 670  # 100 + 70 + 500


def test_touches_by_month(frames):
    a = _of(frames["account_months"], "A").set_index("month")[["inbound", "outbound"]]
    assert a.index[0] == "2025-10" and a.index[-1] == "2026-09" and len(a) == 12
    # 2025-10: the inbound touch at midnight (the 23:00 one on 09-30 is before);
    # 2026-06 and 2026-08: a request each (inbound); 2026-09: outbound 09-15 and
    # 09-30 23:59, inbound 09-16 and the request of 09-20; 2026-10-01 is after
    assert a.loc["2025-10"].tolist() == [1, 0]
    assert a.loc["2026-06"].tolist() == [1, 0]
    assert a.loc["2026-08"].tolist() == [1, 0]
    assert a.loc["2026-09"].tolist() == [2, 2]
    assert a.inbound.sum() == 5 and a.outbound.sum() == 2  # the other 8 months are 0
    e = _of(frames["account_months"], "E")
    assert len(e) == 12 and e.inbound.sum() == 0 and e.outbound.sum() == 0


def test_survey_answers(frames):
    a = _of(frames["account_answers"], "A")
    # the 2024-09-30 answer is before 2024Q4
    assert a.responded_on.dt.strftime("%Y-%m-%d").tolist() == ["2024-10-01", "2026-05-01",
                                                                "2026-09-30"]
    assert a.score.tolist() == [9, 6, 7]
    assert a.group.tolist() == ["promoter", "detractor", "passive"]
    assert a.contact_role.tolist()[::2] == ["champion", "user"] and pd.isna(a.contact_role[1])
    assert a.would_reference[0] is True or a.would_reference[0] == True  # noqa: E712
    assert pd.isna(a.would_reference[1]) and not a.would_reference[2]
    assert len(_of(frames["account_answers"], "E")) == 0


def test_upsell_and_cross_sell(frames):
    s = _of(frames["account_sales"], "A")
    # the upsell of 2026-10-01 is after the quarter
    assert s.kind.tolist() == ["cross_sell", "upsell"]
    assert s.product_line.tolist() == ["p3", "p2"] and s.amount.tolist() == [70, 200]


def test_open_requests(frames):
    r = frames["account_requests"]
    # only the request of 2026-09-20: raised in the quarter, open on 09-30 (10 days later)
    assert r.account_id.tolist() == ["A"]
    assert r.raised_on.tolist() == [pd.Timestamp("2026-09-20")] and r.age_days.tolist() == [10]


def test_derived_kinds_when_the_column_is_absent(tmp_path):
    # without a kind column: the first invoice is new, a new product line cross-sells
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31", 100)
    ds.invoice("A", "2025-01-10", 10, product_line="p1")  # new
    ds.invoice("A", "2025-05-10", 20, product_line="p2")  # cross_sell
    ds.invoice("A", "2025-06-10", 30, product_line="p1")  # repeat
    ds.drop["invoices"] = {"kind"}
    with ds.load(tmp_path) as data:
        s = ah.history_frames(data, Q, FAST, period(data))["account_sales"]
    assert s.kind.tolist() == ["cross_sell"] and s.amount.tolist() == [20]


@given(st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                max_value=pd.Timestamp("2099-12-31").date()), st.integers(1, 30))
def test_month_labels_are_consecutive_and_end_in_the_day_s_month(day, months):
    labels = ah.month_labels(day, months)
    assert len(labels) == months and labels[-1] == f"{day.year:04d}-{day.month:02d}"
    periods = [pd.Period(x, freq="M") for x in labels]
    assert all(b - a == 1 * periods[0].freq for a, b in zip(periods, periods[1:], strict=False))


@given(st.lists(st.integers(0, 10), min_size=1))
def test_nps_groups_follow_the_contract_s_bins(scores):
    s = pd.Series(scores)
    g = ah.nps_group(s)
    assert ((g == "promoter") == is_promoter(s)).all()
    assert ((g == "detractor") == is_detractor(s)).all()
    assert set(g) <= {"promoter", "passive", "detractor"}
