"""The typed facts of a bundle (kamlib.report.facts) and their plain-JSON form: every
fact reads back as it was written, through ``json`` and in the bundle's ``meta.json``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kamlib.report.facts import (
    BacktestFacts,
    CohortModelFacts,
    Comparison,
    ContactGapFacts,
    ConversionCohort,
    DataQualityFacts,
    HeadlineFacts,
    LifetimeFacts,
    Mentions,
    ModelFacts,
    Window,
    from_json,
    to_json,
)

#: one instance of each fact, every field away from its default
FACTS = [
    Window(["2025Q4", "2026Q1", "2026Q2", "2026Q3"], "2025Q4–2026Q3"),
    Mentions(all=12, unlinked=3),
    ConversionCohort("2026Q1", "2026-01-01", "2026-03-31"),
    ModelFacts("cox", 0.71, 5210, 180, "mid_market", {"gap_30d": "Longest gap"}, None),
    BacktestFacts("2025-09-30", "2026-09-30", 310, 25, 365.0, 0.07, 0.08, 2.1, 1.0, 0.7,
                  0.5, 0.01, 0.02, None),
    CohortModelFacts(0.7, 3.8, 0.155, 4.2, None),
    LifetimeFacts(0.1, 0.12, 10.0),
    Comparison("logo_churn_rate", "kam_trailing", False, 0.03, 24, 2, True,
               {"phi": 1.4, "p": 0.01}),
    ContactGapFacts(threshold=45, accounts=12, still_silent=5),
    DataQualityFacts(1000, 7, 0.007, ["quarantine/accounts.csv"]),
    HeadlineFacts(False, 2.5e6, 0.1, ["Acme", "Bolt"], 0.4, "nps_change_qoq", 0.03, True,
                  "above", top_account_ids=["A1", "B2"]),
]


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: type(f).__name__)
def test_every_fact_reads_back_as_it_was_written(fact):
    text = json.dumps(to_json(fact))
    assert from_json(type(fact), json.loads(text)) == fact
    assert from_json(type(fact), {}) == type(fact)()  # missing keys: the defaults


def test_mentions_linked_are_those_naming_an_account():
    assert Mentions(all=12, unlinked=3).linked == 9  # 12 - 3
    assert Mentions().linked == 0


def test_to_json_gives_plain_values_and_no_non_finite_number():
    got = to_json({1: (np.int64(2), np.float64(0.25)), "b": [np.bool_(False), float("nan")],
                   "c": Mentions(all=np.int64(4)), "d": "text", "e": None,
                   "f": -float("inf")})
    assert got == {"1": [2, 0.25], "b": [False, None], "c": {"all": 4, "unlinked": 0},
                   "d": "text", "e": None, "f": None}
    assert type(got["1"][0]) is int and type(got["b"][0]) is bool
    json.dumps(got, allow_nan=False)  # plain JSON: no NaN or Infinity


def test_from_json_reads_nested_types_and_ignores_unknown_keys():
    value = {"logo_churn_rate": {"kpi": "logo_churn_rate", "target": 0.03, "managers": 4,
                                 "someday": "a key of a later version"}}
    got = from_json(dict[str, Comparison], value)
    assert got == {"logo_churn_rate": Comparison(kpi="logo_churn_rate", target=0.03,
                                                 managers=4)}
    # a number that was not finite was written as null and reads back as None, not NaN
    back = from_json(LifetimeFacts, to_json(LifetimeFacts(annual_churn=float("nan"))))
    assert back.annual_churn is None
    assert from_json(list[Window], [{"label": "2026Q3"}]) == [Window(label="2026Q3")]
    assert from_json(float | None, None) is None and from_json(float | None, 0.5) == 0.5
    assert from_json(int, 3) == 3
