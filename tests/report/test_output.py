"""Writing for people (kamlib.report.output): CSV injection, output paths, atomic writes.

Expected file contents are written out in full next to each check.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from kamlib.report.output import (
    OutputError,
    check_target,
    neutralise,
    neutralised,
    write_csv,
    write_quarantine,
    write_text,
)

FORMULA = '=HYPERLINK("http://evil.example","click")'


# --------------------------------------------------------------------------- CSV injection
@pytest.mark.parametrize("cell, safe", [
    ("=1+2", "'=1+2"), ("+1+2", "'+1+2"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), (FORMULA, "'" + FORMULA),
    ("-0.5", "-0.5"), ("+3", "+3"), ("-1e-05", "-1e-05"), ("plain", "plain"), ("", ""),
    ("a=b", "a=b"), (-0.5, -0.5), (None, None),
])
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


def test_neutralised_changes_text_cells_only():
    df = pd.DataFrame({"group": ["=x", "-y", "ok"], "value": [-0.5, 1.0, -2.0],
                       "n": [1, -2, 3], "raw": ["-0.5", "=A1", None]})
    got = neutralised(df)
    assert got.group.tolist() == ["'=x", "'-y", "ok"]
    assert got.value.tolist() == [-0.5, 1.0, -2.0] and got.n.tolist() == [1, -2, 3]
    assert got.raw.tolist() == ["-0.5", "'=A1", None]
    assert df.group.tolist() == ["=x", "-y", "ok"]  # the input is not changed


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path):
    df = pd.DataFrame({"kpi": ["nps", "=1+2"], "value": [-0.5, 3.0]})
    path = write_csv(df, tmp_path / "kpis.csv")
    # no index, "\n" line ends, the formula made inert, the negative number untouched
    assert path.read_bytes() == b"kpi,value\nnps,-0.5\n'=1+2,3.0\n"


def test_write_quarantine_writes_one_file_per_table_with_faults(tmp_path):
    frames = {"invoices": pd.DataFrame({"row": [2], "amount": ["=1+2"]}),
              "contracts": pd.DataFrame({"row": [5], "end_on": ["2026-13-01"]})}
    vd = SimpleNamespace(faults=pd.DataFrame({"table": ["invoices", "invoices", "contracts"]}),
                         quarantine=frames.__getitem__)
    paths = write_quarantine(vd, tmp_path / "quarantine")
    assert [p.name for p in paths] == ["invoices.csv", "contracts.csv"]  # order of faults
    assert paths[0].read_text() == "row,amount\n2,'=1+2\n"
    clean = SimpleNamespace(faults=pd.DataFrame({"table": []}), quarantine=frames.__getitem__)
    assert write_quarantine(clean, tmp_path / "none") == []
    assert (tmp_path / "none").is_dir()


# --------------------------------------------------------------------------- paths
def test_check_target_creates_the_folder_and_refuses_a_folder_as_file(tmp_path):
    target = tmp_path / "new" / "deeper" / "kpis.csv"
    assert check_target(target) == target and target.parent.is_dir()
    assert not target.exists() and list(target.parent.iterdir()) == []  # probe removed
    with pytest.raises(OutputError, match="it is a folder") as exc:
        check_target(tmp_path)
    assert exc.value.exit_code == 2
    assert str(check_target("/dev/null")) == "/dev/null"  # a device is written as it is


def test_check_target_under_a_file_fails_with_exit_2(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError, match="cannot write") as exc:
        check_target(tmp_path / "plain" / "kpis.csv")
    assert exc.value.exit_code == 2


def test_write_text_replaces_whole_or_fails_with_exit_1(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("old")
    write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left
    with pytest.raises(OutputError, match="could not write") as exc:
        write_text(tmp_path / "missing" / "page.html", "x")
    assert exc.value.exit_code == 1 and exc.value.reason == "No such file or directory"
