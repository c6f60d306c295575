"""Interactions, mentions and SLA checks of the synthetic-data generator
(kamlib.data.synth.engagement), with fixed draws worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from synth_builder import FixedRng, book, staff

from kamlib.data.contract import TABLES
from kamlib.data.synth import engagement
from kamlib.data.synth.columns import ids
from kamlib.data.synth.timeline import month_days

MS, ME = month_days(2021, 1)  # 31 days, seasonality 1.0


def _at(seconds) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=int(seconds))


def test_a_month_of_interactions_follows_rate_activity_and_neglect():
    b = book(owner=[0, 1, 1])
    eng = engagement.Engagement(3)
    eng.neglect[2] = 2  # account 2 is in a neglect spell
    act = np.array([0, 1, 2])
    a_from = np.array([MS, MS + 15, MS])
    # uniforms 0.5: no new neglect spell (0.5 > 3 %), nobody inbound (0.5 > 35 %)
    ia, secs = engagement.interactions(FixedRng(), eng, staff(sat=[7.2, 7.2]), b, act, a_from,
                                       np.full(3, ME), MS, ME, 1, ME + 365)
    # expected counts: 10 a month for a whole month; 10 * 16 / 31 = 5.2 -> 5 for half of
    # it; 10 * 0.04 = 0.4 -> 0 while neglected
    assert ia.tolist() == [0] * 10 + [1] * 5
    # halfway through each account's days: day 15.5 of January, then 15 + 16 / 2 = 23
    assert _at(secs[0]) == datetime(2021, 1, 16, 12, 0)
    assert _at(secs[-1]) == datetime(2021, 1, 24, 0, 0)
    assert eng.neglect.tolist() == [0, 0, 1]  # one month of the spell used up
    rows = eng.inter.arrays()
    assert rows["kam"].tolist() == [0] * 10 + [1] * 5  # the owner
    assert not rows["inbound"].any() and not rows["request"].any()
    assert (rows["resolved"] == -1).all()


def test_nothing_happens_without_interactions():
    eng = engagement.Engagement(1)
    got = engagement.interactions(FixedRng(), eng, staff(sat=[7.2]), book(owner=[0], rate=[0.0]),
                                  np.array([0]), np.array([MS]), np.array([ME]), MS, ME, 1, ME)
    assert got is None and len(eng.inter.arrays()["ts"]) == 0


def test_mentions_of_accounts_and_of_nobody():
    b = book(owner=[0] * 50, health=np.r_[np.full(49, 0.0), 2.0])
    eng = engagement.Engagement(50)
    # uniform 0: every account is mentioned (0 < 3 %); 0.02 * 50 = 1 anonymous mention
    engagement.mentions(FixedRng(u=0.0), eng, b, np.arange(50), MS)
    m = eng.ment.arrays()
    assert m["account"].tolist() == list(range(50)) + [-1]
    # sentiment 0.1 + 0.25 * health: 0.1, and 0.6 for health 2; 0.05 for nobody's
    assert m["sentiment"][[0, 49, 50]].tolist() == [0.1, 0.6, 0.05]
    t = engagement.mentions_table(eng, ids("A", 50, 5))
    assert t.column_names == [c.name for c in TABLES["mentions"].columns]
    assert t["account_id"].null_count == 1


def test_sla_checks_are_met_more_often_by_healthy_accounts():
    b = book(owner=[0, 0], health=[0.0, 2.0])
    eng = engagement.Engagement(2)
    # met when the uniform 0.95 is below 0.93 + 0.02 * health: 0.93 no, 0.97 yes
    engagement.sla_checks(FixedRng(u=0.95), eng, b, np.array([0, 1]), ME)
    s = eng.slas.arrays()
    assert s["sla"].tolist() == [0, 0, 1, 1] and (s["day"] == ME).all()
    assert s["met"].tolist() == [False, True, False, True]
    t = engagement.sla_table(eng, ids("A", 2, 5))
    assert t.column_names == [c.name for c in TABLES["sla_checks"].columns]
    assert t["sla"].to_pylist() == ["first_response_4h", "uptime_99_9"] * 2


def test_interactions_table_orders_by_time_and_resolves_requests_only():
    eng = engagement.Engagement(2)
    eng.inter.add(account=np.array([1, 0]), kam=np.array([0, 0]), ts=np.array([200, 100]),
                  inbound=np.array([True, False]), channel=np.array([1, 0]),
                  request=np.array([True, False]), resolved=np.array([900, 500]))
    t = engagement.interactions_table(eng, ids("A", 2, 5), ids("K", 1, 3))
    assert t.column_names == [c.name for c in TABLES["interactions"].columns]
    assert t["account_id"].to_pylist() == ["A00001", "A00002"]  # by time: 100, then 200
    assert t["direction"].to_pylist() == ["outbound", "inbound"]
    # only a request has a resolution time
    assert t["resolved_at"].to_pylist() == [None, datetime(1970, 1, 1, 0, 15)]
