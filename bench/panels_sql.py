"""Near-limit reference: the same panels in hand-written DuckDB SQL, one query per panel,
straight from the CSV files.

Usage: python bench/panels_sql.py DATA_DIR QUARTER -> one JSON line of timings.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb

from kamlib.periods import Quarter

INTERACTIONS = """
WITH t AS (
  SELECT account_id, direction, occurred_at
  FROM read_csv('{d}/interactions.csv', header = true,
                columns = {{'interaction_id': 'VARCHAR', 'account_id': 'VARCHAR',
                           'kam_id': 'VARCHAR', 'occurred_at': 'TIMESTAMP',
                           'direction': 'VARCHAR', 'channel': 'VARCHAR',
                           'is_request': 'BOOLEAN', 'resolved_at': 'TIMESTAMP'}})
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
WITH t AS (SELECT * FROM read_csv('{d}/invoices.csv', header = true))
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
FROM read_csv('{d}/nps_responses.csv', header = true)
WHERE responded_on >= DATE '{s}' AND responded_on < DATE '{e}' GROUP BY account_id
"""


def main(data: str, quarter: str) -> dict:
    q = Quarter(quarter, 1)
    args = {"d": data, "s": q.start.isoformat(),
            "e": q.next().start.isoformat()}
    con = duckdb.connect()
    t0 = time.perf_counter()
    inter = con.execute(INTERACTIONS.format(**args)).df()
    inv = con.execute(INVOICES.format(**args)).df()
    resp = con.execute(RESPONSES.format(**args)).df()
    t1 = time.perf_counter()
    return {"total_s": t1 - t0, "touches": int(inter.touches.sum()),
            "revenue": float(inv.revenue.sum()), "responses": int(resp.responses.sum()),
            "accounts": int(len(inter))}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
