"""Row buffers and Arrow columns of the synthetic-data generator
(kamlib.data.synth.columns)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kamlib.data.synth.columns import Rows, dates, ids, labels, pick, stamps


def test_rows_collect_chunks_column_by_column():
    r = Rows("account", "score")
    assert [len(v) for v in r.arrays().values()] == [0, 0]  # empty until added to
    r.add(account=np.array([1, 2]), score=np.array([9, 7]))
    r.add(account=3, score=10)  # a scalar is one row
    got = r.arrays()
    assert got["account"].tolist() == [1, 2, 3] and got["score"].tolist() == [9, 7, 10]
    with pytest.raises(AssertionError):
        r.add(account=np.array([1, 2]), score=np.array([1]))


def test_ids_are_padded_but_never_cut():
    assert ids("C", 3, 6).to_pylist() == ["C000001", "C000002", "C000003"]
    assert ids("K", 12, 1).to_pylist()[-3:] == ["K10", "K11", "K12"]
    assert ids("P", 0, 6).to_pylist() == []


def test_pick_and_labels_with_minus_one_as_null():
    values = ids("A", 3, 3)
    assert pick(values, np.array([2, -1, 0])).to_pylist() == ["A003", None, "A001"]
    assert labels(("in", "out"), np.array([1, 1, -1])).to_pylist() == ["out", "out", None]


def test_dates_and_stamps_from_day_and_second_numbers():
    # day 18628 = 2021-01-01; 86400 + 3600 s = 1970-01-02 01:00
    assert dates(np.array([18628, -1])).to_pylist() == [dt.date(2021, 1, 1), None]
    assert stamps(np.array([86400 + 3600, -5])).to_pylist() == [
        dt.datetime(1970, 1, 2, 1, 0), None]
