"""Row buffers for the simulation and the Arrow columns the tables are built from.

Indexes stand for ids until the tables are assembled; ``-1`` means "none" and
becomes NULL.

>>> rows = Rows("account", "day")
>>> rows.add(account=np.array([0, 1]), day=np.array([10, 11]))
>>> rows.add(account=2, day=12)
>>> rows.arrays()["day"].tolist()
[10, 11, 12]
>>> ids("A", 3, 5).to_pylist()
['A00001', 'A00002', 'A00003']
>>> pick(ids("A", 3, 5), np.array([2, -1])).to_pylist()
['A00003', None]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Rows", "dates", "ids", "labels", "pick", "stamps"]


class Rows:
    """Column-wise row buffer: append numpy chunks, concatenate once."""

    def __init__(self, *cols: str):
        self.cols = {c: [] for c in cols}

    def add(self, **arrays) -> None:
        n = {len(np.atleast_1d(v)) for v in arrays.values()}
        assert len(n) == 1, n
        for c in self.cols:
            self.cols[c].append(np.atleast_1d(arrays[c]))

    def arrays(self) -> dict[str, np.ndarray]:
        return {c: (np.concatenate(v) if v else np.array([])) for c, v in self.cols.items()}


def ids(prefix: str, n: int, width: int) -> pa.Array:
    """``n`` ids: the prefix and 1 .. n padded with zeros to ``width`` digits."""
    nums = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, width, "0"), "")


def pick(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx] with -1 meaning NULL."""
    idx = np.asarray(idx, dtype=np.int64)
    return pc.take(values, pa.array(np.where(idx >= 0, idx, 0), mask=idx < 0))


def dates(days: np.ndarray) -> pa.Array:
    """Day numbers as dates (negative: NULL).

    >>> dates(np.array([0, -1])).to_pylist()
    [datetime.date(1970, 1, 1), None]
    """
    days = np.asarray(days, dtype=np.int64)
    return pa.array(days.astype(np.int32), mask=days < 0, type=pa.int32()).cast(pa.date32())


def stamps(secs: np.ndarray) -> pa.Array:
    """Seconds since 1970 as timestamps (negative: NULL)."""
    secs = np.asarray(secs, dtype=np.int64)
    return pa.array(secs, mask=secs < 0, type=pa.int64()).cast(pa.timestamp("s"))


def labels(values: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    """values[idx] as strings (-1: NULL).

    >>> labels(("a", "b"), np.array([1, -1, 0])).to_pylist()
    ['b', None, 'a']
    """
    return pick(pa.array(list(values)), idx)
