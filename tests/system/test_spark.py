"""Apache Spark: `kam load-db`, reading the data where it lives, and parity with DuckDB.

The module starts one Spark Connect server from the pyspark distribution (the
``SparkConnectServer`` class of its jars, on loopback, 1 GB of memory, two shuffle
partitions, no UI; warehouse and scratch in a temporary folder) and talks to it with
``sc://127.0.0.1:PORT/?schema=…`` URLs, as a user reaches a cluster or Databricks. The
local form, ``spark+local:///warehouse``, is tested on a small folder.

The central check: ``kam kpis`` for 2026Q3 on the sample loaded into Spark equals the
embedded DuckDB result on every row (same rows, same columns, text equal, numbers to
1e-9 relative). Without pyspark or Java the module skips, except under CI (``CI`` set),
where it fails: CI must never skip it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from corpus_cases import load_expect, materialise
from kam_cli import kam

pytestmark = pytest.mark.spark
QUARTER = "2026Q3"
TOL = 1e-9
SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer"
TOKEN = "kam-spark-token-123"  # must never be printed
SLOW = 1800  # seconds a whole run on Spark may take (a loaded 2-core machine: minutes)


def _unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def spark_home() -> Path:
    """pyspark's folder (its jars and scripts), once pyspark and Java are found."""
    try:
        import pyspark
    except ImportError as exc:
        _unavailable(f"pyspark is not installed ({exc}); pip install '.[spark]'")
    from kamlib.data.spark import ensure_java
    from kamlib.errors import SourceError

    try:
        ensure_java()
    except SourceError as exc:
        _unavailable(str(exc))
    return Path(pyspark.__file__).parent


@pytest.fixture(scope="module")
def server(spark_home, tmp_path_factory):
    """A Spark Connect server for the module: ``(sc://127.0.0.1:PORT/, warehouse)``."""
    home = spark_home
    work = tmp_path_factory.mktemp("spark")
    port = _free_port()
    conf = {"spark.connect.grpc.binding.port": port,
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.sql.catalogImplementation": "in-memory",
            "spark.sql.shuffle.partitions": 2, "spark.ui.enabled": "false",
            # tiny tables: re-planning each query adaptively costs more than it saves
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.warehouse.dir": work / "warehouse", "spark.local.dir": work / "scratch",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={work / 'derby'}"}
    cmd = [str(home / "bin" / "spark-submit"), "--class", SERVER, "--master", "local[2]",
           "--driver-memory", "1g",
           *[a for k, v in conf.items() for a in ("--conf", f"{k}={v}")], "spark-internal"]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    log = open(work / "server.log", "wb")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                _unavailable(f"the Spark Connect server exited ({proc.returncode}): "
                             f"{(work / 'server.log').read_text()[-1500:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    _unavailable("the Spark Connect server did not open its port in 180 s")
                time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}/", work / "warehouse"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        log.close()


def at(base: str, schema: str) -> str:
    return f"{base}?schema={schema}"


@pytest.fixture(scope="module")
def spark_sample(server, sample_dir) -> tuple[str, subprocess.CompletedProcess]:
    """The sample loaded with the command a user runs."""
    url = at(server[0], "kam_sample")
    r = kam("load-db", "--data", str(sample_dir), "--url", url, "--replace", timeout=SLOW)
    assert r.returncode == 0, r.stderr[-3000:]
    return url, r


@pytest.fixture(scope="module")
def session(server):
    """A Spark Connect client in this process, to change the warehouse behind kamlib."""
    from pyspark.sql import SparkSession

    s = SparkSession.builder.remote(server[0]).create()
    yield s
    s.stop()


# --------------------------------------------------------------------------- load-db
def test_load_db_loads_every_used_row(spark_sample, sample_data, server, session):
    _, r = spark_sample
    for row in sample_data.summary.itertuples():
        assert f"{row.rows_used:,}" in r.stdout
        n = session.sql(f"SELECT count(*) AS n FROM kam_sample.{row.table}").collect()[0].n
        assert n == row.rows_used, row.table
    types = {f.name: f.dataType.simpleString()
             for f in session.table("kam_sample.interactions").schema.fields}
    assert types["occurred_at"] == "timestamp" and types["account_id"] == "string"
    assert (server[1] / "kam_sample.db" / "interactions").is_dir()  # Parquet in the warehouse


def test_load_db_refuses_to_overwrite_without_replace(spark_sample, sample_dir):
    url, _ = spark_sample
    r = kam("load-db", "--data", str(sample_dir), "--url", url)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "already holds" in r.stderr and "--replace" in r.stderr
    assert "Traceback" not in r.stderr


# --------------------------------------------------------------------------- parity
def test_kpis_on_spark_equal_embedded_duckdb(spark_sample, sample_dir, tmp_path):
    url, _ = spark_sample
    duck, sp = tmp_path / "duckdb.csv", tmp_path / "spark.csv"
    t0 = time.perf_counter()
    r1 = kam("kpis", "--quarter", QUARTER, "--data", str(sample_dir), "--out", str(duck))
    t1 = time.perf_counter()
    r2 = kam("kpis", "--quarter", QUARTER, "--data", url, "--out", str(sp), timeout=SLOW)
    t2 = time.perf_counter()
    assert r1.returncode == 0, r1.stderr[-2000:]
    assert r2.returncode == 0, r2.stderr[-2000:]
    a, b = pd.read_csv(duck), pd.read_csv(sp)
    assert list(a.columns) == list(b.columns)
    key = ["kpi", "grain", "group", "period"]
    assert not a.duplicated(key).any()
    m = a.merge(b, on=key, how="outer", suffixes=("_duckdb", "_spark"), indicator=True)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", key]
    worst = 0.0
    for col in (c for c in a.columns if c not in key):
        x, y = m[f"{col}_duckdb"], m[f"{col}_spark"]
        assert (x.isna() == y.isna()).all(), col
        if not pd.api.types.is_numeric_dtype(x):
            assert (x.fillna("") == y.fillna("")).all(), col
            continue
        # relative to the value; exact where the value is 0
        rel = ((x - y).abs() / x.abs().where(x != 0, 1.0)).fillna(0.0)
        bad = m.loc[rel > TOL, key]
        assert bad.empty, f"{col} differs for {bad.to_dict('records')[:5]}"
        worst = max(worst, float(rel.max()))
    print(f"\nparity {QUARTER}: {len(m):,} rows x {len(a.columns)} columns, "
          f"{a.kpi.nunique()} KPI ids; largest relative difference {worst:.1e} "
          f"(tolerance {TOL:g}); kam kpis {t1 - t0:.1f} s on DuckDB, {t2 - t1:.1f} s on Spark")


def test_validate_from_spark_names_schema_tables(spark_sample):
    url, _ = spark_sample
    r = kam("validate", "--data", url, timeout=SLOW)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "kam_sample.interactions" in r.stdout and "no row breaks the contract" in r.stdout


@pytest.mark.slow
def test_report_renders_from_spark(spark_sample, tmp_path):
    url, _ = spark_sample
    out = tmp_path / "reports"
    r = kam("report", "--quarter", QUARTER, "--data", url, "--out", str(out), "--kam", "K001",
            timeout=SLOW)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list(out.rglob("*.html"))) >= 9  # the index, 7 themes, 1 scorecard
    assert (out / QUARTER / "kam" / "K001.html").exists()
    footer = (out / QUARTER / "index.html").read_text()
    assert "sc://127.0.0.1:" in footer and "schema=kam_sample" in footer


# --------------------------------------------------------------------------- failures
def _fails_fast(*args: str, fragments: tuple[str, ...] = (), limit: float = 30) -> str:
    t0 = time.perf_counter()
    r = kam(*args)
    took = time.perf_counter() - t0
    text = r.stdout + r.stderr
    assert r.returncode == 2, text
    assert took < limit, f"took {took:.1f} s"
    assert "Traceback" not in text and TOKEN not in text
    for f in fragments:
        assert f in text, (f, text)
    return text


@pytest.mark.parametrize("url", [
    f"sc://127.0.0.1:1/;token={TOKEN}?schema=kam",
    f"sc://127.0.0.1:1/?schema=kam&token={TOKEN}",
])
def test_unreachable_spark_connect_fails_fast_and_masked(url):
    _fails_fast("validate", "--data", url,
                fragments=("127.0.0.1:1", "token=***", "no Spark Connect server answers"))


def test_load_db_to_an_unreachable_server_fails_fast(sample_dir):
    _fails_fast("load-db", "--data", str(sample_dir), "--url",
                f"sc://127.0.0.1:1/;token={TOKEN}?schema=kam", fragments=("127.0.0.1:1",))


def test_missing_schema_is_named(server):
    _fails_fast("validate", "--data", at(server[0], "no_such_schema"), limit=60,
                fragments=("schema no_such_schema does not exist", "default"))


def test_missing_table_and_column_are_named(server, session, tmp_path):
    url = at(server[0], "kam_gaps")
    r = kam("load-db", "--data", str(materialise(None, tmp_path / "data")), "--url", url,
            "--replace")
    assert r.returncode == 0, r.stderr[-2000:]
    session.sql("DROP TABLE kam_gaps.nps_responses")
    session.sql("CREATE TABLE kam_gaps.accounts_cut USING parquet AS "
                "SELECT account_id, name, kam_id FROM kam_gaps.accounts")
    session.sql("DROP TABLE kam_gaps.accounts")
    session.sql("ALTER TABLE kam_gaps.accounts_cut RENAME TO kam_gaps.accounts")
    _fails_fast("validate", "--data", url, limit=60, fragments=(
        "kam_gaps.nps_responses: required table nps_responses is missing",
        "kam_gaps.accounts: column segment is missing"))


def test_bad_rows_in_a_spark_table_are_quarantined(server, session, tmp_path):
    """A Spark table the project did not load may hold bad rows: they are set aside
    with table, column and rule (the row-by-row check, cached in Spark's memory)."""
    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate

    url = at(server[0], "kam_dirty")
    r = kam("load-db", "--data", str(materialise(None, tmp_path / "data")), "--url", url,
            "--replace")
    assert r.returncode == 0, r.stderr[-2000:]
    session.sql("INSERT INTO kam_dirty.nps_responses (response_id, account_id, responded_on, "
                "score) SELECT 'R-bad', account_id, responded_on, 11 "
                "FROM kam_dirty.nps_responses LIMIT 1")
    with validate(open_source(url)) as vd:
        f = vd.faults
        assert f[["table", "file", "rule", "column", "rows"]].to_dict("records") == [
            {"table": "nps_responses", "file": "kam_dirty.nps_responses",
             "rule": "out_of_range", "column": "score", "rows": 1}]
        q = vd.quarantine("nps_responses")
        assert q["response_id"].tolist() == ["R-bad"] and q["score"].tolist() == ["11"]
        s = vd.summary.set_index("table").loc["nps_responses"]
        assert s.rows_read == s.rows_used + 1


# --------------------------------------------------------------------------- local form
def test_local_warehouse_keeps_the_quarantine_and_reads_back(spark_home, tmp_path):
    """``spark+local://``: a session in the command's own process, over a folder."""
    folder = materialise("duplicate_key", tmp_path / "data")
    expect = load_expect("duplicate_key")
    wh = tmp_path / "warehouse"
    url = f"spark+local://{wh}?schema=kam&spark.driver.memory=1g" \
          "&spark.sql.shuffle.partitions=2"
    r = kam("load-db", "--data", str(folder), "--url", url)
    assert r.returncode == 0, r.stderr[-2000:]
    tables = {p.name for p in (wh / "kam.db").iterdir()}
    assert f"quarantine_{expect['table']}" in tables and "accounts" in tables
    assert not any(t.startswith("_kam_load_") for t in tables)
    r = kam("validate", "--data", url)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"kam.{expect['table']}" in r.stdout and "no row breaks the contract" in r.stdout


def test_module_uses_pyspark_4(server):
    import pyspark

    assert pyspark.__version__.startswith("4.0"), pyspark.__version__
    assert sys.modules.get("pyspark") is not None
