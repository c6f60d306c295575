"""Surveys: customer NPS twice a year and the KAMs' employee survey every quarter.

A customer's score is ``round(N(segment mean + 1.3 health, 1.3))`` clipped to
0 .. 10; a KAM's is ``round(N(satisfaction, 1))``, with three 1 .. 5 dimensions
that follow the same satisfaction.

>>> srv = Surveys()
>>> len(srv.resp.arrays()["score"]), len(srv.esurv.arrays()["score"])
(0, 0)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import Rows, dates, ids, labels, pick
from kamlib.data.synth.parameters import logistic
from kamlib.data.synth.people import Book, Staff

__all__ = ["Surveys", "employee_survey", "employee_table", "nps_survey", "nps_table"]

_ROLES = ("executive", "champion", "user", "procurement")


class Surveys:
    """The answers so far: NPS responses (``resp``) and employee surveys (``esurv``)."""

    def __init__(self) -> None:
        self.resp = Rows("account", "day", "score", "ref", "role")
        self.esurv = Rows("kam", "day", "score", "workload", "recognition", "growth")


def nps_survey(rng: np.random.Generator, srv: Surveys, book: Book, act: np.ndarray,
               a_to: np.ndarray, ms: int) -> None:
    """Invite 1-4 contacts of each active account; 70 % answer before its last active day."""
    health = book.health
    n_inv = np.minimum(1 + rng.poisson(1.2, len(act)), 4)
    ra = np.repeat(act, n_inv)
    answered = rng.random(len(ra)) < 0.7
    ra = ra[answered]
    rd = np.minimum(ms + rng.integers(0, 27, len(ra)), np.repeat(a_to, n_inv)[answered])
    mu = book.seg_par["nps_mu"][ra] + 1.3 * health[ra]
    score = np.clip(np.round(rng.normal(mu, 1.3)), 0, 10).astype(int)
    ref = np.where(rng.random(len(ra)) < logistic((score - 8.5) * 1.5), 1, 0)
    ref = np.where(rng.random(len(ra)) < 0.2, -1, ref)
    role = rng.integers(0, 4, len(ra))
    srv.resp.add(account=ra, day=rd, score=score, ref=ref, role=role)


def employee_survey(rng: np.random.Generator, srv: Surveys, staff: Staff, ms: int,
                    me: int) -> None:
    """90 % of the KAMs employed all month answer within its first 20 days."""
    sat = staff.sat
    ks = staff.employed(ms, me)
    ks = ks[rng.random(len(ks)) < 0.9]
    sc = np.clip(np.round(rng.normal(sat[ks], 1.0)), 0, 10).astype(int)
    dims = [np.clip(np.round(rng.normal(3 + 0.4 * (sat[ks] - 7), 0.8)), 1, 5)
            .astype(int) for _ in range(3)]
    srv.esurv.add(kam=ks, day=ms + rng.integers(0, 20, len(ks)), score=sc,
                  workload=dims[0], recognition=dims[1], growth=dims[2])


def nps_table(srv: Surveys, acc_ids: pa.Array) -> pa.Table:
    """The nps_responses table, by day and account (``would_reference`` NULL: not asked)."""
    r = srv.resp.arrays()
    order = np.lexsort((r["account"], r["day"]))
    r = {k: x[order] for k, x in r.items()}
    ref = r["ref"].astype(int)
    return pa.table({
        "response_id": ids("R", len(ref), 6),
        "account_id": pick(acc_ids, r["account"]),
        "responded_on": dates(r["day"]),
        "score": pa.array(r["score"].astype(np.int64)),
        "would_reference": pa.array(ref == 1, mask=ref < 0),
        "contact_role": labels(_ROLES, r["role"]),
    })


def employee_table(srv: Surveys, kam_ids: pa.Array) -> pa.Table:
    """The employee_surveys table, by day and KAM."""
    e = srv.esurv.arrays()
    order = np.lexsort((e["kam"], e["day"]))
    e = {k: x[order] for k, x in e.items()}
    return pa.table({
        "response_id": ids("E", len(e["day"]), 5),
        "kam_id": pick(kam_ids, e["kam"]),
        "responded_on": dates(e["day"]),
        "score": pa.array(e["score"].astype(np.int64)),
        "workload": pa.array(e["workload"].astype(np.int64)),
        "recognition": pa.array(e["recognition"].astype(np.int64)),
        "growth": pa.array(e["growth"].astype(np.int64)),
    })
