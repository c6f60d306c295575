"""Benchmark: customer spells, renewals and status from 120 000 contracts (15 000 accounts).

The three functions of ``kamlib.panels.customers`` are vectorised; a per-row or
quadratic implementation would take minutes here. Their results at this size are
checked in ``tests/panels/test_customers.py``; this script only times them.

Usage: python bench/customers_scale.py [CONTRACTS] -> one JSON line of timings.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

from kamlib.panels.customers import account_status, derive_renewals, derive_spells

AS_OF = "2025-06-30"


def contracts(n: int = 120_000, seed: int = 7) -> pd.DataFrame:
    """``n`` random contracts of 30 to 800 days over ``n / 8`` accounts, 2015 to 2025."""
    rng = np.random.default_rng(seed)
    account = rng.integers(0, n // 8, n)
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(30, 800, n), unit="D")
    return pd.DataFrame({
        "contract_id": [f"c{i:06d}" for i in range(n)],
        "account_id": [f"a{a:05d}" for a in account],
        "start_on": start,
        "end_on": end,
        "annual_value": rng.uniform(1e3, 1e5, n),
    })


def main(n: int) -> dict:
    df = contracts(n)
    out = {"contracts": n, "accounts": int(df.account_id.nunique())}
    t0 = time.perf_counter()
    for name, fn in (("spells", derive_spells), ("renewals", derive_renewals),
                     ("status", account_status)):
        t = time.perf_counter()
        out[f"rows_{name}"] = len(fn(df, as_of=AS_OF))
        out[f"{name}_s"] = time.perf_counter() - t
    out["total_s"] = time.perf_counter() - t0
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 120_000)))
