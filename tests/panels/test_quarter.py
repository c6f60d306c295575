"""Per-period panels (kamlib.panels.quarter) on tiny hand-made data.

Every expected number is worked out by hand in the comment next to it. The period
is 2026Q3 (2026-07-01..2026-09-30) unless stated.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_builder import DataSet

from kamlib.panels import quarter as panels
from kamlib.panels.quarter import contracts_frame
from kamlib.periods import Quarter

Q3 = Quarter("2026Q3", 1)


# =========================================================================== contracted value
def _acv_contracts(rows, link: bool = True) -> pd.DataFrame:
    cols = ["contract_id", "account_id", "start_on", "end_on", "annual_value", "renewal_of"]
    c = pd.DataFrame(rows, columns=cols)
    for col in ("start_on", "end_on"):
        c[col] = pd.to_datetime(c[col])
    c["annual_value"] = c["annual_value"].astype(float)
    return c if link else c.drop(columns=["renewal_of"])


@pytest.mark.parametrize("link", [True, False], ids=["renewal_of", "date_rule"])
def test_acv_on_early_renewal_replaces_its_predecessor(link):
    # R1 runs 2025-01-01..2025-12-31 (100); its renewal R2 starts early, 2025-12-15
    # (inside (end_on - 30, end_on + 31] for the date rule), at 130. P is an unrelated
    # parallel contract (50) of the same account: it adds up.
    c = _acv_contracts([
        ("R1", "A", "2025-01-01", "2025-12-31", 100, None),
        ("R2", "A", "2025-12-15", "2026-12-14", 130, "R1"),
        ("P", "A", "2025-06-01", "2027-05-31", 50, None),
    ], link)
    on = lambda day: panels.acv_on(c, date.fromisoformat(day), 30).get("A")  # noqa: E731
    assert on("2025-12-14") == 150  # the day before R2 starts: R1 100 + P 50
    assert on("2025-12-15") == 180  # R2 starts: R1 stops counting -> R2 130 + P 50 (not 280)
    assert on("2025-12-31") == 180  # R1 still in force on paper, but replaced
    # R2 in its renewal window while P is in force: only contracts in force count
    assert on("2026-12-20") == 50
    assert on("2027-01-20") == 50  # R2's window is over
    assert on("2027-06-15") == 50  # P in its own window: the latest contract there


def test_acv_on_renewal_in_the_window_and_side_by_side_contracts():
    # S1 ends 2025-06-30; its renewal S2 starts 2025-07-20 (in S1's window): between the
    # two, S1's value holds (it is the latest contract in its window); from 07-20, S2.
    # T1, T2 overlap but neither names the other: both count while both are in force.
    c = _acv_contracts([
        ("S1", "A", "2024-07-01", "2025-06-30", 100, None),
        ("S2", "A", "2025-07-20", "2026-07-19", 90, "S1"),
        ("T1", "B", "2025-01-01", "2025-12-31", 40, None),
        ("T2", "B", "2025-03-01", "2026-02-28", 60, None),
    ])
    acv = panels.acv_on(c, date(2025, 7, 10), 30)
    assert acv["A"] == 100 and acv["B"] == 100  # A in the window; B: 40 + 60
    acv = panels.acv_on(c, date(2025, 7, 20), 30)
    assert acv["A"] == 90


@settings(max_examples=60, deadline=None)
@given(gaps=st.lists(st.integers(-60, 25), min_size=1, max_size=4),
       lengths=st.lists(st.integers(30, 400), min_size=5, max_size=5),
       values=st.lists(st.integers(1, 9), min_size=5, max_size=5),
       which=st.integers(0, 4), offset=st.integers(-40, 80), parallel=st.booleans())
def test_property_a_renewal_chain_counts_one_contract_at_a_time(gaps, lengths, values, which,
                                                                  offset, parallel):
    # a chain linked by renewal_of, each renewal starting up to 60 days before or 25
    # days after its predecessor's end: of the chain only the latest contract started by
    # the day can count (the others are replaced); with an unlinked parallel contract,
    # the rule then applies as usual: the contracts in force add up, and when none is,
    # the latest one in its renewal window counts.
    base = date(2024, 1, 1)
    rows, start = [], 0
    for i in range(len(gaps) + 1):
        end = start + lengths[i]
        rows.append((f"c{i}", "A", base + timedelta(days=start), base + timedelta(days=end),
                     values[i] * 100, f"c{i - 1}" if i else None))
        if i < len(gaps):
            start = max(end + gaps[i], start + 1)
    if parallel:
        rows.append(("p", "A", base + timedelta(days=100), base + timedelta(days=900), 7, None))
    c = _acv_contracts([(a, b, d.isoformat(), e.isoformat(), v, r)
                        for a, b, d, e, v, r in rows])
    d = rows[which % len(rows)][2] + timedelta(days=offset)  # near a start: overlaps
    chain = [r for r in rows if r[0] != "p" and r[2] <= d]
    alive = chain[-1:] + [r for r in rows if r[0] == "p" and r[2] <= d]  # counted when...
    force = [r for r in alive if d <= r[3]]  # ...in force, or, if none, ...
    window = [r for r in alive if r[3] < d <= r[3] + timedelta(days=30)]  # in the window
    if force:
        want = float(sum(r[4] for r in force))
    elif window:
        last = max(r[3] for r in window)
        want = float(sum(r[4] for r in window if r[3] == last))
    else:
        want = 0.0
    assert panels.acv_on(c, d, 30).get("A", 0.0) == want


# =========================================================================== ownership
def test_owners_on_prefers_the_covering_assignment_then_a_later_one_then_the_owner(tmp_path):
    ds = DataSet()
    ds.account("A", kam="K2")  # current owner K2
    ds.account("B", kam="K1")
    ds.account("C", kam="K2")
    for acc in "ABC":
        ds.contract(acc, "2025-01-01", "2026-12-31")
    ds.assignment("A", "K1", "2025-01-01", "2026-06-30")
    ds.assignment("A", "K2", "2026-07-01")
    ds.assignment("B", "K3", "2026-08-01")  # B's first assignment starts in the period
    with ds.load(tmp_path) as data:
        acc = data.frame("accounts")
        start = panels.owners_on(data, acc, date(2026, 6, 30), date(2026, 9, 30))
        early = panels.owners_on(data, acc, date(2026, 6, 30), date(2026, 7, 15))
    # A: K1's assignment covers 06-30; B: none covers it, K3's starts 08-01 <= as_of;
    # C: no assignment -> its kam_id
    assert start.to_dict() == {"A": "K1", "B": "K3", "C": "K2"}
    # with as_of 07-15, K3's assignment (08-01) is outside the view: B keeps its kam_id
    assert early.to_dict() == {"A": "K1", "B": "K1", "C": "K2"}


# =========================================================================== interactions
@pytest.fixture(scope="module")
def touch_data(tmp_path_factory):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    ds.contract("B", "2026-08-01", "2027-07-31")  # won in the period, never touched
    ds.touch("A", "2026-06-20T09:00:00")  # before the period
    ds.touch("A", "2026-07-05T09:00:00", "inbound")
    ds.touch("A", "2026-07-05T15:00:00")  # same day: one touch day
    ds.touch("A", "2026-07-25T09:00:00")
    ds.touch("A", "2026-09-10T09:00:00")
    ds.touch("A", "2026-10-02T09:00:00")  # after the period
    with ds.load(tmp_path_factory.mktemp("touches")) as data:
        yield data


def test_interaction_panel_counts_days_and_gaps_inside_the_period(touch_data):
    p = panels.interaction_panel(touch_data, Q3).set_index("account_id")
    a = p.loc["A"]
    # 4 touches in Q3 (07-05 twice, 07-25, 09-10): 1 inbound, 3 outbound
    assert (a.touches, a.inbound, a.outbound) == (4, 1, 3)
    assert (a.first_day, a.last_day, a.prev_day) == (
        pd.Timestamp("2026-07-05"), pd.Timestamp("2026-09-10"), pd.Timestamp("2026-06-20"))
    # touch days 07-05, 07-25, 09-10: gaps 20 and 47 days -> 47
    assert a.inner_gap == 47
    assert list(p.index) == ["A"]  # B has no interaction at all


def test_contact_gaps_count_the_stretches_before_between_and_after(touch_data):
    accounts = pd.DataFrame({"account_id": ["A", "B"],
                             "spell_start": pd.to_datetime(["2025-01-01", "2026-08-01"])})
    panel = panels.interaction_panel(touch_data, Q3)
    g = panels.contact_gaps(accounts, panel, Q3).set_index("account_id")
    # A: from 06-20 to 07-05 = 15, inner 47, 09-10 to 09-30 = 20 -> 47; last touch 20 days ago
    assert (g.loc["A", "max_gap_days"], g.loc["A", "days_since_last_touch"]) == (47, 20)
    # B: no touch; from its spell start 08-01 (after the period start) to 09-30 = 60 days
    assert g.loc["B", "max_gap_days"] == 60 and g.loc["B", "touches"] == 0
    assert math.isnan(g.loc["B", "days_since_last_touch"])


# =========================================================================== invoices
def test_invoice_panel_sums_revenue_by_kind_and_knows_earlier_billing(tmp_path):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    ds.contract("B", "2026-08-01", "2027-07-31")
    ds.invoice("A", "2026-03-01", 100, kind="new")  # before the period
    ds.invoice("A", "2026-07-10", 100, kind="repeat")
    ds.invoice("A", "2026-08-10", 20, kind="upsell")
    ds.invoice("A", "2026-09-01", -30, kind="repeat")  # a credit note
    b = ds.invoice("B", "2026-08-15", 50, kind="new")
    ds.invoice("B", "2026-10-01", 50, kind="repeat")  # after the period
    with ds.load(tmp_path) as data:
        p = panels.invoice_panel(data, Q3).set_index("account_id")
        derived = panels.invoice_panel(
            data, Q3, kinds=pd.DataFrame({"invoice_id": [b], "kind": ["cross_sell"]})
        ).set_index("account_id")
    a = p.loc["A"]
    # A: 100 + 20 - 30 = 90; repeat 100 - 30 = 70 over 2 invoices; upsell 20
    assert (a.revenue, a.rev_repeat, a.n_repeat, a.rev_upsell, a.n_upsell) == (90, 70, 2, 20, 1)
    assert a.billed_before and not p.loc["B", "billed_before"]
    assert (p.loc["B", "revenue"], p.loc["B", "rev_new"]) == (50, 50)
    # the kinds given override the column: B's invoice counts as cross-sell, not new
    assert (derived.loc["B", "rev_cross_sell"], derived.loc["B", "rev_new"]) == (50, 0)


# =========================================================================== responses
def test_response_panel_classes_the_scores_of_the_period(tmp_path):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    for score in (10, 9, 8, 6):
        ds.response("A", "2026-08-01", score)
    ds.response("A", "2026-06-30", 0)  # Q2: not counted
    with ds.load(tmp_path) as data:
        r = panels.response_panel(data, Q3).set_index("account_id").loc["A"]
    # promoters 10, 9; passive 8; detractor 6; mean (10 + 9 + 8 + 6) / 4 = 8.25
    assert (r.responses, r.promoters, r.passives, r.detractors) == (4, 2, 1, 1)
    assert r.mean_score == pytest.approx(8.25)


def test_reference_panel_looks_back_twelve_months(tmp_path):
    ds = DataSet()
    for acc in "ABC":
        ds.contract(acc, "2025-01-01", "2026-12-31")
    ds.response("A", "2025-09-30", 10, would_reference=True)  # exactly 365 days: outside
    ds.response("A", "2026-05-01", 7, would_reference=False)
    ds.response("B", "2026-01-01", 9, would_reference=True)
    ds.response("C", "2026-02-01", 9)  # question not answered
    with ds.load(tmp_path) as data:
        r = panels.reference_panel(data, date(2026, 9, 30)).set_index("account_id")
    # window (2025-09-30, 2026-09-30]: A answered once (no), B once (yes), C not at all
    assert r.answered.to_dict() == {"A": 1, "B": 1}
    assert r.referenced.to_dict() == {"A": 0, "B": 1}


def test_contracts_are_read_once_per_data_set(sample_data, monkeypatch):
    first = contracts_frame(sample_data)
    monkeypatch.setattr(type(sample_data), "frame",
                        lambda self, name: pytest.fail(f"read {name} again"))
    again = contracts_frame(sample_data)
    pd.testing.assert_frame_equal(first, again)
    again.loc[0, "annual_value"] = -1.0  # a copy: the next caller is not affected
    assert contracts_frame(sample_data).loc[0, "annual_value"] != -1.0


# =========================================================================== interactions, batched
def test_interaction_panels_give_each_quarter_its_panel(touch_data):
    q2, q4 = Quarter("2026Q2", 1), Quarter("2026Q4", 1)
    got = panels.interaction_panels(touch_data, [q4, Q3, q2])  # any order
    assert list(got) == [q4, Q3, q2]
    a2, a3, a4 = (got[q].set_index("account_id").loc["A"] for q in (q2, Q3, q4))
    # Q2: one touch (06-20), nothing before it, one touch day: no inner gap
    assert (a2.touches, a2.first_day, a2.last_day) == (1, pd.Timestamp("2026-06-20"),
                                                       pd.Timestamp("2026-06-20"))
    assert pd.isna(a2.prev_day) and pd.isna(a2.inner_gap)
    # Q3 as one quarter alone: 4 touches, gaps 20 and 47 days, the last touch before 06-20
    assert (a3.touches, a3.inbound, a3.inner_gap, a3.prev_day) == (
        4, 1, 47, pd.Timestamp("2026-06-20"))
    # Q4: 10-02 only; the last touch before it is Q3's 09-10 (not Q2's 06-20)
    assert (a4.touches, a4.prev_day) == (1, pd.Timestamp("2026-09-10"))


def test_interaction_panels_equal_the_panels_of_one_quarter(touch_data, sample_data):
    """The batch must give what :func:`interaction_panel` gives, quarter by quarter,
    dtypes and all, for quarters with touches, without, and apart from each other."""
    cases = [(touch_data, ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q2"]),
             (sample_data, ["2020Q4", "2021Q1", "2023Q2", "2024Q3", "2024Q4", "2026Q3",
                            "2027Q1"])]
    for data, labels in cases:
        qs = [Quarter(q, 1) for q in labels]
        got = panels.interaction_panels(data, qs)
        for q in qs:
            pd.testing.assert_frame_equal(got[q], panels.interaction_panel(data, q),
                                          check_exact=True)


def test_interaction_panels_are_built_once_per_data_set(touch_data, monkeypatch):
    q1 = Quarter("2025Q1", 1)
    first = panels.interaction_panels(touch_data, [q1, Q3])
    monkeypatch.setattr(type(touch_data), "table",
                        lambda self, name: pytest.fail(f"queried {name} again"))
    again = panels.interaction_panels(touch_data, [Q3, q1])
    for q in (q1, Q3):
        pd.testing.assert_frame_equal(first[q], again[q])
    again[Q3].loc[0, "touches"] = -1  # a copy: the next caller is not affected
    assert panels.interaction_panels(touch_data, [Q3])[Q3].loc[0, "touches"] != -1


_DAYS = st.integers(min_value=0, max_value=400)  # days from 2025-10-01 (2025Q4 .. 2026Q4)


def test_the_batch_finds_gaps_at_the_edges_of_a_92_day_quarter(tmp_path):
    """The batch keeps a quarter's touch days as bits in words of 31 days: the first
    and last day of a 92-day quarter (days 0 and 91) and days on either side of a
    word's edge (30 | 31, 61 | 62) must all count. Hand-computed gaps, and the
    one-quarter query's frame."""
    ds = DataSet()
    for acc in "ABCD":
        ds.contract(acc, "2026-01-01", "2026-12-31")
    for acc, days in {"A": ["07-01", "08-01", "09-30"],  # days 0, 31, 91: gaps 31, 60
                      "B": ["07-01", "09-30"],           # days 0 and 91: 91
                      "C": ["07-31", "08-01", "08-31", "09-01"],  # 30|31, 61|62: 1, 30, 1
                      "D": ["09-30"]}.items():           # one day: no gap
        for d in days:
            ds.touch(acc, f"2026-{d}T12:00:00")
    with ds.load(tmp_path) as data:
        one = panels.interaction_panel(data, Q3)
        for bit_or in (True, False):  # the engine's bitwise or, or days grouped first
            got = panels._interaction_batch(data, [Q3], bit_or=bit_or)[Q3]
            pd.testing.assert_frame_equal(got, one, check_exact=True)
    gaps = one.set_index("account_id").inner_gap
    assert gaps[["A", "B", "C"]].tolist() == [60, 91, 30] and pd.isna(gaps["D"])


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), _DAYS, st.integers(0, 23),
                          st.booleans()), min_size=1, max_size=14),
       st.sets(st.sampled_from(["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                                "2027Q1"]), min_size=1),
       st.sampled_from([1, 4, 11]), st.booleans())
def test_property_the_batch_equals_one_query_per_quarter(touches, labels, start_month,
                                                         bit_or):
    import tempfile

    ds = DataSet()
    for acc in "ABC":
        ds.contract(acc, "2025-01-01", "2027-12-31")
    for acc, day, hour, inbound in touches:
        at = date(2025, 10, 1) + timedelta(days=day)
        ds.touch(acc, f"{at.isoformat()}T{hour:02d}:00:00", "inbound" if inbound else "outbound")
    qs = [Quarter(q, start_month) for q in sorted(labels)]  # fiscal years, any start
    with tempfile.TemporaryDirectory() as tmp, ds.load(tmp) as data:
        got = panels._interaction_batch(data, qs, bit_or=bit_or)  # Spark's way, or not
        for q in qs:
            pd.testing.assert_frame_equal(got[q], panels.interaction_panel(data, q),
                                          check_exact=True)


def test_spells_are_derived_once_per_day_and_grace(sample_data, monkeypatch):
    day = date(2024, 3, 31)
    first = panels.spells_as_of(sample_data, day, 30)
    other = panels.spells_as_of(sample_data, day, 0)  # another grace: derived anew
    monkeypatch.setattr(panels, "derive_spells", lambda *a: pytest.fail("derived again"))
    pd.testing.assert_frame_equal(first, panels.spells_as_of(sample_data, day, 30))
    pd.testing.assert_frame_equal(other, panels.spells_as_of(sample_data, day, 0))
    again = panels.spells_as_of(sample_data, day, 30)
    again.loc[0, "churned"] = not again.loc[0, "churned"]  # a copy: others unaffected
    assert panels.spells_as_of(sample_data, day, 30).loc[0, "churned"] == first.loc[0, "churned"]


# =========================================================================== batched panels
# quarters with rows, apart from each other, before and after the data (no rows), read
# with a January and an April fiscal start (the sample's surveys fall in other quarters then)
_BATCH_LABELS = ["2010Q1", "2021Q1", "2021Q2", "2023Q3", "2024Q4", "2025Q1", "2026Q2",
                 "2026Q3", "2027Q4"]


@pytest.mark.parametrize("start_month", [1, 4])
def test_response_and_invoice_panels_equal_the_panels_of_one_quarter(sample_data, start_month):
    qs = [Quarter(q, start_month) for q in _BATCH_LABELS]
    responses = panels.response_panels(sample_data, qs)
    invoices = panels.invoice_panels(sample_data, qs)
    for q in qs:
        pd.testing.assert_frame_equal(responses[q], panels.response_panel(sample_data, q),
                                      check_exact=True)
        pd.testing.assert_frame_equal(invoices[q], panels.invoice_panel(sample_data, q),
                                      check_exact=True)
    assert len(responses[qs[0]]) == 0 and len(invoices[qs[-1]]) == 0


@pytest.fixture(scope="module")
def april_data(tmp_path_factory):
    """Responses and invoices of one account around an April fiscal year start."""
    ds = DataSet()
    ds.contract("A", "2024-01-01", "2027-12-31")
    ds.contract("B", "2025-01-01", "2027-12-31")
    ds.response("A", "2025-03-31", 10)  # fiscal 2025Q4 (Jan-Mar 2025)
    ds.response("A", "2025-04-01", 6)  # fiscal 2026Q1 (Apr-Jun 2025)
    ds.response("A", "2025-06-30", 9)
    ds.response("B", "2025-05-15", 8)
    ds.invoice("A", "2025-03-01", 100, kind="new")
    ds.invoice("A", "2025-04-10", 40, kind="repeat")
    ds.invoice("A", "2025-06-30", 10, kind="upsell")
    ds.invoice("B", "2025-05-01", 70, kind="new")
    with ds.load(tmp_path_factory.mktemp("april")) as data:
        yield data


def test_batched_panels_follow_the_fiscal_year(april_data):
    q4, q1, q2 = Quarter("2025Q4", 4), Quarter("2026Q1", 4), Quarter("2026Q2", 4)
    r = panels.response_panels(april_data, [q4, q1, q2])
    inv = panels.invoice_panels(april_data, [q4, q1, q2])
    a = r[q1].set_index("account_id").loc["A"]
    # 2026Q1 (April start): A answered 6 and 9 -> 1 promoter, 1 detractor, mean 7.5
    assert (a.responses, a.promoters, a.detractors, a.mean_score) == (2, 1, 1, 7.5)
    assert r[q4].account_id.tolist() == ["A"] and len(r[q2]) == 0
    i = inv[q1].set_index("account_id")
    # A: 40 + 10 = 50 in the quarter, billed before (100 in March); B: 70, first invoice
    assert (i.loc["A", "revenue"], i.loc["A", "rev_upsell"], i.loc["A", "n_repeat"]) == (50, 10, 1)
    assert i.billed_before.to_dict() == {"A": True, "B": False}
    for q in (q4, q1, q2):
        pd.testing.assert_frame_equal(r[q], panels.response_panel(april_data, q),
                                      check_exact=True)
        pd.testing.assert_frame_equal(inv[q], panels.invoice_panel(april_data, q),
                                      check_exact=True)
    # the same label with a January start is another quarter (2026-01..03): no rows
    assert len(panels.response_panels(april_data, [Quarter("2026Q1", 1)])[
        Quarter("2026Q1", 1)]) == 0


def test_batched_panels_are_queried_once_per_data_set(april_data, monkeypatch):
    q1 = Quarter("2026Q1", 4)
    first = panels.response_panels(april_data, [q1])[q1]
    inv = panels.invoice_panels(april_data, [q1])[q1]
    monkeypatch.setattr(type(april_data), "table",
                        lambda self, name: pytest.fail(f"queried {name} again"))
    pd.testing.assert_frame_equal(first, panels.response_panels(april_data, [q1])[q1])
    pd.testing.assert_frame_equal(inv, panels.invoice_panels(april_data, [q1])[q1])
    inv.loc[0, "revenue"] = -1.0  # a copy: the next caller is not affected
    assert panels.invoice_panels(april_data, [q1])[q1].loc[0, "revenue"] != -1.0
    with pytest.raises(pytest.fail.Exception, match="queried nps_responses again"):
        # another fiscal start month is another batch
        panels.response_panels(april_data, [Quarter("2026Q1", 7)])


def test_renewals_are_derived_once_per_day_and_grace(sample_data, monkeypatch):
    from kamlib.panels.customers import derive_renewals

    day = date(2024, 6, 30)
    first = panels.renewals_as_of(sample_data, day, 30)
    pd.testing.assert_frame_equal(first, derive_renewals(contracts_frame(sample_data), day, 30),
                                  check_exact=True)  # the cached frame is the derived one
    other = panels.renewals_as_of(sample_data, day, 0)  # another grace: derived anew
    later = panels.renewals_as_of(sample_data, date(2024, 9, 30), 30)  # another day: anew
    assert not first.equals(later)
    monkeypatch.setattr(panels, "derive_renewals", lambda *a: pytest.fail("derived again"))
    pd.testing.assert_frame_equal(first, panels.renewals_as_of(sample_data, day, 30))
    pd.testing.assert_frame_equal(other, panels.renewals_as_of(sample_data, day, 0))
    first.loc[first.index[0], "renewed"] = not first.renewed.iloc[0]  # a copy
    assert panels.renewals_as_of(sample_data, day, 30).renewed.iloc[0] != first.renewed.iloc[0]


def test_contract_state_is_built_from_the_cached_spells_and_renewals(sample_data):
    from kamlib.config import Settings
    from kamlib.panels.customers import derive_renewals, derive_spells

    s = Settings()
    st8 = panels.contract_state(sample_data, Quarter("2025Q2"), s)
    c = contracts_frame(sample_data)
    end = Quarter("2025Q2").end
    pd.testing.assert_frame_equal(st8.spells, derive_spells(c, end, s.grace_days),
                                  check_exact=True)
    pd.testing.assert_frame_equal(st8.renewals, derive_renewals(c, end, s.grace_days),
                                  check_exact=True)


def test_interaction_panels_of_a_fiscal_year_starting_in_april(sample_data):
    qs = [Quarter(q, 4) for q in ("2010Q1", "2021Q2", "2024Q4", "2026Q2", "2026Q3")]
    got = panels.interaction_panels(sample_data, qs)
    for q in qs:  # 2010Q1 (2009-04..06): no touch
        pd.testing.assert_frame_equal(got[q], panels.interaction_panel(sample_data, q),
                                      check_exact=True)
    # the same label with a January start covers other months: its own panel, not April's
    jan = Quarter("2026Q2", 1)
    pd.testing.assert_frame_equal(panels.interaction_panels(sample_data, [jan])[jan],
                                  panels.interaction_panel(sample_data, jan), check_exact=True)
    assert not got[qs[3]].equals(panels.interaction_panels(sample_data, [jan])[jan])


def test_owners_are_worked_out_once_per_day_and_view(sample_data, monkeypatch):
    acc = sample_data.frame("accounts")
    day, view = date(2024, 3, 31), date(2024, 6, 30)
    first = panels.owners_as_of(sample_data, day, view)
    pd.testing.assert_series_equal(first, panels.owners_on(sample_data, acc, day, view))
    alone = panels.owners_as_of(sample_data, day)  # another view (as_of = day): anew
    pd.testing.assert_series_equal(alone, panels.owners_on(sample_data, acc, day))
    other = panels.owners_as_of(sample_data, date(2022, 3, 31), view)  # another day: anew
    pd.testing.assert_series_equal(other, panels.owners_on(sample_data, acc,
                                                           date(2022, 3, 31), view))
    monkeypatch.setattr(panels, "owners_on", lambda *a: pytest.fail("worked out again"))
    pd.testing.assert_series_equal(first, panels.owners_as_of(sample_data, day, view))
    first.iloc[0] = "nobody"  # a copy: the next caller is not affected
    assert panels.owners_as_of(sample_data, day, view).iloc[0] != "nobody"


def test_acv_is_worked_out_once_per_day_and_grace(sample_data, monkeypatch):
    from kamlib.config import Settings

    q = Quarter("2025Q2")
    state = panels.contract_state(sample_data, q, Settings())
    # the state's contracts (started by the quarter's end) have the data's value on any
    # day up to that end: the first day before the quarter, a year before, its end
    for day in (q.start - timedelta(days=1), q.shift(-4).end, q.end):
        pd.testing.assert_series_equal(panels.acv_as_of(sample_data, day, 30),
                                       panels.acv_on(state.contracts, day, 30), check_exact=True)
    no_grace = panels.acv_as_of(sample_data, q.end, 0)  # another grace: anew
    pd.testing.assert_series_equal(no_grace, panels.acv_on(state.contracts, q.end, 0),
                                   check_exact=True)
    monkeypatch.setattr(panels, "acv_on", lambda *a: pytest.fail("worked out again"))
    first = panels.acv_as_of(sample_data, q.end, 30)
    first.iloc[0] = -1.0  # a copy: the next caller is not affected
    assert panels.acv_as_of(sample_data, q.end, 30).iloc[0] != -1.0


def _owners_sorting_each_selection(assignments, accounts, day, as_of=None):
    """owners_on as first written: each day's selection sorted on its own."""
    owner = accounts.set_index("account_id")["kam_id"].copy()
    a = assignments.copy()
    a["from_on"] = pd.to_datetime(a["from_on"])
    a["to_on"] = pd.to_datetime(a["to_on"])
    d = pd.Timestamp(day)
    cover = a[(a.from_on <= d) & (a.to_on.isna() | (a.to_on >= d))]
    cover = cover.sort_values(["account_id", "from_on", "kam_id"]).groupby("account_id").last()
    later = a[(a.from_on > d) & (a.from_on <= pd.Timestamp(as_of or day))]
    later = later.sort_values(["account_id", "from_on", "kam_id"]).groupby("account_id").first()
    owner.update(later["kam_id"])
    owner.update(cover["kam_id"])
    return owner


class _Tables:
    """Just the two tables owners_on reads (the check and the engine play no part)."""

    def __init__(self, assignments):
        self.assignments = assignments

    def has(self, name):
        return name == "assignments"

    def frame(self, name):
        return self.assignments.copy()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(["K1", "K2", "K3"]),
                          st.integers(0, 20), st.one_of(st.none(), st.integers(0, 25))),
                max_size=15),
       st.lists(st.tuples(st.integers(-2, 27), st.integers(0, 5)), min_size=1, max_size=5))
def test_owners_from_the_assignments_sorted_once_are_those_sorted_per_day(rows, days):
    """The assignments are sorted once per data set; every day's owners are those of
    sorting each day's selection (rows tying on account, start and KAM included)."""
    day0 = date(2026, 1, 1)
    a = pd.DataFrame([{"assignment_id": f"a{i}", "account_id": acc, "kam_id": k,
                       "from_on": day0 + timedelta(days=f),
                       "to_on": None if t is None else day0 + timedelta(days=t)}
                      for i, (acc, k, f, t) in enumerate(rows)],
                     columns=["assignment_id", "account_id", "kam_id", "from_on", "to_on"])
    accounts = pd.DataFrame({"account_id": ["A", "B", "C", "D"], "kam_id": "K0"})
    data = _Tables(a)
    for d, ahead in days:
        day = day0 + timedelta(days=d)
        got = panels.owners_on(data, accounts, day, day + timedelta(days=ahead))
        want = _owners_sorting_each_selection(a, accounts, day, day + timedelta(days=ahead))
        pd.testing.assert_series_equal(got, want)
