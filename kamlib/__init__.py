"""kamlib: key account management KPIs, survival-based CLV and quarterly reports.

The package is layered (see README, "How it works"); a module imports only from its
own layer or lower ones, lowest first: base (``config``, ``errors``, ``periods``),
``data``, ``panels`` (the only layer that queries the data, with ``data`` and
``report``), ``stats``, ``models``, ``kpis``, ``plots``, ``present``, ``report``.

The main entry points are available here (imported when first used, so that
``import kamlib`` stays quick):

>>> import kamlib
>>> kamlib.Quarter("2026Q3").end
datetime.date(2026, 9, 30)
>>> kamlib.SPECS["nps"].title
'Net Promoter Score'
>>> kamlib.Settings().currency
'EUR'

A quarter's KPIs from a folder of exports (or a database URL), as ``kam kpis`` does::

    with kamlib.validate(kamlib.open_source("data/sample")) as data:
        kpis = kamlib.compute_kpis(data, "2026Q3")

See the README, "Use from Python", for the bundle a report is made of and the report
itself.
"""

from __future__ import annotations

import importlib
from typing import Any

# the one place the version is written (pyproject.toml reads it; see CHANGELOG.md)
__version__ = "0.3.0"

#: public name -> the module that defines it
_ENTRY_POINTS = {
    "Settings": "kamlib.config",
    "load_settings": "kamlib.config",
    "KamError": "kamlib.errors",
    "Quarter": "kamlib.periods",
    "as_quarter": "kamlib.periods",
    "open_source": "kamlib.data.sources",
    "validate": "kamlib.data.validate",
    "synthesize": "kamlib.data.synth",
    "compute_kpis": "kamlib.kpis.compute",
    "resolve_quarter": "kamlib.kpis.compute",
    "REGISTRY": "kamlib.kpis.registry",
    "SPECS": "kamlib.kpis.registry",
    "THEMES": "kamlib.kpis.registry",
    "Bundle": "kamlib.report.bundle",
    "build": "kamlib.report.bundle",
    "open_bundle": "kamlib.report.bundle",
    "render": "kamlib.report.render",
}

__all__ = ["__version__", *_ENTRY_POINTS]


def __getattr__(name: str) -> Any:
    if name in _ENTRY_POINTS:
        value = getattr(importlib.import_module(_ENTRY_POINTS[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'kamlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENTRY_POINTS))
