"""Apache Spark as a source and as a load target, through Ibis's ``pyspark`` backend.

Two URL forms reach Spark:

* ``sc://host:15002/?schema=kam``: a Spark Connect server (a remote cluster, Databricks).
  Spark Connect's own parameters may follow the path, as Spark writes them
  (``sc://host:15002/;token=…;use_ssl=true``), or stand in the query string
  (``?schema=kam&token=…``). ``token`` is masked like a password in every message.
* ``spark+local:///abs/path/warehouse?schema=kam``: a Spark session in this process over a
  warehouse folder. Each ``<schema>.db/<table>`` folder of Parquet files is a table
  (``<table>`` directly under the warehouse for the ``default`` schema), so the folder is
  the catalog: nothing else (no metastore) has to be kept. ``spark.*`` parameters in the
  query string configure the session (``&spark.driver.memory=4g``).

Only this module imports pyspark, and only inside its functions, so kamlib never loads
Spark for a folder or another database.

>>> parse("sc://spark.example.com/;token=abc?schema=kam")
SparkUrl(mode='connect', schema='kam', remote='sc://spark.example.com:15002/;token=abc', \
warehouse=None, conf=())
>>> parse("spark+local:///srv/wh?schema=kam&spark.driver.memory=4g").warehouse
PosixPath('/srv/wh')
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from kamlib.data.contract import Column
from kamlib.errors import SourceError

__all__ = [
    "CONNECT_PORT", "CONNECT_TIMEOUT_S", "LOCAL_CONF", "SCHEMES", "STAGING_PREFIX", "SparkUrl",
    "column_type", "connect", "create_schema", "drop_tables", "ensure_java", "errors",
    "is_spark",
    "list_tables", "parse", "rename_table", "where", "write_table",
]

log = logging.getLogger(__name__)

SCHEMES = ("sc", "spark+local")
CONNECT_PORT = 15002
"""Spark Connect's port when the URL names none (Spark's own default)."""
CONNECT_TIMEOUT_S = 10
"""How long a Spark Connect server may take to answer before the source fails: the
TCP connection and the first request each wait at most this long (no retries for
minutes, as Spark's client would by default)."""
LOCAL_CONF = {
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": str(os.cpu_count() or 2),
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.sql.session.timeZone": "UTC",
}
"""A local session's settings; any of them (and any other ``spark.*`` setting) can be
given in the URL's query string. The shuffle uses one partition per core: the tables of
one company are small for Spark."""
STAGING_PREFIX = "_kam_load_"
"""Tables being loaded are written under this prefix and renamed once all are written."""
_TYPE = {"id": "string", "text": "string", "enum": "string", "date": "date",
         "timestamp": "timestamp", "number": "double", "integer": "bigint",
         "bool": "boolean"}
_SCHEMA_FOLDER = "{}.db"


def is_spark(url: str) -> bool:
    """Whether a location is a Spark URL (``sc://`` or ``spark+local://``).

    >>> is_spark("sc://localhost:15002"), is_spark("postgresql://db/kam")
    (True, False)
    """
    return str(url).partition("://")[0].lower() in SCHEMES and "://" in str(url)


def column_type(col: Column) -> str:
    """The Spark SQL type a contract column is stored as (timestamps are UTC).

    >>> from kamlib.data.contract import TABLES
    >>> column_type(TABLES["interactions"].column("occurred_at"))
    'timestamp'
    """
    return _TYPE[col.kind]


@dataclass(frozen=True)
class SparkUrl:
    """A Spark URL, read.

    mode : ``connect`` (a Spark Connect server) or ``local`` (a session in this process).
    schema : the database the tables are in (``?schema=``, default ``default``).
    remote : for ``connect``, the URL handed to Spark Connect (``sc://host:port/;k=v``).
    warehouse : for ``local``, the warehouse folder.
    conf : for ``local``, the ``spark.*`` settings of the query string.
    """

    mode: str
    schema: str
    remote: str | None = None
    warehouse: Path | None = None
    conf: tuple[tuple[str, str], ...] = ()


def parse(url: str) -> SparkUrl:
    """Read a Spark URL; a malformed one is refused (SourceError) before anything starts."""
    from kamlib.data.sources import display_name, split_url, url_schema

    shown = display_name(url)
    scheme = str(url).partition("://")[0].lower()
    p = split_url(url)
    schema = url_schema(url) or "default"
    params = []
    for key, value in p.query:
        if value is None:
            raise SourceError(f"{shown}: the query string has a part that is not 'name=value'")
        if unquote(key) != "schema":
            params.append((unquote(key), value))
    if p.user is not None:
        raise SourceError(f"{shown}: a Spark URL takes no user name or password before the "
                          "host; give a Spark Connect token as ;token=… or ?token=…")
    if scheme == "sc":
        host, _, port = p.hosts.partition(":") if not p.hosts.startswith("[") else (
            p.hosts.partition("]")[0] + "]", "", p.hosts.partition("]:")[2])
        if not host or "," in p.hosts or (port and not port.isdigit()):
            raise SourceError(f"{shown}: expected sc://host:port/ (one host, a numeric port)")
        path = [s for s in p.path.split(";") if s]
        if any("=" not in s for s in path):
            raise SourceError(f"{shown}: Spark Connect parameters are written ;name=value")
        extra = ";".join([*path, *(f"{k}={v}" for k, v in params)])
        remote = f"sc://{host}:{port or CONNECT_PORT}/" + (f";{extra}" if extra else "")
        return SparkUrl("connect", schema, remote=remote)
    if p.hosts:
        raise SourceError(f"{shown}: expected spark+local:///absolute/path/to/warehouse "
                          "(three slashes, no host)")
    folder = Path("/" + unquote(p.path))
    bad = [k for k, _ in params if not k.startswith("spark.")]
    if bad:
        raise SourceError(f"{shown}: unknown parameter '{bad[0]}'; accepted: schema and "
                          "spark.* session settings")
    return SparkUrl("local", schema, warehouse=folder,
                    conf=tuple((k, unquote(v)) for k, v in params))


def where(url: str) -> str:
    """How messages name a Spark URL's place: ``host h:15002`` or ``warehouse /path``."""
    try:
        u = parse(url)
    except SourceError:
        return "Spark"
    if u.mode == "connect":
        return f"Spark Connect host {u.remote.partition('://')[2].partition('/')[0]}"
    return f"warehouse {u.warehouse}"


def errors() -> tuple[type[BaseException], ...]:
    """The exception types Spark raises for bad data, SQL or connections (pyspark's own,
    Py4J's from the JVM, gRPC's from Spark Connect); empty until pyspark is loaded."""
    if "pyspark" not in sys.modules:
        return ()
    from pyspark.errors import PySparkException

    errs: list[type[BaseException]] = [PySparkException]
    try:
        from py4j.protocol import Py4JError

        errs.append(Py4JError)
    except ImportError:  # pragma: no cover - py4j comes with pyspark
        pass
    if "grpc" in sys.modules:
        import grpc

        errs.append(grpc.RpcError)
    return tuple(errs)


# --------------------------------------------------------------------------- sessions
def ensure_java() -> None:
    """Make sure Spark finds Java: ``JAVA_HOME``, else the ``java`` on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return
    java = shutil.which("java")
    if java is None:
        raise SourceError("Spark needs Java 17 or later: install it (Debian: apt-get install "
                          "openjdk-17-jre-headless) or set JAVA_HOME")
    os.environ["JAVA_HOME"] = str(Path(os.path.realpath(java)).parent.parent)


def _quiet_logging(folder: Path) -> str:
    """A log4j2 configuration that prints only Spark's errors (its warnings and start-up
    notes would bury kamlib's own output); returns the JVM option naming it."""
    conf = folder / "log4j2.properties"
    conf.write_text("rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = console\n"
                    "appender.console.type = Console\nappender.console.name = console\n"
                    "appender.console.target = SYSTEM_ERR\n"
                    "appender.console.layout.type = PatternLayout\n"
                    "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex\n")
    return f"-Dlog4j2.configurationFile=file:{conf}"


def _local_session(u: SparkUrl):
    # a local session is a classic one, whatever a Spark Connect client of this process
    # (or the user's SPARK_REMOTE, say for Databricks) has set in the environment
    for var in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED"):
        os.environ.pop(var, None)
    from pyspark.sql import SparkSession

    ensure_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # one machine: loopback only
    active = SparkSession.getActiveSession()
    if active is not None:
        wh = active.conf.get("spark.sql.warehouse.dir", "")
        if wh.removeprefix("file:").rstrip("/") != str(u.warehouse).rstrip("/"):
            raise SourceError(f"a Spark session over {wh} is already running in this process; "
                              "close that source first")
    scratch = Path(tempfile.mkdtemp(prefix="kam-spark-"))  # Spark's scratch space and log set-up
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    conf = {**LOCAL_CONF, "spark.sql.warehouse.dir": str(u.warehouse),
            "spark.local.dir": str(scratch),
            "spark.driver.extraJavaOptions": f"{_quiet_logging(scratch)} "
                                              f"-Dderby.system.home={scratch}",
            **dict(u.conf)}
    builder = SparkSession.builder.master(f"local[{os.cpu_count() or 2}]").appName("kamlib")
    for k, v in conf.items():
        builder = builder.config(k, v)
    t0 = time.perf_counter()
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    log.info("local Spark %s over %s started in %.1f s", session.version, u.warehouse,
             time.perf_counter() - t0)
    return session


def _reachable(remote: str) -> None:
    hostport = remote.partition("://")[2].partition("/")[0]
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise SourceError(f"no Spark Connect server answers at {hostport}: "
                          f"{exc.strerror or exc}") from None


def _connect_session(u: SparkUrl):
    _reachable(u.remote)  # before loading pyspark: a server that is not there fails at once
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.client.retries import DefaultPolicy

    session = SparkSession.builder.remote(u.remote).create()
    # Spark's client retries for ten minutes by default: a source fails in seconds instead
    session.client.set_retry_policies([DefaultPolicy(
        max_retries=3, initial_backoff=200, max_backoff=2000, backoff_multiplier=4.0)])
    t0 = time.perf_counter()
    version = session.version  # the first request: the server answers or the source fails
    log.info("Spark Connect %s answered in %.1f s", version, time.perf_counter() - t0)
    return session


def connect(url: str):
    """An Ibis ``pyspark`` backend for a Spark URL, its tables registered.

    For a local warehouse, the schema's table folders are registered in the session's
    catalog (as Parquet tables at their place; nothing is written). Raises SourceError
    when the URL is malformed, Java is missing or the server does not answer; Spark's own
    errors (:func:`errors`) pass through for the caller to report.
    """
    import ibis

    u = parse(url)
    if u.mode == "local" and not u.warehouse.is_dir():
        raise SourceError(f"Spark warehouse folder not found: {u.warehouse}")
    session = _local_session(u) if u.mode == "local" else _connect_session(u)
    try:
        con = ibis.pyspark.connect(session)
        if u.mode == "local":
            _register(con, u)
    except BaseException:
        session.stop()
        raise
    return con


def _schema_dir(u: SparkUrl, schema: str) -> Path:
    return u.warehouse if schema == "default" else u.warehouse / _SCHEMA_FOLDER.format(schema)


def _register(con, u: SparkUrl) -> None:
    """Register every schema folder of a local warehouse, and the tables of the URL's."""
    from kamlib.data.sources import SCHEMA_NAME

    for d in sorted(u.warehouse.glob(_SCHEMA_FOLDER.format("*"))):
        name = d.name.removesuffix(".db")
        if d.is_dir() and SCHEMA_NAME.fullmatch(name):
            con.raw_sql(f"CREATE DATABASE IF NOT EXISTS {_q(name)}")
    folder = _schema_dir(u, u.schema)
    if not folder.is_dir():
        return
    for d in sorted(folder.iterdir()):
        if d.is_dir() and not d.name.startswith(("_", ".")) and not d.name.endswith(".db") \
                and any(d.glob("*.parquet")):
            con.raw_sql(f"CREATE TABLE IF NOT EXISTS {_q(u.schema)}.{_q(d.name)} "
                        f"USING parquet LOCATION {_lit(str(d))}")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _url_of(con) -> SparkUrl | None:
    """The local warehouse a backend's session writes to (None for Spark Connect)."""
    session = con._session
    if "connect" in type(session).__module__:
        return None
    wh = session.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    return SparkUrl("local", "default", warehouse=Path(wh))


# --------------------------------------------------------------------------- loading
def create_schema(con, schema: str) -> None:
    """Create the schema (database) when missing."""
    con.raw_sql(f"CREATE DATABASE IF NOT EXISTS {_q(schema)}")


def list_tables(con, schema: str) -> set[str]:
    """The tables of a schema (temporary views left out)."""
    rows = con.raw_sql(f"SHOW TABLES IN {_q(schema)}").collect()
    return {r.tableName for r in rows if not r.isTemporary}


def write_table(con, schema: str, name: str, types: dict[str, str], parquet: Path,
                batch_rows: int = 500_000) -> int:
    """Write a Parquet file into a new Parquet table ``schema.name``, each column cast to
    ``types`` (Spark SQL types); returns the rows written.

    A local session reads the file where it is; a Spark Connect client sends it in
    batches of ``batch_rows`` rows (the server cannot see this machine's files)."""
    import pyarrow.parquet as pq

    session = con._session
    target = f"{_q(schema)}.{_q(name)}"
    cast = [f"CAST({_q(c)} AS {t}) AS {_q(c)}" for c, t in types.items()]
    f = pq.ParquetFile(parquet)
    n = f.metadata.num_rows
    if _url_of(con) is not None:
        frames = [session.read.parquet(str(parquet))]
    else:
        frames = [session.createDataFrame(_table(b))
                  for b in f.iter_batches(batch_size=batch_rows)]
        if not frames:  # no rows: the table still gets its columns
            frames = [session.createDataFrame([], ", ".join(f"{_q(c)} {t}"
                                                            for c, t in types.items()))]
    for i, df in enumerate(frames):
        df.selectExpr(*cast).write.format("parquet").mode(
            "error" if i == 0 else "append").saveAsTable(target)
    return int(n)


def _table(batch):
    import pyarrow as pa

    return pa.Table.from_batches([batch])


def drop_tables(con, schema: str, names: list[str]) -> None:
    """Drop tables of a schema, with their files (a local warehouse's registered tables
    are external to Spark, so their folders are removed here)."""
    local = _url_of(con)
    for name in names:
        con.raw_sql(f"DROP TABLE IF EXISTS {_q(schema)}.{_q(name)}")
        if local is not None:
            folder = _schema_dir(local, schema) / name
            if folder.is_dir() and local.warehouse in folder.parents:
                shutil.rmtree(folder)


def rename_table(con, schema: str, old: str, new: str) -> None:
    """Rename a table within its schema (a managed table's folder moves with it)."""
    con.raw_sql(f"ALTER TABLE {_q(schema)}.{_q(old)} RENAME TO {_q(schema)}.{_q(new)}")
