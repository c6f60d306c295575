"""Shared fixtures: the sample data set (made once per session when missing)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from kamlib.config import SAMPLE_DIR


@pytest.fixture(autouse=True)
def _logging_as_found():
    """Each test leaves logging as it found it. The command line run in-process gives
    the "kamlib" logger its own handler and level and stops it propagating (so pytest's
    ``caplog`` no longer sees it), and import-linter's ``dictConfig`` disables every
    logger that exists; either would silence the warnings a later test checks."""
    kam = logging.getLogger("kamlib")
    saved = (kam.propagate, kam.level, list(kam.handlers))
    loggers = logging.Logger.manager.loggerDict
    disabled = {n: lg.disabled for n, lg in loggers.items() if isinstance(lg, logging.Logger)}
    yield
    kam.propagate, kam.level, kam.handlers[:] = saved[0], saved[1], saved[2]
    for name, lg in list(loggers.items()):
        if isinstance(lg, logging.Logger):
            lg.disabled = disabled.get(name, False)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The default sample (data/sample), generated into a temp folder if it is missing
    (or was made before a table was added to the contract)."""
    from kamlib.data.contract import TABLES

    if (SAMPLE_DIR / "truth.json").exists() and all(
            (SAMPLE_DIR / f"{t}.csv").exists() for t in TABLES):
        return SAMPLE_DIR
    from kamlib.data.synth import DEFAULT_SEED, synthesize

    out = tmp_path_factory.mktemp("sample")
    synthesize(out, accounts=400, seed=DEFAULT_SEED)
    return out


@pytest.fixture(scope="session")
def truth(sample_dir) -> dict:
    return json.loads((sample_dir / "truth.json").read_text())


@pytest.fixture(scope="session")
def sample_data(sample_dir):
    """The validated sample (shared, read-only)."""
    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate

    vd = validate(open_source(sample_dir))
    yield vd
    vd.close()


@pytest.fixture()
def sample_copy(sample_dir, tmp_path) -> Path:
    """A private copy of the sample that a test may edit."""
    dst = tmp_path / "data"
    shutil.copytree(sample_dir, dst)
    return dst


@pytest.fixture(scope="session")
def sample_bundle(sample_dir, tmp_path_factory):
    """The bundle of the sample's default quarter, as a report builds it (slow: build it
    only in tests marked slow)."""
    from kamlib.report.bundle import open_bundle

    return open_bundle(str(sample_dir), "", str(tmp_path_factory.mktemp("bundle")))


# --------------------------------------------------------------------------- PostgreSQL
REPO = Path(__file__).resolve().parents[1]
PG_ENV = "KAM_TEST_PG_URL"
TLS_ENV = "KAM_TEST_PG_TLS_URL"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster(env: str, prefix: str, *options: str):
    """Yield the URL of a throwaway PostgreSQL cluster: the one named by the environment
    variable ``env`` (``.ci/run`` exports it), else one started with ``.ci/pg-cluster``
    (and stopped at the end). When none can be started the test skips with the reason,
    except under CI (``CI`` set), where it fails: CI must never skip it."""
    import os
    import subprocess
    import tempfile

    if os.environ.get(env):
        yield os.environ[env]
        return
    folder = tempfile.mkdtemp(prefix=prefix)  # under /tmp: the server user must reach it
    script = REPO / ".ci" / "pg-cluster"
    r = subprocess.run(["bash", str(script), "start", folder, str(_free_port()), *options],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        why = (f"no PostgreSQL server could be started locally ({script.name} "
               f"{' '.join(options)}: "
               f"{(r.stderr or r.stdout).strip().splitlines()[-1:] or ['no output']}); "
               f"set {env} or install Debian's postgresql")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield r.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url():
    """URL of a real PostgreSQL server on loopback, as ``postgresql://user:pw@host:port/db``
    (``KAM_TEST_PG_URL`` from ``.ci/run``, or a cluster started here)."""
    yield from _cluster(PG_ENV, "kam-pg-")


@pytest.fixture(scope="session")
def pg_tls_url():
    """URL of a TLS-only PostgreSQL cluster on loopback (``.ci/pg-cluster start … --tls``),
    ``postgresql://kam:…@127.0.0.1:PORT/kam?sslmode=verify-full&sslrootcert=…``
    (``KAM_TEST_PG_TLS_URL`` from ``.ci/run``, or a cluster started here)."""
    yield from _cluster(TLS_ENV, "kam-pg-tls-", "--tls")
