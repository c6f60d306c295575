"""Invoice kinds: taken from the data, or derived when the column is absent.

Derivation rule (README, "Invoice kinds"), applied in date order per account:

1. an account's first invoice is ``new``;
2. an invoice for a product line the account never bought before is ``cross_sell``;
3. an invoice tied to a renewed contract whose annual value rose is ``upsell``:
   the first invoice on or after the start of a contract that renews a cheaper one;
4. the rest is ``repeat``.

>>> import pandas as pd
>>> inv = pd.DataFrame({
...     "invoice_id": ["i1", "i2", "i3", "i4"], "account_id": ["a"] * 4,
...     "issued_on": pd.to_datetime(["2024-01-01", "2024-04-01", "2024-05-01", "2025-01-01"]),
...     "amount": [25.0, 25.0, 5.0, 30.0], "product_line": ["p", "p", "q", "p"]})
>>> con = pd.DataFrame({
...     "contract_id": ["c1", "c2"], "account_id": ["a", "a"],
...     "start_on": pd.to_datetime(["2024-01-01", "2025-01-01"]),
...     "end_on": pd.to_datetime(["2024-12-31", "2025-12-31"]),
...     "annual_value": [100.0, 120.0]})
>>> derive_kinds(inv, con, renewed_by={"c1": "c2"})["kind"].tolist()
['new', 'repeat', 'cross_sell', 'upsell']
"""

from __future__ import annotations

import pandas as pd

__all__ = ["derive_kinds"]


def derive_kinds(invoices: pd.DataFrame, contracts: pd.DataFrame,
                 renewed_by: dict[str, str]) -> pd.DataFrame:
    """Return ``invoice_id, kind`` for every invoice, by the rule above.

    Parameters
    ----------
    invoices : invoice_id, account_id, issued_on, amount, product_line.
    contracts : contract_id, account_id, start_on, end_on, annual_value.
    renewed_by : predecessor contract id -> successor contract id (from
        :func:`kamlib.panels.customers.derive_renewals`).
    """
    inv = invoices.sort_values(["account_id", "issued_on", "invoice_id"], kind="stable").copy()
    inv["kind"] = "repeat"
    first_line = ~inv.duplicated(["account_id", "product_line"])
    inv.loc[first_line, "kind"] = "cross_sell"
    inv.loc[~inv.duplicated("account_id"), "kind"] = "new"
    value = contracts.set_index("contract_id")["annual_value"]
    up = [(succ, pred) for pred, succ in renewed_by.items()
          if succ in value.index and pred in value.index and value[succ] > value[pred]]
    if up:
        starts = contracts.set_index("contract_id").loc[[s for s, _ in up],
                                                        ["account_id", "start_on"]]
        for _cid, row in starts.iterrows():
            cand = inv[(inv.account_id == row.account_id) & (inv.issued_on >= row.start_on)
                       & (inv.kind == "repeat")]
            if len(cand):
                inv.loc[cand.index[0], "kind"] = "upsell"
    return inv[["invoice_id", "kind"]].reset_index(drop=True)
