"""Queries on a data source as it was read, before the contract is checked: a
table's rows (for a fingerprint), the KAM ids (to refuse an unknown ``--kam`` at
once) and the row count of every table (to tell when a database changed)."""

from __future__ import annotations

import pandas as pd

from kamlib.data.contract import TABLE_LIST
from kamlib.data.sources import Source, fetch, open_source

__all__ = ["kam_ids", "row_counts", "table_rows"]


def table_rows(source: Source, name: str) -> pd.DataFrame:
    """Every row of a table as read, in a canonical order (every column, left to
    right)."""
    return fetch(source.raw(name))


def kam_ids(source: Source) -> pd.Series | None:
    """The ``kam_id`` values of ``account_managers`` as read (empty cells left out),
    as text; None when the table or the column is absent."""
    t = source.raw("account_managers")
    if t is None or "kam_id" not in t.columns:
        return None
    return fetch(t.select("kam_id")).kam_id.dropna().astype(str)


def row_counts(url: str) -> list[tuple[str, int]]:
    """Rows per contract table at a database URL, in one query, sorted by table."""
    src = open_source(url)
    try:
        parts = [src.raw(t.name).count().name(t.name) for t in TABLE_LIST if src.has(t.name)]
        if not parts:
            return []
        counts = fetch(parts[0].as_table().cross_join(*[p.as_table() for p in parts[1:]]))
        return sorted((k, int(v)) for k, v in counts.iloc[0].items())
    finally:
        src.close()
