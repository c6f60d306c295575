"""Panels of every quarter from one grouped query (kamlib.panels.batch): the fiscal
quarter ordinal of a date, the engine's dtypes of a slice, the per-data-set store."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.panels import batch
from kamlib.periods import Quarter


def test_quarter_index_counts_fiscal_quarters():
    # January start: 2026Q1 starts 2026-01 -> (2026 * 12 + 1 - 1) // 3 = 24312 // 3 = 8104
    assert batch.quarter_index(Quarter("2026Q1")) == 8104
    # April start: 2026Q1 runs 2025-04..06 -> (2025 * 12 + 4 - 4) // 3 = 24300 // 3 = 8100,
    # and 2026Q4 (2026-01..03) -> (2026 * 12 + 1 - 4) // 3 = 24309 // 3 = 8103
    assert batch.quarter_index(Quarter("2026Q1", 4)) == 8100
    assert batch.quarter_index(Quarter("2026Q4", 4)) == 8103
    assert batch.quarter_index(Quarter("2027Q1", 4)) == 8104


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=20), st.integers(1, 12))
def test_property_the_ordinal_of_a_day_is_that_of_its_quarter(days, start_month):
    dates = [date(2022, 1, 1) + timedelta(days=d) for d in days]
    t = ibis.memtable({"d": dates})
    got = t.select(k=batch.fiscal_index(t.d, start_month)).execute().k.tolist()
    assert got == [batch.quarter_index(Quarter.containing(d, start_month)) for d in dates]


def test_like_engine_gives_a_slice_the_dtypes_of_a_result_of_its_own():
    s = ibis.schema({"a": "string", "n": "int64", "b": "boolean", "x": "float64"})
    f = pd.DataFrame({"a": ["p", "q", "r", "s"], "n": [1.0, None, 3.0, None],
                      "b": [True, None, False, None], "x": [0.5, None, 1.5, 2.0]})
    whole = batch.like_engine(f, s)
    assert whole.n.dtype == "float64" and whole.b.dtype == object  # some nulls
    full = batch.like_engine(f.iloc[[0, 2]], s)  # no null: int64 and bool
    assert full.n.tolist() == [1, 3] and full.n.dtype == "int64" and full.b.dtype == bool
    none = batch.like_engine(f.iloc[[1, 3]], s)  # only nulls: objects (None)
    assert none.n.tolist() == [None, None] and none.n.dtype == object
    empty = batch.like_engine(f.iloc[0:0], s)
    assert empty.n.dtype == "int64" and empty.b.dtype == bool
    assert full.x.dtype == "float64" and full.a.tolist() == ["p", "r"]


def test_split_orders_each_part_like_fetch():
    f = pd.DataFrame({"k": [5, 4, 5, 5], "a": ["z", "x", "x", "y"], "n": [1, 2, 3, 4]})
    out = batch.split(f, "k", ibis.schema({"a": "string", "n": "int64"}), by="a")
    assert sorted(out) == [4, 5]
    assert out[5].a.tolist() == ["x", "y", "z"] and out[5].index.tolist() == [0, 1, 2]
    assert out[5].n.tolist() == [3, 4, 1] and "k" not in out[5]


class _Data:
    """A stand-in data object (weak-referenceable, hashable by identity)."""


def test_cached_builds_once_per_data_set_and_key():
    calls = []

    def build(tag):
        calls.append(tag)
        return tag

    one, two = _Data(), _Data()
    assert batch.cached(one, ("p", 1), lambda: build("a")) == "a"
    assert batch.cached(one, ("p", 1), lambda: build("b")) == "a"  # served from the store
    assert batch.cached(one, ("p", 4), lambda: build("c")) == "c"  # another start month
    assert batch.cached(two, ("p", 1), lambda: build("d")) == "d"  # another data set
    assert calls == ["a", "c", "d"]


def test_by_quarter_keeps_fiscal_start_months_apart():
    seen = []

    def build(sm):
        seen.append(sm)
        frames = {batch.quarter_index(Quarter("2026Q1", sm)): pd.DataFrame({"sm": [sm]})}
        return frames, pd.DataFrame({"sm": pd.Series(dtype="int64")})

    data = _Data()
    jan, apr = Quarter("2026Q1", 1), Quarter("2026Q1", 4)  # equal as quarters, not as dates
    got = batch.by_quarter(data, "p", [jan, apr, Quarter("2026Q2", 1)], build)
    assert got[jan].sm.tolist() == [1] and len(got[Quarter("2026Q2", 1)]) == 0
    assert batch.by_quarter(data, "p", [apr], build)[apr].sm.tolist() == [4]
    assert seen == [1, 4]
    got[jan].loc[0, "sm"] = 99  # a copy: the store is not affected
    assert batch.by_quarter(data, "p", [jan], build)[jan].sm.tolist() == [1]
    with pytest.raises(ValueError):
        batch.by_quarter(data, "p", ["2026Q9"], build)
