"""What the growth page shows about value by acquisition channel, from the KPI rows.

The KPI rows themselves (``clv_by_channel``, ``cac``, ``clv_to_cac``,
``payback_months``) are in the bundle's KPI table; this module puts them beside
conversion in one row per channel (:func:`channel_table`) and words the note shown
under them when they cannot be computed (:func:`costs_note`).

>>> import pandas as pd
>>> costs_note(pd.DataFrame({"kpi": ["cac"], "grain": ["company"], "group": ["all"],
...                          "value": [float("nan")], "n": [0]}), supplied=False)
'No acquisition costs were supplied (the optional acquisition_costs table): CAC, CLV:CAC and payback say "no data".'
"""

from __future__ import annotations

import pandas as pd

from kamlib.present import label

__all__ = ["COST_KPIS", "TABLE_KPIS", "channel_table", "costs_note", "costs_supplied"]

COST_KPIS = ("cac", "clv_to_cac", "payback_months")
TABLE_KPIS = ("conversion_rate", "ideal_touches", "clv_by_channel", *COST_KPIS)
"""The columns of the growth page's table of channels, in order."""


def channel_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """One row per acquisition channel (the company first, ``channel`` "all"): for each
    KPI of :data:`TABLE_KPIS` its value and ``<kpi>_low``/``<kpi>_high``, with ``won``
    (accounts won in the 12 months, the n of ``cac``; 0 for "no data") and ``customers``
    (current accounts, the n of ``clv_by_channel``). Channels in order of their name.

    >>> k = pd.DataFrame({"kpi": ["cac", "cac", "conversion_rate"],
    ...                   "grain": ["company", "channel", "channel"],
    ...                   "group": ["all", "email", "event"], "value": [10.0, 12.0, 0.3],
    ...                   "low": [8.0, 9.0, 0.1], "high": [13.0, 15.0, 0.5], "n": [5, 3, 40]})
    >>> t = channel_table(k)
    >>> t[["channel", "name", "cac", "won", "conversion_rate"]].values.tolist()
    [['all', 'All channels', 10.0, 5, nan], ['email', 'Email', 12.0, 3, nan], ['event', 'Event', nan, 0, 0.3]]
    """
    cols = ["channel", "name", *[f"{k}{s}" for k in TABLE_KPIS for s in ("", "_low", "_high")],
            "won", "customers"]
    if not len(kpis) or "kpi" not in kpis:
        return pd.DataFrame(columns=cols)
    t = kpis[kpis.kpi.isin(TABLE_KPIS) & kpis.grain.isin(["company", "channel"])]
    t = t.assign(channel=t.group.where(t.grain == "channel", "all"))
    channels = ["all"] + sorted(set(t.channel) - {"all"})
    out = pd.DataFrame({"channel": channels})
    out["name"] = [("All channels" if c == "all" else label(c)) for c in channels]
    for k in TABLE_KPIS:
        r = t[t.kpi == k].drop_duplicates("channel").set_index("channel")
        for s, col in (("", "value"), ("_low", "low"), ("_high", "high")):
            out[f"{k}{s}"] = out.channel.map(r[col]).astype(float)
        if k == "cac":
            out["won"] = out.channel.map(r["n"]).fillna(0).astype(int)
        if k == "clv_by_channel":
            out["customers"] = out.channel.map(r["n"]).fillna(0).astype(int)
    return out[cols]


def costs_supplied(validation: pd.DataFrame) -> bool:
    """Whether the data had acquisition cost rows (the validation summary's rows used).

    >>> costs_supplied(pd.DataFrame({"table": ["acquisition_costs"], "rows_used": [0]}))
    False
    """
    if not len(validation) or "table" not in validation:
        return False
    r = validation[validation.table == "acquisition_costs"]
    return bool(len(r)) and bool((r.rows_used.fillna(0) > 0).any())


def costs_note(kpis: pd.DataFrame, supplied: bool) -> str:
    """Why the cost KPIs have no company figure ("" when they have one).

    >>> costs_note(pd.DataFrame({"kpi": ["cac"], "grain": ["company"], "group": ["all"],
    ...                          "value": [12.0], "n": [3]}), supplied=True)
    ''
    """
    if not supplied:
        return ("No acquisition costs were supplied (the optional acquisition_costs table): "
                "CAC, CLV:CAC and payback say \"no data\".")
    r = kpis[(kpis.kpi == "cac") & (kpis.grain == "company")] if len(kpis) else kpis
    if len(r) and pd.notna(r.value.iloc[0]):
        return ""
    return ("No acquisition cost or no account won in the 12 months up to the quarter's end: "
            "CAC, CLV:CAC and payback say \"no data\".")
