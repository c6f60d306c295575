"""Customer objectives beyond the KPI (kamlib.kpis.objectives): those falling well short,
and whether meeting the leading objectives goes with meeting the lagging ones.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.kpis.objectives import SHORT_OF_TARGET, falling_short, objective_link
from kamlib.stats.intervals import wilson

approx = pytest.approx


def test_objective_link_groups_lagging_by_leading():
    o = pd.DataFrame({
        "objective_id": [str(i) for i in range(8)],
        "account_id": ["a", "a", "b", "b", "c", "c", "c", "d"],
        "indicator": ["leading", "lagging"] * 2 + ["leading", "leading", "lagging", "leading"],
        "due_on": pd.to_datetime(["2025-06-30", "2025-12-31"] * 2
                                 + ["2025-06-30", "2025-09-30", "2025-12-31", "2025-06-30"]),
        "attainment": [1.2, 1.1, 0.5, 0.7, 1.3, 0.6, 1.0, 1.0],
        "met": [1, 1, 0, 0, 1, 0, 1, 1]})
    link = objective_link(o)
    # each lagging objective (due 2025-12-31) with its account's leading ones of the year
    # before: a met 1 of 1 leading (all), its lagging met; b met 0 of 1 (none), lagging not
    # met; c met 1 of 2 (some), lagging met; d has no lagging objective
    assert link.note == ""
    assert link.rows.group.tolist() == ["None met", "Some met", "All leading objectives met"]
    assert link.rows.n.tolist() == [1, 1, 1]
    assert link.rows.value.tolist() == [0.0, 1.0, 1.0]
    # 1 of 1 met: Wilson 95 % interval 0.2065 .. 1
    assert (link.rows.low.iloc[2], link.rows.high.iloc[2]) == (
        approx(wilson(1, 1).low), approx(1.0))
    assert link.rows.low.iloc[2] == approx(0.2065, abs=1e-4)
    only_leading = objective_link(o[o.indicator == "leading"])
    assert only_leading.rows.empty and "cannot be shown" in only_leading.note
    assert "can not" not in only_leading.note


def test_falling_short_lists_the_furthest_short_first_with_the_accounts_columns():
    o = pd.DataFrame({"objective_id": ["1", "2", "3", "4"], "account_id": ["a", "b", "a", "c"],
                      "attainment": [0.5, 0.79, 0.8, 0.5]})
    accounts = pd.DataFrame({"account_id": ["a", "b"], "name": ["Acme", "Bolt"]})
    short = falling_short(o, accounts)
    # below 0.8 of target: 1 (0.5), 2 (0.79) and 4 (0.5); 3 sits exactly at the cutoff.
    # Furthest short first, ties by objective id: 1, 4, then 2; c has no account row
    assert SHORT_OF_TARGET == 0.8
    assert short.objective_id.tolist() == ["1", "4", "2"]
    assert short.name.tolist()[::2] == ["Acme", "Bolt"] and short.name.isna().tolist()[1]
    assert falling_short(o, cutoff=0.6).objective_id.tolist() == ["1", "4"]  # 0.79 is not
