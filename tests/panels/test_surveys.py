"""Employee surveys (kamlib.panels.surveys): the answers of a quarter and each KAM's
mean satisfaction, as pandas computes them from the whole table."""

from __future__ import annotations

import pandas as pd
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


@pytest.mark.parametrize("start_month", [1, 4])
def test_batched_answers_equal_one_query_per_quarter(sample_data, start_month):
    qs = [Quarter(q, start_month) for q in ("2010Q1", "2021Q1", "2024Q4", "2026Q3", "2027Q4")]
    got = surveys.answers_by_quarter(sample_data, qs)
    for q in qs:  # 2010Q1 and 2027Q4 have no answers
        pd.testing.assert_frame_equal(got[q], surveys.employee_answers(sample_data, q),
                                      check_exact=True)
    assert len(got[qs[0]]) == 0 and len(got[qs[-2]]) > 0
