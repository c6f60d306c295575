"""truth.json of the synthetic-data generator (kamlib.data.synth.truth)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kamlib.data.synth.parameters import BASE_CHURN, HAZARD_RATIOS, SynthConfig
from kamlib.data.synth.prospects import touch_curves
from kamlib.data.synth.truth import expected_score, truth


def test_expected_score_of_a_rounded_clipped_normal():
    assert expected_score(7.0, 1e-9) == pytest.approx(7.0)  # no noise: always 7
    # centred on 5, symmetric on 0..10: the clipping cancels out -> 5
    assert expected_score(5.0, 2.0) == pytest.approx(5.0)
    # far above 10, every answer is clipped to 10
    assert expected_score(30.0, 1.0) == pytest.approx(10.0)


def test_truth_records_the_generator_parameters_and_what_was_observed():
    dec = {"churn": np.array([True, False, False, True])}
    t = truth(SynthConfig(accounts=40, seed=5), touch_curves(), dec)
    json.dumps(t)  # plain JSON
    g = t["generator"]
    assert (g["accounts_requested"], g["seed"], g["kams_active"], g["teams"]) == (40, 5, 4, 1)
    assert g["default_quarter"] == "2026Q3"
    assert t["churn"]["observed"] == {"decisions": 4, "churns": 2, "churn_share": 0.5}
    assert t["churn"]["baseline_churn_probability_by_decision"] == list(BASE_CHURN)
    hr = t["churn"]["hazard_ratios"]
    assert {k: v["hr"] for k, v in hr.items() if k != "segment"} == {
        k: v[0] for k, v in HAZARD_RATIOS.items()}
    assert hr["segment"]["reference"] == "enterprise" and hr["segment"]["enterprise"] == 1.0
    curve = t["acquisition"]["touch_curve"]["referral"]
    assert curve["b"] / (2 * curve["c"]) == pytest.approx(curve["peak_touches"], abs=1e-4)
    for seg in t["segments"].values():
        assert 0 < seg["nps_mean_score_expected"] < 10


def test_no_decisions_no_churn_share():
    t = truth(SynthConfig(accounts=10), touch_curves(), {"churn": np.array([], bool)})
    assert t["churn"]["observed"] == {"decisions": 0, "churns": 0, "churn_share": None}
    assert not math.isnan(t["segments"]["strategic"]["nps_mean_score_expected"])
