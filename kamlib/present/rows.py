"""Reading the long KPI table: one KPI's row, its series over quarters, quarter labels.

The long table (``b.kpis``, ``b.trend``, ``b.history`` of a bundle) has one row per
KPI, grain, group and period with ``value``, ``low``, ``high`` and ``n``.

>>> t = pd.DataFrame({"kpi": "nps", "grain": "company", "group": "all",
...                   "period": ["2026Q2", "2026Q3"], "value": [1.0, 2.0],
...                   "low": [-7.0, -6.0], "high": [9.0, 10.0], "n": [310, 343]})
>>> kpi_row(t, "nps", period="2026Q3")["n"], kpi_series(t, "nps", ["2026Q1", "2026Q3"])
(343, [nan, 2.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kamlib.present.format import missing

__all__ = ["kpi_row", "kpi_series", "quarter_of", "shift_quarter"]


def shift_quarter(quarter: Any, k: int) -> str:
    """The label ``k`` quarters after ``quarter`` (a label such as ``"2026Q3"`` or a Quarter).

    Examples
    --------
    >>> shift_quarter("2026Q3", -4), shift_quarter("2026-q4", 1)
    ('2025Q3', '2027Q1')
    """
    text = str(quarter).strip().upper().replace("-", "")
    year, q = text.split("Q")
    idx = int(year) * 4 + int(q) - 1 + k
    return f"{idx // 4}Q{idx % 4 + 1}"


def kpi_row(kpis: pd.DataFrame, kpi: str, grain: str = "company", group: str = "all",
            period: Any = None) -> dict:
    """The KPI's row as a dict (value, low, high, n), NaN-filled when absent.

    Examples
    --------
    >>> kpi_row(pd.DataFrame(), "nps")
    {'value': nan, 'low': nan, 'high': nan, 'n': 0}
    """
    empty = {"value": np.nan, "low": np.nan, "high": np.nan, "n": 0}
    if kpis is None or len(kpis) == 0 or "kpi" not in kpis:
        return empty
    t = kpis[(kpis["kpi"] == kpi) & (kpis["grain"] == grain)
             & (kpis["group"].astype(str) == str(group))]
    if period is not None and "period" in t:
        t = t[t["period"].astype(str) == str(period)]
    if len(t) == 0:
        return empty
    r = t.iloc[0]
    n = r.get("n", 0)
    return {"value": r.get("value", np.nan), "low": r.get("low", np.nan),
            "high": r.get("high", np.nan), "n": 0 if missing(n) else int(n)}


def kpi_series(trend: pd.DataFrame, kpi: str, periods: list[str], grain: str = "company",
               group: str = "all") -> list[float]:
    """The KPI's values in ``periods`` (NaN where a period has none).

    Examples
    --------
    >>> kpi_series(None, "nps", ["2026Q2", "2026Q3"])
    [nan, nan]
    """
    if trend is None or len(trend) == 0 or "kpi" not in trend:
        return [np.nan] * len(periods)
    t = trend[(trend["kpi"] == kpi) & (trend["grain"] == grain)
              & (trend["group"].astype(str) == str(group))]
    by = dict(zip(t["period"].astype(str), t["value"], strict=False))
    return [float(by[p]) if p in by and not missing(by[p]) else np.nan for p in periods]


def quarter_of(kpis: pd.DataFrame | None, quarter: Any = None) -> str | None:
    """The reported quarter: ``quarter`` when given, else the KPI table's latest period.

    Examples
    --------
    >>> quarter_of(pd.DataFrame({"period": ["2026Q2", "2026Q3"]})), quarter_of(None, "2026Q1")
    ('2026Q3', '2026Q1')
    """
    if quarter is not None:
        return str(quarter)
    if kpis is None or len(kpis) == 0 or "period" not in kpis:
        return None
    # the largest of the distinct periods: the same answer without a Python comparison
    # per row (the KPI table has ~300,000 rows at 20,000 accounts)
    return str(max(kpis["period"].astype(str).unique()))
