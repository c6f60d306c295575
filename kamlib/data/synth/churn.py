"""Renewal decisions: who churns at a contract end, and the covariates that decide it.

At every contract end the account churns with the grouped proportional-hazards
(complementary log-log) probability::

    P(churn) = 1 - exp(-exp(log(-log(1 - p0[k])) + sum_j beta_j (x_j - ref_j)))

where ``k`` counts the renewal decisions of the spell and the covariates are
measured at the end of the quarter before (``measure_quarter``): recent NPS,
the longest contact gap, and the owner's satisfaction. Renewals may be signed
late or early, grow with health, and carry the upsell bought meanwhile.

>>> risk = Risk(accounts=2, kams=1)
>>> risk.gap.tolist(), risk.ready
([30.0, 30.0], False)
"""

from __future__ import annotations

import math

import numpy as np

from kamlib.data.synth.columns import Rows
from kamlib.data.synth.money import Ledger
from kamlib.data.synth.parameters import BASE_CHURN, HAZARD_RATIOS, logistic
from kamlib.data.synth.people import Book
from kamlib.data.synth.surveys import Surveys
from kamlib.data.synth.timeline import day
from kamlib.periods import Quarter

__all__ = ["Risk", "decide_renewals", "measure_quarter"]

_REF = {k: v[2] for k, v in HAZARD_RATIOS.items()}
_BETA = {k: math.log(v[0]) for k, v in HAZARD_RATIOS.items()}


class Risk:
    """The churn covariates measured at the last quarter end, and every decision taken."""

    def __init__(self, accounts: int, kams: int):
        self.nps = np.full(accounts, _REF["recent_nps"])
        self.gap = np.full(accounts, _REF["max_gap_days"])
        self.ksat_by_kam = np.full(kams, _REF["kam_satisfaction"])
        self.ready = False  # False until the first quarter end: reference values apply
        self.last_touch = np.full(accounts, -1)
        self.decisions = Rows("account", "quarter", "k", "nps", "gap", "ksat", "churn",
                              "segment")


def decide_renewals(rng: np.random.Generator, risk: Risk, book: Book, ledger: Ledger, qi: int,
                    q_start: int, q_end: int) -> None:
    """Every contract ending in the quarter (``qi``-th) is renewed or not."""
    due = np.flatnonzero(book.alive & (ledger.cur_end >= q_start) & (ledger.cur_end <= q_end))
    if not len(due):
        return
    k = np.minimum(book.k_dec[due], len(BASE_CHURN) - 1)
    base = np.log(-np.log(1 - np.array(BASE_CHURN)[k]))
    if risk.ready:
        x_nps, x_gap = risk.nps[due], risk.gap[due]
        x_ks = risk.ksat_by_kam[book.owner[due]]
    else:
        x_nps = np.full(len(due), _REF["recent_nps"])
        x_gap = np.full(len(due), _REF["max_gap_days"])
        x_ks = np.full(len(due), _REF["kam_satisfaction"])
    eta = (base + np.log(book.seg_par["hr"])[due]
           + _BETA["recent_nps"] * (x_nps - _REF["recent_nps"])
           + _BETA["max_gap_days"] * (x_gap - _REF["max_gap_days"]) / 30
           + _BETA["kam_satisfaction"] * (x_ks - _REF["kam_satisfaction"]))
    p = 1 - np.exp(-np.exp(eta))
    churn = rng.random(len(due)) < p
    u_delay, u_change, u_wb, u_wbd = (rng.random(len(due)) for _ in range(4))
    for j, i in enumerate(due):
        cid, e = ledger.cur_id[i], ledger.cur_end[i]
        risk.decisions.add(account=i, quarter=qi, k=book.k_dec[i], nps=x_nps[j], gap=x_gap[j],
                           ksat=x_ks[j], churn=churn[j], segment=book.seg[i])
        if churn[j]:
            book.churn_end[i] = e
            if u_wb[j] < 0.08:
                book.winback_day[i] = e + 90 + int(u_wbd[j] * 450)
            continue
        if u_delay[j] < 0.15:
            s = e + 1 + 1 + int(u_delay[j] / 0.15 * 24)  # signed late, within grace
        elif u_delay[j] > 0.95:
            s = e - int((u_delay[j] - 0.95) / 0.05 * 20)  # restructured early
        else:
            s = e + 1
        v = ledger.cur_value[i]
        h = book.health[i]
        if u_change[j] < logistic(-1.2 + 0.9 * h):
            v *= 1.05 + 0.25 * u_change[j]
        elif u_change[j] > 1 - logistic(-3.0 - 0.8 * h):
            v *= 0.8
        else:
            v *= 1.03
        v += ledger.upsell_amt[i]
        ledger.upsell_amt[i] = 0.0
        book.k_dec[i] += 1
        ledger.new(i, s, round(v, -2), cid)


def measure_quarter(risk: Risk, book: Book, srv: Surveys, q: Quarter,
                    touched: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """The covariates at the end of quarter ``q`` for the next quarter's decisions.

    ``touched`` holds the quarter's interactions as (accounts, seconds) chunks.
    """
    n_acc, n_kam = len(risk.nps), len(risk.ksat_by_kam)
    q_start, q_end = day(q.start), day(q.end)
    last_touch = risk.last_touch
    qa = np.concatenate([x[0] for x in touched]) if touched else np.array([], int)
    qs = np.concatenate([x[1] for x in touched]) if touched else np.array([], int)
    qday = qs // 86400
    order = np.lexsort((qday, qa))
    qa, qday = qa[order], qday[order]
    t0 = np.where(last_touch >= 0, last_touch, np.maximum(q_start, book.spell_start))
    gap = np.full(n_acc, 0.0)
    # stretch from t0 to the first touch of the quarter, between touches, and to q_end
    if len(qa):
        first = np.r_[True, qa[1:] != qa[:-1]]
        prev = np.where(first, t0[qa], np.r_[0, qday[:-1]])
        diffs = qday - prev
        np.maximum.at(gap, qa, diffs)
        last_idx = np.r_[np.flatnonzero(first[1:]), len(qa) - 1]
        last_touch[qa[last_idx]] = qday[last_idx]
    risk.gap = np.maximum(gap, q_end - np.where(last_touch >= 0, last_touch, t0))
    # recent NPS and KAM satisfaction: mean score over the four quarters up to this one
    w_lo = day(q.shift(-3).start)
    r = srv.resp.arrays()
    if len(r["account"]):
        inw = (r["day"] >= w_lo) & (r["day"] <= q_end)
        s_sum = np.bincount(r["account"][inw], weights=r["score"][inw], minlength=n_acc)
        s_cnt = np.bincount(r["account"][inw], minlength=n_acc)
        risk.nps = np.where(s_cnt > 0, s_sum / np.maximum(s_cnt, 1), _REF["recent_nps"])
    e = srv.esurv.arrays()
    if len(e["kam"]):
        inw = (e["day"] >= w_lo) & (e["day"] <= q_end)
        k_sum = np.bincount(e["kam"][inw], weights=e["score"][inw], minlength=n_kam)
        k_cnt = np.bincount(e["kam"][inw], minlength=n_kam)
        risk.ksat_by_kam = np.where(k_cnt > 0, k_sum / np.maximum(k_cnt, 1),
                                    _REF["kam_satisfaction"])
    risk.ready = True
