"""Benchmark: the panels built by kamlib (contract check, then engine-side panels).

``validate_s`` times the contract check of every table (the load), ``panels_s`` the
same three panels the baselines build.

Usage: python bench/panels_kamlib.py DATA_DIR QUARTER [csv|parquet] -> one JSON line of
timings (the folder's files say which format they are).
"""

from __future__ import annotations

import json
import sys
import time

from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.panels import quarter as panels
from kamlib.periods import Quarter


def main(data: str, quarter: str) -> dict:
    t0 = time.perf_counter()
    vd = validate(open_source(data))
    t1 = time.perf_counter()
    q = Quarter(quarter, 1)
    inter = panels.interaction_panel(vd, q)
    inv = panels.invoice_panel(vd, q)
    resp = panels.response_panel(vd, q)
    t2 = time.perf_counter()
    out = {"validate_s": t1 - t0, "panels_s": t2 - t1, "total_s": t2 - t0,
           "touches": int(inter.touches.sum()), "revenue": float(inv.revenue.sum()),
           "responses": int(resp.responses.sum()), "accounts": int(len(inter))}
    vd.close()
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))  # a third argument (format) is implied
