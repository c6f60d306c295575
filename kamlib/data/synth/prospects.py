"""The sales pipeline: prospects, their touches, and which of them become key accounts.

A prospect converts with probability ``logistic(a + b n - c n^2)`` where ``n`` is
the number of touches in its own channel; each channel has its own peak
``n* = b / (2 c)`` (``TOUCH_PEAK``). About one won deal in ``PIPELINE_KEY_SHARE``
becomes a key account; the rest are served elsewhere.

>>> a, b, c = touch_curves()["referral"]
>>> round(b / (2 * c), 6)  # the peak of the curve
2.0
>>> round(float(logistic(a + b * 2 - c * 4)), 6)  # the probability at the peak
0.55
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kamlib.data.synth.columns import dates, ids, labels, pick, stamps
from kamlib.data.synth.parameters import (
    PIPELINE_KEY_SHARE,
    PROSPECT_CHANNEL_P,
    PROSPECT_CHANNELS,
    TOUCH_CURV,
    TOUCH_PEAK,
    TOUCH_PEAK_P,
    SynthConfig,
    logistic,
)
from kamlib.data.synth.people import Book, Staff

__all__ = ["Pipeline", "draw_pipeline", "link_referrals", "pick_key_accounts",
           "prospect_tables", "touch_curves"]


@dataclass
class Pipeline:
    """Every prospect: first contact, channel, touches, owner and outcome (day numbers)."""

    first: np.ndarray
    channel: np.ndarray
    touches: np.ndarray  # touches in the prospect's own channel
    kam: np.ndarray
    span: np.ndarray  # days over which the touches happen
    outcome_day: np.ndarray
    converts: np.ndarray
    lost: np.ndarray
    curve: dict[str, tuple[float, float, float]]
    account: np.ndarray | None = None  # the key account a won deal became, -1 otherwise
    referred: np.ndarray | None = None  # the referring account of a referral prospect

    @property
    def n(self) -> int:
        return len(self.first)


def touch_curves() -> dict[str, tuple[float, float, float]]:
    """``(a, b, c)`` of each channel's conversion curve, from its peak and peak probability."""
    curve = {}
    for ch in PROSPECT_CHANNELS:
        b = 2 * TOUCH_CURV * TOUCH_PEAK[ch]
        a = math.log(TOUCH_PEAK_P[ch] / (1 - TOUCH_PEAK_P[ch])) - b * TOUCH_PEAK[ch] \
            + TOUCH_CURV * TOUCH_PEAK[ch] ** 2
        curve[ch] = (a, b, TOUCH_CURV)
    return curve


def draw_pipeline(cfg: SynthConfig, rng: np.random.Generator, staff: Staff, d0: int,
                  d_end: int) -> Pipeline:
    """Enough prospects to win the accounts that are not legacy customers."""
    n_new_target = cfg.accounts - cfg.n_legacy
    peak_curve = touch_curves()
    exp_conv = 0.26
    # the pipeline is wider than the key-account book: about one won deal in
    # PIPELINE_KEY_SHARE becomes a key account, the rest are served elsewhere
    n_pros = max(10, round(n_new_target / exp_conv / PIPELINE_KEY_SHARE))
    p_first = np.sort(rng.integers(d0 - 180, d_end - 20, n_pros))
    p_channel = rng.choice(len(PROSPECT_CHANNELS), n_pros, p=PROSPECT_CHANNEL_P)
    # KAMs spread their effort around each channel's usual level: 1 .. 2 x peak + 3 touches
    top = np.array([2 * TOUCH_PEAK[PROSPECT_CHANNELS[c]] + 3 for c in p_channel])
    p_touches = 1 + np.floor(rng.random(n_pros) * top).astype(int)
    # each prospect goes to a KAM employed on its first-contact day
    u_kam = rng.random(n_pros)
    p_kam = np.empty(n_pros, int)
    for j in range(n_pros):
        day = p_first[j]
        ok = np.flatnonzero((staff.hired <= day) & ((staff.left < 0) | (staff.left > day + 200)))
        if len(ok) == 0:
            ok = np.flatnonzero((staff.left < 0) | (staff.left > day))
        p_kam[j] = ok[int(u_kam[j] * len(ok))]
    a_, b_, c_ = (np.array([peak_curve[PROSPECT_CHANNELS[c]][i] for c in p_channel])
                  for i in range(3))
    p_conv_prob = logistic(a_ + b_ * p_touches - c_ * p_touches**2)
    p_span = rng.integers(20, 140, n_pros)
    p_outcome_day = p_first + p_span + rng.integers(1, 25, n_pros)
    p_converts = (rng.random(n_pros) < p_conv_prob) & (p_outcome_day <= d_end)
    p_lost = ~p_converts & (rng.random(n_pros) < 0.85) & (p_outcome_day <= d_end)
    p_outcome_day = np.where(p_converts, p_outcome_day + rng.integers(0, 10, n_pros),
                             p_outcome_day)
    p_converts &= p_outcome_day <= d_end
    return Pipeline(first=p_first, channel=p_channel, touches=p_touches, kam=p_kam,
                    span=p_span, outcome_day=p_outcome_day, converts=p_converts, lost=p_lost,
                    curve=peak_curve)


def pick_key_accounts(rng: np.random.Generator, pipe: Pipeline, n_legacy: int) -> np.ndarray:
    """The won deals that become key accounts, in order of winning.

    They are numbered after the ``n_legacy`` legacy accounts (``pipe.account``).
    """
    p_key = rng.random(pipe.n) < PIPELINE_KEY_SHARE
    won = np.flatnonzero(pipe.converts & p_key)
    won = won[np.argsort(pipe.outcome_day[won], kind="stable")]
    pipe.account = np.full(pipe.n, -1)
    pipe.account[won] = np.arange(n_legacy, n_legacy + len(won))
    pipe.referred = np.full(pipe.n, -1)
    return won


def link_referrals(rng: np.random.Generator, pipe: Pipeline, won: np.ndarray,
                   book: Book) -> None:
    """Every referral prospect names a random legacy account as its referrer."""
    n_leg = book.n_legacy
    ref_ch = PROSPECT_CHANNELS.index("referral")
    for j, p in enumerate(won):
        if pipe.channel[p] == ref_ch:
            book.referred_by[n_leg + j] = rng.integers(0, n_leg)
            pipe.referred[p] = book.referred_by[n_leg + j]
    for p in np.flatnonzero((pipe.channel == ref_ch) & (pipe.referred < 0)):
        pipe.referred[p] = rng.integers(0, n_leg)


def prospect_tables(rng: np.random.Generator, pipe: Pipeline, d_end: int, acc_ids: pa.Array,
                    kam_ids: pa.Array) -> dict[str, pa.Table]:
    """The prospects and prospect_touches tables."""
    n = pipe.n
    ch = pipe.channel
    conv, lost = pipe.converts, pipe.lost
    outcome = pipe.outcome_day
    ref_ch = PROSPECT_CHANNELS.index("referral")
    heard_map = {"referral": "referral", "inbound_web": "web_search", "event": "event",
                 "partner": "partner"}
    heard = [heard_map.get(PROSPECT_CHANNELS[c]) for c in ch]
    pros = pa.table({
        "prospect_id": ids("P", n, max(6, len(str(n)))),
        "kam_id": pick(kam_ids, pipe.kam),
        "first_contact_on": dates(pipe.first),
        "channel": labels(PROSPECT_CHANNELS, ch),
        "heard_about_us": pa.array(heard),
        "referred_by": pick(acc_ids, np.where(ch == ref_ch, pipe.referred, -1)),
        "converted_on": dates(np.where(conv, outcome, -1)),
        "account_id": pick(acc_ids, np.where(conv, pipe.account, -1)),
        "lost_on": dates(np.where(lost, outcome, -1)),
    })
    # touches: the counted touches are in the prospect's own channel; a few others are noise
    own = pipe.touches
    other = rng.poisson(0.3, n)
    tot = own + other
    pid = np.repeat(np.arange(n), tot)
    is_own = np.concatenate([np.r_[np.ones(a, bool), np.zeros(b, bool)]
                             for a, b in zip(own, other, strict=True)]) if n else np.array([], bool)
    first = np.repeat(pipe.first, tot)
    span = np.repeat(pipe.span, tot)
    pos = np.concatenate([np.arange(k) for k in tot]) if n else np.array([], int)
    frac = np.where(pos == 0, 0.0, rng.random(len(pid)))
    day = first + np.floor(frac * span).astype(int)
    secs = day * 86400 + rng.integers(8 * 3600, 18 * 3600, len(pid))
    secs = (secs // 60) * 60
    tch = np.where(is_own, np.repeat(ch, tot),
                   rng.integers(0, len(PROSPECT_CHANNELS), len(pid)))
    keep = day <= d_end
    pid, secs, tch = pid[keep], secs[keep], tch[keep]
    order = np.lexsort((pid, secs))
    pid, secs, tch = pid[order], secs[order], tch[order]
    touches = pa.table({
        "touch_id": ids("T", len(pid), max(7, len(str(len(pid))))),
        "prospect_id": pc.take(pros["prospect_id"], pa.array(pid)),
        "occurred_at": stamps(secs),
        "channel": labels(PROSPECT_CHANNELS, tch),
    })
    return {"prospects": pros, "prospect_touches": touches}
