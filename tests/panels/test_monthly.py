"""Monthly sums per account or manager (kamlib.panels.monthly): revenue on the sample,
answers, SLA checks and the managers' own survey on a hand-made data set."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from kpi_builder import DataSet

from kamlib.panels import monthly
from kamlib.panels.monthly import monthly_enps, monthly_responses, monthly_sla
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_monthly_revenue_of_the_sample_sums_its_invoices(sample_data):
    inv = sample_data.frame("invoices")
    inv["issued_on"] = pd.to_datetime(inv.issued_on)
    upto = inv[inv.issued_on <= pd.Timestamp(Q.end)]
    rev = monthly.monthly_revenue(sample_data, Q.end)
    assert rev.revenue.sum() == pytest.approx(upto.amount.sum())
    assert rev.ym.max() == 2026 * 12 + 9 - 1
    assert list(rev.columns) == ["account_id", "ym", "revenue"]


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    ds = DataSet()
    ds.kam("K1")
    ds.kam("K2")
    ds.contract("A", "2025-01-01", "2027-12-31")
    ds.contract("B", "2025-01-01", "2027-12-31")
    for a, on, score in (("A", "2026-01-05", 9), ("A", "2026-01-20", 7), ("A", "2026-03-01", 10),
                         ("B", "2026-01-31", 3), ("B", "2026-04-01", 8)):
        ds.response(a, on, score)
    for a, end, met in (("A", "2026-01-31", True), ("A", "2026-02-28", False),
                        ("B", "2026-01-31", True), ("B", "2026-02-28", True),
                        ("B", "2026-03-31", False)):
        ds.sla(a, end, met)
    for kam, on, score in (("K1", "2026-02-14", 8), ("K1", "2026-02-20", 6),
                           ("K2", "2026-03-31", 9)):
        ds.survey(kam, on, score)
    with ds.load(tmp_path_factory.mktemp("months")) as data:
        yield data


def test_monthly_responses_count_and_sum_the_answers_of_each_account(months):
    got = monthly_responses(months, date(2026, 3, 31))
    # January 2026 is ym 2026 * 12 + 0 = 24312; A: 9 + 7 in January, 10 in March;
    # B: 3 in January, its April answer is after as_of
    assert got.values.tolist() == [["A", 24312, 2, 16], ["A", 24314, 1, 10], ["B", 24312, 1, 3]]
    assert list(got.columns) == ["account_id", "ym", "answers", "score_sum"]


def test_monthly_sla_counts_checks_and_those_met_by_the_month_of_the_period_end(months):
    got = monthly_sla(months, date(2026, 2, 28))
    # up to February: A met 1 of 1 in January, 0 of 1 in February; B met both
    assert got.values.tolist() == [["A", 24312, 1, 1], ["A", 24313, 1, 0],
                                   ["B", 24312, 1, 1], ["B", 24313, 1, 1]]


def test_monthly_enps_sums_the_managers_own_answers(months):
    got = monthly_enps(months, date(2026, 3, 31))
    # K1: 8 + 6 in February (ym 24313); K2: 9 on the last day of March
    assert got.values.tolist() == [["K1", 24313, 2, 14], ["K2", 24314, 1, 9]]
    assert list(got.columns) == ["kam_id", "ym", "answers", "score_sum"]


_SUMS = {  # the one-query form of each monthly frame
    monthly.monthly_responses: ("nps_responses", "account_id", "responded_on",
                                {"answers": lambda t: t.count(),
                                 "score_sum": lambda t: t.score.sum()}),
    monthly.monthly_revenue: ("invoices", "account_id", "issued_on",
                              {"revenue": lambda t: t.amount.sum()}),
    monthly.monthly_sla: ("sla_checks", "account_id", "period_end",
                          {"checks": lambda t: t.count(),
                           "met": lambda t: t.met.ifelse(1, 0).sum()}),
    monthly.monthly_enps: ("employee_surveys", "kam_id", "responded_on",
                           {"answers": lambda t: t.count(),
                            "score_sum": lambda t: t.score.sum()}),
}


@pytest.mark.parametrize("fn", list(_SUMS), ids=lambda f: f.__name__)
def test_monthly_frames_cut_from_every_month_equal_one_query(sample_data, fn):
    table, key, col, aggs = _SUMS[fn]
    # month ends (cut from the batch, 2010: no rows), a leap day and a mid-month day
    # (2026-09-29: its own query)
    for day in (date(2010, 3, 31), date(2021, 3, 31), date(2024, 2, 29), date(2026, 9, 29),
                date(2026, 9, 30), date(2030, 12, 31)):
        pd.testing.assert_frame_equal(fn(sample_data, day),
                                      monthly._monthly(sample_data, table, key, col, day,
                                                       **aggs), check_exact=True)


def test_monthly_sums_are_queried_once_per_data_set(months, monkeypatch):
    first = monthly_responses(months, date(2026, 3, 31))
    assert first.ym.max() == 2026 * 12 + 3 - 1  # B's April answer is after the cut
    monkeypatch.setattr(type(months), "table",
                        lambda self, name: pytest.fail(f"queried {name} again"))
    pd.testing.assert_frame_equal(first, monthly_responses(months, date(2026, 3, 31)))
    later = monthly_responses(months, date(2026, 4, 30))  # another cut of the same batch
    # April 2026 (ym 24315): B's 8 only
    assert later[later.ym == 24315][["account_id", "answers"]].values.tolist() == [["B", 1]]
    with pytest.raises(pytest.fail.Exception):  # not a month end: its own query
        monthly_responses(months, date(2026, 4, 15))
