"""The sample's targets: fixed, sensible targets for the company and each segment.

No random draw: the rows are the same for every seed and size, so adding them leaves
every other table of a sample as it was. The figures are round numbers a key
account team could set itself (an NPS of 10 for the company, at most 3 % of the
customers lost in a quarter ...); the sample then meets some, misses some and is
within chance of others. Every row holds for every period (``period`` empty) and
takes the KPI's own direction (``direction`` empty), except the contact-gap share,
whose direction is written out as an example.

>>> t = targets_table()
>>> t.column_names
['kpi', 'grain', 'group', 'period', 'target', 'direction']
>>> t.num_rows
20
"""

from __future__ import annotations

import pyarrow as pa

from kamlib.data.synth.parameters import SEGMENTS

__all__ = ["COMPANY_TARGETS", "SEGMENT_TARGETS", "targets_table"]

COMPANY_TARGETS: dict[str, float] = {
    "nps": 10, "logo_churn_rate": 0.03, "nrr": 1.0, "grr": 0.9, "renewal_rate": 0.9,
    "upsell_rate": 0.1, "touchpoints_per_account": 24, "objectives_met_leading": 0.5,
    "objectives_met_lagging": 0.5, "enps": 0, "gap_alert_share": 0.1,
}
"""Company targets (group ``all``), in each KPI's unit (shares as fractions)."""

SEGMENT_TARGETS: dict[str, dict[str, float]] = {
    "nps": {"strategic": 30, "enterprise": 10, "mid_market": 0},
    "logo_churn_rate": {"strategic": 0.02, "enterprise": 0.04, "mid_market": 0.05},
    "touchpoints_per_account": {"strategic": 36, "enterprise": 30, "mid_market": 24},
}
"""Segment targets by KPI and segment."""


def targets_table() -> pa.Table:
    """The ``targets`` table of the sample (company rows first, then by KPI and segment)."""
    rows = [(k, "company", "all", v) for k, v in COMPANY_TARGETS.items()]
    rows += [(k, "segment", s, by[s]) for k, by in SEGMENT_TARGETS.items()
             for s in SEGMENTS if s in by]
    return pa.table({
        "kpi": [r[0] for r in rows], "grain": [r[1] for r in rows],
        "group": [r[2] for r in rows], "period": pa.array([None] * len(rows), pa.string()),
        "target": [float(r[3]) for r in rows],
        "direction": pa.array(["lower" if r[0] == "gap_alert_share" else None
                               for r in rows], pa.string()),
    })
