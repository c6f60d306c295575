"""Spark URLs read without starting Spark; kamlib never loads pyspark for other sources.

The Spark engine itself (load-db, kpis parity, validate, report, failures) is tested
end to end in tests/system/test_spark.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamlib.data import spark
from kamlib.data.contract import TABLES
from kamlib.data.sources import display_name, mask_url, scrub, url_schema, where
from kamlib.errors import SourceError

ROOT = Path(__file__).resolve().parents[2]


def test_is_spark_knows_both_schemes_and_nothing_else():
    assert spark.is_spark("sc://h:15002/?schema=kam")
    assert spark.is_spark("SPARK+LOCAL:///srv/wh")
    assert not spark.is_spark("postgresql://u@h/db")
    assert not spark.is_spark("duckdb:///x.duckdb")
    assert not spark.is_spark("sc")  # a folder named sc


def test_connect_url_is_rewritten_in_spark_connect_form():
    u = spark.parse("sc://spark.example.com:443/;use_ssl=true?schema=kam&token=t0k")
    assert u.mode == "connect" and u.schema == "kam"
    # the query's parameters join the path's, as ;name=value; schema is kamlib's own
    assert u.remote == "sc://spark.example.com:443/;use_ssl=true;token=t0k"
    assert spark.parse("sc://h").remote == f"sc://h:{spark.CONNECT_PORT}/"
    assert spark.parse("sc://h").schema == "default"


def test_local_url_names_an_absolute_warehouse_and_spark_settings():
    u = spark.parse("spark+local:///srv/kam%20wh?schema=crm&spark.driver.memory=4g")
    assert u.mode == "local" and u.warehouse == Path("/srv/kam wh") and u.schema == "crm"
    assert u.conf == (("spark.driver.memory", "4g"),)


@pytest.mark.parametrize(("url", "fragment"), [
    ("spark+local://host/srv/wh", "three slashes"),
    ("spark+local:///srv/wh?memory=4g", "unknown parameter 'memory'"),
    ("sc://kam:pw@h:15002/", "no user name or password"),
    ("sc://h:port/", "numeric port"),
    ("sc://h1,h2:15002/", "one host"),
    ("sc://h:15002/;token", ";name=value"),
    ("sc://h:15002/?schema=a.b", "schema name"),
])
def test_malformed_spark_urls_are_refused_before_starting(url, fragment):
    with pytest.raises(SourceError, match=fragment) as exc:
        spark.parse(url)
    assert "pw" not in str(exc.value)


def test_where_names_host_or_warehouse():
    assert where("sc://h:15002/?schema=kam") == "Spark Connect host h:15002"
    assert where("spark+local:///srv/wh?schema=kam") == "warehouse /srv/wh"
    assert url_schema("spark+local:///srv/wh?schema=kam") == "kam"


def test_column_types_follow_the_contract():
    # every kind has a Spark type; timestamps are Spark's (UTC in the session)
    types = {c.kind: spark.column_type(c) for t in TABLES.values() for c in t.columns}
    assert types == {
        "bool": "boolean", "date": "date", "enum": "string", "id": "string",
        "integer": "bigint", "number": "double", "text": "string", "timestamp": "timestamp"}


# --------------------------------------------------------------------------- tokens
@pytest.mark.parametrize("url", [
    "sc://h:15002/;token=abc123",
    "sc://h:15002/?token=abc123",
    "sc://h:15002/;use_ssl=true;token=abc123?schema=kam",
    "sc://h:15002/?schema=kam&token=abc123",
])
def test_a_spark_connect_token_is_masked(url):
    for shown in (mask_url(f"cannot open {url} now"), display_name(url),
                  scrub(f"server said: bad token abc123 for {url}", url)):
        assert "abc123" not in shown and "token=***" in shown.replace("token ***", "token=***")


@given(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=3, max_size=40),
       st.sampled_from(["sc://h:15002/;token={}", "sc://h:15002/?token={}&schema=kam",
                        "sc://h:15002/;user_id=u;token={};use_ssl=true"]))
def test_no_token_survives_masking(token, form):
    url = form.format(token)
    assert token not in mask_url(f"x {url} y").replace("token=***", "")
    assert token not in scrub(f"{token} {url}", url).replace("token=***", "")


def test_errors_are_empty_until_pyspark_is_loaded():
    code = ("import sys\nfrom kamlib.data import spark\nfrom kamlib.data.sources import "
            "engine_errors\nengine_errors()\nprint(spark.errors(), 'pyspark' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["()", "False"]


@pytest.mark.slow
def test_a_duckdb_kpis_run_never_imports_pyspark(sample_dir, tmp_path):
    """`import kamlib` and a whole `kam kpis` on a folder leave pyspark unloaded."""
    out = tmp_path / "kpis.csv"
    code = ("import sys\nimport kamlib\nfrom kamlib.report.cli import app\n"
            "try:\n    app(['kpis', '--quarter', '2026Q3', '--data', sys.argv[1], '--out', "
            "sys.argv[2]], standalone_mode=False)\n"
            "finally:\n    print('pyspark loaded:', 'pyspark' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(sample_dir), str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.exists() and "pyspark loaded: False" in r.stdout, r.stdout
