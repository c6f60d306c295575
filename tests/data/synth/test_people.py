"""KAMs, accounts and ownership in the synthetic-data generator
(kamlib.data.synth.people)."""

from __future__ import annotations

from datetime import date

import numpy as np
from synth_builder import FixedRng, book, staff

from kamlib.data.contract import TABLES
from kamlib.data.synth import people
from kamlib.data.synth.columns import ids
from kamlib.data.synth.parameters import END, START, SynthConfig
from kamlib.data.synth.timeline import day


def test_hire_kams_replaces_each_leaver_in_its_team():
    cfg = SynthConfig(accounts=400, seed=8)
    d0, d_end = day(START), day(END)
    s = people.hire_kams(cfg, np.random.Generator(np.random.PCG64(8)), d0, d_end)
    # 24 KAMs at the start; round(0.125 * 24) = 3 leave, each with a replacement
    assert (s.n_active, s.n) == (24, 27) and len(s.replacement) == 3
    for leaver, new in s.replacement.items():
        assert new >= 24 and s.team[new] == s.team[leaver]
        assert d0 + 400 <= s.left[leaver] < d_end - 120
        assert 10 <= s.left[leaver] - s.hired[new] < 60  # hired 10-59 days before
    assert (s.left[24:] == -1).all() and (s.hired[:24] < d0).all()


def test_employed_for_the_whole_month():
    s = staff(sat=[7, 7, 7], hired=[0, 0, 50], left=[-1, 40, -1])
    # month 30..60: KAM 1 leaves on day 40, KAM 2 is hired on day 50
    assert s.employed(30, 60).tolist() == [0]
    assert s.employed(60, 90).tolist() == [0, 2]


def test_ownership_history_from_assignments():
    b = book(owner=[0])
    b.start(0, 10)  # owned by KAM 0 from day 10
    b.assign(0, 1, 20)  # KAM 1 from day 20: KAM 0's assignment ends on day 19
    b.assign(0, 2, 20)  # a second change on the same day replaces the first
    b.assign(0, 2, 30)  # the same KAM again: nothing happens
    b.assign(0, 1, 15)  # on or before day 20: replaces the owner, keeps day 20
    b.close_assignments()
    a = b.assigns.arrays()
    assert list(zip(a["kam"], a["from"], a["to"], strict=True)) == [(0, 10, 19), (1, 20, -1)]
    assert b.owner[0] == 1 and b.alive[0] and b.spell_start[0] == 10


def test_hand_over_moves_a_leavers_accounts_on_the_leaving_day():
    s = staff(sat=[7, 7], left=[45, -1])
    s.replacement = {0: 1}
    b = book(owner=[0, 0])
    b.start(0, 0)  # account 1 is not a customer yet: it keeps its owner
    people.hand_over(FixedRng(u=1.0), s, b, 31, 59)  # u = 1: no random move
    assert b.owner.tolist() == [1, 0]
    assert b.assign_open[0] == (1, 45)


def test_drift_moves_satisfaction_and_health_towards_their_means():
    s = staff(sat=[8.2])
    s.sat_mu = np.array([7.2])
    b = book(owner=[0], health=[1.0])
    people.drift(FixedRng(), s, b)  # no noise
    # 7.2 + 0.95 (8.2 - 7.2) + 0.05 (7.2 - 7.2) = 8.15
    assert np.allclose(s.sat, [8.15])
    # 0.9 * 1 + 0.1 * 0 + 0.02 (8.15 - 7.2) = 0.919
    assert np.allclose(b.health, [0.919])


def test_names_are_distinct_and_grow_a_third_part_when_needed():
    rng = np.random.Generator(np.random.PCG64(1))
    got = people.names(rng, 6, ("A", "B"), ("x", "y"), ("1", "2"))
    # 2 x 2 = 4 two-part names, so two of the six get a third part
    assert len(set(got)) == 6 and sum(len(n.split()) == 3 for n in got) == 2


def test_tables_have_the_contract_columns_in_order():
    s = staff(sat=[7, 7], team=[0, 27])
    b = book(owner=[0, 1])
    b.start(0, 100)
    b.close_assignments()
    rng = np.random.Generator(np.random.PCG64(1))
    kam_ids, acc_ids = ids("K", 2, 3), ids("A", 2, 5)
    kams = people.kams_table(rng, s, kam_ids)
    accounts = people.accounts_table(rng, b, acc_ids, kam_ids)
    assignments = people.assignments_table(b, acc_ids, kam_ids)
    for name, t in (("account_managers", kams), ("accounts", accounts),
                    ("assignments", assignments)):
        assert t.column_names == [c.name for c in TABLES[name].columns], name
    # team 27 = 26 + 1: letter b, round 1
    assert kams["team"].to_pylist() == ["team_a", "team_b1"]
    # day 100 = 1970-01-01 + 100 days = 1970-04-11
    assert assignments.to_pylist() == [{"account_id": "A00001", "kam_id": "K001",
                                        "from_on": date(1970, 4, 11), "to_on": None}]


def test_open_accounts_puts_the_won_deals_after_the_legacy_customers():
    cfg = SynthConfig(accounts=40)  # 26 legacy accounts
    d0 = day(START)
    b = people.open_accounts(cfg, np.random.Generator(np.random.PCG64(3)), d0, 4,
                             won=np.array([7, 2]), won_day=np.array([d0 + 5, d0 + 9]),
                             won_kam=np.array([3, 1]), won_channel=np.array([4, 0]))
    assert (b.n, b.n_legacy) == (28, 26)
    assert b.acq_day[26:].tolist() == [d0 + 5, d0 + 9] and (b.acq_day[:26] < d0).all()
    assert b.owner[26:].tolist() == [3, 1] and set(b.owner[:26]) <= {0, 1, 2, 3}
    assert b.acq_channel.tolist() == [-1] * 26 + [4, 0]
    assert (b.value0 % 100 == 0).all() and ((b.margin >= 0.1) & (b.margin <= 0.8)).all()
    assert not b.alive.any() and b.owned[np.arange(28), b.primary_line].all()
