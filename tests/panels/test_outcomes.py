"""Customer objectives and SLA checks of a quarter (kamlib.panels.outcomes): the queries
give what the same rule computes in pandas from the whole table."""

from __future__ import annotations

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
