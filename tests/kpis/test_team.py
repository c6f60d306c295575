"""The team view (kamlib.kpis.team): eNPS answers, teams, and KAM satisfaction against
customer outcomes, on hand-made data.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from kpi_builder import FAST, DataSet

from kamlib.kpis import team
from kamlib.periods import Quarter

approx = pytest.approx
Q3 = Quarter("2026Q3", 1)


def test_association_is_a_spearman_correlation_across_kams():
    f = pd.DataFrame({"satisfaction": [1.0, 2, 3, 4, 5, None],
                      "customer_nps": [20.0, 10, 40, 30, 50, 0],
                      "churn_rate": [0.5, 0.4, 0.3, 0.2, 0.1, 0.9]})
    a = team.association(f).set_index("outcome")
    # NPS ranks 2, 1, 4, 3, 5 against 1..5: d = -1, 1, -1, 1, 0, sum d² = 4,
    # rho = 1 - 6 * 4 / (5 * (25 - 1)) = 0.8; the KAM without satisfaction is left out
    assert a.loc["customer_nps", "rho"] == approx(0.8)
    assert a.loc["customer_nps", "kams"] == 5
    assert a.loc["churn_rate", "rho"] == approx(-1.0)  # churn falls in step
    assert a.loc["customer_nps", "low"] < 0.8 < a.loc["customer_nps", "high"]


def test_terciles_pool_churn_and_break_ties_in_order():
    f = pd.DataFrame({"kam_id": list("abcdefg"),
                      "satisfaction": [7.0, 7, 7, 7, 7, 7, None],
                      "churned": [4, 2, 1, 1, 0, 0, 9], "at_risk": [10] * 7})
    t = team.terciles(f).set_index("tercile")
    # equal satisfaction: ranked in row order; g has none and is left out.
    # low = a, b: 6 of 20; mid = c, d: 2 of 20; high = e, f: 0 of 20
    assert t.kams.tolist() == [2, 2, 2] and t.n.tolist() == [20, 20, 20]
    assert t.churn_rate.tolist() == [approx(0.3), approx(0.1), 0.0]
    assert t.satisfaction.tolist() == [7.0, 7.0, 7.0]


@pytest.fixture(scope="module")
def survey_data(tmp_path_factory):
    ds = DataSet()
    ds.kam("K1", team="north")
    ds.kam("K2")  # no team
    ds.contract("A", "2025-01-01", "2026-12-31")
    for score in (10, 9, 6):
        ds.survey("K1", "2026-08-15", score)
    ds.survey("K1", "2026-06-30", 0)  # Q2: not this period
    ds.survey("K2", "2026-07-01", 10)
    with ds.load(tmp_path_factory.mktemp("surveys")) as data:
        yield data


def test_enps_answers_of_the_period_with_team_and_class(survey_data):
    e = team.enps_answers(survey_data, Q3).sort_values(["kam_id", "score"])
    assert e.score.tolist() == [6, 9, 10, 10]
    assert e.team.fillna("-").tolist() == ["north", "north", "north", "-"]
    # 9-10 promoters, 7-8 passives, 0-6 detractors
    assert e.promoters.tolist() == [0, 1, 1, 1] and e.detractors.tolist() == [1, 0, 0, 0]
    assert e.passives.sum() == 0


def test_enps_by_team_groups_kams_without_a_team_and_suppresses_small_groups(survey_data):
    t = team.enps_by_team(survey_data, Q3, min_group_size=2).set_index("team")
    assert list(t.index) == ["company", team.NO_TEAM, "north"]
    # company: 10, 9, 6, 10 -> 3 promoters, 1 detractor: 100 * 2 / 4 = 50
    assert (t.loc["company", "enps"], t.loc["company", "answers"]) == (approx(50), 4)
    # north: 10, 9, 6 -> 100 * (2 - 1) / 3 = 33.3
    assert t.loc["north", "enps"] == approx(100 / 3)
    # no team: one answer < 2: suppressed
    assert math.isnan(t.loc[team.NO_TEAM, "enps"]) and t.loc[team.NO_TEAM, "suppressed"]


def test_kam_outcomes_pool_churn_nps_and_satisfaction(tmp_path):
    ds = DataSet()
    ds.account("A", kam="K1")
    ds.account("B", kam="K1")
    ds.account("C", kam="K2")
    ds.contract("A", "2025-07-01", "2026-06-15")  # last day 07-15, churn known 07-16 (Q3)
    ds.contract("B", "2025-01-01", "2026-12-31")
    ds.contract("C", "2025-01-01", "2026-12-31")
    for acc, score in (("A", 10), ("B", 3), ("C", 9)):
        ds.response(acc, "2026-07-05", score)
    for kam, score in (("K1", 6), ("K1", 8), ("K2", 9)):
        ds.survey(kam, "2026-08-01", score)
    with ds.load(tmp_path) as data:
        o = team.kam_outcomes(data, [Q3], FAST).set_index("kam_id")
    # K1: A and B at risk, A churned -> 1 / 2; NPS 10 and 3 -> 100 (1 - 1) / 2 = 0;
    # satisfaction (6 + 8) / 2 = 7
    assert (o.loc["K1", "at_risk"], o.loc["K1", "churned"]) == (2, 1)
    assert o.loc["K1", "churn_rate"] == approx(0.5) and o.loc["K1", "customer_nps"] == 0
    assert (o.loc["K1", "satisfaction"], o.loc["K1", "answers"]) == (approx(7.0), 2)
    # K2: C stays -> 0; one promoter -> 100; satisfaction 9
    assert o.loc["K2", "churn_rate"] == 0 and o.loc["K2", "customer_nps"] == approx(100)
    assert o.loc["K2", "satisfaction"] == approx(9.0)
