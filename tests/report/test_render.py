"""kamlib.report.render: ``kam report`` renders a quarter reproducibly, safely and readably.

End to end (marked slow): one module-level render of the sample (with an account named
like a script tag and two scorecards, to keep it quick) serves the content checks; a
second render of the same inputs checks byte-identity. The building blocks (scorecard file
names, notebook cleaning, the index of quarters, input fingerprints) are checked on
small hand-made inputs.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kamlib.report.render import fingerprints, render, write_root_index

EVIL = "<script>alert(1)</script>"
slow = pytest.mark.slow  # every test that needs a render


def _digest(folder: Path) -> dict[str, str]:
    files = [*folder.rglob("*.html"), folder / "kpis.csv", folder / "manifest.json"]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(files)}


@pytest.fixture(scope="module")
def evil_data(sample_dir, tmp_path_factory) -> tuple[Path, str]:
    """The sample with one account renamed to a script tag; returns (folder, its KAM)."""
    d = tmp_path_factory.mktemp("evil") / "data"
    shutil.copytree(sample_dir, d)
    acc = pd.read_csv(d / "accounts.csv", dtype=str, keep_default_na=False)
    con = pd.read_csv(d / "contracts.csv", dtype=str)
    live = con[con.end_on >= "2026-09-30"].account_id.iloc[0]
    acc.loc[acc.account_id == live, "name"] = EVIL
    acc.to_csv(d / "accounts.csv", index=False)
    return d, acc.loc[acc.account_id == live, "kam_id"].iloc[0]


#: the data sets the report's process held cached panels of when its notebooks started,
#: besides those held before the run (other tests' data may be alive in this process)
HELD_WHILE_NOTEBOOKS_RUN: dict[str, int] = {}


@pytest.fixture(scope="module")
def report(evil_data, tmp_path_factory) -> Path:
    from kamlib.models import survival
    from kamlib.panels import batch, quarter
    from kamlib.report import runner

    data, kam = evil_data
    out = tmp_path_factory.mktemp("reports")
    caches = {"quarter._SPELLS": quarter._SPELLS, "quarter._INTERACTIONS": quarter._INTERACTIONS,
              "batch._STORE": batch._STORE, "survival._CONTACTS": survival._CONTACTS}
    execute = runner.execute
    before = {k: {id(d) for d in list(v)} for k, v in caches.items()}

    def watched(*args, **kwargs):
        HELD_WHILE_NOTEBOOKS_RUN.update(
            {k: len([d for d in list(v) if id(d) not in before[k]]) for k, v in caches.items()})
        return execute(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "execute", watched)
        # K009 owns one of the ten accounts with the most value at risk (see test below)
        return render(str(data), "2026Q3", out, jobs=2, kams=sorted({kam, "K001", "K009"}))


@slow
def test_the_data_and_its_cached_panels_are_let_go_before_the_notebooks_run(report):
    """The panels cached while the bundle was computed (keyed by the checked data) are
    gone once the notebooks start: the report's process keeps only the bundle."""
    assert HELD_WHILE_NOTEBOOKS_RUN and set(HELD_WHILE_NOTEBOOKS_RUN.values()) == {0}, \
        HELD_WHILE_NOTEBOOKS_RUN


@slow
def test_pages_and_files(report):
    names = {p.name for p in report.glob("*.html")}
    assert {"index.html", "executive_summary.html", "clv_churn.html", "customer_voice.html",
            "engagement_outcomes.html", "growth_acquisition.html", "team.html",
            "data_quality.html", "methods.html"} <= names
    assert len(list((report / "kam").glob("*.html"))) == 3
    assert (report / "kpis.csv").exists() and (report / "quarantine").is_dir()
    assert len(list((report / "notebooks").rglob("*.ipynb"))) == 11  # 8 themes, 3 scorecards
    assert (report.parent / "index.html").exists()
    assert "2026Q3/index.html" in (report.parent / "index.html").read_text()


@slow
def test_manifest_records_inputs_without_paths_or_timings(report):
    m = json.loads((report / "manifest.json").read_text())
    assert m["parameters"]["quarter"] == "2026Q3" and m["kamlib_version"]
    assert set(m["inputs"]) >= {"accounts.csv", "contracts.csv", "interactions.csv"}
    assert all(len(h) == 64 for h in m["inputs"].values())
    text = json.dumps(m)
    assert "/tmp" not in text and str(Path.home()) not in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)  # no clock times


@slow
def test_names_are_escaped_in_every_page(report):
    seen = False
    for page in report.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert EVIL not in text, page.name
        seen |= "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert seen, "the account name should show as text somewhere"


@slow
def test_no_page_contains_code(report):
    for page in report.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "jp-InputArea-editor" not in text and "hl-ipython3" not in text, page.name
        # the pages run no scripts, but for the index's own search (links feature)
        scripts = 1 if page == report / "index.html" else 0
        assert text.count("<script") == scripts, page.name
        assert "<script src" not in text and "<script>alert" not in text, page.name
        assert "Traceback" not in text, page.name
        assert "application/vnd.jupyter.stderr" not in text, page.name  # no warnings printed


@slow
def test_every_link_in_the_index_resolves(report):
    text = (report / "index.html").read_text()
    links = re.findall(r'href="([^"#]+)"', text)
    assert len(links) > 10
    accounts = [h for h in links if h.startswith("accounts/")]
    assert accounts and all(re.fullmatch(r"accounts/[A-Za-z0-9_-]+\.html", h) for h in accounts)
    for href in links:
        assert (report / href).resolve().exists(), href


def _tables(page: Path) -> list[tuple[str, list[str], list[list[str]]]]:
    """(caption, header cells, body rows) of every table on a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    out = []
    for t in soup.find_all("table"):
        cap = t.find("caption")
        head = [th.get_text(" ", strip=True) for th in t.find_all("th")]
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                for tr in t.find_all("tr")]
        out.append((cap.get_text(" ", strip=True) if cap else "", head, [r for r in rows if r]))
    return out


@slow
def test_top_accounts_by_value_at_risk_are_on_their_managers_scorecards(report, evil_data):
    """One ranking at every level: each of the company's ten accounts with the most value
    at risk is on its manager's scorecard, with the same company rank."""
    (_, head, rows), = [t for t in _tables(report / "executive_summary.html")
                        if t[0].startswith("Top 10 accounts by value at risk")]
    top = [dict(zip(head, r, strict=True)) for r in rows]
    assert [int(r["Rank"]) for r in top] == list(range(1, 11))
    names = {}
    for card in (report / "kam").glob("*.html"):
        title = card.read_text(encoding="utf-8")
        (_, h, rs), = [t for t in _tables(card) if "most value at risk" in t[0]]
        names[card.stem] = {r[h.index("Account")]: int(r[h.index("Rank")]) for r in rs}
        # scorecard: the page's title and its h1 are the manager's name
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(title, "html.parser")
        h1 = soup.find("h1", class_="kam-name").get_text(strip=True)
        assert soup.title.get_text().rsplit(" · ", 1)[0] == h1 and h1
    kams = pd.read_csv(evil_data[0] / "account_managers.csv", dtype=str)
    checked = 0
    for r in top:
        kam = kams.loc[kams.name == r["Account manager"], "kam_id"]
        if len(kam) and kam.iloc[0] in names:
            assert names[kam.iloc[0]].get(r["Account"]) == int(r["Rank"]), r
            checked += 1
    assert checked >= 1, "no top-10 account belongs to a rendered scorecard's manager"


@slow
def test_every_churn_risk_of_an_account_has_its_next_renewal_beside_it(report):
    seen = 0
    for page in report.rglob("*.html"):
        for cap, head, _rows in _tables(page):
            if any(h.startswith("Churn risk") for h in head):
                assert "Next renewal" in head, (page.name, cap)
                seen += 1
    assert seen >= 5


def _text(page: Path) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")


@slow
def test_counts_and_churn_figures_name_their_base_and_period(report):
    """Each count of managers, each churn figure, the mentions and the conversion cohort
    say what they count and over which period (docs/kpis.md)."""
    index, team = _text(report / "index.html"), _text(report / "team.html")
    n = int(re.search(r"Scorecards \((\d+) account managers with customers in 2026Q3\)",
                      index).group(1))
    assert n == 3  # the scorecards rendered here
    assert re.search(r"of the \d+ managers with customers in 2025Q4–2026Q3", team)
    assert "With 25 managers" not in team
    assert "Managers with a survey answer and customers in 2024Q4–2026Q3" in team
    clv = " ".join(_text(report / "clv_churn.html").split())
    for label in ("Logo churn this quarter, as a yearly rate",
                  "Customers lost in the last 12 months (2025Q4–2026Q3)",
                  "Predicted churn over the next 12 months, mean over current accounts",
                  "Chance that a newly won customer leaves at its first renewal"):
        assert label in clv, label
    voice = " ".join(_text(report / "customer_voice.html").split())
    m = re.search(r"(\d+) of the quarter's (\d+) mentions name no account: they count in the "
                  r"company figure only, so the segments add up to (\d+)", voice)
    assert m and int(m.group(2)) - int(m.group(1)) == int(m.group(3))
    growth = " ".join(_text(report / "growth_acquisition.html").split())
    assert "Cohort 2026Q1: prospects first contacted from 2026-01-01 to 2026-03-31" in growth
    summary = " ".join(_text(report / "executive_summary.html").split())
    assert "Prospects converted cohort 2026Q1: first contacted 2026-01-01 to 2026-03-31" \
        in summary


@slow
def test_executed_notebooks_carry_no_execution_metadata(report):
    for p in (report / "notebooks").rglob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert "papermill" not in nb.metadata
        for cell in nb.cells:
            assert "execution" not in cell.metadata and "papermill" not in cell.metadata
            assert cell.get("execution_count") is None


@slow
def test_rendering_twice_is_byte_identical(report, evil_data, tmp_path):
    data, kam = evil_data
    again = render(str(data), "2026Q3", tmp_path, jobs=2, kams=sorted({kam, "K001", "K009"}))
    assert _digest(again) == _digest(report)


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", "report", *args],
                          capture_output=True, text=True)


@slow
def test_bad_quarter_fails_cleanly_and_keeps_the_old_report(report, evil_data):
    data, _ = evil_data
    before = _digest(report)
    r = _cli("--data", str(data), "--quarter", "2031Q1", "--out", str(report.parent))
    assert r.returncode == 2
    assert "2031Q1 is outside the data" in r.stderr and "Traceback" not in r.stderr
    assert _digest(report) == before


@slow
def test_failing_notebook_names_it_and_keeps_the_old_report(report, evil_data, tmp_path):
    """A notebook that breaks mid-run: exit 1, the notebook and cell named, the failed
    notebook kept for inspection, the earlier report byte-identical."""
    from kamlib.config import NOTEBOOKS_DIR

    data, kam = evil_data
    nbs = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, nbs)
    nb = nbformat.read(nbs / "team.ipynb", as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells[code[-1]].source = "raise RuntimeError('the data broke mid-run')"
    nbformat.write(nb, nbs / "team.ipynb")
    before = _digest(report)
    from kamlib.report.render import ReportError

    with pytest.raises(ReportError) as exc:
        render(str(data), "2026Q3", report.parent, jobs=2, kams=[kam], notebooks_dir=nbs)
    msg = str(exc.value)
    assert "notebook team failed at cell" in msg and "the data broke mid-run" in msg
    assert (report.parent / ".failed" / "2026Q3" / "team.ipynb").exists()
    assert _digest(report) == before
    assert not list(report.parent.glob(".staging-*"))
    assert not multiprocessing.active_children()  # the notebooks' workers are gone


def test_a_failed_computation_stops_the_workers_started_for_the_notebooks(
        sample_dir, tmp_path, monkeypatch):
    """The workers start their kernels while the bundle is built; when the build
    fails, they stop too (no worker, no kernel left behind)."""
    from kamlib.report import bundle

    def broken(*args, **kwargs):
        raise RuntimeError("the computation broke mid-run")

    monkeypatch.setattr(bundle, "build", broken)
    with pytest.raises(RuntimeError, match="broke mid-run"):
        render(str(sample_dir), "2026Q3", tmp_path / "out", jobs=2)
    assert not multiprocessing.active_children()
    assert not list((tmp_path / "out").glob(".staging-*"))


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@slow
def test_pages_in_a_real_browser(report, tmp_path):
    """Headless Chromium opens the index and two pages: every image loads, the console
    stays clean. Screenshots are saved next to the test's temp files."""
    import os

    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs it")
        pytest.skip("no chromium on this machine (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    shots = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=browser, args=args)
        for name in ("index.html", "executive_summary.html", "clv_churn.html"):
            page = b.new_page(viewport={"width": 1200, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, p=problems: p.append(str(e)))
            page.on("requestfailed", lambda r, p=problems: p.append(f"failed {r.url}"))
            page.goto((report / name).as_uri())
            loaded = page.evaluate(
                "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
            assert all(loaded), f"{name}: {loaded.count(False)} image(s) did not load"
            if name != "index.html":
                assert len(loaded) >= 1, f"{name} should show its charts"
            assert problems == [], f"{name}: {problems}"
            shot = tmp_path / f"{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
            page.close()
        b.close()
    assert all(s.stat().st_size > 10_000 for s in shots)


# --------------------------------------------------------------------------- building blocks




def test_root_index_lists_rendered_quarters_newest_first(tmp_path):
    for name in ("2026Q2", "2026Q3", "2025Q4", "notes"):
        (tmp_path / name).mkdir()
    for name in ("2026Q2", "2026Q3", "notes"):
        (tmp_path / name / "index.html").write_text("x")
    write_root_index(tmp_path)
    text = (tmp_path / "index.html").read_text()
    # 2025Q4 has no index.html (not rendered) and "notes" is not a quarter
    assert "2 quarter(s), newest first" in text
    assert re.findall(r'href="([^"]+)/index.html"', text) == ["2026Q3", "2026Q2"]


def test_fingerprints_of_a_folder_are_the_sha256_of_each_file(tmp_path):
    from kamlib.data.sources import open_source

    (tmp_path / "accounts.csv").write_bytes(b"abc")
    (tmp_path / "contracts.csv").write_bytes(b"")
    source = open_source(tmp_path, cache=False)
    try:
        # the FIPS 180-2 test vectors: sha256("abc") and sha256("")
        assert fingerprints(source) == {
            "accounts.csv": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "contracts.csv": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        }
    finally:
        source.close()


def test_the_manifest_and_the_check_cache_read_each_file_once(tmp_path, monkeypatch):
    import kamlib.data.sources as sources

    monkeypatch.setenv("KAM_CHECK_CACHE", str(tmp_path / "checks"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "accounts.csv").write_bytes(b"abc")
    (data / "contracts.csv").write_bytes(b"")
    read = []
    real = sources.file_sha256
    monkeypatch.setattr(sources, "file_sha256", lambda path: read.append(path.name) or real(path))
    source = sources.open_source(data)
    try:
        assert source.cache_dir is not None and sorted(read) == ["accounts.csv", "contracts.csv"]
        assert fingerprints(source)["accounts.csv"].startswith("ba7816bf")
        assert sorted(read) == ["accounts.csv", "contracts.csv"]  # not read again
    finally:
        source.close()


# -- account pages: one per current account, listed in the manifest, links that resolve
@slow
def test_every_current_account_has_a_page_listed_in_the_manifest(report, evil_data):
    from kamlib.config import Settings
    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate
    from kamlib.panels.period import Period
    from kamlib.report.paths import page_paths

    with validate(open_source(evil_data[0])) as vd:
        acc = Period(vd, "2026Q3", Settings()).accounts
    current = sorted(acc.loc[acc.customer_end.astype(bool), "account_id"])
    expected = sorted(page_paths([], current).href)
    assert sorted(p.relative_to(report).as_posix()
                  for p in (report / "accounts").glob("*.html")) == expected
    pages = json.loads((report / "manifest.json").read_text())["pages"]
    assert sorted(p for p in pages if p.startswith("accounts/")) == expected
    evil = [p for p in expected if "&lt;script&gt;alert(1)&lt;/script&gt;"
            in (report / p).read_text(encoding="utf-8")]
    assert len(evil) == 1  # the account named like a script tag, shown as text


@slow
def test_every_link_of_an_account_page_resolves(report):
    pages = sorted((report / "accounts").glob("*.html"))
    scorecards = 0
    for page in pages[:40]:
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().exists(), (page.name, href)
            scorecards += href.startswith("../kam/")
    assert scorecards >= 1  # some of these accounts belong to a rendered scorecard
# -- links -----------------------------------------------------------------------------------------
def test_the_navigation_reaches_scorecards_accounts_and_every_quarter():
    from kamlib.report.render import NAV_LINKS

    assert NAV_LINKS == [("index.html#scorecards", "Scorecards"),
                         ("index.html#accounts", "Accounts"), ("../index.html", "All quarters")]


# -- timing feature: --no-account-pages and --timings -------------------------------------------
@slow
def test_without_account_pages_the_other_pages_are_unchanged_and_timings_are_kept_apart(
        report, evil_data, tmp_path):
    data, kam = evil_data
    times_file = tmp_path / "times.json"
    got = render(str(data), "2026Q3", tmp_path / "out", jobs=2,
                 kams=sorted({kam, "K001", "K009"}), account_pages=False, timings=times_file)
    assert not list(got.glob("accounts/*.html"))
    before = {k: v for k, v in _digest(report).items()
              if not k.startswith("accounts/") and k != "manifest.json"}
    assert {k: v for k, v in _digest(got).items() if k != "manifest.json"} == before
    manifest = json.loads((got / "manifest.json").read_text())
    assert not any(p.startswith("accounts/") for p in manifest["pages"])
    times = json.loads(times_file.read_text())
    assert times["counts"] == {"notebooks": 11, "scorecards": 3, "account_pages": 0}
    # the workers export each page after its notebook: HTML is part of the notebooks stage
    assert {"validate", "bundle", "notebooks", "finish"} <= set(times["stages"])
    assert "KPIs" in times["bundle_steps"] and times["per_page"]["scorecard_s"] > 0
    assert abs(sum(times["stages"].values()) - times["total_s"]) < 1e-3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "times.json"]
