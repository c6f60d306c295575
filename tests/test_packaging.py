"""pyproject.toml and environment.yml pin the same dependency ranges."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge splits Ibis into a core package and one package per backend
CONDA_NAMES = {"ibis-framework": ["ibis-framework-core", "ibis-duckdb", "ibis-postgres"]}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", req)
    return m.group(1).lower(), m.group(3).replace(" ", "")


def test_environment_mirrors_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = py["dependencies"] + py["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    for req in reqs:
        name, spec = _split(req)
        for conda_name in CONDA_NAMES.get(name, [name]):
            assert conda_name in conda, f"{conda_name} missing from environment.yml"
            assert conda[conda_name] == spec, f"{conda_name}: {conda[conda_name]} != {spec}"
    assert conda["python"] == py["requires-python"]


def test_every_dependency_is_pinned_to_a_range():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for req in py["dependencies"] + py["optional-dependencies"]["test"]:
        name, spec = _split(req)
        assert spec.startswith("==") or ("<" in spec and ">=" in spec), f"{name} is not pinned"
    pandas = next(r for r in py["dependencies"] if r.startswith("pandas"))
    assert _split(pandas)[1] == ">=2.2,<3"
