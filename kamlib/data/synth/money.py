"""Money: annual contracts, upsell and cross-sell, and the invoices that bill them.

Contracts run one year; each is billed quarterly in advance. Healthy accounts
buy more (upsell of their primary line, cross-sell of a line they do not own);
what they buy is added to the value of their next contract.

>>> ledger = Ledger(accounts=1)
>>> ledger.new(0, 18628, 1000.0, -1)  # 2021-01-01
0
>>> int(ledger.cur_end[0]) == 18628 + 365 - 1  # ends the day before its anniversary
True
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import Rows, dates, ids, labels, pick
from kamlib.data.synth.parameters import PRODUCT_LINES, logistic
from kamlib.data.synth.people import Book
from kamlib.data.synth.timeline import EPOCH, add_years

__all__ = ["Ledger", "contracts_table", "expand", "invoices_table", "legacy_contracts",
           "open_spells", "scale_value"]

_KINDS = ("new", "renewal", "repeat", "upsell", "cross_sell")


class Ledger:
    """Every contract so far, each account's current one, and invoices beyond the contracts."""

    def __init__(self, accounts: int):
        self.contracts = {"account": [], "start": [], "end": [], "value": [], "renewal_of": []}
        self.cur_id = np.full(accounts, -1)  # current contract row
        self.cur_end = np.full(accounts, -1)
        self.cur_value = np.zeros(accounts)
        self.upsell_amt = np.zeros(accounts)  # bought since the current contract started
        self.inv = Rows("account", "day", "amount", "line", "kind", "margin")

    def new(self, i, start, value, renewal_of) -> int:
        """A one-year contract of account ``i``; returns its row."""
        end = add_years(int(start), 1) - 1
        for k_, v_ in (("account", i), ("start", int(start)), ("end", end),
                       ("value", float(value)), ("renewal_of", renewal_of)):
            self.contracts[k_].append(v_)
        cid = len(self.contracts["account"]) - 1
        self.cur_id[i], self.cur_end[i], self.cur_value[i] = cid, end, value
        return cid


def legacy_contracts(book: Book, ledger: Ledger, d0: int) -> None:
    """The legacy accounts' contract chains up to the start of the history (3 % a year)."""
    for i in range(book.n_legacy):
        s, prev = book.acq_day[i], -1
        value = book.value0[i] * (1.03 ** -((d0 - s) // 365))
        book.start(i, s)
        while True:
            prev = ledger.new(i, s, round(value, -2), prev)
            e = ledger.cur_end[i]
            if e >= d0:
                break
            s, value = e + 1, value * 1.03
            book.k_dec[i] += 1


def open_spells(rng: np.random.Generator, book: Book, ledger: Ledger, ms: int, me: int) -> None:
    """The month's new customers and win-backs start a spell with a first contract."""
    for i in np.flatnonzero(~book.started & (book.acq_day >= ms) & (book.acq_day <= me)):
        book.start(i, book.acq_day[i])
        ledger.new(i, int(book.acq_day[i]), book.value0[i], -1)
    for i in np.flatnonzero(~book.alive & (book.winback_day >= ms) & (book.winback_day <= me)):
        book.start(i, book.winback_day[i])
        book.churn_end[i] = -1
        book.health[i] = book.trait_mu[i] + rng.normal(0, 0.6)
        ledger.new(i, int(book.winback_day[i]), book.value0[i], -1)
        book.winback_day[i] = -1


def expand(rng: np.random.Generator, book: Book, ledger: Ledger, act: np.ndarray,
           a_from: np.ndarray, a_to: np.ndarray, d0: int) -> None:
    """The month's upsell and cross-sell of the active accounts ``act``, driven by health."""
    u_up, u_x, amt_u = (rng.random(len(act)) for _ in range(3))
    day_u = np.minimum(a_from + rng.integers(0, 28, len(act)), a_to)
    ok_day = day_u >= d0
    h_act = book.health[act]
    up = ok_day & (u_up < logistic(-4.0 + 0.9 * h_act))
    xs = ok_day & (u_x < logistic(-4.6 + 0.9 * h_act)) & ~book.owned[act].all(axis=1)
    if up.any():
        ai = act[up]
        amt = np.round(ledger.cur_value[ai] * (0.05 + 0.2 * amt_u[up]), 2)
        ledger.upsell_amt[ai] += amt
        ledger.inv.add(account=ai, day=day_u[up], amount=amt, line=book.primary_line[ai],
                       kind=np.full(len(ai), 3), margin=np.round(amt * book.margin[ai], 2))
    if xs.any():
        ai = act[xs]
        line = np.argmax(~book.owned[ai], axis=1)
        book.owned[ai, line] = True
        amt = np.round(ledger.cur_value[ai] * (0.05 + 0.15 * amt_u[xs]), 2)
        ledger.upsell_amt[ai] += amt
        ledger.inv.add(account=ai, day=day_u[xs], amount=amt, line=line,
                       kind=np.full(len(ai), 4), margin=np.round(amt * book.margin[ai], 2))


def scale_value(ledger: Ledger, factor: np.ndarray) -> None:
    """Multiply every contract value and every upsell and cross-sell invoice of account
    ``i`` by ``factor[i]``, once the simulation is over (no draw changes: the accounts'
    money is scaled, nothing else).

    >>> ledger = Ledger(accounts=2)
    >>> _ = ledger.new(0, 18628, 1000.0, -1); _ = ledger.new(1, 18628, 1000.0, -1)
    >>> scale_value(ledger, np.array([1.0, 1.3]))
    >>> [round(float(v), 2) for v in ledger.contracts["value"]]
    [1000.0, 1300.0]
    """
    acc = np.asarray(ledger.contracts["account"], int)
    ledger.contracts["value"] = list(np.asarray(ledger.contracts["value"], float)
                                     * factor[acc]) if len(acc) else []
    ledger.cur_value = ledger.cur_value * factor
    a = ledger.inv.arrays()
    if len(a["account"]):
        f = factor[a["account"].astype(int)]
        a["amount"], a["margin"] = np.round(a["amount"] * f, 2), np.round(a["margin"] * f, 2)
        ledger.inv.cols = {k: [v] for k, v in a.items()}


def _contract_arrays(ledger: Ledger) -> dict[str, np.ndarray]:
    return {k: np.asarray(x) for k, x in ledger.contracts.items()}


def contracts_table(ledger: Ledger, acc_ids: pa.Array) -> pa.Table:
    """The contracts table, in the order they were signed."""
    c = _contract_arrays(ledger)
    n_c = len(c["account"])
    con_ids = ids("C", n_c, max(6, len(str(n_c))))
    return pa.table({
        "contract_id": con_ids,
        "account_id": pick(acc_ids, c["account"]),
        "start_on": dates(c["start"]),
        "end_on": dates(c["end"]),
        "annual_value": pa.array(np.round(c["value"], 2)),
        "renewal_of": pick(con_ids, c["renewal_of"]),
    })


def invoices_table(rng: np.random.Generator, book: Book, ledger: Ledger, d0: int, d_end: int,
                   acc_ids: pa.Array) -> pa.Table:
    """The invoices table: quarterly billing, upsell and cross-sell, and 1 % credit notes."""
    c = _contract_arrays(ledger)
    start_d = (EPOCH + c["start"].astype("timedelta64[D]"))
    months0 = start_d.astype("datetime64[M]")
    dom = np.minimum((start_d - months0.astype("datetime64[D]")).astype(int), 27)
    rows = []
    for off in (0, 3, 6, 9):
        bill = ((months0 + off).astype("datetime64[D]") + dom - EPOCH).astype(int)
        ok = (bill >= d0) & (bill <= d_end) & (bill <= c["end"])
        kind = np.where(off == 0, np.where(c["renewal_of"] >= 0, 1, 0), 2)
        rows.append((c["account"][ok], bill[ok], np.round(c["value"][ok] / 4, 2),
                     book.primary_line[c["account"][ok]], kind[ok]))
    ex = ledger.inv.arrays()
    acc = np.concatenate([r[0] for r in rows] + [ex["account"].astype(int)])
    day = np.concatenate([r[1] for r in rows] + [ex["day"].astype(int)])
    amt = np.concatenate([r[2] for r in rows] + [ex["amount"]])
    line = np.concatenate([r[3] for r in rows] + [ex["line"].astype(int)])
    kind = np.concatenate([r[4] for r in rows] + [ex["kind"].astype(int)])
    credit = rng.random(len(acc)) < 0.01
    c_day = day[credit] + rng.integers(10, 40, credit.sum())
    keep = c_day <= d_end
    acc = np.r_[acc, acc[credit][keep]]
    amt = np.r_[amt, -np.round(amt[credit][keep] * rng.uniform(0.1, 1.0, keep.sum()), 2)]
    line = np.r_[line, line[credit][keep]]
    kind = np.r_[kind, kind[credit][keep]]
    day = np.r_[day, c_day[keep]]
    order = np.lexsort((acc, day))
    acc, day, amt, line, kind = (x[order] for x in (acc, day, amt, line, kind))
    return pa.table({
        "invoice_id": ids("INV", len(acc), max(7, len(str(len(acc))))),
        "account_id": pick(acc_ids, acc),
        "issued_on": dates(day),
        "amount": pa.array(amt),
        "gross_margin": pa.array(np.round(amt * book.margin[acc], 2)),
        "product_line": labels(PRODUCT_LINES, line),
        "kind": labels(_KINDS, kind),
    })
