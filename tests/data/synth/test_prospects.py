"""The sales pipeline of the synthetic-data generator (kamlib.data.synth.prospects)."""

from __future__ import annotations

import numpy as np
import pytest
from synth_builder import book, staff

from kamlib.data.contract import TABLES
from kamlib.data.synth import prospects
from kamlib.data.synth.columns import ids
from kamlib.data.synth.parameters import (
    END,
    PROSPECT_CHANNELS,
    START,
    TOUCH_PEAK,
    TOUCH_PEAK_P,
    SynthConfig,
    logistic,
)
from kamlib.data.synth.timeline import day

D0, D_END = day(START), day(END)


@pytest.mark.parametrize("channel", PROSPECT_CHANNELS)
def test_each_curve_peaks_where_and_as_high_as_its_channel_says(channel):
    a, b, c = prospects.touch_curves()[channel]
    peak = b / (2 * c)  # where the derivative b - 2 c n vanishes
    assert peak == pytest.approx(TOUCH_PEAK[channel])
    assert logistic(a + b * peak - c * peak**2) == pytest.approx(TOUCH_PEAK_P[channel])


@pytest.fixture(scope="module")
def pipe():
    cfg = SynthConfig(accounts=40)
    s = staff(sat=[7.0] * 4, hired=[D0 - 300, D0 - 300, D0 + 100, D0 - 300],
              left=[-1, D0 + 50, -1, -1])
    return prospects.draw_pipeline(cfg, np.random.Generator(np.random.PCG64(4)), s, D0, D_END)


def test_the_pipeline_is_wide_enough_for_the_new_accounts(pipe):
    # 40 - 26 legacy = 14 new accounts; with 26 % of prospects converting and one won
    # deal in three becoming a key account: 14 / 0.26 * 3 = 161.5 -> 162 prospects
    assert pipe.n == 162
    assert not (pipe.converts & pipe.lost).any()
    assert (pipe.outcome_day > pipe.first).all()
    assert (pipe.outcome_day[pipe.converts | pipe.lost] <= D_END).all()
    top = np.array([2 * TOUCH_PEAK[PROSPECT_CHANNELS[c]] + 3 for c in pipe.channel])
    assert ((pipe.touches >= 1) & (pipe.touches <= top)).all()


def test_each_prospect_goes_to_a_kam_employed_on_its_first_day(pipe):
    # KAM 1 leaves on D0 + 50, KAM 2 joins on D0 + 100
    early = pipe.first < D0 + 100
    assert not np.isin(pipe.kam[early], [2]).any()
    assert not np.isin(pipe.kam[pipe.first > D0 - 150], [1]).any()  # leaves within 200 days


def test_key_accounts_are_numbered_after_the_legacy_ones_in_order_of_winning(pipe):
    won = prospects.pick_key_accounts(np.random.Generator(np.random.PCG64(5)), pipe, 26)
    assert pipe.converts[won].all()
    assert (np.diff(pipe.outcome_day[won]) >= 0).all()
    assert pipe.account[won].tolist() == list(range(26, 26 + len(won)))
    assert (np.delete(pipe.account, won) == -1).all()
    b = book(owner=[0] * (26 + len(won)), n_legacy=26)
    prospects.link_referrals(np.random.Generator(np.random.PCG64(6)), pipe, won, b)
    referral = pipe.channel == PROSPECT_CHANNELS.index("referral")
    # every referral prospect names a legacy account; a won one passes it to its account
    assert ((pipe.referred[referral] >= 0) & (pipe.referred[referral] < 26)).all()
    assert (pipe.referred[~referral] == -1).all()
    ref_won = won[referral[won]]
    assert b.referred_by[pipe.account[ref_won]].tolist() == pipe.referred[ref_won].tolist()

    tables = prospects.prospect_tables(np.random.Generator(np.random.PCG64(7)), pipe, D_END,
                                       ids("A", b.n, 5), ids("K", 4, 3))
    for name, t in tables.items():
        assert t.column_names == [c.name for c in TABLES[name].columns], name
    pros = tables["prospects"].to_pandas()
    touches = tables["prospect_touches"].to_pandas().merge(
        pros[["prospect_id", "channel"]], on="prospect_id", suffixes=("", "_p"))
    # every drawn touch is in the prospect's own channel (the noise may add more there);
    # prospects whose touches all fall by D_END have at least their drawn number
    own = touches[touches.channel == touches.channel_p].groupby("prospect_id").size()
    whole = pipe.first + pipe.span <= D_END
    drawn = dict(zip(pros.prospect_id[whole], pipe.touches[whole], strict=True))
    assert all(own.get(pid, 0) >= n for pid, n in drawn.items())
    # every conversion has a day; only the key accounts have an account
    assert pros.converted_on.notna().sum() == pipe.converts.sum()
    assert pros.account_id.notna().sum() == len(won)
