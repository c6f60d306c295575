"""The churn-model part of a bundle (kamlib.report.churn_model), on hand-made frames: the
cohorts the page shows, the factors' names and the proportional-hazards verdicts; and
what is kept when there is no model. The frames of a fitted model are checked on the
sample's bundle (tests/report/test_bundle.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from kamlib.config import Settings
from kamlib.kpis.lifetime import SurvivalFit
from kamlib.periods import Quarter
from kamlib.report.churn_model import (
    PH_ALPHA,
    RECENT_COHORTS,
    factor_labels,
    model_frames,
    ph_verdicts,
    recent_cohorts,
)
from kamlib.report.facts import BacktestFacts, CohortModelFacts, LifetimeFacts, ModelFacts


def test_without_a_model_only_the_reason_is_kept():
    steps = []
    p = SimpleNamespace(survival=SurvivalFit(error="no events in event"))
    frames, facts, scores, cohorts, lifetime = model_frames(None, Quarter("2026Q3"),
                                                            Settings(), p, steps.append)
    assert frames == {} and facts == ModelFacts(error="no events in event")
    assert (scores, cohorts, lifetime) == (BacktestFacts(), CohortModelFacts(), LifetimeFacts())
    assert steps == []  # no backtest is started
    _, facts, *_ = model_frames(None, Quarter("2026Q3"), Settings(),
                                SimpleNamespace(survival=SurvivalFit()), steps.append)
    assert facts.error == "no model"


def _km(followed: dict[str, float]) -> pd.DataFrame:
    """A Kaplan-Meier frame: each year won followed from 0 to the given years."""
    return pd.DataFrame([(g, t) for g, last in followed.items() for t in (0.0, last)],
                        columns=["group", "time"])


def test_recent_cohorts_are_the_latest_years_won_followed_for_a_year():
    km = _km({"2019": 6.0, "2020": 5.0, "2021": 4.0, "2022": 3.0, "2023": 2.0, "2024": 1.0,
              "2025": 0.75})
    # followed at least one year: 2019 .. 2024; the latest RECENT_COHORTS (5) of them
    assert RECENT_COHORTS == 5
    assert sorted(recent_cohorts(km).group.unique()) == ["2020", "2021", "2022", "2023", "2024"]
    assert sorted(recent_cohorts(km, years=2, min_followed=3.0).group.unique()) == [
        "2021", "2022"]
    assert len(recent_cohorts(km)) == 10  # every row of the cohorts kept
    assert recent_cohorts(None) is None and recent_cohorts(km.iloc[:0]).empty


def test_factor_labels_name_each_covariate_and_segments_against_the_reference():
    got = factor_labels(["gap_30d", "segment_key", "mystery_x"], "mid_market")
    assert got == {"gap_30d": "Longest contact gap (per 30 days)",
                   "segment_key": "Segment Key vs Mid market", "mystery_x": "Mystery x"}
    assert factor_labels(["segment_key"], None) == {"segment_key": "Segment Key"}
    assert factor_labels([], "mid_market") == {}


def test_ph_verdicts_flag_the_factors_whose_effect_may_change_with_tenure():
    ph = pd.DataFrame({"covariate": ["gap_30d", "recent_nps", "segment_key"],
                       "statistic": [5.1, 3.84, 0.2], "p": [0.02, PH_ALPHA, 0.65]})
    got = ph_verdicts(ph, {"gap_30d": "Longest contact gap", "recent_nps": "Recent NPS"})
    # 0.02 < 0.05: may change; exactly 0.05 is not below the threshold; 0.65 is not
    assert got.verdict.tolist() == ["may change over time", "no sign of change",
                                    "no sign of change"]
    assert got.factor.tolist() == ["Longest contact gap", "Recent NPS", "segment_key"]
    assert got.statistic.tolist() == [5.1, 3.84, 0.2]  # the check itself is kept
    assert ph_verdicts(None, {}) is None and ph_verdicts(ph.iloc[:0], {}).empty
