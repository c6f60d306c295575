"""Where the data lives: a folder of CSV/Parquet files or a database URL.

Both are opened as Ibis tables, so the rest of kamlib never knows which it is.
A folder is read by an embedded DuckDB engine; a URL (``postgresql://…``,
``duckdb:///file.duckdb``, Spark's ``sc://…`` and ``spark+local://…`` through
:mod:`kamlib.data.spark`, any Ibis backend) is read where it lives.

>>> mask_url("postgresql://kam:s3cret@db.example.com:5432/crm")
'postgresql://kam:***@db.example.com:5432/crm'
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import duckdb
import ibis
import pandas as pd
from ibis.common.exceptions import IbisError

import kamlib
from kamlib import config
from kamlib.data import spark
from kamlib.data.contract import TABLES
from kamlib.errors import SourceError, first_line

__all__ = [
    "CHECK_CACHE_ENV", "CONNECT_TIMEOUT_S", "FIELD_LIMIT", "FILE_SUFFIXES", "HEADER_LIMIT",
    "KEEP_CHECKS", "PG_STEADY", "PROJECT_PARAMS", "PRUNE_AFTER_S", "SCHEMA_NAME", "SECRET_PARAMS", "Source",
    "UrlParts", "accepted_params", "cannot_open", "check_cache_root", "connect_errors",
    "connect_postgres", "display_name", "distinct_names", "engine_errors", "fetch", "file_sha256",
    "fingerprint", "is_postgres", "is_url", "mask_url", "open_source", "postgres_params",
    "read_header", "scrub", "split_url", "url_schema", "url_secrets", "where",
]

log = logging.getLogger(__name__)

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_URL_IN_TEXT = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*)://\S*")
CHECK_CACHE_ENV = "KAM_CHECK_CACHE"
KEEP_CHECKS = 8
"""How many folders' check results the cache keeps (the most recently used); older
ones go once they have not been opened for :data:`PRUNE_AFTER_S` seconds."""
PRUNE_AFTER_S = 3600
FILE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
_CSV_TYPE = {"date": "DATE", "timestamp": "TIMESTAMPTZ", "number": "DOUBLE",
             "integer": "DOUBLE", "bool": "BOOLEAN"}  # the others stay VARCHAR


def engine_errors() -> tuple[type[BaseException], ...]:
    """Exception types an engine raises for bad data or a bad connection.

    Programming errors (TypeError, KeyError, ...) are deliberately not included,
    so they surface as bugs instead of being reported as bad input.
    """
    errs: list[type[BaseException]] = [duckdb.Error, IbisError, OSError, UnicodeError,
                                       SourceError, sqlite3.Error]
    try:
        import psycopg  # lazy: only a PostgreSQL URL needs the driver loaded

        errs.append(psycopg.Error)
    except ImportError:  # pragma: no cover - the postgres extra is installed by default
        pass
    errs += spark.errors()  # Spark's, once a Spark URL has loaded pyspark
    return tuple(errs)


def connect_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "this URL cannot be opened": an engine's or driver's
    error (:func:`engine_errors`), a URL no backend understands (ValueError) or whose
    options it refuses (TypeError), and a backend that is not installed (ImportError)."""
    return (*engine_errors(), ValueError, TypeError, ImportError)


def fetch(expr, by: list[str] | str | None = None) -> pd.DataFrame:
    """Run a table expression and return its rows in a canonical order.

    An engine returns grouped or scanned rows in whatever order its threads finish,
    and float sums and model fits in pandas depend on row order in their last bits.
    Sorting here, by ``by`` (default: every column, left to right), makes the same
    inputs give the same bits on every run and on every engine.

    >>> import ibis
    >>> t = ibis.memtable({"k": ["b", "a", "b"], "v": [2, 1, 1]})
    >>> fetch(t.group_by("k").aggregate(n=t.v.sum()), by="k")
       k  n
    0  a  1
    1  b  3
    >>> fetch(t).to_dict("list")
    {'k': ['a', 'b', 'b'], 'v': [1, 1, 2]}
    """
    df = expr.execute()
    keys = [by] if isinstance(by, str) else list(df.columns) if by is None else by
    if not keys or df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def mask_url(text: str) -> str:
    """Replace every password in the URLs of a text by ``***``.

    Any password: in the user info (up to the last ``@`` before the host, so an
    unencoded ``@`` in it is hidden too), with or without a user name, and in a
    ``password=`` or ``sslpassword=`` parameter, percent-encoded or not.

    >>> mask_url("cannot open postgresql://kam:Spring@2026@db/crm?password=x%40y")
    'cannot open postgresql://kam:***@db/crm?password=***'
    """
    text = str(text)
    out, pos = [], 0
    for m in _URL_IN_TEXT.finditer(text):
        if m.start() < pos:  # inside a part already masked
            continue
        body_start, end = m.end(1) + 3, m.end()
        if _mask_one(m.group(0)) is None:  # not readable: it may run on to the line's last '@'
            line_end = text.find("\n", body_start)
            line = text[body_start:line_end if line_end >= 0 else len(text)]
            at = line.rfind("@")
            if at >= 0:
                tail = re.match(r"\S*", line[at:]).group(0)
                end = max(end, body_start + at + len(tail))
        out.append(text[pos:m.start()] + _mask_body(m.group(1), text[body_start:end]))
        pos = end
    return "".join(out) + text[pos:]


def is_url(location: str) -> bool:
    return bool(_URL.match(str(location)))


def display_name(location: str) -> str:
    """How a data location is named in outputs: never an absolute path or a password.

    A folder inside the project is named relative to it (``data/sample``), any other
    folder by its own name; a URL with its password masked.
    """
    if is_url(location):
        scheme, _, body = str(location).partition("://")
        return _mask_body(scheme, body)
    p = Path(location).resolve()
    try:
        return str(p.relative_to(config.PROJECT_ROOT))
    except ValueError:
        return p.name


HEADER_LIMIT = 1 << 20
"""The longest header line read (1 MB)."""
FIELD_LIMIT = 1 << 17
"""The longest column name (128 KB, the limit of Python's csv module)."""
_GZIP_MAGIC = b"\x1f\x8b"


def read_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (``,`` ``;`` tab or ``|``) and column names of a CSV file.

    Only the header line is read, so one ragged row later in the file cannot change
    the dialect: the engine then reports that row as a parse error at its line. A line
    may end with LF, CRLF or a lone CR (old Mac Excel). Names that differ from an
    earlier one only in case (``Name`` next to ``name``) are given a suffix
    (``Name_2``): the engine's column names are case-insensitive. Contract columns
    keep their names.

    Raises :class:`~kamlib.errors.SourceError` for a gzip stream under a ``.csv``
    name, a header line over 1 MB or a field over 128 KB, and UnicodeDecodeError for
    a header that is not UTF-8.
    """
    compressed = path.name.endswith(".gz")
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if not compressed and magic == _GZIP_MAGIC:
        raise SourceError(f"is gzip-compressed; name it {path.name}.gz (or store it "
                          "uncompressed)")
    opener = gzip.open if compressed else open
    with opener(path, "rb") as fh:
        head = fh.read(HEADER_LIMIT + 1)
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends and len(head) > HEADER_LIMIT:
        raise SourceError(f"the header line is longer than {HEADER_LIMIT >> 20} MB; the first "
                          "line must name the columns")
    line = head[:min(ends)] if ends else head
    text = line.decode("utf-8").lstrip("\ufeff")  # UnicodeDecodeError: not UTF-8
    counts = {d: text.count(d) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    if any(len(f) > FIELD_LIMIT for f in text.split(delim)):
        raise SourceError(f"the header line holds a field longer than {FIELD_LIMIT >> 10} KB; "
                          "the first line must name the columns")
    try:
        names = next(csv.reader([text], delimiter=delim), [])
    except csv.Error as exc:
        raise SourceError(f"the header line cannot be read as CSV: {exc}") from None
    return delim, distinct_names([n.strip() for n in names], table=path.name.split(".")[0])


def distinct_names(names: list[str], table: str = "") -> list[str]:
    """``names`` with those equal to an earlier one but for case renamed ``<name>_2``,
    ``_3``...; the contract's column names of ``table`` keep theirs. Exact repeats are
    left alone (the caller refuses them).

    >>> distinct_names(["Name", "account_id", "name", "NAME"], "accounts")
    ['Name_2', 'account_id', 'name', 'NAME_3']
    """
    known = {c.name for c in TABLES[table].columns} if table in TABLES else set()
    taken = {n.casefold() for n in names if n in known}
    out: list[str] = []
    for i, n in enumerate(names):
        if n in known or n in names[:i] or n.casefold() not in taken:
            taken.add(n.casefold())
            out.append(n)
            continue
        k = 2
        while f"{n}_{k}".casefold() in taken or f"{n}_{k}" in names:
            k += 1
        taken.add(f"{n}_{k}".casefold())
        out.append(f"{n}_{k}")
    return out


@dataclass
class Source:
    """An opened data location.

    Attributes
    ----------
    location : what the user gave, with any password masked.
    kind : ``"folder"`` or ``"database"``.
    con : the Ibis backend holding the raw tables. For a folder it is an
        embedded DuckDB whose work file lives in a temporary folder.
    """

    location: str
    kind: str
    con: object
    files: dict[str, Path] = field(default_factory=dict)
    schema: str | None = None
    _tmp: tempfile.TemporaryDirectory | None = None
    _no_temp: bool = False
    cache_dir: Path | None = None
    _cached: list = field(default_factory=list)  # Spark: tables cached by materialise
    _digests: dict[str, str] = field(default_factory=dict)

    def digest(self, table: str) -> str:
        """The sha256 of a folder table's file (hex), read once per opened source: the
        check cache's fingerprint and the report's manifest share it."""
        if table not in self._digests:
            self._digests[table] = file_sha256(self.files[table])
        return self._digests[table]

    def has(self, table: str) -> bool:
        if self.kind == "folder":
            return table in self.files
        return table in set(self.con.list_tables(database=self.schema) if self.schema
                            else self.con.list_tables())

    def label(self, table: str) -> str:
        """How a table is named in messages: its file name, or schema.table."""
        if self.kind == "folder":
            f = self.files.get(table)
            return f.name if f else f"{table}.csv"
        return f"{self.schema}.{table}" if self.schema else table

    def raw(self, table: str, typed: bool = False):
        """The raw Ibis table, or None when absent.

        CSV columns are all strings, unless ``typed``: then the engine's CSV reader
        parses each contract column as its type while reading (much faster, but one
        bad cell fails the whole read; :func:`kamlib.data.validate.validate` then falls
        back to the string reading, which reports every bad cell). Whole numbers are
        read as doubles so that ``7.5`` is not rounded on the way in.
        """
        if not self.has(table):
            return None
        if self.kind == "database":
            return self.con.table(table, database=self.schema) if self.schema \
                else self.con.table(table)
        path = self.files[table]
        view = f"raw_{table}"
        lit = str(path).replace("'", "''")
        if path.name.endswith(".parquet"):
            sql = f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_parquet('{lit}')"
        else:
            delim, names = read_header(path)
            if not names or any(n == "" for n in names) or len(set(names)) != len(names):
                raise SourceError(f"the header line must name every column once (found {names!r})")
            kinds = {c.name: c.kind for c in TABLES[table].columns} if typed else {}
            cols = ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}': "
                             f"'{_CSV_TYPE.get(kinds.get(n), 'VARCHAR')}'" for n in names)
            view = f"typed_{table}" if typed else view
            sql = (f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_csv('{lit}', "
                   f"header=true, auto_detect=false, columns={{{cols}}}, "
                   f"delim='{delim.replace(chr(39), chr(39) * 2)}', quote='\"', escape='\"', "
                   "strict_mode=true, null_padding=false)")
        self.con.raw_sql(sql)
        return self.con.table(view)

    def work_path(self, name: str) -> Path:
        """Where a derived file of a folder's check lives: in the check cache of this
        folder's exact contents, else next to the embedded engine's work file."""
        if self.cache_dir is not None:
            return self.cache_dir / name
        return Path(self.con.con.execute("SELECT path FROM duckdb_databases() "
                                         "WHERE database_name = current_database()")
                    .fetchone()[0]).parent / name

    def cached_check(self, table: str) -> dict | None:
        """The saved result of a clean table's check for these exact files, or None."""
        if self.cache_dir is None:
            return None
        f = self.cache_dir / f"check_{table}.json"
        try:
            return json.loads(f.read_text())
        except (OSError, ValueError):
            return None

    def save_check(self, table: str, result: dict) -> None:
        """Keep a clean table's check result (written whole or not at all)."""
        if self.cache_dir is None:
            return
        dest = self.cache_dir / f"check_{table}.json"
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(result))
            os.replace(tmp, dest)
        except OSError:  # a read-only cache only costs speed
            tmp.unlink(missing_ok=True)

    def materialise(self, name: str, expr):
        """Compute ``expr`` once and return it as a table later queries read.

        A folder's tables go to the embedded engine's work file. On a database the
        result is a session-scoped temporary table (nothing is written to the user's
        schemas); when the backend refuses temporary tables the expression stays
        lazy, which is slower but gives the same rows.
        """
        if self.kind == "folder":
            return self.con.create_table(name, expr, overwrite=True)
        if getattr(self.con, "name", "") == "pyspark":  # Spark: kept in the cluster's memory
            self._cached.append(expr.cache())
            return self._cached[-1]
        if self._no_temp:
            return expr
        try:
            return self.con.create_table(f"kam_{name}", expr, temp=True, overwrite=True)
        except engine_errors():
            self._no_temp = True
            return expr

    def close(self) -> None:
        for t in self._cached:  # released while the session is open, not at exit
            try:
                t.release()
            except engine_errors():  # the session is ending anyway
                pass
        self._cached.clear()
        try:
            self.con.disconnect()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None


def check_cache_root() -> Path | None:
    """Where clean tables' check results are kept between runs: ``$KAM_CHECK_CACHE``
    when set (``0`` turns the cache off), else ``checks`` in the project's cache folder
    (:data:`kamlib.config.CACHE_DIR`)."""
    value = os.environ.get(CHECK_CACHE_ENV, "")
    if value.lower() in ("0", "off", "no", "false"):
        return None
    return Path(value) if value else config.CACHE_DIR / "checks"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, in hex (read in blocks; hashed at about 1.5 GB/s
    where the CPU has SHA instructions, as most do).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(Path(f.name))[:16]
    'ba7816bf8f01cfea'
    """
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fingerprint(folder: Path, files: dict[str, Path],
                digest: Callable[[str], str] | None = None) -> str:
    """Identity of a folder's contents and of the code that checks them.

    Each contract file's name and the sha256 of its whole content (``digest(table)``;
    :func:`file_sha256` of the file when not given), the folder's path, the kamlib
    version and the source of the contract and of the checks. Any change of any byte
    gives a new fingerprint, whatever the file's size and modification time say, so
    every table is checked again (a child's orphan check depends on its parents' files
    too). Hashing reads every byte once: a small cost next to parsing the same bytes,
    and the report's manifest reuses the same digests (:meth:`Source.digest`).
    """
    digest = digest or (lambda name: file_sha256(files[name]))
    h = hashlib.blake2b(f"{kamlib.__version__}|{folder.resolve()}".encode(), digest_size=20)
    here = Path(__file__).parent
    for module in ("contract.py", "validate.py", "sources.py"):
        h.update((here / module).read_bytes())
    for name in sorted(files):
        h.update(f"{name}|{files[name].name}|{digest(name)}".encode())
    return h.hexdigest()[:20]


def _cache_dir(folder: Path, source: Source) -> Path | None:
    """This folder's check cache (created, marked as used, older ones pruned)."""
    root = check_cache_root()
    if root is None:
        return None
    try:
        d = root / fingerprint(folder, source.files, source.digest)
        d.mkdir(parents=True, exist_ok=True)
        os.utime(d)
        others = sorted((p for p in root.iterdir() if p.is_dir() and p != d),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[KEEP_CHECKS - 1:]:
            if time.time() - old.stat().st_mtime > PRUNE_AFTER_S:  # surely not in use
                shutil.rmtree(old, ignore_errors=True)
    except OSError:  # an unwritable cache only costs speed
        return None
    return d


def open_source(location: str | os.PathLike, work_dir: str | os.PathLike | None = None,
                cache: bool = True) -> Source:
    """Open a folder of contract files or a database URL.

    Parameters
    ----------
    location : a folder holding ``<table>.csv`` / ``<table>.parquet`` files, or a URL.
    work_dir : where the embedded engine keeps its work file (default: a temporary
        folder removed on :meth:`Source.close`).
    cache : reuse (and keep) the check of clean tables when the folder's files are
        exactly those checked before (see :func:`check_cache_root`, :func:`fingerprint`).

    Raises
    ------
    SourceError : the folder does not exist, a table has two files, or the
        database cannot be reached (the message masks any password).
    """
    loc = str(location)
    if is_url(loc):
        return _open_url(loc)
    path = Path(loc).expanduser()
    if not path.is_dir():
        raise SourceError(f"data folder not found: {path}")
    files: dict[str, Path] = {}
    for name in TABLES:
        found = [path / f"{name}{s}" for s in FILE_SUFFIXES if (path / f"{name}{s}").is_file()]
        if len(found) > 1:
            raise SourceError(f"{path}: table {name} has several files "
                              f"({', '.join(f.name for f in found)}); keep one")
        if found:
            files[name] = found[0].resolve()
    tmp = tempfile.TemporaryDirectory(prefix="kam-") if work_dir is None else None
    work = Path(tmp.name if tmp else work_dir) / "work.duckdb"
    work.parent.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(str(work), threads=os.cpu_count() or 2)
    con.raw_sql("SET preserve_insertion_order = true")
    con.raw_sql("SET TimeZone = 'UTC'")  # naive timestamps are UTC; offsets are converted
    source = Source(location=str(path), kind="folder", con=con, files=files, _tmp=tmp)
    source.cache_dir = _cache_dir(path, source) if cache else None
    log.info("folder %s: %d contract file(s); check cache %s", path, len(files),
             source.cache_dir or "off")
    return source


# --------------------------------------------------------------------------- database URLs
SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""A schema named in ``?schema=``: letters, digits and underscores, not starting with a
digit, at most 63 characters (PostgreSQL's limit), so that it reads back exactly as it
was written, on every engine, without quoting rules."""
SECRET_PARAMS = frozenset({"password", "sslpassword"})
_SECRET_KEY = re.compile(r"pass|secret|token", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MASKED = re.compile(r"\*\*\*[:;,.)\]'\"]*")  # masked before: a message masked twice keeps its ':'
PROJECT_PARAMS = ("schema",)
CONNECT_TIMEOUT_S = 5
_NOT_PASSED = frozenset({"replication"})  # a replication session cannot run the queries


@dataclass(frozen=True)
class UrlParts:
    """A URL split as written (nothing decoded yet).

    The user info ends at the LAST ``@`` before the query string, so a password
    holding an unencoded ``@`` or ``/`` is still read whole (libpq would refuse or
    misread it; ``%40`` and ``%2F`` are the correct forms). A ``?`` or ``&`` in a
    password must be percent-encoded (``%3F``, ``%26``).
    """

    scheme: str
    user: str | None       # None: no user info at all
    password: str | None   # None: no ':' in the user info
    hosts: str             # "host:port,host2" as written
    path: str              # after the first '/' following the hosts
    query: tuple[tuple[str, str | None], ...]  # (key, value or None when no '=')

    @property
    def readable(self) -> bool:
        """False when the URL cannot be read as written: no user info, yet a port that
        is no number (``postgresql://kam:pa?ss@db`` with an unencoded ``?``). Such a URL
        is masked whole, since a password may hide in any part of it."""
        if self.user is not None:
            return True
        return all(_port_ok(port) for _, port in _split_hosts(self.hosts))


def split_url(url: str) -> UrlParts:
    scheme, _, rest = str(url).partition("://")
    head, qmark, query = rest.partition("?")
    userinfo, at, hostpath = head.rpartition("@")
    user = password = None
    if at:
        user, colon, pw = userinfo.partition(":")
        password = pw if colon else None
    hosts, _, path = hostpath.partition("/")
    pairs = []
    for piece in query.split("&") if qmark and query else []:
        key, eq, value = piece.partition("=")
        pairs.append((key, value if eq else None))
    return UrlParts(scheme, user, password, hosts, path, tuple(pairs))


def _split_hosts(hosts: str) -> list[tuple[str, str]]:
    """``[(host, port), …]`` of a URL's host list, as written (IPv6 in brackets)."""
    out = []
    for entry in hosts.split(",") if hosts else []:
        if entry.startswith("["):
            addr, _, tail = entry[1:].partition("]")
            out.append((addr, tail[1:] if tail.startswith(":") else tail))
        else:
            host, _, port = entry.partition(":")
            out.append((host, port))
    return out


def _port_ok(port: str) -> bool:
    return port == "" or port.isdigit()


def _is_secret(key: str) -> bool:
    k = unquote(key).lower()
    return k in SECRET_PARAMS or bool(_SECRET_KEY.search(k))


def _mask_one(url: str) -> str | None:
    """One URL with its passwords replaced by ``***``; None when it cannot be read."""
    p = split_url(url)
    if not p.readable:
        return None
    out = f"{p.scheme}://"
    if p.user is not None:
        out += p.user + (":***" if p.password is not None else "") + "@"
    out += p.hosts
    rest = str(url).partition("://")[2].partition("?")[0].rpartition("@")[2]
    out += _mask_path(rest[len(p.hosts):])  # the path as written, but for secrets
    if "?" in str(url).partition("://")[2]:
        # with a password in the query, a part without '=' may be the rest of it
        hide = any(v is not None and _is_secret(k) for k, v in p.query)
        out += "?" + "&".join(
            f"{k}=***" if v is not None and _is_secret(k) and not _MASKED.fullmatch(v) else
            f"{k}={v}" if v is not None else
            "***" if k and hide and not _MASKED.fullmatch(k) else k
            for k, v in p.query)
    return out


def _path_params(path: str) -> list[tuple[str, str]]:
    """The ``;name=value`` parameters of a URL's path (Spark Connect's form:
    ``sc://host:15002/;token=…``)."""
    return [(k, v) for k, eq, v in (seg.partition("=") for seg in path.split(";")[1:]) if eq]


def _mask_path(path: str) -> str:
    """A URL's path with the value of every secret ``;name=value`` parameter masked."""
    head, *segs = path.split(";")
    out = []
    for seg in segs:
        k, eq, v = seg.partition("=")
        out.append(f"{k}=***" if eq and _is_secret(k) and not _MASKED.fullmatch(v) else seg)
    return ";".join([head, *out])


def _mask_body(scheme: str, body: str) -> str:
    """``scheme://body`` masked; when it cannot be read, everything up to its last ``@``
    is hidden (a password may hide in any part of it)."""
    masked = _mask_one(f"{scheme}://{body}")
    if masked is not None:
        return masked
    at = body.rfind("@")
    if at < 0:
        return f"{scheme}://***"
    tail = _mask_one(f"{scheme}://{body[at + 1:]}")
    return f"{scheme}://***@" + (tail.partition("://")[2] if tail is not None else "***")


def url_secrets(url: str) -> list[str]:
    """Every password a URL holds, as written and decoded (to scrub them from a text)."""
    p = split_url(url)
    found = [p.password] if p.password else []
    found += [v for k, v in p.query if v and _is_secret(k)]
    found += [v for k, v in _path_params(p.path) if v and _is_secret(k)]
    found += [unquote(v) for v in found]
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` with the URLs in it masked and every password of ``url`` hidden."""
    text = mask_url(text)
    for secret in url_secrets(url):
        text = text.replace(secret, "***")
    return text


def is_postgres(url: str) -> bool:
    return str(url).partition("://")[0].lower().startswith("postgres")


def accepted_params() -> list[str]:
    """The query parameters a PostgreSQL URL may carry: libpq's connection keywords
    (those of the libpq in use) and kamlib's own ``schema``."""
    from psycopg import pq  # lazy: only a PostgreSQL URL needs the driver loaded

    keys = {o.keyword.decode() for o in pq.Conninfo.get_defaults()}
    return sorted(keys - _NOT_PASSED) + list(PROJECT_PARAMS)


def postgres_params(url: str) -> dict[str, str]:
    """libpq connection parameters of a ``postgresql://`` URL, percent-decoded.

    Only what the URL says is set, so libpq fills in the rest as it always does:
    ``PGHOST``, ``PGUSER``, ``PGPASSWORD``, ``~/.pgpass`` (``PGPASSFILE``), a service
    (``?service=`` or ``PGSERVICE``, from ``pg_service.conf`` / ``PGSERVICEFILE``). An
    empty password counts as none. Every libpq keyword is passed through from the
    query string (``sslmode``, ``sslrootcert``, ``application_name``, …); an unknown or
    repeated one is refused by name. A connect timeout of 5 s applies unless the URL,
    ``PGCONNECT_TIMEOUT`` or a service says otherwise.

    >>> postgres_params("postgresql://kam:pa%40ss@db:5433/crm?sslmode=require&schema=kam")
    {'host': 'db', 'port': '5433', 'user': 'kam', 'password': 'pa@ss', 'dbname': 'crm', \
'sslmode': 'require', 'connect_timeout': '5'}
    """
    p = split_url(url)
    shown = display_name(url)
    hosts = _split_hosts(p.hosts)
    if not p.readable or not all(_port_ok(port) for _, port in hosts):
        raise SourceError(f"{shown}: the port is not a number; in a user name or password "
                          "write '?' as %3F, '&' as %26, '/' as %2F and '@' as %40")
    params: dict[str, str] = {}
    if any(h for h, _ in hosts):
        params["host"] = ",".join(unquote(h) for h, _ in hosts)
    if any(port for _, port in hosts):
        params["port"] = ",".join(port for _, port in hosts)
    if p.user:
        params["user"] = unquote(p.user)
    if p.password:
        params["password"] = unquote(p.password)
    if p.path:
        params["dbname"] = unquote(p.path)
    accepted = accepted_params()
    seen: set[str] = set()
    for raw_key, raw_value in p.query:
        key = unquote(raw_key)
        if raw_value is None or not _NAME.fullmatch(key):
            raise SourceError(f"{shown}: the query string has a part that is not "
                              "'name=value'; in a value write '&' as %26 and '?' as %3F")
        if key in seen:
            raise SourceError(f"{shown}: connection parameter '{key}' is given twice")
        seen.add(key)
        if key not in accepted:
            raise SourceError(f"{shown}: unknown connection parameter '{key}'; accepted: "
                              f"{', '.join(accepted)}")
        if key not in PROJECT_PARAMS:
            params[key] = unquote(raw_value)
    if "password" in params and not params["password"]:
        del params["password"]  # leave libpq free to use PGPASSWORD or ~/.pgpass
    service = params.get("service") or os.environ.get("PGSERVICE")
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT") \
            and not service:
        params["connect_timeout"] = str(CONNECT_TIMEOUT_S)
    return params


def where(url: str) -> str:
    """How messages name the server of a URL: ``host db``, ``service kam``, or libpq's
    default host."""
    if spark.is_spark(url):
        return spark.where(url)
    try:
        params = postgres_params(url) if is_postgres(url) else {}
    except SourceError:
        params = {}
    if params.get("host"):
        return f"host {params['host']}"
    if params.get("service") or os.environ.get("PGSERVICE"):
        return f"service {params.get('service') or os.environ.get('PGSERVICE')}"
    parts = split_url(url)
    host = next((h for h, _ in _split_hosts(parts.hosts) if h), "")
    if host:
        return f"host {unquote(host)}"
    return "the default host" if is_postgres(url) else f"file /{parts.path}"


def cannot_open(url: str, exc: BaseException) -> SourceError:
    """The error for a URL that cannot be opened: names the host, masks the password."""
    return SourceError(f"cannot open {display_name(url)} ({where(url)}): "
                       f"{scrub(first_line(exc), url)}")


def connect_postgres(url: str, autocommit: bool = False):
    """A psycopg connection for a ``postgresql://`` URL (see :func:`postgres_params`).

    Raises SourceError, naming the host and masking the password, when it fails.
    """
    import psycopg  # lazy: only a PostgreSQL URL needs the driver loaded

    params = postgres_params(url)
    try:
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.Error as exc:
        raise cannot_open(url, exc) from None


def url_schema(url: str) -> str | None:
    """The schema a URL names with ``?schema=``, or None; an unsafe name is refused.

    >>> url_schema("postgresql://u@h/db?schema=crm"), url_schema("duckdb:///x.duckdb")
    ('crm', None)
    """
    values = [v for k, v in split_url(url).query if unquote(k) == "schema"]
    if not values:
        return None
    schema = unquote(values[-1] or "")
    if not SCHEMA_NAME.fullmatch(schema):
        raise SourceError(f"{display_name(url)}: schema name {schema!r} is not accepted: use "
                          "letters, digits and underscores (A-Z, a-z, 0-9, _), not starting "
                          "with a digit, at most 63 characters")
    return schema


#: Session settings under which PostgreSQL gives the same results on every run of the
#: same query on the same rows. A parallel plan adds up a group's doubles in the order its
#: workers happen to deliver them, and a synchronised scan starts wherever another scan
#: of the table is: either changes the last bits of a sum (measured at 9.9 M
#: interactions: 34 lines of kpis.csv differed between two runs). One process reading
#: each table from its first row costs about 17 % of ``kam kpis`` there.
PG_STEADY = {"max_parallel_workers_per_gather": "0", "synchronize_seqscans": "off"}


def _steady(con, shown: str) -> None:
    """Apply :data:`PG_STEADY` to this session only (nothing on the server changes). A
    server that refuses a setting still serves the data: the run goes on, with a
    warning that its sums may differ in their last bits from one run to the next."""
    for name, value in PG_STEADY.items():
        try:
            with con.con.cursor() as cur:
                cur.execute("SELECT set_config(%s, %s, false)", (name, value))
        except engine_errors() as exc:
            log.warning("%s: could not set %s = %s for the session (%s); sums may then "
                        "differ in their last bits from run to run", shown, name, value,
                        str(exc).strip().splitlines()[0] if str(exc).strip() else exc)


def _open_url(url: str) -> Source:
    schema = url_schema(url)  # an unsafe name is refused before anything is opened
    shown = display_name(url)
    if is_postgres(url):
        params = postgres_params(url)  # a bad parameter is refused before connecting
        try:
            con = ibis.postgres.connect(
                host=params.pop("host", None), port=params.pop("port", None),
                user=params.pop("user", None), password=params.pop("password", None),
                database=params.pop("dbname", None), **params)
        except connect_errors() as exc:  # drivers raise many types; all mean "cannot open"
            raise cannot_open(url, exc) from None
        _steady(con, shown)
    elif spark.is_spark(url):
        try:
            con = spark.connect(url)
        except connect_errors() as exc:  # Java missing, no server, a session refused
            raise cannot_open(url, exc) from None
    else:
        try:
            con = ibis.connect(str(url).split("?")[0] if schema else url)
        except connect_errors() as exc:
            raise cannot_open(url, exc) from None
    if schema is not None:
        try:
            schemas = [s for s in con.list_databases()
                       if not s.startswith(("pg_", "information_schema"))]
        except engine_errors():  # a backend that cannot list schemas: tables are checked later
            schemas = [schema]
        if schema not in schemas:
            con.disconnect()
            raise SourceError(f"{shown} ({where(url)}): schema {schema} does not exist; "
                              f"the database has {', '.join(sorted(schemas)) or 'none'}")
    return Source(location=shown, kind="database", con=con, schema=schema)
