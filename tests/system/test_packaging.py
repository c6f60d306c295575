"""Packaging: pyproject.toml and environment.yml pin the same ranges; the wheel carries
the report notebooks, types, license and the one version; the code is lint-clean."""

import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

import kamlib

ROOT = Path(__file__).resolve().parents[2]


def _conda_check():
    """.ci/conda-check as a module: its CONDA_TO_PYPI is the one list of names that differ."""
    loader = importlib.machinery.SourceFileLoader("conda_check", str(ROOT / ".ci" / "conda-check"))
    spec = importlib.util.spec_from_loader("conda_check", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


CONDA_TO_PYPI = _conda_check().CONDA_TO_PYPI


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", req)
    return m.group(1).lower(), m.group(3).replace(" ", "")


def _requirements() -> list[str]:
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return py["dependencies"] + [r for extra in py["optional-dependencies"].values()
                                 for r in extra]


def test_environment_mirrors_pyproject():
    """Every requirement of pyproject.toml (runtime and extras) is in environment.yml under
    its conda-forge name with the same range, and nothing else is."""
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    (pip_section,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section == ["-e ."]  # kamlib itself: conda has installed every dependency
    assert conda.pop("python") == py["requires-python"]
    assert conda.pop("pip") == ""
    as_pypi: dict[str, str] = {}
    for name, spec in conda.items():
        pypi = re.sub(r"\[.*\]$", "", CONDA_TO_PYPI.get(name, name))
        assert as_pypi.setdefault(pypi, spec) == spec, f"{name}: {spec} differs"
    expected = dict(_split(r) for r in _requirements())
    assert as_pypi == expected


def test_conda_check_maps_every_renamed_package():
    """The PyPI list the conda check installs equals pyproject's requirements, extras
    (ibis backends) included."""
    check = _conda_check()
    specs = [check.as_pypi(s) for s in check.conda_specs(ROOT / "environment.yml")]
    assert "ibis-framework[duckdb]>=10,<13" in specs and "duckdb>=1.3,<2" in specs
    assert "playwright>=1.45,<2" in specs
    assert not any(s.startswith(("python-duckdb", "playwright-python", "ibis-duckdb"))
                   for s in specs)


def test_every_dependency_is_pinned_to_a_range():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for req in _requirements():
        name, spec = _split(req)
        assert spec.startswith("==") or ("<" in spec and ">=" in spec), f"{name} is not pinned"
    pandas = next(r for r in py["dependencies"] if r.startswith("pandas"))
    assert _split(pandas)[1] == ">=2.2,<3"


# -- the wheel ---------------------------------------------------------------------------
#: what a wheel is built from (pyproject.toml, setup.py and MANIFEST.in say the rest)
BUILD_INPUTS = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE",
                "CHANGELOG.md", "kamlib", "notebooks"]


def build_wheel(dest: Path) -> Path:
    """Build kamlib's wheel from a copy of the build inputs (the checkout stays clean)."""
    src = dest / "src"
    for name in BUILD_INPUTS:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            src.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, src / name)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src),
                        "-w", str(dest / "dist")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = (dest / "dist").glob("kamlib-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.mark.slow
def test_wheel_ships_the_repository_notebooks(wheel):
    with zipfile.ZipFile(wheel) as z:
        shipped = {Path(n).name: z.read(n) for n in z.namelist()
                   if n.startswith("kamlib/notebooks/") and n.endswith(".ipynb")}
    repo = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert repo and shipped.keys() == repo.keys()
    assert all(shipped[k] == repo[k] for k in repo), "a shipped notebook differs"


@pytest.mark.slow
def test_wheel_carries_types_license_templates_and_the_version(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"kamlib-{kamlib.__version__}.dist-info/METADATA").decode()
    assert "kamlib/py.typed" in names
    assert f"kamlib-{kamlib.__version__}.dist-info/licenses/LICENSE" in names
    assert any(n.startswith("kamlib/templates/nbconvert/") for n in names)
    assert f"\nVersion: {kamlib.__version__}\n" in meta
    assert "\nLicense-Expression: MIT\n" in meta
    assert not any(n.startswith(("tests/", "notebooks/", "data/")) for n in names)


def test_the_version_is_written_once():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in py["project"] and "version" in py["project"]["dynamic"]
    assert py["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kamlib.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", kamlib.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{kamlib.__version__}]" in changelog


def test_license_file_and_spdx_expression():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert py["project"]["license"] == "MIT" and py["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "The kamlib authors" in (ROOT / "LICENSE").read_text()
    assert any(r.startswith("setuptools>=77") for r in py["build-system"]["requires"])
    assert (ROOT / "kamlib" / "py.typed").exists()


def test_jupyterlab_is_an_extra_not_a_runtime_dependency():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(_split(r)[0] == "jupyterlab" for r in py["dependencies"])
    assert any(_split(r)[0] == "jupyterlab" for r in py["optional-dependencies"]["lab"])
    assert ".[test,lab]" in (ROOT / "Makefile").read_text()


def test_the_postgresql_driver_is_psycopgs_c_build():
    """The installed dependencies give psycopg's compiled row loaders: the pure-Python
    fallback reads rows about 4 times slower (kam kpis from PostgreSQL, see README)."""
    import psycopg

    assert psycopg.pq.__impl__ in ("c", "binary")
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(r.startswith("psycopg[binary]") for r in py["dependencies"])


def test_ruff_is_clean_on_code_tests_bench_and_notebooks():
    """The same check as `make lint` and the pre-commit hook."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    r = subprocess.run([ruff, "check", "kamlib", "tests", "bench", "notebooks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "ruff check kamlib tests bench notebooks" in (ROOT / "Makefile").read_text()


def test_pre_commit_runs_ruff_and_nbstripout_and_notebooks_have_no_outputs():
    hooks = {h["id"]: h for repo in yaml.safe_load(
        (ROOT / ".pre-commit-config.yaml").read_text())["repos"] for h in repo["hooks"]}
    assert "ruff check" in hooks["ruff"]["entry"] and "jupyter" in hooks["ruff"]["types_or"]
    assert hooks["nbstripout"]["entry"] == "nbstripout --keep-id"
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in cells if c["cell_type"] == "code"), f"{nb.name} has outputs"


def test_data_and_reports_track_their_readmes_only():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT,
                              timeout=30).returncode == 0

    for readme in ("data/README.md", "reports/README.md"):
        assert (ROOT / readme).exists() and not ignored(readme)
    for generated in ("data/sample/accounts.csv", "data/raw/export.csv", "data/kam.duckdb",
                      "reports/2026Q3/index.html", "reports/index.html", ".cache/bundles/x",
                      "dist/kamlib-0.2.0-py3-none-any.whl"):
        assert ignored(generated), generated
