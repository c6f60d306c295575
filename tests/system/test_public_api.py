"""The public API is discoverable: every module says what it exports, ``import kamlib``
offers the main entry points without importing them all, and a quarter may be a string."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import kamlib

MODULES = sorted(m.name for m in pkgutil.walk_packages(kamlib.__path__, "kamlib.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_a_docstring_and_an_all_of_existing_names(name):
    mod = importlib.import_module(name)
    assert mod.__doc__, f"{name} has no docstring"
    assert isinstance(mod.__all__, list | tuple), f"{name} has no __all__"
    assert [n for n in mod.__all__ if not hasattr(mod, n)] == []


def test_the_entry_points_are_on_the_package_and_imported_on_first_use():
    code = ("import sys, kamlib; heavy = [m for m in ('pandas', 'kamlib.report.bundle') "
            "if m in sys.modules]; print(heavy); print(kamlib.compute_kpis.__module__, "
            "kamlib.Bundle.__module__, kamlib.render.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "kamlib.kpis.compute kamlib.report.bundle kamlib.report.render"]
    assert set(kamlib.__all__) <= set(dir(kamlib))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kamlib.nope  # noqa: B018


def test_a_quarter_may_be_a_string_and_settings_default_sensibly():
    q = kamlib.as_quarter("2026Q3")
    assert q == kamlib.Quarter("2026Q3") and str(q) == "2026Q3"
    assert kamlib.as_quarter(q) is q
    assert kamlib.Settings() == kamlib.Settings()  # the documented defaults, no file read
    # the fiscal start month is the caller's (kam.toml is never read behind its back)
    assert kamlib.as_quarter("2026Q1").start.month == 1
    # fiscal year 2026 starting in April 2025: its first quarter is April to June 2025
    assert kamlib.as_quarter("2026Q1", 4).start.isoformat() == "2025-04-01"
