"""Queries of the source before its check (kamlib.panels.raw)."""

from __future__ import annotations

from kamlib.data.sources import open_source
from kamlib.panels import raw


def test_raw_queries_read_the_source_as_it_is(sample_dir):
    src = open_source(sample_dir)
    try:
        ids = raw.kam_ids(src)
        assert ids.tolist() == sorted(ids) and ids.str.startswith("K").all()
        rows = raw.table_rows(src, "account_managers")
        assert rows.kam_id.dropna().tolist() == ids.tolist()
    finally:
        src.close()
