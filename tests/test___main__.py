"""``python -m kamlib`` (kamlib/__main__.py) runs the kam command."""

from __future__ import annotations

import subprocess
import sys

from kamlib import __version__


def test_python_dash_m_kamlib_is_the_kam_command():
    r = subprocess.run([sys.executable, "-m", "kamlib", "--version"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"kamlib {__version__}"
