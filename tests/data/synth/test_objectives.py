"""Customer objectives of the synthetic-data generator (kamlib.data.synth.objectives),
with fixed draws worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from synth_builder import FixedRng

from kamlib.data.contract import TABLES
from kamlib.data.synth import objectives
from kamlib.data.synth.columns import ids
from kamlib.data.synth.timeline import day


def test_leading_attainment_decides_the_lagging_objective():
    objs = objectives.objective_rows()
    # attainment 0.95 + 0.1 health: 1.0 and 0.85 (no noise); the lagging objective is met
    # with probability logistic(0.2 + 6 (att - 1)): 0.55 and logistic(-0.7) = 0.33,
    # against a draw of 0.5 -> met, not met
    objectives.set_objectives(FixedRng(), objs, np.array([4, 7]), np.array(
        [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -1.0]), 2024)
    o = objs.arrays()
    assert o["account"].tolist() == [4, 7, 4, 7, 4, 7]
    assert o["indicator"].tolist() == [0, 0, 0, 0, 1, 1]
    assert o["due"].tolist() == [day(date(2024, 6, 30))] * 2 + [day(date(2024, 9, 30))] * 2 \
        + [day(date(2024, 12, 31))] * 2
    assert o["actual"].tolist() == pytest.approx([1.0, 0.85, 1.0, 0.85,
                                                  1.15, 0.795])  # 1 + 0.3 u, 0.6 + 0.39 u


def test_table_turns_attainment_into_actuals_and_hides_the_future():
    objs = objectives.objective_rows()
    d = day(date(2024, 12, 31))
    objs.add(account=np.zeros(4, int), indicator=np.array([0, 1, 1, 1]),
             metric=np.array([0, 0, 1, 0]), target=np.zeros(4),
             actual=np.array([1.0, 1.15, 1.15, 1.15]), hib=np.ones(4, bool),
             due=np.array([d - 200, d, d, d + 1]))
    t = objectives.objectives_table(objs, d, ids("A", 1, 5))
    assert t.column_names == [c.name for c in TABLES["objectives"].columns]
    rows = t.to_pylist()
    # adoption rate 0.8 at attainment 1.0 -> 0.8; cost savings 1e6 x 1.15; time to value
    # (lower is better) 60 / 1.15 = 52.1739; the last is due after the history end: no
    # actual yet
    assert [r["metric"] for r in rows] == ["adoption_rate", "cost_savings",
                                           "time_to_value_days", "cost_savings"]
    assert [r["actual"] for r in rows] == [0.8, 1_150_000.0, 52.1739, None]
    assert [r["higher_is_better"] for r in rows] == [True, True, False, True]
    assert rows[2]["target"] == 60.0
