"""The render matrix: ``kam report`` exits 0 and every page renders, whatever the quarter
and whatever optional part of the data is missing.

Cases (each one ``kam report`` run with one or a few scorecards and ``--jobs 2``), on a
smaller copy of the sample (the books of a few KAMs, with all their history, so that
each render takes seconds rather than a minute):

* the 8 trailing quarters, survey-wave quarters and quarters without a wave alike
  (theme pages and one scorecard each);
* without each optional table, and without every optional column, in a quarter
  without a survey wave;
* edge cases: a KAM who leaves during the quarter (their accounts handed over), a KAM
  who left before it, a KAM with a single account and a segment with a single account.

Each case checks the exit code, that every expected page exists and holds no error
text, and something of its content (the latest-wave label on the customer voice page
in a quarter without a survey, "no data" where a table is missing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kamlib.data.contract import TABLES
from kamlib.periods import Quarter
from kamlib.report.render import THEMES

pytestmark = pytest.mark.slow

LATEST = Quarter("2026Q3")  # the sample's default quarter (truth.json)
TRAILING = [str(LATEST.shift(-k)) for k in range(7, -1, -1)]
NO_WAVE = "2026Q2"  # the latest quarter of the sample without an NPS survey wave
OPTIONAL = ("assignments", "mentions", "objectives", "sla_checks", "employee_surveys",
            "acquisition_costs")
SMALL_KAMS = ("K001", "K002", "K003", "K004", "K005", "K006")
NPS_CARD = re.compile(r'kam-title">Net Promoter Score</div><div class="kam-value">([^<]+)</div>'
                      r'(?:<div class="kam-asof">([^<]+))?')
ERROR_TEXT = re.compile(r"Traceback|\b[A-Z]\w*Error\b|application/vnd\.jupyter\.stderr")


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, folder: Path, table: str) -> None:
    df.to_csv(folder / f"{table}.csv", index=False)


def _kam_report(data: Path, quarter: str, out: Path, kams: list[str]) -> Path:
    """Run ``kam report`` as the cron job would; assert exit 0; return the quarter's folder."""
    args = ["--data", str(data), "--quarter", quarter, "--out", str(out), "--jobs", "2"]
    for k in kams:
        args += ["--kam", k]
    r = subprocess.run([sys.executable, "-m", "kamlib", "report", *args],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"kam report {quarter} on {data.name}: {r.stderr[-2000:]}"
    return out / quarter


def _pages(folder: Path, kams: list[str]) -> dict[str, str]:
    """Every expected page's text; fails when one is missing or shows an error."""
    names = [f"{n}.html" for n, _t in THEMES] + [f"kam/{k}.html" for k in kams]
    assert (folder / "index.html").exists() and (folder / "kpis.csv").exists()
    out = {}
    for name in names:
        page = folder / name
        assert page.exists(), f"{folder.name}: {name} is missing"
        text = page.read_text(encoding="utf-8")
        bad = ERROR_TEXT.search(text)
        assert bad is None, f"{folder.name}/{name} shows {bad.group(0)!r}"
        out[name] = text
    return out


def _has_wave(sample: Path, quarter: str) -> bool:
    q = Quarter(quarter)
    on = pd.to_datetime(_read(sample, "nps_responses").responded_on)
    return bool(((on >= pd.Timestamp(q.start)) & (on <= pd.Timestamp(q.end))).any())


def _shrink(src: Path, dst: Path, kams=SMALL_KAMS) -> Path:
    """A copy of the sample with only the accounts that ``kams`` ever owned (and what
    hangs off them), so that each variant renders fast; references stay whole."""
    shutil.copytree(src, dst)
    acc, asg = _read(dst, "accounts"), _read(dst, "assignments")
    keep = set(acc.account_id[acc.kam_id.isin(kams)]) | set(asg.account_id[asg.kam_id.isin(kams)])
    acc = acc[acc.account_id.isin(keep)].copy()
    acc.loc[~acc.referred_by.isin(keep), "referred_by"] = ""
    _write(acc, dst, "accounts")
    for table in ("assignments", "contracts", "invoices", "interactions", "nps_responses",
                  "objectives", "sla_checks"):
        df = _read(dst, table)
        _write(df[df.account_id.isin(keep)], dst, table)
    m = _read(dst, "mentions")
    _write(m[m.account_id.isin(keep) | (m.account_id == "")], dst, "mentions")
    pro = _read(dst, "prospects")
    pro = pro[pro.kam_id.isin(kams)].copy()
    for col in ("account_id", "referred_by"):
        pro.loc[~pro[col].isin(keep), col] = ""
    _write(pro, dst, "prospects")
    t = _read(dst, "prospect_touches")
    _write(t[t.prospect_id.isin(set(pro.prospect_id))], dst, "prospect_touches")
    return dst


@pytest.fixture(scope="session")
def small(sample_dir, tmp_path_factory) -> Path:
    return _shrink(sample_dir, tmp_path_factory.mktemp("matrix") / "small")


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("matrix-reports")


# --------------------------------------------------------------------------- quarters
@pytest.mark.parametrize("quarter", TRAILING)
def test_every_trailing_quarter_renders(small, reports, quarter):
    folder = _kam_report(small, quarter, reports / "quarters", ["K001"])
    pages = _pages(folder, ["K001"])
    voice = pages["customer_voice.html"]
    card = NPS_CARD.search(voice)
    assert card, f"{quarter}: no NPS card with a value"
    if not _has_wave(small, quarter):
        # the latest wave within 12 months, labelled with its period, instead of a crash
        prev = next(q for q in (str(Quarter(quarter).shift(-k)) for k in (1, 2, 3))
                    if _has_wave(small, q))
        assert card.group(2) == f"{prev} wave" and f"no data in {quarter}" in voice
        assert "There was no NPS survey" in pages["executive_summary.html"]
        assert f"{prev} wave" in pages["kam/K001.html"]
    else:
        assert card.group(2) is None  # this quarter's own figure
    # -- the book's value bridge: the CLV page and the scorecard show it as a waterfall (from
    # the data's second quarter with churn on), or say why not
    for name in ("clv_churn.html", "kam/K001.html"):
        text = pages[name]
        assert "The book's value this quarter" in text, name
        assert f'<img alt="Lifetime value of the book, {quarter}: from EUR' in text or \
            "No churn model at the end of" in text, name


def test_the_matrix_covers_quarters_with_and_without_a_wave(small):
    waves = [_has_wave(small, q) for q in TRAILING]
    assert any(waves) and not all(waves) and not _has_wave(small, NO_WAVE)


# --------------------------------------------------------------------------- optional data
@pytest.mark.parametrize("table", OPTIONAL)
def test_renders_without_each_optional_table(small, reports, tmp_path, table):
    assert TABLES[table].optional
    data = tmp_path / f"no_{table}"
    shutil.copytree(small, data)
    (data / f"{table}.csv").unlink()
    pages = _pages(_kam_report(data, NO_WAVE, reports / f"no_{table}", ["K001"]), ["K001"])
    no_data = '</div><div class="kam-value kam-muted">no data'
    page, text = {
        "mentions": ("customer_voice.html", "Net sentiment of mentions (−1 to +1)" + no_data),
        "objectives": ("engagement_outcomes.html", "No customer objectives in the data"),
        "sla_checks": ("growth_acquisition.html", "SLA compliance" + no_data),
        "employee_surveys": ("team.html", "No employee survey in the data"),
        "assignments": ("kam/K001.html", "Current accounts"),
        # acquisition costs: the growth page's channel table says why CAC has no figure
        "acquisition_costs": ("growth_acquisition.html", "No acquisition costs were supplied"),
    }[table]
    assert text in pages[page]


def test_renders_without_any_optional_column(small, reports, tmp_path):
    data = tmp_path / "no_optional_columns"
    shutil.copytree(small, data)
    for name, spec in TABLES.items():
        if (data / f"{name}.csv").exists():
            df = _read(data, name)
            _write(df.drop(columns=[c.name for c in spec.columns if not c.required
                                    and c.name in df]), data, name)
    _pages(_kam_report(data, NO_WAVE, reports / "no_optional_columns", ["K001"]), ["K001"])


# --------------------------------------------------------------------------- edge cases
@pytest.fixture(scope="session")
def edges(small, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The small copy with K002 leaving mid-quarter (accounts handed to K003), K006
    keeping a single account, and one current account alone in its segment."""
    data = tmp_path_factory.mktemp("matrix-edges") / "edges"
    shutil.copytree(small, data)
    q = Quarter(NO_WAVE)
    left = (pd.Timestamp(q.start) + pd.Timedelta(days=40)).date().isoformat()
    handover = (pd.Timestamp(left) + pd.Timedelta(days=1)).date().isoformat()
    kam, acc, asg = _read(data, "account_managers"), _read(data, "accounts"), \
        _read(data, "assignments")
    con = _read(data, "contracts")
    live = set(con.account_id[con.end_on >= q.end.isoformat()])
    # K002 leaves during the quarter
    kam.loc[kam.kam_id == "K002", "left_on"] = left
    open_rows = (asg.kam_id == "K002") & (asg.to_on == "")
    moved = asg[open_rows].assign(kam_id="K003", from_on=handover)
    asg.loc[open_rows, "to_on"] = left
    asg = pd.concat([asg, moved], ignore_index=True)
    acc.loc[acc.kam_id == "K002", "kam_id"] = "K003"
    # K006 keeps one current account; the others go to K001 for their whole history
    own = sorted(set(acc.account_id[acc.kam_id == "K006"]) & live)
    others = set(acc.account_id[acc.kam_id == "K006"]) - {own[0]}
    acc.loc[acc.account_id.isin(others), "kam_id"] = "K001"
    asg.loc[asg.account_id.isin(others) & (asg.kam_id == "K006"), "kam_id"] = "K001"
    # one current account that answered the latest survey, alone in a new segment
    wave = Quarter(NO_WAVE).previous()
    res = _read(data, "nps_responses")
    answered = set(res.account_id[(res.responded_on >= wave.start.isoformat())
                                  & (res.responded_on <= wave.end.isoformat())])
    solo = sorted(live & answered & set(acc.account_id[acc.kam_id == "K001"]))[0]
    acc.loc[acc.account_id == solo, "segment"] = "public_sector"
    _write(kam, data, "account_managers")
    _write(acc, data, "accounts")
    _write(asg, data, "assignments")
    return data, {"left": "K002", "left_before": "K005", "single": "K006",
                  "solo": str(acc.loc[acc.account_id == solo, "name"].iloc[0])}


def test_edge_kams_and_a_single_account_segment(edges, reports):
    data, who = edges
    kams = sorted([who["left"], who["left_before"], who["single"]])
    pages = _pages(_kam_report(data, NO_WAVE, reports / "edges", kams), kams)
    assert "left on" in pages[f"kam/{who['left']}.html"]
    assert "has no accounts this quarter" in pages[f"kam/{who['left_before']}.html"]
    single = pages[f"kam/{who['single']}.html"]
    assert re.search(r"Current accounts</div><div><b>1</b>", single)
    for name in ("customer_voice.html", "growth_acquisition.html"):
        assert "Public sector" in pages[name], name
