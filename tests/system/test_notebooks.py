"""The report notebooks: each makes one setup call and only shows what the bundle holds,
and runs on its defaults from any folder (the default data does not depend on the folder
it is run from)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kamlib.config import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[2]


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
    # one setup call; a page below the quarter's folder says how deep (links feature)
    assert len(re.findall(r"notebook_setup\(data, quarter, cache(?:, depth=\d)?\)", text)) == 1
    found = [s for s in NOTEBOOK_COMPUTING if s in text]
    assert not found, f"{path.name} computes: {found}"
