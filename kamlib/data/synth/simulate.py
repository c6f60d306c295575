"""Realistic sample data generated from a known truth (``kam synth``).

The generator simulates a key-account business quarter by quarter and writes
all 13 tables of the data contract plus ``truth.json``, which holds every
parameter a model could be asked to recover. Every true effect is defined on a
quantity the exported data itself shows (see ``truth.json["covariates"]``), so
a model fitted on the tables can recover it fairly.

What is simulated
-----------------
* Accounts in three segments with different value, margin, satisfaction and
  churn. About 65 % are already customers when the history starts (their older
  contracts are exported too); the rest are won from prospects.
* Annual contracts. At every contract end the account renews or churns with a
  grouped proportional-hazards (complementary log-log) probability::

      P(churn) = 1 - exp(-exp(log(-log(1 - p0[k])) + sum_j beta_j (x_j - ref_j)))

  where ``k`` counts renewal decisions within the spell (the baseline falls with
  tenure) and the covariates ``x`` are measured on the quarter *before* the
  decision quarter: the account's recent NPS, its longest contact gap, and its
  KAM's satisfaction, plus the segment. Because sicker accounts leave early,
  cohort retention rises with tenure, as in real contractual data.
* Interactions from a Poisson process with seasonality and "neglect" spells
  (more frequent under less satisfied KAMs); requests and their resolution.
* NPS surveys twice a year, employee surveys every quarter, social mentions,
  monthly SLA checks, customer objectives whose leading attainment predicts
  lagging success, invoices with upsell and cross-sell driven by health,
  credit notes, KAM departures and reassignments.
* Prospects whose conversion probability first rises and then falls with the
  number of touches in their channel, with a different peak per channel.

The output is byte-identical for the same arguments (one seeded PCG64 stream,
fixed formatting).

>>> cfg = SynthConfig(accounts=40, seed=1)
>>> cfg.n_kams, cfg.n_teams
(4, 1)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kamlib.periods import Quarter

DEFAULT_SEED = 8
START = date(2021, 1, 1)
END = date(2026, 9, 30)
EPOCH = np.datetime64("1970-01-01", "D")

SEGMENTS = ("strategic", "enterprise", "mid_market")
SEGMENT = {  # share, annual value (median), value sd, margin, NPS mean, interactions/month, churn HR
    "strategic": dict(share=0.20, value=480_000, value_sd=0.40, margin=0.46, nps_mu=8.0,
                      rate=16.0, hr=0.60),
    "enterprise": dict(share=0.45, value=190_000, value_sd=0.45, margin=0.40, nps_mu=7.5,
                       rate=12.0, hr=1.00),
    "mid_market": dict(share=0.35, value=60_000, value_sd=0.50, margin=0.32, nps_mu=7.0,
                       rate=8.0, hr=1.50),
}
# baseline churn probability at the k-th renewal decision of a spell (reference covariates)
BASE_CHURN = (0.20, 0.14, 0.10, 0.08)
HAZARD_RATIOS = {
    "recent_nps": (0.80, "per point of mean score (0-10)", 7.5),
    "max_gap_days": (1.30, "per 30 days", 30.0),
    "kam_satisfaction": (0.85, "per point of mean eNPS score (0-10)", 7.0),
    "inbound_share": (1.00, "per 10 percentage points (no effect)", 0.35),
    "sla_compliance": (1.00, "per 10 percentage points (no effect)", 0.93),
    "revenue_trend": (1.00, "per 10 % change (no effect)", 0.0),
}
SEASON = np.array([1.0, 1.05, 1.1, 1.05, 1.0, 0.95, 0.85, 0.7, 1.0, 1.05, 1.0, 0.75])
INTERACTION_CHANNELS = ("email", "call", "meeting", "video", "chat", "other")
INTERACTION_CHANNEL_P = (0.45, 0.20, 0.12, 0.15, 0.06, 0.02)
PROSPECT_CHANNELS = ("cold_call", "email", "face_to_face", "event", "referral", "inbound_web",
                     "partner", "other")
PROSPECT_CHANNEL_P = (0.16, 0.20, 0.12, 0.12, 0.12, 0.14, 0.09, 0.05)
# conversion: logit p(n) = a + b n - c n^2, peak at n* = b / (2c)
TOUCH_PEAK = {"cold_call": 7.0, "email": 9.0, "face_to_face": 4.0, "event": 3.0,
              "referral": 2.0, "inbound_web": 5.0, "partner": 4.0, "other": 5.0}
TOUCH_PEAK_P = {"cold_call": 0.22, "email": 0.18, "face_to_face": 0.40, "event": 0.28,
                "referral": 0.55, "inbound_web": 0.32, "partner": 0.35, "other": 0.20}
TOUCH_CURV = 0.045
PIPELINE_KEY_SHARE = 1 / 3
PRODUCT_LINES = ("platform", "analytics", "services", "support", "training")
SLAS = ("first_response_4h", "uptime_99_9")
OBJECTIVE_LINK = {"intercept": 0.2, "slope_per_unit_attainment": 6.0}
REGIONS = ("north", "south", "east", "west")
INDUSTRIES = ("manufacturing", "finance", "healthcare", "retail", "energy", "logistics",
              "software", "telecom")

_FIRST = ("Ada", "Ben", "Chloe", "Dario", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas",
          "Kira", "Luca", "Mona", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara",
          "Uma", "Viktor", "Wen", "Yara", "Zeno")
_LAST = ("Adler", "Berg", "Costa", "Dubois", "Engel", "Fischer", "Garcia", "Hansen", "Ivanova",
         "Jensen", "Kovac", "Lind", "Moreau", "Novak", "Olsen", "Petit", "Quist", "Rossi",
         "Silva", "Tanaka", "Ueda", "Vidal", "Weber", "Xu", "Young", "Zimmer")
_SYL = ("nor", "vex", "tal", "cor", "bri", "lum", "sto", "ken", "dar", "pol", "zen", "mar",
        "qui", "ros", "tek", "val", "fin", "gra", "hel", "orb")
_SUFFIX = ("Industries", "Group", "Systems", "Logistics", "Holdings", "Labs", "Energy",
           "Health", "Retail", "Partners")


@dataclass(frozen=True)
class SynthConfig:
    """Size and seed of a synthetic data set."""

    accounts: int = 400
    seed: int = DEFAULT_SEED
    start: date = START
    end: date = END

    @property
    def n_kams(self) -> int:
        return max(4, round(self.accounts * 24 / 400))

    @property
    def n_teams(self) -> int:
        return max(1, round(self.n_kams / 6))

    @property
    def n_legacy(self) -> int:
        return round(0.65 * self.accounts)


def _day(d: date) -> int:
    return (np.datetime64(d, "D") - EPOCH).astype(int).item()


def _months(cfg: SynthConfig) -> list[tuple[int, int]]:
    out, y, m = [], cfg.start.year, cfg.start.month
    while (y, m) <= (cfg.end.year, cfg.end.month):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def _mday(y: int, m: int) -> int:
    return _day(date(y, m, 1))


def _add_years(day: int, years: int) -> int:
    d = (EPOCH + np.timedelta64(day, "D")).astype(object)
    try:
        return _day(d.replace(year=d.year + years))
    except ValueError:  # 29 February
        return _day(d.replace(year=d.year + years, day=28))


def _logit_inv(x):
    return 1.0 / (1.0 + np.exp(-x))


class _Rows:
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


def generate(cfg: SynthConfig, progress: Callable[[str, int, int], None] | None = None):
    """Simulate the business; returns ``(tables, truth)`` with numpy columns."""
    rng = np.random.Generator(np.random.PCG64(cfg.seed))
    d0, d_end = _day(cfg.start), _day(cfg.end)
    months = _months(cfg)
    quarters = Quarter.span(Quarter.containing(cfg.start, 1), Quarter.containing(cfg.end, 1))

    # ------------------------------------------------------------------ KAMs
    n_k0 = cfg.n_kams
    n_leave = max(1, round(0.125 * n_k0))
    n_kam = n_k0 + n_leave
    kam_team = np.concatenate([np.arange(n_k0) % cfg.n_teams, np.zeros(n_leave, int)])
    kam_hired = np.concatenate([d0 - rng.integers(200, 3650, n_k0), np.zeros(n_leave, int)])
    kam_left = np.full(n_kam, -1)
    leavers = rng.choice(n_k0, n_leave, replace=False)
    leave_day = np.sort(rng.integers(d0 + 400, d_end - 120, n_leave))
    for j, (k, day) in enumerate(zip(leavers, leave_day, strict=True)):
        new = n_k0 + j
        kam_left[k] = day
        kam_team[new] = kam_team[k]
        kam_hired[new] = day - rng.integers(10, 60)
    kam_sat = rng.normal(7.2, 1.3, n_kam)
    kam_sat_mu = kam_sat.copy()
    replacement = {int(k): n_k0 + j for j, k in enumerate(leavers)}

    # ------------------------------------------------------------------ prospects
    n_new_target = cfg.accounts - cfg.n_legacy
    peak_curve = {}
    for ch in PROSPECT_CHANNELS:
        b = 2 * TOUCH_CURV * TOUCH_PEAK[ch]
        a = math.log(TOUCH_PEAK_P[ch] / (1 - TOUCH_PEAK_P[ch])) - b * TOUCH_PEAK[ch] \
            + TOUCH_CURV * TOUCH_PEAK[ch] ** 2
        peak_curve[ch] = (a, b, TOUCH_CURV)
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
        ok = np.flatnonzero((kam_hired <= day) & ((kam_left < 0) | (kam_left > day + 200)))
        if len(ok) == 0:
            ok = np.flatnonzero((kam_left < 0) | (kam_left > day))
        p_kam[j] = ok[int(u_kam[j] * len(ok))]
    a_, b_, c_ = (np.array([peak_curve[PROSPECT_CHANNELS[c]][i] for c in p_channel])
                  for i in range(3))
    p_conv_prob = _logit_inv(a_ + b_ * p_touches - c_ * p_touches**2)
    p_span = rng.integers(20, 140, n_pros)  # days over which the touches happen
    p_outcome_day = p_first + p_span + rng.integers(1, 25, n_pros)
    p_converts = (rng.random(n_pros) < p_conv_prob) & (p_outcome_day <= d_end)
    p_lost = ~p_converts & (rng.random(n_pros) < 0.85) & (p_outcome_day <= d_end)
    p_outcome_day = np.where(p_converts, p_outcome_day + rng.integers(0, 10, n_pros),
                             p_outcome_day)
    p_converts &= p_outcome_day <= d_end

    # ------------------------------------------------------------------ accounts
    n_leg = cfg.n_legacy
    p_key = rng.random(n_pros) < PIPELINE_KEY_SHARE
    conv_idx = np.flatnonzero(p_converts & p_key)
    conv_idx = conv_idx[np.argsort(p_outcome_day[conv_idx], kind="stable")]
    n_acc = n_leg + len(conv_idx)
    seg = rng.choice(3, n_acc, p=[SEGMENT[s]["share"] for s in SEGMENTS])
    seg_par = {k: np.array([SEGMENT[SEGMENTS[s]][k] for s in seg])
               for k in ("value", "value_sd", "margin", "nps_mu", "rate", "hr")}
    value0 = np.round(seg_par["value"] * np.exp(rng.normal(0, seg_par["value_sd"])), -2)
    margin = np.clip(seg_par["margin"] + rng.normal(0, 0.04, n_acc), 0.1, 0.8)
    trait_mu = rng.normal(0, 0.6, n_acc)
    health = trait_mu + rng.normal(0, 0.6, n_acc)
    rate = seg_par["rate"] * np.exp(rng.normal(0, 0.5, n_acc))
    primary_line = rng.integers(0, 3, n_acc)
    owned = np.zeros((n_acc, len(PRODUCT_LINES)), bool)
    owned[np.arange(n_acc), primary_line] = True
    acq_day = np.empty(n_acc, int)
    acq_day[:n_leg] = d0 - rng.integers(15, 6 * 365, n_leg)
    acq_day[n_leg:] = p_outcome_day[conv_idx]
    owner = np.empty(n_acc, int)
    owner[:n_leg] = rng.integers(0, n_k0, n_leg)
    owner[n_leg:] = p_kam[conv_idx]
    acq_channel = np.full(n_acc, -1)
    acq_channel[n_leg:] = p_channel[conv_idx]
    p_account = np.full(n_pros, -1)
    p_account[conv_idx] = np.arange(n_leg, n_acc)
    referred_by = np.full(n_acc, -1)
    ref_ch = PROSPECT_CHANNELS.index("referral")
    p_referred = np.full(n_pros, -1)

    # state
    alive = np.zeros(n_acc, bool)
    started = np.zeros(n_acc, bool)
    spell_start = np.full(n_acc, -1)
    k_dec = np.zeros(n_acc, int)  # renewal decisions taken in the current spell
    cur_id = np.full(n_acc, -1)  # current contract row
    churn_end = np.full(n_acc, -1)  # last day of activity for churning accounts
    winback_day = np.full(n_acc, -1)
    neglect = np.zeros(n_acc, int)  # months of neglect left
    last_touch = np.full(n_acc, -1)
    upsell_amt = np.zeros(n_acc)

    contracts = {"account": [], "start": [], "end": [], "value": [], "renewal_of": []}
    cur_start = np.full(n_acc, -1)
    cur_end = np.full(n_acc, -1)
    cur_value = np.zeros(n_acc)
    assigns = _Rows("account", "kam", "from", "to")
    assign_open = {}  # account -> (kam, from)
    inter = _Rows("account", "kam", "ts", "inbound", "channel", "request", "resolved")
    resp = _Rows("account", "day", "score", "ref", "role")
    esurv = _Rows("kam", "day", "score", "workload", "recognition", "growth")
    ment = _Rows("account", "day", "source", "sentiment")
    slas = _Rows("account", "day", "sla", "met")
    inv = _Rows("account", "day", "amount", "line", "kind", "margin")
    objs = _Rows("account", "indicator", "metric", "target", "actual", "hib", "due")
    decisions = _Rows("account", "quarter", "k", "nps", "gap", "ksat", "churn", "segment")

    def new_contract(i, start, value, renewal_of):
        end = _add_years(int(start), 1) - 1
        for k_, v_ in (("account", i), ("start", int(start)), ("end", end),
                       ("value", float(value)), ("renewal_of", renewal_of)):
            contracts[k_].append(v_)
        cid = len(contracts["account"]) - 1
        cur_id[i], cur_start[i], cur_end[i], cur_value[i] = cid, start, end, value
        return cid

    def set_owner(i, kam, day):
        if i in assign_open:
            k_old, f_old = assign_open[i]
            if k_old == kam:
                return
            if day <= f_old:  # a second change on or before the first one's day replaces it
                assign_open[i] = (kam, f_old)
                owner[i] = kam
                return
            assigns.add(account=i, kam=k_old, **{"from": f_old, "to": day - 1})
        assign_open[i] = (kam, day)
        owner[i] = kam

    def start_account(i, day):
        alive[i] = started[i] = True
        spell_start[i] = day
        k_dec[i] = 0
        set_owner(i, owner[i], day)

    # legacy accounts: contract chains up to the history start
    for i in range(n_leg):
        s, prev = acq_day[i], -1
        value = value0[i] * (1.03 ** -((d0 - s) // 365))
        start_account(i, s)
        while True:
            prev = new_contract(i, s, round(value, -2), prev)
            e = cur_end[i]
            if e >= d0:
                break
            s, value = e + 1, value * 1.03
            k_dec[i] += 1
    # referral links for converted prospects: a random legacy account
    for j, p in enumerate(conv_idx):
        if p_channel[p] == ref_ch:
            referred_by[n_leg + j] = rng.integers(0, n_leg)
            p_referred[p] = referred_by[n_leg + j]
    for p in np.flatnonzero((p_channel == ref_ch) & (p_referred < 0)):
        p_referred[p] = rng.integers(0, n_leg)

    # quarterly covariates (computed at each quarter end for the next quarter's decisions)
    cov_nps = np.full(n_acc, HAZARD_RATIOS["recent_nps"][2])
    cov_gap = np.full(n_acc, HAZARD_RATIOS["max_gap_days"][2])
    cov_ksat_by_kam = np.full(n_kam, HAZARD_RATIOS["kam_satisfaction"][2])
    cov_ready = False
    betas = {k: math.log(v[0]) for k, v in HAZARD_RATIOS.items()}
    seg_log_hr = np.log(seg_par["hr"])

    for qi, q in enumerate(quarters):
        if progress:
            progress("simulating", qi, len(quarters))
        q_start, q_end = _day(q.start), _day(q.end)
        # ---- renewal decisions for contracts ending in this quarter
        due = np.flatnonzero(alive & (cur_end >= q_start) & (cur_end <= q_end))
        if len(due):
            k = np.minimum(k_dec[due], len(BASE_CHURN) - 1)
            base = np.log(-np.log(1 - np.array(BASE_CHURN)[k]))
            if cov_ready:
                x_nps, x_gap = cov_nps[due], cov_gap[due]
                x_ks = cov_ksat_by_kam[owner[due]]
            else:
                x_nps = np.full(len(due), HAZARD_RATIOS["recent_nps"][2])
                x_gap = np.full(len(due), HAZARD_RATIOS["max_gap_days"][2])
                x_ks = np.full(len(due), HAZARD_RATIOS["kam_satisfaction"][2])
            eta = (base + seg_log_hr[due]
                   + betas["recent_nps"] * (x_nps - HAZARD_RATIOS["recent_nps"][2])
                   + betas["max_gap_days"] * (x_gap - HAZARD_RATIOS["max_gap_days"][2]) / 30
                   + betas["kam_satisfaction"] * (x_ks - HAZARD_RATIOS["kam_satisfaction"][2]))
            p = 1 - np.exp(-np.exp(eta))
            churn = rng.random(len(due)) < p
            u_delay, u_change, u_wb, u_wbd = (rng.random(len(due)) for _ in range(4))
            for j, i in enumerate(due):
                cid, e = cur_id[i], cur_end[i]
                decisions.add(account=i, quarter=qi, k=k_dec[i], nps=x_nps[j], gap=x_gap[j],
                              ksat=x_ks[j], churn=churn[j], segment=seg[i])
                if churn[j]:
                    churn_end[i] = e
                    if u_wb[j] < 0.08:
                        winback_day[i] = e + 90 + int(u_wbd[j] * 450)
                    continue
                if u_delay[j] < 0.15:
                    s = e + 1 + 1 + int(u_delay[j] / 0.15 * 24)  # signed late, within grace
                elif u_delay[j] > 0.95:
                    s = e - int((u_delay[j] - 0.95) / 0.05 * 20)  # restructured early
                else:
                    s = e + 1
                v = cur_value[i]
                h = health[i]
                if u_change[j] < _logit_inv(-1.2 + 0.9 * h):
                    v *= 1.05 + 0.25 * u_change[j]
                elif u_change[j] > 1 - _logit_inv(-3.0 - 0.8 * h):
                    v *= 0.8
                else:
                    v *= 1.03
                v += upsell_amt[i]
                upsell_amt[i] = 0.0
                k_dec[i] += 1
                new_contract(i, s, round(v, -2), cid)

        # ---- months of the quarter
        qmask_inter = []
        for m_i in range(3):
            y, m = months[qi * 3 + m_i] if qi * 3 + m_i < len(months) else (None, None)
            if y is None:
                break
            ms = _mday(y, m)
            me = _mday(y + (m == 12), m % 12 + 1) - 1
            # KAM departures: accounts move to the replacement
            for k_left in np.flatnonzero((kam_left >= ms) & (kam_left <= me)):
                rep = replacement[int(k_left)]
                for i in np.flatnonzero(started & (owner == k_left)):
                    set_owner(i, rep, int(kam_left[k_left]))
            # random reassignments within the team
            active_k = np.flatnonzero((kam_hired <= ms) & ((kam_left < 0) | (kam_left > me)))
            move = np.flatnonzero(alive & (rng.random(n_acc) < 0.005))
            for i in move:
                same = active_k[(kam_team[active_k] == kam_team[owner[i]])
                                & (active_k != owner[i])]
                if len(same):
                    set_owner(i, int(rng.choice(same)), ms + int(rng.integers(0, 28)))
            # acquisitions and win-backs
            for i in np.flatnonzero(~started & (acq_day >= ms) & (acq_day <= me)):
                start_account(i, acq_day[i])
                new_contract(i, int(acq_day[i]), value0[i], -1)
            for i in np.flatnonzero(~alive & (winback_day >= ms) & (winback_day <= me)):
                start_account(i, winback_day[i])
                churn_end[i] = -1
                health[i] = trait_mu[i] + rng.normal(0, 0.6)
                new_contract(i, int(winback_day[i]), value0[i], -1)
                winback_day[i] = -1
            act = np.flatnonzero(alive)
            a_from = np.maximum(spell_start[act], ms)
            a_to = np.where((churn_end[act] >= 0) & (churn_end[act] < me), churn_end[act], me)
            ok = a_to >= a_from
            act, a_from, a_to = act[ok], a_from[ok], a_to[ok]
            # health and KAM satisfaction drift
            kam_sat = 7.2 + 0.95 * (kam_sat - 7.2) + 0.05 * (kam_sat_mu - 7.2) \
                + rng.normal(0, 0.25, n_kam)
            health = 0.9 * health + 0.1 * trait_mu + rng.normal(0, 0.3, n_acc) \
                + 0.02 * (kam_sat[owner] - 7.2)
            # neglect spells, more likely under less satisfied KAMs
            p_neg = np.clip(0.03 + 0.02 * (7.2 - kam_sat[owner[act]]), 0.005, 0.15)
            start_neg = (neglect[act] == 0) & (rng.random(len(act)) < p_neg)
            neglect[act[start_neg]] = rng.integers(1, 4, start_neg.sum())
            mult = np.where(neglect[act] > 0, 0.04, 1.0)
            frac = (a_to - a_from + 1) / (me - ms + 1)
            lam = rate[act] * SEASON[m - 1] * mult * frac * np.exp(0.1 * health[act])
            cnt = rng.poisson(lam)
            neglect[act] = np.maximum(neglect[act] - 1, 0)
            ia = np.repeat(act, cnt)
            if len(ia):
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
                resolved = np.where(request & ~never & (resolved <= (d_end + 1) * 86400),
                                    resolved, -1)
                inter.add(account=ia, kam=owner[ia], ts=secs, inbound=inbound, channel=chan,
                          request=request, resolved=resolved)
                qmask_inter.append((ia, secs))
            # upsell and cross-sell, driven by health
            u_up, u_x, amt_u = (rng.random(len(act)) for _ in range(3))
            day_u = np.minimum(a_from + rng.integers(0, 28, len(act)), a_to)
            ok_day = day_u >= d0
            h_act = health[act]
            up = ok_day & (u_up < _logit_inv(-4.0 + 0.9 * h_act))
            xs = ok_day & (u_x < _logit_inv(-4.6 + 0.9 * h_act)) & ~owned[act].all(axis=1)
            if up.any():
                ai = act[up]
                amt = np.round(cur_value[ai] * (0.05 + 0.2 * amt_u[up]), 2)
                upsell_amt[ai] += amt
                inv.add(account=ai, day=day_u[up], amount=amt, line=primary_line[ai],
                        kind=np.full(len(ai), 3), margin=np.round(amt * margin[ai], 2))
            if xs.any():
                ai = act[xs]
                line = np.argmax(~owned[ai], axis=1)
                owned[ai, line] = True
                amt = np.round(cur_value[ai] * (0.05 + 0.15 * amt_u[xs]), 2)
                upsell_amt[ai] += amt
                inv.add(account=ai, day=day_u[xs], amount=amt, line=line,
                        kind=np.full(len(ai), 4), margin=np.round(amt * margin[ai], 2))
            # NPS surveys in March and September
            if m in (3, 9) and len(act):
                n_inv = np.minimum(1 + rng.poisson(1.2, len(act)), 4)
                ra = np.repeat(act, n_inv)
                answered = rng.random(len(ra)) < 0.7
                ra = ra[answered]
                rd = np.minimum(ms + rng.integers(0, 27, len(ra)), np.repeat(a_to, n_inv)[answered])
                mu = seg_par["nps_mu"][ra] + 1.3 * health[ra]
                score = np.clip(np.round(rng.normal(mu, 1.3)), 0, 10).astype(int)
                ref = np.where(rng.random(len(ra)) < _logit_inv((score - 8.5) * 1.5), 1, 0)
                ref = np.where(rng.random(len(ra)) < 0.2, -1, ref)
                role = rng.integers(0, 4, len(ra))
                resp.add(account=ra, day=rd, score=score, ref=ref, role=role)
            # employee surveys each quarter-end month
            if m in (3, 6, 9, 12):
                ks = np.flatnonzero((kam_hired <= ms) & ((kam_left < 0) | (kam_left > me)))
                ks = ks[rng.random(len(ks)) < 0.9]
                sc = np.clip(np.round(rng.normal(kam_sat[ks], 1.0)), 0, 10).astype(int)
                dims = [np.clip(np.round(rng.normal(3 + 0.4 * (kam_sat[ks] - 7), 0.8)), 1, 5)
                        .astype(int) for _ in range(3)]
                esurv.add(kam=ks, day=ms + rng.integers(0, 20, len(ks)), score=sc,
                          workload=dims[0], recognition=dims[1], growth=dims[2])
            # mentions
            mm_ = act[rng.random(len(act)) < 0.03]
            if len(mm_):
                ment.add(account=mm_, day=ms + rng.integers(0, 28, len(mm_)),
                         source=rng.integers(0, 4, len(mm_)),
                         sentiment=np.round(np.clip(rng.normal(0.1 + 0.25 * health[mm_], 0.35),
                                                    -1, 1), 2))
            n_anon = rng.poisson(0.02 * max(len(act), 1))
            if n_anon:
                ment.add(account=np.full(n_anon, -1), day=ms + rng.integers(0, 28, n_anon),
                         source=rng.integers(0, 4, n_anon),
                         sentiment=np.round(np.clip(rng.normal(0.05, 0.4, n_anon), -1, 1), 2))
            # SLA checks at month end
            for s_i in range(len(SLAS)):
                met = rng.random(len(act)) < np.clip(0.93 + 0.02 * health[act], 0.5, 0.995)
                slas.add(account=act, day=np.full(len(act), me), sla=np.full(len(act), s_i),
                         met=met)
            # objectives set each January (and at acquisition) for the year
            if m == 1 and len(act):
                _objectives(rng, objs, act, health, y)
            new_here = act[(spell_start[act] >= ms) & (spell_start[act] <= me) & (m != 1)]
            if len(new_here):
                _objectives(rng, objs, new_here, health, y)
            # churned accounts stop at their contract end
            gone = np.flatnonzero(alive & (churn_end >= 0) & (churn_end <= me))
            alive[gone] = False

        # ---- quarter-end covariates for next quarter's decisions
        qa = np.concatenate([x[0] for x in qmask_inter]) if qmask_inter else np.array([], int)
        qs = np.concatenate([x[1] for x in qmask_inter]) if qmask_inter else np.array([], int)
        qday = qs // 86400
        order = np.lexsort((qday, qa))
        qa, qday = qa[order], qday[order]
        t0 = np.where(last_touch >= 0, last_touch, np.maximum(q_start, spell_start))
        gap = np.full(n_acc, 0.0)
        # stretch from t0 to the first touch of the quarter, between touches, and to q_end
        if len(qa):
            first = np.r_[True, qa[1:] != qa[:-1]]
            prev = np.where(first, t0[qa], np.r_[0, qday[:-1]])
            diffs = qday - prev
            np.maximum.at(gap, qa, diffs)
            last_idx = np.r_[np.flatnonzero(first[1:]) , len(qa) - 1]
            last_touch[qa[last_idx]] = qday[last_idx]
        gap = np.maximum(gap, q_end - np.where(last_touch >= 0, last_touch, t0))
        cov_gap = gap
        # recent NPS: mean score over the four quarters up to this one
        r = resp.arrays()
        w_lo = _day(q.shift(-3).start)
        if len(r["account"]):
            inw = (r["day"] >= w_lo) & (r["day"] <= q_end)
            s_sum = np.bincount(r["account"][inw], weights=r["score"][inw], minlength=n_acc)
            s_cnt = np.bincount(r["account"][inw], minlength=n_acc)
            cov_nps = np.where(s_cnt > 0, s_sum / np.maximum(s_cnt, 1),
                               HAZARD_RATIOS["recent_nps"][2])
        e = esurv.arrays()
        if len(e["kam"]):
            inw = (e["day"] >= w_lo) & (e["day"] <= q_end)
            k_sum = np.bincount(e["kam"][inw], weights=e["score"][inw], minlength=n_kam)
            k_cnt = np.bincount(e["kam"][inw], minlength=n_kam)
            cov_ksat_by_kam = np.where(k_cnt > 0, k_sum / np.maximum(k_cnt, 1),
                                       HAZARD_RATIOS["kam_satisfaction"][2])
        cov_ready = True
    # close open assignments
    for i, (k, f) in sorted(assign_open.items()):
        assigns.add(account=i, kam=k, **{"from": f, "to": -1})

    tables = _assemble(cfg, rng, locals())
    truth = _truth(cfg, peak_curve, decisions.arrays())
    return tables, truth


_LEADING = (("adoption_rate", True, 0.8), ("active_users", True, 500.0),
            ("training_completion", True, 0.9))
_LAGGING = (("cost_savings", True, 1_000_000.0), ("time_to_value_days", False, 60.0),
            ("revenue_uplift", True, 0.05))


def _objectives(rng, objs: _Rows, accts: np.ndarray, health: np.ndarray, year: int) -> None:
    """Two leading objectives (due end of Q2 and Q3) and one lagging (due end of Q4)."""
    n = len(accts)
    att = rng.normal(0.95 + 0.1 * health[accts][:, None], 0.15, (n, 2))
    p_met = _logit_inv(OBJECTIVE_LINK["intercept"]
                       + OBJECTIVE_LINK["slope_per_unit_attainment"] * (att.mean(axis=1) - 1))
    met = rng.random(n) < p_met
    lag_att = np.where(met, 1.0 + 0.3 * rng.random(n), 0.6 + 0.39 * rng.random(n))
    lead_metric = rng.integers(0, len(_LEADING), (n, 2))
    lag_metric = rng.integers(0, len(_LAGGING), n)
    for j, due in enumerate((date(year, 6, 30), date(year, 9, 30))):
        objs.add(account=accts, indicator=np.zeros(n, int), metric=lead_metric[:, j],
                 target=np.zeros(n), actual=att[:, j], hib=np.ones(n, bool),
                 due=np.full(n, _day(due)))
    objs.add(account=accts, indicator=np.ones(n, int), metric=lag_metric, target=np.zeros(n),
             actual=lag_att, hib=np.ones(n, bool), due=np.full(n, _day(date(year, 12, 31))))


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    nums = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, width, "0"), "")


def _pick(ids: pa.Array, idx: np.ndarray) -> pa.Array:
    """ids[idx] with -1 meaning NULL."""
    idx = np.asarray(idx, dtype=np.int64)
    return pc.take(ids, pa.array(np.where(idx >= 0, idx, 0), mask=idx < 0))


def _dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    return pa.array(days.astype(np.int32), mask=days < 0, type=pa.int32()).cast(pa.date32())


def _stamps(secs: np.ndarray) -> pa.Array:
    secs = np.asarray(secs, dtype=np.int64)
    return pa.array(secs, mask=secs < 0, type=pa.int64()).cast(pa.timestamp("s"))


def _labels(values: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return _pick(pa.array(list(values)), idx)


def _names(rng, n: int, first: tuple, second: tuple, third: tuple, sep=" ") -> list[str]:
    combos = len(first) * len(second)
    perm = rng.permutation(max(n, combos) if n > combos else combos)[:n]
    out = []
    for p in perm:
        a, b = divmod(int(p) % combos, len(second))
        extra = int(p) // combos
        name = f"{first[a]}{sep}{second[b]}"
        out.append(name if extra == 0 else f"{name}{sep}{third[extra % len(third)]}")
    return out


def _assemble(cfg: SynthConfig, rng, v: dict) -> dict[str, pa.Table]:
    """Turn the simulation state into the 13 contract tables (pyarrow)."""
    d0, d_end, n_acc, n_kam = v["d0"], v["d_end"], v["n_acc"], v["n_kam"]
    w = lambda n: max(3, len(str(n)))  # noqa: E731
    kam_ids = _ids("K", n_kam, w(n_kam))
    acc_ids = _ids("A", n_acc, max(5, len(str(n_acc))))
    t: dict[str, pa.Table] = {}
    letters = tuple(f"{c}." for c in "ABCDEFGHJKLMNPRSTW")
    t["account_managers"] = pa.table({
        "kam_id": kam_ids,
        "name": pa.array(_names(rng, n_kam, _FIRST, _LAST, letters)),
        "team": pa.array([f"team_{chr(97 + k % 26)}{k // 26 or ''}" for k in v["kam_team"]]),
        "region": _labels(REGIONS, v["kam_team"] % len(REGIONS)),
        "hired_on": _dates(v["kam_hired"]),
        "left_on": _dates(v["kam_left"]),
    })
    syl = tuple(s.title() for s in _SYL)
    acc_names = _names(rng, n_acc, syl, _SYL, tuple(s.title() for s in _SYL[::-1]), sep="")
    suffix = rng.integers(0, len(_SUFFIX), n_acc)
    acc_names = [f"{nm} {_SUFFIX[s]}" for nm, s in zip(acc_names, suffix, strict=True)]
    acq = v["acq_channel"].copy()
    legacy_known = rng.random(n_acc) < 0.5
    acq[: v["n_leg"]] = np.where(legacy_known[: v["n_leg"]],
                                 rng.choice(len(PROSPECT_CHANNELS), v["n_leg"],
                                            p=PROSPECT_CHANNEL_P), -1)
    ref_ch = PROSPECT_CHANNELS.index("referral")
    heard = np.where(acq == ref_ch, 0, np.where(acq < 0, -1, rng.integers(1, 5, n_acc)))
    heard_vals = ("referral", "web_search", "event", "colleague", "press")
    t["accounts"] = pa.table({
        "account_id": acc_ids,
        "name": pa.array(acc_names),
        "kam_id": _pick(kam_ids, v["owner"]),
        "segment": _labels(SEGMENTS, v["seg"]),
        "industry": _labels(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n_acc)),
        "region": _labels(REGIONS, rng.integers(0, len(REGIONS), n_acc)),
        "acquisition_channel": _labels(PROSPECT_CHANNELS, acq),
        "referred_by": _pick(acc_ids, v["referred_by"]),
        "heard_about_us": _labels(heard_vals, heard),
    })
    a = v["assigns"].arrays()
    order = np.lexsort((a["from"], a["account"]))
    t["assignments"] = pa.table({
        "account_id": _pick(acc_ids, a["account"][order]),
        "kam_id": _pick(kam_ids, a["kam"][order]),
        "from_on": _dates(a["from"][order]),
        "to_on": _dates(a["to"][order]),
    })
    c = {k: np.asarray(x) for k, x in v["contracts"].items()}
    n_c = len(c["account"])
    con_ids = _ids("C", n_c, max(6, len(str(n_c))))
    t["contracts"] = pa.table({
        "contract_id": con_ids,
        "account_id": _pick(acc_ids, c["account"]),
        "start_on": _dates(c["start"]),
        "end_on": _dates(c["end"]),
        "annual_value": pa.array(np.round(c["value"], 2)),
        "renewal_of": _pick(con_ids, c["renewal_of"]),
    })
    # invoices: each contract is billed quarterly in advance, plus upsell/cross-sell
    start_d = (EPOCH + c["start"].astype("timedelta64[D]"))
    months0 = start_d.astype("datetime64[M]")
    dom = np.minimum((start_d - months0.astype("datetime64[D]")).astype(int), 27)
    rows = []
    for off in (0, 3, 6, 9):
        bill = ((months0 + off).astype("datetime64[D]") + dom - EPOCH).astype(int)
        ok = (bill >= d0) & (bill <= d_end) & (bill <= c["end"])
        kind = np.where(off == 0, np.where(c["renewal_of"] >= 0, 1, 0), 2)
        rows.append((c["account"][ok], bill[ok], np.round(c["value"][ok] / 4, 2),
                     v["primary_line"][c["account"][ok]], kind[ok]))
    ex = v["inv"].arrays()
    acc = np.concatenate([r[0] for r in rows] + [ex["account"].astype(int)])
    day = np.concatenate([r[1] for r in rows] + [ex["day"].astype(int)])
    amt = np.concatenate([r[2] for r in rows] + [ex["amount"]])
    line = np.concatenate([r[3] for r in rows] + [ex["line"].astype(int)])
    kind = np.concatenate([r[4] for r in rows] + [ex["kind"].astype(int)])
    credit = rng.random(len(acc)) < 0.01
    c_day = day[credit] + rng.integers(10, 40, credit.sum())
    keep = c_day <= d_end
    acc = np.r_[acc, acc[credit][keep]]
    amt = np.r_[amt, -np.round(amt[credit][keep] * rng.uniform(0.1, 1.0, keep.sum()), 2)]
    line = np.r_[line, line[credit][keep]]
    kind = np.r_[kind, kind[credit][keep]]
    day = np.r_[day, c_day[keep]]
    order = np.lexsort((acc, day))
    acc, day, amt, line, kind = (x[order] for x in (acc, day, amt, line, kind))
    t["invoices"] = pa.table({
        "invoice_id": _ids("INV", len(acc), max(7, len(str(len(acc))))),
        "account_id": _pick(acc_ids, acc),
        "issued_on": _dates(day),
        "amount": pa.array(amt),
        "gross_margin": pa.array(np.round(amt * v["margin"][acc], 2)),
        "product_line": _labels(PRODUCT_LINES, line),
        "kind": _labels(("new", "renewal", "repeat", "upsell", "cross_sell"), kind),
    })
    it = v["inter"].arrays()
    order = np.lexsort((it["account"], it["ts"]))
    it = {k: x[order] for k, x in it.items()}
    n_i = len(it["ts"])
    t["interactions"] = pa.table({
        "interaction_id": _ids("I", n_i, max(8, len(str(n_i)))),
        "account_id": _pick(acc_ids, it["account"]),
        "kam_id": _pick(kam_ids, it["kam"]),
        "occurred_at": _stamps(it["ts"]),
        "direction": _labels(("outbound", "inbound"), it["inbound"].astype(int)),
        "channel": _labels(INTERACTION_CHANNELS, it["channel"]),
        "is_request": pa.array(it["request"].astype(bool)),
        "resolved_at": _stamps(np.where(it["request"].astype(bool), it["resolved"], -1)),
    })
    r = v["resp"].arrays()
    order = np.lexsort((r["account"], r["day"]))
    r = {k: x[order] for k, x in r.items()}
    ref = r["ref"].astype(int)
    t["nps_responses"] = pa.table({
        "response_id": _ids("R", len(ref), 6),
        "account_id": _pick(acc_ids, r["account"]),
        "responded_on": _dates(r["day"]),
        "score": pa.array(r["score"].astype(np.int64)),
        "would_reference": pa.array(ref == 1, mask=ref < 0),
        "contact_role": _labels(("executive", "champion", "user", "procurement"), r["role"]),
    })
    m = v["ment"].arrays()
    order = np.lexsort((m["account"], m["day"]))
    m = {k: x[order] for k, x in m.items()}
    t["mentions"] = pa.table({
        "mention_id": _ids("M", len(m["day"]), 6),
        "account_id": _pick(acc_ids, m["account"].astype(int)),
        "occurred_on": _dates(m["day"]),
        "source": _labels(("linkedin", "x", "press", "review_site"), m["source"]),
        "sentiment": pa.array(m["sentiment"]),
    })
    t.update(_prospect_tables(cfg, rng, v, acc_ids, kam_ids))
    o = v["objs"].arrays()
    order = np.lexsort((o["indicator"], o["account"], o["due"]))
    o = {k: x[order] for k, x in o.items()}
    lead = o["indicator"] == 0
    names = np.where(lead, np.array([x[0] for x in _LEADING])[np.where(lead, o["metric"], 0)],
                     np.array([x[0] for x in _LAGGING])[np.where(lead, 0, o["metric"])])
    hib = np.where(lead, True, np.array([x[1] for x in _LAGGING])[np.where(lead, 0, o["metric"])])
    target = np.where(lead, np.array([x[2] for x in _LEADING])[np.where(lead, o["metric"], 0)],
                      np.array([x[2] for x in _LAGGING])[np.where(lead, 0, o["metric"])])
    actual = np.where(hib, target * o["actual"], target / o["actual"])
    actual = np.round(actual, 4)
    measured = o["due"] <= d_end
    t["objectives"] = pa.table({
        "objective_id": _ids("O", len(names), 6),
        "account_id": _pick(acc_ids, o["account"]),
        "indicator": _labels(("leading", "lagging"), o["indicator"].astype(int)),
        "metric": pa.array(names.tolist()),
        "target": pa.array(target),
        "actual": pa.array(actual, mask=~measured),
        "higher_is_better": pa.array(hib.astype(bool)),
        "due_on": _dates(o["due"]),
    })
    s = v["slas"].arrays()
    order = np.lexsort((s["sla"], s["account"], s["day"]))
    s = {k: x[order] for k, x in s.items()}
    t["sla_checks"] = pa.table({
        "check_id": _ids("S", len(s["day"]), max(7, len(str(len(s["day"]))))),
        "account_id": _pick(acc_ids, s["account"]),
        "period_end": _dates(s["day"]),
        "sla": _labels(SLAS, s["sla"]),
        "met": pa.array(s["met"].astype(bool)),
    })
    e = v["esurv"].arrays()
    order = np.lexsort((e["kam"], e["day"]))
    e = {k: x[order] for k, x in e.items()}
    t["employee_surveys"] = pa.table({
        "response_id": _ids("E", len(e["day"]), 5),
        "kam_id": _pick(kam_ids, e["kam"]),
        "responded_on": _dates(e["day"]),
        "score": pa.array(e["score"].astype(np.int64)),
        "workload": pa.array(e["workload"].astype(np.int64)),
        "recognition": pa.array(e["recognition"].astype(np.int64)),
        "growth": pa.array(e["growth"].astype(np.int64)),
    })
    return t


def _prospect_tables(cfg, rng, v, acc_ids, kam_ids) -> dict[str, pa.Table]:
    d_end, n = v["d_end"], v["n_pros"]
    ch = v["p_channel"]
    conv, lost = v["p_converts"], v["p_lost"]
    outcome = v["p_outcome_day"]
    ref_ch = PROSPECT_CHANNELS.index("referral")
    heard_map = {"referral": "referral", "inbound_web": "web_search", "event": "event",
                 "partner": "partner"}
    heard = [heard_map.get(PROSPECT_CHANNELS[c]) for c in ch]
    pros = pa.table({
        "prospect_id": _ids("P", n, max(6, len(str(n)))),
        "kam_id": _pick(kam_ids, v["p_kam"]),
        "first_contact_on": _dates(v["p_first"]),
        "channel": _labels(PROSPECT_CHANNELS, ch),
        "heard_about_us": pa.array(heard),
        "referred_by": _pick(acc_ids, np.where(ch == ref_ch, v["p_referred"], -1)),
        "converted_on": _dates(np.where(conv, outcome, -1)),
        "account_id": _pick(acc_ids, np.where(conv, v["p_account"], -1)),
        "lost_on": _dates(np.where(lost, outcome, -1)),
    })
    # touches: the counted touches are in the prospect's own channel; a few others are noise
    own = v["p_touches"]
    other = rng.poisson(0.3, n)
    tot = own + other
    pid = np.repeat(np.arange(n), tot)
    is_own = np.concatenate([np.r_[np.ones(a, bool), np.zeros(b, bool)]
                             for a, b in zip(own, other, strict=True)]) if n else np.array([], bool)
    first = np.repeat(v["p_first"], tot)
    span = np.repeat(v["p_span"], tot)
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
        "touch_id": _ids("T", len(pid), max(7, len(str(len(pid))))),
        "prospect_id": pc.take(pros["prospect_id"], pa.array(pid)),
        "occurred_at": _stamps(secs),
        "channel": _labels(PROSPECT_CHANNELS, tch),
    })
    return {"prospects": pros, "prospect_touches": touches}


def _expected_score(mu: float, sd: float) -> float:
    """E[clip(round(N(mu, sd)), 0, 10)], the mean NPS answer a segment should show."""
    from scipy.stats import norm

    k = np.arange(11)
    lo = np.where(k == 0, -np.inf, k - 0.5)
    hi = np.where(k == 10, np.inf, k + 0.5)
    p = norm.cdf(hi, mu, sd) - norm.cdf(lo, mu, sd)
    return float((k * p).sum())


def _truth(cfg: SynthConfig, peak_curve: dict, dec: dict) -> dict:
    from kamlib import __version__

    h_sd = math.sqrt(0.6**2 + 0.3**2 / (1 - 0.9**2))
    score_sd = math.sqrt((1.3 * h_sd) ** 2 + 1.3**2)
    n_dec = len(dec["churn"])
    return {
        "generator": {"kamlib_version": __version__, "accounts_requested": cfg.accounts,
                      "seed": cfg.seed, "history_start": cfg.start.isoformat(),
                      "history_end": cfg.end.isoformat(),
                      "default_quarter": str(Quarter.containing(cfg.end, 1)),
                      "kams_active": cfg.n_kams, "teams": cfg.n_teams},
        "grace_days": 30,
        "churn": {
            "model": ("At each contract end the account churns with probability "
                      "1 - exp(-exp(log(-log(1 - p0[k])) + log(HR_segment) "
                      "+ sum_j log(HR_j) * (x_j - ref_j) / unit_j)), a grouped proportional-"
                      "hazards model: the hazard ratios are Cox hazard ratios."),
            "decision_time": "the contract's end_on; a renewal continues the spell",
            "baseline_churn_probability_by_decision": list(BASE_CHURN),
            "baseline_note": ("p0[k] for the k-th renewal decision of a spell (k = 0 is the "
                              "first contract's end; the last value applies to later ones)"),
            "hazard_ratios": {
                **{k: {"hr": hr, "unit": unit, "reference": ref}
                   for k, (hr, unit, ref) in HAZARD_RATIOS.items()},
                "segment": {"reference": "enterprise",
                            **{s: SEGMENT[s]["hr"] for s in SEGMENTS}},
            },
            "covariates": {
                "measured_on": ("the fiscal quarter before the quarter holding the contract's "
                                "end_on (Q below); decisions before 2021-04-01 use the "
                                "reference values"),
                "recent_nps": ("mean score of the account's nps_responses with responded_on "
                               "in the four quarters ending with Q; the reference value "
                               "when there is none"),
                "max_gap_days": ("longest stretch in days within Q between consecutive "
                                 "interaction dates of the account, starting from its last "
                                 "interaction before Q (or from the later of Q's start and the "
                                 "spell start) and ending at Q's last day"),
                "kam_satisfaction": ("mean score of the employee_surveys of the account's "
                                     "owner at the end of Q, over the four quarters ending "
                                     "with Q; the reference value when there is none"),
            },
            "observed": {"decisions": n_dec, "churns": int(dec["churn"].sum()),
                         "churn_share": round(float(dec["churn"].mean()), 4) if n_dec else None},
            "winback_probability": 0.08,
        },
        "segments": {
            s: {"share": SEGMENT[s]["share"], "median_annual_value": SEGMENT[s]["value"],
                "gross_margin_rate": SEGMENT[s]["margin"],
                "nps_mean_score_expected": round(_expected_score(SEGMENT[s]["nps_mu"],
                                                                 score_sd), 3),
                "interactions_per_month_median": SEGMENT[s]["rate"],
                "churn_hazard_ratio": SEGMENT[s]["hr"]}
            for s in SEGMENTS
        },
        "acquisition": {
            "model": ("a prospect converts with probability 1 / (1 + exp(-(a + b n - c n^2))) "
                      "where n is the number of its touches in its own channel; the peak "
                      "is at n = b / (2 c)"),
            "conversion_within_days": 180,
            "touch_curve": {ch: {"peak_touches": TOUCH_PEAK[ch],
                                 "peak_probability": TOUCH_PEAK_P[ch],
                                 "a": round(a, 6), "b": round(b, 6), "c": c}
                            for ch, (a, b, c) in peak_curve.items()},
        },
        "objectives": {
            "model": ("a lagging objective is met with probability "
                      "1 / (1 + exp(-(intercept + slope * (mean leading attainment - 1)))) "
                      "where the mean is over the account's two leading objectives of the "
                      "same year"),
            **OBJECTIVE_LINK,
        },
        "expansion": {
            "upsell_monthly_probability": "1 / (1 + exp(-(-4.0 + 0.9 * health)))",
            "cross_sell_monthly_probability": "1 / (1 + exp(-(-4.6 + 0.9 * health)))",
            "note": "health is latent; recent NPS is its observable proxy",
        },
        "interactions": {"seasonality_by_month": SEASON.tolist(),
                         "neglect_rate_multiplier": 0.04},
    }


def write_dataset(tables: dict[str, pa.Table], truth: dict, out: str | Path) -> list[Path]:
    """Write each table as ``<name>.csv`` and ``truth.json`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed", batch_size=65536)
    written = []
    for name in sorted(tables):
        p = out / f"{name}.csv"
        with open(p, "wb") as fh:
            fh.write((",".join(tables[name].column_names) + "\n").encode())
            pacsv.write_csv(tables[name], fh, opts)
        written.append(p)
    p = out / "truth.json"
    p.write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(p)
    return written


def synthesize(out: str | Path, accounts: int = 400, seed: int = DEFAULT_SEED,
               progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Generate a data set into ``out`` and return its truth.

    >>> import tempfile
    >>> truth = synthesize(tempfile.mkdtemp(), accounts=30, seed=3)
    >>> truth["generator"]["default_quarter"]
    '2026Q3'
    """
    if accounts < 10:
        raise ValueError("accounts must be at least 10")
    tables, truth = generate(SynthConfig(accounts=accounts, seed=seed), progress)
    if progress:
        progress("writing", 0, 1)
    write_dataset(tables, truth, out)
    if progress:
        progress("writing", 1, 1)
    return truth
