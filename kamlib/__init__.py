"""kamlib: key account management KPIs, survival-based CLV and quarterly reports.

The package is layered (see README, "How it works"); a module imports only from its
own layer or lower ones, lowest first: base (``config``, ``errors``, ``periods``),
``data``, ``panels`` (the only layer that queries the data, with ``data`` and
``report``), ``stats``, ``models``, ``kpis``, ``plots``, ``present``, ``report``.

>>> from kamlib.periods import Quarter
>>> Quarter("2026Q3").end
datetime.date(2026, 9, 30)
"""

__all__ = ["__version__"]

# the one place the version is written (pyproject.toml reads it; see CHANGELOG.md)
__version__ = "0.2.0"
