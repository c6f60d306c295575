"""kamlib.kpis.objectives: objectives falling short and the link between leading and
lagging objectives, on hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.kpis.objectives import objective_link


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
    # lagging objectives and the leading ones of the same account in the year before:
    # b met none of 1 (its lagging one missed), c met 1 of 2 (lagging met), a met 1 of 1
    # (lagging met); d has no lagging objective -> 0/1, 1/1, 1/1
    rows = link.rows.set_index("group")
    assert rows.loc["None met", "value"] == 0.0 and rows.loc["None met", "n"] == 1
    assert rows.loc["Some met", "value"] == 1.0 and rows.loc["Some met", "n"] == 1
    assert rows.loc["All leading objectives met", "value"] == 1.0
    # Wilson 95 % for 1 of 1: [z^2 / (1 + z^2), 1] = [0.2065, 1]
    assert rows.loc["Some met", "low"] == pytest.approx(0.2065, abs=1e-4)
    assert link.note == ""
    only_leading = objective_link(o[o.indicator == "leading"])
    assert only_leading.rows.empty and "cannot be shown" in only_leading.note
