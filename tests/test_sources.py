"""Opening data sources: folders and database URLs (passwords never shown)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from kamlib.errors import SourceError
from kamlib.sources import display_name, mask_url, open_source


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
