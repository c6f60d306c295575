"""The notebooks' bundle cache: keyed by the code, and a notebook's default data does not
depend on the folder it is run from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamlib.config import SAMPLE_DIR, Settings
from kamlib.report import bundle

ROOT = Path(__file__).resolve().parents[1]


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
