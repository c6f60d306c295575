"""Root options of the kam command: -v shows kamlib's log, -q silences progress only."""

from __future__ import annotations

from pathlib import Path

from kam_cli import kam


def test_verbose_shows_kamlib_log_and_default_does_not(sample_dir):
    r = kam("-v", "validate", "--data", str(sample_dir))
    assert r.returncode == 0, r.stderr
    assert "contract file(s)" in r.stderr and "INFO" in r.stderr
    r = kam("validate", "--data", str(sample_dir))
    assert r.returncode == 0 and "contract file(s)" not in r.stderr
    assert "rows read = rows used + rows quarantined" in r.stdout


def test_quiet_still_reports_errors(tmp_path):
    r = kam("-q", "validate", "--data", str(tmp_path / "missing"))
    assert r.returncode == 2
    assert "data folder not found" in r.stderr


def test_the_cli_turns_a_config_error_into_exit_2(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from kamlib.report.cli import app

    missing = tmp_path / "typo.toml"
    monkeypatch.setenv("KAM_CONFIG", str(missing))
    for args in (["kpis", "--out", str(tmp_path / "k.csv")], ["report", "--out", str(tmp_path)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "KAM_CONFIG" in result.output and "typo.toml" in result.output
        assert "Traceback" not in result.output


# -- BI export feature (kam export) -------------------------------------------------------------
def test_export_names_the_accepted_suffixes_and_checks_the_folder_first(tmp_path):
    from typer.testing import CliRunner

    from kamlib.report.cli import app

    bad = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "k.csv")])
    assert bad.exit_code == 2
    assert ".xlsx, .parquet, .duckdb" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "no" / "k.xlsx")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert not (tmp_path / "no").exists()


def test_export_help_names_formats_tables_and_examples():
    r = kam("export", "--help")
    assert r.returncode == 0
    for word in (".xlsx", ".parquet", ".duckdb", "kam_scorecards", "renewal_calendar",
                 "Examples", "--quiet"):
        assert word in r.stdout


# -- timing feature (kam report: remaining time, --no-account-pages, --timings) -----------------
def test_report_help_names_the_account_pages_switch_and_the_timings_file():
    r = kam("report", "--help")
    assert r.returncode == 0
    for word in ("--no-account-pages", "--timings"):
        assert word in r.stdout


def test_report_progress_shows_elapsed_and_remaining_time_through_a_long_run(
        tmp_path, monkeypatch):
    """1,350 scorecards: the bar moves as each notebook finishes (a refresh caught
    mid-run shows 600/1358) with the time taken and the time left beside it, and the
    switches reach render."""
    import io
    import re
    import time

    from rich.console import Console
    from typer.testing import CliRunner

    import kamlib.report.cli as cli
    import kamlib.report.render as render_mod

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buf, force_terminal=True, width=150,
                                            color_system=None))
    seen = {}

    def fake_render(data, quarter, out, progress=None, **kw):
        seen.update(kw)
        progress("computing the quarter", 0, 0)
        n = 1358  # 8 theme pages and 1,350 scorecards
        for i in range(1, n + 1):
            progress(f"executed kam_scorecard_K{i:04d}", i, n)
            if i == 600:
                time.sleep(0.5)  # the bar refreshes 10 times a second
        final = Path(out) / "2026Q3"
        final.mkdir(parents=True)
        return final

    monkeypatch.setattr(render_mod, "render", fake_render)
    r = CliRunner().invoke(cli.app, ["report", "--out", str(tmp_path), "--no-account-pages",
                                     "--timings", str(tmp_path / "t.json")])
    assert r.exit_code == 0, r.output
    shown = buf.getvalue()
    assert re.search(r"executing notebooks.*600/1358 +\d+:\d\d:\d\d +\d+:\d\d:\d\d", shown)
    assert re.search(r"1358/1358 +\d+:\d\d:\d\d +\d+:\d\d:\d\d", shown)
    assert seen["account_pages"] is False and seen["timings"] == tmp_path / "t.json"
