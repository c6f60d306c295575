"""Day-to-day engagement: interactions, social mentions and monthly SLA checks.

Interactions follow a Poisson process with seasonality (``SEASON``), a rate per
account and "neglect" spells (a month or three at 4 % of the usual rate) that
start more often under less satisfied KAMs. Inbound contacts are more frequent
from unhealthy accounts; about half of them are requests, resolved after a
log-normal delay (median 18 hours).

>>> eng = Engagement(accounts=2)
>>> eng.neglect.tolist()
[0, 0]
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import Rows, dates, ids, labels, pick, stamps
from kamlib.data.synth.parameters import INTERACTION_CHANNEL_P, INTERACTION_CHANNELS, SEASON, SLAS
from kamlib.data.synth.people import Book, Staff

__all__ = ["Engagement", "interactions", "interactions_table", "mentions", "mentions_table",
           "sla_checks", "sla_table"]


class Engagement:
    """Neglect spells in progress and the rows of the three engagement tables."""

    def __init__(self, accounts: int):
        self.neglect = np.zeros(accounts, int)  # months of neglect left
        self.inter = Rows("account", "kam", "ts", "inbound", "channel", "request", "resolved")
        self.ment = Rows("account", "day", "source", "sentiment")
        self.slas = Rows("account", "day", "sla", "met")


def interactions(rng: np.random.Generator, eng: Engagement, staff: Staff, book: Book,
                 act: np.ndarray, a_from: np.ndarray, a_to: np.ndarray, ms: int, me: int,
                 m: int, d_end: int) -> tuple[np.ndarray, np.ndarray] | None:
    """One month of interactions of the accounts ``act``, each active ``a_from`` .. ``a_to``.

    Returns the accounts and timestamps (seconds) of the month's interactions, or
    None when there were none.
    """
    owner, health = book.owner, book.health
    neglect = eng.neglect
    # neglect spells, more likely under less satisfied KAMs
    p_neg = np.clip(0.03 + 0.02 * (7.2 - staff.sat[owner[act]]), 0.005, 0.15)
    start_neg = (neglect[act] == 0) & (rng.random(len(act)) < p_neg)
    neglect[act[start_neg]] = rng.integers(1, 4, start_neg.sum())
    mult = np.where(neglect[act] > 0, 0.04, 1.0)
    frac = (a_to - a_from + 1) / (me - ms + 1)
    lam = book.rate[act] * SEASON[m - 1] * mult * frac * np.exp(0.1 * health[act])
    cnt = rng.poisson(lam)
    neglect[act] = np.maximum(neglect[act] - 1, 0)
    ia = np.repeat(act, cnt)
    if not len(ia):
        return None
    lo = np.repeat(a_from, cnt)
    hi = np.repeat(a_to, cnt)
    secs = (lo * 86400 + rng.random(len(ia)) * (hi - lo + 1) * 86400).astype(np.int64)
    secs = (secs // 60) * 60
    p_in = np.clip(0.35 - 0.05 * health[ia], 0.1, 0.7)
    inbound = rng.random(len(ia)) < p_in
    chan = rng.choice(len(INTERACTION_CHANNELS), len(ia), p=INTERACTION_CHANNEL_P)
    request = inbound & (rng.random(len(ia)) < 0.45)
    res_h = np.exp(rng.normal(math.log(18), 1.0, len(ia)))
    resolved = secs + (res_h * 3600).astype(np.int64)
    never = rng.random(len(ia)) < 0.01
    resolved = np.where(request & ~never & (resolved <= (d_end + 1) * 86400), resolved, -1)
    eng.inter.add(account=ia, kam=owner[ia], ts=secs, inbound=inbound, channel=chan,
                  request=request, resolved=resolved)
    return ia, secs


def mentions(rng: np.random.Generator, eng: Engagement, book: Book, act: np.ndarray,
             ms: int) -> None:
    """One month of social mentions: 3 % of active accounts, plus a few about no account."""
    health = book.health
    mm_ = act[rng.random(len(act)) < 0.03]
    if len(mm_):
        eng.ment.add(account=mm_, day=ms + rng.integers(0, 28, len(mm_)),
                     source=rng.integers(0, 4, len(mm_)),
                     sentiment=np.round(np.clip(rng.normal(0.1 + 0.25 * health[mm_], 0.35),
                                                -1, 1), 2))
    n_anon = rng.poisson(0.02 * max(len(act), 1))
    if n_anon:
        eng.ment.add(account=np.full(n_anon, -1), day=ms + rng.integers(0, 28, n_anon),
                     source=rng.integers(0, 4, n_anon),
                     sentiment=np.round(np.clip(rng.normal(0.05, 0.4, n_anon), -1, 1), 2))


def sla_checks(rng: np.random.Generator, eng: Engagement, book: Book, act: np.ndarray,
               me: int) -> None:
    """Every SLA of every active account, checked on the month's last day ``me``."""
    for s_i in range(len(SLAS)):
        met = rng.random(len(act)) < np.clip(0.93 + 0.02 * book.health[act], 0.5, 0.995)
        eng.slas.add(account=act, day=np.full(len(act), me), sla=np.full(len(act), s_i),
                     met=met)


def interactions_table(eng: Engagement, acc_ids: pa.Array, kam_ids: pa.Array) -> pa.Table:
    """The interactions table, by time and account."""
    it = eng.inter.arrays()
    order = np.lexsort((it["account"], it["ts"]))
    it = {k: x[order] for k, x in it.items()}
    n_i = len(it["ts"])
    return pa.table({
        "interaction_id": ids("I", n_i, max(8, len(str(n_i)))),
        "account_id": pick(acc_ids, it["account"]),
        "kam_id": pick(kam_ids, it["kam"]),
        "occurred_at": stamps(it["ts"]),
        "direction": labels(("outbound", "inbound"), it["inbound"].astype(int)),
        "channel": labels(INTERACTION_CHANNELS, it["channel"]),
        "is_request": pa.array(it["request"].astype(bool)),
        "resolved_at": stamps(np.where(it["request"].astype(bool), it["resolved"], -1)),
    })


def mentions_table(eng: Engagement, acc_ids: pa.Array) -> pa.Table:
    """The mentions table, by day and account."""
    m = eng.ment.arrays()
    order = np.lexsort((m["account"], m["day"]))
    m = {k: x[order] for k, x in m.items()}
    return pa.table({
        "mention_id": ids("M", len(m["day"]), 6),
        "account_id": pick(acc_ids, m["account"].astype(int)),
        "occurred_on": dates(m["day"]),
        "source": labels(("linkedin", "x", "press", "review_site"), m["source"]),
        "sentiment": pa.array(m["sentiment"]),
    })


def sla_table(eng: Engagement, acc_ids: pa.Array) -> pa.Table:
    """The sla_checks table, by day, account and SLA."""
    s = eng.slas.arrays()
    order = np.lexsort((s["sla"], s["account"], s["day"]))
    s = {k: x[order] for k, x in s.items()}
    return pa.table({
        "check_id": ids("S", len(s["day"]), max(7, len(str(len(s["day"]))))),
        "account_id": pick(acc_ids, s["account"]),
        "period_end": dates(s["day"]),
        "sla": labels(SLAS, s["sla"]),
        "met": pa.array(s["met"].astype(bool)),
    })
