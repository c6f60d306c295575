"""The panels are the only layer that queries the data: each query gives what the same
rule computes in pandas from the whole table."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from kamlib.config import Settings
from kamlib.data.sources import open_source
from kamlib.panels import coverage, mentions, money, monthly, outcomes, prospects, raw, surveys
from kamlib.panels.period import Period
from kamlib.panels.quarter import contracts_frame
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def _in(frame: pd.DataFrame, col: str, q: Quarter = Q) -> pd.DataFrame:
    d = pd.to_datetime(frame[col])
    return frame[(d >= pd.Timestamp(q.start)) & (d <= pd.Timestamp(q.end))]


def test_mentions_of_a_quarter(sample_data):
    every = _in(sample_data.frame("mentions"), "occurred_on")
    got = mentions.mentions_in(sample_data, "2026Q3")
    assert list(got.columns) == ["account_id", "sentiment"] and len(got) == len(every)
    assert mentions.mention_counts(sample_data, Q) == {
        "all": len(every), "unlinked": int(every.account_id.isna().sum())}


def test_objectives_and_sla_checks_of_a_quarter(sample_data):
    due = _in(sample_data.frame("objectives"), "due_on")
    got = outcomes.objectives_in(sample_data, "2026Q3")
    assert got.objective_id.tolist() == sorted(due.objective_id)
    checks = _in(sample_data.frame("sla_checks"), "period_end")
    want = checks.groupby("account_id").agg(checks=("met", "size"), met=("met", "sum"))
    got = outcomes.sla_counts(sample_data, Q).set_index("account_id")
    assert got.checks.tolist() == want.checks.tolist()
    assert got.met.astype(int).tolist() == want.met.astype(int).tolist()


def test_employee_surveys(sample_data):
    answers = _in(sample_data.frame("employee_surveys"), "responded_on")
    got = surveys.employee_answers(sample_data, "2026Q3")
    assert got.response_id.tolist() == sorted(answers.response_id)
    mean = surveys.kam_satisfaction(sample_data, Q.start, Q.end).set_index("kam_id")
    want = answers.groupby("kam_id").score.agg(["mean", "size"])
    assert mean.satisfaction.to_numpy() == pytest.approx(want["mean"].to_numpy())
    assert mean.answers.tolist() == want["size"].tolist()


def test_margins_and_monthly_revenue(sample_data):
    inv = sample_data.frame("invoices")
    inv["issued_on"] = pd.to_datetime(inv.issued_on)
    upto = inv[inv.issued_on <= pd.Timestamp(Q.end)]
    realised = money.realised_margin(sample_data, Q.end)
    col = "gross_margin" if sample_data.has_column("invoices", "gross_margin") else "amount"
    assert realised.sum() == pytest.approx(upto[col].sum())
    year = upto[upto.issued_on > pd.Timestamp(Q.end - timedelta(days=365))]
    trailing = money.trailing_margin(sample_data, Q.end, margin_rate=0.35)
    want = year[col].fillna(year.amount * 0.35) if col == "gross_margin" else year.amount * 0.35
    assert trailing.sum() == pytest.approx(want.sum())
    rev = monthly.monthly_revenue(sample_data, Q.end)
    assert rev.revenue.sum() == pytest.approx(upto.amount.sum())
    assert rev.ym.max() == 2026 * 12 + 9 - 1
    assert list(rev.columns) == ["account_id", "ym", "revenue"]


def test_prospect_touches_up_to_a_day(sample_data):
    day = date(2026, 3, 31)
    got = prospects.prospect_touches(sample_data, day)
    assert list(got.columns) == ["prospect_id", "channel", "day"]
    assert got.day.max() <= pd.Timestamp(day)
    every = sample_data.frame("prospect_touches")
    assert len(got) == int((pd.to_datetime(every.occurred_at).dt.normalize()
                            <= pd.Timestamp(day)).sum())


def test_raw_queries_read_the_source_as_it_is(sample_dir):
    src = open_source(sample_dir)
    try:
        ids = raw.kam_ids(src)
        assert ids.tolist() == sorted(ids) and ids.str.startswith("K").all()
        rows = raw.table_rows(src, "account_managers")
        assert rows.kam_id.dropna().tolist() == ids.tolist()
    finally:
        src.close()


def test_the_activity_end_is_computed_when_asked_and_passed_on(sample_data):
    """No result is kept on the data object: a caller computes the end once and hands
    it to the functions that need it."""
    end = coverage.data_end(sample_data)
    assert not hasattr(sample_data, "memo")
    first, last = coverage.data_quarters(sample_data, Settings(), end)
    assert (first, last) == coverage.data_quarters(sample_data, Settings())
    moved = coverage.ActivityEnd(last=date(2025, 12, 31), bulk=date(2025, 12, 31), ignored=0,
                                 latest=None)
    assert coverage.data_quarters(sample_data, Settings(), moved)[1] == Quarter("2025Q4")
    assert "activity runs to 2025-12-31" in coverage.explain(sample_data, Settings(), end=moved)
    assert coverage.explain(sample_data, Settings(), "2026Q3", end) == \
        coverage.explain(sample_data, Settings(), Q)
    assert pd.Timestamp(coverage.first_interaction(sample_data)) == \
        pd.to_datetime(sample_data.frame("interactions").occurred_at).min()


def test_contracts_are_read_once_per_data_set(sample_data, monkeypatch):
    first = contracts_frame(sample_data)
    monkeypatch.setattr(type(sample_data), "frame",
                        lambda self, name: pytest.fail(f"read {name} again"))
    again = contracts_frame(sample_data)
    pd.testing.assert_frame_equal(first, again)
    again.loc[0, "annual_value"] = -1.0  # a copy: the next caller is not affected
    assert contracts_frame(sample_data).loc[0, "annual_value"] != -1.0


def test_a_period_takes_a_quarter_label():
    s = Settings(fiscal_year_start_month=4)
    p = Period(None, "2026Q1", s)
    assert p.quarter == Quarter("2026Q1", 4) and p.quarter.start == date(2025, 4, 1)
    assert p.label == "2026Q1"
