"""End to end: targets from a ``targets`` file and from ``kam.toml [targets]`` reach
``kpis.csv``, the KPI cards and the scorecards of a rendered report."""

from __future__ import annotations

import html
import os
import subprocess
import sys

import pandas as pd
import pytest

from kamlib.kpis.targets import judge
from kamlib.present.figures import kpi_info
from kamlib.present.scorecard import target_cell
from kamlib.present.targets import goal

pytestmark = pytest.mark.slow

TARGETS = """kpi,grain,group,period,target,direction
nps,company,all,,10,
nps,company,all,2026Q3,15,
nps,kam,K001,,50,
logo_churn_rate,kam,K001,,0.05,
touchpoints_per_account,kam,K001,,30,at_least
"""


def _text(path) -> str:
    """A page's text as a reader sees it (entities decoded, no-break spaces as spaces)."""
    return html.unescape(path.read_text(encoding="utf-8")).replace("\xa0", " ")


@pytest.fixture(scope="module")
def report(sample_dir, tmp_path_factory):
    import shutil

    base = tmp_path_factory.mktemp("targets")
    data = base / "data"
    shutil.copytree(sample_dir, data)
    (data / "targets.csv").write_text(TARGETS)
    config = base / "kam.toml"
    config.write_text("[targets]\nupsell_rate = 0.2\nnps = 99\n")
    out = base / "out"
    env = {**os.environ, "KAM_CONFIG": str(config)}
    r = subprocess.run([sys.executable, "-m", "kamlib", "report", "--data", str(data),
                        "--out", str(out), "--quarter", "2026Q3", "--kam", "K001"],
                       env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return out / "2026Q3"


def _row(kpis, kpi, grain, group):
    t = kpis[(kpis.kpi == kpi) & (kpis.grain == grain) & (kpis.group == group)]
    assert len(t) == 1, (kpi, grain, group)
    return t.iloc[0]


def test_kpis_csv_carries_each_rows_target_and_status(report):
    kpis = pd.read_csv(report / "kpis.csv", keep_default_na=False, na_values=[""])
    assert list(kpis.columns)[-2:] == ["target", "status"]
    # the 2026Q3 row beats the every-period row and the kam.toml default (99)
    assert _row(kpis, "nps", "company", "all").target == 15
    assert _row(kpis, "nps", "kam", "K001").target == 50
    assert _row(kpis, "logo_churn_rate", "kam", "K001").target == 0.05
    # the kam.toml default holds where the file has nothing for the company ...
    assert _row(kpis, "upsell_rate", "company", "all").target == 0.2
    # ... and never for a segment or a manager
    assert pd.isna(_row(kpis, "upsell_rate", "kam", "K001").target)
    assert kpis.loc[kpis.target.isna(), "status"].isna().all()
    # every status is the judgement of the row's value and interval
    for r in kpis[kpis.target.notna()].itertuples():
        own = kpi_info(r.kpi).higher_is_better
        status = judge(r.value, r.low, r.high, r.target, own)
        assert (r.status if isinstance(r.status, str) else "") == status, r


def test_cards_and_scorecards_show_target_and_status(report):
    kpis = pd.read_csv(report / "kpis.csv", keep_default_na=False, na_values=[""])

    def line(kpi, grain="company", group="all"):
        r = _row(kpis, kpi, grain, group)
        status = r.status if isinstance(r.status, str) else ""
        return goal(r.value, r.target, status, kpi_info(kpi).kind)["text"]

    summary = _text(report / "executive_summary.html")
    assert line("nps") in summary and line("nps").startswith("Target +15: ")
    assert line("upsell_rate").startswith("Target 20.0 %: ") and line("upsell_rate") in summary
    card = _text(report / "kam" / "K001.html")
    for kpi in ("nps", "logo_churn_rate", "touchpoints_per_account"):
        # the manager's own targets, in the scorecard's Target column: the target, and its
        # status under it ("+50" and "within chance (10 short)")
        r = _row(kpis, kpi, "kam", "K001")
        cell = target_cell(r.value, r.target, r.status if isinstance(r.status, str) else "",
                           kpi_info(kpi).kind)
        assert cell["status"] and f'{cell["text"]}<span class="kam-move {cell["cls"]}">' \
            f'{cell["status"]}</span>' in card, kpi
    assert line("nps") in card  # next to the company's
    assert 'class="kam-goal kam-' in card
    voice = _text(report / "customer_voice.html")
    assert line("nps") in voice
