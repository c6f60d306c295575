"""Hand-made pieces of the synthetic-data generator (``kamlib.data.synth``) for its tests.

:func:`staff` and :func:`book` build small KAM rosters and account books. The
generator's steps take numpy's random Generator as an argument; given a
:class:`FixedRng` instead, every draw is fixed, so a test can work out by hand what
a step must produce:

* ``random``: the next array queued in ``uniforms``, else ``u`` everywhere;
* ``integers`` and ``uniform``: the low end;
* ``normal``: the mean; ``poisson``: the mean rounded; ``choice``: the first option.

>>> rng = FixedRng(uniforms=[[0.1, 0.9]], u=0.5)
>>> rng.random(2).tolist(), rng.random(2).tolist()
([0.1, 0.9], [0.5, 0.5])
>>> rng.normal([1.0, 2.0], 0.3).tolist(), int(rng.integers(3, 9))
([1.0, 2.0], 3)
>>> book(owner=[0, 1]).n, staff(sat=[7.0, 8.0]).n
(2, 2)
"""

from __future__ import annotations

import numpy as np

from kamlib.data.synth.parameters import PRODUCT_LINES, SEGMENT, SEGMENTS
from kamlib.data.synth.people import Book, Staff


def staff(sat=(7.2, 7.2), hired=None, left=None, team=None) -> Staff:
    """KAMs 0, 1, ... with the given satisfaction, all hired long ago, none leaving."""
    n = len(sat)
    sat = np.asarray(sat, float)
    return Staff(n_active=n, team=np.zeros(n, int) if team is None else np.asarray(team),
                 hired=np.full(n, -10_000) if hired is None else np.asarray(hired),
                 left=np.full(n, -1) if left is None else np.asarray(left),
                 sat=sat, sat_mu=sat.copy(), replacement={})


def book(owner=(0,), segment: str = "enterprise", **columns) -> Book:
    """Legacy accounts 0, 1, ... of one segment owned by ``owner``: value 1000, margin
    40 %, health 0, 10 interactions a month, primary line 0; ``columns`` override."""
    n = len(owner)
    seg = np.full(n, SEGMENTS.index(segment))
    seg_par = {k: np.full(n, float(SEGMENT[segment][k]))
               for k in ("value", "value_sd", "margin", "nps_mu", "rate", "hr")}
    owned = np.zeros((n, len(PRODUCT_LINES)), bool)
    owned[:, 0] = True
    cols = dict(n_legacy=n, seg=seg, seg_par=seg_par, value0=np.full(n, 1000.0),
                margin=np.full(n, 0.4), trait_mu=np.zeros(n), health=np.zeros(n),
                rate=np.full(n, 10.0), primary_line=np.zeros(n, int), owned=owned,
                acq_day=np.zeros(n, int), owner=np.asarray(owner, int),
                acq_channel=np.full(n, -1), referred_by=np.full(n, -1))
    cols.update({k: (np.asarray(v) if k != "n_legacy" else v) for k, v in columns.items()})
    return Book(**cols)


class FixedRng:
    """Fixed draws in place of ``numpy.random.Generator`` (see the module's docstring)."""

    def __init__(self, uniforms=(), u: float = 0.5) -> None:
        self.queue = [np.asarray(x, float) for x in uniforms]
        self.u = u

    @staticmethod
    def _fill(value, size):
        if size is None:
            return np.asarray(value).copy() if np.ndim(value) else value
        return np.broadcast_to(value, size).copy()

    def random(self, size=None):
        if self.queue:
            return self.queue.pop(0)
        return self._fill(self.u, size)

    def integers(self, low, high=None, size=None):
        return self._fill(np.int64(low), size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._fill(float(low), size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._fill(np.asarray(loc, float), size)

    def poisson(self, lam=1.0, size=None):
        return np.rint(self._fill(np.asarray(lam, float), size)).astype(np.int64)

    def choice(self, a, size=None, replace=True, p=None):
        first = 0 if np.ndim(a) == 0 else np.asarray(a)[0]
        return self._fill(first, size)
