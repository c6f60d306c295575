"""Per-period panels: small account-level frames built where the data lives.

Event tables (interactions, invoices, responses, touches) are aggregated by the
engine with Ibis; only one row per account (or prospect) comes back to pandas.
Contracts, accounts and assignments are small and are read whole.

All functions take the period explicitly (a :class:`~kamlib.periods.Quarter`, or a
label such as ``"2026Q3"``); nothing reads the clock.

>>> from kamlib.periods import Quarter
>>> owner_column_name = "kam_id"
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.operations as ops
import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import is_detractor, is_passive, is_promoter
from kamlib.data.sources import fetch
from kamlib.panels import batch
from kamlib.panels.customers import PreparedContracts, customers_on, derive_renewals, derive_spells
from kamlib.periods import Quarter, as_quarter

__all__ = ["DAY", "ContractState", "account_frame", "acv_on", "contact_gaps", "contract_state",
           "acv_as_of", "contracts_frame", "interaction_panel", "interaction_panels", "invoice_panel",
           "invoice_panels", "owners_as_of", "owners_on", "reference_panel", "renewals_as_of", "requests_frame",
           "response_panel", "response_panels", "spells_as_of", "prepared_contracts"]

DAY = pd.Timedelta(days=1)


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _next_ts(d: date):
    """Ibis timestamp literal for the start of the day after ``d`` (exclusive bound)."""
    return ibis.timestamp(d + timedelta(days=1))


# --------------------------------------------------------------------------- ownership
def owners_on(data, accounts: pd.DataFrame, day: date, as_of: date | None = None) -> pd.Series:
    """The KAM owning each account on ``day`` (index: account_id).

    From ``assignments`` when supplied: the assignment covering ``day``; failing
    that (an account won later), its first assignment after ``day`` that starts by
    ``as_of`` (rows after the period's view never count). Without assignments, or
    when none matches, the account's current ``kam_id``.
    """
    owner = accounts.set_index("account_id")["kam_id"].copy()
    if not data.has("assignments"):
        return owner
    a = _assignments(data)  # sorted by account, start and KAM
    d = _ts(day)
    cover = a[(a.from_on <= d) & (a.to_on.isna() | (a.to_on >= d))]
    cover = cover.groupby("account_id").last()
    later = a[(a.from_on > d) & (a.from_on <= _ts(as_of or day))]
    later = later.groupby("account_id").first()
    owner.update(later["kam_id"])
    owner.update(cover["kam_id"])
    return owner


_ASSIGNMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`_assignments` of each data set."""


def _assignments(data) -> pd.DataFrame:
    """The assignments with their dates as timestamps, sorted by account, start and
    KAM: read once per data set for the owners of every day asked about (a selection
    keeps the order; rows that tie on all three name the same KAM, so which comes
    first never changes an owner). The frame is shared: callers only select from it."""
    if data not in _ASSIGNMENTS:
        a = data.frame("assignments")
        a["from_on"] = pd.to_datetime(a["from_on"])
        a["to_on"] = pd.to_datetime(a["to_on"])
        _ASSIGNMENTS[data] = a.sort_values(["account_id", "from_on", "kam_id"])
    return _ASSIGNMENTS[data]


def _once(cache: weakref.WeakKeyDictionary, data, key: tuple, compute):
    """``compute()`` worked out once per data set and ``key`` (kept in ``cache`` as long
    as ``data`` lives); a copy is returned each time, so no caller changes another's.

    >>> class D: pass
    >>> c, d, calls = weakref.WeakKeyDictionary(), D(), []
    >>> [int(_once(c, d, (1,), lambda: calls.append(1) or pd.Series([1])).sum()) for _ in "ab"], calls
    ([1, 1], [1])
    """
    done = cache.setdefault(data, {})
    if key not in done:
        done[key] = compute()
    return done[key].copy()


_OWNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`owners_as_of` of each data set, by (day, as_of): the survival panel asks for
the owners on the same quarter ends in each of its runs."""


def owners_as_of(data, day: date, as_of: date | None = None) -> pd.Series:
    """:func:`owners_on` of every account of ``data.frame("accounts")``, worked out once
    per data set, ``day`` and ``as_of`` (a copy is returned each time)."""
    key = (pd.Timestamp(day), None if as_of is None else pd.Timestamp(as_of))
    return _once(_OWNERS, data, key, lambda: owners_on(data, data.frame("accounts"), day, as_of))


# --------------------------------------------------------------------------- contracts
@dataclass
class ContractState:
    """Customer status for one period, from contracts (see :mod:`kamlib.panels.customers`)."""

    quarter: Quarter
    spells: pd.DataFrame
    renewals: pd.DataFrame
    contracts: pd.DataFrame


_CONTRACTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`contracts_frame` of each data set, read once: every quarter's panels (and the
survival model's, one per quarter) start from the same contracts. Keyed on the data
object itself and gone with it."""


def contracts_frame(data) -> pd.DataFrame:
    """All used contracts as pandas, dates at day resolution; ``renewal_of`` only when
    the export carries it (its absence switches renewals to the date rule).

    Read once per data object (a copy is returned each time)."""
    if data not in _CONTRACTS:
        c = data.frame("contracts")
        for col in ("start_on", "end_on"):
            c[col] = pd.to_datetime(c[col])
        if not data.has_column("contracts", "renewal_of"):
            c = c.drop(columns=["renewal_of"], errors="ignore")
        _CONTRACTS[data] = c.sort_values("contract_id").reset_index(drop=True)
    return _CONTRACTS[data].copy()


_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`prepared_contracts` of each data set."""


def prepared_contracts(data) -> PreparedContracts:
    """:func:`contracts_frame` made ready once for the views on every day the spells,
    renewals and values are asked for (checked, at day resolution, sorted)."""
    if data not in _PREPARED:
        _PREPARED[data] = PreparedContracts(contracts_frame(data))
    return _PREPARED[data]


_SPELLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`spells_as_of` of each data set, by (day, grace days): the survival panel's
covariates, its snapshot and the backtest ask for the same quarter ends again."""


def spells_as_of(data, day: date, grace_days: int) -> pd.DataFrame:
    """Customer spells as they stood on ``day`` (see :func:`kamlib.panels.customers.derive_spells`).

    Derived once per data set, day and grace (a copy is returned each time)."""
    return _once(_SPELLS, data, (pd.Timestamp(day), int(grace_days)),
                 lambda: derive_spells(prepared_contracts(data), day, grace_days))


_RENEWALS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`renewals_as_of` of each data set, by (day, grace days): the trend, the KAM
comparison and the survival panel build the contract state of the same quarters again."""


def renewals_as_of(data, day: date, grace_days: int) -> pd.DataFrame:
    """The contracts' renewals as they stood on ``day`` (see
    :func:`kamlib.panels.customers.derive_renewals`).

    Derived once per data set, day and grace (a copy is returned each time)."""
    return _once(_RENEWALS, data, (pd.Timestamp(day), int(grace_days)),
                 lambda: derive_renewals(prepared_contracts(data), day, grace_days))


def contract_state(data, quarter: Quarter | str, settings: Settings) -> ContractState:
    """Spells, renewals and the contracts in the view of the quarter's last day
    (spells and renewals derived once per data set, day and grace)."""
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    c = contracts_frame(data)
    spells = spells_as_of(data, quarter.end, settings.grace_days)
    renewals = renewals_as_of(data, quarter.end, settings.grace_days)
    return ContractState(quarter, spells, renewals, c[c.start_on <= _ts(quarter.end)])


def acv_on(contracts: pd.DataFrame | PreparedContracts, day: date, grace_days: int
           ) -> pd.Series:
    """Contracted annual value per account on ``day`` (index: account_id).

    The one definition behind GRR, NRR, revenue churn and statement-of-work growth:

    * the sum of ``annual_value`` over the account's contracts in force on ``day``
      (``start_on <= day <= end_on``); when none is, the value of its latest contract
      still inside its renewal window (``end_on < day <= end_on + grace_days``);
    * a contract stops counting on the day its renewal starts: the renewal (the
      contract naming it in ``renewal_of``, or, without that column, the date
      pairing of :func:`kamlib.panels.customers.derive_renewals`) replaces it, it does not
      add to it. Contracts not linked by a renewal run side by side and add up.

    Accounts with no value on ``day`` are absent.

    >>> c = pd.DataFrame({"contract_id": ["c1", "c2"], "account_id": ["A", "A"],
    ...                   "start_on": pd.to_datetime(["2025-01-01", "2025-12-15"]),
    ...                   "end_on": pd.to_datetime(["2025-12-31", "2026-12-14"]),
    ...                   "annual_value": [100.0, 130.0], "renewal_of": [None, "c1"]})
    >>> [float(acv_on(c, date(2025, m, d), 30)["A"]) for m, d in ((12, 14), (12, 15))]
    [100.0, 130.0]
    """
    d = _ts(day)
    # the view as of ``day``: every successor in it has started by ``day``
    r = derive_renewals(contracts, d, grace_days)
    c = r[~r.renewed.to_numpy(bool)]
    live = c[c.end_on >= d].groupby("account_id")["annual_value"].sum()
    grace = c[(c.end_on < d) & (c.end_on + pd.Timedelta(days=grace_days) >= d)]
    latest = grace.groupby("account_id")["end_on"].transform("max")
    grace = grace[grace.end_on == latest].groupby("account_id")["annual_value"].sum()
    return live.combine_first(grace).rename("acv")


_ACV: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`acv_as_of` of each data set, by (day, grace days)."""


def acv_as_of(data, day: date, grace_days: int) -> pd.Series:
    """:func:`acv_on` of all the data's contracts (:func:`contracts_frame`), worked out
    once per data set, day and grace (a copy is returned each time).

    :func:`acv_on` reads only the contracts started by ``day``, so this is also the value
    on ``day`` of a quarter's :attr:`ContractState.contracts` (those started by the
    quarter's end) for any ``day`` up to that end."""
    return _once(_ACV, data, (pd.Timestamp(day), int(grace_days)),
                 lambda: acv_on(prepared_contracts(data), day, grace_days))


def account_frame(data, quarter: Quarter | str, settings: Settings,
                  state: ContractState | None = None) -> pd.DataFrame:
    """One row per account that was a customer at some time in the period.

    Columns: account_id, name, segment, kam_id (owner at the period's start, or
    when first owned if won later), customer_start (a customer on the day before
    the period), customer_end (on its last day), acquired (new spell started in
    the period), new_logo (first spell ever started in the period), churned
    (customer at the start whose churn became known in the period), acv_start,
    acv_end, spell_start (start of the spell current at the period end or at churn).
    """
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    state = state or contract_state(data, quarter, settings)
    acc = data.frame("accounts")
    start_day = quarter.start - timedelta(days=1)
    sp = state.spells
    in_period = sp[(sp.start_on <= _ts(quarter.end)) & (sp.last_day >= _ts(start_day))]
    ids = pd.Index(sorted(in_period.account_id.unique()), name="account_id")
    f = acc.set_index("account_id").reindex(ids)[["name", "segment"]]
    owners = owners_as_of(data, start_day, quarter.end)
    f["kam_id"] = owners.reindex(ids)
    f["customer_start"] = ids.isin(customers_on(sp, _ts(start_day)))
    f["customer_end"] = ids.isin(customers_on(sp, _ts(quarter.end)))
    started = sp[(sp.start_on >= _ts(quarter.start)) & (sp.start_on <= _ts(quarter.end))]
    f["acquired"] = ids.isin(started.account_id)
    first = sp.groupby("account_id").start_on.min()
    f["new_logo"] = ids.isin(first[(first >= _ts(quarter.start))
                                   & (first <= _ts(quarter.end))].index)
    known = sp[sp.churned & (sp.known_on >= _ts(quarter.start))
               & (sp.known_on <= _ts(quarter.end))]
    f["churned"] = ids.isin(known.account_id) & f["customer_start"]
    # the state's contracts are those started by the quarter's end: their values on its
    # first and last day are the data's (acv_as_of, worked out once per day)
    f["acv_start"] = acv_as_of(data, start_day, settings.grace_days).reindex(ids).fillna(0.0)
    f["acv_end"] = acv_as_of(data, quarter.end, settings.grace_days).reindex(ids).fillna(0.0)
    latest = in_period.sort_values(["account_id", "spell"]).groupby("account_id").last()
    f["spell_start"] = latest["start_on"].reindex(ids)
    return f.reset_index()


# --------------------------------------------------------------------------- interactions
def interaction_panel(data, quarter: Quarter | str) -> pd.DataFrame:
    """Per account, from interactions dated up to the period end (engine-side).

    Columns: account_id, touches, inbound, outbound, first_day, last_day (dates in
    the period), inner_gap (longest stretch in days between consecutive touch days
    within the period), prev_day (last touch day before the period).
    """
    quarter = as_quarter(quarter)
    t = data.table("interactions")
    lo, hi = ibis.timestamp(quarter.start), _next_ts(quarter.end)
    inq = t.filter((t.occurred_at >= lo) & (t.occurred_at < hi))
    counts = inq.group_by("account_id").aggregate(
        touches=inq.count(),
        inbound=(inq.direction == "inbound").sum(),
        outbound=(inq.direction == "outbound").sum(),
        first_day=inq.occurred_at.min().date(),
        last_day=inq.occurred_at.max().date(),
    )
    days = inq.select("account_id", d=inq.occurred_at.date()).distinct()
    w = ibis.window(group_by="account_id", order_by="d")
    gaps = days.mutate(g=days.d.epoch_days() - days.d.epoch_days().lag().over(w))
    inner = gaps.group_by("account_id").aggregate(inner_gap=gaps.g.max())
    prev = t.filter(t.occurred_at < lo).group_by("account_id").aggregate(
        prev_day=t.occurred_at.max().date())  # the date of the latest, not the latest date
    res = fetch(counts, by="account_id").merge(fetch(inner, by="account_id"), on="account_id",
                                               how="outer")
    res = res.merge(fetch(prev, by="account_id"), on="account_id", how="outer")
    for c in ("touches", "inbound", "outbound"):
        res[c] = res[c].fillna(0).astype(int)
    for c in ("first_day", "last_day", "prev_day"):
        res[c] = pd.to_datetime(res[c])
    return res.sort_values("account_id").reset_index(drop=True)


_INTERACTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
""":func:`interaction_panels` already built for each data set, by quarter: the survival
panel, its snapshot and the backtest ask for the same quarters again. Keyed on the data
object itself and gone with it."""

_PANEL_COLUMNS = ["account_id", "touches", "inbound", "outbound", "first_day", "last_day",
                  "inner_gap", "prev_day"]


def interaction_panels(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`interaction_panel` of many quarters at once: the same frames, by quarter.

    One engine query for all the quarters not built before (instead of three per
    quarter): each interaction is tagged with the ordinal of its fiscal quarter
    (:func:`kamlib.panels.batch.fiscal_index`) and grouped by account and ordinal, up
    to the last requested one (:func:`_interaction_batch`); ``prev_day`` of a quarter
    is the latest touch day of the ordinals before its own. Built once per data set (a
    copy is returned each time).

    >>> from kamlib.periods import Quarter
    >>> interaction_panels(None, [])
    {}
    """
    wanted = list(dict.fromkeys(as_quarter(q) for q in quarters))
    if not wanted:
        return {}
    done = _INTERACTIONS.setdefault(data, {})  # by (quarter, fiscal start month): a
    # Quarter's equality ignores its start month, its dates do not
    missing = sorted((q for q in wanted if (q, q.start_month) not in done),
                     key=lambda q: q.start)
    for sm in sorted({q.start_month for q in missing}):  # one batch per fiscal start month
        got = _interaction_batch(data, [q for q in missing if q.start_month == sm])
        done.update(((q, q.start_month), f) for q, f in got.items())
    return {q: done[q, q.start_month].copy() for q in wanted}


#: a touch day as a bit: day ``e`` (days since 1970-01-01) is bit ``p % 31`` of word
#: ``p // 31``, ``p = e mod 124``. A quarter has at most 92 days, so its days have
#: distinct places on that ring of 124, and the quarter's first day tells where they
#: start. Words of 31 bits, so that a shift stays within a 32-bit integer on every
#: engine (Spark shifts an INT literal as an INT).
_DAY_WORD = 31
_DAY_WORDS = 4
_RING = _DAY_WORD * _DAY_WORDS
_QUARTER_DAYS = 92

def _interaction_batch(data, qs: list[Quarter], bit_or: bool | None = None
                       ) -> dict[Quarter, pd.DataFrame]:
    """The panels of ``qs`` (sorted by start, distinct, one fiscal start month) from one
    query.

    The query groups the interactions by account and quarter ordinal: the touches,
    their directions, the first and last days, and the quarter's touch days as bits
    (:func:`_day_bits`, or-ed together), from which :func:`_longest_inner_gaps` finds
    the longest stretch between touch days here. The one-quarter query
    (:func:`interaction_panel`) finds that stretch with a window over the distinct
    days instead: the same whole numbers, without the engine's sort of every touch
    day (3.3 s of 4.4 and 350 MB at 9.9 M interactions). ``prev_day`` of a quarter is
    the latest ``last_day`` of the ordinals before its own.

    ``bit_or``: whether the engine has a bitwise-or aggregate (default: asked of the
    engine; DuckDB and PostgreSQL have one, Ibis's Spark backend does not). Without
    it the rows are grouped by day first, and the distinct days' bits added.
    """
    sm = qs[0].start_month
    ks = [batch.quarter_index(q) for q in qs]
    if bit_or is None:
        con = getattr(data, "con", None)
        bit_or = con is not None and con.has_operation(ops.BitOr)
    t = data.table("interactions")
    t = t.mutate(k=batch.fiscal_index(t.occurred_at.date(), sm), d=t.occurred_at.date())
    t = t.filter(t.k <= ks[-1])
    n, inbound, outbound = (t.count(), (t.direction == "inbound").sum(),
                            (t.direction == "outbound").sum())
    if not bit_or:  # one row per touch day, its touches summed
        t = t.group_by(["account_id", "k", "d"]).aggregate(n=n, inbound=inbound,
                                                          outbound=outbound)
        n, inbound, outbound = t.n.sum(), t.inbound.sum(), t.outbound.sum()
    ring = (t.d.epoch_days() % _RING + _RING) % _RING  # a day before 1970 too
    words = {f"w{j}": _day_bits(ring, j).bit_or() if bit_or else _day_bits(ring, j).sum()
             for j in range(_DAY_WORDS)}
    res = fetch(t.group_by(["account_id", "k"]).aggregate(
        touches=n, inbound=inbound, outbound=outbound, first_day=t.d.min(),
        last_day=t.d.max(), **words), by=["account_id", "k"])
    prev = res.loc[res.k < ks[-1], ["account_id", "k", "last_day"]]
    prev = prev.rename(columns={"last_day": "prev_day"})
    prev["prev_day"] = pd.to_datetime(prev["prev_day"])
    before = _latest_before(prev, ks)
    counts = res[res.k.isin(ks)].reset_index(drop=True)
    first = {k: _epoch_day(_quarter_start(k, sm)) for k in counts.k.unique()}
    counts["inner_gap"] = _longest_inner_gaps(counts[list(words)].to_numpy(),
                                              counts.k.map(first).to_numpy())
    counts = counts.drop(columns=list(words))
    out = {}
    for i, q in zip(ks, qs, strict=True):
        c = counts[counts.k == i].drop(columns="k")
        if c.empty:  # no touch in the quarter: its own query gives the dtypes of empty results
            out[q] = interaction_panel(data, q)
            continue
        # the gaps as the engine returns one quarter's: int64 without a null, float64 with
        # some, objects (None) when every account had a single touch day
        if c.inner_gap.isna().all():
            c["inner_gap"] = pd.Series([None] * len(c), index=c.index, dtype=object)
        elif c.inner_gap.notna().all():
            c["inner_gap"] = c.inner_gap.astype("int64")
        res = c.merge(before[i], on="account_id", how="outer")
        for col in ("touches", "inbound", "outbound"):
            res[col] = res[col].fillna(0).astype(int)
        for col in ("first_day", "last_day", "prev_day"):
            if not pd.api.types.is_datetime64_dtype(res[col]):  # to_datetime keeps those
                res[col] = pd.to_datetime(res[col])
        out[q] = res[_PANEL_COLUMNS].sort_values("account_id").reset_index(drop=True)
    return out


def _latest_before(prev: pd.DataFrame, ks: list[int]) -> dict[int, pd.DataFrame]:
    """For each quarter ordinal in ``ks``: each account's latest ``prev_day`` of the
    quarters before it (columns account_id, prev_day, accounts sorted), the frame
    ``prev[prev.k < k].groupby("account_id", as_index=False)["prev_day"].max()``
    gives, from one walk through the quarters instead of a filter and a grouping of
    all of ``prev`` per quarter.

    >>> prev = pd.DataFrame({"account_id": ["b", "a", "b"], "k": [1, 2, 3],
    ...                      "prev_day": pd.to_datetime(["2020-01-05", "2020-04-02", "2020-07-09"])})
    >>> {k: f.prev_day.dt.day.tolist() for k, f in _latest_before(prev, [1, 3, 4]).items()}
    {1: [], 3: [2, 5], 4: [2, 9]}
    """
    codes, accounts = pd.factorize(prev["account_id"], sort=True)  # code order: sorted
    order = np.argsort(prev["k"].to_numpy(), kind="stable")
    k, code = prev["k"].to_numpy()[order], codes[order]
    days = prev["prev_day"].to_numpy()
    day = days.view("int64")[order]  # NaT is the smallest: max skips it, as pandas does
    latest = np.full(len(accounts), np.iinfo(np.int64).min)
    seen = np.zeros(len(accounts), dtype=bool)
    out, done = {}, 0
    for i in sorted(set(ks)):
        upto = int(np.searchsorted(k, i, side="left"))  # the rows of quarters before i
        np.maximum.at(latest, code[done:upto], day[done:upto])
        seen[code[done:upto]] = True
        done = upto
        out[i] = pd.DataFrame({"account_id": accounts[seen],
                               "prev_day": latest[seen].view(days.dtype)})
    return out


def _day_bits(ring, word: int):
    """Word ``word`` of a day's bit, from its place on the ring (see :data:`_DAY_WORD`):
    ``2 ** (ring % 31)`` when ``ring // 31 == word``, else 0. Or-ed over a quarter's
    touches (or summed over its distinct touch days), the words hold its days."""
    shift = (ring % _DAY_WORD).cast("int32")  # PostgreSQL shifts an integer by an integer
    return ((ring // _DAY_WORD) == word).ifelse(ibis.literal(1) << shift, 0)


def _quarter_start(k: int, start_month: int) -> date:
    """The first day of the fiscal quarter with ordinal ``k`` (:func:`batch.quarter_index`):
    its first month is ``3 k + start_month - 1`` counted as ``year * 12 + month - 1``.

    >>> _quarter_start(batch.quarter_index(Quarter("2026Q3")), 1)
    datetime.date(2026, 7, 1)
    >>> _quarter_start(batch.quarter_index(Quarter("2026Q1", start_month=11)), 11)
    datetime.date(2025, 11, 1)
    """
    month0 = 3 * int(k) + start_month - 1
    return date(month0 // 12, month0 % 12 + 1, 1)


def _epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _longest_inner_gaps(words: np.ndarray, first_days) -> np.ndarray:
    """The longest stretch in days between consecutive touch days of each row of
    ``words`` (rows x :data:`_DAY_WORDS` words of :func:`_day_bits`), whose quarter
    starts on ``first_days`` (days since 1970-01-01); NaN for a row with a single
    touch day. Day by day through the quarter: a few operations on one column each.

    >>> start = _epoch_day(date(2026, 7, 1))  # 2026Q3: 92 days, 20635 % 124 = 51
    >>> def words(*days):  # the ring's words of the quarter's days 0..91
    ...     w = [0] * _DAY_WORDS
    ...     for d in days:
    ...         p = (start + d) % _RING
    ...         w[p // _DAY_WORD] |= 1 << p % _DAY_WORD
    ...     return w
    >>> _longest_inner_gaps(np.array([words(0, 3, 10), words(5), words(0, 72, 73, 91)]),
    ...                     [start] * 3).tolist()
    [7.0, nan, 72.0]
    """
    words = np.asarray(words, dtype=np.int64)
    rows = np.arange(len(words))
    place = (np.asarray(first_days, dtype=np.int64) % _RING).reshape(-1)  # day 0's place
    last = np.full(len(words), -1, dtype=np.int64)  # the latest touch day so far
    gaps = np.full(len(words), -1, dtype=np.int64)  # the longest stretch so far
    for day in range(_QUARTER_DAYS):
        p = (place + day) % _RING
        touched = ((words[rows, p // _DAY_WORD] >> (p % _DAY_WORD)) & 1).astype(bool)
        np.maximum(gaps, np.where(touched & (last >= 0), day - last, -1), out=gaps)
        last[touched] = day
    return np.where(gaps < 0, np.nan, gaps.astype(float))


def contact_gaps(accounts: pd.DataFrame, panel: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Longest contact gap and days since last touch at the period end, per account.

    The gap counts the stretch from the last touch before the period (or from the
    later of the period start and the spell start when there is none) to the first
    touch in it, the stretches between touch days, and the stretch up to the
    period's last day. ``accounts`` needs account_id and spell_start.
    """
    quarter = as_quarter(quarter)
    f = accounts[["account_id", "spell_start"]].merge(panel, on="account_id", how="left")
    end = _ts(quarter.end)
    t0 = f["prev_day"].fillna(f["spell_start"].clip(lower=_ts(quarter.start)))
    head = (f["first_day"] - t0).dt.days
    tail = (end - f["last_day"].fillna(t0)).dt.days
    f["max_gap_days"] = pd.concat([head, f["inner_gap"], tail], axis=1).max(axis=1)
    last_touch = f["last_day"].fillna(f["prev_day"])
    f["days_since_last_touch"] = (end - last_touch).dt.days
    f["touches"] = f["touches"].fillna(0).astype(int)
    for c in ("inbound", "outbound"):
        f[c] = f[c].fillna(0).astype(int)
    return f.drop(columns=["spell_start"])


def requests_frame(data, quarter: Quarter | str) -> pd.DataFrame:
    """Requests raised in the period with their resolution time (hours) and status.

    Unresolved requests, and those resolved after ``as_of``, are censored at the end
    of the period (``resolved`` False). The period ends at the start of the day after
    ``as_of`` (an exclusive bound); ``hours`` is the time to resolution or, when
    censored, to that bound, and ``age_hours`` the time from the request to that bound.
    """
    quarter = as_quarter(quarter)
    t = data.table("interactions")
    if not data.has_column("interactions", "is_request"):
        return pd.DataFrame(columns=["account_id", "resolved", "hours", "age_hours"])
    lo, hi = ibis.timestamp(quarter.start), _next_ts(quarter.end)
    r = t.filter((t.occurred_at >= lo) & (t.occurred_at < hi) & (t.is_request == True))  # noqa: E712
    done = r.resolved_at.notnull() & (r.resolved_at < hi)
    end = ibis.ifelse(done, r.resolved_at, hi)
    out = fetch(r.select(
        "account_id", seconds=end.epoch_seconds() - r.occurred_at.epoch_seconds(), resolved=done,
        age=hi.epoch_seconds() - r.occurred_at.epoch_seconds(),
    ))
    out["hours"] = out.pop("seconds").astype(float) / 3600.0
    out["age_hours"] = out.pop("age").astype(float) / 3600.0
    return out[["account_id", "resolved", "hours", "age_hours"]]


# --------------------------------------------------------------------------- invoices
_KINDS = ("new", "repeat", "upsell", "cross_sell", "renewal")


def _invoice_aggregates(inq) -> dict:
    agg = {"revenue": inq.amount.sum()}
    for kind in _KINDS:
        agg[f"rev_{kind}"] = inq.amount.sum(where=inq.kind == kind)
        agg[f"n_{kind}"] = (inq.kind == kind).sum()
    return agg


def _by_kind_zero(cur: pd.DataFrame) -> pd.DataFrame:
    for c in cur.columns:
        if c.startswith(("rev_", "n_")):
            cur[c] = pd.to_numeric(cur[c]).fillna(0)
    return cur


def invoice_panel(data, quarter: Quarter | str, kinds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account: revenue in the period, by invoice kind, and whether billed before.

    ``kinds`` (invoice_id, kind) overrides the ``kind`` column, e.g. when derived.
    """
    quarter = as_quarter(quarter)
    t = data.table("invoices")
    lo, hi = ibis.date(quarter.start), ibis.date(quarter.end)
    if kinds is not None:
        k = ibis.memtable(kinds[["invoice_id", "kind"]].rename(columns={"kind": "dkind"}))
        t = t.left_join(k, "invoice_id").mutate(kind=ibis._.dkind).drop("dkind", "invoice_id_right")
    inq = t.filter((t.issued_on >= lo) & (t.issued_on <= hi))
    cur = fetch(inq.group_by("account_id").aggregate(**_invoice_aggregates(inq)), by="account_id")
    before = fetch(t.filter(t.issued_on < lo).select("account_id").distinct())
    cur["billed_before"] = cur.account_id.isin(before.account_id)
    return _by_kind_zero(cur)


def invoice_panels(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`invoice_panel` of many quarters (with the table's ``kind`` column), the
    same frames, from two queries for every quarter of the table: the sums grouped by
    account and fiscal quarter, and each account's first invoice's quarter (billed
    before a quarter: first invoiced in an earlier one). Run once per data set and
    fiscal start month; a copy is returned each time.

    >>> invoice_panels(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("invoices")
        inv = t.mutate(**{batch.KEY: batch.fiscal_index(t.issued_on, sm)})
        agg = inv.group_by(["account_id", batch.KEY]).aggregate(**_invoice_aggregates(inv))
        parts, empty = batch.grouped(agg, agg.drop(batch.KEY).schema(), "account_id")
        first = fetch(inv.group_by("account_id").aggregate(first=inv[batch.KEY].min()),
                      by="account_id").set_index("account_id")["first"]
        for k, cur in [*parts.items(), (None, empty)]:
            cur["billed_before"] = cur.account_id.map(first).lt(k).to_numpy(bool) \
                if k is not None else pd.Series(dtype=bool)
            _by_kind_zero(cur)
        return parts, empty

    return batch.by_quarter(data, "invoice_panel", quarters, build)


# --------------------------------------------------------------------------- responses
def _response_aggregates(r) -> dict:
    return {"responses": r.count(), "promoters": is_promoter(r.score).sum(),
            "passives": is_passive(r.score).sum(), "detractors": is_detractor(r.score).sum(),
            "mean_score": r.score.mean()}


def response_panel(data, quarter: Quarter | str) -> pd.DataFrame:
    """Per account: promoters, passives, detractors and mean score of the period's
    responses (engine-side)."""
    quarter = as_quarter(quarter)
    t = data.table("nps_responses")
    r = t.filter((t.responded_on >= ibis.date(quarter.start))
                 & (t.responded_on <= ibis.date(quarter.end)))
    return fetch(r.group_by("account_id").aggregate(**_response_aggregates(r)), by="account_id")


def response_panels(data, quarters) -> dict[Quarter, pd.DataFrame]:
    """:func:`response_panel` of many quarters, the same frames, from one query grouped by
    account and fiscal quarter for every quarter of the table (run once per data set and
    fiscal start month; a copy is returned each time).

    >>> response_panels(None, [])
    {}
    """
    def build(sm: int):
        t = data.table("nps_responses")
        r = t.mutate(**{batch.KEY: batch.fiscal_index(t.responded_on, sm)})
        agg = r.group_by(["account_id", batch.KEY]).aggregate(**_response_aggregates(r))
        return batch.grouped(agg, agg.drop(batch.KEY).schema(), "account_id")

    return batch.by_quarter(data, "response_panel", quarters, build)


def reference_panel(data, as_of: date) -> pd.DataFrame:
    """Per account: whether any answer in the trailing 12 months said it would
    reference us (``referenced``) among those that answered the question."""
    t = data.table("nps_responses")
    if not data.has_column("nps_responses", "would_reference"):
        return pd.DataFrame(columns=["account_id", "answered", "referenced"])
    lo = ibis.date(as_of - timedelta(days=365))
    r = t.filter((t.responded_on > lo) & (t.responded_on <= ibis.date(as_of))
                 & t.would_reference.notnull())
    out = r.group_by("account_id").aggregate(
        answered=ibis.literal(1),
        referenced=r.would_reference.ifelse(1, 0).max(),
    )
    return fetch(out, by="account_id")
