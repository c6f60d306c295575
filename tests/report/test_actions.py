"""kamlib.report.actions: the accounts-to-act-on block of the bundle (drivers, open
requests and pending contracts into the ranking's next steps and the renewal calendar)."""

from __future__ import annotations

import pandas as pd
from kpi_builder import RENEWAL_AS_OF as AS_OF
from kpi_builder import renewal_contracts as _contracts

from kamlib.config import Settings
from kamlib.panels.customers import derive_renewals


def test_the_pages_list_and_calendar_from_a_stored_bundle():
    """The bundle's block: drivers, open requests and pending contracts become the
    ranking's drivers and next steps and the next quarter's renewal calendar."""
    from datetime import date

    from kamlib.periods import Quarter
    from kamlib.report.actions import action_results
    from kamlib.report.bundle import Bundle

    r = derive_renewals(_contracts(), AS_OF, grace_days=30)
    b = Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30),
               risk_drivers=pd.DataFrame({"account_id": ["B"], "order": [1],
                                          "covariate": ["recent_nps"], "value": [4.0],
                                          "contribution": [0.4], "hazard_ratio": [1.49],
                                          "text": ["NPS 4"]}),
               open_requests=pd.DataFrame({"account_id": ["C"], "open_requests": [2]}),
               renewals_pending=r[r.pending].reset_index(drop=True))
    # value at risk: A 10, B 30, C 20, D 5 -> ranking B, C, A, D
    view = pd.DataFrame({"account_id": list("ABCD"), "name": ["Ann", "Bo", "Cy", "Di"],
                         "kam_id": ["K1", "K2", "K1", "K1"],
                         "kam_name": ["Kira", "Ole", "Kira", "Kira"],
                         "clv": [100.0, 150.0, 200.0, 50.0],
                         "churn_next_year": [0.1, 0.2, 0.1, 0.1],
                         "value_at_risk": [10.0, 30.0, 20.0, 5.0],
                         "days_since_last_touch": [5, 5, 5, 5],
                         "nps_score": [9.0, 8.0, 9.0, 9.0],
                         "next_renewal_on": pd.to_datetime(["2026-12-31", "2027-03-31",
                                                            "2027-04-01", "2026-12-30"])})
    out = action_results(b, view)
    rank = out["risk_ranking"]
    assert rank.account_id.tolist() == ["B", "C", "A", "D"]
    # B: NPS is its largest driver; C: open requests; A, D: renewal by 2026-12-31
    assert rank.next_step.tolist() == ["executive sponsor call", "resolve open requests",
                                       "renewal proposal", "renewal proposal"]
    assert rank.drivers.tolist()[0] == "NPS 4 (×1.5)"
    cal = out["renewal_calendar"]
    assert cal.contract_id.tolist() == ["c4", "c1", "c2"]
    assert cal[["name", "kam_name", "churn_next_year"]].values.tolist() == [
        ["Di", "Kira", 0.1], ["Ann", "Kira", 0.1], ["Bo", "Ole", 0.2]]


def test_a_renewal_proposal_for_every_contract_on_the_calendar():
    """The ranking's "renewal proposal" and the renewal calendar agree: the step is due
    when the renewal window opens by the end of the next quarter (2026-12-31), i.e. the
    renewal falls by 2026-12-31 + 90 days = 2027-03-31."""
    from datetime import date

    from kamlib.periods import Quarter
    from kamlib.report.actions import action_results
    from kamlib.report.bundle import Bundle

    r = derive_renewals(_contracts(), AS_OF, grace_days=30)
    b = Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30),
               renewals_pending=r[r.pending].reset_index(drop=True))
    # B renews 2027-03-31: window opens 2027-03-31 - 90 d = 2026-12-31, on the calendar
    #   (its last day) -> renewal proposal (the old rule, renewal by 2026-12-31, said no)
    # C renews 2027-04-01: window opens 2027-01-01, after the quarter -> not on the
    #   calendar, no proposal
    # E renews 2026-12-29: window opened 2026-09-30, already open -> proposal, and not on
    #   the calendar (it opened this quarter: on or before the calendar)
    # A (2026-12-31) and D (2026-12-30): windows open 10-02 and 10-01 -> both
    view = pd.DataFrame({"account_id": list("ABCDE"), "kam_id": "K1",
                         "value_at_risk": [5.0, 4.0, 3.0, 2.0, 1.0],
                         "days_since_last_touch": 5, "nps_score": 9.0,
                         "next_renewal_on": pd.to_datetime(["2026-12-31", "2027-03-31",
                                                            "2027-04-01", "2026-12-30",
                                                            "2026-12-29"])})
    out = action_results(b, view)
    step = dict(zip(out["risk_ranking"].account_id, out["risk_ranking"].next_step,
                    strict=True))
    assert step == {"A": "renewal proposal", "B": "renewal proposal",
                    "C": "review account plan", "D": "renewal proposal",
                    "E": "renewal proposal"}
    on_calendar = set(out["renewal_calendar"].account_id)
    assert on_calendar == {"A", "B", "D"}
    assert all(step[a] == "renewal proposal" for a in on_calendar)
