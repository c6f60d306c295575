"""``make bench``: the speed goals of kamlib, measured against baselines in one run.

It prints ONE goals table (goal | measured | baseline measured in the same run | ratio
| goal met?) and writes it to ``bench/results.md`` (with the details below it) and
everything, every run included, to ``bench/results.json``, with the machine's
description (CPUs, memory, platform, Python, and the load average before and after:
whether anything else was running). Every figure is the median of ``BENCH_RUNS`` runs
(default 3), each in its own process so that its wall time and peak memory are its own.

The rows:

1. the sample pack (``kam report --data data/sample``) without and with the account
   pages, against the kernel-and-export floor (``bench/floor.py``: as many trivial
   notebooks through the same runner and HTML export);
2. the bundle build of the sample (``bench/profile_build.py``) against DuckDB reading
   the sample's tables (``bench/duckdb_read.py``);
3. ``kam kpis`` on the largest size (10 M interactions by default) with a warm check
   cache, against the plain DuckDB read of the same tables, and its peak memory;
4. the cold check (``kam validate`` on files never seen) against the same read;
5. the whole pack at 20,000 accounts (1,350 KAMs): wall, peak memory of the process
   tree (sampled with psutil every 0.5 s) and of its largest process (GNU time), and
   what one scorecard page and one account page cost (``kam report --timings``);
6. growth from the first size to the second: time ratio over event ratio per stage
   (1.00 = linear) and the peak memory ratio;
7. ``kam kpis`` from PostgreSQL (``kam load-db`` into a throwaway cluster started with
   ``.ci/pg-cluster``) against the embedded engine;
8. Spark: ``bench/spark_kpis.py``'s ``measure(folder, quarter)`` on the first size,
   when that file exists and pyspark imports, against the embedded ``kam kpis``.

Besides the goals it keeps the earlier measurements: the three panels built by
kamlib, hand-written DuckDB SQL and pandas (``panels_*.py``) from CSV and Parquet,
cross-checked; customer spells, renewals and status from 120 000 contracts
(``customers_scale.py``).

Knobs (environment): ``BENCH_SIZES`` (accounts per size, default ``2000,20000``:
about 1 M and 10 M interactions), ``BENCH_RUNS`` (default 3), ``BENCH_PACK20K=0``
skips the 20,000-account pack (``BENCH_PACK20K_LIMIT``: seconds a run of it may take,
default 1,800: three times the goal; a run past it is killed and the row says so), ``BENCH_PG=0`` skips PostgreSQL, ``BENCH_SPARK=0``
skips Spark, ``BENCH_SAMPLE=0`` skips rows 1 and 2, ``BENCH_PANELS=0`` skips the three-way
panels and the customers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
SAMPLE = ROOT / "data" / "sample"
QUARTER = "2026Q3"
GNU_TIME = Path("/usr/bin/time")
PY = sys.executable
KAM = [PY, "-m", "kamlib"]

#: the goals (seconds, MB, ratios)
GOALS = {"pack_no_accounts_s": 15, "pack_s": 20, "build_s": 3, "kpis_s": 10,
         "kpis_over_read": 4, "kpis_peak_mb": 1024, "cold_over_read": 2.5,
         "pack20k_s": 600, "pack20k_peak_mb": 4096, "growth": 1.0, "pg_over_embedded": 3}


# --------------------------------------------------------------------------- measuring
def _env(**extra: str) -> dict:
    """This environment with the checkout first on the path (the kernels and the
    helper scripts import this kamlib) and ``extra``."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, **extra}


def _tree_rss(pid: int) -> int:
    """The resident memory of process ``pid`` and all its descendants, in bytes."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _last_json(text: str) -> dict:
    lines = text.strip().splitlines()
    try:
        out = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return {}
    return out if isinstance(out, dict) else {}


class TooLong(RuntimeError):
    """A measured command ran past its time limit (it was killed)."""


def measure(cmd: list[str], env: dict | None = None, tree: bool = False,
            limit: float | None = None) -> dict:
    """One run of ``cmd``: wall time, the peak RSS of its largest process (GNU time
    ``-v``) and, with ``tree``, the peak total RSS of its process tree (psutil, sampled
    every 0.5 s; absent when psutil is not installed); the JSON of its last output line
    is merged in. Past ``limit`` seconds the whole process group is killed and
    :class:`TooLong` raised."""
    sampler, peak = None, [0]
    with tempfile.NamedTemporaryFile("r", prefix="kam-bench-time-") as tf:
        full = [str(GNU_TIME), "-v", "-o", tf.name, *cmd] if GNU_TIME.exists() else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env or _env(), start_new_session=True)
        if tree and importlib.util.find_spec("psutil"):
            def sample() -> None:
                while proc.poll() is None:
                    peak[0] = max(peak[0], _tree_rss(proc.pid))
                    time.sleep(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TooLong(f"{' '.join(cmd)} ran past {limit:.0f} s; killed "
                          f"(peak tree RSS {peak[0] / 2**20:.0f} MB)") from None
        wall = time.perf_counter() - t0
        if sampler is not None:
            sampler.join()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
        gnu = tf.read() if GNU_TIME.exists() else ""
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", gnu)
    row = {"wall_s": wall, **_last_json(out)}
    if m:
        row["peak_mb"] = int(m.group(1)) / 1024
    if sampler is not None:
        row["tree_peak_mb"] = peak[0] / 2**20
    return row


def _numbers(d: dict, prefix: str = "") -> dict[str, float]:
    """The numbers of a (nested) dict, flattened to ``a.b`` keys."""
    out = {}
    for k, v in d.items():
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            out[prefix + k] = v
        elif isinstance(v, dict):
            out.update(_numbers(v, f"{prefix}{k}."))
    return out


def repeat(label: str, once: Callable[[], dict], runs: int) -> dict:
    """``once()`` ``runs`` times: every run and the median of each number."""
    rs = []
    for i in range(runs):
        r = once()
        rs.append(r)
        main_figure = r.get("wall_s", r.get("total_s", 0.0))
        extra = f"  {r['peak_mb']:7.0f} MB" if "peak_mb" in r else ""
        print(f"  {label:<44} run {i + 1}/{runs}: {main_figure:8.2f} s{extra}", flush=True)
    flat = [_numbers(r) for r in rs]
    keys = [k for k in flat[0] if all(k in f for f in flat)]
    return {"median": {k: statistics.median(f[k] for f in flat) for k in keys}, "runs": rs}


def med(entry: dict | None, key: str) -> float | None:
    """The median of ``key`` in a :func:`repeat` entry (None when not measured)."""
    if not entry:
        return None
    return entry.get("median", {}).get(key)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "memory_gb": round(mem, 1), "platform": platform.platform(),
            "python": platform.python_version(), "load_before": load(),
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


# --------------------------------------------------------------------------- data
def synth(accounts: int) -> Path:
    """``bench/data/accounts_<n>`` (``kam synth``, seed 8), generated when missing."""
    folder = DATA / f"accounts_{accounts}"
    if not (folder / "truth.json").exists():
        print(f"generating {accounts} accounts ...", flush=True)
        subprocess.run([*KAM, "synth", "--accounts", str(accounts), "--out", str(folder)],
                       check=True, capture_output=True, env=_env())
    return folder


def warm_cache(folder: Path | str) -> dict:
    """The environment of runs with a warm check cache: the bench's own cache, filled
    by one untimed ``kam validate`` of ``folder``."""
    env = _env(KAM_CHECK_CACHE=str(DATA / "checks"))
    subprocess.run([*KAM, "validate", "--data", str(folder)], check=True, capture_output=True,
                   env=env)
    return env


def cold_check(folder: Path) -> dict:
    """``kam validate`` against an empty check cache of its own (files never seen)."""
    with tempfile.TemporaryDirectory(prefix="kam-bench-cold-") as cache:
        return measure([*KAM, "validate", "--data", str(folder)], _env(KAM_CHECK_CACHE=cache))


def duckdb_read(folder: Path | str) -> dict:
    return measure([PY, str(HERE / "duckdb_read.py"), str(folder)])


# --------------------------------------------------------------------------- sections
def _report(data: Path | str, env: dict, *options: str, tree: bool = False,
            limit: float | None = None) -> dict:
    """One ``kam report`` into a fresh folder with ``--timings``: the measurement, the
    run's own stage timings (without the marks) and the page counts."""
    with tempfile.TemporaryDirectory(prefix="kam-bench-report-") as tmp:
        times = Path(tmp) / "timings.json"
        row = measure([*KAM, "report", "--data", str(data), "--quarter", QUARTER, "--out",
                       str(Path(tmp) / "out"), "--timings", str(times), *options], env,
                      tree=tree, limit=limit)
        t = json.loads(times.read_text())
        t.pop("events", None)
        row["timings"] = t
        final = Path(tmp) / "out" / QUARTER
        row["html_pages"] = sum(1 for _ in final.rglob("*.html"))
        row["html_mb"] = sum(p.stat().st_size for p in final.rglob("*.html")) / 1e6
    return row


def sample_pack(runs: int) -> dict:
    """Row 1: the sample pack without and with account pages, and the floor (first:
    it fails fast if the kernels cannot run)."""
    env = warm_cache(SAMPLE)
    print("sample pack (kam report --data data/sample) ...", flush=True)
    measure([PY, str(HERE / "floor.py"), "1"])  # the floor's machinery works, untimed
    out = {"no_account_pages": repeat("without account pages",
                                      lambda: _report(SAMPLE, env, "--no-account-pages"), runs),
           "with_account_pages": repeat("with account pages", lambda: _report(SAMPLE, env),
                                        runs)}
    n = int(med(out["no_account_pages"], "timings.counts.notebooks"))
    out["notebooks"] = n
    out["floor"] = repeat(f"floor: {n} trivial notebooks",
                          lambda: measure([PY, str(HERE / "floor.py"), str(n)]), runs)
    return out


def bundle(runs: int) -> dict:
    """Row 2: the bundle build of the sample and DuckDB reading its tables."""
    print("bundle build of the sample ...", flush=True)
    return {"build": repeat("bundle build (profile_build.py)",
                            lambda: measure([PY, str(HERE / "profile_build.py"), str(SAMPLE),
                                             "--json"], warm_cache(SAMPLE)), runs),
            "duckdb_read": repeat("DuckDB reads the sample", lambda: duckdb_read(SAMPLE), runs)}


def one_size(accounts: int, runs: int, panels: bool) -> dict:
    """Rows 3, 4, 6: one size's read, cold check, warm ``kam kpis`` (and the panels)."""
    folder = synth(accounts)
    with open(folder / "interactions.csv", "rb") as fh:
        events = sum(1 for _ in fh) - 1
    from kamlib.data.contract import TABLES

    raw_mb = sum(p.stat().st_size for p in folder.glob("*.csv") if p.stem in TABLES) / 1e6
    print(f"{accounts} accounts, {events:,} interactions, {raw_mb:,.0f} MB of CSV", flush=True)
    row = {"accounts": accounts, "interactions": events, "raw_mb": raw_mb, "folder": str(folder)}
    row["duckdb_read"] = repeat("plain DuckDB read", lambda: duckdb_read(folder), runs)
    row["cold_check"] = repeat("cold check (kam validate)", lambda: cold_check(folder), runs)
    env = warm_cache(folder)
    out_csv = DATA / f"kpis_{accounts}.csv"  # not in the folder: its size is the CSV's
    row["kpis_warm"] = repeat("kam kpis, warm check cache", lambda: measure(
        [*KAM, "kpis", "--quarter", QUARTER, "--data", str(folder), "--out", str(out_csv)],
        env), runs)
    if panels:
        row.update(three_ways(folder, "csv", runs))
        pq = to_parquet(folder)
        print(f"  the same tables as Parquet ({pq_size(pq):,.0f} MB):", flush=True)
        row["parquet"] = three_ways(pq, "parquet", runs)
    return row


def pack20k(runs: int, sizes: dict) -> dict:
    """Row 5: the whole pack at 20,000 accounts."""
    folder = Path(sizes["20000"]["folder"]) if "20000" in sizes else synth(20000)
    with open(folder / "account_managers.csv", "rb") as fh:
        kams = sum(1 for _ in fh) - 1
    env = warm_cache(folder)
    limit = float(os.environ.get("BENCH_PACK20K_LIMIT", 3 * GOALS["pack20k_s"]))
    print(f"the whole pack at 20,000 accounts ({kams:,} account managers; at most "
          f"{limit:.0f} s a run) ...", flush=True)
    try:
        return {"kams": kams, **repeat("kam report, 20,000 accounts",
                                       lambda: _report(folder, env, tree=True, limit=limit),
                                       runs)}
    except TooLong as exc:
        print(f"  {exc}", flush=True)
        return {"kams": kams, "skipped": f"did not finish: ran past {limit:.0f} s (killed)",
                "error": str(exc)}


@contextlib.contextmanager
def pg_cluster():
    """The URL of a throwaway PostgreSQL cluster (``.ci/pg-cluster``), or None and why."""
    folder = tempfile.mkdtemp(prefix="kam-bench-pg-")  # under /tmp: the server user reaches it
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = ROOT / ".ci" / "pg-cluster"
    r = subprocess.run(["bash", str(script), "start", folder, str(port)], capture_output=True,
                       text=True, timeout=180)
    if r.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        yield None, f"no PostgreSQL server could be started ({last[0]})"
        return
    try:
        yield r.stdout.strip().splitlines()[-1], ""
    finally:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=180)
        shutil.rmtree(folder, ignore_errors=True)


def postgres(runs: int, row: dict) -> dict:
    """Row 7: ``kam kpis`` from PostgreSQL on the size of ``row``."""
    with pg_cluster() as (url, why):
        if url is None:
            return {"skipped": why}
        url = f"{url}?schema=bench"
        print(f"PostgreSQL: kam load-db of {row['interactions']:,} interactions ...", flush=True)
        loaded = measure([*KAM, "load-db", "--url", url, "--data", row["folder"], "--replace"])
        print(f"  loaded in {loaded['wall_s']:.1f} s", flush=True)
        out_csv = DATA / f"kpis_{row['accounts']}_pg.csv"
        kpis = repeat("kam kpis from PostgreSQL", lambda: measure(
            [*KAM, "kpis", "--quarter", QUARTER, "--data", url, "--out", str(out_csv)]), runs)
        embedded = DATA / f"kpis_{row['accounts']}.csv"
        same = embedded.exists() and embedded.read_bytes() == out_csv.read_bytes()
        return {"load": loaded, "kpis": kpis, "same_csv_as_embedded": same}


def spark(folder: Path) -> dict:
    """Row 8: ``bench/spark_kpis.py`` when it exists and pyspark imports."""
    script = HERE / "spark_kpis.py"
    if not script.exists():
        return {"skipped": "not measured: bench/spark_kpis.py missing"}
    if importlib.util.find_spec("pyspark") is None:
        return {"skipped": "not measured: pyspark missing"}
    spec = importlib.util.spec_from_file_location("spark_kpis", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    print("Spark KPIs (bench/spark_kpis.py) ...", flush=True)
    return mod.measure(folder, QUARTER)


# --------------------------------------------------------------------------- kept: panels
def three_ways(folder: Path, fmt: str, runs: int) -> dict:
    """kamlib, hand SQL and pandas building the same three panels on one folder,
    cross-checked, with their ratios (medians of ``runs``).

    kamlib runs twice against an empty check cache of its own: first on files it has
    never seen ("kamlib", the cold run), then again on the same files ("kamlib_warm":
    the check of clean tables is reused)."""
    scripts = (("kamlib", "panels_kamlib.py"), ("kamlib_warm", "panels_kamlib.py"),
               ("sql", "panels_sql.py"), ("pandas", "panels_pandas.py"))
    row = {name: {"runs": []} for name, _ in scripts}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kam-bench-checks-") as cache:
            env = _env(KAM_CHECK_CACHE=cache)
            for name, script in scripts:
                row[name]["runs"].append(measure([PY, str(HERE / script), str(folder), QUARTER,
                                                  fmt], env))
    for name, entry in row.items():
        flat = [_numbers(r) for r in entry["runs"]]
        entry["median"] = {k: statistics.median(f[k] for f in flat) for k in flat[0]}
        print(f"  {fmt} panels, {name:11s} {entry['median']['total_s']:7.2f} s  "
              f"{entry['median'].get('peak_mb', 0):7.0f} MB", flush=True)
    for key in ("touches", "responses"):
        vals = {row[k]["median"][key] for k in ("kamlib", "sql", "pandas")}
        assert len(vals) == 1, f"{key} differs between implementations: {vals}"
    rev = [row[k]["median"]["revenue"] for k in ("kamlib", "sql", "pandas")]
    assert max(rev) - min(rev) < 1e-6 * max(abs(x) for x in rev), rev
    k, w, q, p = (row[n]["median"] for n in ("kamlib", "kamlib_warm", "sql", "pandas"))
    row["ratios"] = {
        "end_to_end": {"kamlib_over_sql": k["total_s"] / q["total_s"],
                       "pandas_over_kamlib": p["total_s"] / k["total_s"]},
        "end_to_end_warm": {"kamlib_over_sql": w["total_s"] / q["total_s"],
                            "pandas_over_kamlib": p["total_s"] / w["total_s"]},
        "panels": {"kamlib_over_sql": k["panels_s"] / q["panels_s"],
                   "pandas_over_kamlib": p["panels_s"] / k["panels_s"]},
    }
    return row


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


# --------------------------------------------------------------------------- the table
def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _row(goal: str, measured: str, baseline: str = "", ratio: float | None = None,
         met: bool | None = None, note: str = "") -> dict:
    return {"goal": goal, "measured": measured, "baseline": baseline,
            "ratio": "" if ratio is None else f"{ratio:.2f}",
            "met": "" if met is None else ("yes" if met else "NO"), "note": note}


def _s(x: float | None) -> str:
    return "not measured" if x is None else f"{x:.1f} s"


def _mb(x: float | None) -> str:
    return "not measured" if x is None else (f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB")


def _millions(n: int) -> str:
    return f"{n / 1e6:.1f} M"


def goals(r: dict) -> list[dict]:
    """The rows of the goals table from a results dict (see :func:`main`): each with
    the goal, what was measured, the baseline measured in the same run, their ratio
    and whether the goal is met (blank where there is no goal)."""
    rows = []
    g = GOALS
    sp = r.get("sample_pack")
    if sp:
        floor = med(sp["floor"], "wall_s")
        base = f"floor {_s(floor)} ({sp['notebooks']} trivial notebooks)"
        for key, goal, limit in (("no_account_pages", "sample pack without account pages",
                                  g["pack_no_accounts_s"]),
                                 ("with_account_pages", "sample pack with account pages",
                                  g["pack_s"])):
            wall = med(sp[key], "wall_s")
            rows.append(_row(f"1. {goal} ≤ {limit} s", _s(wall), base, _ratio(wall, floor),
                             wall is not None and wall <= limit, "ratio: pack / floor"))
    bd = r.get("bundle")
    if bd:
        build, read = med(bd["build"], "build_s"), med(bd["duckdb_read"], "read_s")
        rows.append(_row(f"2. bundle build on the sample ≤ {g['build_s']} s", _s(build),
                         f"DuckDB reads the sample {read:.2f} s", _ratio(build, read),
                         build <= g["build_s"], "both timed inside their process"))
    sizes = list(r.get("sizes", {}).values())
    if sizes:
        big = sizes[-1]
        n = _millions(big["interactions"])
        kp, read = med(big["kpis_warm"], "wall_s"), med(big["duckdb_read"], "wall_s")
        peak = med(big["kpis_warm"], "peak_mb")
        base = f"DuckDB read {_s(read)}"
        rows.append(_row(f"3. kam kpis at {n} interactions, warm check ≤ {g['kpis_s']} s",
                         _s(kp), base, _ratio(kp, read), kp <= g["kpis_s"]))
        rows.append(_row(f"3. kam kpis at {n} ≤ {g['kpis_over_read']:g}× the DuckDB read",
                         _s(kp), base, _ratio(kp, read),
                         _ratio(kp, read) <= g["kpis_over_read"], "whole commands' wall"))
        rows.append(_row(f"3. kam kpis at {n}: peak RSS ≤ 1 GB", _mb(peak), "", None,
                         peak is not None and peak <= g["kpis_peak_mb"]))
        cold = med(big["cold_check"], "wall_s")
        rows.append(_row(f"4. cold check at {n} ≤ {g['cold_over_read']:g}× the DuckDB read",
                         _s(cold), base, _ratio(cold, read),
                         _ratio(cold, read) <= g["cold_over_read"],
                         "kam validate, empty check cache"))
    p20 = r.get("pack20k")
    if p20 and "skipped" not in p20:
        wall, tree = med(p20, "wall_s"), med(p20, "tree_peak_mb")
        largest = med(p20, "peak_mb")
        rows.append(_row(f"5. whole pack, 20,000 accounts, {p20['kams']:,} KAMs ≤ 10 min",
                         f"{_s(wall)} ({wall / 60:.1f} min)", "", None,
                         wall <= g["pack20k_s"]))
        shown = tree if tree is not None else largest
        rows.append(_row("5. whole pack, 20,000 accounts: peak memory ≤ 4 GB",
                         f"{_mb(shown)} (process tree)" if tree is not None else _mb(shown),
                         f"largest process {_mb(largest)}", None, shown <= g["pack20k_peak_mb"],
                         "tree sampled every 0.5 s; GNU time counts the largest process"))
        sc = med(p20, "timings.per_page.scorecard_s")
        ac = med(p20, "timings.per_page.account_page_s")
        rows.append(_row("5. cost of one scorecard page (notebook + HTML)",
                         "not measured" if sc is None else f"{sc:.2f} s", "", None, None,
                         f"{int(med(p20, 'timings.counts.scorecards') or 0):,} scorecards"))
        rows.append(_row("5. cost of one account page",
                         "not measured" if ac is None else f"{ac * 1000:.1f} ms", "", None,
                         None, f"{int(med(p20, 'timings.counts.account_pages') or 0):,} pages"))
    elif p20:
        rows.append(_row("5. whole pack, 20,000 accounts ≤ 10 min and ≤ 4 GB",
                         p20["skipped"]))
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[1]
        scale = b["interactions"] / a["interactions"]
        span = f"{_millions(a['interactions'])} → {_millions(b['interactions'])}"
        for stage, key, figure in (("DuckDB read", "duckdb_read", "wall_s"),
                                   ("cold check", "cold_check", "wall_s"),
                                   ("kam kpis", "kpis_warm", "wall_s"),
                                   ("kamlib panels", "kamlib", "median.panels_s"),
                                   ("hand SQL panels", "sql", "median.panels_s")):
            if key not in a or key not in b:
                continue
            ta, tb = (_get(x[key], figure) for x in (a, b))
            growth = _ratio(tb, ta) / scale
            rows.append(_row(f"6. growth {span}: {stage} time / events ≤ 1.0",
                             f"{growth:.2f}", f"{_s(ta)} → {_s(tb)}", growth,
                             growth <= g["growth"], f"events ×{scale:.1f}"))
        pa, pb = med(a["kpis_warm"], "peak_mb"), med(b["kpis_warm"], "peak_mb")
        rows.append(_row(f"6. growth {span}: kam kpis peak memory ratio",
                         f"{_ratio(pb, pa):.2f}", f"{_mb(pa)} → {_mb(pb)}", _ratio(pb, pa), None,
                         f"events ×{scale:.1f}"))
    pg = r.get("postgres")
    if pg and "skipped" not in pg and sizes:
        emb, pgs = med(sizes[-1]["kpis_warm"], "wall_s"), med(pg["kpis"], "wall_s")
        ratio = _ratio(pgs, emb)
        rows.append(_row(f"7. kam kpis at {_millions(sizes[-1]['interactions'])} from "
                         f"PostgreSQL ≤ {g['pg_over_embedded']}× embedded", _s(pgs),
                         f"embedded {_s(emb)}", ratio, ratio <= g["pg_over_embedded"],
                         f"load-db {_s(pg['load']['wall_s'])}; same kpis.csv: "
                         f"{'yes' if pg.get('same_csv_as_embedded') else 'no'}"))
    elif pg:
        rows.append(_row("7. kam kpis from PostgreSQL ≤ 3× embedded", pg["skipped"]))
    sprk = r.get("spark")
    if sprk and "skipped" not in sprk and sizes:
        emb = med(sizes[0]["kpis_warm"], "wall_s")
        rows.append(_row(f"8. Spark KPIs at {_millions(sizes[0]['interactions'])} (no goal)",
                         f"{_s(sprk['kpis_s'])} (load {_s(sprk['load_s'])})",
                         f"embedded kam kpis {_s(emb)}", _ratio(sprk["kpis_s"], emb), None,
                         "ratio: Spark KPIs / embedded"))
    elif sprk:
        rows.append(_row("8. Spark KPIs (no goal)", sprk["skipped"]))
    return rows


def _get(entry: dict, path: str) -> float | None:
    """``median.x`` style lookups in a three-way entry, or a :func:`repeat` median."""
    if path.startswith("median."):
        return entry.get("median", {}).get(path.removeprefix("median."))
    return med(entry, path)


def goals_table(r: dict) -> str:
    lines = ["| goal | measured | baseline (same run) | ratio | goal met? | note |",
             "|---|---|---|---:|---|---|"]
    for row in goals(r):
        lines.append(f"| {row['goal']} | {row['measured']} | {row['baseline']} | "
                     f"{row['ratio']} | {row['met']} | {row['note']} |")
    return "\n".join(lines) + "\n"


def machine_line(r: dict) -> str:
    m = r["machine"]
    return (f"Machine: {m['cpus']} CPUs, {m['memory_gb']} GB, {m['platform']}, Python "
            f"{m['python']}; load average (1, 5, 15 min) {m['load_before']} before and "
            f"{m.get('load_after', '?')} after (above {m['cpus']}: other work shared the "
            f"machine). Started {m.get('started', '?')}; medians of {r.get('runs', '?')} runs; "
            f"quarter {r['quarter']}.")


def markdown(r: dict) -> str:
    """``bench/results.md``: the machine, the goals table, then the details."""
    parts = ["# kamlib benchmark", "", machine_line(r), "", goals_table(r)]
    details = _details(r)
    if details:
        parts += ["## Details", "", details]
    return "\n".join(parts)


def _details(r: dict) -> str:
    lines = []
    sizes = [s for s in r.get("sizes", {}).values() if "kamlib" in s]
    if sizes:
        lines += ["Panels three ways (seconds inside each process, medians):", "",
                  "| interactions (CSV MB) | stage | kamlib | hand SQL | pandas | kamlib / SQL "
                  "| pandas / kamlib |", "|---|---|---|---|---|---|---|"]
    for row in sizes:
        for fmt, q in (("CSV", row), ("Parquet", row.get("parquet"))):
            if not q:
                continue
            k, w, s, p = (q[n]["median"] for n in ("kamlib", "kamlib_warm", "sql", "pandas"))
            e, pa, ew = (q["ratios"][n] for n in ("end_to_end", "panels", "end_to_end_warm"))
            size = f"{row['interactions']:,} ({row['raw_mb']:,.0f}), {fmt}"
            lines += [
                f"| {size} | read (kamlib: contract check) | {k['validate_s']:.2f} | "
                f"{s['load_s']:.2f} | {p['load_s']:.2f} | | |",
                f"| | panels from what was read | {k['panels_s']:.2f} | {s['panels_s']:.2f} | "
                f"{p['panels_s']:.2f} | {pa['kamlib_over_sql']:.2f} | "
                f"{pa['pandas_over_kamlib']:.2f} |",
                f"| | end to end | {k['total_s']:.2f} | {s['total_s']:.2f} | "
                f"{p['total_s']:.2f} | {e['kamlib_over_sql']:.2f} | "
                f"{e['pandas_over_kamlib']:.2f} |",
                f"| | end to end, same files again (check reused) | {w['total_s']:.2f} | "
                f"{s['total_s']:.2f} | {p['total_s']:.2f} | {ew['kamlib_over_sql']:.2f} | "
                f"{ew['pandas_over_kamlib']:.2f} |",
                f"| | peak memory MB | {k.get('peak_mb', 0):.0f} | {s.get('peak_mb', 0):.0f} | "
                f"{p.get('peak_mb', 0):.0f} | | |"]
    p20 = r.get("pack20k")
    if p20 and "skipped" not in p20:
        lines += ["", "Whole pack at 20,000 accounts, stages (medians, seconds):", ""]
        stages = {k.removeprefix("timings.stages."): v for k, v in p20["median"].items()
                  if k.startswith("timings.stages.")}
        lines.append(", ".join(f"{k} {v:.1f}" for k, v in stages.items()) + ".")
    c = r.get("customers")
    if c:
        m = c["median"]
        lines += ["", f"Customer spells, renewals and status from {int(m['contracts']):,} "
                  f"contracts: {m['spells_s']:.2f} + {m['renewals_s']:.2f} + "
                  f"{m['status_s']:.2f} = {m['total_s']:.2f} s (medians)."]
    return "\n".join(lines) + ("\n" if lines else "")


# --------------------------------------------------------------------------- main
def main() -> None:
    runs = max(1, int(os.environ.get("BENCH_RUNS", "3")))
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",") if s]
    on = {k: os.environ.get(f"BENCH_{k}", "1") != "0"
          for k in ("SAMPLE", "PANELS", "PACK20K", "PG", "SPARK")}
    DATA.mkdir(exist_ok=True)
    r: dict = {"machine": machine(), "quarter": QUARTER, "runs": runs, "sizes": {}}
    print(machine_line(r), flush=True)

    def keep() -> None:  # what was measured so far survives a later failure
        (HERE / "results.json").write_text(json.dumps(r, indent=1) + "\n")

    if on["SAMPLE"]:
        r["sample_pack"] = sample_pack(runs)
        keep()
        r["bundle"] = bundle(runs)
        keep()
    for n in sizes:
        r["sizes"][str(n)] = one_size(n, runs, on["PANELS"])
        keep()
    if on["PANELS"]:
        print("customer spells, renewals and status from 120 000 contracts ...", flush=True)
        r["customers"] = repeat("customers_scale.py",
                                lambda: measure([PY, str(HERE / "customers_scale.py"),
                                                 "120000"]), runs)
    r["pack20k"] = pack20k(runs, r["sizes"]) if on["PACK20K"] else {
        "skipped": "not measured: BENCH_PACK20K=0"}
    keep()
    if sizes:
        big = r["sizes"][str(sizes[-1])]
        r["postgres"] = postgres(runs, big) if on["PG"] else {
            "skipped": "not measured: BENCH_PG=0"}
        r["spark"] = spark(Path(r["sizes"][str(sizes[0])]["folder"])) if on["SPARK"] else {
            "skipped": "not measured: BENCH_SPARK=0"}
    r["machine"]["load_after"] = load()
    (HERE / "results.json").write_text(json.dumps(r, indent=1) + "\n")
    text = markdown(r)
    (HERE / "results.md").write_text(text)
    print()
    print(machine_line(r))
    print()
    print(goals_table(r))
    print(f"written to {HERE / 'results.md'} and {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
