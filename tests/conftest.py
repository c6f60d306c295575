"""Shared fixtures: the sample data set (made once per session when missing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kamlib.config import SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The default sample (data/sample), generated into a temp folder if it is missing."""
    if (SAMPLE_DIR / "truth.json").exists():
        return SAMPLE_DIR
    from kamlib.synth import DEFAULT_SEED, synthesize

    out = tmp_path_factory.mktemp("sample")
    synthesize(out, accounts=400, seed=DEFAULT_SEED)
    return out


@pytest.fixture(scope="session")
def truth(sample_dir) -> dict:
    return json.loads((sample_dir / "truth.json").read_text())


@pytest.fixture(scope="session")
def sample_data(sample_dir):
    """The validated sample (shared, read-only)."""
    from kamlib.sources import open_source
    from kamlib.validate import validate

    vd = validate(open_source(sample_dir))
    yield vd
    vd.close()


@pytest.fixture()
def sample_copy(sample_dir, tmp_path) -> Path:
    """A private copy of the sample that a test may edit."""
    dst = tmp_path / "data"
    shutil.copytree(sample_dir, dst)
    return dst
