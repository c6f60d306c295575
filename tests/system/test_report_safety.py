"""Bad input cannot steer where ``kam report`` writes or what a spreadsheet runs.

One module-level render of a sample copy whose account managers have ids that are
awkward as file names (``../../../../x``, ``jane.doe``, ``Öz Ünal``, ``a/b`` and
``a_b``), a KAM named like markup, a segment and a quarantined cell that a
spreadsheet would run as formulas. The command-line checks around it (strict mode,
unknown ``--kam``, unwritable ``--out``) fail before any heavy work.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kamlib.report.render import render

FORMULA = '=HYPERLINK("http://evil.example","click")'
ODD = {"K001": "../../../../x", "K002": "jane.doe", "K003": "Öz Ünal", "K004": "a/b",
       "K005": "a_b"}
MARKUP = "<b>Dot Dot</b>"
pytestmark = pytest.mark.slow


def _kam(*args, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", *args], capture_output=True,
                          text=True, timeout=timeout)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def odd(sample_dir, tmp_path_factory) -> Path:
    """The sample with odd KAM ids, markup in a name, a KAM id that is a formula (it is
    a group of kpis.csv; a one-account segment would do too, but its churn model is
    degenerate), and one invoice whose amount is a formula (quarantined)."""
    root = tmp_path_factory.mktemp("odd")
    d = root / "data"
    shutil.copytree(sample_dir, d)
    for f in d.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if "kam_id" in df.columns:
            df["kam_id"] = df["kam_id"].replace({**ODD, "K006": FORMULA})
            if f.name == "account_managers.csv":
                df.loc[df.kam_id == ODD["K001"], "name"] = MARKUP
            df.to_csv(f, index=False)
    inv = pd.read_csv(d / "invoices.csv", dtype=str, keep_default_na=False)
    bad = inv.iloc[[0]].assign(invoice_id="INV-FORMULA", amount="=1+2")
    pd.concat([inv, bad]).to_csv(d / "invoices.csv", index=False)
    return d


@pytest.fixture(scope="module")
def report(odd) -> Path:
    # deep enough that ../../../../x from a scorecard's notebook would still land in root
    out = odd.parent / "a" / "b" / "c" / "reports"
    return render(str(odd), "2026Q3", out, jobs=2, kams=sorted(ODD.values()))


def test_odd_ids_render_and_nothing_is_written_outside_out(report, odd):
    root = odd.parent
    outside = [p for p in root.rglob("*") if p.is_file()
               and report.parent not in p.parents and odd not in p.parents]
    assert outside == []
    cards = sorted(p.name for p in (report / "kam").iterdir())
    assert len(cards) == 5 and all(re.fullmatch(r"[A-Za-z0-9_-]+\.html", c) for c in cards)
    for nb in (report / "notebooks").rglob("*.ipynb"):
        nbformat.validate(nbformat.read(nb, as_version=4))
    assert not list(report.parent.glob(".staging*"))


def test_every_index_link_resolves(report):
    for page in (report / "index.html", report.parent / "index.html"):
        links = re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8"))
        assert links
        for href in links:
            target = (page.parent / href).resolve()
            # ACCOUNT-PAGES: until the account pages are rendered, links into accounts/
            # only have to stay inside the report; afterwards they must resolve too
            if not href.startswith("accounts/"):
                assert target.exists(), href
            assert report.parent in target.parents or target == report.parent, href


def test_pages_show_the_original_ids_and_names_escaped(report):
    index = (report / "index.html").read_text(encoding="utf-8")
    for k in ODD.values():
        assert f'<span class="kam-quarter">{k}</span>' in index, k
    assert "&lt;b&gt;Dot Dot&lt;/b&gt;" in index and MARKUP not in index
    titles = {re.search(r"<title>(.*?)</title>", p.read_text(encoding="utf-8")).group(1)
              for p in (report / "kam").glob("*.html")}
    assert "Scorecard: &lt;b&gt;Dot Dot&lt;/b&gt; · 2026Q3" in titles
    for page in report.rglob("*.html"):
        assert MARKUP not in page.read_text(encoding="utf-8"), page.name
    params = {}
    for nb in (report / "notebooks" / "kam").glob("*.ipynb"):
        cell = [c for c in nbformat.read(nb, as_version=4).cells
                if "injected-parameters" in c.metadata.get("tags", [])][0]
        params[nb.stem] = ast.literal_eval(re.search(r"^kam_id = (.*)$", cell.source,
                                                     re.M).group(1))
    assert sorted(params.values()) == sorted(ODD.values())  # the ids themselves


# --------------------------------------------------------------------------- no paths
def test_published_files_hold_no_absolute_path(report, odd):
    data = str(odd.resolve()).encode()
    out = str(report.parent.resolve()).encode()
    for p in report.parent.rglob("*"):
        if p.is_file():
            text = p.read_bytes()
            assert data not in text and out not in text, p
            assert b".bundle" not in text and b".staging" not in text, p
    nb = nbformat.read(report / "notebooks" / "team.ipynb", as_version=4)
    cell = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])][0]
    assert 'data = "data"' in cell.source and 'cache = ""' in cell.source


# --------------------------------------------------------------------------- CSV injection
def _risky(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [c for row in csv.reader(fh) for c in row
                if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c[:1] == "-" and not re.fullmatch(r"-\d+(\.\d*)?(e[+-]?\d+)?", c))]


def test_report_spreadsheets_are_neutralised(report, odd, tmp_path):
    kpis = (report / "kpis.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA.replace('"', '""') in kpis
    assert _risky(report / "kpis.csv") == []
    q = report / "quarantine" / "invoices.csv"
    assert "'=1+2" in q.read_text(encoding="utf-8") and _risky(q) == []
    r = _kam("validate", "--data", str(odd), "--quarantine", str(tmp_path / "q"))
    assert r.returncode == 0, r.stderr
    assert _risky(tmp_path / "q" / "invoices.csv") == []
    assert "'=1+2" in (tmp_path / "q" / "invoices.csv").read_text(encoding="utf-8")


def test_kam_kpis_of_the_sample_is_otherwise_byte_identical(sample_dir, sample_data, tmp_path):
    from kamlib.config import load_settings
    from kamlib.kpis.compute import compute_kpis

    proc = subprocess.Popen([sys.executable, "-m", "kamlib", "kpis", "--data", str(sample_dir),
                             "--quarter", "2026Q3", "--out", str(tmp_path / "k.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    table = compute_kpis(sample_data, "2026Q3", load_settings())
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert (table.value < 0).any()  # negative numbers are there, and stay numbers
    assert (tmp_path / "k.csv").read_text(encoding="utf-8") == buf.getvalue()


# --------------------------------------------------------------------------- --strict
def test_report_strict_fails_with_3_and_keeps_the_previous_report(report, odd):
    before = _digest(report.parent)
    r = _kam("report", "--data", str(odd), "--quarter", "2026Q3", "--out", str(report.parent),
             "--kam", "a_b", "--strict")
    assert r.returncode == 3, r.stderr
    assert "--strict" in r.stderr and "invoices.csv" in r.stderr and "Traceback" not in r.stderr
    assert _digest(report.parent) == before
    assert "--strict" in _kam("report", "--help").stdout


# --------------------------------------------------------------------------- clear errors
def test_unknown_kam_fails_at_once_naming_it(odd, tmp_path):
    t0 = time.perf_counter()
    r = _kam("report", "--data", str(odd), "--out", str(tmp_path), "--kam", "a_b",
             "--kam", "K999")
    took = time.perf_counter() - t0
    assert r.returncode == 2, r.stderr
    assert "K999" in r.stderr and "no such account manager" in r.stderr
    assert "K007" in r.stderr and "in all" in r.stderr  # some valid ids are listed
    assert "Traceback" not in r.stderr
    assert took < 30  # no validation, no bundle (the import alone takes seconds here)


@pytest.mark.parametrize("target", ["/proc/x.csv", "{tmp}/file.txt/x.csv", "{tmp}"])
def test_kpis_into_an_unwritable_place_fails_at_once(target, tmp_path):
    (tmp_path / "file.txt").write_text("not a folder")
    target = target.format(tmp=tmp_path)
    t0 = time.perf_counter()
    r = _kam("kpis", "--out", target)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and target in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert time.perf_counter() - t0 < 30  # before any KPI is computed


def test_kpis_on_a_full_disk_says_what_could_not_be_written():
    r = _kam("kpis", "--quarter", "2026Q3", "--out", "/dev/full")
    assert r.returncode == 1, r.stderr
    assert "could not write /dev/full" in r.stderr and "No space left" in r.stderr
    assert "data source" not in r.stderr and "Traceback" not in r.stderr


@pytest.fixture()
def full_disk(tmp_path):
    """A tiny tmpfs, filled up (needs root; skipped elsewhere)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        (mnt / "reports").mkdir()
        with open(mnt / "filler", "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"x" * 4096)
            except OSError:
                pass
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_report_on_a_full_disk_says_what_could_not_be_written(full_disk, odd):
    out = full_disk / "reports"
    r = _kam("report", "--data", str(odd), "--quarter", "2026Q3", "--out", str(out),
             "--kam", "a_b")
    assert r.returncode == 1, r.stderr
    assert "could not write" in r.stderr and "No space left" in r.stderr, r.stderr
    assert str(out) in r.stderr and "Traceback" not in r.stderr
    assert "data source" not in r.stderr
    assert [p.name for p in out.iterdir()] in ([], [".lock"])  # nothing half-written left
