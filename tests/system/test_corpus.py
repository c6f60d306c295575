"""The bad-input corpus: every way an export can break the data contract.

``tests/corpus/base/`` is a tiny, hand-written, valid data set (all 15 contract
tables). Each folder of ``tests/corpus/cases/`` holds only what differs from it:

* ``<table>.csv`` (or any other file): replaces or adds that file, in full, so a
  reader sees the broken input as the user would;
* ``<table>.csv.remove``: an empty marker deleting ``<table>.csv`` from the copy;
* ``expect.json``: the expected outcome (schema in ``tests/corpus/README.md``).

Every case runs through the API (:func:`kamlib.data.validate.validate`) and once
through the command line in a subprocess: a structural case must exit 2 with its
message, a valid case 0, and a quarantine case runs with ``--strict`` and must
exit 3. The plain (exit 0) CLI run of quarantine cases, which the API tests
already check row by row, is done for :data:`PLAIN_QUARANTINE` only, to keep the
module near a minute on two cores; set ``KAM_CORPUS_FULL_CLI=1`` to run it for
every quarantine case. The subprocesses start together, in a small thread pool,
at the first test of the module, so they overlap with the API tests.

A case that shows a bug in kamlib says so in its ``expect.json`` (``xfail``: the
test that fails and why); it is marked ``xfail(strict=True)``, so the fix must
remove the mark.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from corpus_cases import BASE, CASES, REMOVE, case_names, load_expect, materialise

from kamlib.data.contract import RULES, TABLES
from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.errors import ContractError, SourceError, StrictModeError

REPO = Path(__file__).resolve().parents[2]
KINDS = ("structural", "source", "quarantine", "valid")
BASE_JOB = "<base>"
MARKUP_JOB = "<markup folder>"
MARKUP_FOLDER = Path("exports[", "]2024")  # the --data path ends in "exports[/]2024"
PLAIN_QUARANTINE = ("orphan_cascade",)
"""Quarantine cases whose plain CLI run (exit 0, faults table) is always checked."""
FULL_CLI = os.environ.get("KAM_CORPUS_FULL_CLI") == "1"


# --------------------------------------------------------------------------- corpus
def expected_faults(expect: dict) -> list[dict]:
    """The expected row faults: the ``faults`` list or the single top-level one."""
    if "faults" in expect:
        return expect["faults"]
    return [{k: expect[k] for k in ("table", "rule", "column", "rows")}]


def params(test: str, kinds: tuple[str, ...] = KINDS, also: tuple[str, ...] = ()) -> list:
    """Cases of the given kinds (plus the cases named in ``also``) as pytest params,
    ``xfail(strict=True)`` where the case's ``expect.json`` names a known kamlib bug
    for this ``test`` (``api``, ``cli`` or ``strict``)."""
    out = []
    for name in case_names():
        expect = load_expect(name)
        if expect["kind"] not in kinds and name not in also:
            continue
        reason = expect.get("xfail", {}).get(test)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def csv_records(path: Path) -> dict[int, dict[str, str]]:
    """The data records of a CSV file keyed by their spreadsheet row (header: row 1).

    Read by Python's csv module, the oracle the engine is compared with; blank
    lines are no records. A record whose quoted field spans several lines is still
    one row, as in a spreadsheet.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        records = {}
        for rec in reader:
            if rec:
                records[len(records) + 2] = dict(zip(header, rec, strict=True))
    return records


def message_matches(messages: list[str], expect: dict) -> bool:
    """Whether some single message holds every fragment of ``expect["messages"]``.

    ``messages`` may also be a list of such fragment lists: alternatives, any of
    which may match (e.g. a binary file reported as "not CSV" or as "not UTF-8").
    """
    wanted = expect["messages"]
    alternatives = wanted if isinstance(wanted[0], list) else [wanted]
    return any(all(w in m for w in alt) for alt in alternatives for m in messages)


def assert_messages(messages: list[str], expect: dict) -> None:
    """Some message holds the expected fragments; none holds a ``not_messages`` one."""
    assert message_matches(messages, expect), (
        f"no single message contains all of {expect['messages']}:\n" + "\n".join(messages))
    for bad in expect.get("not_messages", []):
        assert not any(bad in m for m in messages), f"{bad!r} should not be reported: {messages}"


# --------------------------------------------------------------------------- API checks
def check_accounting(vd, folder: Path) -> None:
    """``rows read = rows used + rows quarantined`` for every table, and nothing lost.

    Rows read must equal the records Python's csv module finds in the file, the
    used rows must be what :meth:`ValidatedData.table` returns, and every supplied
    table must be in the summary.
    """
    supplied = {t for t in TABLES if (folder / f"{t}.csv").is_file()}
    assert set(vd.summary["table"]) == supplied
    for r in vd.summary.itertuples():
        assert r.rows_read == r.rows_used + r.rows_quarantined, r
        assert r.rows_read == len(csv_records(folder / r.file)), f"{r.file}: rows lost on read"
        assert vd.table(r.table).count().execute() == r.rows_used, r.table


def check_quarantine(vd, folder: Path, faults: list[dict]) -> None:
    """The faults frame is exactly ``faults``; quarantined rows keep their raw values.

    Each quarantined row's ``row`` must be its record's spreadsheet row (header = 1),
    and every raw value must equal the file's text for that record.
    """
    cols = ["table", "rule", "column", "rows"]
    got = vd.faults[cols].to_dict("records")
    key = lambda f: (f["table"], f["rule"], f["column"])  # noqa: E731
    assert sorted(got, key=key) == sorted(({c: f[c] for c in cols} for f in faults), key=key)
    for f in faults:
        if "first_row" in f:
            row = vd.faults[(vd.faults["table"] == f["table"]) & (vd.faults["rule"] == f["rule"])
                            & (vd.faults["column"] == f["column"])]
            assert row["first_row"].tolist() == [f["first_row"]]
    for table in {f["table"] for f in faults}:
        want = sum(f["rows"] for f in faults if f["table"] == table)
        summary = vd.summary.set_index("table").loc[table]
        assert summary.rows_quarantined == want
        q = vd.quarantine(table)
        assert len(q) == want
        assert set(zip(q["rule"], q["column"], strict=True)) == {
            (f["rule"], f["column"]) for f in faults if f["table"] == table}
        records = csv_records(folder / summary.file)
        for row in q.to_dict("records"):
            at = int(row["row"])
            assert at in records, f"{summary.file}: no record at row {at}"
            for col in vd.present[table]:
                value = "" if row[col] is None or pd.isna(row[col]) else row[col]
                assert value == records[at][col], f"{table} row {at} {col}: raw value changed"


def check_valid(vd, expect: dict) -> None:
    """Extra expectations of a valid case: row counts, absent parts, kept values and
    the quarter chosen when none is given."""
    assert vd.faults.empty, vd.faults.to_string()
    summary = vd.summary.set_index("table")
    for table, n in expect.get("rows", {}).items():
        assert summary.loc[table, "rows_read"] == summary.loc[table, "rows_used"] == n
    for table in expect.get("absent_tables", []):
        assert not vd.has(table)
        assert table not in summary.index
    for table, cols in expect.get("absent_columns", {}).items():
        for col in cols:
            assert not vd.has_column(table, col)
    for table, cols in expect.get("extra_columns", {}).items():
        assert set(cols) <= set(vd.table(table).columns), f"{table}: extra columns were dropped"
    for v in expect.get("values", []):
        frame = vd.frame(v["table"])
        row = frame[frame[TABLES[v["table"]].key] == v["key"]]
        assert len(row) == 1, f"{v['table']} {v['key']} is not among the used rows"
        assert str(row.iloc[0][v["column"]]) == v["value"]
    if "default_quarter" in expect:
        from kamlib.config import Settings
        from kamlib.kpis.compute import resolve_quarter

        assert str(resolve_quarter(vd, None, Settings())) == expect["default_quarter"]


def test_base_is_valid(tmp_path: Path) -> None:
    """The base data set carries all 15 tables, 2-6 rows each, and breaks no rule."""
    folder = materialise(None, tmp_path / "data")
    with validate(open_source(folder)) as vd:
        assert set(vd.summary["table"]) == set(TABLES)
        assert vd.faults.empty, vd.faults.to_string()
        assert (vd.summary["rows_quarantined"] == 0).all()
        assert vd.summary["rows_read"].between(2, 6).all()
        check_accounting(vd, folder)


@pytest.mark.parametrize("case", params("api"))
def test_api(case: str, tmp_path: Path) -> None:
    """The API raises, quarantines or accepts exactly as ``expect.json`` says."""
    expect = load_expect(case)
    folder = materialise(case, tmp_path / "data")
    kind = expect["kind"]
    if kind == "source":
        with pytest.raises(SourceError) as info:
            validate(open_source(folder))
        assert_messages([str(info.value)], expect)
    elif kind == "structural":
        with pytest.raises(ContractError) as info:
            validate(open_source(folder))
        assert not isinstance(info.value, StrictModeError)
        assert_messages(info.value.faults, expect)
    else:
        with validate(open_source(folder)) as vd:
            check_accounting(vd, folder)
            if kind == "quarantine":
                check_quarantine(vd, folder, expected_faults(expect))
            else:
                check_valid(vd, expect)


# --------------------------------------------------------------------------- CLI checks
CLI_TESTS = {"test_cli_base": (BASE_JOB, False), "test_cli": (None, False),
             "test_cli_strict": (None, True), "test_cli_markup_in_folder_name": (MARKUP_JOB, False)}
"""CLI test name -> (job, whether it runs with ``--strict``); job None: the ``case`` param."""


def _run_cli(folder: Path, strict: bool) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kamlib", "validate", "--data", str(folder)]
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(cmd + (["--strict"] if strict else []), capture_output=True,
                          text=True, errors="replace", env=env, cwd=REPO, timeout=300)


@pytest.fixture(scope="module", autouse=True)
def cli(request, tmp_path_factory):
    """Start every CLI run the selected tests need, at once, in the background.

    Returns a function ``(job, strict) -> CompletedProcess`` that waits for that run.
    """
    jobs: set[tuple[str, bool]] = set()
    for item in request.session.items:
        job, strict = CLI_TESTS.get(getattr(item, "originalname", ""), ("", False))
        if job is None:
            job = item.callspec.params["case"]
        if job:
            jobs.add((job, strict))
    root = tmp_path_factory.mktemp("cli")
    folders = {}
    for i, job in enumerate(sorted({j for j, _ in jobs})):
        if job == MARKUP_JOB:
            folders[job] = materialise(None, root / "m" / MARKUP_FOLDER)
        else:
            folders[job] = materialise(None if job == BASE_JOB else job, root / f"c{i}")
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    futures: dict[tuple[str, bool], Future] = {
        job: pool.submit(_run_cli, folders[job[0]], job[1]) for job in sorted(jobs)}

    def result(job: str, strict: bool) -> subprocess.CompletedProcess:
        return futures[(job, strict)].result()

    yield result
    pool.shutdown(wait=True, cancel_futures=True)


def _output(r: subprocess.CompletedProcess) -> str:
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    return out


def _line_with(out: str, *fragments: str) -> bool:
    return any(all(f in line for f in fragments) for line in out.splitlines())


def test_cli_base(cli) -> None:
    """``kam validate --data base`` exits 0 and reports no row fault."""
    r = cli(BASE_JOB, False)
    out = _output(r)
    assert r.returncode == 0, out
    assert "no row breaks the contract" in out
    assert "holds for every table" in out


@pytest.mark.parametrize("case", params(
    "cli", KINDS if FULL_CLI else ("structural", "source", "valid"), also=PLAIN_QUARANTINE))
def test_cli(case: str, cli) -> None:
    """Exit code 2 with the fault message for structural cases, 0 otherwise; no traceback.

    A quarantine case must also list each fault (file, rule, column) on one line.
    """
    expect = load_expect(case)
    r = cli(case, False)
    out = _output(r)
    if expect["kind"] in ("structural", "source"):
        assert r.returncode == 2, out
        assert_messages(out.splitlines(), expect)
        return
    assert r.returncode == 0, out
    assert "holds for every table" in out
    if expect["kind"] == "valid":
        assert "no row breaks the contract" in out
    for f in expected_faults(expect) if expect["kind"] == "quarantine" else []:
        assert _line_with(out, f"{f['table']}.csv", f["rule"], f["column"]), out


@pytest.mark.parametrize("case", params("strict", ("quarantine",)))
def test_cli_strict(case: str, cli) -> None:
    """``--strict`` turns the row faults of a quarantine case into exit code 3.

    Each fault is named on one line with its file, rule and (when the case gives
    it) the spreadsheet row of its first record.
    """
    r = cli(case, True)
    out = _output(r)
    assert r.returncode == 3, out
    for f in expected_faults(load_expect(case)):
        where = [f"row {f['first_row']}"] if "first_row" in f else []
        assert _line_with(out, f"{f['table']}.csv", f["rule"], *where), out


def test_cli_markup_in_folder_name(cli) -> None:
    """A data folder whose path looks like Rich markup is printed verbatim, exit 0."""
    r = cli(MARKUP_JOB, False)
    out = _output(r)
    assert r.returncode == 0, out
    assert str(Path(*MARKUP_FOLDER.parts)) in out


# --------------------------------------------------------------------------- the corpus itself
def test_corpus_is_large_and_well_formed() -> None:
    """At least 15 cases, each with a reason, a known kind and only contract files."""
    names = case_names()
    assert len(names) >= 15
    for name in names:
        expect = load_expect(name)
        assert expect.get("why"), f"{name}: expect.json needs a 'why'"
        assert expect["kind"] in KINDS, name
        assert set(expect.get("xfail", {})) <= {"api", "cli", "strict"}, name
        for f in (CASES / name).iterdir():
            stem = f.name.removesuffix(REMOVE)
            assert f.name == "expect.json" or stem.split(".")[0] in TABLES, (
                f"{name}: unexpected file {f.name}")
            if f.name.endswith(REMOVE):
                assert (BASE / stem).is_file() and f.stat().st_size == 0, f


def test_corpus_covers_every_kind_and_rule() -> None:
    """Every outcome kind and every row rule of the contract has at least one case."""
    expects = [load_expect(n) for n in case_names()]
    assert {e["kind"] for e in expects} == set(KINDS)
    rules = {f["rule"] for e in expects if e["kind"] == "quarantine" for f in expected_faults(e)}
    assert rules == set(RULES)
