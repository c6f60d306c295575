"""Customer objectives beyond the KPI: those falling well short, and whether meeting the
leading objectives goes with meeting the lagging ones.

Both work on :func:`kamlib.kpis.compute.objectives_due` frames (one row per objective
due: ``objective_id``, ``account_id``, ``indicator`` leading/lagging, ``metric``,
``due_on``, ``target``, ``actual``, ``attainment``, ``met``).

>>> import pandas as pd
>>> o = pd.DataFrame({"objective_id": ["1", "2"], "attainment": [0.5, 0.9]})
>>> list(falling_short(o).objective_id)
['1']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib.stats import intervals as stats

__all__ = ["SHORT_OF_TARGET", "ObjectiveLink", "falling_short", "objective_link"]

#: an objective whose attainment is below this share of its target falls well short
SHORT_OF_TARGET = 0.8

_GROUPS = {0: "None met", 1: "Some met", 2: "All leading objectives met"}


def falling_short(objectives: pd.DataFrame, accounts: pd.DataFrame | None = None,
                  cutoff: float = SHORT_OF_TARGET) -> pd.DataFrame:
    """The objectives whose attainment is below ``cutoff`` of target, the furthest
    short first (ties by objective id).

    ``accounts`` (keyed by ``account_id``) adds its other columns to each objective,
    e.g. the account's name and manager.
    """
    short = objectives[objectives.attainment < cutoff]
    if accounts is not None:
        short = short.merge(accounts, on="account_id", how="left")
    return short.sort_values(["attainment", "objective_id"])


@dataclass(frozen=True)
class ObjectiveLink:
    """The share of lagging objectives met by how many of the same account's leading
    objectives were met in the year before (``rows``: group, value, low, high, n), or,
    when that cannot be shown, why (``note``; ``rows`` is then empty)."""

    rows: pd.DataFrame
    note: str = ""


def objective_link(objectives: pd.DataFrame | None, level: float = 0.95) -> ObjectiveLink:
    """Do accounts that meet their leading objectives go on to meet the lagging ones?

    Pairs each measured lagging objective with the same account's leading objectives
    due in the 12 months before it, groups the lagging ones by how many of those
    leading objectives were met (none, some, all) and gives the share met with its
    Wilson interval at ``level``.

    Examples
    --------
    >>> o = pd.DataFrame({"objective_id": ["1", "2", "3", "4"], "account_id": ["a", "a", "b", "b"],
    ...                   "indicator": ["leading", "lagging", "leading", "lagging"],
    ...                   "due_on": pd.to_datetime(["2025-06-30", "2025-12-31"] * 2),
    ...                   "attainment": [1.2, 1.1, 0.5, 0.7], "met": [1, 1, 0, 0]})
    >>> objective_link(o).rows[["group", "value", "n"]].values.tolist()
    [['None met', 0.0, 1], ['Some met', nan, 0], ['All leading objectives met', 1.0, 1]]
    >>> objective_link(o[o.indicator == "leading"]).note[:40]
    'Only leading objectives were due this qu'
    """
    empty = pd.DataFrame(columns=["group", "value", "low", "high", "n"])
    need = {"account_id", "indicator", "due_on", "attainment", "met"}
    if objectives is None or len(objectives) == 0 or not need <= set(objectives.columns):
        return ObjectiveLink(empty, "No customer objectives in the data for this quarter.")
    o = objectives.dropna(subset=["attainment"])
    lead = o[o["indicator"] == "leading"]
    lag = o[o["indicator"] == "lagging"]
    if len(lag) == 0 or len(lead) == 0:
        have = "leading" if len(lead) else "lagging"
        return ObjectiveLink(empty, f"Only {have} objectives were due this quarter, so the "
                             "link between leading and lagging objectives cannot be shown "
                             "here. Lagging objectives fall due later in the year; see the "
                             "trend of 'Lagging objectives met' above.")
    key = "objective_id" if "objective_id" in lag else "due_on"
    pairs = lag.merge(lead, on="account_id", suffixes=("_lag", "_lead"))
    lag_due = pd.to_datetime(pairs["due_on_lag"])
    lead_due = pd.to_datetime(pairs["due_on_lead"])
    pairs = pairs[(lead_due <= lag_due) & (lead_due > lag_due - pd.Timedelta(days=365))]
    if len(pairs) == 0:
        return ObjectiveLink(empty, "No account had both leading and lagging objectives "
                                    "within a year.")
    g = pairs.groupby([f"{key}_lag" if key == "objective_id" else "due_on_lag",
                       "account_id"]).agg(lag_met=("met_lag", "first"),
                                          lead_share=("met_lead", "mean")).reset_index()
    g["bucket"] = np.select([g.lead_share <= 0, g.lead_share >= 1], [0, 2], 1)
    rows = []
    for b in (0, 1, 2):
        s = g[g.bucket == b]
        est = stats.wilson(int(s.lag_met.sum()), len(s), level)
        rows.append({"group": _GROUPS[b], "value": est.value, "low": est.low,
                     "high": est.high, "n": len(s)})
    return ObjectiveLink(pd.DataFrame(rows))
