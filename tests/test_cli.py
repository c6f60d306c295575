"""Root options of the kam command: -v shows kamlib's log, -q silences progress only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kam(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "kamlib", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


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
