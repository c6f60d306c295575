"""Stand up a warehouse copy: load a contract folder into a PostgreSQL schema (or into
Spark: see "Spark" below).

:func:`load_db` checks the folder against the contract first (structural faults
stop it, exactly as in ``kam validate``), then, in **one transaction**:

* creates one typed table per supplied contract table, with only the columns the
  folder carried (so the database reads back exactly as the folder did), a
  primary key on the table's key, foreign keys between tables, and indexes on
  every reference column and on the date that decides a period's view;
* copies the used rows in with ``COPY … FROM STDIN`` (streamed from a file the
  embedded engine writes, so memory stays flat at any size);
* keeps every quarantined row, raw, in ``quarantine_<table>`` with its spreadsheet
  row, rule and column, so nothing is lost on the way into the warehouse.

If anything fails the transaction is rolled back and the schema is left as it was.

Afterwards ``--data postgresql://user:pw@host/db?schema=<schema>`` works wherever
``--data <folder>`` does.

Spark
-----
A Spark URL (``sc://host:15002/?schema=kam``, ``spark+local:///path/warehouse?schema=kam``,
:mod:`kamlib.data.spark`) gets the same tables as Parquet tables of the schema, the
quarantine beside them. Spark has no transactions: every table is first written under a
staging name, and only when all are written are the old tables dropped and the new ones
renamed, so a failed load leaves the schema as it was. Spark has no keys or indexes;
the typed columns are the same.

Example
-------
>>> column_type(TABLES["contracts"].column("annual_value"))
'double precision'
>>> ddl(TABLES["contracts"], ["contract_id", "account_id", "start_on", "end_on",
...     "annual_value"], [], "crm").splitlines()[0]
'CREATE TABLE "crm"."contracts" ('
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kamlib.config import Settings
from kamlib.data import spark
from kamlib.data.contract import TABLE_LIST, TABLES, VIEW_DATES, Column, Table
from kamlib.data.sources import (
    cannot_open,
    connect_errors,
    connect_postgres,
    display_name,
    engine_errors,
    is_postgres,
    is_url,
    open_source,
    scrub,
    url_schema,
    where,
)
from kamlib.data.validate import validate
from kamlib.errors import SourceError, first_line

_PG_TYPE = {
    "id": "text", "text": "text", "enum": "text", "date": "date",
    "timestamp": "timestamp", "number": "double precision", "integer": "bigint",
    "bool": "boolean",
}
QUARANTINE_PREFIX = "quarantine_"


def column_type(col: Column) -> str:
    """The PostgreSQL type a contract column is stored as (timestamps are UTC, naive)."""
    return _PG_TYPE[col.kind]


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ddl(table: Table, present: list[str], extras: list[str], schema: str) -> str:
    """``CREATE TABLE`` for the columns a folder carried, with the primary key.

    Columns outside the contract (``extras``) are kept as text.
    """
    lines = []
    for c in table.columns:
        if c.name in present:
            null = "" if c.nullable else " NOT NULL"
            lines.append(f"  {q(c.name)} {column_type(c)}{null}")
    lines += [f"  {q(e)} text" for e in extras]
    if table.key:
        lines.append(f"  PRIMARY KEY ({q(table.key)})")
    return f"CREATE TABLE {q(schema)}.{q(table.name)} (\n" + ",\n".join(lines) + "\n)"


def constraints(table: Table, present: dict[str, list[str]], schema: str) -> list[str]:
    """Foreign keys (between tables) and indexes (references, view date) for a table."""
    sql = []
    cols = present[table.name]
    tname = f"{q(schema)}.{q(table.name)}"
    indexed = set()
    for c, parent, pcol in table.refs:
        if c.name not in cols:
            continue
        # A self-reference may point at a row that was itself set aside (the contract
        # only asks that the key exists), so it gets an index but no constraint.
        if parent != table.name and parent in present:
            sql.append(f"ALTER TABLE {tname} ADD CONSTRAINT {q(f'{table.name}_{c.name}_fkey')} "
                       f"FOREIGN KEY ({q(c.name)}) REFERENCES {q(schema)}.{q(parent)} ({q(pcol)})")
        indexed.add(c.name)
    view = VIEW_DATES.get(table.name)
    if view in cols:
        indexed.add(view)
    for col in sorted(indexed - {table.key}):
        sql.append(f"CREATE INDEX {q(f'{table.name}_{col}_idx')} ON {tname} ({q(col)})")
    return sql


def _connect(url: str):
    """The load's connection (one transaction), with every libpq parameter of the URL."""
    return connect_postgres(url, autocommit=False)


def target_schema(url: str) -> str:
    """The schema named by ``?schema=`` in a URL (default ``public``)."""
    return url_schema(url) or "public"


def load_db(
    data_dir: str | Path,
    url: str,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Load a contract folder into a PostgreSQL schema; returns rows loaded per table.

    Parameters
    ----------
    data_dir : a folder of contract files (checked first, as ``kam validate`` does).
    url : ``postgresql://user:password@host:port/database?schema=name``; the schema is
        created when missing (default ``public``).
    replace : drop the contract (and quarantine) tables already in the schema, and
        nothing else; without it a schema that already holds any of them is refused.
        Objects of others that depend on those tables (a view, a foreign key) are
        never dropped: the load is refused, naming them, and nothing changes.
    progress : called with each table's name before it is loaded.
    settings : the settings of the folder's check (``max_money``); default ``Settings()``.

    Raises
    ------
    ContractError : the folder breaks the contract structurally.
    SourceError : the URL is not PostgreSQL, the server cannot be reached or refuses
        the load (the message names the host and masks the password).
    """
    import psycopg  # lazy: only loading into PostgreSQL needs the driver loaded

    if is_url(str(data_dir)):
        raise SourceError(f"load-db reads a folder of contract files, not "
                          f"{display_name(str(data_dir))}")
    if spark.is_spark(url):  # -- Spark load (kamlib.data.spark)
        return load_spark(data_dir, url, replace, progress, settings)
    if not is_postgres(url):
        raise SourceError(f"load-db writes to PostgreSQL (postgresql://…) or Spark "
                          f"(sc://…, spark+local://…), not "
                          f"{str(url).partition('://')[0]}://; "
                          "other engines can read the folder directly")
    schema = target_schema(url)  # an unsafe name is refused before connecting
    rows: list[dict] = []
    # the server is reached first, so an unreachable one fails before the folder is read
    with _connect(url) as pg, validate(open_source(data_dir), settings=settings) as vd, \
            tempfile.TemporaryDirectory(prefix="kam-load-") as tmp:
        try:
            _load(vd, pg, schema, replace, Path(tmp), rows, progress)
        except psycopg.Error as exc:
            pg.rollback()
            raise SourceError(f"{display_name(url)} ({where(url)}): loading failed and was "
                              f"rolled back: {scrub(first_line(exc), url)}") from None
    return pd.DataFrame(rows, columns=["table", "rows_loaded", "rows_quarantined", "seconds"])


def _load(vd, pg, schema: str, replace: bool, tmp: Path, rows: list, progress) -> None:
    cur = pg.cursor()
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,))
    existing = {r[0] for r in cur.fetchall()}
    ours = [t.name for t in TABLE_LIST] + [QUARANTINE_PREFIX + t.name for t in TABLE_LIST]
    clash = [t for t in ours if t in existing]
    if clash and not replace:
        raise SourceError(f"schema {schema} already holds {', '.join(sorted(clash))}; "
                          "pass --replace to load over them")
    if clash:
        drop_own_tables(pg, schema, list(reversed(clash)))
    present = {name: cols for name, cols in vd.present.items() if name in vd.tables}
    by_table = vd.faults.groupby("table")["rows"].sum() if len(vd.faults) else pd.Series()
    for table in TABLE_LIST:
        if table.name not in vd.tables:
            continue
        if progress:
            progress(table.name)
        t0 = time.perf_counter()
        used = vd.tables[table.name]
        extras = table.extras(used.columns)
        cols = [c for c in present[table.name]] + extras
        cur.execute(ddl(table, present[table.name], extras, schema))
        n = _copy(vd, used.select(*cols), pg, f"{q(schema)}.{q(table.name)}", cols,
                  tmp / f"{table.name}.csv")
        n_q = int(by_table.get(table.name, 0))
        if n_q:
            _copy_quarantine(vd, table.name, pg, schema, tmp)
        rows.append({"table": table.name, "rows_loaded": n, "rows_quarantined": n_q,
                     "seconds": round(time.perf_counter() - t0, 2)})
    for table in TABLE_LIST:
        if table.name in present:
            for stmt in constraints(table, present, schema):
                cur.execute(stmt)
            cur.execute(f"ANALYZE {q(schema)}.{q(table.name)}")
    pg.commit()


def drop_own_tables(pg, schema: str, tables: list[str]) -> None:
    """Drop the project's tables (children first, in one statement, never CASCADE).

    When anything else depends on them (a user's view, a foreign key from another
    table), nothing is dropped: SourceError names those objects, and the caller's
    transaction is rolled back, so the schema is left exactly as it was.
    """
    import psycopg

    try:
        pg.execute("DROP TABLE " + ", ".join(f"{q(schema)}.{q(t)}" for t in tables))
    except psycopg.errors.DependentObjectsStillExist as exc:
        lines = [ln.strip() for ln in (exc.diag.message_detail or "").splitlines() if ln.strip()]
        raise SourceError(
            f"schema {schema}: --replace drops only kamlib's own tables, and other objects "
            f"depend on them ({len(lines)}); nothing was changed. Drop or change these "
            "first, then load again:\n" + "\n".join(f"  - {ln}" for ln in lines)) from None


def _copy(vd, expr, pg, target: str, cols: list[str], path: Path) -> int:
    """Copy the rows of an Ibis expression on the embedded engine into ``target``."""
    sql = str(vd.con.compile(expr))
    lit = str(path).replace("'", "''")
    vd.con.raw_sql(f"COPY ({sql}) TO '{lit}' (FORMAT csv, HEADER false)")
    return _stream(pg, target, cols, path)


def _copy_quarantine(vd, name: str, pg, schema: str, tmp: Path) -> None:
    """Keep the quarantined rows, raw, in ``quarantine_<name>`` (a NUL byte, which
    PostgreSQL cannot store and which set the row aside, is kept as U+FFFD)."""
    frame = vd.quarantine(name)
    cols = list(frame.columns)
    for c in cols:
        frame[c] = frame[c].map(lambda v: v.replace("\x00", "\ufffd") if isinstance(v, str) else v)
    target = f"{q(schema)}.{q(QUARANTINE_PREFIX + name)}"
    body = ",\n".join(f"  {q(c)} {'bigint' if c == 'row' else 'text'}" for c in cols)
    pg.execute(f"CREATE TABLE {target} (\n{body}\n)")
    path = tmp / f"quarantine_{name}.csv"
    frame.to_csv(path, index=False, header=False, lineterminator="\n")
    _stream(pg, target, cols, path)


def _stream(pg, target: str, cols: list[str], path: Path) -> int:
    """``COPY target FROM STDIN`` from a headerless CSV file, 1 MB at a time; the file
    is removed afterwards. Returns the rows copied."""
    col_list = ", ".join(q(c) for c in cols)
    cur = pg.cursor()
    with cur.copy(f"COPY {target} ({col_list}) FROM STDIN (FORMAT csv)") as cp, \
            open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            cp.write(chunk)
    n = cur.rowcount  # set once the COPY block has finished
    path.unlink()
    return int(n)


# -- Spark load -------------------------------------------------------------------------
def load_spark(data_dir: str | Path, url: str, replace: bool = False,
               progress: Callable[[str], None] | None = None,
               settings: Settings | None = None) -> pd.DataFrame:
    """Load a contract folder into a Spark schema (see "Spark" above); what
    :func:`load_db` does for a Spark URL. A local warehouse folder is created when
    missing."""
    u = spark.parse(url)  # a malformed URL or unsafe schema is refused before starting
    if u.mode == "local":
        try:
            u.warehouse.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"cannot create the Spark warehouse {u.warehouse}: "
                              f"{exc.strerror}") from None
    try:  # Spark is reached first, so a server that does not answer fails before the check
        con = spark.connect(url)
    except connect_errors() as exc:
        raise cannot_open(url, exc) from None
    rows: list[dict] = []
    try:
        with validate(open_source(data_dir), settings=settings) as vd, \
                tempfile.TemporaryDirectory(prefix="kam-load-") as tmp:
            try:
                _load_spark(vd, con, u.schema, replace, Path(tmp), rows, progress)
            except engine_errors() as exc:
                raise SourceError(f"{display_name(url)} ({where(url)}): loading failed; the "
                                  f"schema was left as it was: {scrub(first_line(exc), url)}"
                                  ) from None
    finally:
        con.disconnect()
    return pd.DataFrame(rows, columns=["table", "rows_loaded", "rows_quarantined", "seconds"])


def _load_spark(vd, con, schema: str, replace: bool, tmp: Path, rows: list, progress) -> None:
    spark.create_schema(con, schema)
    existing = spark.list_tables(con, schema)
    ours = [t.name for t in TABLE_LIST] + [QUARANTINE_PREFIX + t.name for t in TABLE_LIST]
    clash = [t for t in ours if t in existing]
    if clash and not replace:
        raise SourceError(f"schema {schema} already holds {', '.join(sorted(clash))}; "
                          "pass --replace to load over them")
    stale = [t for t in existing if t.startswith(spark.STAGING_PREFIX)]
    spark.drop_tables(con, schema, stale)  # left by a load that was killed
    staged: list[str] = []
    by_table = vd.faults.groupby("table")["rows"].sum() if len(vd.faults) else pd.Series()
    try:
        for table in TABLE_LIST:
            if table.name not in vd.tables:
                continue
            if progress:
                progress(table.name)
            t0 = time.perf_counter()
            used = vd.tables[table.name]
            extras = table.extras(used.columns)
            types = {c.name: spark.column_type(c) for c in table.columns
                     if c.name in vd.present[table.name]} | {e: "string" for e in extras}
            path = tmp / f"{table.name}.parquet"
            vd.con.to_parquet(used.select(*types), path)
            staged.append(table.name)
            n = spark.write_table(con, schema, spark.STAGING_PREFIX + table.name, types, path)
            path.unlink()
            n_q = int(by_table.get(table.name, 0))
            if n_q:
                name = QUARANTINE_PREFIX + table.name
                frame = vd.quarantine(table.name)
                qtypes = {c: "bigint" if c == "row" else "string" for c in frame.columns}
                qpath = tmp / f"{name}.parquet"
                frame.astype({c: "string" for c in frame.columns if c != "row"}) \
                    .to_parquet(qpath, index=False)
                staged.append(name)
                spark.write_table(con, schema, spark.STAGING_PREFIX + name, qtypes, qpath)
            rows.append({"table": table.name, "rows_loaded": n, "rows_quarantined": n_q,
                         "seconds": round(time.perf_counter() - t0, 2)})
    except BaseException:
        spark.drop_tables(con, schema, [spark.STAGING_PREFIX + t for t in staged])
        raise
    spark.drop_tables(con, schema, clash)
    for name in staged:
        spark.rename_table(con, schema, spark.STAGING_PREFIX + name, name)


__all__ = ["load_db", "load_spark", "ddl", "constraints", "column_type", "target_schema",
           "TABLES"]
