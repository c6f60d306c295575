"""Fixtures of the model tests: the churn model fitted on the sample, once per run."""

from __future__ import annotations

import pytest

from kamlib.config import Settings
from kamlib.models import survival
from kamlib.periods import Quarter


@pytest.fixture(scope="session")
def fitted(sample_data):
    """``(model, panel)``: the Cox churn model of the sample's 2026Q3 and its panel."""
    return survival.fit_churn_model(sample_data, Quarter("2026Q3", 1), Settings())
