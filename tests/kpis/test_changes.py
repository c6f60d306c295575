"""What changed: the tests of a change, Benjamini-Hochberg, the shift-share drivers, the
wording, and the quarter's biggest moves on the sample."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_builder import change_row as _row
from kpi_builder import small_change_case as _small

from kamlib.kpis import changes as ch


# -- the tests of one change ---------------------------------------------------------------
def test_two_proportion_by_hand():
    # 10/100 -> 20/100: pooled p = 30/200 = 0.15; se = sqrt(0.15*0.85*(1/100+1/100))
    # = sqrt(0.00255) = 0.0504975; z = 0.10/0.0504975 = 1.98030; p = 2*(1-Phi(1.9803)) = 0.04767.
    # Agresti-Caffo: 11/102 = 0.107843, 21/102 = 0.205882;
    # se = sqrt(0.107843*0.892157/102 + 0.205882*0.794118/102) = sqrt(0.00254617) = 0.0504596;
    # 0.098039 -/+ 1.959964*0.0504596 = 0.098039 -/+ 0.098899 = [-0.00086, 0.19694].
    d = ch.two_proportion(10, 100, 20, 100)
    assert d.change == pytest.approx(0.10)
    assert d.p == pytest.approx(0.04767, abs=1e-5)
    assert (d.low, d.high) == pytest.approx((-0.00086, 0.19694), abs=1e-5)


def test_two_proportion_edges():
    assert ch.two_proportion(0, 40, 0, 50).p == 1.0       # nothing happened, nothing moved
    assert math.isnan(ch.two_proportion(1, 0, 2, 10).p)   # an empty sample
    d = ch.two_proportion(0, 10, 10, 10)                  # from none to all
    assert d.change == 1.0 and d.low <= 1.0 <= d.high


def test_interval_difference_by_hand():
    # 10 [8, 12] -> 14 [11, 17]: se = 4/3.919928 = 1.020427 and 6/3.919928 = 1.530641;
    # se of the change = sqrt(1.041271 + 2.342861) = 1.839601; 4 -/+ 1.959964*1.839601
    # = 4 -/+ 3.605552; p = 2*(1-Phi(4/1.839601 = 2.174385)) = 0.02968.
    d = ch.interval_difference((10, 8, 12), (14, 11, 17))
    assert d.change == 4
    assert (d.low, d.high) == pytest.approx((0.394448, 7.605552), abs=1e-5)
    assert d.p == pytest.approx(0.02968, abs=1e-5)
    assert math.isnan(ch.interval_difference((10, np.nan, 12), (14, 11, 17)).p)


def test_standing_gap_by_hand():
    # 11/578 = 0.019031 against 29/440 = 0.065909: +0.046878;
    # pooled 40/1018 = 0.039293, se = sqrt(0.039293*0.960707*(1/578+1/440)) = 0.012331,
    # z = 3.8016, p = 0.000144 (scipy: 0.000137 from the unrounded se).
    d = ch.standing_gap((11, 578), (29, 440))
    assert d.change == pytest.approx(0.046878, abs=1e-6)
    assert d.p == pytest.approx(0.000137, abs=2e-5)


def test_each_kpi_gets_its_test():
    assert ch.kind_of_test("logo_churn_rate") == "two_proportion"     # Wilson: (k, n)
    assert ch.kind_of_test("nps") == "nps_difference"
    assert ch.kind_of_test("touchpoints_per_account") == "interval"   # bootstrap interval
    assert ch.kind_of_test("referral_revenue_share") == "interval"    # a share, not k of n
    for restated in ("logo_churn_rate_annualised", "nps_change_yoy", "expansion_revenue"):
        assert ch.kind_of_test(restated) is None
    assert ch.kind_of_test("no_such_kpi") is None




def test_changes_between_uses_the_counts_the_nps_change_and_the_minimum_n():
    now = pd.DataFrame([
        _row("upsell_rate", "company", "all", "2026Q3", 0.2, 100),
        _row("upsell_rate", "kam", "K1", "2026Q3", 1.0, 2),            # too few to test
        _row("nps", "company", "all", "2026Q3", 10.0, 200, 0, 20),
        _row("nps_change_yoy", "company", "all", "2026Q3", 8.0, 200, 0.0, 16.0),
        _row("nrr", "company", "all", "2026Q3", 1.1, 100, 1.0, 1.2),
        _row("logo_churn_rate_annualised", "company", "all", "2026Q3", 0.1, 100, 0, 1),
        _row("upsell_rate", "account", "A1", "2026Q3", 1.0, 1),         # accounts: drivers only
    ])
    before = now.assign(period="2025Q3", value=[0.1, 0.0, 2.0, np.nan, 1.0, 0.05, 0.0])
    t = ch.changes_between(now, before, 4, min_n=10).set_index("kpi")
    assert sorted(t.index) == ["nps", "nrr", "upsell_rate"]
    assert t.loc["upsell_rate", "p"] == pytest.approx(0.04767, abs=1e-5)  # 10/100 -> 20/100
    assert t.loc["nps", "test"] == "nps_difference"
    assert t.loc["nps", "change"] == 8.0    # the counts' difference, not 10 - 2
    # 8 with [0, 16]: se = 16/3.919928 = 4.0817, p = 2*(1-Phi(1.95998)) = 0.05
    assert t.loc["nps", "p"] == pytest.approx(0.05, abs=1e-4)
    assert t.loc["nrr", "test"] == "interval"
    assert (t.versus == "a year before").all()


# -- Benjamini-Hochberg ------------------------------------------------------------------------
def test_benjamini_hochberg_by_hand():
    # m = 5, p sorted 0.001 0.008 0.039 0.041 0.6: p*m/i = 0.005 0.02 0.065 0.05125 0.6;
    # from the largest down, cumulative minimum: 0.6, 0.05125, 0.05125, 0.02, 0.005.
    c = ch.control_fdr(pd.DataFrame({"p": [0.041, 0.6, 0.001, 0.039, 0.008],
                                     "relative": [0.1] * 5}), q=0.05)
    assert c.p.tolist() == [0.001, 0.008, 0.039, 0.041, 0.6]
    assert c.q_value.tolist() == pytest.approx([0.005, 0.02, 0.05125, 0.05125, 0.6])
    assert c.passed.tolist() == [True, True, False, False, False]
    assert c["rank"].tolist() == [1, 2, 3, 4, 5]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-9, 1.0), min_size=1, max_size=40), st.floats(0.01, 0.5))
def test_fdr_passes_a_prefix_and_never_more_than_unadjusted(ps, q):
    c = ch.control_fdr(pd.DataFrame({"p": ps, "relative": 0.0}), q=q)
    assert (c.q_value >= c.p - 1e-12).all()                 # q-values never below p
    assert c.q_value.is_monotonic_increasing                 # ranked
    passed = c.passed.tolist()
    assert passed == sorted(passed, reverse=True)            # those passing come first
    assert sum(passed) <= sum(p <= q for p in ps)            # never more than unadjusted


# -- shift-share -------------------------------------------------------------------------------
def test_shift_share_by_hand():
    # a: 50 at 10 % -> 60 at 20 %; b: 50 at 30 % -> 40 at 30 %; c: 0 -> 20 at 50 % (new).
    # N 100 -> 120; w: a .5 -> .5, b .5 -> 1/3, c 0 -> 1/6.
    # R_before = .5*.1 + .5*.3 = 0.20; R_now = .5*.2 + (1/3)*.3 + (1/6)*.5 = 0.283333.
    # rate = .5*(.2-.1) + .5*(.3-.3) + 0 = 0.05
    # mix = 0*.2 + (1/3-.5)*.3 + (1/6)*.5 = -0.05 + 0.083333 = 0.033333
    # 0.05 + 0.033333 = 0.083333 = 0.283333 - 0.20
    before = pd.DataFrame({"group": ["a", "b"], "n": [50, 50], "value": [0.1, 0.3]})
    now = pd.DataFrame({"group": ["a", "b", "c"], "n": [60, 40, 20], "value": [0.2, 0.3, 0.5]})
    s = ch.shift_share(before, now).set_index("group")
    assert s.rate_effect.sum() == pytest.approx(0.05)
    assert s.mix_effect.sum() == pytest.approx(0.033333, abs=1e-6)
    assert s.contribution.sum() == pytest.approx(0.283333 - 0.20, abs=1e-6)
    assert s.loc["c", "rate_effect"] == 0 and s.loc["c", "mix_effect"] == pytest.approx(1 / 12)
    d = ch.drivers(before, now, "segment")
    assert d["top"] == "c" and d["main"] == "rate"   # c: +0.0833 of +0.0833; a: +0.05


groups = st.lists(st.tuples(st.integers(0, 6), st.integers(1, 500), st.floats(-2, 2)),
                  min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(groups, groups)
def test_rate_and_mix_add_up_to_the_change(b, n):
    def frame(rows):
        d = {}
        for g, k, v in rows:  # one row per group
            d[f"g{g}"] = (k, v)
        return pd.DataFrame({"group": list(d), "n": [x[0] for x in d.values()],
                             "value": [x[1] for x in d.values()]})

    fb, fn = frame(b), frame(n)
    pooled = [float((f.n * f.value).sum() / f.n.sum()) for f in (fb, fn)]
    s = ch.shift_share(fb, fn)
    assert s.rate_effect.sum() + s.mix_effect.sum() == pytest.approx(
        pooled[1] - pooled[0], abs=1e-9)
    assert s.contribution.sum() == pytest.approx(pooled[1] - pooled[0], abs=1e-9)
    assert s.w_before.sum() == pytest.approx(1) and s.w_now.sum() == pytest.approx(1)


# -- the whole ranking on a small table ---------------------------------------------------------


def test_what_changed_ranks_and_names_the_driver_and_the_accounts():
    now, earlier, owners = _small()
    ranked, drivers = ch.what_changed(now, earlier, owners, q=0.10, min_n=5)
    assert len(ranked) == 3   # company, s1 and s2 against the previous quarter
    top = ranked.iloc[0]
    # company 35 [33, 37] -> 25 [23, 27]: se = hypot(4, 4)/3.92 = 1.443, z = 6.93
    assert top.kpi == "touchpoints_per_account" and top.grain in ("company", "segment")
    company = ranked[ranked.grain == "company"].iloc[0]
    assert company.passed and company.driver_by == "segment" and company.driver == "s1"
    assert company.driver_share == pytest.approx(1.0)   # s2 did not move
    assert company.accounts.split("; ")[0] == "a1" and company.owners.split("; ")[0] == "K1"
    s2 = ranked[ranked.group == "s2"].iloc[0]
    assert not s2.passed and s2.change == 0
    assert set(drivers.by) == {"segment", "account"}


def test_what_changed_without_owners_or_earlier_rows():
    now, earlier, _owners = _small()
    ranked, _ = ch.what_changed(now, earlier, pd.DataFrame(), q=0.10, min_n=5)
    company = ranked[ranked.grain == "company"].iloc[0]
    assert company.driver == "s1" and company.owners == ""   # accounts, but no owners
    ranked, drivers = ch.what_changed(now, earlier.iloc[0:0], pd.DataFrame())
    assert len(ranked) == 0 and len(drivers) == 0


# -- the wording ---------------------------------------------------------------------------------


# -- the sample's biggest moves ----------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_bundle(sample_data, tmp_path_factory):
    from kamlib.config import Settings
    from kamlib.periods import Quarter
    from kamlib.report.bundle import build

    return build(sample_data, Quarter("2026Q3"), tmp_path_factory.mktemp("changes"), Settings())


def _one(c, kpi, grain="company", group="all", versus=None):
    f = c[(c.kpi == kpi) & (c.grain == grain) & (c.group == group)]
    if versus:
        f = f[f.versus == versus]
    assert len(f) == 1, (kpi, grain, group, versus)
    return f.iloc[0]


@pytest.mark.slow
def test_the_sample_quarters_biggest_moves_are_tested_and_ranked(sample_bundle):
    c = sample_bundle.changes
    assert len(c) > 100 and c.q_value.notna().all()
    assert (c["rank"] == range(1, len(c) + 1)).all()
    t = _one(c, "touchpoints_per_account", versus="previous quarter")
    assert t.relative == pytest.approx(-0.17, abs=0.005)
    o = _one(c, "objectives_met_leading", versus="previous quarter")
    assert o.change == pytest.approx(-0.040, abs=0.0005)
    u = _one(c, "upsell_rate", versus="a year before")
    assert u.change == pytest.approx(-0.057, abs=0.0005) and u.test == "two_proportion"
    n = _one(c, "nrr", versus="a year before")
    # +11.2 pp: the sample's referred accounts now carry their known 1.3x value (it was
    # +11.1 pp on the sample before, the figure the pack was first read with)
    assert n.change == pytest.approx(0.112, abs=0.001)
    mid = _one(c, "nps", "segment", "mid_market", versus="standing gap")
    assert mid.now == pytest.approx(-18, abs=0.5) and mid.test == "nps_difference"
    gap = _one(c, "logo_churn_rate", "kam_third", "least satisfied third")
    assert (gap.now, gap.before) == pytest.approx((0.066, 0.019), abs=0.0005)
    # each either passes or is listed with its q-value; the biggest ones in the top ten
    for r in (t, o, u, n, mid, gap):
        assert r.passed == (r.q_value <= sample_bundle.settings.fdr_q)
    assert {t["rank"], n["rank"], mid["rank"], gap["rank"]} <= set(range(1, 11))
    assert gap.passed   # the standing gap is the one real difference of the quarter
    # the company moves have their drivers and named accounts with their owners
    assert t.driver_by == "segment" and t.account_names and t.owner_names


