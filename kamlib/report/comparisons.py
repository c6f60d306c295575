"""Account managers compared fairly, once per KPI, for every page that shows it.

:func:`compare_managers` runs :func:`kamlib.kpis.compare.compare_kams` for each KPI of
:data:`COMPARED` (the team page, every scorecard and the growth page read the result)
with the settings' seed, and returns three long frames with a ``kpi`` column (the
funnel table with each manager's name, the funnel limits, the shrunken rates sorted by
name) and one :class:`kamlib.report.facts.Comparison` per KPI.
:meth:`kamlib.report.bundle.Bundle.comparison` puts one KPI's parts back together.
"""

from __future__ import annotations

import pandas as pd

from kamlib.kpis.compare import compare_kams
from kamlib.report.facts import Comparison

__all__ = ["COMPARED", "compare_managers"]

#: (KPI, the bundle frame it is compared on, higher is better): churn and upsell over
#: the trailing four quarters (one quarter holds too few events per manager), the
#: conversion of the quarter's closed cohort
COMPARED = (
    ("logo_churn_rate", "kam_trailing", False),
    ("upsell_rate", "kam_trailing", True),
    ("conversion_rate", "kpis", True),
)


def compare_managers(frames: dict[str, pd.DataFrame], names: dict[str, str], seed: int
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, Comparison]]:
    """Funnel tables, limits and shrunken rates of every KPI of :data:`COMPARED`.

    Parameters
    ----------
    frames : the bundle's frames by name (those named in :data:`COMPARED`).
    names : kam id -> the manager's name as the pages show it.
    seed : seed of the draws behind the chance of ranking in the top 25 % of managers
        (``Settings.seed``).

    Returns
    -------
    The frames ``kam_funnel`` (funnel table and ``manager``), ``kam_funnel_limits`` and
    ``kam_shrunk`` (shrunken rates and ``manager``, by name), each with a ``kpi``
    column, and the :class:`~kamlib.report.facts.Comparison` of each KPI.
    """

    parts: dict[str, list[pd.DataFrame]] = {"kam_funnel": [], "kam_funnel_limits": [],
                                            "kam_shrunk": []}
    facts: dict[str, Comparison] = {}
    for kpi, source, higher_is_better in COMPARED:
        c = compare_kams(frames[source], kpi, higher_is_better=higher_is_better, seed=seed)
        funnel, shrunk = c.funnel, c.shrunk
        if len(funnel):
            funnel = funnel.assign(manager=funnel.group.map(names))
        if len(shrunk):
            shrunk = shrunk.assign(manager=shrunk.group.map(names).fillna(shrunk.group))
            shrunk = shrunk.sort_values("manager")
        for name, f in (("kam_funnel", funnel), ("kam_funnel_limits", c.limits),
                        ("kam_shrunk", shrunk)):
            if len(f):
                parts[name].append(f.assign(kpi=kpi))
        facts[kpi] = Comparison(
            kpi=kpi, source=source, higher_is_better=higher_is_better, target=c.target,
            managers=len(funnel),
            outside=int((funnel.flag != "within").sum()) if len(funnel) else 0,
            overdispersed=bool((c.dispersion or {}).get("overdispersed")),
            dispersion=c.dispersion)
    out = {name: pd.concat(p, ignore_index=True) if p else pd.DataFrame(columns=["kpi"])
           for name, p in parts.items()}
    return out, facts
