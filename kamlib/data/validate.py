"""Enforce the data contract at the boundary, inside the engine.

:func:`validate` reads every table of :mod:`kamlib.data.contract` from a
:class:`~kamlib.data.sources.Source` and sorts each row into *used* or *quarantined*:

* **Structural faults** (a required table or column missing, a file that does
  not parse, no value of a column parsing as its type, a core table with no
  rows) stop the run: :class:`~kamlib.errors.ContractError` carries one message
  per fault, naming the file, the column and what was expected.
* **Row faults** (see :data:`kamlib.data.contract.RULES`) send the row to
  quarantine with the first rule it broke. Nothing is dropped silently:
  ``rows_read == rows_used + rows_quarantined`` holds for every table.

All checks are Ibis expressions, so they run where the data lives. For a
folder, the checked tables are materialised once in the embedded DuckDB work
file; later queries read them from there.

Example
-------
>>> from kamlib.data.sources import open_source          # doctest: +SKIP
>>> with validate(open_source("data/sample")) as data:  # doctest: +SKIP
...     print(data.summary[["table", "rows_read", "rows_used"]])
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import (
    DECIMAL,
    ISO_DATE,
    ISO_TIMESTAMP,
    PLAUSIBLE_FIRST_DAY,
    PLAUSIBLE_LAST_DAY,
    RULES,
    TABLE_LIST,
    TABLES,
    VIEW_DATES,
    Column,
    Table,
)
from kamlib.data.sources import Source, engine_errors, fetch, mask_url
from kamlib.errors import ContractError, SourceError, StrictModeError

__all__ = ["READ_ONCE", "ValidatedData", "describe", "has_value", "parse", "text", "validate"]

READ_ONCE = frozenset({"accounts", "account_managers", "assignments", "contracts", "prospects",
                       "targets"})
"""The small tables (a row per account, manager, contract, prospect or target) that
:meth:`ValidatedData.frame` reads from the engine once and then copies: the quarter's
panels ask for them again and again. Event tables are read anew each time."""

# Names of the columns the checks add. A column outside the contract is carried
# through the checks under a positional name (``_extra_0``, ...) and gets its own
# name back in the used rows, so no name of the input can collide with these.
FAULT = "_fault"
ROW = "_row"
RAW = "_raw_"
HAS = "_has_"
EXTRA = "_extra_"
_HAS_NUL_MACRO = "CREATE OR REPLACE TEMP MACRO kam_has_nul(x) AS contains(x, chr(0))"
"""Whether a text holds a NUL byte (a database copy cannot store one), defined on a
DuckDB connection by :func:`validate` (a SQL literal cannot hold the byte itself)."""
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_IBIS_TYPE = {
    "id": dt.string, "text": dt.string, "enum": dt.string, "date": dt.date,
    "timestamp": dt.timestamp, "number": dt.float64, "integer": dt.int64, "bool": dt.boolean,
}


# --------------------------------------------------------------------------- parsing
@ibis.udf.scalar.builtin(name="trim")
def _trim(x: str) -> str:
    """SQL ``trim(x)``: removes spaces at both ends (cheaper than Ibis' char-set strip)."""


@ibis.udf.scalar.builtin(name="kam_has_nul")
def _has_nul(x: str) -> bool:
    """Whether ``x`` holds a NUL byte (the macro :data:`_HAS_NUL_MACRO`, DuckDB only)."""


def text(raw):
    """The raw cell as trimmed text, NULL when empty or only spaces."""
    s = raw if raw.type().is_string() else raw.cast(dt.string)
    return ibis.ifelse(_trim(s) == "", ibis.null(dt.string), _trim(s))


def has_value(raw):
    """True when a raw cell holds a value (not NULL, not only spaces)."""
    if raw.type().is_string():
        return _trim(raw) != ""  # NULL when raw is NULL, which CASE treats as false
    return raw.notnull()


def _finite(x):
    """A double that is a number: 'NaN' and 'inf' parse as doubles but are not values."""
    return x.notnull() & ~x.isnan() & ~x.isinf()


def parse(raw, col: Column, nul: bool = False):
    """The Ibis expression turning a raw column into the contract's type.

    Cells that do not parse become NULL (and are flagged as unparseable). Text is
    parsed strictly (:data:`kamlib.data.contract.ISO_DATE`, ``ISO_TIMESTAMP``, ``DECIMAL``):
    an engine's own casts are lenient (``'epoch'`` is a date, ``'1_000'`` a number to
    DuckDB). ``nul``: a text-like cell holding a NUL byte does not parse (for engines
    that can store one).
    """
    t = raw.type()
    k = col.kind
    if k in ("id", "text", "enum"):
        s = text(raw)
        if k == "text" and t.is_string():  # keep inner/outer spacing of free text
            s = ibis.ifelse(s.isnull(), ibis.null(dt.string), raw)
        if nul and t.is_string():
            s = ibis.ifelse(_has_nul(raw), ibis.null(dt.string), s)
        return s.lower() if k == "enum" else s
    if t.is_string():
        s = text(raw)
        if k == "bool":
            low = s.lower()
            return ibis.cases((low.isin(_TRUE), True), (low.isin(_FALSE), False),
                              else_=ibis.null(dt.boolean))
        if k in ("number", "integer"):
            x = ibis.ifelse(s.re_search(DECIMAL), s.try_cast(dt.float64), ibis.null(dt.float64))
            finite = _finite(x)
            if k == "integer":
                return ibis.ifelse(finite & (x == x.round()), x.cast(dt.int64),
                                   ibis.null(dt.int64))
            return ibis.ifelse(finite, x, ibis.null(dt.float64))
        if k == "timestamp":  # an ISO offset is honoured; naive means UTC (session is UTC)
            ts = s.try_cast(dt.Timestamp(timezone="UTC")).cast(dt.timestamp)
            return ibis.ifelse(s.re_search(ISO_TIMESTAMP), ts, ibis.null(dt.timestamp))
        return ibis.ifelse(s.re_search(ISO_DATE), s.try_cast(dt.date), ibis.null(dt.date))
    if k == "date":
        return raw if t.is_date() else (raw.date() if t.is_timestamp() else ibis.null(dt.date))
    if k == "timestamp":
        if t.is_timestamp():
            return raw.cast(dt.Timestamp()) if t.timezone else raw
        return raw.cast(dt.timestamp) if t.is_date() else ibis.null(dt.timestamp)
    if k == "bool":
        if t.is_boolean():
            return raw
        return ibis.cases((raw == 1, True), (raw == 0, False), else_=ibis.null(dt.boolean)) \
            if t.is_integer() else ibis.null(dt.boolean)
    if k == "integer":
        if t.is_integer():
            return raw.cast(dt.int64)
        if t.is_floating() or t.is_decimal():
            whole = _finite(raw) & (raw == raw.round())
            return ibis.ifelse(whole, raw.round().cast(dt.int64), ibis.null(dt.int64))
        return ibis.null(dt.int64)
    if k == "number":
        if t.is_floating():
            return ibis.ifelse(_finite(raw), raw.cast(dt.float64), ibis.null(dt.float64))
        return raw.cast(dt.float64) if t.is_numeric() else ibis.null(dt.float64)
    raise AssertionError(k)


def describe(table: Table, rule: str, column: str, max_money: float | None = None) -> str:
    """A one-line explanation of a rule as applied to one column."""
    if rule == "duplicate_key":
        return f"{column} must be unique"
    if rule == "dates_out_of_order":
        order = next(o for o in table.orders if o.later == column)
        return f"must satisfy {order.text}"
    if column not in {c.name for c in table.columns}:  # only a NUL byte breaks an extra
        return f"{column} (outside the contract) must not hold a NUL byte"
    col = table.column(column)
    if rule == "missing_value":
        return f"{column} is required but empty"
    if rule == "unparseable_value":
        nul = " without NUL bytes" if col.kind in ("id", "text", "enum") else ""
        return f"{column} must be {col.expected}{nul}"
    if rule == "not_in_domain":
        return f"{column} must be one of {', '.join(col.values)}"
    if rule == "out_of_range":
        lo, hi = col.low, col.high
        if col.money and max_money is not None:
            lo = -max_money if lo is None else lo
            hi = max_money if hi is None else min(hi, max_money)
        rng = f"within {lo:g}..{hi:g}" if lo is not None and hi is not None else (
            f">= {lo:g}" if lo is not None else f"<= {hi:g}")
        return f"{column} must be {rng}"
    if rule == "implausible_date":
        return f"{column} must lie between {PLAUSIBLE_FIRST_DAY} and {PLAUSIBLE_LAST_DAY}"
    if rule == "orphan_reference":
        return f"{column} must match an existing {col.ref} (one that passed the checks)"
    if rule == "cross_account_reference":
        return f"{column} must name a {col.ref.split('.')[0]} row of the same {col.same}"
    return RULES.get(rule, rule)


# --------------------------------------------------------------------------- result
@dataclass(eq=False)  # one object per checked source: equal only to itself (and hashable)
class ValidatedData:
    """The contract-checked tables of one source.

    Attributes
    ----------
    source : the opened :class:`~kamlib.data.sources.Source`.
    tables : used rows per table, as Ibis tables typed by the contract.
    present : the contract columns each table actually carried.
    summary : one row per table: rows read, used and quarantined.
    faults : one row per (table, rule, column) with the count of rows set aside.
    """

    source: Source
    tables: dict[str, object]
    present: dict[str, list[str]]
    summary: pd.DataFrame
    faults: pd.DataFrame
    _checked: dict[str, object] = field(default_factory=dict, repr=False)
    _read: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def con(self):
        return self.source.con

    def has(self, table: str) -> bool:
        """Whether a table was supplied (optional tables may be absent)."""
        return table in self.tables

    def has_column(self, table: str, column: str) -> bool:
        return column in self.present.get(table, [])

    def table(self, name: str):
        """Used rows of a table as an Ibis expression (raises KeyError when absent)."""
        if name not in self.tables:
            raise KeyError(f"table {name} was not supplied (it is optional)")
        return self.tables[name]

    def view(self, as_of: date) -> dict[str, object]:
        """The supplied tables as they stood on ``as_of``.

        Rows dated after ``as_of`` (by :data:`kamlib.data.contract.VIEW_DATES`, e.g. a
        contract's ``start_on``) are outside the view; they are not faults, so an old
        quarter re-run on a newer export gives the same figures.
        """
        out = {}
        for name, t in self.tables.items():
            col = VIEW_DATES.get(name)
            if col is None:
                out[name] = t
            elif TABLES[name].column(col).kind == "timestamp":
                out[name] = t.filter(t[col] < ibis.timestamp(as_of + timedelta(days=1)))
            else:
                out[name] = t.filter(t[col] <= ibis.date(as_of))
        return out

    def frame(self, name: str) -> pd.DataFrame:
        """Used rows of a (small) table as pandas; prefer :meth:`table` for event tables.

        The tables of :data:`READ_ONCE` are read once; each call gets its own copy."""
        if name not in READ_ONCE:
            return fetch(self.table(name), by=TABLES[name].key or None)
        if name not in self._read:
            self._read[name] = fetch(self.table(name), by=TABLES[name].key or None)
        return self._read[name].copy()

    def quarantine(self, name: str) -> pd.DataFrame:
        """The rows of a table set aside, with their raw values, rule and row.

        ``row`` is the record's spreadsheet row in its file (the header is row 1).

        The raw values come from the source itself, so nothing is lost.
        """
        if name not in self._checked:
            return pd.DataFrame()
        t = self._checked[name]
        q = t.filter(t[FAULT].notnull())
        row = (q[ROW] + 2) if self.source.kind == "folder" else ibis.null(dt.int64)
        q = q.select(
            row=row, rule=q[FAULT].split("|")[0], column=q[FAULT].substr(q[FAULT].find("|") + 1),
            **{c: q[RAW + c] for c in self.present[name]},
        )
        return fetch(q, by=["row", *self.present[name][:1]])

    def write_quarantine(self, out: str | Path) -> list[Path]:
        """Write one CSV per table with quarantined rows into ``out``; returns the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in self.faults["table"].unique() if len(self.faults) else []:
            p = out / f"{name}.csv"
            self.quarantine(name).to_csv(p, index=False, lineterminator="\n")
            written.append(p)
        return written

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> ValidatedData:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class _Checks:
    """What the checks of one run depend on besides the data: the money bound and
    whether the engine can store a NUL byte (DuckDB can; PostgreSQL refuses one)."""

    max_money: float
    nul: bool


def _fault_expr(p, table: Table, checked: dict, present: list[str], dups=None, *,
                checks: _Checks, extras: tuple[str, ...] = (), settled: dict | None = None):
    """One CASE expression over the parsed relation ``p``: the first rule a row
    breaks, as ``rule|column``, else NULL. ``p`` holds each parsed column under its
    contract name, whether the raw cell held a value under ``_has_<name>`` and the
    columns outside the contract (``extras``) under ``_extra_<i>``; ``dups`` is a
    relation of duplicated keys (computed by one GROUP BY, not a window).

    References within the table (``referred_by``, ``renewal_of``) are checked against
    the table itself when ``settled`` is None (the fast path, where a single fault
    sends the table to the full check anyway); else ``settled`` maps each such fault
    (``rule|column``) to the keys of the rows that break it, as found by
    :func:`_settle`.
    """
    cases = []
    cols = [c for c in table.columns if c.name in present]
    for c in cols:
        if not c.nullable:
            cases.append((~p[HAS + c.name], f"missing_value|{c.name}"))
    for c in cols:
        cases.append((p[HAS + c.name] & p[c.name].isnull(), f"unparseable_value|{c.name}"))
    for i, e in enumerate(extras):
        x = p[f"{EXTRA}{i}"]
        if checks.nul and x.type().is_string():
            cases.append((_has_nul(x), f"unparseable_value|{e}"))
    for c in cols:
        v = p[c.name]
        if c.kind == "enum":
            cases.append((v.notnull() & ~v.isin(c.values), f"not_in_domain|{c.name}"))
        if c.low is not None:
            cases.append((v < c.low, f"out_of_range|{c.name}"))
        if c.high is not None:
            cases.append((v > c.high, f"out_of_range|{c.name}"))
        if c.money:
            cases.append((v.abs() > checks.max_money, f"out_of_range|{c.name}"))
        if c.kind in ("date", "timestamp"):
            d = v if c.kind == "date" else v.date()
            lo, hi = ibis.date(PLAUSIBLE_FIRST_DAY), ibis.date(PLAUSIBLE_LAST_DAY)
            cases.append(((d < lo) | (d > hi), f"implausible_date|{c.name}"))
    for o in table.orders:
        if o.earlier in present and o.later in present:
            a, b = p[o.earlier], p[o.later]
            bad = (b <= a) if o.strict else (b < a)
            cases.append((a.notnull() & b.notnull() & bad, f"dates_out_of_order|{o.later}"))
    if table.key and dups is not None:
        k = p[table.key]
        cases.append((k.isin(dups[table.key]), f"duplicate_key|{table.key}"))
    for c, parent, pcol in table.refs:
        if c.name not in present or parent == table.name:
            continue
        if parent in checked:
            pt = checked[parent]
            keys = pt.filter(pt[FAULT].isnull())[pcol]
        else:
            continue  # parent failed structurally; the run stops anyway
        v = p[c.name]
        cases.append((v.notnull() & ~v.isin(keys), f"orphan_reference|{c.name}"))
    if settled is None:
        cases += _self_ref_cases(p, table, present, p)
    else:
        cases += [(p[table.key].isin(keys), label) for label, keys in settled.items()]
    return ibis.cases(*cases, else_=ibis.null(dt.string)) if cases else ibis.null(dt.string)


def _self_refs(table: Table, present: list[str]) -> list[Column]:
    """The present columns referring to the table's own key."""
    return [c for c, parent, _ in table.refs if parent == table.name and c.name in present]


def _pair(key, other):
    """One string naming a (key, other) pair without ambiguity (length-prefixed)."""
    return key.length().cast(dt.string) + ":" + key + other


def _self_ref_cases(p, table: Table, present: list[str], good) -> list[tuple]:
    """References within the table: each must name a row of ``good`` (and, for a
    column with ``same``, a row sharing that column's value, e.g. the account)."""
    cases = []
    for c in _self_refs(table, present):
        pcol = c.ref.split(".")[1]
        g = good.filter(good[pcol].notnull())
        v = p[c.name]
        cases.append((v.notnull() & ~v.isin(g[pcol]), f"orphan_reference|{c.name}"))
        if c.same and c.same in present:
            pairs = g.select(_pair=_pair(g[pcol], g[c.same]))["_pair"]
            cases.append((v.notnull() & ~_pair(v, p[c.same]).isin(pairs),
                          f"cross_account_reference|{c.name}"))
    return cases


def _settle(source: Source, table: Table, p, fault0, present: list[str]) -> dict:
    """The rows set aside by references within the table, repeated to a fixed point.

    A row whose reference names a row that was set aside is set aside too (an
    orphan), and that can orphan further rows (a renewal of a renewal). The rows
    without another fault are read (key and reference columns only) and settled
    here; returns ``{"rule|column": keys}`` with the keys as a small table.
    """
    refs = _self_refs(table, present)
    if not refs or not table.key:
        return {}
    key = table.key
    need = list(dict.fromkeys([key, *[c.name for c in refs],
                               *[c.same for c in refs if c.same in present]]))
    f = fetch(p.mutate(_f0=fault0).filter(ibis._._f0.isnull()).select(*need), by=key)
    label = pd.Series(None, index=f.index, dtype=object)
    while True:
        good = f[label.isna()]
        keys = set(good[key])
        new = pd.Series(None, index=f.index, dtype=object)
        for c in refs:  # in column order: the first broken reference names the row
            v = f[c.name]
            open_ = label.isna() & new.isna() & v.notna()
            orphan = open_ & ~v.isin(keys)
            new[orphan] = f"orphan_reference|{c.name}"
            if c.same in need:
                owner = v.map(good.set_index(key)[c.same])
                new[open_ & ~orphan & (owner != f[c.same])] = f"cross_account_reference|{c.name}"
        if new.isna().all():
            break
        label = label.where(label.notna(), new)
    bad = f.loc[label.notna(), [key]].assign(_label=label[label.notna()])
    if bad.empty:
        return {}
    found = source.materialise(f"settled_{table.name}", ibis.memtable(bad))
    return {lab: found.filter(found._label == lab)[key] for lab in sorted(set(bad._label))}


def _read_error(label: str, exc: Exception) -> str:
    msg = mask_url(str(exc)).strip()
    low = msg.lower()
    first = msg.splitlines()[0][:200] if msg else type(exc).__name__
    if isinstance(exc, UnicodeError) or "invalid unicode" in low or "byte sequence" in low:
        return (f"{label}: is not UTF-8 text ({first}); re-export the file with UTF-8 "
                "encoding")
    kind = "Parquet" if label.endswith(".parquet") else "CSV"
    if isinstance(exc, SourceError):  # our own message about the file
        return f"{label}: {msg}"
    line = re.search(r"CSV Error on Line: (\d+)", msg)  # a real line of the file
    where = f" at line {line.group(1)}" if line else ""
    shape = re.search(r"Expected Number of Columns: (\d+)", msg)
    if shape:
        return (f"{label}: cannot be read as {kind}{where}: that line's number of fields "
                f"differs from the header's {shape.group(1)} columns")
    return f"{label}: cannot be read as {kind}{where}: {first}"


def validate(
    source: Source,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> ValidatedData:
    """Check every table of the contract and split rows into used and quarantined.

    Parameters
    ----------
    source : an opened source (:func:`kamlib.data.sources.open_source`).
    strict : turn any row fault into :class:`~kamlib.errors.StrictModeError`.
    progress : called with each table's name before it is checked.
    settings : where ``max_money`` comes from (default: ``Settings()``, the documented
        defaults; the command line passes the project's ``kam.toml``).

    Raises
    ------
    ContractError : structural faults, one message per fault.
    StrictModeError : with ``strict=True``, when any row was quarantined.
    """
    settings = settings if settings is not None else Settings()
    nul = source.kind == "folder" or getattr(source.con, "name", "") == "duckdb"
    if nul:
        try:
            source.con.raw_sql(_HAS_NUL_MACRO)
        except engine_errors():  # a DuckDB file opened read-only: NUL bytes are not looked for
            nul = False
    checks = _Checks(max_money=float(settings.max_money), nul=nul)
    faults: list[str] = []
    raws: dict[str, object] = {}
    present: dict[str, list[str]] = {}
    for table in TABLE_LIST:
        label = source.label(table.name)
        if not source.has(table.name):
            if not table.optional:
                expected = (f"{table.name}.csv or {table.name}.parquet"
                            if source.kind == "folder" else f"a table named {label}")
                faults.append(f"{label}: required table {table.name} is missing "
                              f"(expected {expected})")
            continue
        try:
            raw = source.raw(table.name)
        except engine_errors() as exc:  # the engine reports unreadable files in many ways
            faults.append(_read_error(label, exc))
            continue
        missing = [c for c in table.required_columns if c not in raw.columns]
        for c in missing:
            faults.append(f"{label}: column {c} is missing (required, {table.column(c).expected})")
        if missing:
            continue
        raws[table.name] = raw
        present[table.name] = [c.name for c in table.columns if c.name in raw.columns]

    checked: dict[str, object] = {}
    used: dict[str, object] = {}
    lazy: dict[str, object] = {}
    summary_rows: list[dict] = []
    fault_rows: list[dict] = []
    for table in TABLE_LIST:
        if table.name not in raws:
            continue
        if progress:
            progress(table.name)
        label = source.label(table.name)
        cols = present[table.name]
        fast = _fast_check(source, table, cols, checked, checks)
        if fast is not None:
            out, full, stats, by_fault = fast
        else:
            try:
                out, full, stats, by_fault = _full_check(source, table, raws[table.name], cols,
                                                         checked, checks)
            except engine_errors() as exc:  # unreadable bytes surface on the first full scan
                faults.append(_read_error(label, exc))
                continue
        lazy[table.name] = full
        checked[table.name] = out
        extras = table.extras(raws[table.name].columns)
        used[table.name] = _used(out if fast is not None else out.filter(out[FAULT].isnull()),
                                 table, extras)
        n_read = int(stats["rows"])
        split = by_fault[FAULT].str.split("|", n=1, expand=True)
        by_fault["rule"] = split[0] if len(by_fault) else []
        by_fault["column"] = split[1] if len(by_fault) else []
        if table.must_have_rows and n_read == 0:
            faults.append(f"{label}: has no rows (the {table.name} table cannot be empty)")
        for c in cols:
            n_bad = by_fault.loc[(by_fault["rule"] == "unparseable_value")
                                 & (by_fault["column"] == c), "rows"].sum()
            if n_bad and int(stats[f"n_{c}"]) == 0:
                faults.append(f"{label}: column {c}: expected {table.column(c).expected}, "
                              f"but none of its values parses (e.g. {_first_bad_value(full, c)!r})")
        n_q = int(by_fault["rows"].sum()) if len(by_fault) else 0
        summary_rows.append({"table": table.name, "file": label, "rows_read": n_read,
                             "rows_used": n_read - n_q, "rows_quarantined": n_q})
        for r in by_fault.sort_values(["rule", "column"]).itertuples():
            fault_rows.append({
                "table": table.name, "file": label, "rule": r.rule, "column": r.column,
                "rows": int(r.rows),
                "first_row": int(r.first_row) + 2 if r.first_row is not None else None,
                "detail": describe(table, r.rule, r.column, checks.max_money),
            })
    if faults:
        source.close()
        raise ContractError(faults, title=f"{source.location}: the data breaks the contract")
    summary = pd.DataFrame(summary_rows, columns=["table", "file", "rows_read", "rows_used",
                                          "rows_quarantined"])
    fault_df = pd.DataFrame(fault_rows, columns=["table", "file", "rule", "column", "rows",
                                                 "first_row", "detail"])
    data = ValidatedData(source, used, present, summary, fault_df, lazy)
    if strict and len(fault_df):
        msgs = [f"{r.file}: {r.rows} row(s) break {r.rule}: {r.detail}"
                + (f" (first at row {r.first_row})" if r.first_row else "")
                for r in fault_df.itertuples()]
        source.close()
        raise StrictModeError(msgs, title=f"{source.location}: --strict and rows break the contract")
    return data



def _parsed(t, table: Table, cols: list[str], as_read: frozenset[str] = frozenset(),
            nul: bool = False):
    """The raw relation ``t`` parsed to the contract's types, with ``_has_<c>`` (the raw
    cell held a value) and ``_raw_<c>`` (its text) for every present column, and the
    columns outside the contract as ``_extra_<i>``. Columns in ``as_read`` are taken as
    they are (string cells already trimmed and normalised)."""
    extras = table.extras(t.columns)
    return t.select(
        *[(t[c.name] if c.name in as_read else parse(t[c.name], c, nul)).name(c.name)
          for c in table.columns if c.name in cols],
        *[ibis.null(_IBIS_TYPE[c.kind]).name(c.name)
          for c in table.columns if c.name not in cols],
        *[t[e].name(f"{EXTRA}{i}") for i, e in enumerate(extras)],
        *[(t[c].notnull() if c in as_read else ibis.coalesce(has_value(t[c]), False))
          .name(HAS + c) for c in cols],
        *[t[c].cast(dt.string).name(RAW + c) for c in cols],
    )


def _used(out, table: Table, extras: list[str]):
    """The contract columns and the extra columns, under their own names again."""
    return out.select(*[c.name for c in table.columns],
                      *[out[f"{EXTRA}{i}"].name(e) for i, e in enumerate(extras)])


def _duplicates(source: Source, table: Table, p):
    """The keys that occur more than once (one GROUP BY, kept as a small table)."""
    if not table.key:
        return None
    dups = p.filter(p[table.key].notnull()).group_by(table.key).aggregate(
        _n=ibis._.count()).filter(ibis._._n > 1).select(table.key)
    return source.materialise(f"dups_{table.name}", dups)


def _full_check(source: Source, table: Table, t, cols: list[str], checked: dict,
                checks: _Checks):
    """Every row of a table, read as text, checked rule by rule: the path that can
    name each bad cell. Returns (checked table, lazily numbered rows, counts, faults)."""
    p = _parsed(t, table, cols, nul=checks.nul)
    extras = tuple(table.extras(t.columns))
    n_extra = [f"{EXTRA}{i}" for i in range(len(extras))]
    dups = _duplicates(source, table, p)
    kw = {"checks": checks, "extras": extras}
    settled = _settle(source, table, p, _fault_expr(p, table, checked, cols, dups, settled={},
                                                    **kw), cols)
    fault = _fault_expr(p, table, checked, cols, dups, settled=settled, **kw)
    out = p.select(*[c.name for c in table.columns], *n_extra, **{FAULT: fault})
    out = source.materialise(f"checked_{table.name}", out)
    stats = fetch(out.aggregate(
        rows=out.count(), **{f"n_{c}": out[c].count() for c in cols}
    )).iloc[0]
    by_fault = fetch(out.filter(out[FAULT].notnull()).group_by(FAULT).aggregate(
        rows=ibis._.count()), by=FAULT)
    # rows with faults are rare: a second, lazy pass numbers the source rows
    numbered = p.mutate(**{ROW: ibis.row_number()})
    full = numbered.mutate(**{FAULT: _fault_expr(numbered, table, checked, cols, dups,
                                                 settled=settled, **kw)})
    if len(by_fault) and source.kind == "folder":  # first row of each fault
        lines = fetch(full.filter(full[FAULT].notnull()).group_by(FAULT).aggregate(
            first_row=full[ROW].min()), by=FAULT)
        by_fault = by_fault.merge(lines, on=FAULT)
    else:
        by_fault["first_row"] = None
    return out, full, stats, by_fault


def _dirty(raw, kind: str, nul: bool = False):
    """True where a string cell, taken as it was read, would differ from its parsed
    value: empty, padded with spaces, (for an enum) not in lower case, or holding a
    NUL byte (``nul``)."""
    if kind == "text":
        bad = _trim(raw) == ""  # empty or only spaces: becomes NULL
    else:
        bad = (raw == "") | raw.startswith(" ") | raw.endswith(" ")
        bad = (bad | (raw.lower() != raw)) if kind == "enum" else bad
    return (bad | _has_nul(raw)) if nul else bad


_TEXT_TO = {
    "date": "CAST({v} AS DATE)",
    "timestamp": "make_timestamp(epoch_us(CAST({v} AS TIMESTAMPTZ)))",  # offsets to UTC
    "number": "CAST({v} AS DOUBLE)",
    "integer": "CAST({v} AS DOUBLE)",  # whole numbers as doubles: 7.5 is not rounded
}
_SHAPE = {"date": ISO_DATE, "timestamp": ISO_TIMESTAMP, "number": DECIMAL, "integer": DECIMAL}
_GLOB_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"  # exactly ISO_DATE, cheaper
_GLOB_NAIVE = _GLOB_DATE + "[T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]"  # the usual timestamp


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed_sql(name: str, kind: str | None) -> str:
    """SQL converting one text column of a CSV file (already trimmed, NULL when empty)
    to its contract type, strictly: a cell of another shape raises an error (the
    whole staging fails and the full check names the cell). Exactly what
    :func:`parse` accepts is accepted; the usual shapes are recognised by a cheap
    GLOB before the regular expression."""
    q = '"' + name.replace('"', '""') + '"'
    if kind in _TEXT_TO:
        conv = _TEXT_TO[kind].format(v=q)
        shape = f"regexp_full_match({q}, {_sql_str(_SHAPE[kind][1:-1])})"
        if kind == "date":
            shape = f"{q} GLOB '{_GLOB_DATE}'"
        whens = [(shape, conv)]
        if kind == "timestamp":  # naive: no offset to apply
            whens.insert(0, (f"{q} GLOB '{_GLOB_NAIVE}'", f"CAST({q} AS TIMESTAMP)"))
    elif kind == "bool":
        whens = [(f"lower({q}) IN ({', '.join(map(_sql_str, _TRUE))})", "true"),
                 (f"lower({q}) IN ({', '.join(map(_sql_str, _FALSE))})", "false")]
    else:
        return q
    body = " ".join(f"WHEN {w} THEN {c}" for w, c in whens)
    return (f"CASE WHEN {q} IS NULL THEN NULL {body} "
            f"ELSE error({_sql_str(f'{name}: not {kind}')}) END AS {q}")


def _stage(source: Source, table: Table, t):
    """Copy a CSV file, converted to the contract's types, into
    ``<work folder>/typed_<table>.parquet`` and return the copy as a table.

    The text is converted by :func:`_typed_sql` (the engine's own CSV reader is
    lenient: it reads ``epoch`` as a date and ``1_000`` as a number). Parsing text is
    the costly part of reading a CSV file; the copy is parsed once and later queries
    read only the columns they need, already typed."""
    kinds = {c.name: c.kind for c in table.columns if c.kind not in ("id", "text", "enum")}
    quoted = {c: '"' + c.replace('"', '""') + '"' for c in t.columns}
    trimmed = ", ".join(f"nullif(trim({quoted[c]}), '') AS {quoted[c]}" if c in kinds
                        else quoted[c] for c in t.columns)
    select = ", ".join(_typed_sql(c, kinds.get(c)) for c in t.columns)
    dest = source.work_path(f"typed_{table.name}.parquet")
    part = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")  # whole file or none
    lit = str(part).replace("'", "''")
    try:
        source.con.raw_sql(f'COPY (SELECT {select} FROM (SELECT {trimmed} FROM '
                           f'"raw_{table.name}")) TO \'{lit}\' (FORMAT parquet)')
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return _staged(source, table)


def _staged(source: Source, table: Table):
    dest = source.work_path(f"typed_{table.name}.parquet")
    return source.con.read_parquet(str(dest), table_name=f"staged_{table.name}")


def _fast_check(source: Source, table: Table, cols: list[str], checked: dict,
                checks: _Checks):
    """The fast path for a clean table, or None to take :func:`_full_check`.

    The rows are read typed: a CSV file converted once, strictly, into a compressed
    columnar copy (Parquet) next to the work file; a Parquet file or a database table
    as it is. A single aggregate query then counts, at once, the rows that would
    break any rule, the distinct keys and the string cells that need trimming or
    lower-casing. When every count is zero the used rows are the typed rows as they
    are: nothing more is copied, and a database keeps serving later queries from its
    own tables and indexes. Any fault, duplicate key, untidy string or cell of the
    wrong shape returns None, and the full check then names every bad cell.
    """
    path = source.files.get(table.name)
    if source.kind == "folder" and path is None:
        return None
    staged = source.kind == "folder" and not path.name.endswith(".parquet")
    cached = source.cached_check(table.name) if source.kind == "folder" else None
    if cached is not None and cached.get("max_money") != checks.max_money:
        cached = None  # checked clean under another bound
    try:
        if cached is not None:  # these exact files were checked clean before
            t = _staged(source, table) if staged else source.raw(table.name)
        elif staged:
            t = _stage(source, table, source.raw(table.name))
        else:
            t = source.raw(table.name)  # typed already: read in place
        strings = [c.name for c in table.columns if c.name in cols  # in contract order
                   and c.kind in ("id", "text", "enum") and t[c.name].type().is_string()]
        extras = tuple(table.extras(t.columns))
        p = _parsed(t, table, cols, as_read=frozenset(strings))
        if cached is not None:
            stats = pd.Series(cached["stats"])
        else:
            fault = _fault_expr(p, table, checked, cols, checks=checks, extras=extras)
            keys = {"_keys": p[table.key].nunique()} if table.key else {}
            stats = fetch(p.aggregate(
                rows=p.count(), _faults=fault.notnull().sum(), **keys,
                **{f"n_{c}": p[c].count() for c in cols},
                **{f"_dirty_{c}": _dirty(t[c], table.column(c).kind, checks.nul).sum()
                   for c in strings},
            )).iloc[0]
    except engine_errors():
        return None
    n = int(stats["rows"])
    untidy = sum(_count(stats[f"_dirty_{c}"]) for c in strings)
    if _count(stats["_faults"]) or untidy or (table.key and int(stats["_keys"]) != n):
        return None
    if cached is None and source.kind == "folder":
        source.save_check(table.name, {"stats": {k: int(v or 0) for k, v in stats.items()},
                                       "max_money": checks.max_money})
    out = p.select(*[c.name for c in table.columns],
                   *[f"{EXTRA}{i}" for i in range(len(extras))], **{FAULT: ibis.null(dt.string)})
    full = p.mutate(**{ROW: ibis.null(dt.int64), FAULT: ibis.null(dt.string)})
    by_fault = pd.DataFrame({FAULT: pd.Series(dtype=str), "rows": pd.Series(dtype="int64"),
                             "first_row": pd.Series(dtype=object)})
    return out, full, stats, by_fault


def _count(v) -> int:
    """A count an engine returned: a SUM over no values is NULL, which comes back as
    None (DuckDB, PostgreSQL) or NaN (Spark), and counts nothing.

    >>> _count(None), _count(float("nan")), _count(3)
    (0, 0, 3)
    """
    return 0 if v is None or pd.isna(v) else int(v)


def _first_bad_value(t, column: str) -> str:
    bad = t.filter(t[FAULT] == f"unparseable_value|{column}").order_by(ROW)
    vals = fetch(bad.select(v=bad[RAW + column]).limit(1))["v"].tolist()
    return vals[0] if vals else ""
