"""The renewal calendar (kamlib.kpis.renewals, docs/kpis.md "Renewal calendar"): the
contracts awaiting renewal whose window (opening renewal_notice_days before end_on)
opens next quarter."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_builder import RENEWAL_AS_OF as AS_OF
from kpi_builder import renewal_contracts as _contracts

from kamlib.config import Settings
from kamlib.errors import ConfigError
from kamlib.kpis import renewals
from kamlib.panels.customers import derive_renewals


def test_calendar_of_next_quarter_by_hand():
    r = derive_renewals(_contracts(), AS_OF, grace_days=30)
    cal = renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", 90)
    assert cal.contract_id.tolist() == ["c4", "c1", "c2"]  # by the day the window opens
    assert cal.window_opens_on.dt.strftime("%Y-%m-%d").tolist() == [
        "2026-10-01", "2026-10-02", "2026-12-31"]
    assert cal.annual_value.tolist() == [50.0, 100.0, 300.0]
    assert list(cal.columns) == list(renewals.CALENDAR_COLUMNS)


def test_notice_days_moves_the_window():
    r = derive_renewals(_contracts(), AS_OF, grace_days=30)
    # with no notice the window opens on end_on: c1 (12-31), c4 (12-30), c5 (12-29)
    cal = renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", 0)
    assert cal.contract_id.tolist() == ["c5", "c4", "c1"]


def test_same_day_ranks_by_value_and_empty_input():
    r = pd.DataFrame({"contract_id": ["x", "y"], "account_id": ["A", "B"],
                      "end_on": pd.to_datetime(["2027-01-15"] * 2), "annual_value": [1.0, 9.0],
                      "pending": [True, True]})
    assert renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", 90).contract_id.tolist() \
        == ["y", "x"]
    empty = renewals.renewal_calendar(r.iloc[0:0], "2026-10-01", "2026-12-31", 90)
    assert len(empty) == 0 and list(empty.columns) == list(renewals.CALENDAR_COLUMNS)


def test_for_accounts_adds_owner_and_risk_and_keeps_one_managers_rows():
    r = derive_renewals(_contracts(), AS_OF, grace_days=30)
    cal = renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", 90)
    acc = pd.DataFrame({"account_id": list("ABCD"), "kam_id": ["K1", "K2", "K1", "K1"],
                        "kam_name": ["Kira", "Ole", "Kira", "Kira"],
                        "churn_next_year": [0.1, 0.2, 0.3, 0.4]})
    company = renewals.for_accounts(cal, acc)
    assert company[["contract_id", "kam_name", "churn_next_year"]].values.tolist() == [
        ["c4", "Kira", 0.4], ["c1", "Kira", 0.1], ["c2", "Ole", 0.2]]
    assert renewals.for_accounts(cal, acc, "K1").contract_id.tolist() == ["c4", "c1"]
    assert renewals.for_accounts(cal, acc, "K9").empty


def test_the_setting_has_a_documented_default_and_a_range():
    assert Settings().renewal_notice_days == 90
    with pytest.raises(ConfigError, match="renewal_notice_days"):
        Settings(renewal_notice_days=-1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-200, 500), st.booleans(), st.floats(0, 1e6)),
                min_size=1, max_size=25), st.integers(0, 366))
def test_every_listed_window_opens_in_the_period_and_is_pending(rows, notice):
    end = pd.Timestamp(AS_OF) + pd.to_timedelta([d for d, _, _ in rows], unit="D")
    r = pd.DataFrame({"contract_id": [f"c{i:02d}" for i in range(len(rows))],
                      "account_id": [f"A{i:02d}" for i in range(len(rows))],
                      "end_on": end, "pending": [p for _, p, _ in rows],
                      "annual_value": [v for _, _, v in rows]})
    cal = renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", notice)
    lo, hi = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31")
    assert ((cal.window_opens_on >= lo) & (cal.window_opens_on <= hi)).all()
    assert (cal.end_on - cal.window_opens_on == pd.Timedelta(days=notice)).all()
    pending = r[r.pending]
    opens = pending.end_on - pd.Timedelta(days=notice)
    assert len(cal) == int(((opens >= lo) & (opens <= hi)).sum())
    assert cal.window_opens_on.is_monotonic_increasing




# -- renewal proposal: the next step agrees with the calendar ----------------------------------
def test_proposal_horizon_by_hand():
    # 2026-12-31 + 90 days: January 31 + February 28 + March 31 = 90 -> 2027-03-31
    assert renewals.proposal_horizon("2026-12-31", 90) == pd.Timestamp("2027-03-31")
    # no notice: the renewal itself must fall by the end of the quarter
    assert renewals.proposal_horizon("2026-12-31", 0) == pd.Timestamp("2026-12-31")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-60, 400), min_size=1, max_size=12), st.integers(0, 120))
def test_every_contract_on_the_calendar_is_within_the_proposal_horizon(days, notice):
    """A contract whose window opens next quarter always renews on or before the
    horizon; one renewing after the horizon has its window open after the quarter."""
    end_on = pd.Timestamp("2026-09-30") + pd.to_timedelta(pd.Series(days), unit="D")
    r = pd.DataFrame({"contract_id": [f"c{i}" for i in range(len(days))],
                      "account_id": [f"A{i}" for i in range(len(days))], "end_on": end_on,
                      "annual_value": 1.0, "pending": True})
    horizon = renewals.proposal_horizon("2026-12-31", notice)
    cal = renewals.renewal_calendar(r, "2026-10-01", "2026-12-31", notice)
    assert (cal.end_on <= horizon).all()
    later = r[r.end_on > horizon]
    assert (renewals.window_opens_on(later.end_on, notice) > pd.Timestamp("2026-12-31")).all()
