"""``make bench``: panels and KPIs at 1 M and 10 M interactions, three ways.

For each size (``kam synth --accounts 2000`` and ``--accounts 20000``) it runs, each
in its own process so that peak memory is measured per run:

* kamlib: the contract check of every table, then three panels (interactions,
  invoices, NPS answers per account) on the embedded DuckDB engine; once on files
  it has never seen, and once more on the same files (the check of clean tables
  is then reused);
* ``kam kpis``: the whole KPI table (all families, the churn model, CLV);
* the pandas baseline (``bench/panels_pandas.py``), as an analyst would write it;
* hand-written DuckDB SQL, one query per panel (``bench/panels_sql.py``).

Each implementation times its own two stages: reading the CSV export (kamlib: the
contract check; SQL: a typed load; pandas: ``read_csv``) and building the panels
from what was read. The ratios kamlib / hand SQL and pandas / kamlib are given
end to end (from the CSV files, SQL querying them directly) and for the panels
alone. Timings are taken inside each process, so interpreter start-up and imports
(constant, about a second) are left out; wall time and peak memory (RSS, by GNU
time) are recorded for the whole process.

After the sizes, it times customer spells, renewals and status on 120 000 random
contracts (``bench/customers_scale.py``) and ``kam report`` on the bundled sample
(data/sample).
It checks that the three panel builds agree (touches, revenue, responses), then
writes ``bench/results.json`` and ``bench/results.md``, with the growth from 1 M to
10 M events. Set ``BENCH_SIZES=2000`` for a quick run, ``BENCH_REPORT=0`` to skip
the report.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from kamlib.data.contract import TABLES

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
QUARTER = "2026Q3"


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run via /usr/bin/time-like accounting: resource usage of the finished child."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
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


def peak_of(cmd: list[str], env: dict | None = None) -> dict:
    """Wall time and this child's own peak RSS, read by GNU time when available."""
    if Path("/usr/bin/time").exists():
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True,
                           env=env)
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
    return measured(cmd, env)


def three_ways(py: str, folder: Path, fmt: str) -> dict:
    """kamlib, hand SQL and pandas on one folder, cross-checked, with their ratios.

    kamlib runs twice against an empty check cache of its own: first on files it
    has never seen ("kamlib", the cold run), then again on the same files
    ("kamlib_warm": the check of clean tables is reused, as in the second command of
    a quarterly run)."""
    import tempfile

    row = {}
    with tempfile.TemporaryDirectory(prefix="kam-bench-checks-") as cache:
        env = {**os.environ, "KAM_CHECK_CACHE": cache}
        for name, script in (("kamlib", "panels_kamlib.py"), ("kamlib_warm", "panels_kamlib.py"),
                             ("sql", "panels_sql.py"), ("pandas", "panels_pandas.py")):
            row[name] = peak_of([py, str(HERE / script), str(folder), QUARTER, fmt], env=env)
            print(f"  {name:11s} {row[name]['total_s']:7.2f} s  {row[name]['peak_mb']:7.0f} MB",
                  flush=True)
    for key in ("touches", "responses"):
        vals = {row[k][key] for k in ("kamlib", "sql", "pandas")}
        assert len(vals) == 1, f"{key} differs between implementations: {vals}"
    rev = [row[k]["revenue"] for k in ("kamlib", "sql", "pandas")]
    assert max(rev) - min(rev) < 1e-6 * max(abs(x) for x in rev), rev
    k, w, q, p = row["kamlib"], row["kamlib_warm"], row["sql"], row["pandas"]
    row["ratios"] = {
        "end_to_end": {"kamlib_over_sql": k["total_s"] / q["total_s"],
                       "pandas_over_kamlib": p["total_s"] / k["total_s"]},
        "end_to_end_warm": {"kamlib_over_sql": w["total_s"] / q["total_s"],
                            "pandas_over_kamlib": p["total_s"] / w["total_s"]},
        "panels": {"kamlib_over_sql": k["panels_s"] / q["panels_s"],
                   "pandas_over_kamlib": p["panels_s"] / k["panels_s"]},
    }
    return row


def cold_env() -> dict:
    """The environment for a run that must check its data from scratch."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="kam-bench-cold-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return {**os.environ, "KAM_CHECK_CACHE": folder}


def to_parquet(folder: Path) -> Path:
    """The same tables written as Parquet by DuckDB (types detected from the CSV)."""
    import duckdb

    out = folder.with_name(folder.name + "_parquet")
    if (out / "done").exists():
        return out
    out.mkdir(exist_ok=True)
    con = duckdb.connect()
    for f in sorted(folder.glob("*.csv")):
        if f.stem == "kpis":
            continue
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', header = true)) "
                    f"TO '{out / (f.stem + '.parquet')}' (FORMAT parquet)")
    (out / "done").touch()
    return out


def pq_size(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6


def main() -> None:
    py = sys.executable
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    results = {"machine": {"cpus": os.cpu_count(), "memory_gb": round(mem),
                           "platform": platform.platform(),
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
        raw_mb = sum(p.stat().st_size for p in folder.glob("*.csv")  # contract tables only
                     if p.stem in TABLES) / 1e6
        print(f"{n} accounts, {events:,} interactions, {raw_mb:,.0f} MB of CSV", flush=True)
        row = {"accounts": n, "interactions": events, "raw_mb": raw_mb}
        row.update(three_ways(py, folder, "csv"))
        out_csv = DATA / f"kpis_{n}.csv"  # not in the folder: its size is the CSV's
        row["kam_kpis"] = peak_of([py, "-m", "kamlib", "kpis", "--quarter", QUARTER, "--data",
                                   str(folder), "--out", str(out_csv)], env=cold_env())
        print(f"  kam kpis {row['kam_kpis']['wall_s']:6.1f} s  "
              f"{row['kam_kpis']['peak_mb']:7.0f} MB", flush=True)
        pq_folder = to_parquet(folder)
        print(f"  the same tables as Parquet ({pq_size(pq_folder):,.0f} MB):", flush=True)
        row["parquet"] = three_ways(py, pq_folder, "parquet")
        results["sizes"][str(n)] = row
    if len(sizes) >= 2:
        a, b = (results["sizes"][str(s)] for s in sizes[:2])
        scale = b["interactions"] / a["interactions"]
        results["growth"] = {
            "events": scale,
            **{f"{k}_{stage}": (b[k][stage] / a[k][stage]) / scale
               for k in ("kamlib", "sql", "pandas") for stage in ("total_s", "panels_s")},
            "kam_kpis": (b["kam_kpis"]["wall_s"] / a["kam_kpis"]["wall_s"]) / scale,
        }
    print("customer spells, renewals and status from 120 000 contracts ...", flush=True)
    results["customers"] = peak_of([py, str(HERE / "customers_scale.py"), "120000"])
    print(f"  {results['customers']['total_s']:.2f} s", flush=True)
    if os.environ.get("BENCH_REPORT", "1") != "0":
        from kamlib.config import SAMPLE_DIR

        print("kam report on the sample ...", flush=True)
        out = DATA / "report"
        results["report"] = peak_of([py, "-m", "kamlib", "report", "--data", str(SAMPLE_DIR),
                                     "--out", str(out)], env=cold_env())
        results["report"]["pages"] = len(list(out.rglob("*.html")))
        print(f"  kam report {results['report']['wall_s']:.1f} s", flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [f"Machine: {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB, {m['platform']}, "
             f"Python {m['python']}. Quarter {r['quarter']}; seconds inside each process.", "",
             "| interactions (CSV MB) | stage | kamlib | hand SQL | pandas | kamlib / SQL | "
             "pandas / kamlib |",
             "|---|---|---|---|---|---|---|"]
    for row in r["sizes"].values():
        k, s, p = row["kamlib"], row["sql"], row["pandas"]
        size = f"{row['interactions']:,} ({row['raw_mb']:,.0f})"
        e, pa = row["ratios"]["end_to_end"], row["ratios"]["panels"]
        lines.append(f"| {size} | read the CSV (kamlib: contract check) | "
                     f"{k['validate_s']:.2f} | {s['load_s']:.2f} | {p['load_s']:.2f} | | |")
        lines.append(f"| | panels from what was read | {k['panels_s']:.2f} | "
                     f"{s['panels_s']:.2f} | {p['panels_s']:.2f} | {pa['kamlib_over_sql']:.2f} | "
                     f"{pa['pandas_over_kamlib']:.2f} |")
        lines.append(f"| | end to end (SQL straight from the CSV) | {k['total_s']:.2f} | "
                     f"{s['total_s']:.2f} | {p['total_s']:.2f} | {e['kamlib_over_sql']:.2f} | "
                     f"{e['pandas_over_kamlib']:.2f} |")
        ww, ew = row["kamlib_warm"], row["ratios"]["end_to_end_warm"]
        lines.append(f"| | end to end, same files again (kamlib reuses its check) | "
                     f"{ww['total_s']:.2f} | {s['total_s']:.2f} | {p['total_s']:.2f} | "
                     f"{ew['kamlib_over_sql']:.2f} | {ew['pandas_over_kamlib']:.2f} |")
        lines.append(f"| | peak memory MB | {k['peak_mb']:.0f} | {s['peak_mb']:.0f} | "
                     f"{p['peak_mb']:.0f} | | |")
        if "parquet" in row:
            q = row["parquet"]
            k, s, p = q["kamlib"], q["sql"], q["pandas"]
            e, pa = q["ratios"]["end_to_end"], q["ratios"]["panels"]
            lines.append(f"| same, as Parquet | read (kamlib: contract check) | "
                         f"{k['validate_s']:.2f} | {s['load_s']:.2f} | {p['load_s']:.2f} | | |")
            lines.append(f"| | panels from what was read | {k['panels_s']:.2f} | "
                         f"{s['panels_s']:.2f} | {p['panels_s']:.2f} | "
                         f"{pa['kamlib_over_sql']:.2f} | {pa['pandas_over_kamlib']:.2f} |")
            lines.append(f"| | end to end (SQL straight from the files) | {k['total_s']:.2f} | "
                         f"{s['total_s']:.2f} | {p['total_s']:.2f} | "
                         f"{e['kamlib_over_sql']:.2f} | {e['pandas_over_kamlib']:.2f} |")
            ww, ew = q["kamlib_warm"], q["ratios"]["end_to_end_warm"]
            lines.append(f"| | end to end, same files again (kamlib reuses its check) | "
                         f"{ww['total_s']:.2f} | {s['total_s']:.2f} | {p['total_s']:.2f} | "
                         f"{ew['kamlib_over_sql']:.2f} | {ew['pandas_over_kamlib']:.2f} |")
            lines.append(f"| | peak memory MB | {k['peak_mb']:.0f} | {s['peak_mb']:.0f} | "
                         f"{p['peak_mb']:.0f} | | |")
    lines += ["", "| interactions | kam kpis wall s | kam kpis peak MB |", "|---|---|---|"]
    for row in r["sizes"].values():
        lines.append(f"| {row['interactions']:,} | {row['kam_kpis']['wall_s']:.1f} | "
                     f"{row['kam_kpis']['peak_mb']:.0f} |")
    if "growth" in r:
        g = r["growth"]
        lines += ["", f"Time growth for {g['events']:.1f}x the events, relative to linear "
                  "(1.00 = linear, below 1 = sub-linear): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in g.items() if k != "events") + "."]
    if "customers" in r:
        c = r["customers"]
        lines += ["", f"Customer spells, renewals and status from {c['contracts']:,} contracts "
                  f"({c['accounts']:,} accounts): {c['spells_s']:.2f} + {c['renewals_s']:.2f} + "
                  f"{c['status_s']:.2f} = {c['total_s']:.2f} s, peak {c['peak_mb']:.0f} MB."]
    if "report" in r:
        rep = r["report"]
        lines += ["", f"`kam report` on the bundled sample: {rep['wall_s']:.1f} s wall, "
                  f"{rep['pages']} HTML pages, peak {rep['peak_mb']:.0f} MB."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
