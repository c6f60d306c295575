"""``kam kpis`` from a local Spark warehouse: how long loading and computing take.

:func:`measure` loads a folder of contract files into a Spark warehouse in a temporary
folder (``kam load-db --url spark+local:///…``), then times ``kam kpis`` from it three
times, each in its own process (a local Spark session starts in each, as it would for
a user), and returns the median wall time::

    python bench/spark_kpis.py /tmp/spark-2000 2026Q3
    {"load_s": 41.2, "kpis_s": 150.3, "runs": [151.0, 150.3, 149.8], ...}

Wall seconds include the process's start-up (Python imports and the Spark JVM, about
10 s). A local Spark is not expected to beat the embedded DuckDB engine on one machine:
it is here to measure what a Spark source costs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["measure"]

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
SESSION = "&spark.driver.memory=2g"


def _kam(*args: str) -> float:
    """Run ``kam *args`` in a fresh process with this checkout first; its wall seconds."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kamlib", *args], capture_output=True,
                       text=True, env=env, timeout=3600)
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"kam {args[0]} failed:\n{r.stderr[-2000:]}")
    return took


def measure(folder: Path, quarter: str, runs: int = RUNS) -> dict:
    """Load ``folder`` into a temporary local Spark warehouse, then time ``kam kpis`` for
    ``quarter`` from it ``runs`` times; ``{"load_s", "kpis_s" (the median), "runs"}``
    in wall seconds, with the rows of the KPI table."""
    with tempfile.TemporaryDirectory(prefix="kam-bench-spark-") as tmp:
        url = f"spark+local://{Path(tmp) / 'warehouse'}?schema=kam{SESSION}"
        load_s = _kam("load-db", "--data", str(folder), "--url", url)
        times, out = [], Path(tmp) / "kpis.csv"
        for _ in range(runs):
            times.append(round(_kam("kpis", "--quarter", quarter, "--data", url,
                                    "--out", str(out)), 2))
        with open(out, encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
    return {"load_s": round(load_s, 2), "kpis_s": statistics.median(times), "runs": times,
            "kpi_rows": rows, "folder": str(folder), "quarter": quarter}


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "sample"
    print(json.dumps(measure(data, sys.argv[2] if len(sys.argv) > 2 else "2026Q3"), indent=2))
