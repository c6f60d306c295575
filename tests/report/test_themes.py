"""The stored results of each theme of a bundle (kamlib.report.themes), on a tiny
hand-made data set: two managers with one account each, 2026Q3 (as_of 2026-09-30).

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from kpi_builder import FAST, DataSet, period

from kamlib.kpis import team
from kamlib.kpis.compute import compute_kpis
from kamlib.periods import Quarter
from kamlib.report import themes
from kamlib.report.facts import ConversionCohort, Mentions, Window

approx = pytest.approx
Q = Quarter("2026Q3")


@pytest.fixture(scope="module")
def two_books(tmp_path_factory):
    """K1 (north) owns A, K2 (south) owns B; no survey answer in 2026Q3, one each in Q2."""
    ds = DataSet()
    ds.kam("K1", name="Kira   Moreau", team="north")
    ds.kam("K2", name="Ole", team="south")
    ds.account("A", kam="K1", segment="s1")
    ds.account("B", kam="K2", segment="s2")
    ds.contract("A", "2025-01-01", "2027-12-31", 200)
    ds.contract("B", "2025-01-01", "2026-12-31", 100)
    ds.touch("A", "2026-07-10")
    ds.touch("A", "2026-08-20")
    ds.response("A", "2026-05-01", 10)
    ds.response("B", "2026-05-02", 6)
    ds.mention("A", "2026-08-01", 0.5)
    ds.mention(None, "2026-08-02", -0.5)
    ds.mention("B", "2026-05-02", 0.1)  # Q2
    ds.objective("A", "leading", 100, 120, "2026-08-31")  # O1, Q3
    ds.objective("B", "lagging", 100, 90, "2026-05-31")  # O2, Q2
    ds.objective("A", "lagging", 100, 100, "2025-06-30")  # O3, 2025Q2
    ds.objective("A", "lagging", 100, 100, "2024-09-30")  # O4, 2024Q3
    for score in (10, 9, 9, 8, 3):
        ds.survey("K1", "2026-08-15", score)
    ds.survey("K2", "2026-08-15", 6)
    first = ds.prospect("K1", "2026-01-10", "email", "2026-02-01")
    ds.prospect_touch(first, "2026-01-11")
    ds.prospect("K2", "2026-02-10", "event")
    with ds.load(tmp_path_factory.mktemp("themes")) as data:
        yield data, period(data, "2026Q3", FAST)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """One account and nothing optional: no mentions, objectives or employee surveys."""
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2027-12-31")
    with ds.load(tmp_path_factory.mktemp("bare")) as data:
        yield data, period(data, "2026Q3", FAST)


def test_display_name_is_one_short_line_and_missing_stays_missing():
    assert themes.display_name("Kira \n  Moreau") == "Kira Moreau"
    long = themes.display_name("x" * 500)
    assert len(long) == themes.NAME_MAX == 120 and long.endswith("…")  # 119 x and "…"
    assert themes.display_name(None) is None and themes.display_name(float("nan")) is None


def test_mentions_of_the_quarter(two_books, bare):
    data, _ = two_books
    # 2026Q3: A's of 08-01 and the one naming no account (B's is in Q2)
    assert themes.mentions(data, Q) == Mentions(all=2, unlinked=1)
    assert themes.mentions(bare[0], Q) is None


def test_objectives_due_this_quarter_and_in_the_eight_before(two_books, bare):
    data, p = two_books
    got = themes.objective_frames(data, Q, Quarter("2024Q1"), FAST, p)
    assert got["objectives"].objective_id.tolist() == ["O1"]
    # 2024Q4 .. 2026Q3, oldest first: O3 (2025Q2), O2 (2026Q2), O1; O4 (2024Q3) is older
    assert got["objectives_history"].objective_id.tolist() == ["O3", "O2", "O1"]
    assert got["objectives_history"].attainment.tolist() == [1.0, 0.9, 1.2]
    # a history starting in 2026Q2 has no quarter before it
    later = themes.objective_frames(data, Q, Quarter("2026Q2"), FAST, p)
    assert later["objectives_history"].objective_id.tolist() == ["O2", "O1"]
    assert themes.objective_frames(bare[0], Q, Quarter("2024Q1"), FAST, bare[1]) == {}


def test_team_frames_enps_by_team_and_the_managers_outcomes(two_books, bare):
    data, _ = two_books
    got = themes.team_frames(data, Q, Quarter("2024Q1"), FAST)
    assert set(got) == {"enps_teams", "kam_outcomes", "enps_association", "enps_terciles"}
    t = got["enps_teams"].set_index("team")
    # north (K1): 10, 9, 9, 8, 3 -> promoters 3, detractors 1 of 5: 100 * 2 / 5 = 40
    # company: + K2's 6 -> promoters 3, detractors 2 of 6: 100 * 1 / 6 = 16.7
    assert t.loc["north", "enps"] == approx(40.0) and t.loc["company", "enps"] == approx(100 / 6)
    assert math.isnan(t.loc["south", "enps"]) and t.loc["south", "answers"] == 1  # < 5
    pd.testing.assert_frame_equal(got["enps_teams"], team.enps_by_team(data, Q, 5, 0.95))
    o = got["kam_outcomes"].set_index("kam_id")
    # satisfaction: K1 (10 + 9 + 9 + 8 + 3) / 5 = 7.8, K2 6; customer NPS of the one
    # answer each: A's 10 (+100), B's 6 (-100); customers at the start of 2025Q2 .. 2026Q3
    assert o.satisfaction.tolist() == [7.8, 6.0] and o.customer_nps.tolist() == [100.0, -100.0]
    assert o.at_risk.tolist() == [6, 6] and o.churned.tolist() == [0, 0]
    assert got["enps_terciles"].tercile.tolist() == ["low", "high"]  # K2 6.0, K1 7.8
    assert got["enps_association"].rho.isna().all()  # two managers: no correlation
    assert themes.team_frames(bare[0], Q, Quarter("2024Q1"), FAST) == {}


def test_acquisition_frames_take_the_latest_closed_cohort(two_books):
    data, _ = two_books
    got = themes.acquisition_frames(data, Q, FAST)
    # Q2 ends 06-30 and + 180 days is 12-27, after as_of; Q1's windows closed by 09-27
    assert got["conversion_cohort"] == ConversionCohort("2026Q1", "2026-01-01", "2026-03-31")
    peaks = got["touch_peaks"].set_index("channel")
    assert peaks.n.tolist() == [1, 1] and not peaks.peak_found.any()  # one prospect each
    assert set(peaks.note) == {"too few prospects"}


def test_trailing_frames_pool_the_quarters_since_the_data_starts(two_books):
    data, p = two_books
    got = themes.trailing_frames(data, Q, Quarter("2026Q2"), FAST, p)
    assert got["window"] == Window(["2026Q2", "2026Q3"], "2026Q2–2026Q3")
    t = got["kam_trailing"]
    churn = t[(t.kpi == "logo_churn_rate") & (t.grain == "kam")].set_index("group")
    # one customer each at the start of 2026Q2 and of 2026Q3, none lost
    assert churn.n.tolist() == [2, 2] and churn.k.tolist() == [0, 0]
    assert set(t.period) == {"2026Q2–2026Q3"}


def test_account_frames_of_the_quarter(two_books):
    data, p = two_books
    got = themes.account_frames(data, Q, Quarter("2024Q1"), FAST, p)
    acc = got["accounts"].set_index("account_id")
    # A: touched 07-10 and 08-20: stretches of 9, 41 and 41 days (to 09-30); B: none in
    # the quarter, 07-01 .. 09-30 = 91 days
    assert acc.max_gap_days.tolist() == [41.0, 91.0]
    assert acc.loc["A", "days_since_last_touch"] == 41.0
    assert acc.next_renewal_on.tolist() == [pd.Timestamp("2027-12-31"),
                                            pd.Timestamp("2026-12-31")]
    assert got["kams"].name.tolist() == ["Kira Moreau", "Ole"]  # as the pages show them
    # no answer in 2026Q3: the latest wave within 12 months is 2026Q2
    assert got["responses"].empty and got["responses_period"] == "2026Q2"
    latest = got["responses_latest"].set_index("account_id")
    assert latest.mean_score.tolist() == [10.0, 6.0] and latest.kam_id.tolist() == ["K1", "K2"]
    assert got["objectives"].objective_id.tolist() == ["O1"]
    assert got["mentions"] == Mentions(all=2, unlinked=1)


def test_kpi_frames_the_quarter_its_trend_and_earlier_figures(two_books):
    data, p = two_books
    steps = []
    got = themes.kpi_frames(data, Q, Quarter("2026Q1"), FAST, p, steps.append)
    assert steps == ["trends", "latest figures"]
    pd.testing.assert_frame_equal(got["kpis"], compute_kpis(data, Q, FAST, period=p))
    trend = got["trend"]
    # the data start in 2026Q1: its quarters 2026Q1 .. 2026Q3, company and segment rows
    assert sorted(set(trend.period)) == ["2026Q1", "2026Q2", "2026Q3"]
    assert set(trend.grain) == {"company", "segment"}
    q3 = trend[trend.period == "2026Q3"]
    assert len(q3) == len(got["kpis"][got["kpis"].grain.isin(["company", "segment"])])
    nps = got["earlier"][got["earlier"].kpi == "nps"].set_index("group")
    # no answer in Q3: the managers' NPS of 2026Q2, one answer each (+100 and -100)
    assert nps.value.tolist() == [100.0, -100.0] and set(nps.period) == {"2026Q2"}


def test_earlier_kpis_are_the_manager_rows_of_kpis_without_observations(two_books):
    data, p = two_books
    kpis = compute_kpis(data, Q, FAST, period=p)
    got = themes.earlier_kpis(data, Q, Quarter("2024Q1"), FAST, kpis,
                              {"nps": "voice", "logo_churn_rate": "churn"})
    # logo churn has its figure this quarter; NPS comes from 2026Q2 at the KAM grain only
    assert got.kpi.tolist() == ["nps", "nps"] and got.grain.tolist() == ["kam", "kam"]
    assert got.group.tolist() == ["K1", "K2"] and got.value.tolist() == [100.0, -100.0]
    none = themes.earlier_kpis(data, Q, Quarter("2024Q1"), FAST, kpis,
                               {"logo_churn_rate": "churn"})
    assert none.empty and list(none.columns) == list(kpis.columns)


# -- the book's value bridge -------------------------------------------------------------------
def test_value_bridge_frames_long_and_by_group_with_the_managers_names(two_books):
    """The churn models of both quarters given by hand (one year, 10 %, F = S_1 / 1.1):
    A retained in K1's book, margin 110 -> 132, S_1 1.0 -> 0.75 (CLV 100 -> 90); B new in
    K2's, margin 55, S_1 1.0 (CLV 50)."""
    from types import SimpleNamespace

    from kamlib.kpis.lifetime import SurvivalFit

    data, _p = two_books
    start = pd.DataFrame({"account_id": ["A"], "segment": "s1", "kam_id": "K1",
                          "margin": [110.0], "clv": [100.0], "s_1": [1.0]})
    end = pd.DataFrame({"account_id": ["A", "B"], "segment": ["s1", "s2"],
                        "kam_id": ["K1", "K2"], "margin": [132.0, 55.0], "clv": [90.0, 50.0],
                        "s_1": [0.75, 1.0]})
    p = SimpleNamespace(data=data, quarter=Q, settings=FAST.replace(discount_rate=0.10),
                        survival=SurvivalFit(model=object(), clv=end),
                        previous=SimpleNamespace(survival=SurvivalFit(model=object(), clv=start)))
    got = themes.value_bridge_frames(p)
    assert got["value_bridge_note"] == ""
    wide = got["value_bridge_groups"]
    assert list(zip(wide.grain, wide.group, wide.name, strict=True)) == [
        ("company", "all", "all"), ("segment", "s1", "s1"), ("segment", "s2", "s2"),
        ("kam", "K1", "Kira Moreau"), ("kam", "K2", "Ole")]
    k1 = wide.set_index("group").loc["K1"]
    # A: expansion (132 - 110) x 1/1.1 = 20; time 90 - 100 - 20 = -30
    assert (k1.start, k1.expansion, k1.time, k1.end) == (100, approx(20), approx(-30), 90)
    company = wide.set_index("group").loc["all"]
    assert (company.start, company.new, company.end) == (100, 50, 140)  # 100 + 50 + 20 - 30
    long = got["value_bridge"]
    assert len(long) == 5 * 8  # five groups, eight steps each
    assert long[(long.group == "K2") & (long.step == "new")].value.item() == 50


def test_without_a_churn_model_the_value_bridge_says_why(two_books):
    data, p = two_books  # no customer ever left: no churn model
    got = themes.value_bridge_frames(p)
    assert got["value_bridge"].empty and got["value_bridge_groups"].empty
    assert got["value_bridge_note"].startswith("No churn model at the end of 2026Q3")
