"""Contracts, upsell, cross-sell and invoices in the synthetic-data generator
(kamlib.data.synth.money), with fixed draws worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from synth_builder import FixedRng, book

from kamlib.data.synth.columns import ids
from kamlib.data.synth.money import (
    Ledger,
    contracts_table,
    expand,
    invoices_table,
    legacy_contracts,
    open_spells,
    scale_value,
)
from kamlib.data.synth.parameters import PRODUCT_LINES
from kamlib.data.synth.timeline import day

D = date
approx = pytest.approx


def test_a_new_contract_runs_one_year_and_becomes_the_accounts_current_one():
    ledger = Ledger(accounts=2)
    assert ledger.new(1, day(D(2020, 6, 1)), 1000.0, -1) == 0
    assert ledger.new(0, day(D(2020, 2, 29)), 500.0, -1) == 1
    # a year from 2020-06-01 is 2021-06-01, so the contract's last day is 2021-05-31;
    # from 2020-02-29 a year on is 2021-02-28 (no 29th), its last day 2021-02-27
    assert ledger.contracts["end"] == [day(D(2021, 5, 31)), day(D(2021, 2, 27))]
    assert ledger.cur_id.tolist() == [1, 0] and ledger.cur_value.tolist() == [500.0, 1000.0]
    assert ledger.contracts["renewal_of"] == [-1, -1]


def test_legacy_accounts_get_their_contract_chain_up_to_the_history_start():
    b = book(owner=[0], acq_day=[day(D(2019, 1, 1))])  # value0 1000
    ledger = Ledger(1)
    legacy_contracts(b, ledger, day(D(2021, 1, 1)))
    # 731 days before the history start -> 2 whole years: 1000 / 1.03^2 = 942.60, signed
    # rounded to the hundred (900); then +3 % a year: 970.87 -> 1000, 1000.00 -> 1000
    c = ledger.contracts
    assert c["start"] == [day(D(2019, 1, 1)), day(D(2020, 1, 1)), day(D(2021, 1, 1))]
    assert c["value"] == [900.0, 1000.0, 1000.0]
    assert c["renewal_of"] == [-1, 0, 1]  # a chain: each renews the one before
    assert ledger.cur_end[0] == day(D(2021, 12, 31))  # the first that reaches 2021-01-01
    assert b.k_dec[0] == 2 and b.alive[0] and b.spell_start[0] == day(D(2019, 1, 1))


def test_open_spells_starts_the_months_new_customers_and_win_backs():
    b = book(owner=[0, 0, 0], value0=[1000.0, 2000.0, 3000.0], trait_mu=[0.0, 0.0, 0.5],
             acq_day=[day(D(2021, 3, 5)), day(D(2021, 4, 2)), day(D(2019, 1, 1))])
    b.start(2, day(D(2019, 1, 1)))  # account 2 churned and comes back on 2021-03-20
    b.alive[2], b.health[2] = False, -2.0
    b.churn_end[2], b.winback_day[2] = day(D(2020, 12, 31)), day(D(2021, 3, 20))
    ledger = Ledger(3)
    open_spells(FixedRng(), b, ledger, day(D(2021, 3, 1)), day(D(2021, 3, 31)))
    # March: account 0 is won on 03-05; account 1 only in April
    assert b.started.tolist() == [True, False, True] and b.alive.tolist() == [True, False, True]
    assert ledger.contracts["account"] == [0, 2]
    assert ledger.contracts["start"] == [day(D(2021, 3, 5)), day(D(2021, 3, 20))]
    assert ledger.contracts["value"] == [1000.0, 3000.0]  # each starts at its value0
    # the win-back: a new spell, no churn pending, health redrawn around its trait (the
    # fixed normal draw is its mean, 0.5)
    assert b.churn_end[2] == -1 and b.winback_day[2] == -1 and b.health[2] == 0.5
    assert b.spell_start[2] == day(D(2021, 3, 20))


def test_healthy_accounts_buy_more_and_what_they_buy_is_invoiced():
    owned = np.zeros((3, len(PRODUCT_LINES)), bool)
    owned[:, 0] = True
    owned[1] = True  # account 1 owns every line: nothing left to cross-sell
    b = book(owner=[0, 0, 0], health=[2.0, 0.0, 2.0], owned=owned)
    ledger = Ledger(3)
    for i in range(3):
        ledger.new(i, day(D(2021, 1, 1)), 1000.0, -1)
    march, feb = (day(D(2021, 3, 1)), day(D(2021, 3, 31))), (day(D(2021, 2, 1)),
                                                             day(D(2021, 2, 28)))
    a_from = np.array([march[0], march[0], feb[0]])
    a_to = np.array([march[1], march[1], feb[1]])
    # draws: upsell, cross-sell, amount; the day is a_from (integers give their low end)
    rng = FixedRng(uniforms=[[0.05, 0.05, 0.05], [0.05, 0.001, 0.05], [0.5, 0.5, 0.5]])
    expand(rng, b, ledger, np.arange(3), a_from, a_to, d0=march[0])
    # upsell:     logistic(-4 + 0.9 * 2) = 0.0998 > 0.05 (account 0); logistic(-4) = 0.018
    # cross-sell: logistic(-4.6 + 1.8) = 0.0573 > 0.05 (account 0); account 1 owns all
    # account 2 would buy both, but in February, before the history starts (d0)
    inv = ledger.inv.arrays()
    assert inv["account"].tolist() == [0, 0] and inv["kind"].tolist() == [3, 4]
    # upsell 1000 * (0.05 + 0.2 * 0.5) = 150 of the primary line; cross-sell
    # 1000 * (0.05 + 0.15 * 0.5) = 125 of the first line not owned (1); margins 40 %
    assert inv["amount"].tolist() == [150.0, 125.0] and inv["line"].tolist() == [0, 1]
    assert inv["margin"].tolist() == [60.0, 50.0] and inv["day"].tolist() == [march[0]] * 2
    assert b.owned[0, :2].tolist() == [True, True]
    assert ledger.upsell_amt.tolist() == [275.0, 0.0, 0.0]  # added to the next contract


def test_the_contracts_table_in_signing_order():
    ledger = Ledger(2)
    first = ledger.new(1, day(D(2020, 2, 10)), 1800.0, -1)
    ledger.new(1, day(D(2021, 2, 10)), 2000.004, first)
    ledger.new(0, day(D(2021, 1, 15)), 1000.0, -1)
    t = contracts_table(ledger, ids("A", 2, 3)).to_pydict()
    assert t["contract_id"] == ["C000001", "C000002", "C000003"]
    assert t["account_id"] == ["A002", "A002", "A001"]
    assert t["start_on"] == [D(2020, 2, 10), D(2021, 2, 10), D(2021, 1, 15)]
    assert t["end_on"] == [D(2021, 2, 9), D(2022, 2, 9), D(2022, 1, 14)]
    assert t["annual_value"] == [1800.0, 2000.0, 1000.0]  # rounded to the cent
    assert t["renewal_of"] == [None, "C000001", None]


def test_invoices_bill_each_contract_quarterly_in_advance_with_extras_and_credit_notes():
    b = book(owner=[0, 0])  # margin 40 %, primary line 0 (platform)
    ledger = Ledger(2)
    first = ledger.new(1, day(D(2020, 2, 10)), 1800.0, -1)
    ledger.new(1, day(D(2021, 2, 10)), 2000.0, first)
    ledger.new(0, day(D(2021, 1, 15)), 1000.0, -1)
    ledger.inv.add(account=0, day=day(D(2021, 3, 1)), amount=100.0, line=1, kind=3,
                   margin=0.0)
    # bills before the credit notes, by offset then contract: A1 02-10, A0 01-15 | A1 05-10,
    # A0 04-15 | A1 08-10, A0 07-15 (the 11-10 and 10-15 bills fall after d_end; the first
    # contract's bills all before d0), then the upsell; the second bill draws a credit note
    rng = FixedRng(uniforms=[[0.5, 0.005, 0.5, 0.5, 0.5, 0.5, 0.5]])
    t = invoices_table(rng, b, ledger, day(D(2021, 1, 1)), day(D(2021, 9, 30)),
                       ids("A", 2, 3)).to_pydict()
    # the credit note: 10 days after its bill (integers' low end), 0.1 of 250 (uniform's)
    assert t["issued_on"] == [D(2021, 1, 15), D(2021, 1, 25), D(2021, 2, 10), D(2021, 3, 1),
                              D(2021, 4, 15), D(2021, 5, 10), D(2021, 7, 15), D(2021, 8, 10)]
    assert t["account_id"] == ["A001", "A001", "A002", "A001", "A001", "A002", "A001", "A002"]
    assert t["amount"] == [250.0, -25.0, 500.0, 100.0, 250.0, 500.0, 250.0, 500.0]
    assert t["kind"] == ["new", "new", "renewal", "upsell", "repeat", "repeat", "repeat",
                         "repeat"]
    assert t["gross_margin"] == [approx(0.4 * a) for a in t["amount"]]
    assert t["product_line"] == ["platform"] * 3 + ["analytics"] + ["platform"] * 4
    assert t["invoice_id"] == [f"INV{i:07d}" for i in range(1, 9)]


def test_scale_value_multiplies_an_accounts_contracts_and_extra_invoices():
    ledger = Ledger(accounts=2)
    ledger.new(0, day(D(2022, 1, 1)), 1000.0, -1)
    ledger.new(1, day(D(2022, 1, 1)), 2000.0, -1)
    ledger.inv.add(account=np.array([0, 1]), day=np.array([1, 2]), amount=np.array([10.0, 20.0]),
                   line=np.array([0, 0]), kind=np.array([3, 3]), margin=np.array([4.0, 8.0]))
    scale_value(ledger, np.array([1.0, 1.3]))
    # account 1: 2000 x 1.3 = 2600; its upsell 20 x 1.3 = 26, margin 8 x 1.3 = 10.4
    assert ledger.contracts["value"] == approx([1000.0, 2600.0])
    ex = ledger.inv.arrays()
    assert ex["amount"].tolist() == approx([10.0, 26.0])
    assert ex["margin"].tolist() == approx([4.0, 10.4])
    assert ex["account"].tolist() == [0, 1]
