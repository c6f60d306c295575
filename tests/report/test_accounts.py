"""The account lists of the pages (kamlib.report.accounts): one view per account, value at
risk per manager or segment, and the head of a manager's scorecard.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib.report.accounts import VIEW_COLUMNS, account_view, kam_summary, value_at_risk

KAMS = pd.DataFrame({"kam_id": ["K1", "K2", "K3"], "name": ["Kira", "Ole", "Ana"],
                     "team": ["north", "south", None]})
ACCOUNTS = pd.DataFrame({
    "account_id": ["c", "a", "b", "d"], "name": ["Cleo", "Acme", "Bolt", "Dune"],
    "segment": ["key", "key", "mid", "mid"], "kam_id": ["K2", "K1", "K1", "K9"],
    "acv_end": [300.0, 100.0, 200.0, 0.0], "max_gap_days": [10, 60, 5, 90],
    "customer_end": [True, True, True, False]})
CLV = pd.DataFrame({"account_id": ["a", "b", "c"], "clv": [1000.0, 500.0, 0.0],
                    "churn_next_year": [0.1, 0.4, 0.5], "value_at_risk": [100.0, 200.0, 0.0],
                    "segment": ["ignored", "ignored", "ignored"]})
RESPONSES = pd.DataFrame({"account_id": ["a", "c"], "mean_score": [9.0, 4.5],
                          "responses": [2, 1]})


def test_the_account_view_joins_model_answers_and_managers_per_current_account():
    v = account_view(ACCOUNTS, CLV, RESPONSES, KAMS)
    # d is no customer at the quarter's end; the rest ordered by account id
    assert v.account_id.tolist() == ["a", "b", "c"]
    assert v.kam_name.tolist() == ["Kira", "Kira", "Ole"]
    assert v.team.tolist() == ["north", "north", "south"]
    assert v.clv.tolist() == [1000.0, 500.0, 0.0]
    assert v.value_at_risk.tolist() == [100.0, 200.0, 0.0]
    assert v.nps_score.tolist()[::2] == [9.0, 4.5] and math.isnan(v.nps_score[1])
    assert v.segment.tolist() == ["key", "mid", "key"]  # the account's, not the model's
    assert set(VIEW_COLUMNS) <= set(v.columns)
    # the model's columns it does not give are there, empty
    assert v.churn_next_quarter.isna().all() and v.next_renewal_on.isna().all()
    assert account_view(ACCOUNTS, CLV, RESPONSES, KAMS, current=False).account_id.tolist() \
        == ["a", "b", "c", "d"]


def test_the_account_view_without_a_model_or_a_survey_keeps_every_column_empty():
    v = account_view(ACCOUNTS, None, None, KAMS)
    assert v.account_id.tolist() == ["a", "b", "c"]
    for col in ("clv", "churn_next_year", "value_at_risk", "nps_score", "responses"):
        assert v[col].isna().all(), col
    empty = account_view(ACCOUNTS.iloc[:0], CLV, RESPONSES, KAMS)
    assert empty.empty and "kam_name" in empty


def test_value_at_risk_per_manager_with_their_names():
    view = account_view(ACCOUNTS, CLV, RESPONSES, KAMS)
    got = value_at_risk(view, "kam_id", {"K1": "Kira"})
    # K1: 100 + 200 = 300 at risk of 1000 + 500 = 1500 (20 %); K2: 0 of 0 (no share)
    assert got.kam_id.tolist() == ["K1", "K2"]
    assert got.value_at_risk.tolist() == [300.0, 0.0] and got.clv.tolist() == [1500.0, 0.0]
    assert got.share_at_risk.iloc[0] == pytest.approx(0.2) and math.isnan(got.share_at_risk[1])
    assert got.manager.tolist() == ["Kira", "K2"]  # a manager without a name: the id
    no_model = view.assign(clv=np.nan)
    assert value_at_risk(no_model, "segment").empty  # only accounts with a lifetime value
    assert "manager" not in value_at_risk(view, "segment")


def test_kam_summary_counts_current_accounts_and_their_value_per_manager():
    view = account_view(ACCOUNTS, CLV, RESPONSES, KAMS)
    s = kam_summary(KAMS, view, pd.DataFrame({"group": ["K1", "K3"]}))
    # K1: a and b, 1000 + 500; K2: c, 0; K3: none
    assert s.kam_id.tolist() == ["K1", "K2", "K3"] and s.name.tolist() == ["Kira", "Ole", "Ana"]
    assert s.accounts.tolist() == [2, 1, 0] and s.clv.tolist() == [1500.0, 0.0, 0.0]
    assert s.on_churn_funnel.tolist() == [True, False, True]
    assert not kam_summary(KAMS, view, pd.DataFrame()).on_churn_funnel.any()


@pytest.mark.slow
def test_account_view_for_the_sample_bundle(sample_bundle):
    f = sample_bundle.account_view
    assert f.account_id.is_unique
    assert {"name", "kam_name", "clv", "churn_next_year", "max_gap_days", "nps_score"} <= set(f)
    assert len(f) == int(sample_bundle.accounts.customer_end.sum())
