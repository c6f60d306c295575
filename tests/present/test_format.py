"""Values in their units (kamlib.present.format): missing values read "n/a", signs,
percentages, money and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib import present as P

NAN = float("nan")


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [NAN, None, float("inf"), np.nan, pd.NA, "x"])
def test_missing_values_read_na(missing):
    assert P.pct(missing) == "n/a"
    assert P.money(missing, "EUR") == "n/a"
    assert P.number(missing) == "n/a"
    assert P.signed(missing, "pct") == "n/a"
    assert P.interval(missing, 0.5, "pct") == "n/a"
    assert P.interval(0.1, missing, "nps") == "n/a"
    for kind in ("pct", "ratio", "nps", "money", "number", "hours", "days", "score", "dec2"):
        assert P.fmt(missing, kind) == "n/a"


def test_units_and_signs():
    assert P.pct(0.0268) == "2.7 %"
    assert P.pct(0.0003) == "< 0.1 %"
    assert P.pct(0.0) == "0.0 %"
    assert P.fmt(1.0311, "ratio") == "103.1 %"
    assert P.fmt(1.75, "nps") == "+2" and P.fmt(-38.1, "nps") == "\u221238"
    assert P.fmt(0.0, "nps") == "0"
    assert P.money(207_127_400, "EUR") == "EUR 207M"
    assert P.money(-1500, "USD") == "\u2212USD 1.5k"
    assert P.interval(0.0123, 0.0572, "pct") == "1.2\u20135.7 %"
    assert P.interval(-6.4, 9.9, "nps") == "\u22126 to +10"
    assert P.interval(171e6, 245e6, "money") == "EUR 171M\u2013245M"
    assert P.signed(0.0134, "pct") == "+1.3 pp"
    assert P.signed(-0.00001, "pct") == "0.0 pp"  # no negative zero
    assert P.signed(7.4, "nps") == "+7"
    assert P.fmt(17.83, "hours") == "17.8 h" and P.fmt(1, "days") == "1 day"
    assert P.fmt(0.0004, "p") == "< 0.001"
    assert P.label("nps_responses") == "NPS responses" and P.label("team_b") == "Team B"
