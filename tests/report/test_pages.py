"""What the pages show (kamlib.report.pages): the head of a manager's scorecard and the
verdicts behind the executive summary, on a small hand-made bundle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bundle_builder import small_bundle

from kamlib.report.pages import headline_facts

approx = pytest.approx


def test_the_scorecard_head_of_a_manager():
    import pandas as pd

    from kamlib.report.pages import kam_card

    summary = pd.DataFrame({"kam_id": ["K1", "K2"], "name": ["Kira", "Ole"],
                            "team": ["team_a", None], "region": ["north", None],
                            "hired_on": ["2020-01-06", "2019-03-01"],
                            "left_on": [None, "2026-08-31"], "accounts": [3, 0],
                            "clv": [1e6, 0.0], "on_churn_funnel": [True, False]})
    b = small_bundle(kam_summary=summary)
    k1 = kam_card(b, "K1")
    assert (k1.known, k1.name, k1.accounts, k1.on_churn_funnel, k1.notes) == \
        (True, "Kira", 3, True, [])
    assert k1.risk_empty.startswith("No churn model")
    k2 = kam_card(b, "K2")
    assert k2.notes == [("info", "Ole left on 2026-08-31."),
                        ("warning", "Ole has no accounts this quarter, so there is no "
                                    "scorecard to show.")]
    assert k2.risk_empty == k2.gaps_empty == "No current accounts."
    k9 = kam_card(b, "K9")
    assert not k9.known and k9.name == "K9"
    assert [kind for kind, _text in k9.notes] == ["alert", "warning"]


def _rows(period: str, **kpis) -> pd.DataFrame:
    """Company rows of one period: kpi=(value, low, high, n)."""
    return pd.DataFrame([{"kpi": k, "grain": "company", "group": "all", "period": period,
                          "value": v, "low": lo, "high": hi, "n": n}
                         for k, (v, lo, hi, n) in kpis.items()])


def test_headline_facts_churn_value_at_risk_nps_change_and_enps():
    kpis = _rows("2026Q3", logo_churn_rate=(0.02, 0.01, 0.03, 400), nps=(10.0, 5.0, 15.0, 300),
                 nps_change_qoq=(6.0, 2.0, 10.0, 300), enps=(20.0, -5.0, 45.0, 40))
    trend = _rows("2026Q2", logo_churn_rate=(0.05, 0.04, 0.06, 380))
    clv = pd.DataFrame({"account_id": ["d", "c", "b", "a"], "clv": [100.0, 100.0, 300.0, 500.0],
                        "value_at_risk": [10.0, 10.0, 30.0, 50.0]})
    accounts = pd.DataFrame({"account_id": ["a", "b"], "name": ["Acme", "Bolt"]})
    f = headline_facts(small_bundle(kpis=kpis, trend=trend, clv=clv, accounts=accounts))
    # churn 1-3 % this quarter, 4-6 % the last: the intervals do not overlap
    assert f.churn_overlap is False
    # 100 at risk of 1000; the top three: a (50), b (30) and c (10, ahead of d by id),
    # c without a name; they hold 90 of the 100
    assert (f.value_at_risk, f.value_at_risk_of_clv) == (100.0, approx(0.1))
    assert f.top_accounts == ["Acme", "Bolt", "c"] and f.top_share == approx(0.9)
    # +6 with [2, 10]: se = 8 / 3.92 = 2.041, z = 2.94, p = 0.0033
    assert f.nps_change == "nps_change_qoq" and f.nps_change_p == approx(0.0033, abs=1e-4)
    assert f.nps_change_significant
    assert f.enps_vs_zero == "includes"  # -5 .. 45


def test_headline_facts_fall_back_on_the_latest_wave_and_say_nothing_without_a_model():
    kpis = _rows("2026Q3", logo_churn_rate=(0.02, float("nan"), float("nan"), 0),
                 nps=(float("nan"),) * 3 + (0,), enps=(-20.0, -35.0, -5.0, 40))
    trend = pd.concat([_rows("2026Q2", logo_churn_rate=(0.05, 0.04, 0.06, 380),
                             nps=(4.0, -2.0, 10.0, 310), nps_change_qoq=(np.nan,) * 3 + (0,),
                             nps_change_yoy=(-4.0, -14.0, 6.0, 310))])
    f = headline_facts(small_bundle(kpis=kpis, trend=trend))
    assert f.churn_overlap  # a missing bound: no claim of a change
    assert (f.value_at_risk, f.top_accounts, f.top_share) == (0.0, [], None)
    # no NPS answer in 2026Q3: the 2026Q2 wave, whose year-on-year change is -4 [-14, 6]:
    # se = 20 / 3.92 = 5.102, z = 0.784, p = 0.433
    assert f.nps_change == "nps_change_yoy" and f.nps_change_p == approx(0.433, abs=1e-3)
    assert not f.nps_change_significant
    assert f.enps_vs_zero == "below"  # -35 .. -5


# -- scorecard: the title is the manager's name; their objectives below target -------------------
def test_the_scorecard_subtitle_names_the_team_and_region():
    from kamlib.report.pages import kam_card

    summary = pd.DataFrame({"kam_id": ["K1", "K2"], "name": ["Greta Berg", "<b>Ole</b>"],
                            "team": ["team_a", None], "region": ["north", None],
                            "hired_on": ["2020-01-06", "2019-03-01"], "left_on": [None, None],
                            "accounts": [3, 1], "clv": [1e6, 1.0],
                            "on_churn_funnel": [True, False]})
    b = small_bundle(kam_summary=summary)
    assert kam_card(b, "K1").subtitle == "Account manager scorecard · Team A · North"
    k2 = kam_card(b, "K2")
    assert (k2.name, k2.subtitle) == ("<b>Ole</b>", "Account manager scorecard")
    assert kam_card(b, "K9").subtitle == "Account manager scorecard"


def test_objectives_below_target_with_account_and_manager_furthest_short_first():
    from kamlib.report.pages import objectives_below_target

    objectives = pd.DataFrame({
        "objective_id": ["O1", "O2", "O3", "O4"], "account_id": ["a", "a", "b", "b"],
        "indicator": ["leading", "lagging", "leading", "leading"],
        "metric": ["active_users", "renewal", "adoption_rate", "training_completion"],
        # attainment = actual / target: 400 / 500 = 0.8; 1 / 1 = 1.0 (met);
        # 0.6 / 0.8 = 0.75; 0.855 / 0.9 = 0.95
        "target": [500.0, 1.0, 0.8, 0.9], "actual": [400.0, 1.0, 0.6, 0.855],
        "higher_is_better": True, "due_on": pd.to_datetime("2026-09-30"),
        "attainment": [0.8, 1.0, 0.75, 0.95], "met": [0, 1, 0, 0], "segment": "key",
        "kam_id": ["K1", "K1", "K2", "K2"]})
    accounts = pd.DataFrame({"account_id": ["a", "b"], "name": ["Acme", "Bolt"],
                             "segment": "key", "kam_id": ["K1", "K2"],
                             "customer_end": [True, False]})
    kams = pd.DataFrame({"kam_id": ["K1", "K2"], "name": ["Kira", "Ole"],
                         "team": ["team_a", "team_b"]})
    b = small_bundle(objectives=objectives, accounts=accounts, kams=kams)
    out = objectives_below_target(b)
    # O2 was met; the others by attainment: O3 0.75, O1 0.80, O4 0.95 (b has left: still
    # listed, its objective fell due this quarter)
    assert out.objective_id.tolist() == ["O3", "O1", "O4"]
    assert out[["name", "kam_name"]].values.tolist() == [["Bolt", "Ole"], ["Acme", "Kira"],
                                                         ["Bolt", "Ole"]]
    # the objectives falling well short (below 80 %) are the first of them
    assert out[out.attainment < 0.8].objective_id.tolist() == ["O3"]
# -- links -----------------------------------------------------------------------------------------
def test_pages_are_one_scorecard_per_owner_and_one_page_per_current_account():
    from kamlib.report.pages import link_pages, scorecard_ids

    # owners: K1 (account a), K2 (b, no longer a customer), none for c; current: a, c
    accounts = pd.DataFrame({"account_id": ["a", "b", "c"], "kam_id": ["K1", "K2", None]})
    view = pd.DataFrame({"account_id": ["a", "c"]})
    b = small_bundle(accounts=accounts)
    assert scorecard_ids(b) == ["K1", "K2"]
    p = link_pages(b, view)
    assert p.values.tolist() == [["kam", "K1", "kam/K1.html"], ["kam", "K2", "kam/K2.html"],
                                 ["account", "a", "accounts/a.html"],
                                 ["account", "c", "accounts/c.html"]]
    # kam report --kam K2: only the rendered scorecards
    assert link_pages(b, view, ["K2"]).id.tolist() == ["K2", "a", "c"]
    assert link_pages(small_bundle(accounts=pd.DataFrame()), pd.DataFrame()).empty


def test_the_managers_shrunken_rates_carry_their_id_for_the_links():
    from kamlib.report.pages import _with_kam_id

    shrunk = pd.DataFrame({"group": ["K2", "K1"], "manager": ["Ole", "Kira"]})
    assert _with_kam_id(shrunk).kam_id.tolist() == ["K2", "K1"]
    assert _with_kam_id(pd.DataFrame()).empty
