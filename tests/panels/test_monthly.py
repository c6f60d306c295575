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
