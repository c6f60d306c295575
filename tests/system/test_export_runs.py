"""``kam export`` on the sample, in each of its three formats, from one bundle build: the
first run computes the quarter (the latest complete one, by default), the others reuse
that bundle, so the module costs one build; each output is read back against the bundle."""

from __future__ import annotations

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from kamlib.report import bundle
from kamlib.report.cli import app

pytestmark = pytest.mark.slow
FORMATS = ("xlsx", "parquet", "duckdb")


@pytest.fixture(scope="module")
def runs(sample_dir, tmp_path_factory):
    """The bundle built once and the result of ``kam export`` into each format (the xlsx
    run without --quarter), then an xlsx run with --quiet over the first file."""
    real = bundle.build
    built: list = []

    def once(*args, **kwargs):
        if not built:
            built.append(real(*args, **kwargs))
        return built[0]

    out = tmp_path_factory.mktemp("export")
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundle, "build", once)
        for fmt in FORMATS:
            quarter = [] if fmt == "xlsx" else ["--quarter", "2026Q3"]
            results[fmt] = CliRunner().invoke(
                app, ["export", "--data", str(sample_dir), *quarter, "--out",
                      str(out / f"kam.{fmt}")])
        results["quiet"] = CliRunner().invoke(
            app, ["export", "--data", str(sample_dir), "--quiet", "--out",
                  str(out / "kam.xlsx")])
    return out, results, built[0]


@pytest.mark.parametrize("fmt", [*FORMATS, "quiet"])
def test_every_run_succeeds(runs, fmt):
    _, results, _ = runs
    assert results[fmt].exit_code == 0, results[fmt].output


def test_the_default_quarter_is_said_and_what_was_written_printed(runs):
    out, results, b = runs
    assert str(b.quarter) == "2026Q3"
    text = " ".join(results["xlsx"].output.split())
    assert "quarter 2026Q3 (latest complete quarter" in text
    assert f"│ kpis │ {len(b.kpis):,} │ 10 │" in text
    assert f"│ accounts │ {len(b.account_view):,} │" in text
    assert f"wrote {out / 'kam.xlsx'}: 4 tables" in text
    assert results["quiet"].output.strip().startswith("quarter 2026Q3")  # only the note
    assert "wrote" not in results["quiet"].output


def test_xlsx_holds_the_bundles_tables(runs):
    out, _, b = runs
    wb = openpyxl.load_workbook(out / "kam.xlsx", read_only=True)
    assert wb.sheetnames == ["kpis", "accounts", "kam_scorecards", "renewal_calendar"]
    rows = {name: wb[name].max_row - 1 for name in wb.sheetnames}
    assert rows == {"kpis": len(b.kpis), "accounts": len(b.account_view),
                    "kam_scorecards": len(b.kam_summary),
                    "renewal_calendar": len(b.renewal_calendar)}


def test_parquet_holds_the_bundles_tables(runs):
    out, _, b = runs
    folder = out / "kam.parquet"
    assert sorted(p.name for p in folder.iterdir()) == [
        "accounts.parquet", "kam_scorecards.parquet", "kpis.parquet",
        "renewal_calendar.parquet"]
    kpis = pd.read_parquet(folder / "kpis.parquet")
    pd.testing.assert_frame_equal(kpis[["kpi", "grain", "group", "value"]],
                                  b.kpis[["kpi", "grain", "group", "value"]])
    accounts = pd.read_parquet(folder / "accounts.parquet")
    view = b.account_view.sort_values("account_id").reset_index(drop=True)
    assert accounts["account_id"].tolist() == view["account_id"].tolist()
    assert accounts["clv"].tolist() == pytest.approx(view["clv"].tolist())


def test_duckdb_holds_the_bundles_tables(runs):
    out, _, b = runs
    con = duckdb.connect(str(out / "kam.duckdb"), read_only=True)
    try:
        counts = {t: con.sql(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in ("kpis", "accounts", "kam_scorecards", "renewal_calendar")}
        assert counts["kpis"] == len(b.kpis) and counts["accounts"] == len(b.account_view)
        assert counts["renewal_calendar"] == len(b.renewal_calendar)
        total = con.sql("SELECT sum(value_at_risk) FROM accounts").fetchone()[0]
        assert total == pytest.approx(b.account_view["value_at_risk"].sum())
        nps = con.sql("SELECT nps FROM kam_scorecards WHERE kam_id = 'K001'").fetchone()[0]
        expected = b.kpis.query("grain == 'kam' and group == 'K001' and kpi == 'nps'").value
        assert nps == pytest.approx(float(expected.iloc[0]))
    finally:
        con.close()
