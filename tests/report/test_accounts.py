"""The account lists of the pages (kamlib.report.accounts): one view per account, value at
risk per manager or segment, and the head of a manager's scorecard.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_account_view_for_the_sample_bundle(sample_bundle):
    f = sample_bundle.account_view
    assert f.account_id.is_unique
    assert {"name", "kam_name", "clv", "churn_next_year", "max_gap_days", "nps_score"} <= set(f)
    assert len(f) == int(sample_bundle.accounts.customer_end.sum())
