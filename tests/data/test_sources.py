"""Opening data sources: folders and database URLs (passwords never shown)."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib
from kamlib.data.sources import display_name, fetch, mask_url, open_source
from kamlib.errors import SourceError


def test_mask_url_hides_every_password():
    assert mask_url("postgresql://kam:s3cr3t@db:5432/crm") == "postgresql://kam:***@db:5432/crm"
    text = "a postgresql://u:p@h/d and duckdb:///x.duckdb"
    assert mask_url(text) == "a postgresql://u:***@h/d and duckdb:///x.duckdb"
    assert display_name("postgresql://u:pw@h/db?schema=crm") == "postgresql://u:***@h/db?schema=crm"


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="data folder not found"):
        open_source(tmp_path / "nope")


def test_refused_connection_fails_fast_names_the_host_and_masks_the_password():
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kamlib", "validate", "--data",
                        "postgresql://kam:s3cr3t@127.0.0.1:1/crm"],
                       capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - t0 < 30
    assert r.returncode == 2
    out = r.stdout + r.stderr
    assert "127.0.0.1" in out and "s3cr3t" not in out and "***" in out
    assert "Traceback" not in out


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]),
                               st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
                               st.integers(0, 3)), min_size=0, max_size=30),
       seed=st.integers(0, 2**16))
def test_fetch_gives_one_order_for_any_engine_order(rows, seed):
    """Whatever order the engine returns rows in, ``fetch`` returns the same frame."""
    cols = {"k": pd.Series([r[0] for r in rows], dtype=object),
            "x": pd.Series([r[1] for r in rows], dtype=float),
            "n": pd.Series([r[2] for r in rows], dtype="int64")}
    frame = pd.DataFrame(cols)
    shuffled = frame.sample(frac=1, random_state=seed)
    a = fetch(ibis.memtable(frame))
    b = fetch(ibis.memtable(shuffled))
    pd.testing.assert_frame_equal(a, b)
    assert list(a.index) == list(range(len(rows)))
    g = ibis.memtable(shuffled)
    agg = fetch(g.group_by("n").aggregate(m=g.count()), by="n")
    assert agg.n.is_monotonic_increasing


def test_rows_leave_the_engine_only_through_fetch():
    """Every ``.execute()`` in kamlib is ``fetch``'s own or a scalar reduction
    (``.min().execute()``), so no frame reaches pandas in an engine's thread order."""
    scalar = {"min", "max", "count", "sum", "mean", "nunique"}
    bad = []
    for path in sorted((Path(kamlib.__file__).parent).rglob("*.py")):
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "execute" and not node.args
                        and not node.keywords):  # an Ibis expression's execute()
                    continue
                recv = node.func.value
                ok = (path.name == "sources.py" and fn.name == "fetch") \
                    or (isinstance(recv, ast.Call) and isinstance(recv.func, ast.Attribute)
                        and recv.func.attr in scalar) \
                    or (isinstance(recv, ast.Name) and recv.id == "client")  # nbclient
                if not ok:
                    bad.append(f"{path.name}:{node.lineno} in {fn.name}")
    assert not bad, bad


# --------------------------------------------------------------------------- credentials
PW = "Spring@2026Secret"  # a password holding an '@', as a user may well choose


def _shows_no_password(text: str) -> None:
    assert "Spring" not in text and "2026Secret" not in text and "S3cr3t" not in text, text


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://kam2:Spring@2026Secret@db:5432/crm?schema=kam",
     "postgresql://kam2:***@db:5432/crm?schema=kam"),
    ("postgresql://kam2:Spring%402026Secret@db:5432/crm?schema=kam",
     "postgresql://kam2:***@db:5432/crm?schema=kam"),
    ("postgresql://:Spring2026Secret@db/crm", "postgresql://:***@db/crm"),
    ("postgresql://kam@db/crm?password=Spring2026Secret&schema=kam",
     "postgresql://kam@db/crm?password=***&schema=kam"),
    ("postgresql://kam@db/crm?schema=kam&password=Spring%402026Secret",
     "postgresql://kam@db/crm?schema=kam&password=***"),
    ("postgresql://kam@db/crm?sslmode=verify-full&sslkey=/k.pem&sslpassword=Spring2026Secret",
     "postgresql://kam@db/crm?sslmode=verify-full&sslkey=/k.pem&sslpassword=***"),
    ("postgresql://kam:Spring/2026Secret@db/crm", "postgresql://kam:***@db/crm"),
    ("postgresql://kam:S3cr3t@db/crm?password=Spring2026Secret",
     "postgresql://kam:***@db/crm?password=***"),
    ("postgresql://kam@db/crm?PassWord=Spring2026Secret", "postgresql://kam@db/crm?PassWord=***"),
    ("postgresql://kam@db:5432/crm?schema=kam", "postgresql://kam@db:5432/crm?schema=kam"),
    ("duckdb:///data/crm.duckdb", "duckdb:///data/crm.duckdb"),
])
def test_mask_url_hides_the_password_in_any_position(url, masked):
    assert mask_url(url) == masked
    assert display_name(url) == masked
    text = f"cannot open {url} (host db): refused; also 'postgresql://kam2:Spring@2026Secret@x/y'"
    _shows_no_password(mask_url(text))


@pytest.mark.parametrize("url", [
    "postgresql://kam:Spring?2026Secret@db/crm",      # an unencoded '?' in the password
    "postgresql://kam:Spring@2026@Secret@db/crm?schema=kam",
    "postgresql://kam:Spring 2026Secret@db/crm",
])
def test_mask_url_never_shows_part_of_an_oddly_written_password(url):
    _shows_no_password(mask_url(url))
    _shows_no_password(mask_url(f"error: {url} failed"))


def test_postgres_params_decode_and_pass_every_libpq_parameter():
    from kamlib.data.sources import postgres_params

    url = ("postgresql://kam2:Spring%402026Secret@127.0.0.1:5433/crm?schema=kam&sslmode=require"
           "&sslrootcert=/etc/kam/ca.crt&sslcert=/etc/kam/c.crt&sslkey=/etc/kam/c.key"
           "&sslpassword=k%26y&connect_timeout=3&application_name=kam%20cron"
           "&options=-c%20statement_timeout%3D5000&target_session_attrs=read-write")
    assert postgres_params(url) == {
        "host": "127.0.0.1", "port": "5433", "user": "kam2", "password": PW, "dbname": "crm",
        "sslmode": "require", "sslrootcert": "/etc/kam/ca.crt", "sslcert": "/etc/kam/c.crt",
        "sslkey": "/etc/kam/c.key", "sslpassword": "k&y", "connect_timeout": "3",
        "application_name": "kam cron", "options": "-c statement_timeout=5000",
        "target_session_attrs": "read-write"}
    # the same password written without encoding: the user info ends at the last '@'
    raw = postgres_params("postgresql://kam2:Spring@2026Secret@127.0.0.1:5433/crm")
    assert raw["password"] == PW and raw["host"] == "127.0.0.1" and raw["user"] == "kam2"
    assert postgres_params("postgresql://kam@db/crm?password=a%2Bb+c")["password"] == "a+b+c"


def test_postgres_params_leave_unset_what_the_url_does_not_say(monkeypatch):
    """What the URL leaves out is left to libpq (PGHOST, PGPASSWORD, ~/.pgpass, a
    service file), so nothing is set to a default or to an empty password."""
    from kamlib.data.sources import postgres_params

    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    monkeypatch.delenv("PGSERVICE", raising=False)
    assert postgres_params("postgresql:///crm") == {"dbname": "crm", "connect_timeout": "5"}
    assert postgres_params("postgresql://kam:@db/crm") == {
        "host": "db", "user": "kam", "dbname": "crm", "connect_timeout": "5"}
    assert postgres_params("postgresql://?service=kam") == {"service": "kam"}
    assert postgres_params("postgresql://[::1]:6432,db2/crm")["host"] == "::1,db2"
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "9")
    assert postgres_params("postgresql://db/crm") == {"host": "db", "dbname": "crm"}


@pytest.mark.parametrize(("query", "named"), [
    ("sslmod=require", "sslmod"), ("schema=kam&ssl_mode=require", "ssl_mode"),
    ("schema=kam&schema=other", "schema"),
])
def test_unknown_or_repeated_connection_parameter_is_refused_by_name(query, named):
    from kamlib.data.sources import postgres_params

    with pytest.raises(SourceError) as exc:
        postgres_params(f"postgresql://kam:S3cr3t@127.0.0.1:1/crm?{query}")
    msg = str(exc.value)
    assert f"'{named}'" in msg and "S3cr3t" not in msg
    assert exc.value.exit_code == 2
    if "&schema=other" not in query:
        assert "sslmode" in msg and "sslrootcert" in msg and "application_name" in msg


def test_a_query_part_that_is_no_parameter_is_not_echoed():
    from kamlib.data.sources import postgres_params

    with pytest.raises(SourceError) as exc:
        postgres_params("postgresql://kam@db/crm?password=Spring&2026Secret")
    _shows_no_password(str(exc.value))
    assert "%26" in str(exc.value)
    assert mask_url(str(exc.value)) == str(exc.value)  # the command line masks it again


@pytest.mark.parametrize("schema", ["a.b", 'q"x', "1kam", "kam-crm", "a b", "x" * 64, "ä"])
def test_unsafe_schema_names_are_refused_before_connecting(schema):
    from urllib.parse import quote

    url = f"postgresql://kam:S3cr3t@127.0.0.1:1/crm?schema={quote(schema)}"
    with pytest.raises(SourceError, match=r"schema name .* letters, digits and underscores"):
        open_source(url)
    from kamlib.data.warehouse import load_db

    with pytest.raises(SourceError, match=r"schema name .* letters, digits and underscores"):
        load_db("data/sample", url)


def test_unsafe_schema_name_exits_2_on_the_command_line():
    r = subprocess.run([sys.executable, "-m", "kamlib", "kpis", "--out", "/dev/null", "--data",
                        "postgresql://kam:S3cr3t@127.0.0.1:1/crm?schema=a.b"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "schema name 'a.b'" in r.stderr and "cannot open" not in r.stderr
    assert "S3cr3t" not in r.stderr + r.stdout and "Traceback" not in r.stderr


@pytest.mark.parametrize("url", [
    "postgresql://kam2:Spring@2026Secret@127.0.0.1:1/crm?schema=kam",
    "postgresql://kam2:Spring%402026Secret@127.0.0.1:1/crm",
    "postgresql://:Spring2026Secret@127.0.0.1:1/crm",
    "postgresql://kam@127.0.0.1:1/crm?password=Spring2026Secret",
    "postgresql://kam@127.0.0.1:1/crm?sslmode=bogus&password=Spring2026Secret",
    "postgresql://kam:Spring2026Secret@127.0.0.1:x/crm",
])
def test_a_failed_connection_never_shows_the_password(url):
    r = subprocess.run([sys.executable, "-m", "kamlib", "validate", "--data", url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "127.0.0.1" in r.stderr
    _shows_no_password(r.stdout + r.stderr)
