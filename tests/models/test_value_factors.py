"""What marks the most valuable accounts: the regression of CLV on account attributes,
on hand-made accounts whose effects are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.models.value_factors import (
    attribute_levels,
    referred,
    tenure_band,
    value_factors,
)


def _confounded() -> pd.DataFrame:
    # CLV = 100 x 2 (strategic) x 1.5 (referred), no noise; referred accounts are mostly
    # strategic: key/no 8, key/yes 2, strategic/no 2, strategic/yes 8 (20 accounts)
    seg = ["key"] * 10 + ["strategic"] * 10
    ref = [False] * 8 + [True] * 2 + [False] * 2 + [True] * 8
    clv = [100 * (2 if s == "strategic" else 1) * (1.5 if r else 1)
           for s, r in zip(seg, ref, strict=True)]
    return pd.DataFrame({"account_id": [f"a{i:02d}" for i in range(20)], "clv": clv,
                         "segment": seg, "referred": ref})


def test_exact_effects_and_raw_ratio_differ_under_confounding():
    r = value_factors(_confounded(), attributes=("segment", "referred"), min_level=1)
    e = r.effects.set_index("attribute")
    assert e.loc["referred", "ratio"] == pytest.approx(1.5)
    assert e.loc["referred", "low"] == pytest.approx(1.5)  # no noise: no width
    assert e.loc["segment", "ratio"] == pytest.approx(2.0)
    assert (e.loc["segment", "level"], e.loc["segment", "baseline"]) == ("strategic", "key")
    # raw: referred mean (2 x 150 + 8 x 300) / 10 = 270, others (8 x 100 + 2 x 200) / 10 = 120
    assert e.loc["referred", "mean_clv"] == pytest.approx(270)
    assert e.loc["referred", "raw_ratio"] == pytest.approx(270 / 120)
    assert r.accounts == 20 and r.zero == 0 and r.r2 == pytest.approx(1.0)


def test_zero_and_missing_clv_are_left_out_and_counted():
    f = _confounded()
    f.loc[0, "clv"] = 0.0
    f.loc[1, "clv"] = np.nan
    f.loc[2, "clv"] = 1e-6  # under one unit of currency: a zero but for rounding
    r = value_factors(f, attributes=("segment", "referred"), min_level=1)
    assert (r.accounts, r.zero) == (17, 3)
    assert r.effects.set_index("attribute").loc["referred", "ratio"] == pytest.approx(1.5)


def test_a_level_repeating_referred_is_not_the_baseline_and_says_why():
    # every referred account came through the referral channel, the most common one (10
    # of 20, a tie with email broken by name would pick email anyway: make referral 12):
    # the channel's level "referral" is the referred row, and the baseline is email
    f = _confounded()
    f.loc[[2, 3], "referred"] = True
    f.loc[[2, 3], "clv"] *= 1.5
    f["channel"] = np.where(f.referred, "referral", "email")
    r = value_factors(f, attributes=("segment", "referred", "channel"), min_level=1)
    e = r.effects.set_index(["attribute", "level"])
    assert np.isnan(e.loc[("channel", "referral"), "ratio"])
    assert e.loc[("channel", "referral"), "note"] == "the same accounts as referred yes"
    assert e.loc[("referred", "yes"), "ratio"] == pytest.approx(1.5)
    assert ("channel", "email") not in e.index  # the baseline has no row of its own
    # its row stands with its attribute's, in the order the attributes entered
    assert r.effects.attribute.tolist() == ["segment", "referred", "channel"]


def test_too_few_accounts_give_no_effects():
    r = value_factors(_confounded().head(4), attributes=("segment", "referred"), min_level=1)
    assert len(r.effects) == 0 and r.accounts == 4
    assert len(value_factors(_confounded().iloc[0:0]).effects) == 0  # no account at all
    one_level = _confounded().assign(segment="key", referred=False)
    assert len(value_factors(one_level, attributes=("segment", "referred")).effects) == 0


def test_many_levels_are_dropped_before_the_others():
    # 20 accounts and a manager each: KAM (last) would need 19 coefficients, so it stays out
    f = _confounded().assign(kam_id=[f"K{i}" for i in range(20)])
    r = value_factors(f, attributes=("segment", "referred", "kam_id"), min_level=1)
    assert set(r.effects.attribute) == {"segment", "referred"}


def test_levels_rare_and_missing():
    f = pd.DataFrame({"industry": ["a"] * 5 + ["b"] * 2 + [None] * 5})
    assert attribute_levels(f, ["industry"], 5).industry.value_counts().to_dict() == \
        {"a": 5, "unknown": 5, "other": 2}


def test_referred_and_tenure_band():
    assert referred(pd.Series(["A1", None, ""]), None).tolist() == [True, False, False]
    assert tenure_band(pd.Series([0.99, 1.0, 5.99, 6.0, np.nan])).tolist() == \
        ["under 1 year", "1–3 years", "3–6 years", "6 years or more", None]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(1.05, 3.0))
def test_any_exact_effect_is_recovered(seed, effect):
    rng = np.random.default_rng(seed)
    seg = rng.choice(["key", "mid", "strategic"], 60)
    ref = rng.random(60) < 0.4
    ref[:3], ref[3:6] = True, False
    base = {"key": 1.0, "mid": 0.5, "strategic": 3.0}
    clv = 1e5 * np.array([base[s] for s in seg]) * np.where(ref, effect, 1.0)
    f = pd.DataFrame({"clv": clv, "segment": seg, "referred": ref})
    r = value_factors(f, attributes=("segment", "referred"), min_level=1)
    assert r.effects.set_index("attribute").loc["referred", "ratio"] == pytest.approx(effect)
