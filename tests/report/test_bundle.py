"""The notebooks' bundle cache: keyed by the code, and a notebook's default data does not
depend on the folder it is run from."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamlib.config import SAMPLE_DIR, Settings
from kamlib.report import bundle

ROOT = Path(__file__).resolve().parents[2]


def test_code_hash_changes_with_any_source_file(tmp_path):
    pkg = tmp_path / "kamlib"
    shutil.copytree(ROOT / "kamlib", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    files = sorted(pkg.rglob("*.py"))
    before = bundle.code_hash(files)
    assert bundle.code_hash(files) == before  # stable
    target = pkg / "kpis" / "compute.py"
    target.write_text(target.read_text() + "\n# an edit\n")
    assert bundle.code_hash(files) != before
    # a file moved into a subpackage with the same contents is another code
    (pkg / "sub").mkdir()
    shutil.copy(pkg / "kpis" / "compute.py", pkg / "sub" / "compute.py")
    assert bundle.code_hash(sorted(pkg.rglob("*.py"))) != bundle.code_hash(files)


def test_the_package_hash_is_computed_once_and_covers_every_module(monkeypatch):
    monkeypatch.setattr(bundle, "_CODE_HASH", None)
    first = bundle.code_hash()
    assert first == bundle.code_hash(sorted((ROOT / "kamlib").rglob("*.py")))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read again"))
    assert bundle.code_hash() == first


def test_cache_key_follows_the_code_not_the_version(monkeypatch, sample_dir):
    settings = Settings()
    monkeypatch.setattr(bundle, "_CODE_HASH", "a" * 64)
    key = bundle._cache_key(str(sample_dir), "2026Q3", settings)
    monkeypatch.setattr("kamlib.__version__", "99.0.0")
    assert bundle._cache_key(str(sample_dir), "2026Q3", settings) == key
    monkeypatch.setattr(bundle, "_CODE_HASH", "b" * 64)
    assert bundle._cache_key(str(sample_dir), "2026Q3", settings) != key


@pytest.mark.slow
@pytest.mark.parametrize("where, notebook, params", [
    # the README's command, from the repository root
    ("repository root", "kam_scorecard", ["-p", "kam_id", "K005"]),
    ("another folder", "executive_summary", []),
])
def test_papermill_runs_a_notebook_on_its_defaults_from_any_folder(where, notebook, params,
                                                                   sample_dir, tmp_path):
    """`papermill notebooks/kam_scorecard.ipynb out.ipynb -p kam_id K005` from the
    repository root (or a notebook from any folder): the empty `data` default is the
    project's sample, not a path relative to the working directory. The second run
    reuses the bundle the first one cached."""
    from jupyter_client.kernelspec import find_kernel_specs

    cwd = ROOT if where == "repository root" else tmp_path
    nb = f"notebooks/{notebook}.ipynb" if cwd == ROOT else \
        str(ROOT / "notebooks" / f"{notebook}.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("KAM_DATA", "KAM_HOME")}
    if Path(sample_dir) != SAMPLE_DIR:  # no data/sample in this checkout: say where it is
        env["KAM_DATA"] = str(sample_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    kernel = [] if "kam" in find_kernel_specs() else ["-k", "python3"]  # make venv adds kam
    out = tmp_path / "out.ipynb"
    r = subprocess.run([sys.executable, "-m", "papermill", nb, str(out), *params, *kernel,
                        "--no-progress-bar"], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    cells = json.loads(out.read_text())["cells"]
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    text = json.dumps(cells)
    assert "data folder not found" not in text and "Quarter 20" in text
    if params:
        assert "K005" in text


# -- the typed bundle ------------------------------------------------------------------------
def _small_bundle(**kw):
    import numpy as np
    import pandas as pd

    from kamlib.periods import Quarter
    from kamlib.report.facts import BacktestFacts, Comparison, Mentions, Window

    summary = pd.DataFrame({"exp(coef)": [1.2, 0.8]},
                           index=pd.Index(["gap_30d", "recent_nps"], name="covariate"))
    return bundle.Bundle(
        Quarter("2026Q3"), Settings(currency="CHF"), Quarter("2026Q3").end, "data/sample",
        window=Window(["2025Q4", "2026Q1", "2026Q2", "2026Q3"], "2025Q4–2026Q3"),
        mentions=Mentions(all=10, unlinked=4), backtest_scores=BacktestFacts(error="no churn"),
        comparisons={"logo_churn_rate": Comparison(kpi="logo_churn_rate", target=0.03,
                                                   dispersion={"phi": 1.2})},
        kpis=pd.DataFrame({"kpi": ["nps", "nrr"], "value": [12.5, np.nan]}),
        accounts=pd.DataFrame({"account_id": ["a", "b"], "name": ["A", np.nan],
                               "kam_id": ["K1", None]}),
        model_summary=summary, **kw)


def test_a_bundle_reads_back_as_it_was_saved(tmp_path):
    import pandas as pd

    b = _small_bundle()
    b.save(tmp_path)
    back = bundle.Bundle.load(tmp_path)
    assert (back.quarter, back.settings, back.as_of, back.source) == \
        (b.quarter, b.settings, b.as_of, b.source)
    for name in ("window", "mentions", "backtest_scores", "comparisons", "churn_model",
                 "lifetime", "data_quality"):
        assert getattr(back, name) == getattr(b, name), name
    assert back.mentions.linked == 6
    assert back.names == b.names and {"accounts", "kpis", "model_summary"} <= set(b.names)
    assert "clv" not in b.names  # no churn model: None, not an empty frame
    pd.testing.assert_frame_equal(back.kpis, b.kpis)
    # a missing name stays missing (not the text "nan"); the named index is kept
    assert back.accounts.name.isna().tolist() == [False, True]
    assert back.accounts.kam_id.isna().tolist() == [False, True]
    pd.testing.assert_frame_equal(back.model_summary, b.model_summary)
    assert back.clv is None and not (tmp_path / "clv.parquet").exists()
    # a frame set to None is removed from the folder when the bundle is saved again
    dataclasses.replace(back, model_summary=None).save(tmp_path)
    assert not (tmp_path / "model_summary.parquet").exists()


def test_the_bundle_lists_its_quarter_and_frames():
    b = _small_bundle()
    text = repr(b)
    assert text.splitlines()[0] == f"Bundle 2026Q3 (as of 2026-09-30), {len(b.names)} frames:"
    assert "  kpis: 2 rows" in text and "  model_summary: 2 rows" in text
    assert "  clv:" not in text


def test_code_reading_a_bundle_by_name_still_works():
    """present reads frames by name and the quarter, settings and cohort from ``meta``."""
    b = _small_bundle()
    assert b.frame("kpis").equals(b.kpis) and b.frame("kpis") is not b.kpis
    assert b.frame("clv").empty and b.frame("no_such_frame").empty
    meta = b.meta
    assert meta["quarter"] == "2026Q3" and meta["settings"]["currency"] == "CHF"
    assert meta["as_of"] == "2026-09-30" and meta["mentions"] == {"all": 10, "unlinked": 4}
    assert meta["conversion_cohort"] == {"quarter": "", "start": "", "end": ""}
    assert json.loads(json.dumps(meta)) == meta  # plain JSON


def test_rows_select_by_columns_in_the_frames_order():
    import pandas as pd

    b = _small_bundle(risk_ranking=pd.DataFrame({"kam_id": ["K2", "K1", "K1", "K1"],
                                                 "rank": [1, 2, 3, 4]}))
    assert b.rows("risk_ranking", kam_id="K1")["rank"].tolist() == [2, 3, 4]
    assert b.rows("risk_ranking", head=2, kam_id="K1")["rank"].tolist() == [2, 3]
    assert b.rows("risk_ranking", kam_id="K9").empty
    assert b.rows("risk_ranking", team="a").empty  # no such column: nothing matches
    assert b.rows("clv").empty


def test_managers_are_compared_once_with_the_settings_seed():
    """compare_managers runs compare_kams with Settings.seed (the growth page used seed 0)
    and Bundle.comparison gives back what compare_kams returns, with managers' names."""
    import pandas as pd

    from kamlib.kpis.compare import compare_kams
    from kamlib.report.comparisons import compare_managers

    trailing = pd.DataFrame({"kpi": "logo_churn_rate", "grain": "kam",
                             "group": ["K1", "K2", "K3", "K4"], "period": "2025Q4–2026Q3",
                             "value": [0.0, 0.1, 0.2, 0.05], "low": 0.0, "high": 1.0,
                             "n": [10, 20, 10, 40], "k": [0, 2, 2, 2]})
    kpis = trailing.assign(kpi="conversion_rate").drop(columns="k")
    names = {"K1": "Kira", "K2": "Ole", "K3": "Ana"}
    seed = Settings().seed
    frames, facts = compare_managers({"kam_trailing": trailing, "kpis": kpis}, names, seed)
    b = dataclasses.replace(_small_bundle(), **frames, comparisons=facts)
    for kpi, source, hib in (("logo_churn_rate", trailing, False),
                             ("conversion_rate", kpis, True)):
        want = compare_kams(source, kpi, higher_is_better=hib, seed=seed)
        got = b.comparison(kpi)
        assert got.target == want.target and facts[kpi].managers == 4
        pd.testing.assert_frame_equal(got.funnel.drop(columns="manager"),
                                      want.funnel.reset_index(drop=True))
        assert got.funnel.manager.tolist()[:3] == ["Kira", "Ole", "Ana"]
        pd.testing.assert_frame_equal(got.limits, want.limits.reset_index(drop=True))
        shrunk = want.shrunk.assign(manager=want.shrunk.group.map(names)
                                    .fillna(want.shrunk.group)).sort_values("manager")
        pd.testing.assert_frame_equal(got.shrunk, shrunk.reset_index(drop=True))
    assert b.comparison("upsell_rate").funnel.empty  # nothing to compare: empty, no error


def test_the_scorecard_head_of_a_manager():
    import pandas as pd

    from kamlib.report.pages import kam_card

    summary = pd.DataFrame({"kam_id": ["K1", "K2"], "name": ["Kira", "Ole"],
                            "team": ["team_a", None], "region": ["north", None],
                            "hired_on": ["2020-01-06", "2019-03-01"],
                            "left_on": [None, "2026-08-31"], "accounts": [3, 0],
                            "clv": [1e6, 0.0], "on_churn_funnel": [True, False]})
    b = _small_bundle(kam_summary=summary)
    k1 = kam_card(b, "K1")
    assert (k1.known, k1.name, k1.accounts, k1.on_churn_funnel, k1.notes) == \
        (True, "Kira", 3, True, [])
    assert k1.risk_empty.startswith("No churn model")
    k2 = kam_card(b, "K2")
    assert k2.notes == [("info", "Ole left on 2026-08-31."),
                        ("warning", "Ole has no accounts this quarter, so there is no "
                                    "scorecard to show.")]
    assert k2.risk_empty == k2.gaps_empty == "No current accounts."
    k9 = kam_card(b, "K9")
    assert not k9.known and k9.name == "K9"
    assert [kind for kind, _text in k9.notes] == ["alert", "warning"]


NOTEBOOK_COMPUTING = ("import pandas", "pd.", ".groupby(", ".merge(", ".sort_values(",
                      ".assign(", ".dropna(", ".map(", "compare_kams", "account_view(",
                      "objective_link(", "accounts_to_act_on", "contact_alerts(",
                      "value_at_risk_by", "warnings", "open_bundle", "b.meta", "b.frame(")


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_notebooks_only_display(path):
    """Each report notebook makes one setup call and then only shows what the bundle
    holds: no pandas, no comparison or ranking computed, no warnings filter."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    text = "\n".join(code)
    assert text.count("notebook_setup(data, quarter, cache)") == 1
    found = [s for s in NOTEBOOK_COMPUTING if s in text]
    assert not found, f"{path.name} computes: {found}"


# -- building on the sample --------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(sample_data, tmp_path_factory):
    """The sample's bundle, built with the default settings (no kam.toml read), counting
    how often the quarter's churn model is fitted."""
    from unittest import mock

    from kamlib.kpis.compute import resolve_quarter
    from kamlib.models import survival

    q = resolve_quarter(sample_data, None, Settings())
    fits = []
    real = survival.fit_churn_model

    def counted(data, quarter, settings, *a, **kw):
        fits.append(str(quarter))
        return real(data, quarter, settings, *a, **kw)

    with mock.patch.object(survival, "fit_churn_model", counted), \
            mock.patch.object(bundle, "load_settings", side_effect=AssertionError("read")):
        b = bundle.build(sample_data, q, tmp_path_factory.mktemp("bundle"))
    return b, fits


@pytest.mark.slow
def test_build_fits_the_churn_model_once_and_stores_what_the_pages_show(built):
    b, fits = built
    assert b.settings == Settings()
    assert fits.count(str(b.quarter)) == 1  # the KPIs and the bundle share one model
    assert b.churn_model.error is None and b.clv is not None and len(b.clv)
    assert b.model_summary.index.name == "covariate"
    assert set(b.churn_model.factor_labels) == set(b.model_summary.index)
    assert set(b.ph_check.verdict) <= {"may change over time", "no sign of change"}
    assert b.backtest_scores.error is None and len(b.calibration) == 5
    assert list(b.calibration.columns[:6]) == ["p", "k", "n", "observed", "low", "high"]
    assert b.km_recent_cohorts.group.nunique() <= 5
    # one ranking for the whole company; a manager's list is the company's, restricted
    k = b.risk_ranking.kam_id.iloc[0]
    mine = b.rows("risk_ranking", kam_id=k)
    assert mine["rank"].is_monotonic_increasing and mine["rank"].iloc[0] == 1
    assert b.contact_gaps.accounts == len(b.contact_alerts)
    assert (b.objectives_short.attainment < 0.8).all()
    assert set(b.comparisons) == {"logo_churn_rate", "upsell_rate", "conversion_rate"}
    assert set(b.kam_funnel.kpi) <= set(b.comparisons)
    assert b.kam_summary.accounts.sum() == len(b.account_view)


@pytest.mark.slow
def test_a_built_bundle_reads_back_the_same(built, tmp_path):
    import pandas as pd

    b, _fits = built
    back = bundle.Bundle.load(b.save(tmp_path))
    assert back.names == b.names and back.meta == b.meta
    for name in b.names:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(b, name), obj=name)
