"""The synthetic business's true parameters and data-set sizes
(kamlib.data.synth.parameters)."""

from __future__ import annotations

import math

import pytest

from kamlib.data import contract
from kamlib.data.synth.parameters import (
    BASE_CHURN,
    INTERACTION_CHANNEL_P,
    INTERACTION_CHANNELS,
    PROSPECT_CHANNEL_P,
    PROSPECT_CHANNELS,
    SEGMENT,
    SEGMENTS,
    TOUCH_PEAK,
    TOUCH_PEAK_P,
    SynthConfig,
    logistic,
)


@pytest.mark.parametrize("accounts, kams, teams, legacy", [
    (400, 24, 4, 260),  # 400 * 24 / 400; 24 / 6; 0.65 * 400
    (1000, 60, 10, 650),
    (10, 4, 1, 6),  # at least 4 KAMs and one team; round(6.5) = 6 (to even)
    (37, 4, 1, 24),  # 37 * 24 / 400 = 2.2 -> 4; 0.65 * 37 = 24.05 -> 24
])
def test_sizes_follow_the_number_of_accounts(accounts, kams, teams, legacy):
    cfg = SynthConfig(accounts=accounts)
    assert (cfg.n_kams, cfg.n_teams, cfg.n_legacy) == (kams, teams, legacy)


def test_logistic():
    assert logistic(0.0) == 0.5
    assert logistic(math.log(3)) == pytest.approx(0.75)  # 3 / (1 + 3)
    assert logistic(-math.log(3)) == pytest.approx(0.25)


def test_shares_and_probabilities_add_up_to_one():
    assert sum(SEGMENT[s]["share"] for s in SEGMENTS) == pytest.approx(1.0)
    assert sum(INTERACTION_CHANNEL_P) == pytest.approx(1.0)
    assert sum(PROSPECT_CHANNEL_P) == pytest.approx(1.0)


def test_the_generated_values_are_those_the_contract_accepts():
    assert INTERACTION_CHANNELS == contract.INTERACTION_CHANNELS
    assert PROSPECT_CHANNELS == contract.PROSPECT_CHANNELS
    assert set(TOUCH_PEAK) == set(TOUCH_PEAK_P) == set(PROSPECT_CHANNELS)


def test_baseline_churn_falls_with_each_renewal():
    assert list(BASE_CHURN) == sorted(BASE_CHURN, reverse=True)
    assert all(0 < p < 1 for p in BASE_CHURN)
