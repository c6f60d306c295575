"""Monthly revenue per account (kamlib.panels.monthly)."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.panels import monthly
from kamlib.periods import Quarter

Q = Quarter("2026Q3")


def test_monthly_revenue_of_the_sample_sums_its_invoices(sample_data):
    inv = sample_data.frame("invoices")
    inv["issued_on"] = pd.to_datetime(inv.issued_on)
    upto = inv[inv.issued_on <= pd.Timestamp(Q.end)]
    rev = monthly.monthly_revenue(sample_data, Q.end)
    assert rev.revenue.sum() == pytest.approx(upto.amount.sum())
    assert rev.ym.max() == 2026 * 12 + 9 - 1
    assert list(rev.columns) == ["account_id", "ym", "revenue"]
