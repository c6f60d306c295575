"""The plain DuckDB read of a contract folder: every contract table read, rows counted.

The baseline of the check and of ``kam kpis``: ``read_csv_auto`` (CSV) or
``read_parquet`` of each contract table into an in-memory DuckDB table, then
``count(*)``; nothing is checked or computed.

Usage: python bench/duckdb_read.py DATA_DIR -> one JSON line
(``read_s`` inside the process, ``rows`` per table).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from kamlib.data.contract import TABLES


def main(folder: str) -> dict:
    files = sorted(p for p in Path(folder).iterdir()
                   if p.suffix in (".csv", ".parquet") and p.stem in TABLES)
    con = duckdb.connect()
    rows = {}
    t0 = time.perf_counter()
    for f in files:
        reader = "read_csv_auto" if f.suffix == ".csv" else "read_parquet"
        con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM {reader}('{f}')")
        rows[f.stem] = con.execute(f"SELECT count(*) FROM {f.stem}").fetchone()[0]
    return {"read_s": time.perf_counter() - t0, "tables": len(files), "rows": rows}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
