"""Profile the bundle build of one quarter: step times, Ibis executions, compile time.

    PYTHONPATH=. python bench/profile_build.py [data/sample] [--cprofile out.prof] [--json]

Prints the time of each step of :func:`kamlib.report.bundle.build`, how many Ibis
expressions were executed and how much of the time went to compiling them to SQL
(``to_sqlglot``) against running them, and the callers that execute the most.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import pstats
import tempfile
import time
import traceback
from pathlib import Path

from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.backends.sql.compilers.base import SQLGlotCompiler

from kamlib.config import Settings
from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.kpis.compute import resolve_quarter
from kamlib.report.bundle import build

STATS = collections.Counter()
CALLERS = collections.Counter()


def _wrap(cls, name: str):
    orig = getattr(cls, name)
    if getattr(orig, "_kam_timed", False):  # wrapped by an earlier measure()
        return

    def timed(self, *a, **k):
        t0 = time.perf_counter()
        try:
            return orig(self, *a, **k)
        finally:
            STATS[f"{name}_s"] += time.perf_counter() - t0
            STATS[f"{name}_n"] += 1
            if name == "execute":
                frames = [f for f in traceback.extract_stack(limit=12)
                          if "/kamlib/" in f.filename and "sources.py" not in f.filename]
                if frames:
                    f = frames[-1]
                    CALLERS[f"{Path(f.filename).name}:{f.name}"] += 1
    timed._kam_timed = True
    setattr(cls, name, timed)


def measure(data: str = "data/sample", prof: cProfile.Profile | None = None) -> dict:
    """Build the bundle of ``data``'s default quarter into a temporary folder; returns
    the wall and CPU time of the build (``build_s``, ``cpu_s``, this process, all
    threads), each step's wall time and the Ibis execution counts (what ``bench/run.py``
    reuses)."""
    _wrap(DuckDBBackend, "execute")
    _wrap(DuckDBBackend, "to_pyarrow")
    _wrap(SQLGlotCompiler, "to_sqlglot")
    settings = Settings()
    steps: list[tuple[str, float]] = []
    with validate(open_source(data), settings=settings) as vd:
        q = resolve_quarter(vd, None, settings)
        STATS.clear()
        CALLERS.clear()
        last = [time.perf_counter(), "start"]

        def step(name: str) -> None:
            now = time.perf_counter()
            steps.append((last[1], now - last[0]))
            last[:] = [now, name]

        t0, c0 = time.perf_counter(), time.process_time()
        with tempfile.TemporaryDirectory() as tmp:
            if prof:
                prof.enable()
            build(vd, q, Path(tmp) / "b", settings, progress=step)
            if prof:
                prof.disable()
        step("end")
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"quarter": str(q), "build_s": total, "cpu_s": cpu, "steps": dict(steps[1:]),
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in STATS.items()},
            "callers": dict(CALLERS.most_common(15))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default="data/sample")
    ap.add_argument("--cprofile", default="")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead")
    args = ap.parse_args()
    prof = cProfile.Profile() if args.cprofile else None
    r = measure(args.data, prof)
    if args.json:
        print(json.dumps(r))
        return
    print(f"build {r['quarter']}: {r['build_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU "
          "(this process, all threads)")
    for name, s in r["steps"].items():
        print(f"  {name:<22} {s:6.2f} s")
    print(f"ibis executions: {STATS['execute_n']}  execute total {STATS['execute_s']:.2f} s; "
          f"to_sqlglot calls {STATS['to_sqlglot_n']}  total {STATS['to_sqlglot_s']:.2f} s; "
          f"to_pyarrow {STATS['to_pyarrow_n']}  {STATS['to_pyarrow_s']:.2f} s")
    for k, n in CALLERS.most_common(15):
        print(f"  {n:4d}  {k}")
    if prof:
        prof.dump_stats(args.cprofile)
        pstats.Stats(args.cprofile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
