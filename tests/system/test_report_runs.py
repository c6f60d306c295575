"""Runs that overlap or die: what ``<out>/<quarter>`` holds is one run's complete report.

Real ``kam report`` processes (one scorecard each): two into one ``--out`` folder,
the second started while the first is busy; then runs killed with SIGKILL at random
moments (seeded), after each of which the published report must be byte-identical,
and a last run that must succeed.

``KAM_CHAOS_KILLS=20 make chaos`` (or ``pytest -m chaos``) kills that many runs at
any moment of a whole run, publication included; the normal suite kills five within
the first 20 s.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kamlib.data.sources import display_name

pytestmark = pytest.mark.slow
QUARTER = "2026Q3"
RENAMED = "ZRENAMED1"
CHAOS_KILLS = int(os.environ.get("KAM_CHAOS_KILLS", "0") or 0)


def _start(data: Path, out: Path, *extra: str, log: Path | None = None) -> subprocess.Popen:
    """``kam report`` in its own process group (so that a kill reaches its workers)."""
    fh = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "kamlib", "report", "--data", str(data), "--out", str(out),
             "--quarter", QUARTER, "--kam", "K001", "--jobs", "2", *extra],
            stdout=fh, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            start_new_session=True)
    finally:
        if log:
            fh.close()  # the child has its own copy


def _digest(out: Path) -> dict[str, str]:
    """sha256 of every published file: the quarter's folder and the root index."""
    files = [out / "index.html", *(p for p in (out / QUARTER).rglob("*") if p.is_file())]
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _inputs(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.csv")}


def _whose(final: Path, runs: dict[str, Path]) -> str:
    """The display name of the one data set that every published file comes from."""
    manifest = json.loads((final / "manifest.json").read_text())
    label = manifest["parameters"]["data"]
    assert label in runs, label
    assert manifest["inputs"] == _inputs(runs[label]), "manifest inputs of another run"
    kpis = (final / "kpis.csv").read_text(encoding="utf-8")
    assert (f",{RENAMED}," in kpis) == (label == display_name(str(runs["renamed"]))), \
        "kpis.csv of another run"
    pages = sorted(str(p.relative_to(final)) for p in final.rglob("*.html"))
    assert pages == sorted([*manifest["pages"], "index.html"])
    for page in pages:
        footer = re.search(r'<footer class="kam-footer">Data: (.*?) · ',
                           (final / page).read_text(encoding="utf-8")).group(1)
        assert footer == label, f"{page} is from another run"
    for nb in manifest["notebooks"]:
        cell = [c for c in nbformat.read(final / nb, as_version=4).cells
                if "injected-parameters" in c.metadata.get("tags", [])][0]
        assert f'data = "{label}"' in cell.source, f"{nb} is from another run"
    return label


@pytest.fixture(scope="module")
def datasets(sample_dir, tmp_path_factory) -> dict[str, Path]:
    """The sample, and a copy with account A00001 renamed (id and name)."""
    d = tmp_path_factory.mktemp("runs") / "renamed"
    shutil.copytree(sample_dir, d)
    for f in d.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        cols = [c for c in ("account_id", "referred_by") if c in df.columns]
        if cols:
            df[cols] = df[cols].replace("A00001", RENAMED)
            if f.name == "accounts.csv":
                df.loc[df.account_id == RENAMED, "name"] = "Renamed Account"
            df.to_csv(f, index=False)
    return {display_name(str(sample_dir)): sample_dir, display_name(str(d)): d, "renamed": d}


@pytest.fixture(scope="module")
def overlapping(datasets, tmp_path_factory):
    """Two real runs into one folder, the second started 3 s after the first."""
    tmp = tmp_path_factory.mktemp("overlap")
    out = tmp / "reports"
    sample = [p for k, p in datasets.items() if p != datasets["renamed"]][0]
    t0 = time.perf_counter()
    first = _start(sample, out, log=tmp / "first.log")
    time.sleep(3)
    second = _start(datasets["renamed"], out, log=tmp / "second.log")
    first.wait(timeout=1200)
    took = time.perf_counter() - t0  # one whole run, nearly undisturbed
    second.wait(timeout=1200)
    return out, (first.returncode, (tmp / "first.log").read_text()), \
        (second.returncode, (tmp / "second.log").read_text()), took


def test_two_runs_into_one_folder_publish_one_complete_report(overlapping, datasets):
    out, (rc1, log1), (rc2, log2), _ = overlapping
    assert rc1 == 0, log1
    assert rc2 == 0, log2
    assert "waiting for another report into" in log2
    # the second waited, then replaced the first's report with its own, whole
    assert _whose(out / QUARTER, datasets) == display_name(str(datasets["renamed"]))
    assert f"{QUARTER}/index.html" in (out / "index.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == [".lock", QUARTER, "index.html"]


def test_a_busy_folder_fails_clearly_after_the_wait(datasets, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    with open(out / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        r = subprocess.run([sys.executable, "-m", "kamlib", "report", "--data",
                            str(datasets["renamed"]), "--out", str(out), "--kam", "K001",
                            "--wait", "1"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2, r.stderr
    assert f"waiting for another report into {out}" in r.stderr
    assert "another report is being written into" in r.stderr and "--wait" in r.stderr
    assert "Traceback" not in r.stderr
    assert [p.name for p in out.iterdir()] == [".lock"]  # nothing written, nothing removed


def _kill_runs(out: Path, data: Path, kills: int, window: tuple[float, float], seed: int):
    """Start runs and SIGKILL each (with its workers) after a random time in ``window``;
    after each, the published report must be exactly what it was."""
    rng = random.Random(seed)
    before = _digest(out)
    killed = 0
    for i in range(kills):
        at = rng.uniform(*window)
        p = _start(data, out)
        try:
            p.wait(timeout=at)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            killed += 1
        assert _digest(out) == before, f"run {i} killed after {at:.1f} s changed the report"
    return before, killed


def _next_run_succeeds(out: Path, data: Path, before: dict[str, str], tmp: Path) -> None:
    p = _start(data, out, "--wait", "0", log=tmp / "next.log")  # no lock is left held
    assert p.wait(timeout=1200) == 0, (tmp / "next.log").read_text()
    assert not list(out.glob(".staging-*")) and not list(out.glob(".previous-*"))
    assert _digest(out) == before  # same inputs, same bytes


def test_killed_runs_leave_the_published_report_alone(overlapping, datasets, tmp_path):
    out = overlapping[0]
    t0 = time.perf_counter()
    before, killed = _kill_runs(out, datasets["renamed"], 5, (1.0, 20.0), seed=7)
    print(f"\n5 runs ({killed} killed) took {time.perf_counter() - t0:.0f} s")
    assert killed >= 4
    _next_run_succeeds(out, datasets["renamed"], before, tmp_path)


@pytest.mark.chaos
@pytest.mark.skipif(CHAOS_KILLS <= 0, reason="set KAM_CHAOS_KILLS=<n> (make chaos)")
def test_chaos_kills_at_any_moment_of_a_run(overlapping, datasets, tmp_path):
    out, *_, took = overlapping
    before, killed = _kill_runs(out, datasets["renamed"], CHAOS_KILLS, (0.5, took * 1.1),
                                seed=int(os.environ.get("KAM_CHAOS_SEED", "1")))
    print(f"\n{CHAOS_KILLS} runs, {killed} killed within {took * 1.1:.0f} s")
    _next_run_succeeds(out, datasets["renamed"], before, tmp_path)
