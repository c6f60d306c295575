"""Renewal decisions and their covariates in the synthetic-data generator
(kamlib.data.synth.churn), with fixed draws worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
from synth_builder import FixedRng, book

from kamlib.data.synth import churn
from kamlib.data.synth.money import Ledger
from kamlib.data.synth.surveys import Surveys
from kamlib.data.synth.timeline import day
from kamlib.periods import Quarter

Q = Quarter("2021Q2", 1)
Q_START, Q_END = day(Q.start), day(Q.end)  # 2021-04-01 .. 2021-06-30: 91 days


def _due(n: int, value: float = 1000.0):
    """``n`` enterprise accounts (churn HR 1) whose contracts end on 2021-05-31."""
    b = book(owner=[0] * n)
    ledger = Ledger(n)
    for i in range(n):
        b.start(i, day(date(2020, 6, 1)))
        ledger.new(i, day(date(2020, 6, 1)), value, -1)
    return b, ledger


def test_at_reference_covariates_the_churn_probability_is_the_baseline():
    # first decision of a spell, reference covariates: P = BASE_CHURN[0] = 0.20
    b, ledger = _due(2)
    risk = churn.Risk(2, 1)
    ledger.upsell_amt[1] = 70.0
    # draws: churn 0.19 < 0.20 and 0.21 > 0.20; then delay, change, win-back, its day
    rng = FixedRng(uniforms=[[0.19, 0.21], [0.5, 0.5], [0.5, 0.5], [0.05, 0.5], [0.5, 0.5]])
    churn.decide_renewals(rng, risk, b, ledger, 1, Q_START, Q_END)
    end = day(date(2021, 5, 31))
    # account 0 churns at its end; 0.05 < 0.08: it comes back 90 + 0.5 * 450 days later
    assert b.churn_end[0] == end and b.winback_day[0] == end + 90 + 225
    # account 1 renews the next day: health 0 gives logistic(-1.2) = 0.23 < 0.5, and
    # 0.5 < 1 - logistic(-3) = 0.95, so +3 %: 1030 + 70 upsell = 1100
    assert ledger.contracts["start"][-1] == end + 1
    assert ledger.contracts["value"][-1] == 1100.0 and ledger.upsell_amt[1] == 0.0
    assert ledger.contracts["renewal_of"][-1] == 1 and b.k_dec.tolist() == [0, 1]
    d = risk.decisions.arrays()
    assert d["churn"].tolist() == [True, False] and d["quarter"].tolist() == [1, 1]


def test_measured_covariates_move_the_probability_by_their_hazard_ratios():
    # one NPS point above the reference 7.5 (HR 0.8): P = 1 - exp(-(-log 0.8) * 0.8)
    # = 1 - 0.8 ** 0.8 = 0.1635, so a draw of 0.17 renews; before the first quarter end
    # the reference applies (P = 0.20) and the same draw churns
    for ready, churned in ((True, False), (False, True)):
        b, ledger = _due(1)
        risk = churn.Risk(1, 1)
        risk.ready = ready
        risk.nps[:] = 8.5
        churn.decide_renewals(FixedRng(uniforms=[[0.17]]), risk, b, ledger, 1, Q_START, Q_END)
        assert bool(b.churn_end[0] >= 0) is churned
        assert risk.decisions.arrays()["nps"].tolist() == [8.5 if ready else 7.5]


def test_quarter_end_covariates_from_touches_answers_and_surveys():
    b = book(owner=[0, 1])
    b.spell_start[:] = [Q_START - 400, Q_START + 20]
    risk = churn.Risk(2, 2)
    srv = Surveys()
    srv.resp.add(account=np.array([0, 0]), day=np.array([Q_START + 5, Q_START - 200]),
                 score=np.array([6, 8]), ref=np.array([1, 1]), role=np.array([0, 0]))
    srv.resp.add(account=0, day=Q_START - 300, score=0, ref=1, role=0)  # over a year ago
    srv.esurv.add(kam=0, day=Q_START + 60, score=9, workload=3, recognition=3, growth=3)
    touched = [(np.array([0, 0]), np.array([(Q_START + 40) * 86400, (Q_START + 10) * 86400]))]
    churn.measure_quarter(risk, b, srv, Q, touched)
    # account 0: from the quarter start (no earlier touch) 10 days, then 30, then to
    # 06-30 (day 90) 50 -> 50; account 1, never touched: from its spell start (day 20)
    # to day 90 -> 70
    assert risk.gap.tolist() == [50.0, 70.0]
    assert risk.last_touch.tolist() == [Q_START + 40, -1]
    # NPS over 2020Q3..2021Q2: 6 and 8 -> 7; account 1 has none: the reference 7.5
    assert risk.nps.tolist() == [7.0, 7.5]
    # KAM 0 answered 9; KAM 1 did not answer: the reference 7.0
    assert risk.ksat_by_kam.tolist() == [9.0, 7.0] and risk.ready


def test_reference_values_until_the_first_quarter_end():
    r = churn.Risk(accounts=1, kams=1)
    assert (r.nps[0], r.gap[0], r.ksat_by_kam[0], r.ready) == (7.5, 30.0, 7.0, False)
