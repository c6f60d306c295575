"""kam export's tables and writers (kamlib.report.export) on a hand-made bundle: the tables
taken from the bundle's frames, each format read back, hostile text kept inert, atomic
replacement and clear errors for unusable paths."""

from __future__ import annotations

import os
import zipfile
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest
from bundle_builder import small_bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlib.errors import OutputError, ParameterError
from kamlib.report import export

HOSTILE = '=HYPERLINK("http://evil.example","click")'
KPIS = pd.DataFrame({
    "kpi": ["nps", "logo_churn_rate", "nps", "clv_total", "logo_churn_rate"],
    "grain": ["company", "kam", "kam", "kam", "kam"],
    "group": ["all", "K1", "K1", "K2", "K2"],
    "period": "2026Q3",
    "value": [12.5, 0.05, -10.0, 1_234_567.0, 0.0],
    "low": [2.5, 0.01, np.nan, np.nan, 0.0],
    "high": [22.5, 0.2, np.nan, np.nan, 0.3],
    "n": [40, 20, 10, 5, 8],
    "target": [10.0, np.nan, np.nan, np.nan, 0.03],
    "status": ["met", "", "", "", "met"],
})
VIEW = pd.DataFrame({
    "account_id": ["b", "a"], "name": ["Bolt AG", HOSTILE], "segment": ["enterprise", "smb"],
    "kam_id": ["K2", "K1"], "acv_end": [50_000.0, 1_200.0], "max_gap_days": [3.0, 40.0],
    "days_since_last_touch": [1.0, 40.0], "touches": [9.0, 1.0],
    "next_renewal_on": pd.to_datetime(["2027-01-31", "2026-11-15"]),
    "clv": [120_000.0, 2_000.0], "churn_next_quarter": [0.01, 0.2],
    "churn_next_year": [0.05, 0.5], "value_at_risk": [6_000.0, 1_000.0],
    "remaining_years": [4.0, 1.0], "nps_score": [9.0, np.nan], "responses": [1.0, 0.0],
    "kam_name": ["Ole", "Kira"], "team": ["north", "south"]})
RANKING = VIEW.assign(drivers=["none above the average account", "NPS 3 (×1.5)"],
                      next_step=["review account plan", "call"], open_requests=[0, 2],
                      rank=[1, 2])
SUMMARY = pd.DataFrame({
    "kam_id": ["K1", "K2", "K3"], "name": ["Kira", "+Ole", "Nia"],
    "team": ["south", "north", "north"], "region": ["s", "n", "n"],
    "hired_on": pd.to_datetime(["2020-01-01", "2021-06-01", "2026-07-01"]),
    "left_on": pd.to_datetime([None, None, None]), "accounts": [1, 1, 0],
    "clv": [2_000.0, 120_000.0, 0.0], "on_churn_funnel": [True, True, False]})
CALENDAR = pd.DataFrame({
    "contract_id": ["c1"], "account_id": ["a"], "end_on": pd.to_datetime(["2027-01-10"]),
    "window_opens_on": pd.to_datetime(["2026-10-12"]), "annual_value": [1_200.0],
    "name": [HOSTILE], "kam_id": ["K1"], "kam_name": ["Kira"], "churn_next_year": [0.5],
    "clv": [2_000.0]})


def export_bundle(**kw):
    frames = dict(kpis=KPIS, account_view=VIEW, risk_ranking=RANKING, kam_summary=SUMMARY,
                  renewal_calendar=CALENDAR)
    return small_bundle(**{**frames, **kw})


@pytest.fixture(scope="module")
def tables():
    return export.export_tables(export_bundle())


# -- the tables ---------------------------------------------------------------------------------
def test_the_tables_in_order(tables):
    assert list(tables) == list(export.TABLES)


def test_kpis_is_the_bundles_long_table_with_empty_status_missing(tables):
    k = tables["kpis"]
    assert list(k.columns) == list(KPIS.columns)
    pd.testing.assert_frame_equal(
        k.drop(columns=["n", "status"]), KPIS.drop(columns=["n", "status"]))
    assert k["n"].tolist() == KPIS["n"].tolist()
    assert k["status"].tolist() == ["met", None, None, None, "met"]


def test_accounts_one_row_per_current_account_with_risk_and_next_step(tables):
    a = tables["accounts"]
    assert a["account_id"].tolist() == ["a", "b"]  # ordered by account id
    assert a["quarter"].unique().tolist() == ["2026Q3"]
    first = a.iloc[0]
    assert first["account_name"] == HOSTILE and first["kam_id"] == "K1"
    assert first["kam_name"] == "Kira"
    assert first["clv"] == 2_000.0 and first["annual_contract_value"] == 1_200.0
    assert first["churn_risk_next_quarter"] == 0.2 and first["churn_risk_12_months"] == 0.5
    assert first["value_at_risk"] == 1_000.0 and first["risk_rank"] == 2
    assert first["risk_drivers"] == "NPS 3 (×1.5)" and first["next_step"] == "call"
    assert first["open_requests"] == 2
    assert first["next_renewal_on"] == pd.Timestamp("2026-11-15")


def test_accounts_take_drivers_from_risk_drivers_when_the_ranking_has_none():
    drivers = pd.DataFrame({"account_id": ["a", "a", "b"], "order": [2, 1, 1],
                            "text": ["segment smb", "NPS 3", "tenure 2 years"]})
    t = export.export_tables(export_bundle(risk_ranking=VIEW, risk_drivers=drivers))
    assert t["accounts"]["risk_drivers"].tolist() == ["NPS 3; segment smb", "tenure 2 years"]


def test_without_a_churn_model_the_columns_are_there_and_empty():
    view = VIEW.drop(columns=["clv", "churn_next_quarter", "churn_next_year",
                              "value_at_risk", "remaining_years"])
    t = export.export_tables(export_bundle(account_view=view, risk_ranking=pd.DataFrame()))
    full = export.export_tables(export_bundle())
    for name in export.TABLES:
        assert list(t[name].columns) == list(full[name].columns)
    a = t["accounts"]
    assert a[["clv", "risk_rank", "risk_drivers"]].isna().all().all()
    assert a["clv"].dtype == float and str(a["risk_rank"].dtype) == "Int64"


def test_kam_scorecards_head_and_kpis_wide(tables):
    s = tables["kam_scorecards"].set_index("kam_id")
    assert s.index.tolist() == ["K1", "K2", "K3"]
    assert s.loc["K1", "kam_name"] == "Kira" and s.loc["K2", "clv"] == 120_000.0
    # the kam rows of KPIS: K1 nps -10, churn 5 %; K2 CLV 1,234,567, churn 0 %; K3 none
    assert s.loc["K1", "nps"] == -10.0 and s.loc["K1", "logo_churn_rate"] == 0.05
    assert s.loc["K2", "clv_total"] == 1_234_567.0 and s.loc["K2", "logo_churn_rate"] == 0.0
    assert np.isnan(s.loc["K1", "clv_total"]) and s.loc["K3", ["nps", "clv_total"]].isna().all()
    assert "on_churn_funnel" not in s
    kpi_columns = list(s.columns[s.columns.get_loc("clv") + 1:])
    assert kpi_columns.index("nps") < kpi_columns.index("logo_churn_rate")  # registry order
    assert {"nps", "logo_churn_rate", "clv_total"} <= set(kpi_columns)


def test_a_kpi_named_like_a_head_column_gets_a_suffix():
    kpis = pd.concat([KPIS, pd.DataFrame({"kpi": ["accounts"], "grain": ["kam"],
                                          "group": ["K1"], "value": [3.0]})])
    s = export.export_tables(export_bundle(kpis=kpis))["kam_scorecards"]
    assert s["accounts"].tolist() == [1, 1, 0] and s["accounts_kpi"].iloc[0] == 3.0


def test_renewal_calendar(tables):
    r = tables["renewal_calendar"]
    assert r.columns[:4].tolist() == ["quarter", "contract_id", "account_id", "account_name"]
    assert r.iloc[0]["window_opens_on"] == pd.Timestamp("2026-10-12")
    assert r.iloc[0]["churn_risk_12_months"] == 0.5


def test_an_empty_bundle_gives_empty_tables_with_their_columns():
    t = export.export_tables(small_bundle(kpis=pd.DataFrame()))
    assert all(len(df) == 0 for df in t.values())
    assert "account_name" in t["accounts"] and "kam_name" in t["kam_scorecards"]


# -- Excel --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(tables, tmp_path_factory):
    path = export.write_export(tables, tmp_path_factory.mktemp("xlsx") / "q.xlsx")
    return path, openpyxl.load_workbook(path)


def _column(ws, header):
    return next(c for c in ws[1] if c.value == header).column


def test_xlsx_one_sheet_per_table_header_bold_and_frozen(workbook, tables):
    _, wb = workbook
    assert wb.sheetnames == list(export.TABLES)
    for name, df in tables.items():
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]] == list(df.columns)
        assert all(c.font.bold for c in ws[1])
        assert ws.max_row == len(df) + 1
        assert ws.auto_filter.ref.startswith("A1:")


def test_xlsx_number_formats_and_values(workbook):
    _, wb = workbook
    ws = wb["accounts"]
    row = 2  # account "a"
    cell = ws.cell(row, _column(ws, "clv"))
    assert cell.value == 2_000 and cell.number_format == "#,##0"
    cell = ws.cell(row, _column(ws, "churn_risk_12_months"))
    assert cell.value == 0.5 and cell.number_format == "0.0%"
    cell = ws.cell(row, _column(ws, "next_renewal_on"))
    assert cell.is_date and cell.value.date() == date(2026, 11, 15)
    assert cell.number_format == "yyyy-mm-dd"
    assert ws.cell(row, _column(ws, "nps_score")).value is None  # missing stays empty
    # the long KPI table: each row in its KPI's unit
    k = wb["kpis"]
    value, target = _column(k, "value"), _column(k, "target")
    assert k.cell(2, value).number_format == "#,##0.0"  # nps: points
    assert k.cell(3, value).number_format == "0.0%"  # logo churn: a share
    assert k.cell(5, value).number_format == "#,##0"  # CLV: money
    assert k.cell(6, target).value == 0.03 and k.cell(6, target).number_format == "0.0%"
    s = wb["kam_scorecards"]
    assert s.cell(2, _column(s, "logo_churn_rate")).number_format == "0.0%"
    assert s.cell(3, _column(s, "clv_total")).number_format == "#,##0"


def test_xlsx_column_widths_fit_the_longest_shown_value(workbook):
    _, wb = workbook
    ws = wb["accounts"]
    letter = openpyxl.utils.get_column_letter(_column(ws, "account_name"))
    assert ws.column_dimensions[letter].width == len(HOSTILE) + 2
    letter = openpyxl.utils.get_column_letter(_column(ws, "quarter"))
    assert ws.column_dimensions[letter].width == len("quarter") + 4  # header and filter button


def test_xlsx_formula_like_text_is_written_as_text(workbook):
    path, wb = workbook
    for sheet, header in (("accounts", "account_name"), ("renewal_calendar", "account_name"),
                          ("kam_scorecards", "kam_name")):
        ws = wb[sheet]
        cells = [c for c in ws.iter_rows(min_row=2, min_col=_column(ws, header),
                                         max_col=_column(ws, header)) for c in c]
        risky = [c for c in cells if str(c.value).startswith(("=", "+"))]
        assert risky, sheet
        for c in risky:
            assert c.data_type == "s" and c.quotePrefix
            assert c.value in (HOSTILE, "+Ole")  # shown as it is, no ' added
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)  # no formula anywhere


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40))
def test_xlsx_any_name_reads_back_as_the_same_text(tmp_path, name):
    view = VIEW.assign(name=[name, "x"])
    t = export.export_tables(export_bundle(account_view=view, risk_ranking=view))
    path = export.write_export(t, tmp_path / "n.xlsx")
    ws = openpyxl.load_workbook(path)["accounts"]
    cell = ws.cell(3, _column(ws, "account_name"))  # "b" sorts after "a"
    lines = name.replace("\r\n", "\n").replace("\r", "\n")  # XML keeps no \r
    shown = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("\ufffd", lines)
    assert cell.data_type == "s"
    assert cell.value == shown or (cell.value is None and shown == "")


# -- Parquet and DuckDB -------------------------------------------------------------------------
def test_parquet_folder_one_file_per_table_reads_back(tables, tmp_path):
    import pyarrow.parquet as pq

    path = export.write_export(tables, tmp_path / "q.parquet")
    assert sorted(p.name for p in path.iterdir()) == sorted(f"{n}.parquet" for n in tables)
    for name, df in tables.items():
        back = pd.read_parquet(path / f"{name}.parquet")
        assert list(back.columns) == list(df.columns)
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                back[c] = pd.to_datetime(back[c]).astype("datetime64[ns]")
        pd.testing.assert_frame_equal(back, df, check_dtype=False)
    schema = pq.read_schema(path / "accounts.parquet")
    assert str(schema.field("next_renewal_on").type) == "date32[day]"
    assert str(schema.field("clv").type) == "double"
    assert str(schema.field("risk_rank").type) == "int64"


def test_duckdb_one_table_per_table_with_plain_types(tables, tmp_path):
    import duckdb

    path = export.write_export(tables, tmp_path / "q.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = {r[0] for r in con.sql("SHOW TABLES").fetchall()}
        assert names == set(tables)
        types = dict(con.sql("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'accounts'").fetchall())
        assert types["next_renewal_on"] == "DATE" and types["clv"] == "DOUBLE"
        assert types["account_name"] == "VARCHAR" and types["risk_rank"] == "BIGINT"
        assert con.sql("SELECT account_name FROM accounts WHERE account_id = 'a'"
                       ).fetchone()[0] == HOSTILE
        for name, df in tables.items():
            back = con.sql(f'SELECT * FROM "{name}"').df()
            assert list(back.columns) == list(df.columns)
            assert len(back) == len(df)
        s = con.sql("SELECT kam_id, nps, clv_total FROM kam_scorecards ORDER BY kam_id").fetchall()
        assert s[0][:2] == ("K1", -10.0) and s[1][2] == 1_234_567.0
    finally:
        con.close()


# -- where it goes ------------------------------------------------------------------------------
def test_any_other_suffix_is_a_clear_error(tables, tmp_path):
    with pytest.raises(ParameterError, match=r"\.xlsx, \.parquet, \.duckdb \(got \.csv\)"):
        export.write_export(tables, tmp_path / "q.csv")
    with pytest.raises(ParameterError, match="no suffix"):
        export.check_export_target(tmp_path / "q")
    assert export.export_format("Q.XLSX") == "xlsx"


def test_a_missing_folder_is_a_clear_error_and_is_not_created(tables, tmp_path):
    with pytest.raises(OutputError, match="does not exist") as e:
        export.write_export(tables, tmp_path / "missing" / "q.xlsx")
    assert e.value.exit_code == 2 and not (tmp_path / "missing").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_folder_is_a_clear_error(tables, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            export.check_export_target(folder / "q.duckdb")
    finally:
        folder.chmod(0o700)


def test_a_folder_refusing_temporary_files_is_a_clear_error(tmp_path, monkeypatch):
    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export.tempfile, "mkdtemp", refuse)
    with pytest.raises(OutputError, match="cannot write .*q.xlsx: Permission denied") as e:
        export.check_export_target(tmp_path / "q.xlsx")
    assert e.value.exit_code == 2


def test_a_folder_where_a_file_goes_is_an_error(tables, tmp_path):
    (tmp_path / "q.xlsx").mkdir()
    with pytest.raises(OutputError, match="it is a folder"):
        export.write_export(tables, tmp_path / "q.xlsx")


def test_an_existing_file_is_replaced_and_nothing_is_left_beside_it(tables, tmp_path):
    path = tmp_path / "q.duckdb"
    path.write_text("old")
    export.write_export(tables, path)
    export.write_export(tables, path)  # a database replaced by a new one
    assert path.read_bytes()[:4] != b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.duckdb"]


def test_a_failed_write_leaves_the_earlier_file_untouched(tables, tmp_path, monkeypatch):
    path = tmp_path / "q.xlsx"
    path.write_bytes(b"earlier")

    def full_disk(tables, staged):
        staged.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(export._WRITERS, "xlsx", full_disk)
    with pytest.raises(OutputError, match="No space left on device") as e:
        export.write_export(tables, path)
    assert e.value.exit_code == 1
    assert path.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.xlsx"]


def test_an_earlier_parquet_export_is_replaced_but_no_other_folder(tables, tmp_path):
    path = tmp_path / "q.parquet"
    export.write_export(tables, path)
    (path / "kpis.parquet").write_bytes(b"stale")
    export.write_export(tables, path)
    assert len(pd.read_parquet(path / "kpis.parquet")) == len(tables["kpis"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.parquet"]
    (path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="left alone"):
        export.write_export(tables, path)
    assert (path / "notes.txt").read_text() == "mine"
    single = tmp_path / "one.parquet"
    single.write_bytes(b"PAR1")
    with pytest.raises(OutputError, match="left alone"):
        export.check_export_target(single)


def test_a_table_longer_than_a_sheet_points_to_the_other_formats(tables, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(export, "_XLSX_MAX_ROWS", len(tables["kpis"]))  # one row too many
    with pytest.raises(OutputError, match=r"table kpis has 5 rows.*\.parquet or \.duckdb"):
        export.write_export(tables, tmp_path / "q.xlsx")
    assert list(tmp_path.iterdir()) == []
