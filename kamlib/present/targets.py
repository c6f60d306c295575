"""A figure's target and its status as the pages write them.

The long KPI table carries, per row, the ``target`` that holds and its ``status``
(``met``, ``within_chance``, ``missed``; see :mod:`kamlib.kpis.targets`).
:func:`target_of` finds them for a figure, :func:`goal` writes them: "Target +10:
met", "Target 3.0 %: missed by 0.4 pp", "Target +30: within chance (12 short)",
with the colour class of the status (met green, missed vermillion, within chance
grey: a miss that may be chance is not shown as bad).

>>> goal(28.0, 30.0, "within_chance", "nps")
{'text': 'Target +30: within chance (2 short)', 'cls': 'kam-flat', 'status': 'within_chance'}
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kamlib.present.format import MINUS, fmt, missing, signed

__all__ = ["STATUS_CLASS", "goal", "target_of"]

STATUS_CLASS = {"met": "kam-good", "missed": "kam-bad", "within_chance": "kam-flat", "": "kam-flat"}
"""The colour class of each status (GOOD green, BAD vermillion, grey otherwise)."""


def target_of(frames: Any, kpi: str, grain: str = "company", group: str = "all",
              period: Any = None) -> tuple[float, str]:
    """``(target, status)`` of a figure: the first of ``frames`` (long KPI tables, e.g.
    ``b.kpis`` then ``b.history``) with the row and a ``target`` column; ``(nan, "")``
    when none has it.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["nps"], "grain": "company", "group": "all",
    ...                   "period": "2026Q3", "target": [30.0], "status": ["met"]})
    >>> target_of([None, t], "nps", period="2026Q3"), target_of([t], "nps", period="2026Q2")
    ((30.0, 'met'), (nan, ''))
    """
    if isinstance(frames, pd.DataFrame) or frames is None:
        frames = [frames]
    for f in frames:
        if f is None or len(f) == 0 or "target" not in f or "kpi" not in f:
            continue
        t = f[(f["kpi"] == kpi) & (f["grain"] == grain) & (f["group"].astype(str) == str(group))]
        if period is not None and "period" in t:
            t = t[t["period"].astype(str) == str(period)]
        if len(t):
            r = t.iloc[0]
            status = r.get("status", "")
            return float(r["target"]), status if isinstance(status, str) else ""
    return float("nan"), ""


def goal(value: Any, target: Any, status: str, kind: str,
         currency: str = "EUR") -> dict[str, str] | None:
    """The target line of a figure: text, colour class and status; None without target.

    The gap is ``value - target`` in the KPI's unit, written without its sign as
    "short" (below the target) or "over" (above it).

    Examples
    --------
    >>> goal(0.6, 10.0, "missed", "nps")["text"], goal(0.034, 0.03, "within_chance", "pct")["text"]
    ('Target +10: missed by 9', 'Target 3.0 %: within chance (0.4 pp over)')
    >>> goal(12.0, 10.0, "met", "nps")["cls"], goal(1.0, float("nan"), "", "nps")
    ('kam-good', None)
    >>> goal(float("nan"), 10.0, "", "nps")["text"]
    'Target +10'
    """
    if missing(target):
        return None
    head = f"Target {fmt(target, kind, currency)}"
    status = status if status in STATUS_CLASS else ""
    if not status or missing(value):
        return {"text": head, "cls": STATUS_CLASS[""], "status": ""}
    diff = float(value) - float(target)
    size = signed(abs(diff), kind, currency).lstrip("+" + MINUS)
    if status == "met":
        text = f"{head}: met"
    elif status == "missed":
        text = f"{head}: missed by {size}"
    else:
        text = f"{head}: within chance ({size} {'short' if diff < 0 else 'over'})"
    return {"text": text, "cls": STATUS_CLASS[status], "status": status}
