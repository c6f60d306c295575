"""Value by acquisition channel (kamlib.kpis.acquisition_value): CAC, CLV:CAC and payback
on hand-made tables, their invariants, and "no data" without costs.

The hand-worked case of each id through the real family function is in
tests/kpis/test_registry.py (``acquisition_value``); here the row builders are checked
directly, and on the sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_builder import FAST, DataSet, period, pick

from kamlib.kpis.acquisition_value import (
    COST_IDS,
    VALUE_IDS,
    clv_by_channel_rows,
    cost_rows,
    value_rows,
)
from kamlib.kpis.grains import frame

approx = pytest.approx


def _costs(rows):
    return pd.DataFrame(rows, columns=["cost_id", "channel", "amount", "kam_id"])


def _won(rows):
    return pd.DataFrame(rows, columns=["account_id", "channel", "kam_id", "value",
                                       "monthly_margin"])


COSTS = _costs([("c1", "email", 1000.0, None), ("c2", "email", 500.0, "K1"),
                ("c3", "event", 3000.0, "K2"), ("c4", "event", 1500.0, None),
                ("c5", "partner", 700.0, None)])
WON = _won([("A", "email", "K1", 9000.0, 100.0), ("B", "email", "K1", 3000.0, 50.0),
            ("C", "email", "K2", 6000.0, 150.0), ("D", "event", "K2", 4500.0, 300.0)])


def test_cac_clv_to_cac_and_payback_by_hand():
    t = frame(cost_rows("2026Q3", COSTS, WON, draws=200, seed=3))
    # company: costs 1000 + 500 + 3000 + 1500 + 700 = 6700 over 4 accounts won -> 1675;
    # values (9000 + 3000 + 6000 + 4500) / 4 = 5625 -> 5625 / 1675 = 3.358;
    # margins (100 + 50 + 150 + 300) / 4 = 150 a month -> 1675 / 150 = 11.17 months
    r = pick(t, "cac")
    assert (r.value, r.n) == (approx(1675.0), 4)
    assert r.low <= r.value <= r.high
    assert pick(t, "clv_to_cac").value == approx(5625 / 1675)
    assert pick(t, "payback_months").value == approx(1675 / 150)
    # email: 1500 over A, B, C -> 500; values 6000 on average -> 12; margin 100 -> 5 months
    assert pick(t, "cac", "channel", "email").value == approx(500.0)
    assert pick(t, "clv_to_cac", "channel", "email").value == approx(12.0)
    assert pick(t, "payback_months", "channel", "email").value == approx(5.0)
    # event: 4500 over D alone -> 4500, one account: no interval; 4500 / 4500 = 1;
    # 4500 / 300 = 15 months
    e = pick(t, "cac", "channel", "event")
    assert (e.value, e.n) == (approx(4500.0), 1) and np.isnan(e.low) and np.isnan(e.high)
    assert pick(t, "clv_to_cac", "channel", "event").value == approx(1.0)
    assert pick(t, "payback_months", "channel", "event").value == approx(15.0)
    # KAMs: K1's rows 500 over A and B (the accounts K1 won) -> 250; K2's 3000 over C, D
    # -> 1500; values (6000 + 4500) / 2 = 5250 -> 3.5; margin 225 -> 6.67 months
    assert pick(t, "cac", "kam", "K1").value == approx(250.0)
    assert pick(t, "cac", "kam", "K2").value == approx(1500.0)
    assert pick(t, "clv_to_cac", "kam", "K2").value == approx(3.5)
    assert pick(t, "payback_months", "kam", "K2").value == approx(1500 / 225)


def test_a_channel_with_costs_but_no_account_won_or_the_reverse_says_no_data():
    t = frame(cost_rows("2026Q3", COSTS, WON, draws=50))
    # partner spent 700 and won nothing; no channel won an account without costs here
    for kpi in COST_IDS:
        r = pick(t, kpi, "channel", "partner")
        assert np.isnan(r.value) and r.n == 0
    won = pd.concat([WON, _won([("E", "referral", "K1", 100.0, 10.0)])])
    t = frame(cost_rows("2026Q3", COSTS, won, draws=50))
    assert np.isnan(pick(t, "cac", "channel", "referral").value)


def test_without_any_cost_every_row_says_no_data():
    t = frame(cost_rows("2026Q3", _costs([]), WON, draws=50))
    assert set(t.kpi) == set(COST_IDS)
    assert t.value.isna().all() and (t.n == 0).all()
    assert set(t.grain) == {"company", "channel"}  # no KAM named by a cost row


def test_unknown_value_gives_no_clv_to_cac_but_cac_and_payback():
    won = WON.assign(value=np.nan)
    t = frame(cost_rows("2026Q3", COSTS, won, draws=50))
    assert np.isnan(pick(t, "clv_to_cac").value)
    assert pick(t, "cac").value == approx(1675.0)
    assert pick(t, "payback_months").value == approx(1675 / 150)


def test_clv_by_channel_means_and_no_data_without_clv():
    f = pd.DataFrame({"account_id": list("abcd"), "channel": ["x", "x", "y", None],
                      "clv": [100.0, 300.0, 50.0, 550.0]})
    t = frame(clv_by_channel_rows("2026Q3", f, draws=100))
    # x: (100 + 300) / 2 = 200; y: 50 alone (no interval); company 1000 / 4 = 250
    assert pick(t, "clv_by_channel", "channel", "x").value == approx(200.0)
    assert pick(t, "clv_by_channel").value == approx(250.0)
    assert np.isnan(pick(t, "clv_by_channel", "channel", "y").low)
    none = frame(clv_by_channel_rows("2026Q3", f.assign(clv=np.nan)))
    assert none.value.isna().all() and (none.n == 0).all()


_ROW = st.tuples(st.sampled_from(["email", "event", "partner"]),
                 st.floats(0, 1e6, allow_nan=False), st.sampled_from([None, "K1", "K2"]))
_ACC = st.tuples(st.sampled_from(["email", "event", "referral"]),
                 st.sampled_from(["K1", "K2", "K3"]), st.floats(0, 1e7, allow_nan=False),
                 st.floats(0, 1e5, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(costs=st.lists(_ROW, max_size=12), won=st.lists(_ACC, max_size=10),
       seed=st.integers(0, 10**6))
def test_cac_is_never_negative_and_shuffling_rows_changes_nothing(costs, won, seed):
    c = _costs([(f"c{i}", ch, a, k) for i, (ch, a, k) in enumerate(costs)])
    w = _won([(f"A{i}", ch, k, v, m) for i, (ch, k, v, m) in enumerate(won)])
    t = frame(cost_rows("q", c, w, draws=30, seed=5))
    cac = t[t.kpi == "cac"]
    assert (cac.value.dropna() >= 0).all() and (cac.low.dropna() >= 0).all()
    assert ((cac.low <= cac.value) | cac.low.isna()).all()
    rng = np.random.default_rng(seed)
    shuffled = frame(cost_rows("q", c.iloc[rng.permutation(len(c))],
                               w.iloc[rng.permutation(len(w))], draws=30, seed=5))
    pd.testing.assert_frame_equal(t, shuffled)


@pytest.fixture(scope="module")
def no_costs(tmp_path_factory):
    """A book without an acquisition_costs table: one account won in the window."""
    ds = DataSet()
    ds.account("A", acquisition_channel="event")
    ds.account("B", acquisition_channel="email")
    ds.contract("A", "2026-02-01", "2027-01-31")
    ds.contract("B", "2024-01-01", "2027-12-31")
    with ds.load(tmp_path_factory.mktemp("no_costs")) as data:
        assert not data.has("acquisition_costs")
        yield frame(value_rows(period(data, settings=FAST)))


def test_without_the_table_the_value_ids_say_no_data(no_costs):
    t = no_costs
    assert set(t.kpi) == set(VALUE_IDS)
    costs = t[t.kpi.isin(COST_IDS)]
    assert costs.value.isna().all() and (costs.n == 0).all()
    assert set(costs[costs.kpi == "cac"].group) == {"all", "event"}  # the channel won A


def test_on_the_sample_cac_is_near_its_truth(sample_data, truth):
    """The sample's company CAC against the true mean cost per won account, weighted by
    the channels of the accounts won in the window."""
    from kamlib.config import Settings

    p = period(sample_data, settings=Settings(bootstrap_draws=200))
    t = frame(value_rows(p))
    true = truth["acquisition_costs"]["cost_per_won_account"]
    ch = t[(t.kpi == "cac") & (t.grain == "channel") & (t.n > 0)]
    expected = sum(true[g] * n for g, n in zip(ch.group, ch.n, strict=True)) / ch.n.sum()
    r = pick(t, "cac")
    assert r.n == ch.n.sum() > 10
    assert r.low <= expected <= r.high
    assert abs(r.value / expected - 1) < 0.5
