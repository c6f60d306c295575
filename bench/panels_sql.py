"""Near-limit reference: the same panels in hand-written DuckDB SQL, one query per panel.

Timed twice in one process: straight from the CSV files (``total_s``), and from
in-memory tables loaded first (``load_s`` for the load, ``panels_s`` for the queries).

Usage: python bench/panels_sql.py DATA_DIR QUARTER [csv|parquet] -> one JSON line of timings.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb

from kamlib.periods import Quarter

INTERACTIONS = """
WITH t AS (
  SELECT account_id, direction, occurred_at FROM {interactions}
), inq AS (
  SELECT * FROM t WHERE occurred_at >= TIMESTAMP '{s}' AND occurred_at < TIMESTAMP '{e}'
), days AS (
  SELECT DISTINCT account_id, occurred_at::DATE AS d FROM inq
), lags AS (
  SELECT account_id, d - lag(d) OVER (PARTITION BY account_id ORDER BY d) AS gap FROM days
), gaps AS (
  SELECT account_id, max(gap) AS inner_gap FROM lags GROUP BY account_id
), prev AS (
  SELECT account_id, max(occurred_at)::DATE AS prev_day FROM t
  WHERE occurred_at < TIMESTAMP '{s}' GROUP BY account_id
), counts AS (
  SELECT account_id, count(*) AS touches,
         count(*) FILTER (WHERE direction = 'inbound') AS inbound,
         count(*) FILTER (WHERE direction = 'outbound') AS outbound,
         min(occurred_at)::DATE AS first_day, max(occurred_at)::DATE AS last_day
  FROM inq GROUP BY account_id
)
SELECT c.*, g.inner_gap, p.prev_day
FROM counts c LEFT JOIN gaps g USING (account_id) LEFT JOIN prev p USING (account_id)
"""
INVOICES = """
WITH t AS (SELECT * FROM {invoices})
SELECT account_id, sum(amount) AS revenue,
       sum(amount) FILTER (WHERE kind = 'upsell') AS rev_upsell,
       sum(amount) FILTER (WHERE kind = 'cross_sell') AS rev_cross_sell,
       bool_or(account_id IN (SELECT account_id FROM t WHERE issued_on < DATE '{s}'))
         AS billed_before
FROM t WHERE issued_on >= DATE '{s}' AND issued_on < DATE '{e}' GROUP BY account_id
"""
RESPONSES = """
SELECT account_id, count(*) AS responses, count(*) FILTER (WHERE score >= 9) AS promoters,
       count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE score <= 6) AS detractors, avg(score) AS mean_score
FROM {nps_responses}
WHERE responded_on >= DATE '{s}' AND responded_on < DATE '{e}' GROUP BY account_id
"""

SOURCES = {
    "interactions": """read_csv('{d}/interactions.csv', header = true,
        columns = {{'interaction_id': 'VARCHAR', 'account_id': 'VARCHAR',
                   'kam_id': 'VARCHAR', 'occurred_at': 'TIMESTAMP',
                   'direction': 'VARCHAR', 'channel': 'VARCHAR',
                   'is_request': 'BOOLEAN', 'resolved_at': 'TIMESTAMP'}})""",
    "invoices": "read_csv('{d}/invoices.csv', header = true)",
    "nps_responses": "read_csv('{d}/nps_responses.csv', header = true)",
}


def panels(con, args: dict, tables: dict) -> tuple:
    names = {**args, **tables}
    inter = con.execute(INTERACTIONS.format(**names)).df()
    inv = con.execute(INVOICES.format(**names)).df()
    resp = con.execute(RESPONSES.format(**names)).df()
    return inter, inv, resp


def main(data: str, quarter: str, fmt: str = "csv") -> dict:
    q = Quarter(quarter, 1)
    args = {"d": data, "s": q.start.isoformat(), "e": q.next().start.isoformat()}
    con = duckdb.connect()
    from_csv = {k: v.format(d=data) for k, v in SOURCES.items()} if fmt == "csv" else \
        {k: f"read_parquet('{data}/{k}.parquet')" for k in SOURCES}
    t0 = time.perf_counter()
    inter, inv, resp = panels(con, args, from_csv)
    t1 = time.perf_counter()
    for name, src in from_csv.items():
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {src}")
    t2 = time.perf_counter()
    again = panels(con, args, {k: k for k in SOURCES})
    t3 = time.perf_counter()
    assert int(again[0].touches.sum()) == int(inter.touches.sum())
    return {"total_s": t1 - t0, "load_s": t2 - t1, "panels_s": t3 - t2,
            "touches": int(inter.touches.sum()),
            "revenue": float(inv.revenue.sum()), "responses": int(resp.responses.sum()),
            "accounts": int(len(inter))}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
