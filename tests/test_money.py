"""Contracts, upsell and invoices of the synthetic-data generator
(kamlib.data.synth.money), with fixed draws worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
from synth_builder import FixedRng, book

from kamlib.data.contract import TABLES
from kamlib.data.synth import money
from kamlib.data.synth.columns import ids
from kamlib.data.synth.timeline import day

D0 = day(date(2021, 1, 1))


def _days(*isos: str) -> list[int]:
    return [day(date.fromisoformat(s)) for s in isos]


def test_a_contract_runs_one_year_even_from_29_february():
    ledger = money.Ledger(accounts=2)
    first = ledger.new(0, day(date(2024, 2, 29)), 500.0, -1)
    second = ledger.new(1, day(date(2024, 3, 1)), 700.0, -1)
    # 2024-02-29 + 1 year = 2025-02-28 (no 29th): ends the day before, 02-27
    assert ledger.contracts["end"] == _days("2025-02-27", "2025-02-28")
    assert (first, second) == (0, 1) and ledger.cur_id.tolist() == [0, 1]
    assert ledger.cur_value.tolist() == [500.0, 700.0]


def test_legacy_chains_grow_three_percent_a_year_up_to_the_history_start():
    b = book(owner=[0], acq_day=_days("2018-07-01"))
    ledger = money.Ledger(b.n)
    money.legacy_contracts(b, ledger, D0)
    c = ledger.contracts
    # 2018-07-01 to 2021-01-01 is 914 days: two whole years back, so the first value is
    # 1000 / 1.03² = 942.6 -> 900 (rounded to hundreds), then 970.9 -> 1000, 1000 -> 1000
    assert c["start"] == _days("2018-07-01", "2019-07-01", "2020-07-01")
    assert c["end"] == _days("2019-06-30", "2020-06-30", "2021-06-30")  # the last spans D0
    assert c["value"] == [900.0, 1000.0, 1000.0] and c["renewal_of"] == [-1, 0, 1]
    assert b.k_dec[0] == 2 and b.alive[0] and b.spell_start[0] == day(date(2018, 7, 1))


def test_new_customers_and_win_backs_start_a_spell_with_a_first_contract():
    b = book(owner=[0, 1], acq_day=[D0 + 10, D0 - 400], trait_mu=[0.0, 0.7])
    b.started[1] = True  # account 1 churned and comes back on D0 + 20
    b.churn_end[1], b.winback_day[1] = D0 - 100, D0 + 20
    ledger = money.Ledger(b.n)
    money.open_spells(FixedRng(), b, ledger, D0, D0 + 30)
    assert b.alive.tolist() == [True, True]
    assert b.spell_start.tolist() == [D0 + 10, D0 + 20]
    assert ledger.contracts["start"] == [D0 + 10, D0 + 20]
    assert ledger.contracts["renewal_of"] == [-1, -1]
    assert (b.churn_end[1], b.winback_day[1]) == (-1, -1)
    assert b.health[1] == 0.7  # redrawn around its trait (no noise here)


def test_healthy_accounts_buy_more_and_it_is_invoiced():
    b = book(owner=[0, 0], margin=[0.4, 0.4])
    b.owned[1] = True  # account 1 owns every line: no cross-sell
    ledger = money.Ledger(b.n)
    ledger.cur_value[:] = [1000.0, 2000.0]
    act = np.array([0, 1])
    # uniforms 0: every purchase happens, at the smallest amount, on the first day
    money.expand(FixedRng(u=0.0), b, ledger, act, np.array([D0, D0]), np.array([D0 + 30] * 2), D0)
    inv = ledger.inv.arrays()
    # upsell 5 % of the contract: 50 and 100; cross-sell of line 1 by account 0: 5 % = 50
    assert inv["account"].tolist() == [0, 1, 0]
    assert inv["kind"].tolist() == [3, 3, 4] and inv["line"].tolist() == [0, 0, 1]
    assert inv["amount"].tolist() == [50.0, 100.0, 50.0]
    assert inv["margin"].tolist() == [20.0, 40.0, 20.0]  # 40 %
    assert ledger.upsell_amt.tolist() == [100.0, 100.0]  # carried into the next renewal
    assert b.owned[0, 1]


def test_contracts_are_billed_quarterly_in_advance_with_credit_notes():
    b = book(owner=[0], margin=[0.5])
    ledger = money.Ledger(1)
    first = ledger.new(0, day(date(2021, 1, 15)), 1000.0, -1)
    ledger.new(0, day(date(2022, 1, 15)), 1200.0, first)  # after the history end
    ledger.inv.add(account=0, day=day(date(2021, 5, 2)), amount=80.0, line=2, kind=4,
                   margin=40.0)
    # the first invoice draws a credit note: 10 days later, 10 % of its amount
    rng = FixedRng(uniforms=[[0.0, 1, 1, 1, 1]])
    t = money.invoices_table(rng, b, ledger, D0, day(date(2021, 12, 31)), ids("A", 1, 5))
    assert t.column_names == [c.name for c in TABLES["invoices"].columns]
    got = [(r["issued_on"].isoformat(), r["amount"], r["kind"], r["product_line"],
            r["gross_margin"]) for r in t.to_pylist()]
    assert got == [
        ("2021-01-15", 250.0, "new", "platform", 125.0),  # a quarter of 1000, margin 50 %
        ("2021-01-25", -25.0, "new", "platform", -12.5),
        ("2021-04-15", 250.0, "repeat", "platform", 125.0),
        ("2021-05-02", 80.0, "cross_sell", "services", 40.0),
        ("2021-07-15", 250.0, "repeat", "platform", 125.0),
        ("2021-10-15", 250.0, "repeat", "platform", 125.0),
    ]
    c = money.contracts_table(ledger, ids("A", 1, 5))
    assert c.column_names == [col.name for col in TABLES["contracts"].columns]
    assert c["renewal_of"].to_pylist() == [None, "C000001"]
