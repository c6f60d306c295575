"""The ``acquisition_costs`` table: what winning each new account cost, per channel.

Every account won within the history (its first contract starts on or after the
history's start) through an acquisition channel cost a Gamma-distributed amount with
the channel's true mean :data:`COST_PER_WON` (shape :data:`COST_SHAPE`). The cost is
split into a marketing row (no KAM) and a sales row carrying the KAM who worked the
prospect (the one of its ``prospects`` row; an account without one has only a
marketing row). Both are incurred in the calendar month the account is won, on or
before its first contract's start, so that a trailing-12-month window of months sees
the costs of exactly the accounts it sees won.

The draws come from their own seeded generator (the data set's seed and
:data:`STREAM`), after the simulation: every other table stays byte-identical.

>>> import pyarrow as pa
>>> from datetime import date
>>> tables = {
...     "accounts": pa.table({"account_id": ["A1", "A2"],
...                           "acquisition_channel": ["event", None]}),
...     "contracts": pa.table({"account_id": ["A1", "A2"],
...                            "start_on": [date(2022, 5, 10), date(2022, 6, 1)]}),
...     "prospects": pa.table({"account_id": ["A1"], "kam_id": ["K1"]})}
>>> t, truth = acquisition_costs(SynthConfig(seed=1), tables)
>>> t.column("cost_id").to_pylist(), t.column("kam_id").to_pylist()
(['AC000001', 'AC000002'], [None, 'K1'])
>>> all(date(2022, 5, 1) <= d <= date(2022, 5, 10) for d in t.column("incurred_on").to_pylist())
True
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import dates, ids
from kamlib.data.synth.parameters import PROSPECT_CHANNELS, SynthConfig
from kamlib.data.synth.timeline import EPOCH, day

__all__ = ["COST_PER_WON", "COST_SHAPE", "SALES_SHARE", "STREAM", "acquisition_costs"]

COST_PER_WON = {"cold_call": 45_000.0, "email": 30_000.0, "face_to_face": 60_000.0,
                "event": 55_000.0, "referral": 15_000.0, "inbound_web": 25_000.0,
                "partner": 40_000.0, "other": 35_000.0}
"""The true mean cost of winning one account, per channel (what ``cac`` estimates)."""
COST_SHAPE = 4.0
"""Shape of the Gamma cost of one won account (coefficient of variation 1/2)."""
SALES_SHARE = (0.2, 0.6)
"""The sales row's share of an account's cost is uniform in this range."""
STREAM = 0xCAC
"""Mixed with the seed for the generator of the costs (a stream of their own)."""


def _won(tables: dict[str, pa.Table], first_day: int) -> tuple[np.ndarray, ...]:
    """Accounts won within the history through a channel: index, channel, win day."""
    acc = tables["accounts"]
    ch = acc.column("acquisition_channel").to_pylist()
    c = tables["contracts"]
    starts: dict[str, int] = {}
    for a, s in zip(c.column("account_id").to_pylist(), c.column("start_on").to_pylist(),
                    strict=True):
        d = day(s)
        starts[a] = min(d, starts.get(a, d))
    ids_ = acc.column("account_id").to_pylist()
    keep = [i for i, a in enumerate(ids_)
            if ch[i] is not None and starts.get(a, -1) >= first_day]
    return (np.array(keep, dtype=np.int64),
            np.array([PROSPECT_CHANNELS.index(ch[i]) for i in keep], dtype=np.int64),
            np.array([starts[ids_[i]] for i in keep], dtype=np.int64))


def acquisition_costs(cfg: SynthConfig, tables: dict[str, pa.Table]) -> tuple[pa.Table, dict]:
    """The acquisition_costs table of a simulated data set and its truth.

    ``tables`` needs ``accounts`` (account_id, acquisition_channel), ``contracts``
    (account_id, start_on) and ``prospects`` (account_id, kam_id).
    """
    rng = np.random.Generator(np.random.PCG64([cfg.seed, STREAM]))
    idx, ch, won = _won(tables, day(cfg.start))
    acc_ids = tables["accounts"].column("account_id").to_pylist()
    p = tables["prospects"]
    kam_of = {a: k for a, k in zip(p.column("account_id").to_pylist(),
                                   p.column("kam_id").to_pylist(), strict=True) if a is not None}
    mean = np.array([COST_PER_WON[PROSPECT_CHANNELS[c]] for c in ch])
    total = rng.gamma(COST_SHAPE, mean / COST_SHAPE)
    share = rng.uniform(*SALES_SHARE, len(idx))
    month_start = np.array([(np.datetime64(EPOCH + int(d), "M").astype("datetime64[D]") - EPOCH)
                            .astype(int) for d in won], dtype=np.int64)
    span = won - month_start + 1
    rows_acc, rows_ch, rows_day, rows_amount, rows_kam = [], [], [], [], []
    for i in range(len(idx)):
        kam = kam_of.get(acc_ids[idx[i]])
        parts = [(total[i], None)] if kam is None else \
            [(total[i] * (1 - share[i]), None), (total[i] * share[i], kam)]
        for amount, k in parts:
            rows_acc.append(idx[i])
            rows_ch.append(ch[i])
            rows_day.append(month_start[i] + int(rng.integers(0, span[i])))
            rows_amount.append(round(float(amount), 2))
            rows_kam.append(k)
    order = np.lexsort((np.array(rows_acc, dtype=np.int64), np.array(rows_day, dtype=np.int64)))
    n = len(order)
    table = pa.table({
        "cost_id": ids("AC", n, max(6, len(str(n)))),
        "incurred_on": dates(np.array(rows_day, dtype=np.int64)[order]) if n else
        pa.array([], pa.date32()),
        "channel": pa.array([PROSPECT_CHANNELS[rows_ch[j]] for j in order], pa.string()),
        "amount": pa.array([rows_amount[j] for j in order], pa.float64()),
        "kam_id": pa.array([rows_kam[j] for j in order], pa.string()),
    })
    truth = {
        "model": ("each account won within the history through a channel cost "
                  "Gamma(shape 4, mean cost_per_won_account[channel]), split into a marketing "
                  "row (no kam_id) and, when a prospect row names its KAM, a sales row "
                  "(20-60 % of it) carrying that KAM; both incurred in the calendar month "
                  "the account is won, on or before its first contract's start"),
        "cost_per_won_account": dict(COST_PER_WON),
        "accounts_with_costs": int(len(idx)),
    }
    return table, truth
