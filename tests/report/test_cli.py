"""Root options of the kam command: -v shows kamlib's log, -q silences progress only."""

from __future__ import annotations

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
