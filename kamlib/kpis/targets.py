"""Targets for the KPIs: which target holds for a figure, and whether the figure meets it.

Targets come from two places: the optional ``targets`` table of the data (read by
:func:`kamlib.panels.targets.read_targets`) and the company-wide defaults of
``kam.toml [targets]`` (:attr:`kamlib.config.Settings.targets`).

Which target holds (the most specific one wins)
-----------------------------------------------
For a row of the long KPI table (kpi, grain, group, period):

1. a ``targets`` row with the same kpi, grain, group **and period**;
2. else a ``targets`` row with the same kpi, grain and group and an **empty period**
   (it holds for every period);
3. else, for the company (grain ``company``, group ``all``) only, the default of
   ``kam.toml [targets]`` for the kpi;
4. else the figure has no target.

There is no "every group" row: a segment, manager or account target names its group.

Whether it is met
-----------------
The direction is the ``targets`` row's ``direction`` (``higher`` or ``lower``; the
synonyms ``at_least`` and ``at_most`` are read the same), else the KPI's own
(:data:`kamlib.kpis.registry.SPECS`: higher is better means ``higher``). With the figure's value and interval (low, high):

* ``met``: the value meets the target (``value >= target`` at least, ``<=`` at most);
* ``within_chance``: the value misses, but the interval reaches the target, so the
  miss may be chance;
* ``missed``: the value misses and the whole interval is on the wrong side (or the
  figure has no interval);
* ``""`` (empty): no target, or no value to judge.

The gap is ``value - target`` in the KPI's unit (:func:`gap`).

>>> judge(28.0, 20.0, 36.0, 30.0, at_least=True), judge(0.05, 0.03, 0.08, 0.02, at_least=False)
('within_chance', 'missed')
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.errors import ConfigError, ParameterError
from kamlib.kpis.registry import SPECS

__all__ = ["DIRECTIONS", "STATUSES", "STATUS_TEXT", "attach_targets", "check_ids", "gap",
           "judge"]

DIRECTIONS = {"higher": True, "lower": False, "at_least": True, "at_most": False}
"""The ``direction`` values of a target, and whether the value must be at least it."""
STATUSES = ("met", "within_chance", "missed")
"""The statuses of a figure against its target (``""`` when it has none)."""
STATUS_TEXT = {"met": "met", "within_chance": "within chance", "missed": "missed"}
"""How the pages write each status."""


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def judge(value, low, high, target, at_least: bool) -> str:
    """The status of ``value`` (with its interval ``low``..``high``) against ``target``.

    Examples
    --------
    Higher is better, target 30 (an NPS):

    >>> judge(31, 25, 37, 30, True), judge(28, 22, 34, 30, True), judge(20, 14, 26, 30, True)
    ('met', 'within_chance', 'missed')

    Lower is better, target 2 % (a churn rate); no interval means a plain miss:

    >>> judge(0.01, 0.0, 0.05, 0.02, False), judge(0.03, 0.015, 0.05, 0.02, False)
    ('met', 'within_chance')
    >>> judge(0.03, float("nan"), float("nan"), 0.02, False), judge(float("nan"), 0, 1, 0.02, False)
    ('missed', '')
    """
    if _missing(value) or _missing(target):
        return ""
    value, target = float(value), float(target)
    if (value >= target) if at_least else (value <= target):
        return "met"
    reach = high if at_least else low
    if _missing(reach):
        return "missed"
    reach = float(reach)
    return "within_chance" if ((reach >= target) if at_least else (reach <= target)) \
        else "missed"


def gap(value, target) -> float:
    """``value - target`` in the KPI's unit (NaN when either is missing).

    >>> gap(0.034, 0.02), gap(None, 30)
    (0.014, nan)
    """
    if _missing(value) or _missing(target):
        return np.nan
    return round(float(value) - float(target), 12)


def check_ids(ids, where: str) -> None:
    """Every id in ``ids`` is a KPI id of the registry, else an error naming ``where``.

    >>> check_ids(["nps"], "kam.toml [targets]")
    >>> check_ids(["npss"], "kam.toml [targets]")
    Traceback (most recent call last):
    ...
    kamlib.errors.ConfigError: kam.toml [targets]: unknown KPI id 'npss' (did you mean nps?); the ids are those of docs/kpi-reference.md
    """
    bad = [k for k in ids if k not in SPECS]
    if bad:
        def hint(k):
            close = difflib.get_close_matches(str(k), list(SPECS), n=1)
            return f" (did you mean {close[0]}?)" if close else ""
        named = ", ".join(f"{k!r}{hint(k)}" for k in bad)
        raise ConfigError(f"{where}: unknown KPI id{'s' if len(bad) > 1 else ''} {named}; "
                          "the ids are those of docs/kpi-reference.md")


def _own_direction(kpi: str, where: str) -> bool:
    hib = SPECS[kpi].higher_is_better
    if hib is None:
        raise ParameterError(f"{where}: the KPI {kpi} has no direction of its own; give the "
                             "target a direction (higher or lower)")
    return bool(hib)


def attach_targets(kpis: pd.DataFrame, targets: pd.DataFrame | None,
                   settings: Settings | None = None,
                   defaults: Mapping[str, float] | None = None) -> pd.DataFrame:
    """``kpis`` with two more columns: ``target`` (NaN when none holds) and ``status``
    (``met``, ``within_chance``, ``missed``, or ``""``), by the rule of this module.

    Parameters
    ----------
    kpis : the long KPI table (kpi, grain, group, period, value, low, high, n).
    targets : the targets table (:func:`kamlib.panels.targets.read_targets`); None or
        empty for none.
    settings : their ``targets`` are the company-wide defaults.
    defaults : instead of ``settings.targets`` (for tests).

    Examples
    --------
    >>> k = pd.DataFrame({"kpi": "nps", "grain": ["company", "segment"],
    ...                   "group": ["all", "smb"], "period": "2026Q3", "value": [28.0, 41.0],
    ...                   "low": [20.0, 35.0], "high": [36.0, 47.0], "n": [300, 90]})
    >>> t = pd.DataFrame({"kpi": ["nps"], "grain": ["segment"], "group": ["smb"],
    ...                   "period": [""], "target": [40.0], "direction": [""]})
    >>> attach_targets(k, t, defaults={"nps": 30})[["target", "status"]].values.tolist()
    [[30.0, 'within_chance'], [40.0, 'met']]
    """
    defaults = dict(defaults if defaults is not None else
                    (settings.targets if settings is not None else {}))
    check_ids(defaults, "kam.toml [targets]")
    out = kpis.copy()
    exact: dict[tuple, tuple[float, str]] = {}
    every: dict[tuple, tuple[float, str]] = {}
    if targets is not None and len(targets):
        check_ids(sorted(set(targets["kpi"])), "targets, column kpi")
        for r in targets.itertuples(index=False):
            d = str(r.direction or "")
            if d and d not in DIRECTIONS:
                raise ParameterError(f"targets, column direction: {d!r} is not one of "
                                     f"{', '.join(DIRECTIONS)}")
            key = (r.kpi, r.grain, str(r.group))
            if r.period:
                exact[(*key, str(r.period))] = (float(r.target), d)
            else:
                every[key] = (float(r.target), d)
    if len(out) == 0:
        return out.assign(target=pd.Series(dtype=float), status=pd.Series(dtype=object))
    values, statuses = [], []
    for r in out[["kpi", "grain", "group", "period", "value", "low", "high"]].itertuples(
            index=False):
        key = (r.kpi, r.grain, str(r.group))
        hit = exact.get((*key, str(r.period))) or every.get(key)
        if hit is None and r.grain == "company" and r.kpi in defaults:
            hit = (defaults[r.kpi], "")
        if hit is None:
            values.append(np.nan)
            statuses.append("")
            continue
        target, d = hit
        at_least = DIRECTIONS[d] if d else _own_direction(r.kpi, "targets")
        values.append(target)
        statuses.append(judge(r.value, r.low, r.high, target, at_least))
    out["target"] = np.asarray(values, dtype=float)
    out["status"] = statuses
    return out
