"""``import kamlib`` (kamlib/__init__.py): the main entry points, each imported from its
module when first used, so that the import itself stays quick."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import kamlib


def test_every_entry_point_is_the_object_of_its_module():
    for name, module in kamlib._ENTRY_POINTS.items():
        assert getattr(kamlib, name) is getattr(importlib.import_module(module), name), name
    assert kamlib.__all__ == ["__version__", *kamlib._ENTRY_POINTS]
    assert set(kamlib.__all__) <= set(dir(kamlib))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'kamlib' has no attribute 'no_such_name'"):
        kamlib.no_such_name  # noqa: B018
    assert not hasattr(kamlib, "compute")  # a module's other names are not entry points


def test_importing_kamlib_imports_none_of_its_modules():
    code = ("import sys, kamlib; print(sorted(m for m in sys.modules if m.startswith('kamlib')),"
            " 'pandas' in sys.modules); kamlib.Quarter; print('kamlib.periods' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["['kamlib'] False", "True"]
