"""The ``kam`` command run as a user runs it: ``python -m kamlib`` in a subprocess, from
the checkout, with this checkout's kamlib first on the path, wide plain output.

>>> kam("--help").returncode
0
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kam(*args: str, cwd=ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``kam *args`` in ``cwd`` and return the finished process (text output); a run
    longer than ``timeout`` seconds fails the test."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "kamlib", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
