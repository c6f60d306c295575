"""The simulation: the business quarter by quarter, month by month, then its tables.

One seeded PCG64 stream feeds every draw, in a fixed order, so the same
configuration always gives the same tables. Each step lives in the module named
for what it generates; this one only sets their order.

>>> tables, truth = generate(SynthConfig(accounts=12, seed=5))
>>> len(tables), truth["generator"]["seed"]
(15, 5)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kamlib.data.synth import churn, engagement, objectives, people, prospects, surveys
from kamlib.data.synth.columns import Rows, ids
from kamlib.data.synth.costs import acquisition_costs  # acquisition costs
from kamlib.data.synth.money import (
    Ledger,
    contracts_table,
    expand,
    invoices_table,
    legacy_contracts,
    open_spells,
    scale_value,
)
from kamlib.data.synth.parameters import REFERRED_VALUE, SynthConfig
from kamlib.data.synth.targets import targets_table
from kamlib.data.synth.timeline import day, month_days, months
from kamlib.data.synth.truth import truth as make_truth
from kamlib.periods import Quarter

__all__ = ["World", "assemble", "generate"]


@dataclass
class World:
    """Everything simulated so far."""

    cfg: SynthConfig
    rng: np.random.Generator
    d0: int
    d_end: int
    staff: people.Staff
    pipe: prospects.Pipeline
    book: people.Book
    ledger: Ledger
    eng: engagement.Engagement
    srv: surveys.Surveys
    objs: Rows
    risk: churn.Risk


def _begin(cfg: SynthConfig) -> World:
    """The world at the start of the history: staff, pipeline, accounts, legacy contracts."""
    rng = np.random.Generator(np.random.PCG64(cfg.seed))
    d0, d_end = day(cfg.start), day(cfg.end)
    staff = people.hire_kams(cfg, rng, d0, d_end)
    pipe = prospects.draw_pipeline(cfg, rng, staff, d0, d_end)
    won = prospects.pick_key_accounts(rng, pipe, cfg.n_legacy)
    book = people.open_accounts(cfg, rng, d0, staff.n_active, won, pipe.outcome_day[won],
                                pipe.kam[won], pipe.channel[won])
    w = World(cfg=cfg, rng=rng, d0=d0, d_end=d_end, staff=staff, pipe=pipe, book=book,
              ledger=Ledger(book.n), eng=engagement.Engagement(book.n), srv=surveys.Surveys(),
              objs=objectives.objective_rows(), risk=churn.Risk(book.n, staff.n))
    legacy_contracts(book, w.ledger, d0)
    prospects.link_referrals(rng, pipe, won, book)
    return w


def _month(w: World, y: int, m: int) -> tuple[np.ndarray, np.ndarray] | None:
    """One month; returns its interactions as (accounts, seconds), or None."""
    rng, book = w.rng, w.book
    ms, me = month_days(y, m)
    people.hand_over(rng, w.staff, book, ms, me)
    open_spells(rng, book, w.ledger, ms, me)
    act = np.flatnonzero(book.alive)
    a_from = np.maximum(book.spell_start[act], ms)
    a_to = np.where((book.churn_end[act] >= 0) & (book.churn_end[act] < me),
                    book.churn_end[act], me)
    ok = a_to >= a_from
    act, a_from, a_to = act[ok], a_from[ok], a_to[ok]
    people.drift(rng, w.staff, book)
    touched = engagement.interactions(rng, w.eng, w.staff, book, act, a_from, a_to, ms, me, m,
                                      w.d_end)
    expand(rng, book, w.ledger, act, a_from, a_to, w.d0)
    if m in (3, 9) and len(act):  # NPS surveys in March and September
        surveys.nps_survey(rng, w.srv, book, act, a_to, ms)
    if m in (3, 6, 9, 12):  # employee surveys each quarter-end month
        surveys.employee_survey(rng, w.srv, w.staff, ms, me)
    engagement.mentions(rng, w.eng, book, act, ms)
    engagement.sla_checks(rng, w.eng, book, act, me)
    # objectives set each January (and at acquisition) for the year
    if m == 1 and len(act):
        objectives.set_objectives(rng, w.objs, act, book.health, y)
    new_here = act[(book.spell_start[act] >= ms) & (book.spell_start[act] <= me) & (m != 1)]
    if len(new_here):
        objectives.set_objectives(rng, w.objs, new_here, book.health, y)
    # churned accounts stop at their contract end
    gone = np.flatnonzero(book.alive & (book.churn_end >= 0) & (book.churn_end <= me))
    book.alive[gone] = False
    return touched


def generate(cfg: SynthConfig, progress: Callable[[str, int, int], None] | None = None):
    """Simulate the business; returns ``(tables, truth)`` (pyarrow tables by name, a dict)."""
    w = _begin(cfg)
    month_list = months(cfg)
    quarters = Quarter.span(Quarter.containing(cfg.start, 1), Quarter.containing(cfg.end, 1))
    for qi, q in enumerate(quarters):
        if progress:
            progress("simulating", qi, len(quarters))
        churn.decide_renewals(w.rng, w.risk, w.book, w.ledger, qi, day(q.start), day(q.end))
        touched = []
        for y, m in month_list[qi * 3: qi * 3 + 3]:
            chunk = _month(w, y, m)
            if chunk is not None:
                touched.append(chunk)
        churn.measure_quarter(w.risk, w.book, w.srv, q, touched)
    w.book.close_assignments()
    tables = assemble(w)
    truth = make_truth(cfg, w.pipe.curve, w.risk.decisions.arrays())
    # acquisition costs: drawn after the simulation from a stream of their own, so that
    # every other table stays the same
    tables["acquisition_costs"], truth["acquisition_costs"] = acquisition_costs(cfg, tables)
    return tables, truth


def _value_factor(accounts: pa.Table) -> np.ndarray:
    """Per account: :data:`REFERRED_VALUE` for those the accounts table shows as referred
    (``referred_by`` set, or acquisition channel ``referral``), else 1."""
    ref = accounts["referred_by"].is_valid().to_numpy(zero_copy_only=False)
    channel = np.asarray(accounts["acquisition_channel"].to_pylist(), dtype=object)
    return np.where(ref | (channel == "referral"), REFERRED_VALUE, 1.0)


def assemble(w: World) -> dict[str, pa.Table]:
    """Turn the simulation state into the contract tables (pyarrow), all but the
    acquisition costs (:mod:`kamlib.data.synth.costs`)."""
    rng, book = w.rng, w.book
    kam_ids = ids("K", w.staff.n, max(3, len(str(w.staff.n))))
    acc_ids = ids("A", book.n, max(5, len(str(book.n))))
    t: dict[str, pa.Table] = {}
    t["account_managers"] = people.kams_table(rng, w.staff, kam_ids)
    t["accounts"] = people.accounts_table(rng, book, acc_ids, kam_ids)
    t["assignments"] = people.assignments_table(book, acc_ids, kam_ids)
    # value of referred accounts: their money is REFERRED_VALUE times what it would be
    scale_value(w.ledger, _value_factor(t["accounts"]))
    t["contracts"] = contracts_table(w.ledger, acc_ids)
    t["invoices"] = invoices_table(rng, book, w.ledger, w.d0, w.d_end, acc_ids)
    t["interactions"] = engagement.interactions_table(w.eng, acc_ids, kam_ids)
    t["nps_responses"] = surveys.nps_table(w.srv, acc_ids)
    t["mentions"] = engagement.mentions_table(w.eng, acc_ids)
    t.update(prospects.prospect_tables(rng, w.pipe, w.d_end, acc_ids, kam_ids))
    t["objectives"] = objectives.objectives_table(w.objs, w.d_end, acc_ids)
    t["sla_checks"] = engagement.sla_table(w.eng, acc_ids)
    t["employee_surveys"] = surveys.employee_table(w.srv, kam_ids)
    t["targets"] = targets_table()  # targets: fixed rows, no random draw
    return t
