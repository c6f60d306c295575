"""The bundle (kamlib.report.bundle): its cache keyed by the code, the typed bundle saved
and read back, and the sample's bundle built with one churn model."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from bundle_builder import small_bundle

from kamlib.config import Settings
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


# -- the typed bundle ------------------------------------------------------------------------
def test_a_bundle_reads_back_as_it_was_saved(tmp_path):
    import pandas as pd

    b = small_bundle()
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


def test_a_bundle_read_once_is_the_one_saved_and_each_reader_gets_its_own_copy(tmp_path):
    import pandas as pd

    b = small_bundle()
    b.save(tmp_path)
    first = bundle.load_once(tmp_path)
    for name in ("window", "mentions", "comparisons", "churn_model", "lifetime"):
        assert getattr(first, name) == getattr(b, name), name
    pd.testing.assert_frame_equal(first.kpis, bundle.Bundle.load(tmp_path).kpis)
    # a notebook that changes what it was given does not change what the next one reads
    first.kpis.loc[:, "value"] = -1.0
    first.comparisons.clear()
    second = bundle.load_once(tmp_path)
    pd.testing.assert_frame_equal(second.kpis, b.kpis)
    assert second.comparisons == b.comparisons
    # every frame, changed in place, whether read as an attribute or through rows()
    third, other = bundle.load_once(tmp_path), bundle.load_once(tmp_path)
    for name in third.names:
        f = getattr(third, name)
        assert f is getattr(third, name)  # one copy per reader, kept
        f.drop(index=f.index, inplace=True)
        r = other.rows(name)  # a copy of its own too
        r.drop(index=r.index, inplace=True)
    fourth, saved = bundle.load_once(tmp_path), bundle.Bundle.load(tmp_path)
    for name in saved.names:
        pd.testing.assert_frame_equal(getattr(fourth, name), getattr(saved, name), obj=name)
    # a frame the notebook sets is its own, as set
    mine = b.kpis.head(1)
    fourth.kpis = mine
    assert fourth.kpis is mine and fourth.frame("kpis") is not mine
    # a bundle saved again (kam report --kam rewrites it) is read again
    dataclasses.replace(b, kpis=b.kpis.head(1)).save(tmp_path)
    assert len(bundle.load_once(tmp_path).kpis) == 1


def test_the_bundle_lists_its_quarter_and_frames():
    b = small_bundle()
    text = repr(b)
    assert text.splitlines()[0] == f"Bundle 2026Q3 (as of 2026-09-30), {len(b.names)} frames:"
    assert "  kpis: 2 rows" in text and "  model_summary: 2 rows" in text
    assert "  clv:" not in text


def test_code_reading_a_bundle_by_name_still_works():
    """present reads frames by name and the quarter, settings and cohort from ``meta``."""
    b = small_bundle()
    assert b.frame("kpis").equals(b.kpis) and b.frame("kpis") is not b.kpis
    assert b.frame("clv").empty and b.frame("no_such_frame").empty
    meta = b.meta
    assert meta["quarter"] == "2026Q3" and meta["settings"]["currency"] == "CHF"
    assert meta["as_of"] == "2026-09-30" and meta["mentions"] == {"all": 10, "unlinked": 4}
    assert meta["conversion_cohort"] == {"quarter": "", "start": "", "end": ""}
    assert json.loads(json.dumps(meta)) == meta  # plain JSON


def test_rows_select_by_columns_in_the_frames_order():
    import pandas as pd

    b = small_bundle(risk_ranking=pd.DataFrame({"kam_id": ["K2", "K1", "K1", "K1"],
                                                 "rank": [1, 2, 3, 4]}))
    assert b.rows("risk_ranking", kam_id="K1")["rank"].tolist() == [2, 3, 4]
    assert b.rows("risk_ranking", head=2, kam_id="K1")["rank"].tolist() == [2, 3]
    assert b.rows("risk_ranking", kam_id="K9").empty
    assert b.rows("risk_ranking", team="a").empty  # no such column: nothing matches
    assert b.rows("clv").empty


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
    real = survival.survival_panel  # built once per fit (fit_churn_model is its cache)

    def counted(data, quarter, settings, *a, **kw):
        fits.append(str(quarter))
        return real(data, quarter, settings, *a, **kw)

    with mock.patch.object(survival, "survival_panel", counted), \
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
