"""``make bench``: panels and KPIs at 1 M and 10 M interactions, three ways.

For each size (``kam synth --accounts 2000`` and ``--accounts 20000``) it runs, each
in its own process so that peak memory is measured per run:

* kamlib: the contract check, then the panels on the embedded DuckDB engine;
* ``kam kpis``: the whole KPI table (all families, the churn model, CLV);
* the pandas baseline (``bench/panels_pandas.py``), as an analyst would write it;
* hand-written DuckDB SQL, one query per panel (``bench/panels_sql.py``).

It checks that the three panel builds agree (touches, revenue, responses), then
writes ``bench/results.json`` and ``bench/results.md`` with the ratios kamlib /
hand SQL and pandas / kamlib and the growth from 1 M to 10 M events.
Set ``BENCH_SIZES=2000`` for a quick run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
QUARTER = "2026Q3"


def measured(cmd: list[str]) -> dict:
    """Run via /usr/bin/time-like accounting: resource usage of the finished child."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "{}"
    try:
        payload = json.loads(line)
    except json.JSONDecodeError:
        payload = {}
    return {"wall_s": wall, "peak_mb_at_least": max(before, after) / 1024, **payload}


def peak_of(cmd: list[str]) -> dict:
    """Wall time and this child's own peak RSS, read by GNU time when available."""
    if Path("/usr/bin/time").exists():
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
        peak = int(r.stderr.strip().splitlines()[-1]) / 1024
        line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "{}"
        try:
            payload = json.loads(line)
        except json.JSONDecodeError:
            payload = {}
        return {"wall_s": wall, "peak_mb": peak, **payload}
    return measured(cmd)


def main() -> None:
    py = sys.executable
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version()},
               "quarter": QUARTER, "sizes": {}}
    for n in sizes:
        folder = DATA / f"accounts_{n}"
        if not (folder / "truth.json").exists():
            print(f"generating {n} accounts ...", flush=True)
            subprocess.run([py, "-m", "kamlib", "synth", "--accounts", str(n), "--out",
                            str(folder)], check=True, capture_output=True)
        with open(folder / "interactions.csv", "rb") as fh:
            events = sum(1 for _ in fh) - 1
        raw_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
        print(f"{n} accounts, {events:,} interactions, {raw_mb:,.0f} MB of CSV", flush=True)
        row = {"accounts": n, "interactions": events, "raw_mb": raw_mb}
        for name, script in (("kamlib", "panels_kamlib.py"), ("sql", "panels_sql.py"),
                             ("pandas", "panels_pandas.py")):
            row[name] = peak_of([py, str(HERE / script), str(folder), QUARTER])
            print(f"  {name:7s} {row[name]['wall_s']:7.1f} s  {row[name]['peak_mb']:7.0f} MB",
                  flush=True)
        out_csv = folder / "kpis.csv"
        row["kam_kpis"] = peak_of([py, "-m", "kamlib", "kpis", "--quarter", QUARTER, "--data",
                                   str(folder), "--out", str(out_csv)])
        print(f"  kam kpis {row['kam_kpis']['wall_s']:6.1f} s  "
              f"{row['kam_kpis']['peak_mb']:7.0f} MB", flush=True)
        for key in ("touches", "responses"):
            vals = {row[k][key] for k in ("kamlib", "sql", "pandas")}
            assert len(vals) == 1, f"{key} differs between implementations: {vals}"
        rev = [row[k]["revenue"] for k in ("kamlib", "sql", "pandas")]
        assert max(rev) - min(rev) < 1e-6 * max(abs(x) for x in rev), rev
        row["kamlib_over_sql"] = row["kamlib"]["wall_s"] / row["sql"]["wall_s"]
        row["pandas_over_kamlib"] = row["pandas"]["wall_s"] / row["kamlib"]["wall_s"]
        results["sizes"][str(n)] = row
    if len(sizes) >= 2:
        a, b = (results["sizes"][str(s)] for s in sizes[:2])
        scale = b["interactions"] / a["interactions"]
        results["growth"] = {k: (b[k]["wall_s"] / a[k]["wall_s"]) / scale
                             for k in ("kamlib", "sql", "pandas", "kam_kpis")}
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}.", "",
             "| interactions | CSV MB | kamlib check + panels | of which panels | hand SQL | "
             "pandas | kamlib / SQL | pandas / kamlib | kam kpis | peak MB kamlib / SQL / "
             "pandas / kpis |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["sizes"].values():
        k, s, p, kp = row["kamlib"], row["sql"], row["pandas"], row["kam_kpis"]
        lines.append(
            f"| {row['interactions']:,} | {row['raw_mb']:,.0f} | {k['wall_s']:.1f} s | "
            f"{k.get('panels_s', float('nan')):.1f} s | {s['wall_s']:.1f} s | "
            f"{p['wall_s']:.1f} s | {row['kamlib_over_sql']:.2f} | "
            f"{row['pandas_over_kamlib']:.2f} | {kp['wall_s']:.1f} s | "
            f"{k['peak_mb']:.0f} / {s['peak_mb']:.0f} / {p['peak_mb']:.0f} / "
            f"{kp['peak_mb']:.0f} |")
    if "growth" in r:
        g = r["growth"]
        lines += ["", "Time growth per 10x events, relative to linear (1.0 = linear): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in g.items()) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
