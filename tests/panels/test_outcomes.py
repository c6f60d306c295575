"""Customer objectives and SLA checks of a quarter (kamlib.panels.outcomes): the queries
give what the same rule computes in pandas from the whole table."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.panels import outcomes
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_objectives_and_sla_checks_of_a_quarter(sample_data, in_quarter):
    due = in_quarter(sample_data.frame("objectives"), "due_on")
    got = outcomes.objectives_in(sample_data, "2026Q3")
    assert got.objective_id.tolist() == sorted(due.objective_id)
    checks = in_quarter(sample_data.frame("sla_checks"), "period_end")
    want = checks.groupby("account_id").agg(checks=("met", "size"), met=("met", "sum"))
    got = outcomes.sla_counts(sample_data, Q).set_index("account_id")
    assert got.checks.tolist() == want.checks.tolist()
    assert got.met.astype(int).tolist() == want.met.astype(int).tolist()


_LABELS = ["2010Q1", "2021Q1", "2023Q3", "2024Q4", "2026Q2", "2026Q3", "2027Q4"]


@pytest.mark.parametrize("start_month", [1, 4])
def test_batched_objectives_and_sla_checks_equal_one_query_per_quarter(sample_data,
                                                                        start_month):
    qs = [Quarter(q, start_month) for q in _LABELS]  # 2010Q1, 2027Q4: no rows
    due = outcomes.objectives_by_quarter(sample_data, qs)
    sla = outcomes.sla_by_quarter(sample_data, qs)
    for q in qs:
        pd.testing.assert_frame_equal(due[q], outcomes.objectives_in(sample_data, q),
                                      check_exact=True)
        pd.testing.assert_frame_equal(sla[q], outcomes.sla_counts(sample_data, q),
                                      check_exact=True)
    assert len(due[qs[0]]) == 0 and len(sla[qs[-1]]) == 0 and len(due[qs[-2]]) > 0


def test_batched_objectives_are_queried_once_per_start_month(sample_data, monkeypatch):
    q = Quarter("2026Q3", 1)
    first = outcomes.objectives_by_quarter(sample_data, [q])[q]
    monkeypatch.setattr(type(sample_data), "table",
                        lambda self, name: pytest.fail(f"queried {name} again"))
    pd.testing.assert_frame_equal(first, outcomes.objectives_by_quarter(sample_data, [q])[q])
    with pytest.raises(pytest.fail.Exception):  # another fiscal start: another batch
        outcomes.objectives_by_quarter(sample_data, [Quarter("2026Q3", 2)])
