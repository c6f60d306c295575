"""Invoice kinds derived from contracts and product lines (kamlib.panels.invoices).

Every expected kind is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import pandas as pd

from kamlib.panels.invoices import derive_kinds


def _invoices(rows) -> pd.DataFrame:
    """Invoices from ``(invoice_id, account_id, issued_on, amount, product_line)`` rows."""
    df = pd.DataFrame(rows, columns=["invoice_id", "account_id", "issued_on", "amount",
                                     "product_line"])
    df["issued_on"] = pd.to_datetime(df["issued_on"])
    return df


def _contracts(rows) -> pd.DataFrame:
    """Contracts from ``(contract_id, account_id, start_on, end_on, annual_value)`` rows."""
    df = pd.DataFrame(rows, columns=["contract_id", "account_id", "start_on", "end_on",
                                     "annual_value"])
    for c in ("start_on", "end_on"):
        df[c] = pd.to_datetime(df[c])
    return df


def test_derive_kinds_rules():
    inv = pd.DataFrame({
        "invoice_id": ["a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3"],
        "account_id": ["a"] * 5 + ["b"] * 3,
        "issued_on": pd.to_datetime(["2025-01-15", "2025-04-15", "2025-05-01", "2026-01-15",
                                     "2026-04-15", "2025-03-01", "2026-03-01", "2026-03-02"]),
        "amount": [100.0, 100, 20, 120, 120, 100, 100, 10],
        "product_line": ["core", "core", "addon", "core", "core", "core", "core", "addon"],
    }).sample(frac=1, random_state=3)  # input order must not matter
    con = pd.DataFrame({
        "contract_id": ["c1", "c2", "d1", "d2"], "account_id": ["a", "a", "b", "b"],
        "start_on": pd.to_datetime(["2025-01-01", "2026-01-01", "2025-03-01", "2026-03-01"]),
        "end_on": pd.to_datetime(["2025-12-31", "2026-12-31", "2026-02-28", "2027-02-28"]),
        "annual_value": [100.0, 120.0, 100.0, 100.0],
    })
    kinds = derive_kinds(inv, con, renewed_by={"c1": "c2", "d1": "d2"})
    got = dict(zip(kinds.invoice_id, kinds.kind, strict=True))
    assert got == {
        "a1": "new",  # the account's first invoice
        "a2": "repeat",
        "a3": "cross_sell",  # first 'addon' invoice
        "a4": "upsell",  # first invoice of c2, which renews c1 at 120 > 100
        "a5": "repeat",
        "b1": "new",
        "b2": "repeat",  # d2 renews d1 at the same value: not an upsell
        "b3": "cross_sell",
    }


def test_a_cheaper_renewal_is_no_upsell_and_a_credit_note_keeps_its_line_kind():
    # c2 renews c1 at 80 < 100: no upsell, so i3 (first invoice of c2) is a repeat.
    # i2 is a credit note (-20) on line 'core' already bought: a repeat, not new.
    inv = _invoices([("i1", "a", "2025-01-10", 100.0, "core"),
                     ("i2", "a", "2025-02-10", -20.0, "core"),
                     ("i3", "a", "2026-01-10", 80.0, "core")])
    con = _contracts([("c1", "a", "2025-01-01", "2025-12-31", 100.0),
                      ("c2", "a", "2026-01-01", "2026-12-31", 80.0)])
    got = derive_kinds(inv, con, renewed_by={"c1": "c2"})
    assert dict(zip(got.invoice_id, got.kind, strict=True)) == {
        "i1": "new", "i2": "repeat", "i3": "repeat"}


def test_the_upsell_is_the_first_repeat_on_or_after_the_renewal_start():
    # c2 (from 2026-01-01, 150 > 100) renews c1. Invoices of the account from that day:
    # j3 on 2026-01-05 is the first of a new line -> cross_sell, so the upsell goes to the
    # next repeat, j4 on 2026-01-20; j2 (2025-12-20) is before the renewal: repeat.
    inv = _invoices([("j1", "a", "2025-01-05", 100.0, "core"),
                     ("j2", "a", "2025-12-20", 100.0, "core"),
                     ("j3", "a", "2026-01-05", 10.0, "addon"),
                     ("j4", "a", "2026-01-20", 150.0, "core"),
                     ("j5", "a", "2026-04-20", 150.0, "core")])
    con = _contracts([("c1", "a", "2025-01-01", "2025-12-31", 100.0),
                      ("c2", "a", "2026-01-01", "2026-12-31", 150.0)])
    got = derive_kinds(inv, con, renewed_by={"c1": "c2"})
    assert got.kind.tolist() == ["new", "repeat", "cross_sell", "upsell", "repeat"]


def test_renewals_naming_unknown_contracts_are_ignored_and_ties_sort_by_id():
    # renewed_by names x9, which is not a contract: ignored. Two invoices on the same
    # day sort by invoice_id: k1 is the first (new), k2 a repeat.
    inv = _invoices([("k2", "b", "2025-03-01", 5.0, "core"),
                     ("k1", "b", "2025-03-01", 5.0, "core")])
    con = _contracts([("d1", "b", "2025-01-01", "2025-12-31", 10.0)])
    got = derive_kinds(inv, con, renewed_by={"d1": "x9"})
    assert got.invoice_id.tolist() == ["k1", "k2"]
    assert got.kind.tolist() == ["new", "repeat"]
