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


# --------------------------------------------------------------------------- PostgreSQL
REPO = Path(__file__).resolve().parents[1]
PG_ENV = "KAM_TEST_PG_URL"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_url():
    """URL of a real PostgreSQL server on loopback, as ``postgresql://user:pw@host:port/db``.

    ``.ci/run`` starts a throwaway cluster and exports it as ``KAM_TEST_PG_URL``.
    Without it the fixture starts its own cluster with ``.ci/pg-cluster`` (and stops
    it at the end). When no server can be started the tests skip with the reason,
    except under CI (``CI`` set), where they fail: CI must never skip them.
    """
    import os
    import subprocess
    import tempfile

    if os.environ.get(PG_ENV):
        yield os.environ[PG_ENV]
        return
    folder = tempfile.mkdtemp(prefix="kam-pg-")  # under /tmp: the server user must reach it
    script = REPO / ".ci" / "pg-cluster"
    r = subprocess.run(["bash", str(script), "start", folder, str(_free_port())],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        why = (f"no PostgreSQL server could be started locally ({script.name}: "
               f"{(r.stderr or r.stdout).strip().splitlines()[-1:] or ['no output']}); "
               f"set {PG_ENV} or install Debian's postgresql")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield r.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
