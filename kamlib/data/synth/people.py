"""Account managers, accounts and who owns which account when.

* ``Staff``: the KAMs, their teams, hiring and leaving days (every leaver has a
  replacement in the same team) and their satisfaction, which drifts monthly.
* ``Book``: the accounts: segment, value, margin, latent health, interaction
  rate, products owned, owner, and the state of their current customer spell.
  ``Book.assign`` records ownership changes, which become the assignments table.

>>> rng = np.random.Generator(np.random.PCG64(1))
>>> staff = hire_kams(SynthConfig(accounts=40), rng, d0=18628, d_end=20726)
>>> staff.n_active, staff.n
(4, 5)
>>> len(names(rng, 3, ("Ada", "Ben"), ("Berg",), ("A.",)))
3
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import Rows, dates, labels, pick
from kamlib.data.synth.parameters import (
    INDUSTRIES,
    PRODUCT_LINES,
    PROSPECT_CHANNEL_P,
    PROSPECT_CHANNELS,
    REGIONS,
    SEGMENT,
    SEGMENTS,
    SynthConfig,
)

__all__ = ["Book", "Staff", "accounts_table", "assignments_table", "drift", "hand_over",
           "hire_kams", "kams_table", "names", "open_accounts"]

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


@dataclass
class Staff:
    """The KAMs: the first ``n_active`` are employed at the start, the rest replace leavers."""

    n_active: int
    team: np.ndarray
    hired: np.ndarray
    left: np.ndarray  # day number, -1 while employed
    sat: np.ndarray  # satisfaction (eNPS scale), drifts monthly
    sat_mu: np.ndarray
    replacement: dict[int, int]  # leaver -> replacement

    @property
    def n(self) -> int:
        return len(self.team)

    def employed(self, ms: int, me: int) -> np.ndarray:
        """The KAMs employed for the whole month from day ``ms`` to day ``me``."""
        return np.flatnonzero((self.hired <= ms) & ((self.left < 0) | (self.left > me)))


def hire_kams(cfg: SynthConfig, rng: np.random.Generator, d0: int, d_end: int) -> Staff:
    """The KAM roster: hiring days, about one in eight leaving, and their satisfaction."""
    n_k0 = cfg.n_kams
    n_leave = max(1, round(0.125 * n_k0))
    n_kam = n_k0 + n_leave
    team = np.concatenate([np.arange(n_k0) % cfg.n_teams, np.zeros(n_leave, int)])
    hired = np.concatenate([d0 - rng.integers(200, 3650, n_k0), np.zeros(n_leave, int)])
    left = np.full(n_kam, -1)
    leavers = rng.choice(n_k0, n_leave, replace=False)
    leave_day = np.sort(rng.integers(d0 + 400, d_end - 120, n_leave))
    for j, (k, day) in enumerate(zip(leavers, leave_day, strict=True)):
        new = n_k0 + j
        left[k] = day
        team[new] = team[k]
        hired[new] = day - rng.integers(10, 60)
    sat = rng.normal(7.2, 1.3, n_kam)
    return Staff(n_active=n_k0, team=team, hired=hired, left=left, sat=sat, sat_mu=sat.copy(),
                 replacement={int(k): n_k0 + j for j, k in enumerate(leavers)})


@dataclass
class Book:
    """The accounts: legacy customers first, then the key accounts won from prospects."""

    n_legacy: int
    seg: np.ndarray
    seg_par: dict[str, np.ndarray]
    value0: np.ndarray
    margin: np.ndarray
    trait_mu: np.ndarray
    health: np.ndarray  # latent, drifts monthly
    rate: np.ndarray  # interactions per month
    primary_line: np.ndarray
    owned: np.ndarray  # accounts x product lines
    acq_day: np.ndarray
    owner: np.ndarray
    acq_channel: np.ndarray
    referred_by: np.ndarray
    alive: np.ndarray = field(init=False)
    started: np.ndarray = field(init=False)
    spell_start: np.ndarray = field(init=False)
    k_dec: np.ndarray = field(init=False)  # renewal decisions taken in the current spell
    churn_end: np.ndarray = field(init=False)  # last day of activity for churning accounts
    winback_day: np.ndarray = field(init=False)
    assigns: Rows = field(init=False)
    assign_open: dict = field(init=False)  # account -> (kam, from)

    def __post_init__(self) -> None:
        n_acc = self.n
        self.alive = np.zeros(n_acc, bool)
        self.started = np.zeros(n_acc, bool)
        self.spell_start = np.full(n_acc, -1)
        self.k_dec = np.zeros(n_acc, int)
        self.churn_end = np.full(n_acc, -1)
        self.winback_day = np.full(n_acc, -1)
        self.assigns = Rows("account", "kam", "from", "to")
        self.assign_open = {}

    @property
    def n(self) -> int:
        return len(self.seg)

    def assign(self, i, kam, day) -> None:
        """Account ``i`` is owned by ``kam`` from ``day`` on."""
        if i in self.assign_open:
            k_old, f_old = self.assign_open[i]
            if k_old == kam:
                return
            if day <= f_old:  # a second change on or before the first one's day replaces it
                self.assign_open[i] = (kam, f_old)
                self.owner[i] = kam
                return
            self.assigns.add(account=i, kam=k_old, **{"from": f_old, "to": day - 1})
        self.assign_open[i] = (kam, day)
        self.owner[i] = kam

    def start(self, i, day) -> None:
        """Account ``i`` becomes a customer on ``day`` (a new spell)."""
        self.alive[i] = self.started[i] = True
        self.spell_start[i] = day
        self.k_dec[i] = 0
        self.assign(i, self.owner[i], day)

    def close_assignments(self) -> None:
        """End of history: the open assignments have no end day."""
        for i, (k, f) in sorted(self.assign_open.items()):
            self.assigns.add(account=i, kam=k, **{"from": f, "to": -1})


def open_accounts(cfg: SynthConfig, rng: np.random.Generator, d0: int, n_k0: int,
                  won: np.ndarray, won_day: np.ndarray, won_kam: np.ndarray,
                  won_channel: np.ndarray) -> Book:
    """The legacy customers and the key accounts ``won`` (in order) from prospects."""
    n_leg = cfg.n_legacy
    n_acc = n_leg + len(won)
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
    acq_day[n_leg:] = won_day
    owner = np.empty(n_acc, int)
    owner[:n_leg] = rng.integers(0, n_k0, n_leg)
    owner[n_leg:] = won_kam
    acq_channel = np.full(n_acc, -1)
    acq_channel[n_leg:] = won_channel
    return Book(n_legacy=n_leg, seg=seg, seg_par=seg_par, value0=value0, margin=margin,
                trait_mu=trait_mu, health=health, rate=rate, primary_line=primary_line,
                owned=owned, acq_day=acq_day, owner=owner, acq_channel=acq_channel,
                referred_by=np.full(n_acc, -1))


def hand_over(rng: np.random.Generator, staff: Staff, book: Book, ms: int, me: int) -> None:
    """The month's ownership changes: leavers' accounts and random moves within a team."""
    for k_left in np.flatnonzero((staff.left >= ms) & (staff.left <= me)):
        rep = staff.replacement[int(k_left)]
        for i in np.flatnonzero(book.started & (book.owner == k_left)):
            book.assign(i, rep, int(staff.left[k_left]))
    active_k = staff.employed(ms, me)
    move = np.flatnonzero(book.alive & (rng.random(book.n) < 0.005))
    for i in move:
        same = active_k[(staff.team[active_k] == staff.team[book.owner[i]])
                        & (active_k != book.owner[i])]
        if len(same):
            book.assign(i, int(rng.choice(same)), ms + int(rng.integers(0, 28)))


def drift(rng: np.random.Generator, staff: Staff, book: Book) -> None:
    """One month of KAM satisfaction and account health (which follows its KAM's mood)."""
    staff.sat = 7.2 + 0.95 * (staff.sat - 7.2) + 0.05 * (staff.sat_mu - 7.2) \
        + rng.normal(0, 0.25, staff.n)
    book.health = 0.9 * book.health + 0.1 * book.trait_mu + rng.normal(0, 0.3, book.n) \
        + 0.02 * (staff.sat[book.owner] - 7.2)


def names(rng: np.random.Generator, n: int, first: tuple, second: tuple, third: tuple,
          sep=" ") -> list[str]:
    """``n`` distinct names ``first second`` (then ``first second third``) in random order."""
    combos = len(first) * len(second)
    perm = rng.permutation(max(n, combos) if n > combos else combos)[:n]
    out = []
    for p in perm:
        a, b = divmod(int(p) % combos, len(second))
        extra = int(p) // combos
        name = f"{first[a]}{sep}{second[b]}"
        out.append(name if extra == 0 else f"{name}{sep}{third[extra % len(third)]}")
    return out


def kams_table(rng: np.random.Generator, staff: Staff, kam_ids: pa.Array) -> pa.Table:
    """The account_managers table."""
    letters = tuple(f"{c}." for c in "ABCDEFGHJKLMNPRSTW")
    return pa.table({
        "kam_id": kam_ids,
        "name": pa.array(names(rng, staff.n, _FIRST, _LAST, letters)),
        "team": pa.array([f"team_{chr(97 + k % 26)}{k // 26 or ''}" for k in staff.team]),
        "region": labels(REGIONS, staff.team % len(REGIONS)),
        "hired_on": dates(staff.hired),
        "left_on": dates(staff.left),
    })


def accounts_table(rng: np.random.Generator, book: Book, acc_ids: pa.Array,
                   kam_ids: pa.Array) -> pa.Table:
    """The accounts table (half the legacy accounts remember how they were acquired)."""
    n_acc, n_leg = book.n, book.n_legacy
    syl = tuple(s.title() for s in _SYL)
    acc_names = names(rng, n_acc, syl, _SYL, tuple(s.title() for s in _SYL[::-1]), sep="")
    suffix = rng.integers(0, len(_SUFFIX), n_acc)
    acc_names = [f"{nm} {_SUFFIX[s]}" for nm, s in zip(acc_names, suffix, strict=True)]
    acq = book.acq_channel.copy()
    legacy_known = rng.random(n_acc) < 0.5
    acq[:n_leg] = np.where(legacy_known[:n_leg],
                           rng.choice(len(PROSPECT_CHANNELS), n_leg, p=PROSPECT_CHANNEL_P), -1)
    ref_ch = PROSPECT_CHANNELS.index("referral")
    heard = np.where(acq == ref_ch, 0, np.where(acq < 0, -1, rng.integers(1, 5, n_acc)))
    heard_vals = ("referral", "web_search", "event", "colleague", "press")
    return pa.table({
        "account_id": acc_ids,
        "name": pa.array(acc_names),
        "kam_id": pick(kam_ids, book.owner),
        "segment": labels(SEGMENTS, book.seg),
        "industry": labels(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n_acc)),
        "region": labels(REGIONS, rng.integers(0, len(REGIONS), n_acc)),
        "acquisition_channel": labels(PROSPECT_CHANNELS, acq),
        "referred_by": pick(acc_ids, book.referred_by),
        "heard_about_us": labels(heard_vals, heard),
    })


def assignments_table(book: Book, acc_ids: pa.Array, kam_ids: pa.Array) -> pa.Table:
    """The assignments table, by account and start day."""
    a = book.assigns.arrays()
    order = np.lexsort((a["from"], a["account"]))
    return pa.table({
        "account_id": pick(acc_ids, a["account"][order]),
        "kam_id": pick(kam_ids, a["kam"][order]),
        "from_on": dates(a["from"][order]),
        "to_on": dates(a["to"][order]),
    })
