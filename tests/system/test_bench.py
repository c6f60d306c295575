"""bench/run.py's goals table, built from a hand-made results dict (no benchmark runs).

Every ratio below is worked out by hand in a comment; the goals are those of
``bench/run.py`` (GOALS).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def entry(**median) -> dict:
    """A ``repeat`` entry: the medians (and no runs, they are not read)."""
    return {"median": median, "runs": []}


def results() -> dict:
    small = {"accounts": 2000, "interactions": 1_000_000, "raw_mb": 80.0, "folder": "a",
             "duckdb_read": entry(wall_s=2.0), "cold_check": entry(wall_s=4.0),
             "kpis_warm": entry(wall_s=16.0, peak_mb=500.0)}
    big = {"accounts": 20000, "interactions": 10_000_000, "raw_mb": 800.0, "folder": "b",
           "duckdb_read": entry(wall_s=10.0), "cold_check": entry(wall_s=30.0),
           "kpis_warm": entry(wall_s=35.0, peak_mb=2048.0)}
    return {
        "machine": {"cpus": 2, "memory_gb": 23.5, "platform": "Linux", "python": "3.11.7",
                    "load_before": [2.5, 2.0, 1.5], "load_after": [3.0, 2.1, 1.6]},
        "quarter": "2026Q3", "runs": 3,
        "sample_pack": {"notebooks": 32, "floor": entry(wall_s=10.0),
                        "no_account_pages": entry(wall_s=14.0),
                        "with_account_pages": entry(wall_s=25.0)},
        "bundle": {"build": entry(build_s=6.0), "duckdb_read": entry(read_s=0.5)},
        "sizes": {"2000": small, "20000": big},
        "pack20k": {"kams": 1350, **entry(**{
            "wall_s": 540.0, "tree_peak_mb": 5120.0, "peak_mb": 3000.0,
            "timings.per_page.scorecard_s": 0.35, "timings.per_page.account_page_s": 0.002,
            "timings.counts.scorecards": 1350, "timings.counts.account_pages": 18000})},
        "postgres": {"load": {"wall_s": 120.0}, "kpis": entry(wall_s=70.0),
                     "same_csv_as_embedded": True},
        "spark": {"skipped": "not measured: pyspark missing"},
    }


def by_goal(bench, r: dict) -> dict[str, dict]:
    return {row["goal"]: row for row in bench.goals(r)}


def test_goals_met_and_not_met_with_their_ratios(bench):
    rows = by_goal(bench, results())
    pack = rows["1. sample pack without account pages ≤ 15 s"]
    assert (pack["measured"], pack["ratio"], pack["met"]) == ("14.0 s", "1.40", "yes")  # 14/10
    pack = rows["1. sample pack with account pages ≤ 20 s"]
    assert (pack["ratio"], pack["met"]) == ("2.50", "NO")  # 25/10, 25 > 20
    build = rows["2. bundle build on the sample ≤ 3 s"]
    assert (build["ratio"], build["met"]) == ("12.00", "NO")  # 6/0.5
    wall = rows["3. kam kpis at 10.0 M interactions, warm check ≤ 10 s"]
    assert (wall["measured"], wall["ratio"], wall["met"]) == ("35.0 s", "3.50", "NO")  # 35/10
    times = rows["3. kam kpis at 10.0 M ≤ 4× the DuckDB read"]
    assert times["met"] == "yes"  # 3.5 <= 4
    peak = rows["3. kam kpis at 10.0 M: peak RSS ≤ 1 GB"]
    assert (peak["measured"], peak["met"]) == ("2.00 GB", "NO")  # 2048 MB
    cold = rows["4. cold check at 10.0 M ≤ 2.5× the DuckDB read"]
    assert (cold["ratio"], cold["met"]) == ("3.00", "NO")  # 30/10


def test_the_whole_pack_and_its_pages(bench):
    rows = by_goal(bench, results())
    wall = rows["5. whole pack, 20,000 accounts, 1,350 KAMs ≤ 10 min"]
    assert wall["measured"] == "540.0 s (9.0 min)" and wall["met"] == "yes"
    mem = rows["5. whole pack, 20,000 accounts: peak memory ≤ 4 GB"]
    # the tree's 5 GB decides, not the largest process's 2.9 GB
    assert mem["measured"] == "5.00 GB (process tree)" and mem["met"] == "NO"
    assert mem["baseline"] == "largest process 2.93 GB"  # 3000 / 1024
    assert rows["5. cost of one scorecard page (notebook + HTML)"]["measured"] == "0.35 s"
    assert rows["5. cost of one account page"]["measured"] == "2.0 ms"


def test_growth_is_time_ratio_over_event_ratio(bench):
    rows = by_goal(bench, results())
    read = rows["6. growth 1.0 M → 10.0 M: DuckDB read time / events ≤ 1.0"]
    assert (read["ratio"], read["met"]) == ("0.50", "yes")  # (10/2) / 10
    cold = rows["6. growth 1.0 M → 10.0 M: cold check time / events ≤ 1.0"]
    assert (cold["ratio"], cold["met"]) == ("0.75", "yes")  # (30/4) / 10
    kpis = rows["6. growth 1.0 M → 10.0 M: kam kpis time / events ≤ 1.0"]
    assert kpis["ratio"] == "0.22"  # (35/16) / 10 = 0.21875
    mem = rows["6. growth 1.0 M → 10.0 M: kam kpis peak memory ratio"]
    assert (mem["ratio"], mem["met"]) == ("4.10", "")  # 2048 / 500, no goal


def test_postgres_and_spark_rows(bench):
    rows = by_goal(bench, results())
    pg = rows["7. kam kpis at 10.0 M from PostgreSQL ≤ 3× embedded"]
    assert (pg["ratio"], pg["met"]) == ("2.00", "yes")  # 70/35
    assert "same kpis.csv: yes" in pg["note"]
    assert rows["8. Spark KPIs (no goal)"]["measured"] == "not measured: pyspark missing"
    r = results()
    r["spark"] = {"load_s": 20.0, "kpis_s": 48.0, "runs": [48.0]}
    row = by_goal(bench, r)["8. Spark KPIs at 1.0 M (no goal)"]
    assert (row["ratio"], row["met"]) == ("3.00", "")  # 48/16 against the 1 M embedded run


def test_skipped_sections_say_so_and_the_markdown_holds_one_goals_table(bench):
    r = results()
    r["postgres"] = {"skipped": "not measured: BENCH_PG=0"}
    r["pack20k"] = {"skipped": "not measured: BENCH_PACK20K=0"}
    del r["sizes"]["20000"]
    rows = bench.goals(r)
    assert not any(row["goal"].startswith("6.") for row in rows)  # one size: no growth
    text = bench.markdown(r)
    assert text.count("| goal | measured |") == 1
    assert "not measured: BENCH_PG=0" in text and "not measured: BENCH_PACK20K=0" in text
    assert "[2.5, 2.0, 1.5] before and [3.0, 2.1, 1.6] after" in text


def test_repeat_keeps_every_run_and_takes_medians(bench, monkeypatch):
    monkeypatch.setattr("builtins.print", lambda *a, **k: None)
    walls = iter([3.0, 1.0, 2.0])
    got = bench.repeat("x", lambda: {"wall_s": next(walls), "t": {"a": 1}}, 3)
    assert [r["wall_s"] for r in got["runs"]] == [3.0, 1.0, 2.0]
    assert got["median"] == {"wall_s": 2.0, "t.a": 1}
