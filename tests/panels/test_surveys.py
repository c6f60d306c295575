"""Employee surveys (kamlib.panels.surveys): the answers of a quarter and each KAM's
mean satisfaction, as pandas computes them from the whole table."""

from __future__ import annotations

import pytest

from kamlib.panels import surveys
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_employee_surveys(sample_data, in_quarter):
    answers = in_quarter(sample_data.frame("employee_surveys"), "responded_on")
    got = surveys.employee_answers(sample_data, "2026Q3")
    assert got.response_id.tolist() == sorted(answers.response_id)
    mean = surveys.kam_satisfaction(sample_data, Q.start, Q.end).set_index("kam_id")
    want = answers.groupby("kam_id").score.agg(["mean", "size"])
    assert mean.satisfaction.to_numpy() == pytest.approx(want["mean"].to_numpy())
    assert mean.answers.tolist() == want["size"].tolist()
