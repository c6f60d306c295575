"""Per-quarter panels of every quarter from one grouped query.

A panel of one quarter filters an event table on the quarter's dates and aggregates
what is left; asked for eight trend quarters, that is eight queries (each compiled
and run anew). Here the rows are tagged instead with their fiscal quarter's ordinal,
computed from the date (:func:`fiscal_index`), the query groups by it once, and the
result is split by quarter in pandas (:func:`split`). Each split frame is made the
same as the one-quarter query's, dtypes included (:func:`like_engine`), and the
splits are kept per data object (:func:`cached`), so later quarters cost nothing.

>>> from kamlib.periods import Quarter
>>> quarter_index(Quarter("2026Q3")) - quarter_index(Quarter("2026Q2"))
1
>>> quarter_index(Quarter("2026Q1", start_month=4)) == (2025 * 12 + 4 - 4) // 3
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable

import pandas as pd

from kamlib.periods import Quarter

__all__ = ["KEY", "by_quarter", "cached", "fiscal_index", "grouped", "like_engine",
           "quarter_index", "split"]

KEY = "fiscal_quarter_ordinal_"
"""The column a batch query tags its rows with (:func:`fiscal_index` of their date)."""


def fiscal_index(day, start_month: int):
    """The fiscal quarter ordinal of a date expression: ``(year * 12 + month -
    start_month) // 3``, equal to :func:`quarter_index` of the quarter holding the day
    (null when the day is null)."""
    return (day.year() * 12 + day.month() - start_month) // 3


def quarter_index(q: Quarter) -> int:
    """The ordinal :func:`fiscal_index` gives the days of ``q`` (quarters of a fiscal
    year start ``start_month`` plus a multiple of 3 months, so every month of ``q``
    has the same one).

    >>> quarter_index(Quarter("2026Q1")), quarter_index(Quarter("2026Q2"))
    (8104, 8105)
    """
    return (q.start.year * 12 + q.start.month - q.start_month) // 3


def like_engine(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """``frame`` (a slice of a larger result) with the dtypes the engine gives a result
    holding exactly these rows, by the column's Ibis type in ``schema``.

    Ibis turns an integer column with no null into int64, with some nulls into float64
    and with only nulls into objects (None), a boolean column with a null into objects;
    a slice of a larger result keeps the larger result's dtype, so it is set again here.
    Other columns keep theirs. Returns a new frame.

    >>> import ibis
    >>> s = ibis.schema({"n": "int64", "b": "boolean"})
    >>> f = pd.DataFrame({"n": [1.0, None], "b": [True, None]})
    >>> like_engine(f.iloc[:1], s).dtypes.tolist()
    [dtype('int64'), dtype('bool')]
    >>> like_engine(f.iloc[1:], s).n.tolist()
    [None]
    """
    out = frame.copy()
    for name, dtype in schema.items():
        if name not in out or not (dtype.is_integer() or dtype.is_boolean()):
            continue
        col = out[name]
        nulls = col.isna()
        if not nulls.any():
            out[name] = col.astype("int64" if dtype.is_integer() else bool)
        elif nulls.all() or dtype.is_boolean():
            out[name] = pd.Series([None if n else v for v, n in zip(col.tolist(), nulls,
                                                                     strict=True)],
                                  index=col.index, dtype=object)
        else:
            out[name] = col.astype("float64")
    return out


def split(frame: pd.DataFrame, key: str, schema, by: list[str] | str | None) -> dict:
    """``frame`` split on column ``key`` (dropped): one frame per value, rows ordered by
    ``by`` as :func:`kamlib.data.sources.fetch` orders them, index reset, dtypes as the
    engine gives them (:func:`like_engine`); ``schema`` is the one-quarter result's.

    >>> import ibis
    >>> f = pd.DataFrame({"k": [2, 1, 2], "a": ["y", "x", "x"], "n": [1, 2, 3]})
    >>> out = split(f, "k", ibis.schema({"a": "string", "n": "int64"}), by="a")
    >>> sorted(out), out[2].a.tolist()
    ([1, 2], ['x', 'y'])
    """
    keys = [by] if isinstance(by, str) else list(schema.names) if by is None else by
    out = {}
    for k, part in frame.groupby(key, sort=True):
        part = like_engine(part.drop(columns=key), schema)
        part = part.sort_values(keys, kind="stable", na_position="last")
        out[k] = part.reset_index(drop=True)
    return out


_STORE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""The batches of each data set, by the name of the panel and its arguments; keyed on the
data object itself and gone with it."""


def cached(data, key: Hashable, build: Callable[[], object]):
    """``build()`` once per data object and ``key`` (which must name the panel and every
    argument that changes its result); later calls return the stored value."""
    done = _STORE.setdefault(data, {})
    if key not in done:
        done[key] = build()
    return done[key]


def grouped(expr, schema, by: list[str] | str | None) -> tuple[dict, pd.DataFrame]:
    """Run ``expr`` (rows or groups tagged with :data:`KEY`; untagged ones are left out)
    once and :func:`split` it by quarter ordinal; also the frame of a quarter without
    rows. ``schema`` and ``by`` are those of the one-quarter query's ``fetch``."""
    from kamlib.data.sources import fetch

    keys = [by] if isinstance(by, str) else list(schema.names) if by is None else by
    res = fetch(expr.filter(expr[KEY].notnull()), by=[KEY, *keys])
    empty = like_engine(res.iloc[0:0].drop(columns=KEY), schema).reset_index(drop=True)
    return split(res, KEY, schema, by), empty


def by_quarter(data, name: str, quarters, build: Callable[[int], tuple[dict, pd.DataFrame]]
               ) -> dict:
    """The frames of ``quarters`` (Quarters or labels) for the panel ``name``, by quarter,
    from ``build(start_month)`` (the frames of every quarter by ordinal, and that of a
    quarter without rows), run once per data set, panel and fiscal start month (a copy is
    returned each time).

    >>> by_quarter(None, "any", [], build=None)
    {}
    """
    from kamlib.periods import as_quarter

    wanted = list(dict.fromkeys(as_quarter(q) for q in quarters))
    out = {}
    for sm in sorted({q.start_month for q in wanted}):
        parts, empty = cached(data, (name, sm), lambda sm=sm: build(sm))
        out.update({q: parts.get(quarter_index(q), empty).copy()
                    for q in wanted if q.start_month == sm})
    return out
