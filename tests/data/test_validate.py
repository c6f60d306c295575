"""Validation of the sample, the period view and the reconciliation of counts."""

from datetime import date

import pandas as pd
import pytest

from kamlib.data.contract import TABLES
from kamlib.data.sources import open_source
from kamlib.data.validate import validate


def test_sample_is_clean_and_complete(sample_data):
    s = sample_data.summary
    assert set(s.table) == set(TABLES)  # all 15 tables, optional ones included
    assert (s.rows_read == s.rows_used + s.rows_quarantined).all()
    assert s.rows_quarantined.sum() == 0
    assert len(sample_data.faults) == 0


def test_used_tables_are_typed(sample_data):
    c = sample_data.table("contracts").schema()
    assert c["start_on"].is_date() and c["annual_value"].is_floating()
    i = sample_data.table("interactions").schema()
    assert i["occurred_at"].is_timestamp() and i["is_request"].is_boolean()
    assert sample_data.table("nps_responses").schema()["score"].is_integer()


def test_period_view_ignores_later_rows_without_quarantining(sample_copy):
    # add a response dated after as_of: it is valid, in the used rows, but outside the view
    p = sample_copy / "nps_responses.csv"
    df = pd.read_csv(p, dtype=str)
    late = df.iloc[[0]].assign(response_id="R_LATE", responded_on="2026-12-15")
    pd.concat([df, late]).to_csv(p, index=False)
    with validate(open_source(sample_copy)) as vd:
        assert vd.faults.empty
        used = vd.table("nps_responses")
        assert used.filter(used.response_id == "R_LATE").count().execute() == 1
        view = vd.view(date(2026, 9, 30))["nps_responses"]
        assert view.filter(view.response_id == "R_LATE").count().execute() == 0
        assert view.count().execute() == len(df)
        # timestamps: an interaction at 23:59 on as_of is inside, one a minute later is not
        inter = vd.view(date(2026, 9, 29))["interactions"]
        last = inter.occurred_at.max().execute()
        assert last < pd.Timestamp("2026-09-30")


def test_missing_optional_table_is_absent_not_fatal(sample_copy):
    (sample_copy / "mentions.csv").unlink()
    (sample_copy / "assignments.csv").unlink()
    with validate(open_source(sample_copy)) as vd:
        assert not vd.has("mentions") and not vd.has("assignments")
        assert vd.has("contracts")


def test_parquet_and_csv_read_the_same(sample_copy):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    src = sample_copy / "contracts.csv"
    pq.write_table(pacsv.read_csv(src), sample_copy / "contracts.parquet")
    src.unlink()
    with validate(open_source(sample_copy)) as vd:
        assert vd.summary.set_index("table").loc["contracts", "file"] == "contracts.parquet"
        a = vd.frame("contracts").sort_values("contract_id").reset_index(drop=True)
    assert len(a) > 0 and a["start_on"].notna().all()


# --------------------------------------------------------------------------- fast path
def _used_frames(folder, monkeypatch=None, full_only=False) -> dict[str, pd.DataFrame]:
    import kamlib.data.validate as v

    if full_only:
        monkeypatch.setattr(v, "_fast_check", lambda *a, **k: None)
    with validate(open_source(folder)) as vd:
        frames = {}
        for name in vd.tables:
            f = vd.frame(name)
            key = TABLES[name].key
            frames[name] = f.sort_values([key] if key else list(f.columns), ignore_index=True)
        return frames


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_fast_path_reads_the_sample_exactly_as_the_full_check(sample_dir, monkeypatch):
    """Clean tables skip the cell-by-cell check (the typed reader parses them into a
    Parquet copy); the used rows must be the same, value for value and type for type."""
    fast = _used_frames(sample_dir)
    _same(fast, _used_frames(sample_dir, monkeypatch, full_only=True))


def test_fast_path_is_taken_only_for_clean_tables(tmp_path, monkeypatch):
    from corpus_cases import materialise

    import kamlib.data.validate as v

    calls: list[str] = []
    real = v._full_check
    monkeypatch.setattr(v, "_full_check",
                        lambda source, table, *a: calls.append(table.name) or real(source, table, *a))
    folder = materialise("tolerated_formatting", tmp_path / "data")  # padded, upper-case cells
    with validate(open_source(folder)) as vd:
        assert vd.faults.empty
    assert calls and len(calls) < len(TABLES)  # untidy tables only
    monkeypatch.undo()
    base = materialise(None, tmp_path / "base")
    calls.clear()
    monkeypatch.setattr(v, "_full_check",
                        lambda source, table, *a: calls.append(table.name) or real(source, table, *a))
    with validate(open_source(base)) as vd:
        assert vd.faults.empty
    assert calls == []


def test_fast_path_and_full_check_agree_on_every_valid_corpus_case(tmp_path, monkeypatch):
    from corpus_cases import case_names, load_expect, materialise

    for case in [c for c in case_names() if load_expect(c)["kind"] == "valid"]:
        folder = materialise(case, tmp_path / case)
        fast = _used_frames(folder)
        with monkeypatch.context() as m:
            full = _used_frames(folder, m, full_only=True)
        _same(fast, full)


def test_clean_files_are_staged_as_parquet(sample_dir):
    with validate(open_source(sample_dir)) as vd:
        assert not any(t.startswith("checked_") for t in vd.con.list_tables())
        for name in ("interactions", "contracts"):
            assert vd.source.work_path(f"typed_{name}.parquet").exists()
        n = vd.table("interactions").count().execute()
        assert n == vd.summary.set_index("table").loc["interactions", "rows_used"]


def test_parquet_export_reads_the_same_as_csv(sample_dir, tmp_path):
    """Every table exported as Parquet (types as pyarrow infers them from the CSV)
    is checked in place by the fast path and gives the same used rows."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    folder = tmp_path / "parquet"
    folder.mkdir()
    empty_is_null = pacsv.ConvertOptions(strings_can_be_null=True)  # as a database writes
    for f in sample_dir.glob("*.csv"):
        pq.write_table(pacsv.read_csv(f, convert_options=empty_is_null),
                       folder / f"{f.stem}.parquet")
    with validate(open_source(folder)) as vd:  # clean: nothing copied, all read in place
        assert not any(t.startswith("checked_") for t in vd.con.list_tables())
    a, b = _used_frames(sample_dir), _used_frames(folder)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


# --------------------------------------------------------------------------- check cache
@pytest.fixture()
def check_cache(tmp_path, monkeypatch):
    root = tmp_path / "checks"
    monkeypatch.setenv("KAM_CHECK_CACHE", str(root))
    return root


def test_a_second_check_of_the_same_files_is_read_from_the_cache(sample_dir, check_cache,
                                                                   monkeypatch):
    import kamlib.data.validate as v

    cold = _used_frames(sample_dir)
    assert len(list(check_cache.glob("*/check_*.json"))) == len(cold)
    calls = []
    real = v._fast_check

    def spy(source, table, *a):
        calls.append(source.cached_check(table.name) is not None)
        return real(source, table, *a)

    monkeypatch.setattr(v, "_fast_check", spy)
    _same(cold, _used_frames(sample_dir))
    assert calls and all(calls)


def test_the_cache_never_serves_a_changed_folder(sample_copy, check_cache):
    """A parent's change invalidates its children too: an account removed from
    accounts.csv turns its unchanged interactions into orphans."""
    before = _used_frames(sample_copy)
    accounts = (sample_copy / "accounts.csv").read_text().splitlines(keepends=True)
    gone = accounts[1].split(",")[0].strip('"')
    (sample_copy / "accounts.csv").write_text("".join(accounts[:1] + accounts[2:]))
    with validate(open_source(sample_copy)) as vd:
        orphans = vd.faults[(vd.faults.table == "interactions")
                            & (vd.faults.rule == "orphan_reference")]
        assert len(orphans) == 1 and orphans.rows.iloc[0] > 0
        assert gone not in set(vd.frame("interactions").account_id)
    assert gone in set(before["interactions"].account_id)
    assert len([d for d in check_cache.iterdir() if d.is_dir()]) == 2


def test_the_cache_can_be_turned_off(sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CHECK_CACHE", "0")
    with validate(open_source(sample_dir)) as vd:
        assert vd.source.cache_dir is None
        assert vd.source.work_path("x").parent != tmp_path


def test_old_check_results_are_pruned(sample_dir, check_cache):
    import os
    import time

    from kamlib.data import sources

    check_cache.mkdir(parents=True)
    stale = []
    for i in range(sources.KEEP_CHECKS + 2):
        d = check_cache / f"old{i}"
        d.mkdir()
        t = time.time() - sources.PRUNE_AFTER_S - 100 - i
        os.utime(d, (t, t))
        stale.append(d)
    with validate(open_source(sample_dir)):
        pass
    kept = [d for d in stale if d.exists()]
    assert len(kept) == sources.KEEP_CHECKS - 1  # with the folder just checked: KEEP_CHECKS
    assert kept == stale[: sources.KEEP_CHECKS - 1]  # the most recently used stay


def test_an_edit_in_the_middle_of_a_file_is_never_served_from_the_cache(sample_copy,
                                                                         check_cache):
    """The cache key hashes every byte: an edit of the same length in the middle of a
    large file, with its modification time put back, is checked again."""
    import os

    f = sample_copy / "interactions.csv"
    data = f.read_bytes()
    assert len(data) > 4 << 20
    with validate(open_source(sample_copy)) as vd:
        assert vd.faults.empty
    st = f.stat()
    mid = data.index(b'"inbound"', len(data) // 2)
    f.write_bytes(data[:mid] + b'"inbxund"' + data[mid + len(b'"inbound"'):])
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    with validate(open_source(sample_copy)) as vd:
        assert vd.faults[["table", "rule", "column", "rows"]].to_dict("records") == [
            {"table": "interactions", "rule": "not_in_domain", "column": "direction", "rows": 1}]


# --------------------------------------------------------------------------- strict values
VALUE_CASES = ("date_not_iso", "number_not_plain_decimal", "money_beyond_bound",
               "timestamp_offset_out_of_range", "nul_byte", "extra_columns_internal_names",
               "cr_line_endings", "renewal_of_other_account", "orphan_within_table_renewal_chain")


def _faults(folder, monkeypatch=None, full_only=False) -> list[dict]:
    import kamlib.data.validate as v

    if full_only:
        monkeypatch.setattr(v, "_fast_check", lambda *a, **k: None)
    with validate(open_source(folder)) as vd:
        return vd.faults[["table", "rule", "column", "rows"]].to_dict("records")


@pytest.mark.parametrize("case", VALUE_CASES)
def test_fast_path_and_full_check_agree_on_strict_values(case, tmp_path, monkeypatch):
    """The typed fast path (the engine's own readers are lenient: 'epoch' is a date and
    '1_000' a number to them) sets aside exactly the rows the cell-by-cell check does
    and uses the same rows."""
    from corpus_cases import materialise

    folder = materialise(case, tmp_path / "data")
    fast, fast_faults = _used_frames(folder), _faults(folder)
    with monkeypatch.context() as m:
        full, full_faults = _used_frames(folder, m, full_only=True), _faults(folder, m, True)
    assert fast_faults == full_faults
    _same(fast, full)


def test_the_money_bound_comes_from_the_settings(tmp_path, monkeypatch, check_cache):
    """``max_money`` in the settings lowers the bound; a clean check cached under the old
    bound is not reused. ``validate`` never reads kam.toml behind the caller's back: the
    command line loads it and passes it on."""
    from corpus_cases import materialise
    from kam_cli import kam

    from kamlib.config import Settings, load_settings

    folder = materialise(None, tmp_path / "data")
    assert _faults(folder) == []
    toml = tmp_path / "kam.toml"
    toml.write_text("[settings]\nmax_money = 100000\n")
    monkeypatch.setenv("KAM_CONFIG", str(toml))
    assert _faults(folder) == []  # the documented defaults, whatever kam.toml says
    with validate(open_source(folder), settings=load_settings()) as vd:
        assert vd.faults[["table", "rule", "column", "rows"]].to_dict("records") == [
            {"table": "contracts", "rule": "out_of_range", "column": "annual_value", "rows": 2}]
    r = kam("validate", "--data", str(folder))  # the environment names the kam.toml
    assert r.returncode == 0, r.stderr
    assert "out_of_range" in r.stdout and "annual_value" in r.stdout
    with validate(open_source(folder), settings=Settings(max_money=1e6)) as vd:
        assert vd.faults.empty


def test_used_rows_are_closed_under_their_references(tmp_path):
    """What a database copy enforces holds for the used rows of a folder: every
    reference names a used row (also within one table) and a renewal continues a
    contract of the same account, so the copy reads back without a fault."""
    from corpus_cases import materialise

    from kamlib.data.contract import TABLE_LIST

    for case in ("orphan_within_table_referred_by", "orphan_within_table_renewal_chain",
                 "renewal_of_other_account", "orphan_cascade"):
        folder = materialise(case, tmp_path / case)
        with validate(open_source(folder)) as vd:
            frames = {t: vd.frame(t) for t in vd.tables}
        for table in TABLE_LIST:
            for col, parent, pcol in table.refs if table.name in frames else []:
                refs = set(frames[table.name][col.name].dropna())
                assert refs <= set(frames[parent][pcol]), (case, table.name, col)
        c = frames["contracts"]
        owner = dict(zip(c.contract_id, c.account_id, strict=True))
        renewals = c[c.renewal_of.notna()]
        assert (renewals.renewal_of.map(owner) == renewals.account_id).all(), case


def test_small_tables_are_read_once_and_copied(tmp_path):
    from kpi_builder import DataSet

    from kamlib.data.validate import READ_ONCE

    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    ds.touch("A", "2026-07-05T09:00:00")
    with ds.load(tmp_path) as data:
        first = data.frame("accounts")
        touches = data.frame("interactions")
        tables = data.tables
        data.tables = {}  # a table read from the engine now would fail
        again = data.frame("accounts")
        pd.testing.assert_frame_equal(first, again)
        again.loc[0, "kam_id"] = "changed"  # a copy: the next caller is not affected
        assert data.frame("accounts").loc[0, "kam_id"] != "changed"
        with pytest.raises(KeyError):  # an event table is read anew each time
            data.frame("interactions")
        data.tables = tables
    assert "accounts" in READ_ONCE and "interactions" not in READ_ONCE and len(touches) == 1
