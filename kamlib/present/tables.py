"""Compact HTML tables: chosen columns of a frame, KPIs with their intervals, KPIs by group.

Every value is shown in its unit (:func:`kamlib.present.format.fmt`), numbers are
right-aligned, names are escaped and long tables end in "… and 12 more" rather
than dumping a raw frame. The markup comes from the templates
``present/table.html.j2`` and ``present/kpi_table.html.j2``.

>>> print(table(pd.DataFrame({"rate": [0.25]}), [("rate", "Churn", "pct")]))
<div class="kam-tablewrap"><table class="kam-table"><thead><tr><th class="kam-r">Churn</th></tr></thead><tbody><tr><td class="kam-r">25.0&nbsp;%</td></tr></tbody></table></div>
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np  # noqa: F401 (the examples use it)
import pandas as pd

from kamlib.present.figures import LOOKBACK, earlier_note, kpi_info, latest, period_label
from kamlib.present.format import DASH, NA, NO_DATA, NUMERIC_KINDS, fmt, interval, label, missing
from kamlib.present.links import cell_href
from kamlib.present.markup import render
from kamlib.present.rows import kpi_row, quarter_of, shift_quarter
from kamlib.present.targets import goal, target_of

__all__ = ["kpi_by_group", "kpi_table", "table"]


def _value(value: Any, low: Any, high: Any, kind: str, currency: str,
           tag: Any = None) -> dict[str, Any]:
    """A value with its interval and the period it comes from, for macros.value."""
    iv = interval(low, high, kind, currency)
    return {"text": fmt(value, kind, currency), "iv": None if iv == NA else iv,
            "tag": tag if isinstance(tag, str) and tag else None}


def _cell(row: pd.Series, col: Any, kind: str, currency: str) -> dict[str, Any]:
    """The cell of ``col`` in ``row``: a value, a value with its interval (and period,
    and target) or an interval."""
    if isinstance(col, tuple) and len(col) in (3, 4, 6):
        # -- targets: a 6-tuple adds the target and status columns
        aim = goal(row.get(col[0]), row.get(col[4]), row.get(col[5]) or "", kind, currency) \
            if len(col) == 6 else None
        if missing(row.get(col[0])):
            note = row.get("note")  # a row that says why it has no value, e.g. "no peak"
            text = note if isinstance(note, str) and note.strip() else NO_DATA
            return {"text": text, "iv": None, "tag": None, "goal": aim}
        tag = row.get(col[3]) if len(col) >= 4 and col[3] is not None else None
        return {**_value(row.get(col[0]), row.get(col[1]), row.get(col[2]), kind, currency,
                         tag), "goal": aim}
    if isinstance(col, tuple) and len(col) == 2:
        text = interval(row.get(col[0]), row.get(col[1]), kind, currency)
    else:
        text = fmt(row.get(col), kind, currency)
    return {"text": text, "iv": None, "tag": None}


def table(df: pd.DataFrame, columns: Sequence[tuple[Any, str, str]], max_rows: int = 25,
          caption: str | None = None, currency: str = "EUR",
          empty: str = "Nothing to show.", top: int | None = 10) -> str:
    """A compact HTML table of chosen columns, each value in its unit.

    Parameters
    ----------
    df : the rows, in the order shown.
    columns : ``(column, header, kind)`` tuples; kind as in :func:`fmt`. ``column``
        may be a pair ``(low, high)`` (an interval), a triple ``(value, low, high)``
        (the value with its interval in brackets; a missing value reads "no data", or
        the row's ``note`` when the frame has one), a quadruple ``(value, low, high,
        period)`` whose last column, when set, tags the value with the period it
        comes from (see :func:`latest`), or a sextuple ``(value, low, high, period,
        target, status)`` that also writes the value's target and status under it
        (:func:`kamlib.present.targets.goal`; ``period`` may be None).
    max_rows : rows shown; the rest is summarised as "… and 12 more".
    caption : title over the table.
    currency : currency of money columns.
    empty : text shown instead of an empty table.
    top : a long table shows its first ``top`` rows; the others (up to ``max_rows``)
        are one click away, behind a "Show all" box in its footer. A table of up to
        ``top + 2`` rows shows them all; None never hides rows.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["<b>A</b>", "B", "C"], "rate": [0.1, 0.2, np.nan]})
    >>> h = table(df, [("name", "Account", "text"), ("rate", "Churn", "pct")], max_rows=2)
    >>> "&lt;b&gt;A&lt;/b&gt;" in h, "20.0&nbsp;%" in h, "and 1 more" in h
    (True, True, True)


    A value with its interval that is missing shows "no data", or the row's ``note``
    when it has one (the ideal touches of a channel whose curve has no peak):

    >>> peaks = pd.DataFrame({"value": [np.nan, np.nan], "low": np.nan, "high": np.nan,
    ...                       "note": ["no peak", ""]})
    >>> h = table(peaks, [(("value", "low", "high"), "Ideal touches", "dec1")])
    >>> '<td class="kam-r">no peak</td>' in h, "no data" in h
    (True, True)

    A long table shows its top 10 rows; the rest are behind "Show all" (35 rows: 10 +
    15 more up to ``max_rows=25``, and 10 beyond it, counted in the footer):

    >>> long = pd.DataFrame({"name": [f"A{i}" for i in range(35)]})
    >>> h = table(long, [("name", "Account", "text")])
    >>> h.count("<tr>"), '<tbody class="kam-rest">' in h, "Show all 25 rows" in h
    (27, True, True)
    >>> "kam-rest" in table(long.head(12), [("name", "Account", "text")])
    False
    """
    heads = [{"header": header, "numeric": kind in NUMERIC_KINDS} for _c, header, kind in columns]
    if df is None or len(df) == 0:
        return render("present/table.html.j2", rows=None, columns=heads, caption=caption,
                      empty=empty, more="", rest=[])
    shown = df.head(max_rows)
    # -- links: a name links to its page when the row carries its id (present.links)
    rows = [[{**_cell(row, col, kind, currency), "numeric": kind in NUMERIC_KINDS,
              "href": cell_href(col, row)}
             for col, _header, kind in columns] for _i, row in shown.iterrows()]
    rest = len(df) - len(shown)
    # long tables: the top rows, the others on demand
    hidden = rows[top:] if top is not None and len(rows) > top + 2 else []
    rows = rows[: len(rows) - len(hidden)]
    return render("present/table.html.j2", rows=rows, columns=heads, caption=caption,
                  empty=empty, more=f"{rest:,}" if rest > 0 else "", rest=hidden)


def _item(item: Any) -> tuple[str, str, str]:
    if isinstance(item, tuple):
        kpi, title, kind = item
        return kpi, title, kind
    i = kpi_info(item)
    return item, i.title, i.kind


def kpi_table(kpis: pd.DataFrame, items: Iterable[Any],
              columns: Sequence[tuple[str, Any, str]] = (("company", "all", "Company"),),
              currency: str = "EUR", period: Any = None, caption: str | None = None,
              history: pd.DataFrame | None = None) -> str:
    """KPIs as rows, with each one's value, 95 % interval and n, for one or more groups.

    With ``history`` (``b.history``), a KPI without observations this quarter shows
    its latest figure within the last 12 months, tagged with its period
    (:func:`latest`), and a note under the table says so.

    A figure with a target (the ``target`` and ``status`` columns of the KPI table)
    shows it under the value, with its status (met, missed by so much, within chance).

    Parameters
    ----------
    kpis : the long KPI table.
    items : KPI ids (title and unit from :data:`KPI_INFO`) or ``(kpi, title, kind)``.
    columns : ``(grain, group, header)`` per group shown side by side, e.g. a KAM
        next to the company.
    period : only rows of this period (default: all rows, i.e. the bundle's quarter).
    history : earlier quarters' rows to fall back on; None for none.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "nps", "grain": ["company", "kam"], "group": ["all", "K1"],
    ...                   "period": "2026Q3", "value": [2.0, 27.0], "low": [-6.0, -16.0],
    ...                   "high": [10.0, 61.0], "n": [343, 15]})
    >>> h = kpi_table(t, ["nps"], [("kam", "K1", "Greta"), ("company", "all", "Company")])
    >>> "Greta" in h and "+27" in h and "343 responses" in h
    True
    """
    items = [_item(i) for i in items]
    quarter = quarter_of(kpis, period)
    tags: list[str] = []
    rows = []
    for kpi, title, kind in items:
        cells = []
        for grain, group, _h in columns:
            if history is None:
                r = kpi_row(kpis, kpi, grain, group, period)
                r["earlier"] = False
            else:
                r = latest(kpis, history, kpi, grain, group, quarter)
            based = f"{r['n']:,} {kpi_info(kpi).n_unit}"
            # -- targets: the figure's target and status, from the period it comes from
            at = str(r["period"]) if r.get("earlier") else (period or quarter)
            aim = goal(r["value"], *target_of([kpis, history], kpi, grain, group, at), kind,
                       currency)
            if missing(r["value"]):
                cells.append({"text": None, "based": based, "goal": aim})
                continue
            tag = None
            if r["earlier"]:
                tags.append(period_label(kpi, r["period"]))
                tag = tags[-1]
            cells.append({**_value(r["value"], r["low"], r["high"], kind, currency, tag),
                          "based": based, "goal": aim})
        rows.append({"title": title, "cells": cells, "definition": kpi_info(kpi).definition})
    return render("present/kpi_table.html.j2", caption=caption, rows=rows, no_data=NO_DATA,
                  groups=[header for _g, _grp, header in columns],
                  note=earlier_note(quarter, tags) if tags else "")


def _by_group(frame: pd.DataFrame | None, ids: list[str], grain: str
              ) -> Callable[[str], pd.DataFrame | None]:
    """Group (as text) -> the rows of ``frame`` about ``ids`` at ``grain`` or the company's
    for that group, in the frame's order: what a lookup of one group's figure (by kpi,
    grain and group as text) finds in the whole frame, found without scanning it.

    >>> f = pd.DataFrame({"kpi": ["nps", "nps", "nrr", "nps"], "grain": ["kam", "company",
    ...                   "kam", "kam"], "group": ["K1", "all", "K1", "K1"], "n": [1, 2, 3, 4]})
    >>> _by_group(f, ["nps"], "kam")("K1")["n"].tolist(), len(_by_group(f, ["nps"], "kam")("K9"))
    ([1, 4], 0)
    """
    if frame is None or len(frame) == 0 or not {"kpi", "grain", "group"} <= set(frame.columns):
        return lambda _g: frame
    f = frame[frame["kpi"].isin(ids) & frame["grain"].isin([grain, "company"])]
    parts = dict(iter(f.groupby(f["group"].astype(str).to_numpy(), sort=False)))
    empty = f.iloc[0:0]
    return lambda g: parts.get(str(g), empty)


def kpi_by_group(kpis: pd.DataFrame, items: Iterable[Any], grain: str,
                 labels: dict | None = None, currency: str = "EUR", company: bool = True,
                 max_rows: int = 30, caption: str | None = None, period: Any = None,
                 sort: str = "label", history: pd.DataFrame | None = None) -> str:
    """Groups (segments, KAMs, channels) as rows, each KPI as a column with its interval.

    The value and its 95 % interval share a cell; ``n`` follows each KPI, once for
    neighbouring KPIs that rest on the same counts.

    With ``history`` (``b.history``), a group without observations of a KPI this
    quarter shows the KPI's latest figure within the last 12 months (:func:`latest`):
    the column header names the period when every figure in it comes from the same
    earlier quarter, otherwise each such figure is tagged; a note under the table
    says so. Groups that only have earlier figures (KAMs in a quarter without a
    survey wave) are listed too. A figure with a target (the ``target`` and
    ``status`` columns) shows it under the value, with its status.

    Parameters
    ----------
    kpis : the long KPI table.
    items : KPI ids or ``(kpi, title, kind)``; the first one's n is shown.
    grain : ``"segment"``, ``"kam"`` or ``"channel"``.
    labels : display names of the groups (e.g. KAM id -> name); default :func:`label`.
    company : add the company as the first row.
    sort : ``"label"`` (alphabetical, never a ranking) or ``"n"`` (largest first).
    history : earlier quarters' rows to fall back on; None for none.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "upsell_rate", "grain": ["company", "segment", "segment"],
    ...                   "group": ["all", "strategic", "mid_market"], "period": "2026Q3",
    ...                   "value": [0.06, 0.08, 0.04], "low": [0.03, 0.03, 0.01],
    ...                   "high": [0.1, 0.2, 0.12], "n": [224, 65, 52]})
    >>> h = kpi_by_group(t, ["upsell_rate"], "segment")
    >>> h.index("All accounts") < h.index("Mid market") < h.index("Strategic")
    True
    >>> kpi_by_group(t, ["nps"], "kam", company=False).count("No data")  # nothing: says so
    1
    """
    items = [_item(i) for i in items]
    quarter = quarter_of(kpis, period)
    ids = [k for k, _t, _k in items]
    t = kpis[(kpis["grain"] == grain) & kpis["kpi"].isin(ids)] \
        if kpis is not None and len(kpis) and "kpi" in kpis else pd.DataFrame(columns=["group"])
    if period is not None and len(t):
        t = t[t["period"].astype(str) == str(period)]
    groups = list(dict.fromkeys(t["group"].astype(str)))
    if history is not None and len(history) and "kpi" in history and quarter:
        window = [shift_quarter(quarter, -k) for k in range(1, LOOKBACK)]
        h = history[(history["grain"] == grain) & history["kpi"].isin(ids)
                    & history["period"].astype(str).isin(window) & history["value"].notna()]
        groups += [g for g in dict.fromkeys(h["group"].astype(str)) if g not in groups]
    if not groups and not company:
        since = shift_quarter(quarter, 1 - LOOKBACK) if quarter else ""
        what = f" in {since}{DASH}{quarter}" if quarter else ""
        return table(pd.DataFrame(), [], caption=caption,
                     empty=f"No data for any {label(grain).lower()}{what}.")
    names = {g: (labels or {}).get(g, label(g)) for g in groups}
    # every lookup below is of one group's row of these KPIs: split the (long) tables by
    # group once, so that a table of 1,350 managers does not scan 300,000 rows per cell
    mine, past = _by_group(kpis, ids, grain), _by_group(history, ids, grain)

    def get(kpi: str, gr: str, g: str) -> dict:
        if history is None:
            r = kpi_row(mine(g), kpi, gr, g, period)
            r["earlier"], r["period"] = False, quarter
            return r
        return latest(mine(g), past(g), kpi, gr, g, quarter)

    first = items[0][0] if items else None
    nmap = {g: get(first, grain, g)["n"] for g in groups}
    if sort == "n":
        groups.sort(key=lambda g: (-nmap[g], names[g]))
    else:
        groups.sort(key=lambda g: (str(names[g]).lower(), g))
    rows = []
    if company:
        rows.append(("company", "all", "All accounts"))
    rows += [(grain, g, names[g]) for g in groups]
    data = []
    for gr, g, name in rows:
        rec: dict[str, Any] = {"name": name}
        if grain == "kam":  # -- links: a manager's name links to the scorecard
            rec["kam_id"] = g if gr == "kam" else None
        for kpi, _title, _kind in items:
            r = get(kpi, gr, g)
            rec[f"{kpi}|v"], rec[f"{kpi}|l"], rec[f"{kpi}|h"] = r["value"], r["low"], r["high"]
            rec[f"{kpi}|n"] = r["n"]
            rec[f"{kpi}|p"] = period_label(kpi, r["period"]) if r["earlier"] else ""
            # -- targets: the figure's target and status
            rec[f"{kpi}|t"], rec[f"{kpi}|s"] = target_of(
                [mine(g), past(g)], kpi, gr, g, r["period"] if r["earlier"] else quarter)
        data.append(rec)
    df = pd.DataFrame(data)
    head = {"segment": "Segment", "kam": "Account manager", "channel": "Channel"}
    cols: list[tuple[Any, str, str]] = [("name", head.get(grain, label(grain)), "text")]
    ns = [df[f"{k}|n"].tolist() for k, _t, _k in items]
    tags: list[str] = []
    for i, (kpi, title, kind) in enumerate(items):
        shown = df[~df[f"{kpi}|v"].map(missing)]
        ps = set(shown[f"{kpi}|p"])
        tags += [p for p in ps if p]
        aim = (f"{kpi}|t", f"{kpi}|s")  # targets
        if len(shown) and len(ps) == 1 and "" not in ps:  # the whole column is earlier
            cols.append(((f"{kpi}|v", f"{kpi}|l", f"{kpi}|h", None, *aim),
                         f"{title}, {ps.pop()}", kind))
        else:
            cols.append(((f"{kpi}|v", f"{kpi}|l", f"{kpi}|h", f"{kpi}|p", *aim), title, kind))
        if i == len(items) - 1 or ns[i + 1] != ns[i]:  # n once per run of equal counts
            cols.append((f"{kpi}|n", f"n ({kpi_info(kpi).n_unit})", "int"))
    out = table(df, cols, max_rows=max_rows, caption=caption, currency=currency)
    if tags and quarter:
        out += render("present/note.html.j2", text=earlier_note(quarter, tags))
    return out
