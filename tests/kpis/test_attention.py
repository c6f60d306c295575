"""Lists of accounts to act on: one ranking by value at risk, contact alerts by
days since the last contact weighted by value, and the next renewal date
(docs/kpis.md, "Lists of accounts" and "Customer status")."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.kpis import attention
from kamlib.panels.customers import derive_renewals


def _accounts():
    # value at risk = clv x churn_next_year:
    #   a 1000 x 0.5 = 500, b 2000 x 0.1 = 200, c 100 x 0.9 = 90, d 4000 x 0.2 = 800, e NaN
    return pd.DataFrame({
        "account_id": ["a", "b", "c", "d", "e"],
        "kam_id": ["K1", "K1", "K2", "K2", "K1"],
        "clv": [1000.0, 2000.0, 100.0, 4000.0, np.nan],
        "churn_next_year": [0.5, 0.1, 0.9, 0.2, np.nan],
        "acv_end": [10.0, 20.0, 30.0, 40.0, 50.0],
    }).assign(value_at_risk=lambda f: f.clv * f.churn_next_year)


def test_value_at_risk_ranking_is_one_ranking_at_every_level():
    ranked = attention.accounts_to_act_on(_accounts(), top=None)
    assert list(ranked.account_id) == ["d", "a", "b", "c"]  # e has no model figure
    assert list(ranked["rank"]) == [1, 2, 3, 4]
    mine = attention.accounts_to_act_on(_accounts(), kam_id="K1", top=None)
    # K1's list is the company ranking restricted to K1, with the company rank kept
    assert list(mine.account_id) == ["a", "b"]
    assert list(mine["rank"]) == [2, 3]


def test_every_top_account_is_on_its_managers_list():
    acc = _accounts()
    top = attention.accounts_to_act_on(acc, top=3)
    for r in top.itertuples():
        mine = attention.accounts_to_act_on(acc, kam_id=r.kam_id, top=3)
        assert r.account_id in set(mine.account_id)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["K1", "K2", "K3"]),
                          st.floats(0, 1e6), st.floats(0, 1)), min_size=1, max_size=30),
       st.integers(1, 10))
def test_company_top_accounts_always_appear_on_their_scorecards(rows, top):
    acc = pd.DataFrame(rows, columns=["kam_id", "clv", "churn_next_year"])
    acc["account_id"] = [f"A{i:03d}" for i in range(len(acc))]
    acc["value_at_risk"] = acc.clv * acc.churn_next_year
    company = attention.accounts_to_act_on(acc, top=top)
    for r in company.itertuples():
        assert r.account_id in set(attention.accounts_to_act_on(acc, r.kam_id, top=top).account_id)
    shuffled = acc.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(company.reset_index(drop=True),
                                  attention.accounts_to_act_on(shuffled, top=top)
                                  .reset_index(drop=True))


def test_contact_alerts_rank_by_days_since_last_contact_weighted_by_value():
    acc = pd.DataFrame({
        "account_id": ["busy", "silent", "quiet", "fine"],
        "kam_id": ["K1"] * 4,
        # busy: a long gap early in the quarter, but 35 touches and contacted 2 days ago
        "max_gap_days": [80, 92, 60, 10],
        "days_since_last_touch": [2, 92, 50, 3],
        "touches": [35, 0, 2, 12],
        "clv": [5000.0, 1000.0, 1000.0, 9000.0],
        "acv_end": [1.0, 1.0, 1.0, 1.0],
    })
    alerts = attention.contact_alerts(acc, threshold=45)
    # flagged: longest gap > 45 -> busy, silent, quiet. Still out of touch (days since
    # > 45): silent (92 x 1000 = 92,000) and quiet (50 x 1000 = 50,000) come first;
    # busy (2 x 5000 = 10,000) was contacted since and comes last.
    assert list(alerts.account_id) == ["silent", "quiet", "busy"]
    assert list(alerts.priority) == [92_000.0, 50_000.0, 10_000.0]
    assert list(alerts.still_silent) == [True, True, False]


def test_contact_alerts_fall_back_to_contracted_value_without_a_model():
    acc = pd.DataFrame({"account_id": ["x", "y"], "kam_id": ["K1", "K2"],
                        "max_gap_days": [60, 70], "days_since_last_touch": [60, 70],
                        "touches": [0, 0], "clv": [np.nan, np.nan], "acv_end": [300.0, 100.0]})
    alerts = attention.contact_alerts(acc, threshold=45)
    assert list(alerts.account_id) == ["x", "y"]  # 60 x 300 > 70 x 100
    assert list(attention.contact_alerts(acc, 45, kam_id="K2").account_id) == ["y"]


def test_next_renewal_date_is_the_earliest_contract_awaiting_renewal():
    c = pd.DataFrame({
        "contract_id": ["a1", "a2", "b1", "b2", "c1"],
        "account_id": ["A", "A", "B", "B", "C"],
        "start_on": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-01-01", "2026-01-01",
                                    "2024-01-01"]),
        "end_on": pd.to_datetime(["2026-12-31", "2027-05-31", "2025-12-31", "2026-12-31",
                                  "2026-09-15"]),
        "annual_value": [1.0] * 5,
        "renewal_of": [None, None, None, "b1", None],
    })
    r = derive_renewals(c, "2026-09-30", grace_days=30)
    nxt = attention.next_renewal_on(r)
    # A: two side-by-side contracts, the earlier ends 2026-12-31
    # B: b1 was renewed by b2, so b2's end counts
    # C: ended 2026-09-15, in its window (closes 2026-10-16): due now
    assert nxt.to_dict() == {"A": pd.Timestamp("2026-12-31"), "B": pd.Timestamp("2026-12-31"),
                             "C": pd.Timestamp("2026-09-15")}


# --------------------------------------------------------------------------- next steps
def _facts():
    # a: gap is the largest driver                   -> schedule contact
    # b: silent 60 days > 45 (gap not a driver)      -> schedule contact
    # c: NPS is the largest driver                   -> executive sponsor call
    # d: detractor (mean answer 5 <= 6)              -> executive sponsor call
    # e: 2 open requests                             -> resolve open requests
    # f: renews 2026-11-15 <= 2026-12-31             -> renewal proposal
    # g: renews 2027-03-01, nothing else             -> review account plan
    # h: gap largest, NPS 3, 1 open request, renews in Oct: the first rule wins
    return pd.DataFrame({
        "account_id": list("abcdefgh"),
        "days_since_last_touch": [10, 60, 10, 10, 10, 10, 10, 10],
        "nps_score": [9, 9, 8, 5, 9, np.nan, 9, 3],
        "next_renewal_on": pd.to_datetime(["2027-06-01"] * 5 + ["2026-11-15", "2027-03-01",
                                                                 "2026-10-10"]),
    })


def _drivers():
    return pd.DataFrame({
        "account_id": ["a", "c", "c", "h"], "order": [1, 1, 2, 1],
        "covariate": ["gap_30d", "recent_nps", "revenue_trend", "gap_30d"],
        "hazard_ratio": [1.84, 1.31, 1.04, 2.0],
        "text": ["contact gap 74 days", "NPS 4", "revenue vs a year before -20 %",
                 "contact gap 90 days"]})


LIMITS = {"gap_alert_days": 45, "renewal_horizon": pd.Timestamp("2026-12-31")}


def test_next_step_rules_by_hand():
    f = attention.add_actions(_facts(), _drivers(), LIMITS,
                              open_requests=pd.Series({"e": 2, "h": 1}))
    assert f.next_step.tolist() == [
        "schedule contact", "schedule contact", "executive sponsor call",
        "executive sponsor call", "resolve open requests", "renewal proposal",
        "review account plan", "schedule contact"]
    assert f.drivers.tolist()[:3] == [
        "contact gap 74 days (×1.8)", attention.NO_DRIVERS,
        "NPS 4 (×1.3), revenue vs a year before -20 % (×1.0)"]
    assert f.open_requests.tolist() == [0, 0, 0, 0, 2, 0, 0, 1]
    assert f.top_driver.tolist() == ["gap_30d", "", "recent_nps", "", "", "", "", "gap_30d"]


def test_next_steps_without_a_model_or_columns():
    f = attention.add_actions(_facts(), None, LIMITS)
    # no drivers: a and c fall through to the fallback or to the renewal
    assert f.next_step.tolist()[:3] == ["review account plan", "schedule contact",
                                        "review account plan"]
    assert (f.drivers == "").all() and (f.open_requests == 0).all()  # no model: no drivers
    # a frame with none of the rules' columns gets the fallback everywhere
    bare = pd.DataFrame({"account_id": ["x"]})
    assert attention.next_steps(bare, LIMITS).tolist() == [attention.FALLBACK_STEP]


def test_the_rules_are_one_table_in_the_documented_order():
    assert [r.step for r in attention.NEXT_STEPS] == [
        "schedule contact", "executive sponsor call", "resolve open requests",
        "renewal proposal"]
    assert attention.FALLBACK_STEP == "review account plan"
    for rule in attention.NEXT_STEPS:
        for _col, op, _value in rule.when:
            assert op in {"==", ">", ">=", "<", "<="}
    # a rule table passed in replaces the default one: the order decides
    swapped = (attention.NEXT_STEPS[1], attention.NEXT_STEPS[0])
    both = pd.DataFrame({"days_since_last_touch": [90], "nps_score": [2]})
    assert attention.next_steps(both, LIMITS).tolist() == ["schedule contact"]
    assert attention.next_steps(both, LIMITS, rules=swapped).tolist() == [
        "executive sponsor call"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.floats(0, 10), st.integers(0, 3),
                          st.integers(-30, 400)), min_size=1, max_size=20))
def test_every_account_gets_exactly_one_listed_step(rows):
    f = pd.DataFrame(rows, columns=["days_since_last_touch", "nps_score", "open_requests",
                                    "days"])
    f["next_renewal_on"] = pd.Timestamp("2026-09-30") + pd.to_timedelta(f.pop("days"), unit="D")
    steps = attention.next_steps(f, LIMITS)
    allowed = {r.step for r in attention.NEXT_STEPS} | {attention.FALLBACK_STEP}
    assert set(steps) <= allowed and len(steps) == len(f)
    # the fallback only where no condition holds
    quiet = ((f.days_since_last_touch <= 45) & (f.nps_score > 6) & (f.open_requests == 0)
             & (f.next_renewal_on > LIMITS["renewal_horizon"]))
    assert ((steps == attention.FALLBACK_STEP) == quiet).all()
