"""Customer status, spells, churn, tenure and renewals derived from contracts.

The rules (see README, "Customer status"):

* ``end_on`` is the last day a contract covers; ``grace_days`` is the renewal
  window after it.
* Period view: only contracts with ``start_on <= as_of`` exist; later ones are
  ignored.
* An account is a *customer* on day ``d`` when ``d`` lies in the closed interval
  ``[start_on, end_on + grace_days]`` of one of its contracts.
* A *spell* is an unbroken run of such days: overlapping, nested **and adjacent**
  intervals merge (a contract starting on ``end_on + grace_days + 1`` of an
  earlier one leaves no uncovered day, so the spell goes on).
* A spell *churned* when its last day (``max(end_on) + grace_days``) is before
  ``as_of``; the churn becomes known the day after (``known_on``). Otherwise the
  spell is open, censored at ``as_of``, and the account is a customer (under
  contract or pending renewal).
* Spells are numbered 1, 2, ... per account; spells 2+ are *win-backs*.
* A contract is *renewed* when another contract names it in ``renewal_of``.
  Only when that column is absent, the date rule applies instead: another
  contract of the same account starts in
  ``(end_on - grace_days, end_on + grace_days + 1]``. Only successors in the
  period view count. The renewal window closes on ``end_on + grace_days + 1``.

>>> import pandas as pd
>>> contracts = pd.DataFrame({
...     "contract_id": ["c1", "c2"],
...     "account_id": ["A", "A"],
...     "start_on": pd.to_datetime(["2024-01-01", "2025-01-31"]),
...     "end_on": pd.to_datetime(["2024-12-31", "2025-12-31"]),
...     "annual_value": [100.0, 120.0],
... })
>>> spells = derive_spells(contracts, as_of="2025-06-30")
>>> spells[["account_id", "spell", "churned", "n_contracts"]]
  account_id  spell  churned  n_contracts
0          A      1    False            2
>>> list(customers_on(spells, pd.Timestamp("2025-01-15")))
['A']
"""

from __future__ import annotations

import operator
from datetime import date

import numpy as np
import pandas as pd

__all__ = [
    "SPELL_COLUMNS",
    "RENEWAL_COLUMNS",
    "STATUS_COLUMNS",
    "derive_spells",
    "customers_on",
    "derive_renewals",
    "account_status",
    "PreparedContracts",
]

REQUIRED_COLUMNS = ("contract_id", "account_id", "start_on", "end_on", "annual_value")

SPELL_COLUMNS = (
    "account_id",
    "spell",
    "start_on",
    "end_on",
    "last_day",
    "churned",
    "known_on",
    "duration_days",
    "n_contracts",
    "is_winback",
    "annual_value",
)

RENEWAL_COLUMNS = (
    "contract_id",
    "account_id",
    "start_on",
    "end_on",
    "annual_value",
    "window_closes_on",
    "renewed",
    "renewed_by",
    "successor_value",
    "pending",
)

STATUS_COLUMNS = (
    "account_id",
    "first_start_on",
    "current_spell_start",
    "is_customer",
    "tenure_days",
    "churned_on",
    "known_on",
    "n_spells",
)

_ONE_DAY = pd.Timedelta(days=1)
# Day numbers (days since 1970-01-01) of datetime64[ns] values lie within +-106_752;
# offsetting by 2**20 keeps them (and the renewal bounds, +-367 days) positive and
# below 2**22, so ``account_code * 2**22 + day + 2**20`` is an order-preserving key.
_DAY_OFFSET = 1 << 20
_ACCOUNT_SCALE = 1 << 22


# -- input handling -------------------------------------------------------------


def _as_day(value: date | pd.Timestamp | str, name: str = "as_of") -> pd.Timestamp:
    """A date-like value as a tz-naive Timestamp at midnight."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a date: {value!r}") from exc
    if pd.isna(ts):
        raise ValueError(f"{name} is missing (NaT)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _as_day_column(values: pd.Series, name: str) -> pd.Series:
    """A column of dates as ``datetime64[ns]`` at day resolution."""
    try:
        out = pd.to_datetime(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"contracts.{name} holds values that are not dates: {exc}") from exc
    if out.dt.tz is not None:
        out = out.dt.tz_localize(None)
    if out.isna().any():
        raise ValueError(f"contracts.{name} has missing dates ({int(out.isna().sum())} rows)")
    return out.dt.normalize().astype("datetime64[ns]")


def _grace(grace_days: int) -> pd.Timedelta:
    if isinstance(grace_days, bool):
        raise ValueError(f"grace_days must be a non-negative integer, got {grace_days!r}")
    try:
        days = operator.index(grace_days)
    except TypeError:
        raise ValueError(f"grace_days must be a non-negative integer, got {grace_days!r}") from None
    if days < 0:
        raise ValueError(f"grace_days must be a non-negative integer, got {days}")
    return pd.Timedelta(days=days)


def _check_columns(frame: pd.DataFrame, required: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing required column(s) {', '.join(missing)}; "
            f"it needs {', '.join(required)}"
        )


class PreparedContracts:
    """A contracts table made ready once for views on many days: checked, its dates at
    day resolution, its values as floats, sorted by account, start and contract id.

    :func:`derive_spells`, :func:`derive_renewals` and :func:`account_status` take it
    in place of the table and give the same frames; only the contracts started by the
    day of the view are then selected (from a table already sorted, which keeps its
    order), instead of sorting the table again for every day.

    >>> c = pd.DataFrame({"contract_id": ["c2", "c1"], "account_id": ["A", "A"],
    ...                   "start_on": pd.to_datetime(["2025-02-01", "2024-01-01"]),
    ...                   "end_on": pd.to_datetime(["2025-12-31", "2024-12-31"]),
    ...                   "annual_value": [120, 100]})
    >>> book = PreparedContracts(c)
    >>> derive_spells(book, "2025-06-30", 30).equals(derive_spells(c, "2025-06-30", 30))
    True
    """

    def __init__(self, contracts: pd.DataFrame):
        _check_columns(contracts, REQUIRED_COLUMNS, "contracts")
        self._frame = _prepared(contracts)

    def __len__(self) -> int:
        return len(self._frame)


def _prepared(contracts: pd.DataFrame) -> pd.DataFrame:
    """The part of a view that does not depend on its day (see :func:`_view`)."""
    cols = list(REQUIRED_COLUMNS)
    if "renewal_of" in contracts.columns:
        cols.append("renewal_of")
    df = contracts.loc[:, cols].reset_index(drop=True)
    df["start_on"] = _as_day_column(df["start_on"], "start_on")
    df["end_on"] = _as_day_column(df["end_on"], "end_on")
    df["annual_value"] = df["annual_value"].astype("float64")
    df = df.sort_values(["account_id", "start_on", "contract_id"], kind="mergesort")
    return df.reset_index(drop=True)


def _view(
    contracts: pd.DataFrame | PreparedContracts, as_of: date | pd.Timestamp | str,
    grace_days: int
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timedelta]:
    """Validated, normalised period view, sorted by account, start and contract id.

    Returns the view, ``as_of`` as a Timestamp and the grace period as a Timedelta.
    The view holds the required columns (plus ``renewal_of`` when present) and a
    0..n-1 index. Selecting the contracts started by ``as_of`` from the sorted table
    gives the rows in the order sorting the selection would (the sort is stable).
    """
    ready = isinstance(contracts, PreparedContracts)
    if not ready:
        _check_columns(contracts, REQUIRED_COLUMNS, "contracts")
    grace = _grace(grace_days)
    day = _as_day(as_of)
    df = contracts._frame if ready else _prepared(contracts)
    df = df.loc[df["start_on"] <= day]
    return df.reset_index(drop=True), day, grace


def _account_codes(account_id: pd.Series) -> np.ndarray:
    """0, 1, 2, ... per account of a frame sorted by account."""
    values = account_id.to_numpy()
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(len(values), dtype=bool)
    change[0] = True
    change[1:] = values[1:] != values[:-1]
    return np.cumsum(change) - 1


def _day_numbers(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


# -- spells ---------------------------------------------------------------------


def _empty_spells(account_dtype) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.Series([], dtype=account_dtype),
            "spell": pd.Series([], dtype="int64"),
            "start_on": pd.Series([], dtype="datetime64[ns]"),
            "end_on": pd.Series([], dtype="datetime64[ns]"),
            "last_day": pd.Series([], dtype="datetime64[ns]"),
            "churned": pd.Series([], dtype=bool),
            "known_on": pd.Series([], dtype="datetime64[ns]"),
            "duration_days": pd.Series([], dtype="int64"),
            "n_contracts": pd.Series([], dtype="int64"),
            "is_winback": pd.Series([], dtype=bool),
            "annual_value": pd.Series([], dtype="float64"),
        }
    )


def _spells_of_view(df: pd.DataFrame, as_of: pd.Timestamp, grace: pd.Timedelta) -> pd.DataFrame:
    """Spells of a prepared view (see :func:`_view`)."""
    if df.empty:
        return _empty_spells(df["account_id"].dtype)
    codes = _account_codes(df["account_id"])
    last = df["end_on"] + grace
    # Interval merge: a contract opens a new spell when it is the account's first or
    # starts after the day following the running max of the earlier last days.
    running_max = last.groupby(codes, sort=False).cummax().to_numpy()
    first_of_account = np.empty(len(df), dtype=bool)
    first_of_account[0] = True
    first_of_account[1:] = codes[1:] != codes[:-1]
    prev_max = np.empty_like(running_max)
    prev_max[0] = running_max[0]
    prev_max[1:] = running_max[:-1]
    starts = df["start_on"].to_numpy()
    new_spell = first_of_account | (starts > prev_max + np.timedelta64(1, "D"))
    gid = np.cumsum(new_spell) - 1  # global spell id, ordered by account then spell
    spell_no = pd.Series(new_spell.astype(np.int64)).groupby(codes, sort=False).cumsum()

    work = df.assign(last_day=last, gid=gid, spell=spell_no.to_numpy())
    grouped = work.groupby("gid", sort=True)
    out = grouped.agg(
        account_id=("account_id", "first"),
        spell=("spell", "first"),
        start_on=("start_on", "min"),
        end_on=("end_on", "max"),
        last_day=("last_day", "max"),
        n_contracts=("contract_id", "size"),
    ).reset_index(drop=True)

    churned = out["last_day"] < as_of
    out["churned"] = churned.to_numpy()
    out["known_on"] = (out["last_day"] + _ONE_DAY).where(churned)
    censor = out["end_on"].where(churned, as_of)
    out["duration_days"] = (censor - out["start_on"]).dt.days.astype("int64")
    out["n_contracts"] = out["n_contracts"].astype("int64")
    out["spell"] = out["spell"].astype("int64")
    out["is_winback"] = (out["spell"] >= 2).to_numpy()

    # Contracted annual value at the reference day min(as_of, end_on) of each spell; a
    # contract whose renewal has started by then is replaced by it (not added to it).
    ref = out["end_on"].where(out["end_on"] < as_of, as_of).to_numpy()[gid]
    contains = (work["start_on"].to_numpy() <= ref) & (ref <= work["end_on"].to_numpy())
    succ = _successors_by_link(df) if "renewal_of" in df.columns \
        else _successors_by_date(df, grace)
    succ_start = starts[np.maximum(succ, 0)]
    contains &= ~((succ >= 0) & (succ_start <= ref))
    value = work["annual_value"].where(contains).groupby(gid).sum(min_count=1)
    n_contain = pd.Series(contains).groupby(gid).sum()
    # Safeguard only: the spell's latest-ending contract always contains the reference
    # day (it starts on or before as_of and ends on or after it, or ends on it).
    latest = work.groupby("gid")["end_on"].idxmax()
    fallback = work["annual_value"].to_numpy()[latest.to_numpy()]
    out["annual_value"] = np.where(n_contain.to_numpy() > 0, value.to_numpy(), fallback)
    return out.loc[:, list(SPELL_COLUMNS)]


def derive_spells(
    contracts: pd.DataFrame, as_of: date | pd.Timestamp | str, grace_days: int = 30
) -> pd.DataFrame:
    """Customer spells (unbroken runs of customer days) per account.

    Parameters
    ----------
    contracts : pandas.DataFrame or PreparedContracts
        Columns ``contract_id``, ``account_id``, ``start_on``, ``end_on`` (last day
        covered) and ``annual_value``; other columns are ignored. Contracts starting
        after ``as_of`` are ignored.
    as_of : datetime.date or pandas.Timestamp
        Day of the view; open spells are censored here.
    grace_days : int, default 30
        Renewal window after ``end_on``; a customer stays a customer through
        ``end_on + grace_days``.

    Returns
    -------
    pandas.DataFrame
        One row per spell, sorted by ``account_id`` and ``spell``, with columns
        ``account_id``, ``spell`` (1-based per account), ``start_on`` (first start),
        ``end_on`` (max end_on), ``last_day`` (``end_on + grace_days``), ``churned``
        (``last_day < as_of``), ``known_on`` (``last_day + 1 day`` if churned, else
        NaT), ``duration_days`` (to ``end_on`` if churned, else to ``as_of``),
        ``n_contracts``, ``is_winback`` (``spell >= 2``) and ``annual_value`` (sum
        over the spell's contracts whose ``[start_on, end_on]`` contains
        ``min(as_of, end_on)``, leaving out a contract whose renewal has started by
        then: the renewal replaces it).

    Raises
    ------
    ValueError
        When a required column is missing, a date is missing or ``grace_days`` is
        negative.

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({
    ...     "contract_id": ["c1", "c2"],
    ...     "account_id": ["A", "A"],
    ...     "start_on": pd.to_datetime(["2024-01-01", "2025-02-01"]),
    ...     "end_on": pd.to_datetime(["2024-12-31", "2025-12-31"]),
    ...     "annual_value": [100.0, 120.0],
    ... })
    >>> s = derive_spells(contracts, as_of="2025-06-30", grace_days=30)
    >>> s[["spell", "churned", "known_on", "duration_days", "is_winback"]]
       spell  churned   known_on  duration_days  is_winback
    0      1     True 2025-01-31            365       False
    1      2    False        NaT            149        True
    """
    df, day, grace = _view(contracts, as_of, grace_days)
    return _spells_of_view(df, day, grace)


def customers_on(spells: pd.DataFrame, day: date | pd.Timestamp | str) -> pd.Index:
    """Accounts that are customers on ``day``.

    Parameters
    ----------
    spells : pandas.DataFrame
        Output of :func:`derive_spells`, derived with ``as_of >= day`` (later days
        would miss the contracts that start after ``as_of``).
    day : datetime.date or pandas.Timestamp
        The day asked about.

    Returns
    -------
    pandas.Index
        Sorted, unique ``account_id`` values with a spell such that
        ``start_on <= day <= last_day``; named ``account_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "account_id": ["A", "B"],
    ...     "start_on": pd.to_datetime(["2024-01-01", "2024-06-01"]),
    ...     "last_day": pd.to_datetime(["2025-01-30", "2024-07-31"]),
    ... })
    >>> list(customers_on(spells, pd.Timestamp("2024-09-01")))
    ['A']
    """
    _check_columns(spells, ("account_id", "start_on", "last_day"), "spells")
    d = _as_day(day, "day")
    mask = (spells["start_on"] <= d) & (d <= spells["last_day"])
    ids = pd.unique(spells.loc[mask, "account_id"].to_numpy())
    return pd.Index(ids, name="account_id").sort_values()


# -- renewals -------------------------------------------------------------------


def _successors_by_link(df: pd.DataFrame) -> np.ndarray:
    """Row position of each contract's successor by ``renewal_of`` (-1 if none)."""
    n = len(df)
    succ = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return succ
    link = df["renewal_of"]
    named = link.notna().to_numpy()
    named &= ~link.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    named &= (link != df["contract_id"]).to_numpy()
    links = pd.DataFrame(
        {"renewal_of": link[named], "pos": np.flatnonzero(named)},
    )
    # a contract named by one renewal (nearly all) has that one as its successor; of
    # several naming the same contract, the earliest-starting (then smallest id) wins:
    # rows are sorted by start_on then contract_id within an account; across
    # accounts, order explicitly by start and id so "earliest-starting" is exact
    shared = links["renewal_of"].duplicated(keep=False).to_numpy()
    if shared.any():
        many = links[shared].copy()
        many["start_on"] = df["start_on"].to_numpy()[many["pos"].to_numpy()]
        many["contract_id"] = df["contract_id"].to_numpy()[many["pos"].to_numpy()]
        many = many.sort_values(["renewal_of", "start_on", "contract_id"], kind="mergesort")
        links = pd.concat([links[~shared], many.drop_duplicates("renewal_of")[["renewal_of", "pos"]]])
    first = links.set_index("renewal_of")["pos"]
    found = df["contract_id"].map(first)
    has = found.notna().to_numpy()
    succ[has] = found.to_numpy()[has].astype(np.int64)
    return succ


def _successors_by_date(df: pd.DataFrame, grace: pd.Timedelta) -> np.ndarray:
    """Row position of each contract's successor by the date rule (-1 if none).

    The successor is the earliest-starting other contract of the same account
    with ``end_on - grace < start_on <= end_on + grace + 1``; ties go to the
    smallest ``contract_id`` (the view's sort order).
    """
    n = len(df)
    if n == 0:
        return np.full(0, -1, dtype=np.int64)
    g = grace.days
    codes = _account_codes(df["account_id"]).astype(np.int64) * _ACCOUNT_SCALE
    start = _day_numbers(df["start_on"]) + _DAY_OFFSET
    end = _day_numbers(df["end_on"]) + _DAY_OFFSET
    key = codes + start  # non-decreasing: the view is sorted by account, start
    lo = codes + end - g  # exclusive
    hi = end + g + 1  # inclusive, compared with ``start``
    idx = np.searchsorted(key, lo, side="right")
    idx = idx + (idx == np.arange(n))  # a contract never renews itself
    inside = idx < n
    cand = np.minimum(idx, n - 1)
    ok = inside & (codes[cand] == codes) & (start[cand] <= hi)
    return np.where(ok, cand, -1)


def derive_renewals(
    contracts: pd.DataFrame, as_of: date | pd.Timestamp | str, grace_days: int = 30
) -> pd.DataFrame:
    """Whether each contract was renewed, by whom, or whether it is still pending.

    A contract is renewed when another contract in the view names it in
    ``renewal_of``. Only when the ``renewal_of`` column is absent, the date rule
    applies: another contract of the same account starts in
    ``(end_on - grace_days, end_on + grace_days + 1]``.

    Parameters
    ----------
    contracts : pandas.DataFrame or PreparedContracts
        Columns ``contract_id``, ``account_id``, ``start_on``, ``end_on``,
        ``annual_value`` and optionally ``renewal_of``. Contracts starting after
        ``as_of`` are ignored, as predecessors and as successors.
    as_of : datetime.date or pandas.Timestamp
        Day of the view.
    grace_days : int, default 30
        Renewal window after ``end_on``.

    Returns
    -------
    pandas.DataFrame
        One row per contract in the view, sorted by ``account_id``, ``start_on``
        and ``contract_id``, with columns ``contract_id``, ``account_id``,
        ``start_on``, ``end_on``, ``annual_value``, ``window_closes_on``
        (``end_on + grace_days + 1 day``), ``renewed``, ``renewed_by`` (the
        earliest-starting successor's ``contract_id``, ties to the smallest id, or
        NA), ``successor_value`` (its ``annual_value``, NaN if none) and
        ``pending`` (not renewed and ``window_closes_on > as_of``).

    Raises
    ------
    ValueError
        When a required column is missing, a date is missing or ``grace_days`` is
        negative.

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({
    ...     "contract_id": ["c1", "c2"],
    ...     "account_id": ["A", "A"],
    ...     "start_on": pd.to_datetime(["2024-01-01", "2025-01-31"]),
    ...     "end_on": pd.to_datetime(["2024-12-31", "2025-12-31"]),
    ...     "annual_value": [100.0, 120.0],
    ... })
    >>> r = derive_renewals(contracts, as_of="2025-06-30")
    >>> r[["contract_id", "renewed", "renewed_by", "successor_value", "pending"]]
      contract_id  renewed renewed_by  successor_value  pending
    0          c1     True         c2            120.0    False
    1          c2    False       <NA>              NaN     True
    """
    df, day, grace = _view(contracts, as_of, grace_days)
    by_link = "renewal_of" in df.columns
    succ = _successors_by_link(df) if by_link else _successors_by_date(df, grace)
    renewed = succ >= 0
    pick = np.maximum(succ, 0)
    ids = df["contract_id"].to_numpy()
    values = df["annual_value"].to_numpy()
    window = df["end_on"] + grace + _ONE_DAY
    renewed_by = pd.Series(ids[pick], dtype=df["contract_id"].dtype).where(renewed, pd.NA)
    out = df.loc[:, ["contract_id", "account_id", "start_on", "end_on", "annual_value"]].copy()
    out["window_closes_on"] = window
    out["renewed"] = renewed
    out["renewed_by"] = renewed_by
    out["successor_value"] = np.where(renewed, values[pick], np.nan)
    out["successor_value"] = out["successor_value"].astype("float64")
    out["pending"] = ~renewed & (window > day).to_numpy()
    return out.loc[:, list(RENEWAL_COLUMNS)]


# -- status ---------------------------------------------------------------------


def account_status(
    contracts: pd.DataFrame, as_of: date | pd.Timestamp | str, grace_days: int = 30
) -> pd.DataFrame:
    """Customer status on ``as_of`` of every account with a contract in the view.

    Parameters
    ----------
    contracts : pandas.DataFrame or PreparedContracts
        Columns ``contract_id``, ``account_id``, ``start_on``, ``end_on`` and
        ``annual_value``. Contracts starting after ``as_of`` are ignored.
    as_of : datetime.date or pandas.Timestamp
        Day of the view.
    grace_days : int, default 30
        Renewal window after ``end_on``.

    Returns
    -------
    pandas.DataFrame
        One row per account, sorted by ``account_id``, with columns
        ``account_id``, ``first_start_on`` (earliest start in the view),
        ``current_spell_start`` (start of the latest spell), ``is_customer``
        (customer on ``as_of``), ``tenure_days`` (``as_of - current_spell_start``
        in days if a customer, else NaN), ``churned_on`` (``end_on`` of the latest
        spell if it churned, else NaT), ``known_on`` (the day that churn became
        known, else NaT) and ``n_spells``.

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({
    ...     "contract_id": ["c1", "c2"],
    ...     "account_id": ["A", "B"],
    ...     "start_on": pd.to_datetime(["2024-01-01", "2025-01-01"]),
    ...     "end_on": pd.to_datetime(["2024-12-31", "2025-12-31"]),
    ...     "annual_value": [100.0, 50.0],
    ... })
    >>> st = account_status(contracts, as_of="2025-06-30")
    >>> st[["account_id", "is_customer", "tenure_days", "churned_on"]]
      account_id  is_customer  tenure_days churned_on
    0          A        False          NaN 2024-12-31
    1          B         True        180.0        NaT
    """
    df, day, grace = _view(contracts, as_of, grace_days)
    spells = _spells_of_view(df, day, grace)
    grouped = spells.groupby("account_id", sort=True)
    latest = grouped.tail(1).set_index("account_id")
    first = grouped["start_on"].min()
    is_customer = ~latest["churned"]
    out = pd.DataFrame(
        {
            "first_start_on": first,
            "current_spell_start": latest["start_on"],
            "is_customer": is_customer.astype(bool),
            "tenure_days": (day - latest["start_on"]).dt.days.astype("float64").where(is_customer),
            "churned_on": latest["end_on"].where(latest["churned"]),
            "known_on": latest["known_on"],
            "n_spells": latest["spell"].astype("int64"),
        }
    )
    out.index.name = "account_id"
    out = out.reset_index()
    out["churned_on"] = out["churned_on"].astype("datetime64[ns]")
    out["known_on"] = out["known_on"].astype("datetime64[ns]")
    return out.loc[:, list(STATUS_COLUMNS)]
