"""Exports for BI tools: a quarter's tables as an Excel workbook, Parquet files or a
DuckDB database (``kam export``).

:func:`export_tables` takes the tables from a quarter's :class:`~kamlib.report.bundle.Bundle`
(nothing is computed again): ``kpis`` (the long KPI table of ``kpis.csv``),
``accounts`` (one row per current account), ``kam_scorecards`` (one row per account
manager, their KPIs side by side) and ``renewal_calendar`` (contracts whose renewal
window opens next quarter). Every column has a fixed kind (:func:`column_kinds`: text,
date, money, rate, ...), so a table has the same columns and types every quarter, with
or without a churn model. :func:`write_export` writes them in the format that the file's
suffix names (:data:`SUFFIXES`), whole or not at all.

>>> import pandas as pd
>>> from kamlib.config import Settings
>>> from kamlib.periods import Quarter
>>> from kamlib.report.bundle import Bundle
>>> b = Bundle(Quarter("2026Q3"), Settings(), Quarter("2026Q3").end,
...            kpis=pd.DataFrame({"kpi": ["nps"], "grain": ["kam"], "group": ["K1"],
...                               "period": ["2026Q3"], "value": [12.0]}),
...            kam_summary=pd.DataFrame({"kam_id": ["K1"], "name": ["Kira"]}))
>>> t = export_tables(b)
>>> list(t), t["kam_scorecards"][["kam_name", "nps"]].values.tolist()
(['kpis', 'accounts', 'kam_scorecards', 'renewal_calendar'], [['Kira', 12.0]])
>>> column_kinds("accounts", t["accounts"])["clv"], export_format("q3.xlsx")
('money', 'xlsx')
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.errors import OutputError, ParameterError
from kamlib.kpis.registry import REGISTRY, SPECS
from kamlib.report.output import RISKY_START

__all__ = ["NUMBER_FORMATS", "SUFFIXES", "TABLES", "check_export_target", "column_kinds",
           "export_format", "export_tables", "kpi_kind", "write_duckdb", "write_export", "write_parquet",
           "write_xlsx"]

TABLES = ("kpis", "accounts", "kam_scorecards", "renewal_calendar")
"""The tables of an export, in the order of the workbook's sheets."""

SUFFIXES = {".xlsx": "xlsx", ".parquet": "parquet", ".duckdb": "duckdb"}
"""The suffixes ``kam export`` accepts and the format each names."""

# (column in the bundle's frame, column in the export, kind)
_KPIS = [("kpi", "kpi", "text"), ("grain", "grain", "text"), ("group", "group", "text"),
         ("period", "period", "text"), ("value", "value", "kpi"), ("low", "low", "kpi"),
         ("high", "high", "kpi"), ("n", "n", "int"), ("target", "target", "kpi"),
         ("status", "status", "text")]
_ACCOUNTS = [("account_id", "account_id", "text"), ("name", "account_name", "text"),
             ("segment", "segment", "text"), ("kam_id", "kam_id", "text"),
             ("kam_name", "kam_name", "text"), ("team", "team", "text"),
             ("acv_end", "annual_contract_value", "money"), ("clv", "clv", "money"),
             ("churn_next_quarter", "churn_risk_next_quarter", "rate"),
             ("churn_next_year", "churn_risk_12_months", "rate"),
             ("value_at_risk", "value_at_risk", "money"), ("rank", "risk_rank", "int"),
             ("drivers", "risk_drivers", "text"), ("next_step", "next_step", "text"),
             ("open_requests", "open_requests", "int"),
             ("next_renewal_on", "next_renewal_on", "date"),
             ("days_since_last_touch", "days_since_last_touch", "number"),
             ("nps_score", "nps_score", "number")]
_SCORECARD_HEAD = [("kam_id", "kam_id", "text"), ("name", "kam_name", "text"),
                   ("team", "team", "text"), ("region", "region", "text"),
                   ("hired_on", "hired_on", "date"), ("left_on", "left_on", "date"),
                   ("accounts", "accounts", "int"), ("clv", "clv", "money")]
_RENEWALS = [("contract_id", "contract_id", "text"), ("account_id", "account_id", "text"),
             ("name", "account_name", "text"), ("kam_id", "kam_id", "text"),
             ("kam_name", "kam_name", "text"), ("end_on", "end_on", "date"),
             ("window_opens_on", "window_opens_on", "date"),
             ("annual_value", "annual_value", "money"),
             ("churn_next_year", "churn_risk_12_months", "rate"), ("clv", "clv", "money")]
_QUARTER = ("quarter", "quarter", "text")
_SPECS = {"kpis": _KPIS, "accounts": [_QUARTER, *_ACCOUNTS],
          "kam_scorecards": [_QUARTER, *_SCORECARD_HEAD],
          "renewal_calendar": [_QUARTER, *_RENEWALS]}

_UNIT_KIND = {"pct": "rate", "ratio": "rate", "money": "money", "score": "score"}
"""A KPI unit's column kind (:data:`kamlib.kpis.registry.UNITS`); every other is a number."""

NUMBER_FORMATS = {"money": "#,##0", "rate": "0.0%", "score": "0.00", "number": "#,##0.0",
                  "int": "#,##0", "date": "yyyy-mm-dd"}
"""The Excel number format of each column kind (text and booleans keep the default)."""

_SQL_TYPES = {"text": "VARCHAR", "date": "DATE", "int": "BIGINT", "bool": "BOOLEAN"}
_XLSX_MAX_TEXT = 32_767  # the most characters an Excel cell holds
_XLSX_MAX_ROWS = 1_048_576  # the most rows an Excel sheet holds, header included


# -- the tables ---------------------------------------------------------------------------------
def export_tables(b) -> dict[str, pd.DataFrame]:
    """The quarter's tables for BI tools, from bundle ``b`` (:data:`TABLES`, in order).

    - ``kpis``: every KPI at every grain with target and status (``kpis.csv``; an empty
      status is missing);
    - ``accounts``: one row per current account (``account_view``) with its risk rank,
      drivers, next step and open requests (``risk_ranking``; the drivers from
      ``risk_drivers`` when the ranking has none), ordered by account id;
    - ``kam_scorecards``: the head of each manager's scorecard (``kam_summary``) and one
      column per KPI computed for managers (named by KPI id, in registry order) holding
      the manager's value this quarter;
    - ``renewal_calendar``: ``renewal_calendar`` as it is.

    Columns that the quarter cannot fill (the churn model's without one) are there and
    empty; ``accounts``, ``kam_scorecards`` and ``renewal_calendar`` start with the
    ``quarter``.
    """
    q = str(b.quarter)
    kpis = _shape(b.kpis, _KPIS)
    accounts = _accounts(b).assign(quarter=q)
    head = b.kam_summary.assign(quarter=q)
    wide = _kam_kpis(b.kpis)
    scorecards = _shape(head, _SPECS["kam_scorecards"])
    values = wide.rename(columns=lambda c: f"{c}_kpi" if c in scorecards else c)
    scorecards = scorecards.merge(values, how="left", left_on="kam_id", right_index=True)
    renewals = _shape(b.renewal_calendar.assign(quarter=q), _SPECS["renewal_calendar"])
    return {"kpis": kpis, "accounts": _shape(accounts, _SPECS["accounts"]),
            "kam_scorecards": scorecards.reset_index(drop=True),
            "renewal_calendar": renewals}


def _accounts(b) -> pd.DataFrame:
    view = b.account_view.sort_values("account_id", kind="stable") \
        if "account_id" in b.account_view else b.account_view
    ranking = b.risk_ranking
    extra = [c for c in ("rank", "drivers", "next_step", "open_requests") if c in ranking]
    if extra and "account_id" in ranking:
        view = view.drop(columns=[c for c in extra if c in view]).merge(
            ranking[["account_id", *extra]], how="left", on="account_id")
    if "drivers" not in view and b.risk_drivers is not None and len(b.risk_drivers) \
            and "account_id" in view:
        d = b.risk_drivers.sort_values(["account_id", "order"], kind="stable")
        texts = d.groupby("account_id")["text"].agg("; ".join)
        view = view.assign(drivers=view["account_id"].map(texts))
    return view.reset_index(drop=True)


def _kam_kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    """The managers' KPI values wide: one row per kam id (index), one column per KPI
    computed for managers, in registry order (KPIs the registry does not know last)."""
    order = [s.id for s in REGISTRY if "kam" in s.grains]
    rows = kpis[kpis["grain"] == "kam"] if "grain" in kpis else kpis.iloc[0:0]
    rows = rows.drop_duplicates(["group", "kpi"]) if len(rows) else rows
    wide = rows.pivot(index="group", columns="kpi", values="value") if len(rows) \
        else pd.DataFrame(index=pd.Index([], name="group"))
    extra = sorted(set(wide.columns) - set(order))
    wide = wide.reindex(columns=[*order, *extra]).astype(float)
    wide.columns.name = None
    return wide


def _shape(df: pd.DataFrame, spec: list[tuple[str, str, str]]) -> pd.DataFrame:
    """``df``'s columns of ``spec`` renamed and coerced to their kind; missing ones empty."""
    out = {}
    for src, name, kind in spec:
        col = df[src] if src in df else pd.Series([None] * len(df), index=df.index,
                                                  dtype=object)
        out[name] = _coerce(col, kind)
    return pd.DataFrame(out).reset_index(drop=True)


def _coerce(col: pd.Series, kind: str) -> pd.Series:
    if kind == "text":
        return col.map(_text, na_action="ignore").astype(object).where(
            col.notna() & (col.astype(object) != ""), None)
    if kind == "date":
        return pd.to_datetime(col, errors="coerce").astype("datetime64[ns]").dt.normalize()
    if kind == "int":
        return pd.to_numeric(col, errors="coerce").round().astype("Int64")
    if kind == "bool":
        return col.astype("boolean")
    return pd.to_numeric(col, errors="coerce").astype(float)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else str(v)


def column_kinds(name: str, df: pd.DataFrame) -> dict[str, str]:
    """Each column's kind in table ``name`` of :func:`export_tables`: text, date, int,
    bool, money, rate (a share, shown as a percentage), score, number, or ``kpi`` (the
    ``kpis`` table's value, low, high and target, in the row's KPI's unit)."""
    known = {col: kind for _src, col, kind in _SPECS.get(name, [])}
    kinds = {}
    for c in df.columns:
        kpi = c[:-4] if c.endswith("_kpi") and c[:-4] in SPECS else c
        if c in known:
            kinds[c] = known[c]
        elif name == "kam_scorecards" and kpi in SPECS:
            kinds[c] = kpi_kind(kpi)
        elif pd.api.types.is_bool_dtype(df[c]):
            kinds[c] = "bool"
        elif pd.api.types.is_datetime64_any_dtype(df[c]):
            kinds[c] = "date"
        elif pd.api.types.is_integer_dtype(df[c]):
            kinds[c] = "int"
        elif pd.api.types.is_numeric_dtype(df[c]):
            kinds[c] = "number"
        else:
            kinds[c] = "text"
    return kinds


def kpi_kind(kpi: str) -> str:
    """The column kind of a KPI's values: ``rate`` for shares and ratios, ``money``,
    ``score`` or ``number``.

    >>> kpi_kind("logo_churn_rate"), kpi_kind("clv_total"), kpi_kind("nps")
    ('rate', 'money', 'number')
    """
    spec = SPECS.get(kpi)
    return _UNIT_KIND.get(spec.unit, "number") if spec is not None else "number"


# -- where it goes ------------------------------------------------------------------------------
def export_format(path: str | os.PathLike) -> str:
    """The format that ``path``'s suffix names (case does not matter); a
    :class:`~kamlib.errors.ParameterError` (exit 2) naming the accepted suffixes otherwise.

    >>> export_format("q3.DuckDB")
    'duckdb'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        accepted = ", ".join(SUFFIXES)
        raise ParameterError(f"cannot export to {path}: the file name must end with one of "
                             f"{accepted} (got {suffix or 'no suffix'})")
    return SUFFIXES[suffix]


def check_export_target(path: str | os.PathLike) -> Path:
    """Fail at once (:class:`~kamlib.errors.OutputError`, exit 2) when the export cannot
    be written at ``path``: an unknown suffix, a folder that does not exist or cannot be
    written, a folder where a file goes, or, for Parquet, something in the way that is
    not an earlier export (a file, or a folder holding other files than ``.parquet``)."""
    path = Path(path)
    fmt = export_format(path)
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if fmt == "parquet":
        if path.exists() and not _earlier_parquet_export(path):
            raise OutputError(f"cannot write {path}: it exists and is not a folder of "
                              ".parquet files written by kam export, so it is left alone")
    elif path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    try:
        probe = tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent)
        os.rmdir(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") \
            from None
    return path


def _earlier_parquet_export(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and all(
        p.is_file() and p.suffix == ".parquet" for p in path.iterdir())


# -- writing ------------------------------------------------------------------------------------
def write_export(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write ``tables`` to ``path`` in the format its suffix names, whole or not at all:
    into a temporary folder beside ``path``, then renamed into place (an earlier file,
    or an earlier Parquet export's folder, is replaced). Returns ``path``.

    Raises :class:`~kamlib.errors.OutputError`: exit 2 for an unusable path
    (:func:`check_export_target`), exit 1 when writing fails (a full disk, say).
    """
    path = Path(path)
    fmt = export_format(path)
    check_export_target(path)
    writer: Callable[[Mapping[str, pd.DataFrame], Path], None] = _WRITERS[fmt]
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.absolute().parent))
    try:
        os.chmod(work, 0o700)
        staged = work / path.name
        writer(tables, staged)
        if staged.is_dir():
            if path.exists():
                os.replace(path, work / "earlier")
            os.replace(staged, path)
        else:
            os.replace(staged, path)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise OutputError(f"could not write {path}: {why}", exit_code=1, reason=why) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> None:
    """One sheet per table: bold, frozen header row with filters, fitted column widths,
    money with thousands separators, shares as percentages, dates as dates.

    Text is always stored as text: a cell starting with ``=`` (or another character a
    spreadsheet reads as the start of a formula) is marked as quoted text, the way
    Excel stores a cell typed with a leading ``'``, so it is shown and never run;
    line ends become ``\\n`` (the file's XML keeps no ``\\r``), other characters that the
    file format cannot hold are replaced by U+FFFD and text beyond
    Excel's 32,767 characters is cut. A table longer than a sheet can hold (1,048,575
    rows) is an :class:`~kamlib.errors.OutputError` (exit 2) that points to the other
    formats.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for name, df in tables.items():
        if len(df) + 1 > _XLSX_MAX_ROWS:
            raise OutputError(f"cannot write {path}: table {name} has {len(df):,} rows, more "
                              f"than an Excel sheet holds ({_XLSX_MAX_ROWS - 1:,}); export to "
                              ".parquet or .duckdb instead")

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        kinds = column_kinds(name, df)
        row_kinds = [kpi_kind(k) if isinstance(k, str) else "number"
                     for k in df["kpi"]] if "kpi" in df and name == "kpis" else None
        for j, col in enumerate(df.columns, start=1):
            ws.cell(1, j, str(col)).font = bold
            kind = kinds[col]
            width = len(str(col)) + 2  # room for the filter button
            for i, v in enumerate(_cells(df[col], kind), start=2):
                if v is None:
                    continue
                cell_kind = row_kinds[i - 2] if kind == "kpi" and row_kinds else kind
                cell = ws.cell(i, j)
                if isinstance(v, str):
                    v = _xlsx_text(v)
                    cell.value = v
                    if cell.data_type == "f" or v.startswith(RISKY_START):
                        cell.data_type = "s"  # text, never a formula
                        cell.quotePrefix = True
                else:
                    cell.value = v
                    fmt = NUMBER_FORMATS.get(cell_kind)
                    if fmt is not None and not isinstance(v, bool):
                        cell.number_format = fmt
                width = max(width, _shown_width(v, cell_kind))
            ws.column_dimensions[get_column_letter(j)].width = min(width + 2, 60)
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
    if not wb.worksheets:
        wb.create_sheet("empty")
    wb.save(path)


def _cells(col: pd.Series, kind: str) -> list[Any]:
    """The column's values as plain Python values for a cell (None when missing)."""
    if kind == "date":
        return [None if pd.isna(v) else v.date() for v in col]
    out = col.astype(object).where(col.notna(), None).tolist()
    return [v.item() if hasattr(v, "item") else v for v in out]


def _xlsx_text(v: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v.replace("\r\n", "\n").replace("\r", "\n"))
    return v if len(v) <= _XLSX_MAX_TEXT else v[:_XLSX_MAX_TEXT - 1] + "…"


def _shown_width(v: Any, kind: str) -> int:
    """About how many characters a cell shows (for the column's width)."""
    if isinstance(v, str):
        return max((len(line) for line in v.splitlines()), default=0)
    if isinstance(v, bool):
        return 5
    if kind == "date":
        return 10
    if kind == "rate":
        return len(f"{v:.1%}")
    if kind in ("money", "int"):
        return len(f"{v:,.0f}")
    if kind == "score":
        return len(f"{v:.2f}")
    return len(f"{v:,.1f}")


def write_parquet(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> None:
    """A folder ``path`` holding ``<table>.parquet`` per table; dates are Parquet dates
    (``date32``), whole numbers 64-bit integers, money and rates doubles."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_types = {"text": pa.string(), "date": pa.date32(), "int": pa.int64(),
                    "bool": pa.bool_()}
    folder = Path(path)
    folder.mkdir()
    for name, df in tables.items():
        kinds = column_kinds(name, df)
        table = pa.Table.from_pandas(df, preserve_index=False)
        fields = [pa.field(c, arrow_types.get(kinds[c], pa.float64())) for c in df.columns]
        pq.write_table(table.cast(pa.schema(fields)), folder / f"{name}.parquet")


def write_duckdb(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> None:
    """A DuckDB database file ``path`` with one table per table, in plain column types
    (dates DATE, money, rates and other measures DOUBLE, counts BIGINT, text VARCHAR)
    that Metabase and Superset read."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        for name, df in tables.items():
            kinds = column_kinds(name, df)
            types = {c: _SQL_TYPES.get(kinds[c], "DOUBLE") for c in df.columns}
            cols = ", ".join(f"{_ident(c)} {t}" for c, t in types.items())
            con.execute(f"CREATE TABLE {_ident(name)} ({cols})")
            if len(df):
                con.register("kam_export_frame", df)
                picks = ", ".join(f"CAST({_ident(c)} AS {t})" for c, t in types.items())
                con.execute(f"INSERT INTO {_ident(name)} SELECT {picks} FROM kam_export_frame")
                con.unregister("kam_export_frame")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _ident(name: str) -> str:
    """An SQL identifier, quoted.

    >>> _ident('a"b')
    '"a""b"'
    """
    return '"' + str(name).replace('"', '""') + '"'


_WRITERS = {"xlsx": write_xlsx, "parquet": write_parquet, "duckdb": write_duckdb}
