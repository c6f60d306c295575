"""What the pages show (kamlib.report.pages): the head of a manager's scorecard."""

from __future__ import annotations

from bundle_builder import small_bundle


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
