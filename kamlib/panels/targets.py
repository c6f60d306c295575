"""The targets table of the data contract, read for :mod:`kamlib.kpis.targets`.

The optional ``targets`` table (``targets.csv``) sets what a KPI should reach at a
grain and group, for one quarter or for every quarter. The contract has already
checked each cell (a ``kpi`` that is not a KPI id, an unknown ``direction`` or a
``target`` that is not a number sends the row to quarantine); here the quarter
labels are normalised (``"2026-q3"`` reads as ``"2026Q3"``) and two rows for the same
KPI, grain, group and period are refused, since it would be unclear which one holds.

>>> read_targets(None).columns.tolist()
['kpi', 'grain', 'group', 'period', 'target', 'direction']
"""

from __future__ import annotations

import pandas as pd

from kamlib.errors import ContractError
from kamlib.periods import Quarter

__all__ = ["TARGET_COLUMNS", "normalise_targets", "read_targets"]

TARGET_COLUMNS = ["kpi", "grain", "group", "period", "target", "direction"]
"""The columns of a targets frame; ``period`` and ``direction`` are ``""`` when empty."""


def read_targets(data) -> pd.DataFrame:
    """The supplied targets (:data:`TARGET_COLUMNS`), or an empty frame when the data
    has no ``targets`` table (or ``data`` is None)."""
    if data is None or not data.has("targets"):
        return pd.DataFrame(columns=TARGET_COLUMNS)
    return normalise_targets(data.frame("targets"))


def normalise_targets(raw: pd.DataFrame, where: str = "targets") -> pd.DataFrame:
    """``raw`` rows of the targets table as a clean frame: empty ``period`` and
    ``direction`` become ``""``, quarter labels are written ``YYYYQn``.

    A period that is not a quarter label, or two rows for the same KPI, grain, group
    and period, is a :class:`~kamlib.errors.ContractError` naming ``where`` (the
    file), the column and the rule.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["nps"], "grain": ["company"], "group": ["all"],
    ...                   "period": ["2026-q3"], "target": [30.0], "direction": [None]})
    >>> normalise_targets(t).iloc[0][["period", "direction"]].tolist()
    ['2026Q3', '']
    """
    out = pd.DataFrame({c: raw.get(c) for c in TARGET_COLUMNS},
                       index=raw.index)
    for c in ("kpi", "grain", "group", "period", "direction"):
        out[c] = out[c].astype("string").fillna("").str.strip().astype(object)
    out["target"] = out["target"].astype(float)
    faults = []
    periods = []
    for p in out["period"]:
        if not p:
            periods.append("")
            continue
        try:
            periods.append(Quarter(p).label)
        except ValueError:
            faults.append(f"{where}: column period: unparseable_value: {p!r} is not a "
                          "quarter such as 2026Q3 (leave it empty for every period)")
            periods.append(p)
    out["period"] = periods
    keys = ["kpi", "grain", "group", "period"]
    dup = out[out.duplicated(keys, keep=False)]
    for key, rows in dup.groupby(keys, sort=True):
        kpi, grain, group, period = key
        values = ", ".join(f"{v:g}" for v in rows["target"])
        faults.append(f"{where}: columns kpi, grain, group, period: duplicate_key: "
                      f"{kpi} at {grain} {group}, {period or 'every period'} has "
                      f"{len(rows)} targets ({values}); keep one")
    if faults:
        raise ContractError(faults, "the targets are ambiguous")
    return out.reset_index(drop=True)
