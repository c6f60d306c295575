"""Tests of kamlib.panels.customers: spells, churn, renewals and status from contracts.

Every expected value is worked out by hand in the comments next to it
(grace is 30 days unless stated; 2024 is a leap year).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlib.panels.customers import (
    RENEWAL_COLUMNS,
    SPELL_COLUMNS,
    STATUS_COLUMNS,
    PreparedContracts,
    account_status,
    customers_on,
    derive_renewals,
    derive_spells,
)

T = pd.Timestamp


def make(rows, renewal_of: bool = False) -> pd.DataFrame:
    """Contracts from ``(contract_id, account_id, start, end, value[, renewal_of])`` rows."""
    cols = ["contract_id", "account_id", "start_on", "end_on", "annual_value"]
    if renewal_of:
        cols.append("renewal_of")
    df = pd.DataFrame(list(rows), columns=cols)
    df["start_on"] = pd.to_datetime(df["start_on"])
    df["end_on"] = pd.to_datetime(df["end_on"])
    df["annual_value"] = df["annual_value"].astype(float)
    return df


def renewal_row(renewals: pd.DataFrame, contract_id: str) -> pd.Series:
    return renewals.set_index("contract_id").loc[contract_id]


# -- grace window edges -----------------------------------------------------------


def test_successor_on_day_after_grace_continues_the_spell():
    # c1 covers 2024-01-01..2024-12-31; last customer day = 2024-12-31 + 30 = 2025-01-30.
    # c2 starts 2025-01-31 = end_on + grace + 1: no uncovered day, so one spell.
    contracts = make(
        [
            ("c1", "A", "2024-01-01", "2024-12-31", 100.0),
            ("c2", "A", "2025-01-31", "2025-12-31", 120.0),
        ]
    )
    spells = derive_spells(contracts, as_of=date(2025, 6, 30), grace_days=30)
    assert list(spells.columns) == list(SPELL_COLUMNS)
    assert len(spells) == 1
    s = spells.iloc[0]
    assert s.spell == 1
    assert s.start_on == T("2024-01-01")
    assert s.end_on == T("2025-12-31")
    assert s.last_day == T("2026-01-30")  # 2025-12-31 + 30
    assert not s.churned
    assert pd.isna(s.known_on)
    # open: 2024-01-01 -> 2025-01-01 is 366 days, -> 2025-06-30 is 180 more
    assert s.duration_days == 546
    assert s.n_contracts == 2
    assert not s.is_winback
    # reference day = min(as_of, end_on) = 2025-06-30, covered by c2 only
    assert s.annual_value == 120.0

    # date rule (no renewal_of column): window (2024-12-01, 2025-01-31] holds 2025-01-31
    renewals = derive_renewals(contracts, as_of=date(2025, 6, 30), grace_days=30)
    assert list(renewals.columns) == list(RENEWAL_COLUMNS)
    r1 = renewal_row(renewals, "c1")
    assert r1.renewed
    assert r1.renewed_by == "c2"
    assert r1.successor_value == 120.0
    assert r1.window_closes_on == T("2025-01-31")
    assert not r1.pending


def test_successor_two_days_after_grace_is_a_churn_and_a_winback():
    # c2 starts 2025-02-01: 2025-01-31 is uncovered, so c1's spell ended on 2025-01-30.
    contracts = make(
        [
            ("c1", "A", "2024-01-01", "2024-12-31", 100.0),
            ("c2", "A", "2025-02-01", "2025-12-31", 120.0),
        ]
    )
    spells = derive_spells(contracts, as_of=date(2025, 6, 30), grace_days=30)
    assert list(spells.spell) == [1, 2]
    first, second = spells.iloc[0], spells.iloc[1]
    assert first.churned
    assert first.last_day == T("2025-01-30")
    assert first.known_on == T("2025-01-31")  # last day + 1
    assert first.duration_days == 365  # 2024-01-01 -> 2024-12-31 (leap year)
    assert not first.is_winback
    assert first.annual_value == 100.0  # reference day = end_on 2024-12-31
    assert second.is_winback
    assert not second.churned
    assert second.start_on == T("2025-02-01")
    assert second.duration_days == 149  # 2025-02-01 -> 2025-06-30: 27 + 31 + 30 + 31 + 30

    # window (2024-12-01, 2025-01-31] does not hold 2025-02-01; it closed before as_of
    r1 = renewal_row(derive_renewals(contracts, as_of=date(2025, 6, 30)), "c1")
    assert not r1.renewed
    assert pd.isna(r1.renewed_by)
    assert np.isnan(r1.successor_value)
    assert not r1.pending


def test_pending_renewal_is_censored_at_as_of():
    # ends 2026-09-15, last day 2026-10-15 >= as_of 2026-09-30: open spell, customer
    contracts = make([("c1", "A", "2025-09-16", "2026-09-15", 80.0)])
    as_of = date(2026, 9, 30)
    spells = derive_spells(contracts, as_of=as_of)
    s = spells.iloc[0]
    assert not s.churned
    assert pd.isna(s.known_on)
    assert s.last_day == T("2026-10-15")
    # censored at as_of: 2025-09-16 -> 2026-09-16 is 365 days, +14 to 2026-09-30
    assert s.duration_days == 379
    # reference day min(as_of, end_on) = 2026-09-15 is covered by c1
    assert s.annual_value == 80.0
    assert list(customers_on(spells, as_of)) == ["A"]

    r1 = renewal_row(derive_renewals(contracts, as_of=as_of), "c1")
    assert r1.window_closes_on == T("2026-10-16")
    assert not r1.renewed
    assert r1.pending  # window closes 2026-10-16 > as_of

    status = account_status(contracts, as_of=as_of).iloc[0]
    assert status.is_customer
    assert status.tenure_days == 379
    assert pd.isna(status.churned_on)


@pytest.mark.parametrize(
    ("as_of", "churned", "known_on", "duration", "pending"),
    [
        # last day 2025-01-30 == as_of - 1: churned, known on as_of itself, window closed
        ("2025-01-31", True, T("2025-01-31"), 365, False),
        # last day == as_of: still a customer (up for renewal); 2024-01-01 -> 2025-01-30
        # is 366 + 29 = 395 days; window closes 2025-01-31 > as_of, so pending
        ("2025-01-30", False, pd.NaT, 395, True),
    ],
)
def test_churn_exactly_on_the_edge(as_of, churned, known_on, duration, pending):
    contracts = make([("c1", "A", "2024-01-01", "2024-12-31", 100.0)])
    spells = derive_spells(contracts, as_of=as_of, grace_days=30)
    s = spells.iloc[0]
    assert s.last_day == T("2025-01-30")
    assert s.churned == churned
    if churned:
        assert s.known_on == known_on == T(as_of)
    else:
        assert pd.isna(s.known_on)
    assert s.duration_days == duration
    assert list(customers_on(spells, as_of)) == ([] if churned else ["A"])
    assert renewal_row(derive_renewals(contracts, as_of=as_of), "c1").pending == pending


def test_zero_grace_days():
    # grace 0: last day = end_on; a successor on end_on + 1 continues, + 2 does not
    contracts = make(
        [
            ("a1", "A", "2024-01-01", "2024-06-30", 1.0),
            ("a2", "A", "2024-07-01", "2024-12-31", 1.0),
            ("b1", "B", "2024-01-01", "2024-06-30", 1.0),
            ("b2", "B", "2024-07-02", "2024-12-31", 1.0),
        ]
    )
    spells = derive_spells(contracts, as_of="2024-12-31", grace_days=0)
    assert spells.groupby("account_id").size().to_dict() == {"A": 1, "B": 2}
    renewals = derive_renewals(contracts, as_of="2024-12-31", grace_days=0)
    # window (end_on, end_on + 1]: a2 starts on 2024-07-01 = end_on + 1; b2 a day later
    assert renewal_row(renewals, "a1").renewed
    assert not renewal_row(renewals, "b1").renewed


# -- merging ----------------------------------------------------------------------


def test_overlapping_and_nested_contracts_merge_into_one_spell():
    # x1 2024-01-01..2024-12-31 (last day 2025-01-30)
    # x2 2024-02-01..2024-02-28 nested in x1 (its own last day 2024-03-29)
    # x3 2024-06-01..2024-06-30 nested in x1 and after x2's last day + 1: only the
    #    running max over x1 keeps it in the spell
    # x4 2024-11-01..2025-10-31 overlaps x1's end
    contracts = make(
        [
            ("x3", "A", "2024-06-01", "2024-06-30", 10.0),
            ("x4", "A", "2024-11-01", "2025-10-31", 200.0),
            ("x2", "A", "2024-02-01", "2024-02-28", 5.0),
            ("x1", "A", "2024-01-01", "2024-12-31", 100.0),
        ]
    )
    spells = derive_spells(contracts, as_of="2025-03-31")
    assert len(spells) == 1
    s = spells.iloc[0]
    assert s.start_on == T("2024-01-01")
    assert s.end_on == T("2025-10-31")
    assert s.last_day == T("2025-11-30")
    assert s.n_contracts == 4
    assert not s.churned
    # 2024-01-01 -> 2025-01-01 = 366, + 31 + 28 + 30 = 455 to 2025-03-31
    assert s.duration_days == 455
    # reference day 2025-03-31 lies in x4 only
    assert s.annual_value == 200.0

    # on 2024-12-15 both x1 and x4 are under contract: 100 + 200
    mid = derive_spells(contracts, as_of="2024-12-15").iloc[0]
    assert mid.annual_value == 300.0
    assert mid.n_contracts == 4


def test_churned_spell_value_is_taken_at_its_end():
    # spell of y1 (2023) and y2 (2024-01-01..2024-06-30) churns: last day 2024-07-30.
    # reference day = end_on 2024-06-30, covered by y2 only.
    contracts = make(
        [
            ("y1", "A", "2023-01-01", "2023-12-31", 50.0),
            ("y2", "A", "2024-01-01", "2024-06-30", 70.0),
        ]
    )
    s = derive_spells(contracts, as_of="2024-12-31").iloc[0]
    assert s.churned
    assert s.annual_value == 70.0
    assert s.known_on == T("2024-07-31")
    assert s.duration_days == 546  # 2023-01-01 -> 2024-06-30: 365 + 181


def test_winback_after_a_long_gap():
    contracts = make(
        [
            ("c1", "C", "2020-01-01", "2020-12-31", 10.0),
            ("c2", "C", "2023-05-01", "2024-04-30", 20.0),
        ]
    )
    spells = derive_spells(contracts, as_of="2024-12-31")
    assert list(spells.spell) == [1, 2]
    assert list(spells.is_winback) == [False, True]
    assert list(spells.churned) == [True, True]
    # 2020-12-31 + 30 = 2021-01-30, known the next day
    assert list(spells.known_on) == [T("2021-01-31"), T("2024-05-31")]
    # 2020 is a leap year: 2020-01-01 -> 2020-12-31 = 365;
    # 2023-05-01 -> 2024-04-30 = 366 - 1 = 365 (crosses 2024-02-29)
    assert list(spells.duration_days) == [365, 365]
    assert list(spells.annual_value) == [10.0, 20.0]

    st_ = account_status(contracts, as_of="2024-12-31").iloc[0]
    assert st_.n_spells == 2
    assert st_.first_start_on == T("2020-01-01")
    assert st_.current_spell_start == T("2023-05-01")
    assert not st_.is_customer
    assert np.isnan(st_.tenure_days)
    assert st_.churned_on == T("2024-04-30")
    assert st_.known_on == T("2024-05-31")

    # customer during each spell (incl. grace) and not in between
    assert list(customers_on(spells, "2021-01-30")) == ["C"]
    assert list(customers_on(spells, "2021-01-31")) == []
    assert list(customers_on(spells, "2023-05-01")) == ["C"]


# -- renewals ---------------------------------------------------------------------


def test_renewals_by_renewal_of_column():
    contracts = make(
        [
            # r2 names r1 but starts 2025-06-01, far outside r1's window (closes
            # 2025-01-31): it still counts because the column is present.
            ("r1", "A", "2024-01-01", "2024-12-31", 100.0, None),
            ("r2", "A", "2025-06-01", "2026-05-31", 110.0, "r1"),
            # r3 starts inside r1's date window but names nothing: not a renewal of r1
            ("r3", "A", "2025-01-10", "2025-12-31", 999.0, pd.NA),
            # two successors of s1: the earliest-starting one (s3) wins
            ("s1", "B", "2024-01-01", "2024-12-31", 50.0, None),
            ("s2", "B", "2025-01-01", "2025-12-31", 60.0, "s1"),
            ("s3", "B", "2024-12-15", "2025-12-14", 70.0, "s1"),
        ],
        renewal_of=True,
    )
    renewals = derive_renewals(contracts, as_of="2025-06-30")
    assert list(renewals.contract_id) == ["r1", "r3", "r2", "s1", "s3", "s2"]
    r1 = renewal_row(renewals, "r1")
    assert r1.renewed
    assert r1.renewed_by == "r2"
    assert r1.successor_value == 110.0
    s1 = renewal_row(renewals, "s1")
    assert s1.renewed_by == "s3"
    assert s1.successor_value == 70.0
    # nothing names r2, r3, s2, s3; r2's window closes 2026-07-01 > as_of, r3's
    # 2026-01-31 > as_of, s2's 2026-01-31, s3's 2026-01-14: all pending
    for cid in ["r2", "r3", "s2", "s3"]:
        row = renewal_row(renewals, cid)
        assert not row.renewed
        assert pd.isna(row.renewed_by)
        assert row.pending


def test_renewal_of_column_present_but_empty_means_no_renewals():
    # the column exists (all NA): the date rule is NOT used
    contracts = make(
        [
            ("c1", "A", "2024-01-01", "2024-12-31", 100.0, None),
            ("c2", "A", "2025-01-01", "2025-12-31", 100.0, None),
        ],
        renewal_of=True,
    )
    renewals = derive_renewals(contracts, as_of="2025-06-30")
    assert not renewals.renewed.any()
    assert not renewal_row(renewals, "c1").pending  # window closed 2025-01-31


def test_renewals_by_date_rule_early_successors():
    # end_on 2024-12-31, grace 30: window (2024-12-01, 2025-01-31]
    contracts = make(
        [
            ("d1", "D", "2024-01-01", "2024-12-31", 100.0),
            ("d2", "D", "2024-12-11", "2025-12-10", 101.0),  # 20 days early: counted
            ("e1", "E", "2024-01-01", "2024-12-31", 100.0),
            ("e2", "E", "2024-11-21", "2025-11-20", 102.0),  # 40 days early: not counted
            ("f1", "F", "2024-01-01", "2024-12-31", 100.0),
            ("f2", "F", "2024-12-01", "2025-11-30", 103.0),  # = end - 30: left-open, no
            ("g1", "G", "2024-01-01", "2024-12-31", 100.0),
            ("g2", "G", "2024-12-02", "2025-12-01", 104.0),  # = end - 29: counted
            ("h1", "H", "2024-01-01", "2024-12-31", 100.0),
            ("h2", "H", "2025-01-31", "2025-12-31", 105.0),  # = end + 31: right-closed, yes
            ("i1", "I", "2024-01-01", "2024-12-31", 100.0),
            ("i2", "I", "2025-02-01", "2025-12-31", 106.0),  # = end + 32: no
            ("j1", "J", "2024-01-01", "2024-12-31", 100.0),  # another account's contract
            ("k1", "K", "2025-01-05", "2025-12-31", 107.0),  # in J's window: not counted
        ]
    )
    renewals = derive_renewals(contracts, as_of="2025-06-30", grace_days=30)
    got = renewals.set_index("contract_id")
    expected = {"d1": "d2", "e1": None, "f1": None, "g1": "g2", "h1": "h2", "i1": None}
    expected["j1"] = None
    for cid, succ in expected.items():
        assert got.loc[cid, "renewed"] == (succ is not None), cid
        if succ is None:
            assert pd.isna(got.loc[cid, "renewed_by"]), cid
        else:
            assert got.loc[cid, "renewed_by"] == succ, cid
    assert got.loc["d1", "successor_value"] == 101.0
    # e2 starts 40 days early: d1/e1-style contracts overlap, so E is still one spell
    assert len(derive_spells(contracts, as_of="2025-06-30").query("account_id == 'E'")) == 1


def test_date_rule_short_contract_never_renews_itself_and_picks_earliest():
    # s1 lasts 10 days (< grace), so its own start lies in its window
    # (2023-12-11, 2024-02-10]; it must not count as its own successor.
    # t1's window (2024-12-01, 2025-01-31] holds t3 (2025-01-20) and t2 (2025-01-05):
    # the earliest-starting, t2, is the successor.
    contracts = make(
        [
            ("s1", "S", "2024-01-01", "2024-01-10", 10.0),
            ("t1", "T", "2024-01-01", "2024-12-31", 100.0),
            ("t3", "T", "2025-01-20", "2025-12-31", 30.0),
            ("t2", "T", "2025-01-05", "2025-12-31", 20.0),
        ]
    )
    renewals = derive_renewals(contracts, as_of="2025-06-30").set_index("contract_id")
    assert not renewals.loc["s1", "renewed"]
    assert renewals.loc["t1", "renewed_by"] == "t2"
    assert renewals.loc["t1", "successor_value"] == 20.0
    # t2 ends 2025-12-31, window (2025-12-01, 2026-01-31]: t3 starts 2025-01-20, no
    assert not renewals.loc["t2", "renewed"]


# -- period view ------------------------------------------------------------------


def test_contracts_after_as_of_are_ignored():
    contracts = make(
        [
            ("c1", "A", "2024-01-01", "2024-12-31", 100.0),
            ("c2", "A", "2025-01-15", "2025-12-31", 120.0),  # starts after as_of
            ("z1", "Z", "2025-02-01", "2025-12-31", 1.0),  # account only in the future
        ]
    )
    as_of = "2025-01-10"
    spells = derive_spells(contracts, as_of=as_of)
    assert list(spells.account_id) == ["A"]
    s = spells.iloc[0]
    assert s.n_contracts == 1
    assert s.end_on == T("2024-12-31")  # not extended by c2
    assert s.last_day == T("2025-01-30")
    assert not s.churned  # last day 2025-01-30 >= as_of: pending renewal

    renewals = derive_renewals(contracts, as_of=as_of)
    assert list(renewals.contract_id) == ["c1"]
    assert not renewals.iloc[0].renewed  # c2 does not exist yet
    assert renewals.iloc[0].pending  # window closes 2025-01-31 > as_of

    linked = contracts.assign(renewal_of=[None, "c1", None])
    r = derive_renewals(linked, as_of=as_of)
    assert not r.iloc[0].renewed and r.iloc[0].pending

    assert list(account_status(contracts, as_of=as_of).account_id) == ["A"]

    # as_of 2025-02-15 with a successor starting 2025-03-01: the first spell has
    # churned (known 2025-01-31) and the win-back does not exist yet
    later = contracts.assign(start_on=contracts.start_on.where(contracts.contract_id != "c2"))
    later.loc[later.contract_id == "c2", "start_on"] = T("2025-03-01")
    sp = derive_spells(later, as_of="2025-02-15").query("account_id == 'A'")
    assert len(sp) == 1
    assert sp.iloc[0].churned and sp.iloc[0].known_on == T("2025-01-31")


# -- status -----------------------------------------------------------------------


def test_account_status_tenure_and_churn():
    contracts = make(
        [
            # A: continuous since 2023-01-01 -> customer, tenure 365 + 366 + 180 = 911
            ("a1", "A", "2023-01-01", "2023-12-31", 1.0),
            ("a2", "A", "2024-01-01", "2025-12-31", 1.0),
            # B: ended 2025-06-14, last day 2025-07-14 >= as_of -> pending renewal;
            #    2024-06-15 -> 2025-06-15 = 365, + 15 = 380
            ("b1", "B", "2024-06-15", "2025-06-14", 1.0),
            # C: last day 2025-01-30 < as_of -> churned on 2024-12-31, known 2025-01-31
            ("c1", "C", "2024-01-01", "2024-12-31", 1.0),
            # D: churned in 2023, won back 2025-03-01 -> tenure 30 + 30 + 31 + 30 = 121
            ("d1", "D", "2022-01-01", "2022-12-31", 1.0),
            ("d2", "D", "2025-03-01", "2026-02-28", 1.0),
            # E: first contract starts after as_of -> no row
            ("e1", "E", "2025-07-01", "2026-06-30", 1.0),
        ]
    )
    status = account_status(contracts, as_of=date(2025, 6, 30)).set_index("account_id")
    assert list(status.reset_index().columns) == list(STATUS_COLUMNS)
    assert list(status.index) == ["A", "B", "C", "D"]
    assert status.is_customer.to_dict() == {"A": True, "B": True, "C": False, "D": True}
    assert status.tenure_days["A"] == 911
    assert status.tenure_days["B"] == 380
    assert np.isnan(status.tenure_days["C"])
    assert status.tenure_days["D"] == 121
    assert status.first_start_on["D"] == T("2022-01-01")
    assert status.current_spell_start["D"] == T("2025-03-01")
    assert status.current_spell_start["A"] == T("2023-01-01")
    assert status.n_spells.to_dict() == {"A": 1, "B": 1, "C": 1, "D": 2}
    assert status.churned_on["C"] == T("2024-12-31")
    assert status.known_on["C"] == T("2025-01-31")
    assert status.churned_on.drop("C").isna().all()
    assert status.known_on.drop("C").isna().all()
    # is_customer agrees with customers_on(as_of)
    spells = derive_spells(contracts, as_of=date(2025, 6, 30))
    assert list(customers_on(spells, date(2025, 6, 30))) == ["A", "B", "D"]


# -- input handling ---------------------------------------------------------------


def test_python_dates_give_the_same_result_as_datetime64():
    as_ts = make(
        [
            ("c1", "A", "2024-01-01", "2024-12-31", 100.0),
            ("c2", "A", "2025-02-01", "2025-12-31", 120.0),
        ]
    )
    as_dates = as_ts.assign(
        start_on=[d.date() for d in as_ts.start_on], end_on=[d.date() for d in as_ts.end_on]
    )
    assert as_dates.start_on.dtype == object
    for fn in (derive_spells, derive_renewals, account_status):
        pd.testing.assert_frame_equal(
            fn(as_dates, as_of=date(2025, 6, 30)), fn(as_ts, as_of=T("2025-06-30 17:45"))
        )


def test_missing_columns_raise_value_error():
    contracts = make([("c1", "A", "2024-01-01", "2024-12-31", 100.0)])
    for fn in (derive_spells, derive_renewals, account_status):
        with pytest.raises(ValueError, match="missing required column.*end_on"):
            fn(contracts.drop(columns=["end_on"]), as_of="2025-01-01")
    with pytest.raises(ValueError, match="last_day"):
        customers_on(pd.DataFrame({"account_id": [], "start_on": []}), "2025-01-01")
    with pytest.raises(ValueError, match="grace_days"):
        derive_spells(contracts, as_of="2025-01-01", grace_days=-1)


def test_empty_view_gives_empty_frames():
    contracts = make([("c1", "A", "2026-01-01", "2026-12-31", 100.0)])
    spells = derive_spells(contracts, as_of="2025-01-01")
    assert spells.empty and list(spells.columns) == list(SPELL_COLUMNS)
    assert list(customers_on(spells, "2025-01-01")) == []
    renewals = derive_renewals(contracts, as_of="2025-01-01")
    assert renewals.empty and list(renewals.columns) == list(RENEWAL_COLUMNS)
    status = account_status(contracts, as_of="2025-01-01")
    assert status.empty and list(status.columns) == list(STATUS_COLUMNS)


def test_input_frame_is_not_modified():
    contracts = make([("c1", "A", "2024-01-01", "2024-12-31", 100.0)])
    before = contracts.copy()
    derive_spells(contracts, as_of="2025-06-30")
    derive_renewals(contracts, as_of="2025-06-30")
    account_status(contracts, as_of="2025-06-30")
    pd.testing.assert_frame_equal(contracts, before)


# -- properties -------------------------------------------------------------------

BASE = date(2020, 1, 1)

contract_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(0, 1500),  # start offset
        st.integers(1, 400),  # length: end_on > start_on
        st.sampled_from([10.0, 25.5, 100.0]),
    ),
    min_size=0,
    max_size=25,
)


def table(rows) -> pd.DataFrame:
    return make(
        (
            f"k{i:03d}",
            acc,
            BASE + timedelta(days=s),
            BASE + timedelta(days=s + length),
            v,
        )
        for i, (acc, s, length, v) in enumerate(rows)
    )


def naive_spells(contracts: pd.DataFrame, as_of: pd.Timestamp, grace: int) -> dict:
    """Runs of covered days per account, by marking every day (the brute-force oracle)."""
    view = contracts[contracts.start_on <= as_of]
    out = {}
    for acc, grp in view.groupby("account_id"):
        lo = grp.start_on.min()
        days = pd.date_range(lo, grp.end_on.max() + pd.Timedelta(days=grace))
        covered = np.zeros(len(days), dtype=bool)
        for s, e in zip(grp.start_on, grp.end_on, strict=True):
            covered[(days >= s) & (days <= e + pd.Timedelta(days=grace))] = True
        padded = np.concatenate([[False], covered, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(int)))
        out[acc] = [(days[a], days[b - 1]) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return out


def naive_renewed_by(contracts: pd.DataFrame, as_of: pd.Timestamp, grace: int) -> dict:
    """Date-rule successor per contract by checking every pair."""
    view = contracts[contracts.start_on <= as_of]
    g = pd.Timedelta(days=grace)
    out = {}
    for c in view.itertuples():
        cands = view[
            (view.account_id == c.account_id)
            & (view.contract_id != c.contract_id)
            & (view.start_on > c.end_on - g)
            & (view.start_on <= c.end_on + g + pd.Timedelta(days=1))
        ].sort_values(["start_on", "contract_id"])
        out[c.contract_id] = cands.contract_id.iloc[0] if len(cands) else None
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=contract_rows,
    grace=st.integers(0, 60),
    as_of_offset=st.integers(0, 1900),
    data=st.data(),
)
def test_spell_properties(rows, grace, as_of_offset, data):
    contracts = table(rows)
    as_of = T(BASE) + pd.Timedelta(days=as_of_offset)
    spells = derive_spells(contracts, as_of=as_of, grace_days=grace)

    # shuffling the rows changes nothing
    order = data.draw(st.permutations(range(len(contracts))))
    shuffled = contracts.iloc[list(order)].reset_index(drop=True)
    pd.testing.assert_frame_equal(derive_spells(shuffled, as_of=as_of, grace_days=grace), spells)
    pd.testing.assert_frame_equal(
        derive_renewals(shuffled, as_of=as_of, grace_days=grace),
        derive_renewals(contracts, as_of=as_of, grace_days=grace),
    )

    # churn is known by as_of; open spells have no known_on
    churned = spells[spells.churned]
    assert (churned.known_on <= as_of).all()
    assert (churned.known_on == churned.last_day + pd.Timedelta(days=1)).all()
    assert spells.loc[~spells.churned, "known_on"].isna().all()
    assert (spells.start_on <= as_of).all()
    assert (spells.duration_days >= 0).all()

    # spells of an account never overlap or touch; numbering is 1, 2, ...
    for _, grp in spells.groupby("account_id"):
        assert list(grp.spell) == list(range(1, len(grp) + 1))
        gaps = grp.start_on.iloc[1:].to_numpy() - grp.last_day.iloc[:-1].to_numpy()
        assert (gaps > np.timedelta64(1, "D")).all()
        assert grp.churned.iloc[:-1].all()  # only the latest spell can be open

    # the spells are exactly the runs of customer days
    oracle = naive_spells(contracts, as_of, grace)
    got = {
        acc: list(zip(grp.start_on, grp.last_day, strict=True))
        for acc, grp in spells.groupby("account_id")
    }
    assert got == oracle

    # the date rule matches a brute-force search over all pairs
    renewals = derive_renewals(contracts, as_of=as_of, grace_days=grace)
    expected = naive_renewed_by(contracts, as_of, grace)
    got_by = {
        cid: (None if pd.isna(by) else by)
        for cid, by in zip(renewals.contract_id, renewals.renewed_by, strict=True)
    }
    assert got_by == expected

    # status agrees with the spells
    status = account_status(contracts, as_of=as_of, grace_days=grace)
    assert list(status.account_id[status.is_customer]) == list(customers_on(spells, as_of))


# -- scale ------------------------------------------------------------------------
# How fast this runs is measured by bench/run.py (bench/customers_scale.py); here only
# what it returns at that size is checked.


def test_120k_contracts_agree_with_the_oracles_account_by_account():
    """At 120k contracts over 15k accounts the vectorised code must give, for every
    account sampled, what the brute-force oracles give, and what the account alone gives
    (no spell, renewal or status leaks across account boundaries)."""
    rng = np.random.default_rng(7)
    n = 120_000
    account = rng.integers(0, 15_000, n)
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(30, 800, n), unit="D")
    contracts = pd.DataFrame(
        {
            "contract_id": [f"c{i:06d}" for i in range(n)],
            "account_id": [f"a{a:05d}" for a in account],
            "start_on": start,
            "end_on": end,
            "annual_value": rng.uniform(1e3, 1e5, n),
        }
    )
    as_of = T("2025-06-30")
    spells = derive_spells(contracts, as_of=as_of)
    renewals = derive_renewals(contracts, as_of=as_of)
    status = account_status(contracts, as_of=as_of)
    in_view = contracts[contracts.start_on <= as_of]
    assert spells.n_contracts.sum() == len(in_view) < n  # some start after as_of
    assert len(renewals) == len(in_view)
    assert len(status) == in_view.account_id.nunique()

    sample = np.sort(rng.choice(in_view.account_id.unique(), 150, replace=False))
    some = contracts[contracts.account_id.isin(sample)]
    mine = lambda frame: frame[frame.account_id.isin(sample)].reset_index(drop=True)  # noqa: E731
    # the same rows as the 150 accounts get on their own
    pd.testing.assert_frame_equal(mine(spells), derive_spells(some, as_of=as_of))
    pd.testing.assert_frame_equal(mine(renewals), derive_renewals(some, as_of=as_of))
    pd.testing.assert_frame_equal(mine(status), account_status(some, as_of=as_of))
    # and what the brute-force oracles give
    got = {acc: list(zip(g.start_on, g.last_day, strict=True))
           for acc, g in mine(spells).groupby("account_id")}
    assert got == naive_spells(some, as_of, 30)
    got_by = {cid: (None if pd.isna(by) else by)
              for cid, by in zip(mine(renewals).contract_id, mine(renewals).renewed_by,
                                 strict=True)}
    assert got_by == naive_renewed_by(some, as_of, 30)
    stat = mine(status)
    assert list(stat.account_id[stat.is_customer]) == list(customers_on(mine(spells), as_of))


@pytest.mark.parametrize("link", [False, True], ids=["date_rule", "renewal_of"])
def test_spell_value_counts_an_early_renewal_once(link):
    # r1 runs 2025-01-01..2025-12-31 (100); its renewal r2 starts early on 2025-12-10
    # (in (end_on - 30, end_on + 31], and named by renewal_of), at 130. On 2025-12-20
    # both are in force on paper, but r2 replaces r1: the spell's value is 130, not 230.
    rows = [("r1", "A", "2025-01-01", "2025-12-31", 100.0),
            ("r2", "A", "2025-12-10", "2026-12-09", 130.0)]
    if link:
        rows = [(*rows[0], None), (*rows[1], "r1")]
    contracts = make(rows, renewal_of=link)
    assert derive_spells(contracts, as_of="2025-12-20").iloc[0].annual_value == 130.0
    # the day before r2 starts, r1 alone counts
    assert derive_spells(contracts, as_of="2025-12-09").iloc[0].annual_value == 100.0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 4), st.integers(0, 12)),
                max_size=25),
       st.randoms(use_true_random=False))
def test_successor_by_link_is_the_earliest_starting_then_smallest_id_of_its_namers(rows, rnd):
    """Against the plain rule: of the contracts naming one (not itself, not blank), the
    one starting first, then with the smallest id; whether one or many name it."""
    from kamlib.panels.customers import _successors_by_link

    ids = [f"C{i:02d}" for i in range(len(rows))]
    rnd.shuffle(ids)
    f = pd.DataFrame({"account_id": [a for a, _, _ in rows], "contract_id": ids,
                      "start_on": [pd.Timestamp("2025-01-01") + pd.Timedelta(days=d)
                                   for _, d, _ in rows],
                      "renewal_of": [(ids + [None, "", " ", "C99"])[r % (len(ids) + 4)]
                                     for _, _, r in rows]})
    f = f.sort_values(["account_id", "start_on", "contract_id"], kind="mergesort")
    f = f.reset_index(drop=True)
    want = []
    for cid in f.contract_id:
        namers = f[(f.renewal_of == cid) & (f.contract_id != cid)]
        want.append(-1 if namers.empty else
                    int(namers.sort_values(["start_on", "contract_id"]).index[0]))
    assert _successors_by_link(f).tolist() == want


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=contract_rows, grace=st.integers(0, 60),
       days=st.lists(st.integers(-10, 1950), min_size=1, max_size=4),
       links=st.lists(st.integers(0, 30), max_size=25), data=st.data())
def test_prepared_contracts_give_the_same_frames_on_every_day(rows, grace, days, links, data):
    """A table prepared once gives, for any day, the frames the table itself gives: by
    link (``renewal_of``, some shared, some dangling) and by the date rule; rows in any
    order."""
    contracts = table(rows)
    order = data.draw(st.permutations(range(len(contracts))))
    contracts = contracts.iloc[list(order)].reset_index(drop=True)
    ids = list(contracts.contract_id)
    linked = contracts.assign(renewal_of=[(ids + [None, "", "k999"])[k % (len(ids) + 3)]
                                          for k in links[:len(ids)]]
                              + [None] * max(0, len(ids) - len(links)))
    for c in (contracts, linked):
        book = PreparedContracts(c)
        assert len(book) == len(c)
        for d in days:
            as_of = T(BASE) + pd.Timedelta(days=d)
            for derive in (derive_spells, derive_renewals, account_status):
                pd.testing.assert_frame_equal(derive(book, as_of, grace), derive(c, as_of, grace),
                                              check_exact=True)


def test_prepared_contracts_check_the_table_once_and_the_day_each_time():
    with pytest.raises(ValueError, match="missing required column"):
        PreparedContracts(pd.DataFrame({"contract_id": ["c1"]}))
    book = PreparedContracts(table([("A", 0, 10, 1.0)]))
    with pytest.raises(ValueError, match="grace_days"):
        derive_spells(book, T(BASE), -1)
