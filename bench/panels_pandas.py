"""Benchmark baseline: the same panels as an analyst would write them in pandas.

``load_s`` times the three ``read_csv`` calls, ``panels_s`` the rest.

Usage: python bench/panels_pandas.py DATA_DIR QUARTER [csv|parquet] -> one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd

from kamlib.periods import Quarter


def main(data: str, quarter: str, fmt: str = "csv") -> dict:
    q = Quarter(quarter, 1)
    qs, qe = pd.Timestamp(q.start), pd.Timestamp(q.end) + pd.Timedelta(days=1)
    t0 = time.perf_counter()
    if fmt == "csv":
        inter = pd.read_csv(f"{data}/interactions.csv",
                            usecols=["account_id", "occurred_at", "direction"],
                            parse_dates=["occurred_at"])
        inv = pd.read_csv(f"{data}/invoices.csv", parse_dates=["issued_on"])
        resp = pd.read_csv(f"{data}/nps_responses.csv", parse_dates=["responded_on"])
    else:
        inter = pd.read_parquet(f"{data}/interactions.parquet",
                                columns=["account_id", "occurred_at", "direction"])
        inv = pd.read_parquet(f"{data}/invoices.parquet")
        resp = pd.read_parquet(f"{data}/nps_responses.parquet")
        for f, col in ((inv, "issued_on"), (resp, "responded_on")):
            f[col] = pd.to_datetime(f[col])
    t_load = time.perf_counter()
    inq = inter[(inter.occurred_at >= qs) & (inter.occurred_at < qe)].copy()
    inq["inbound"] = inq.direction.eq("inbound")
    inq["outbound"] = inq.direction.eq("outbound")
    counts = inq.groupby("account_id").agg(touches=("direction", "size"),
                                           inbound=("inbound", "sum"),
                                           outbound=("outbound", "sum"),
                                           first_day=("occurred_at", "min"),
                                           last_day=("occurred_at", "max"))
    days = inq.assign(d=inq.occurred_at.dt.normalize())[["account_id", "d"]].drop_duplicates()
    days = days.sort_values(["account_id", "d"])
    days["gap"] = days.groupby("account_id").d.diff().dt.days
    counts["inner_gap"] = days.groupby("account_id").gap.max()
    counts["prev_day"] = inter[inter.occurred_at < qs].groupby("account_id").occurred_at.max() \
        .dt.normalize()
    cur = inv[(inv.issued_on >= qs) & (inv.issued_on < qe)]
    revenue = cur.pivot_table(index="account_id", columns="kind", values="amount",
                              aggfunc="sum", fill_value=0)
    revenue["revenue"] = revenue.sum(axis=1)
    revenue["billed_before"] = revenue.index.isin(inv[inv.issued_on < qs].account_id)
    r = resp[(resp.responded_on >= qs) & (resp.responded_on < qe)].copy()
    r["promoter"], r["detractor"] = r.score >= 9, r.score <= 6
    r["passive"] = ~r.promoter & ~r.detractor
    nps = r.groupby("account_id").agg(responses=("score", "size"), promoters=("promoter", "sum"),
                                      passives=("passive", "sum"),
                                      detractors=("detractor", "sum"),
                                      mean_score=("score", "mean"))
    t1 = time.perf_counter()
    return {"total_s": t1 - t0, "load_s": t_load - t0, "panels_s": t1 - t_load,
            "touches": int(counts.touches.sum()),
            "revenue": float(revenue.revenue.sum()), "responses": int(nps.responses.sum()),
            "accounts": int(len(counts))}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
