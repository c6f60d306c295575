"""PostgreSQL: `kam load-db`, reading the data where it lives, and parity with DuckDB.

Every test here runs against a real PostgreSQL server on loopback (the ``pg_url``
fixture: ``.ci/run`` starts one; locally the fixture starts its own cluster, and
the tests skip with the reason only when none can be started outside CI).

The central check: ``kam kpis`` for 2026Q3 on the sample loaded into PostgreSQL
equals the embedded DuckDB result for every KPI id at every grain, to 1e-9
(relative for values above 1: the engines add floating-point sums in different
orders, which moves the last bit of a EUR 100 M total).
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from corpus_cases import case_names, load_expect, materialise

from kamlib.data.contract import TABLE_LIST, TABLES
from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.data.warehouse import QUARANTINE_PREFIX, load_db
from kamlib.errors import ContractError, SourceError

pytestmark = pytest.mark.postgres
QUARTER = "2026Q3"
TOL = 1e-9
SECRET = "kam-test-secret"  # the password .ci/pg-cluster sets; it must never be printed


def at(url: str, schema: str) -> str:
    return f"{url}?schema={schema}"


def kam(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", *args], capture_output=True,
                          text=True, timeout=timeout)


def sql(url: str, query: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(url.split("?")[0], connect_timeout=5) as con:
        return con.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def pg_sample(pg_url, sample_dir) -> tuple[str, subprocess.CompletedProcess]:
    """The sample loaded with the command a user runs."""
    url = at(pg_url, "kam_sample")
    r = kam("load-db", "--data", str(sample_dir), "--url", url, "--replace")
    assert r.returncode == 0, r.stderr
    return url, r


# --------------------------------------------------------------------------- load-db
def test_load_db_loads_every_used_row(pg_sample, sample_data):
    url, r = pg_sample
    assert SECRET not in r.stdout + r.stderr and "***" in r.stdout
    counts = dict(sql(url, """
        SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'kam_sample'"""))
    for row in sample_data.summary.itertuples():
        n = sql(url, f'SELECT count(*) FROM kam_sample."{row.table}"')[0][0]
        assert n == row.rows_used, row.table
        assert row.table in counts
        assert f"{row.rows_used:,}" in r.stdout


def test_load_db_creates_types_keys_and_indexes(pg_sample):
    url, _ = pg_sample
    types = {(t, c): ty for t, c, ty in sql(url, """
        SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'kam_sample'""")}
    assert types["interactions", "occurred_at"] == "timestamp without time zone"
    assert types["contracts", "start_on"] == "date"
    assert types["contracts", "annual_value"] == "double precision"
    assert types["nps_responses", "score"] == "bigint"
    assert types["nps_responses", "would_reference"] == "boolean"
    assert types["accounts", "segment"] == "text"
    pkeys = {t: c for t, c in sql(url, """
        SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.table_schema = 'kam_sample' AND tc.constraint_type = 'PRIMARY KEY'""")}
    assert pkeys == {t.name: t.key for t in TABLE_LIST if t.key}
    fkeys = {(t, c) for t, c in sql(url, """
        SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.table_schema = 'kam_sample' AND tc.constraint_type = 'FOREIGN KEY'""")}
    assert {("accounts", "kam_id"), ("contracts", "account_id"),
            ("interactions", "account_id"), ("prospect_touches", "prospect_id")} <= fkeys
    indexes = {i for (i,) in sql(url, "SELECT indexname FROM pg_indexes "
                                      "WHERE schemaname = 'kam_sample'")}
    assert {"interactions_account_id_idx", "interactions_occurred_at_idx",
            "invoices_issued_on_idx", "contracts_account_id_idx"} <= indexes


def test_load_db_refuses_to_overwrite_without_replace(pg_sample, sample_dir):
    url, _ = pg_sample
    r = kam("load-db", "--data", str(sample_dir), "--url", url)
    assert r.returncode == 2
    assert "already holds" in r.stderr and "--replace" in r.stderr
    assert SECRET not in r.stderr and "Traceback" not in r.stderr


def test_load_db_keeps_quarantined_rows(pg_url, tmp_path):
    folder = materialise("duplicate_key", tmp_path / "data")
    url = at(pg_url, "kam_quarantine")
    summary = load_db(folder, url, replace=True)
    expect = load_expect("duplicate_key")
    kept = sql(url, f'SELECT "row", rule, "column" FROM kam_quarantine."{QUARANTINE_PREFIX}'
                    f'{expect["table"]}" ORDER BY "row"')
    assert len(kept) == expect["rows"]
    assert {(rule, col) for _, rule, col in kept} == {(expect["rule"], expect["column"])}
    row = summary.set_index("table").loc[expect["table"]]
    assert row.rows_quarantined == expect["rows"]
    with validate(open_source(folder)) as vd:
        used = vd.summary.set_index("table").loc[expect["table"], "rows_used"]
    assert row.rows_loaded == used


def test_load_db_stops_on_a_structurally_broken_folder(pg_url, tmp_path):
    folder = materialise("missing_required_column", tmp_path / "data")
    url = at(pg_url, "kam_broken")
    with pytest.raises(ContractError):
        load_db(folder, url, replace=True)
    assert sql(pg_url, "SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'kam_broken'")[0][0] == 0


ROUND_TRIP = [c for c in case_names() if load_expect(c)["kind"] in ("valid", "quarantine")]


@pytest.mark.parametrize("case", ROUND_TRIP)
def test_database_reads_back_exactly_as_the_folder(case, pg_url, tmp_path):
    """For every valid and quarantine case of the bad-input corpus, the used rows read
    from PostgreSQL equal those read from the folder, value for value."""
    folder = materialise(case, tmp_path / "data")
    url = at(pg_url, f"kam_case_{case}")
    load_db(folder, url, replace=True)
    with validate(open_source(folder)) as a, validate(open_source(url)) as b:
        assert set(a.tables) == set(b.tables)
        assert b.faults.empty  # quarantined rows did not enter the typed tables
        for name in a.tables:
            assert a.present[name] == b.present[name], name
            fa, fb = a.frame(name), b.frame(name)
            assert list(fa.columns) == list(fb.columns), name
            order = [TABLES[name].key] if TABLES[name].key else list(fa.columns)
            fa = fa.sort_values(order, ignore_index=True)
            fb = fb.sort_values(order, ignore_index=True)
            pd.testing.assert_frame_equal(fa, fb, check_dtype=False, obj=f"{case}/{name}")


# --------------------------------------------------------------------------- parity
def test_kpis_on_postgres_equal_embedded_duckdb(pg_sample, sample_dir, tmp_path):
    url, _ = pg_sample
    duck, pg = tmp_path / "duckdb.csv", tmp_path / "postgres.csv"
    t0 = time.perf_counter()
    r1 = kam("kpis", "--quarter", QUARTER, "--data", str(sample_dir), "--out", str(duck))
    t1 = time.perf_counter()
    r2 = kam("kpis", "--quarter", QUARTER, "--data", url, "--out", str(pg))
    t2 = time.perf_counter()
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    assert SECRET not in r2.stdout + r2.stderr
    a, b = pd.read_csv(duck), pd.read_csv(pg)
    key = ["kpi", "grain", "group", "period"]
    assert not a.duplicated(key).any()
    m = a.merge(b, on=key, how="outer", suffixes=("_duckdb", "_postgres"), indicator=True)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", key]
    worst = 0.0
    for col in ("value", "low", "high", "n"):
        x, y = m[f"{col}_duckdb"], m[f"{col}_postgres"]
        assert (x.isna() == y.isna()).all(), col
        rel = ((x - y).abs() / np.maximum(1.0, x.abs())).fillna(0.0)
        bad = m.loc[rel > TOL, key]
        assert bad.empty, f"{col} differs for {bad.to_dict('records')[:5]}"
        worst = max(worst, float(rel.max()))
    ids = a.groupby("grain")["kpi"].nunique().to_dict()
    print(f"\nparity {QUARTER}: {len(m):,} rows, {a.kpi.nunique()} KPI ids, grains {ids}; "
          f"largest relative difference {worst:.1e} (tolerance {TOL:g}); "
          f"kam kpis {t1 - t0:.1f} s on DuckDB, {t2 - t1:.1f} s on PostgreSQL")


def test_postgres_sessions_add_up_in_one_steady_pass(pg_sample, monkeypatch):
    """Two runs give the same sums to the last bit: kamlib's sessions never take a
    parallel plan (workers deliver a group's doubles in any order) nor a synchronised
    scan, even where the server would (here: parallel plans made free by PGOPTIONS)."""
    import psycopg

    monkeypatch.setenv("PGOPTIONS", "-c parallel_setup_cost=0 -c parallel_tuple_cost=0 "
                                    "-c min_parallel_table_scan_size=0")
    url, _ = pg_sample
    query = "EXPLAIN SELECT account_id, sum(amount) FROM kam_sample.invoices GROUP BY 1"
    with psycopg.connect(url.split("?")[0], connect_timeout=5) as plain:
        assert "Parallel" in "\n".join(r[0] for r in plain.execute(query))  # what is avoided
    source = open_source(url)
    try:
        with source.con.con.cursor() as cur:
            assert cur.execute("SHOW max_parallel_workers_per_gather").fetchone() == ("0",)
            assert cur.execute("SHOW synchronize_seqscans").fetchone() == ("off",)
            plan = "\n".join(r[0] for r in cur.execute(query))
        assert "Parallel" not in plan and "Gather" not in plan, plan
        source.raw("invoices").amount.sum().execute()  # the backend still reads
    finally:
        source.close()


def test_a_server_refusing_the_steady_settings_still_serves_the_data(pg_sample, monkeypatch,
                                                                       caplog):
    import kamlib.data.sources as sources

    monkeypatch.setattr(sources, "PG_STEADY", {"max_parallel_workers_per_gather": "many",
                                               "synchronize_seqscans": "off"})
    url, _ = pg_sample
    with caplog.at_level("WARNING", logger=sources.log.name):
        source = open_source(url)
    try:
        with source.con.con.cursor() as cur:  # the refused one is skipped, the other holds
            assert cur.execute("SHOW synchronize_seqscans").fetchone() == ("off",)
        assert source.raw("invoices").count().execute() > 0
    finally:
        source.close()
    assert "could not set max_parallel_workers_per_gather = many" in caplog.text
    assert SECRET not in caplog.text


def test_account_histories_on_postgres_equal_embedded_duckdb(pg_sample, sample_dir):
    """The account pages' rows, narrowed to the current accounts by a table of their
    ids joined in the engine, are the same from PostgreSQL as from the folder."""
    from kamlib.config import Settings
    from kamlib.periods import Quarter
    from kamlib.report import account_history as ah

    url, _ = pg_sample
    q = Quarter(QUARTER)
    first = q.shift(-(ah.HISTORY_QUARTERS - 1))
    got = []
    for data in (str(sample_dir), url):
        with validate(open_source(data)) as vd:
            ids = sorted(vd.frame("accounts").account_id.astype(str))
            current = ids[::2] + ["no-such-account", "it's; --"]  # hostile ids are data
            got.append({"requests": ah._requests(vd, current, q),
                        "months": ah._months(vd, current, q),
                        "answers": ah._answers(vd, current, first, q),
                        "quarters": ah._quarters(vd, current, first, q, Settings()),
                        "none": ah._months(vd, [], q)})
    duck, pg = got
    for name in duck:
        pd.testing.assert_frame_equal(duck[name], pg[name], check_dtype=False, rtol=TOL)
    assert len(duck["months"]) and len(duck["quarters"]) and not len(duck["none"])
    assert len(duck["answers"]) and set(duck["answers"].account_id) <= set(ids[::2])


def test_interaction_panels_on_postgres_equal_the_one_quarter_query_on_duckdb(pg_sample,
                                                                            sample_dir):
    """The batched panels keep each quarter's touch days as bits: PostgreSQL's bitwise
    or (and its integer shifts), and the days grouped first as on Spark, give the
    frames of the folder's one-quarter query, fiscal years included."""
    from kamlib.panels import quarter as panels
    from kamlib.periods import Quarter

    url, _ = pg_sample
    qs = [Quarter(q, 4) for q in ("2021Q1", "2023Q4", "2024Q1", "2026Q2")]
    with validate(open_source(str(sample_dir))) as vd:
        one = {q: panels.interaction_panel(vd, q) for q in qs}
    with validate(open_source(url)) as vd:
        for bit_or in (True, False):
            got = panels._interaction_batch(vd, qs, bit_or=bit_or)
            for q in qs:
                pd.testing.assert_frame_equal(got[q], one[q], check_dtype=False)
        assert vd.con.has_operation(__import__("ibis").expr.operations.BitOr)


@pytest.mark.slow
def test_report_renders_from_postgres_without_leaking_the_password(pg_sample, tmp_path):
    url, _ = pg_sample
    out = tmp_path / "reports"
    r = kam("report", "--quarter", QUARTER, "--data", url, "--out", str(out), "--kam", "K001")
    assert r.returncode == 0, r.stderr[-2000:]
    pages = list(out.rglob("*.html"))
    assert len(pages) >= 9  # the index, 7 themes, 1 scorecard
    for f in out.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".ipynb", ".json", ".csv"):
            assert SECRET not in f.read_text(errors="replace"), f
    footer = (out / QUARTER / "index.html").read_text()
    assert "postgresql://kam:***@127.0.0.1" in footer and "schema=kam_sample" in footer


def test_validate_from_postgres_names_schema_tables(pg_sample):
    url, _ = pg_sample
    r = kam("validate", "--data", url)
    assert r.returncode == 0, r.stderr
    assert "kam_sample.interactions" in r.stdout and "no row breaks the contract" in r.stdout
    assert SECRET not in r.stdout


# --------------------------------------------------------------------------- bad URLs
def _fails_fast(url: str, *fragments: str) -> str:
    t0 = time.perf_counter()
    r = kam("validate", "--data", url, timeout=60)
    took = time.perf_counter() - t0
    text = r.stdout + r.stderr
    assert r.returncode == 2, text
    assert took < 15, f"took {took:.1f} s"
    assert "Traceback" not in text
    assert SECRET not in text and "not-the-password" not in text
    for f in fragments:
        assert f in text, (f, text)
    return text


def test_wrong_password_fails_fast_and_masked(pg_url):
    bad = pg_url.replace(SECRET, "not-the-password")
    _fails_fast(bad, "127.0.0.1", "***", "password authentication failed")


def test_missing_database_fails_fast_and_masked(pg_url):
    base, _, _db = pg_url.rpartition("/")
    _fails_fast(f"{base}/no_such_db", "127.0.0.1", "***", "no_such_db")


def test_missing_schema_is_named(pg_url):
    text = _fails_fast(at(pg_url, "no_such_schema"), "127.0.0.1", "***",
                       "schema no_such_schema does not exist")
    assert "public" in text  # the schemas that do exist are listed


def test_missing_table_is_named(pg_url, tmp_path):
    url = at(pg_url, "kam_missing")
    load_db(materialise(None, tmp_path / "data"), url, replace=True)
    import psycopg

    with psycopg.connect(pg_url, connect_timeout=5) as con:
        con.execute("DROP TABLE kam_missing.nps_responses CASCADE")
    _fails_fast(url, "kam_missing.nps_responses: required table nps_responses is missing")
    with pytest.raises(ContractError, match="nps_responses"):
        validate(open_source(url))


def test_load_db_to_an_unreachable_server_fails_fast(sample_dir):
    t0 = time.perf_counter()
    with pytest.raises(SourceError, match=r"host 127\.0\.0\.1") as exc:
        load_db(sample_dir, "postgresql://kam:s3cr3t@127.0.0.1:1/kam")
    assert time.perf_counter() - t0 < 15
    assert "s3cr3t" not in str(exc.value) and "***" in str(exc.value)


def test_load_db_only_writes_to_postgres(sample_dir, tmp_path):
    with pytest.raises(SourceError, match="PostgreSQL"):
        load_db(sample_dir, f"duckdb:///{tmp_path / 'x.duckdb'}")
    with pytest.raises(SourceError, match="reads a folder"):
        load_db("postgresql://kam:pw@127.0.0.1:1/kam", "postgresql://kam:pw@127.0.0.1:1/kam")


def test_module_uses_a_real_server(pg_url):
    version = sql(pg_url, "SELECT version()")[0][0]
    assert version.startswith("PostgreSQL"), version


def test_notebook_cache_key_changes_when_rows_change(pg_url, tmp_path):
    """A notebook opened on a database URL reuses a cached quarter only while every
    table keeps its row count."""
    import psycopg

    from kamlib.config import Settings
    from kamlib.report.bundle import _cache_key

    url = at(pg_url, "kam_cachekey")
    load_db(materialise(None, tmp_path / "data"), url, replace=True)
    before = _cache_key(url, QUARTER, Settings())
    assert _cache_key(url, QUARTER, Settings()) == before
    with psycopg.connect(pg_url, connect_timeout=5) as con:
        con.execute("DELETE FROM kam_cachekey.nps_responses WHERE response_id = "
                    "(SELECT min(response_id) FROM kam_cachekey.nps_responses)")
    assert _cache_key(url, QUARTER, Settings()) != before


def test_bad_rows_in_a_database_table_are_quarantined(pg_url, tmp_path):
    """A warehouse table the project did not load may hold bad rows: they are set
    aside with table, column and rule, exactly as from a folder."""
    import psycopg

    url = at(pg_url, "kam_dirty")
    load_db(materialise(None, tmp_path / "data"), url, replace=True)
    with psycopg.connect(pg_url, connect_timeout=5) as con:
        con.execute("ALTER TABLE kam_dirty.nps_responses DROP CONSTRAINT nps_responses_pkey")
        con.execute("INSERT INTO kam_dirty.nps_responses (response_id, account_id, "
                    "responded_on, score) SELECT 'R-bad', account_id, responded_on, 11 "
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
    r = kam("validate", "--data", url, "--strict")
    assert r.returncode == 3 and "kam_dirty.nps_responses" in r.stderr and "score" in r.stderr


# --------------------------------------------------------------------------- credentials
PW = "Spring@2026Secret"  # holds an '@': written as is or as %40 in a URL
KAM2 = "kam2"


def _no_secret(text: str) -> None:
    for bit in (SECRET, "Spring", "2026Secret"):
        assert bit not in text, (bit, text[-2000:])


def _hostport(url: str) -> str:
    return url.split("@")[-1].split("/")[0]


@pytest.fixture(scope="module")
def kam2(pg_sample, pg_url) -> dict[str, str]:
    """A reading role whose password holds an '@', and the URLs a user may write for it."""
    url, _ = pg_sample
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (KAM2,)).fetchone():
            con.execute(f"CREATE ROLE {KAM2} LOGIN PASSWORD 'Spring@2026Secret'")
        con.execute(f"GRANT USAGE ON SCHEMA kam_sample TO {KAM2}")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA kam_sample TO {KAM2}")
    hp = _hostport(pg_url)
    return {"encoded": f"postgresql://{KAM2}:Spring%402026Secret@{hp}/kam?schema=kam_sample",
            "raw": f"postgresql://{KAM2}:{PW}@{hp}/kam?schema=kam_sample",
            "bare": f"postgresql://{KAM2}@{hp}/kam?schema=kam_sample", "hostport": hp}


@pytest.mark.parametrize("form", ["encoded", "raw"])
def test_password_with_an_at_logs_in_and_is_never_shown(kam2, form, tmp_path):
    r = kam("validate", "--data", kam2[form])
    assert r.returncode == 0, r.stderr
    _no_secret(r.stdout + r.stderr)
    assert f"postgresql://{KAM2}:***@{kam2['hostport']}/kam" in r.stdout
    r = kam("kpis", "--quarter", QUARTER, "--data", kam2[form], "--out", str(tmp_path / "k.csv"))
    assert r.returncode == 0, r.stderr
    _no_secret(r.stdout + r.stderr + (tmp_path / "k.csv").read_text())


@pytest.mark.slow
def test_report_with_an_at_in_the_password_shows_no_part_of_it(kam2, tmp_path):
    out = tmp_path / "reports"
    r = kam("report", "--quarter", QUARTER, "--data", kam2["raw"], "--out", str(out),
            "--kam", "K001")
    assert r.returncode == 0, r.stderr[-2000:]
    _no_secret(r.stdout + r.stderr)
    files = [f for f in out.rglob("*") if f.is_file()]
    assert any(f.name == "manifest.json" for f in files)
    assert any(f.suffix == ".ipynb" for f in files) and any(f.suffix == ".html" for f in files)
    for f in files:
        _no_secret(f.read_text(errors="replace"))
    footer = (out / QUARTER / "index.html").read_text()
    assert f"postgresql://{KAM2}:***@{kam2['hostport']}/kam?schema=kam_sample" in footer


@pytest.mark.parametrize("form", [
    "postgresql://:Spring2026Secret@{hp}/kam",
    "postgresql://kam2@{hp}/kam?password=Spring2026Secret",
    "postgresql://kam2@{hp}/kam?schema=kam_sample&password=Spring%402026Secretx",
    "postgresql://kam2:Spring@2026Secretx@{hp}/kam?schema=kam_sample",
    "postgresql://kam2:Spring%402026Secretx@{hp}/kam?sslpassword=Spring2026Secret",
])
def test_a_refused_login_never_shows_the_password(kam2, form):
    text = _fails_fast(form.format(hp=kam2["hostport"]), "password authentication failed")
    _no_secret(text)


def _env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**env, "PGPASSFILE": "/nonexistent", **extra}


def kam_env(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_pgpassword_is_honoured(kam2):
    for url in (kam2["bare"], kam2["bare"].replace(f"{KAM2}@", f"{KAM2}:@")):
        r = kam_env(_env(PGPASSWORD=PW), "validate", "--data", url)
        assert r.returncode == 0, r.stderr
        _no_secret(r.stdout + r.stderr)


def test_pgpass_file_is_honoured(kam2, tmp_path):
    import os

    passfile = tmp_path / "pgpass"
    host, port = kam2["hostport"].split(":")
    passfile.write_text(f"{host}:{port}:kam:{KAM2}:{PW}\n")
    os.chmod(passfile, 0o600)
    r = kam_env(_env(PGPASSFILE=str(passfile)), "validate", "--data", kam2["bare"])
    assert r.returncode == 0, r.stderr
    _no_secret(r.stdout + r.stderr)
    r = kam_env(_env(), "validate", "--data", kam2["bare"])  # without it: refused, clearly
    assert r.returncode == 2 and "no password supplied" in r.stderr, r.stderr


def test_pg_service_file_is_honoured(kam2, tmp_path):
    host, port = kam2["hostport"].split(":")
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[kamwh]\nhost={host}\nport={port}\ndbname=kam\nuser={KAM2}\n"
                        f"password={PW}\nconnect_timeout=5\n")
    env = _env(PGSERVICEFILE=str(services))
    r = kam_env(env, "validate", "--data", "postgresql://?service=kamwh&schema=kam_sample")
    assert r.returncode == 0, r.stderr
    _no_secret(r.stdout + r.stderr)
    assert "kam_sample.interactions" in r.stdout
    r = kam_env({**env, "PGSERVICE": "kamwh"}, "validate", "--data",
                "postgresql://?schema=kam_sample")
    assert r.returncode == 0, r.stderr
    _no_secret(r.stdout + r.stderr)


# --------------------------------------------------------------------------- TLS
def _tls_parts(url: str) -> tuple[str, str]:
    """The URL without its query, and the server certificate it names."""
    base, _, query = url.partition("?")
    return base, dict(p.split("=", 1) for p in query.split("&"))["sslrootcert"]


@pytest.mark.parametrize("command", ["validate", "kpis", "load-db"])
def test_sslmode_require_fails_fast_on_a_server_without_tls(pg_url, command, tmp_path):
    url = f"{pg_url}?sslmode=require&schema=kam_sample"
    args = {"validate": ["validate", "--data", url],
            "kpis": ["kpis", "--data", url, "--out", str(tmp_path / "k.csv")],
            "load-db": ["load-db", "--url", url, "--data", "data/sample", "--replace"]}[command]
    t0 = time.perf_counter()
    r = kam(*args, timeout=60)
    assert time.perf_counter() - t0 < 15
    assert r.returncode == 2, r.stdout + r.stderr
    assert "server does not support SSL" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and SECRET not in r.stdout + r.stderr


def _ssl_in_use(con) -> bool:
    return con.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]


def test_load_db_and_reads_go_over_tls(pg_tls_url, tmp_path):
    from kamlib.data.warehouse import _connect

    base, cert = _tls_parts(pg_tls_url)
    url = f"{base}?sslmode=require&schema=kam_tls&application_name=kam-tls-test"
    summary = load_db(materialise(None, tmp_path / "data"), url, replace=True)
    assert summary.rows_loaded.sum() > 0
    with _connect(url) as pg:
        assert _ssl_in_use(pg)
        assert pg.execute("SELECT application_name FROM pg_stat_activity "
                          "WHERE pid = pg_backend_pid()").fetchone()[0] == "kam-tls-test"
    src = open_source(url)
    try:
        assert _ssl_in_use(src.con.con)
    finally:
        src.close()
    verified = f"{base}?sslmode=verify-full&sslrootcert={cert}&schema=kam_tls"
    with validate(open_source(verified)) as vd:
        assert not vd.faults.shape[0] and _ssl_in_use(vd.source.con.con)
    # the server takes no unencrypted connection, so the load above was encrypted
    r = kam("validate", "--data", f"{base}?sslmode=disable&schema=kam_tls", timeout=60)
    assert r.returncode == 2 and "no encryption" in r.stderr, r.stderr
    assert SECRET not in r.stdout + r.stderr


def test_verify_full_with_a_wrong_root_cert_fails_clearly(pg_tls_url, tmp_path):
    base, _ = _tls_parts(pg_tls_url)
    other = tmp_path / "other.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "other.key"),
                    "-out", str(other)], check=True, capture_output=True, timeout=60)
    r = kam("validate", "--data", f"{base}?sslmode=verify-full&sslrootcert={other}", timeout=60)
    assert r.returncode == 2, r.stderr
    assert "certificate verify failed" in r.stderr and "127.0.0.1" in r.stderr, r.stderr
    assert SECRET not in r.stdout + r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- --replace
def test_replace_refuses_to_drop_what_others_depend_on_and_changes_nothing(pg_url, tmp_path):
    import psycopg

    folder = materialise(None, tmp_path / "data")
    url = at(pg_url, "kam_deps")
    load_db(folder, url, replace=True)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS kam_deps_user CASCADE")
        con.execute("CREATE SCHEMA kam_deps_user")
        con.execute("CREATE VIEW kam_deps_user.big_accounts AS "
                    "SELECT account_id FROM kam_deps.accounts")
        con.execute("CREATE TABLE kam_deps_user.visits (account_id text CONSTRAINT visit_acct "
                    "REFERENCES kam_deps.accounts (account_id))")
        con.execute("DROP TABLE IF EXISTS kam_deps.notes")
        con.execute("CREATE TABLE kam_deps.notes (note text)")  # not ours: never dropped
    oids = dict(sql(pg_url, "SELECT relname, c.oid::bigint FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE nspname = 'kam_deps'"))
    r = kam("load-db", "--data", str(folder), "--url", url, "--replace")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "kam_deps_user.big_accounts" in r.stderr and "visit_acct" in r.stderr, r.stderr
    assert "CASCADE" not in r.stderr and "Traceback" not in r.stderr
    assert oids == dict(sql(pg_url, "SELECT relname, c.oid::bigint FROM pg_class c JOIN "
                                    "pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE nspname = 'kam_deps'"))
    assert sql(pg_url, "SELECT count(*) FROM kam_deps_user.big_accounts")[0][0] > 0
    # once the user's objects are gone, --replace drops exactly the project's tables
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP SCHEMA kam_deps_user CASCADE")
    r = kam("load-db", "--data", str(folder), "--url", url, "--replace")
    assert r.returncode == 0, r.stderr
    assert sql(pg_url, "SELECT count(*) FROM kam_deps.notes")[0][0] == 0


# --------------------------------------------------------------------------- schema names
def test_unsafe_schema_name_creates_nothing(pg_url, tmp_path):
    folder = materialise(None, tmp_path / "data")
    for bad in ("a.b", 'q"x'):
        from urllib.parse import quote

        with pytest.raises(SourceError, match="schema name"):
            load_db(folder, at(pg_url, quote(bad)), replace=True)
        assert sql(pg_url, "SELECT count(*) FROM pg_namespace WHERE nspname = %s", bad) == [(0,)]
    load_db(folder, at(pg_url, "Kam_Mixed_1"), replace=True)  # a safe name reads back as is
    with validate(open_source(at(pg_url, "Kam_Mixed_1"))) as vd:
        assert "Kam_Mixed_1.accounts" in set(vd.summary.file)
