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
from kamlib.errors import SourceError
from kamlib.sources import display_name, fetch, mask_url, open_source


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
    for path in sorted((Path(kamlib.__file__).parent).glob("*.py")):
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
