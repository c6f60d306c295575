"""KPI cards: each KPI's value with its unit, 95 % interval, n, changes and sparkline.

:data:`KPI_CARDS` are the ten KPIs of key account management; :func:`cards` makes
cards for any KPIs of :data:`kamlib.present.figures.KPI_INFO`. :func:`kpi_cards`
shows them as a grid (template ``present/cards.html.j2``), each with a
:func:`sparkline` of the last 8 quarters (``present/sparkline.svg.j2``).

>>> [c.theme for c in KPI_CARDS][:2]
['1 · Customer lifetime value', '2 · Referenceable customers']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from kamlib.kpis.registry import SPECS, THEMES
from kamlib.present.figures import LOOKBACK, kpi_info, latest, period_label
from kamlib.present.format import DASH, MINUS, NA, NO_DATA, fmt, interval, missing, signed
from kamlib.present.markup import MAIN, render
from kamlib.present.rows import kpi_row, kpi_series, shift_quarter
from kamlib.present.targets import goal, target_of

__all__ = ["KPI_CARDS", "Card", "card_notes", "cards", "kpi_cards", "sparkline", "within_chance"]


@dataclass(frozen=True)
class Card:
    """One KPI card: the KPI id, the title shown and its unit and direction.

    ``fallback`` is shown instead when ``kpi`` has no value this quarter;
    ``secondary`` is a second KPI written on one line under the first.

    Examples
    --------
    >>> Card("nps", "Net Promoter Score", "nps", theme="3 · Customer satisfaction").theme
    '3 · Customer satisfaction'
    """

    kpi: str
    title: str
    kind: str
    higher_is_better: bool | None = True
    theme: str = ""
    fallback: str | None = None
    secondary: str | None = None


#: The ten KPIs of key account management, in their usual order, as cards (from the
#: KPI registry's :data:`kamlib.kpis.registry.THEMES`).
KPI_CARDS: tuple[Card, ...] = tuple(
    Card(t.kpi, t.card_title, SPECS[t.kpi].unit, SPECS[t.kpi].higher_is_better, t.label,
         t.fallback, t.secondary) for t in THEMES)


def cards(*kpis: str) -> tuple[Card, ...]:
    """Cards for any KPIs of :data:`KPI_INFO`, for a page's own row of cards.

    Examples
    --------
    >>> [c.title for c in cards("nps", "reference_rate")]
    ['Net Promoter Score', 'Would be a reference (12 months)']
    """
    out = []
    for k in kpis:
        i = kpi_info(k)
        out.append(Card(k, i.title, i.kind, i.higher_is_better))
    return tuple(out)


def sparkline(values: Sequence[Any], width: int = 120, height: int = 28,
              color: str = MAIN, scale: Callable[[float], str] | None = None) -> str:
    """A tiny inline SVG line of ``values`` (one slot per value; missing ones skipped).

    The last slot, when it has a value, is marked with a dot. Coordinates are
    rounded to one decimal and the markup carries no id or date, so the same
    values give the same bytes. With ``scale`` (a formatter of one value) the line
    shows its scale: the highest value written at its top right, the lowest at its
    bottom right (the line then takes ``width - 46`` pixels), and its label names the
    first and last values.

    Examples
    --------
    >>> s = sparkline([1, 2, float("nan"), 3])
    >>> s.startswith("<svg") and "<polyline" in s and 'points="2.0,26.0 40.7,14.0 118.0,2.0"' in s
    True
    >>> sparkline([1, 2]) == sparkline([1, 2])
    True

    With its scale: 0.019 is the lowest and first, 0.024 the highest and last.

    >>> s = sparkline([0.019, 0.021, 0.024], scale=lambda v: f"{100 * v:.1f} %")
    >>> 'width="120"' in s, ">2.4 %</text>" in s, ">1.9 %</text>" in s
    (True, True, True)
    >>> 'aria-label="trend over the last 3 quarters: 1.9 % to 2.4 %"' in s
    True
    >>> sparkline([5.0, 5.0], scale=str).count("<text")  # one value: written once
    1
    """
    vals = [np.nan if missing(v) else float(v) for v in values]
    k = len(vals)
    pad = 2.0
    total, width = width, (width - 46 if scale is not None else width)
    ok = [(i, v) for i, v in enumerate(vals) if not math.isnan(v)]
    points, dot = "", None
    if ok:
        lo = min(v for _i, v in ok)
        hi = max(v for _i, v in ok)

        def xy(i: int, v: float) -> tuple[str, str]:
            x = pad + (width - 2 * pad) * (i / (k - 1) if k > 1 else 0.5)
            y = height / 2 if hi == lo else pad + (height - 2 * pad) * (hi - v) / (hi - lo)
            return _coord(x), _coord(y)

        pts = [xy(i, v) for i, v in ok]
        if len(pts) > 1:
            points = " ".join(f"{x},{y}" for x, y in pts)
        if ok[-1][0] == k - 1 or len(pts) == 1:
            dot = pts[-1]
    top = bottom = reading = ""
    if scale is not None and ok:
        top, bottom = scale(max(v for _i, v in ok)), scale(min(v for _i, v in ok))
        first, last = scale(ok[0][1]), scale(ok[-1][1])
        reading = f": {first} to {last}" if len(ok) > 1 else f": {last}"
    return render("present/sparkline.svg.j2", width=total, height=height, slots=k,
                  left=f"{pad:.1f}", right=f"{width - pad:.1f}", base=f"{height - 0.5:.1f}",
                  points=points, dot=dot, color=color, top=top, bottom=bottom,
                  text_x=f"{width + 3:.1f}", reading=reading)


def _coord(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def _change(change: float, kind: str, hib: bool | None, versus: str,
            currency: str, chance: bool = False) -> dict[str, str]:
    """A change against an earlier quarter: its text, with an arrow, and its colour class
    (grey, ``kam-flat``, when it is within chance: see :func:`within_chance`)."""
    if missing(change):
        cls, arrow, text = "kam-flat", "", NA
    else:
        text = signed(change, kind, currency)
        zero = not text.startswith(("+", MINUS))
        arrow = "" if zero else ("▲ " if change > 0 else "▼ ")
        if zero or hib is None or chance:
            cls = "kam-flat"
        else:
            cls = "kam-good" if (change > 0) == hib else "kam-bad"
    return {"versus": versus, "cls": cls, "text": arrow + text}


def within_chance(now: Mapping[str, Any], before: Mapping[str, Any], z: float = 1.96) -> bool:
    """Whether the change from ``before`` to ``now`` (each with ``value``, ``low``,
    ``high``: a 95 % interval) is within chance: smaller than ``z`` standard errors of
    the difference, each figure's standard error read off its interval as
    (high - low) / (2 z). Without both intervals, False (the change is not judged).

    Examples
    --------
    Intervals 0.26-0.34 and 0.21-0.29 give standard errors 0.08 / 3.92 = 0.0204 each,
    so the difference has 0.0204 * sqrt(2) = 0.0289; 0.30 - 0.25 = 0.05 is 1.73 of
    them (within chance), 0.32 - 0.25 = 0.07 is 2.43 (not):

    >>> before = {"value": 0.25, "low": 0.21, "high": 0.29}
    >>> within_chance({"value": 0.30, "low": 0.26, "high": 0.34}, before)
    True
    >>> within_chance({"value": 0.32, "low": 0.28, "high": 0.36}, before)
    False
    >>> within_chance({"value": 0.32, "low": float("nan"), "high": 0.36}, before)
    False
    """
    nums = [now.get("value"), now.get("low"), now.get("high"),
            before.get("value"), before.get("low"), before.get("high")]
    if any(missing(v) for v in nums):
        return False
    v1, lo1, hi1, v0, lo0, hi0 = (float(v) for v in nums)
    se = math.hypot((hi1 - lo1) / (2 * z), (hi0 - lo0) / (2 * z))
    return se > 0 and abs(v1 - v0) < z * se


def _estimate(r: dict, kind: str, currency: str) -> str:
    """``"2.7 % (1.2–5.7 %)"`` as text."""
    v = fmt(r["value"], kind, currency)
    if missing(r["value"]):
        return NO_DATA
    iv = interval(r["low"], r["high"], kind, currency)
    return v if iv == NA else f"{v} ({iv})"


def kpi_cards(kpis: pd.DataFrame, trend: pd.DataFrame, quarter: Any, currency: str = "EUR",
              cards: Sequence[Card] = KPI_CARDS, grain: str = "company",
              group: str = "all", notes: Mapping[str, str] | None = None) -> str:
    """An HTML grid of KPI cards (by default the ten KPIs of key account management).

    Each card shows the value with its unit, the 95 % interval and what it rests on
    (n), the change against the previous quarter and the same quarter last year
    (green when the change goes the good way, red when not, grey when it is within
    chance, ``n/a`` when a quarter has no value) and a sparkline of the last 8
    quarters with its highest and lowest values. A figure with a target (the
    ``target`` and ``status`` columns of the KPI table) shows it and whether it is met
    (:func:`kamlib.present.targets.goal`: met green, missed vermillion, within chance
    grey).

    Parameters
    ----------
    kpis : the quarter's long KPI table (``b.kpis``).
    trend : the same KPIs over the last 8 quarters (``b.trend``, or ``b.history``
        which adds the KAM rows of the latest waves). A KPI without observations
        this quarter shows its latest figure within the last 12 months from here
        (:func:`latest`), labelled with its period, and its changes against that
        period's own previous quarter and year.
    quarter : the quarter shown, ``"2026Q3"`` or a :class:`~kamlib.periods.Quarter`.
    currency : currency of money KPIs.
    cards : which cards (:data:`KPI_CARDS` or :func:`cards`).
    grain, group : whose figures (the company by default).
    notes : a line under a card's title, by KPI id, naming what the figure covers when
        that differs from the quarter (see :func:`card_notes`).

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "nps", "grain": "company", "group": "all",
    ...                   "period": ["2025Q3", "2026Q2", "2026Q3"], "value": [-5.0, 0.0, 2.0],
    ...                   "low": [-12.0, -8.0, -6.0], "high": [3.0, 8.0, 10.0], "n": 300})
    >>> h = kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", cards=cards("nps"))
    >>> "Net Promoter Score" in h and "+2" in h and "vs 2026Q2" in h and "<svg" in h
    True
    """
    label_q = str(quarter)
    periods = [shift_quarter(label_q, k) for k in range(-7, 1)]
    prev, yago = shift_quarter(label_q, -1), shift_quarter(label_q, -4)
    shown = []
    for c in cards:
        kpi, title, kind, hib = c.kpi, c.title, c.kind, c.higher_is_better
        r = latest(kpis, None, kpi, grain, group, label_q)
        if missing(r["value"]) and c.fallback:
            alt = latest(kpis, None, c.fallback, grain, group, label_q)
            if not missing(alt["value"]):
                kpi, r = c.fallback, alt
        if missing(r["value"]):  # no figure this quarter: the latest within 12 months
            for k in (c.kpi, c.fallback) if c.fallback else (c.kpi,):
                e = latest(kpis, trend, k, grain, group, label_q)
                if e["earlier"]:
                    kpi, r = k, e
                    break
        if c.fallback:
            title = f"{title} ({'lagging' if kpi.endswith('lagging') else 'leading'})"
        series = kpi_series(trend, kpi, periods, grain, group)
        if not r["earlier"]:
            series[-1] = float(r["value"]) if not missing(r["value"]) else series[-1]
        value = float(r["value"]) if r["earlier"] else series[-1]
        card: dict[str, Any] = {"theme": c.theme, "title": title,
                                "note": (notes or {}).get(kpi) or "", "value": None,
                                "definition": kpi_info(kpi).definition}
        if missing(value):
            card["what"] = (f"n = {r['n']:,}" if r["n"] else
                            f"nothing in {shift_quarter(label_q, 1 - LOOKBACK)}{DASH}{label_q}")
        else:
            iv = interval(r["low"], r["high"], kind, currency)
            card.update(value=fmt(value, kind, currency),
                        earlier=period_label(kpi, r["period"]) if r["earlier"] else "",
                        interval=f"95 % interval {iv}" if iv != NA else "no interval",
                        based=f"n = {r['n']:,} {kpi_info(kpi).n_unit}")
        if r["earlier"]:  # the shown figure against its own quarter's neighbours
            at = str(r["period"])
            p1, p4 = shift_quarter(at, -1), shift_quarter(at, -4)
            before = kpi_series(trend, kpi, [p1, p4], grain, group)
            pairs = ((f"{at} vs {p1}", before[0]), (f"{at} vs {p4}", before[1]))
        else:
            pairs = ((f"vs {prev}", series[-2]), (f"vs {yago}", series[-5]))
        # a change within chance is grey (the two quarters' intervals)
        at_q = str(r["period"]) if r["earlier"] else label_q
        chance = [within_chance(r, kpi_row(trend, kpi, grain, group, shift_quarter(at_q, -k)))
                  for k in (1, 4)]
        card["changes"] = [
            _change(value - other if not (missing(value) or missing(other)) else np.nan,
                    kind, hib, versus, currency, luck)
            for (versus, other), luck in zip(pairs, chance, strict=True)]
        # -- targets: the figure's target and status, from the period it comes from
        card["goal"] = goal(value, *target_of([kpis, trend], kpi, grain, group, at_q), kind,
                            currency)
        card.update(sparkline=Markup(sparkline(series, scale=lambda v, k=kind: fmt(v, k, currency))),
                    span=f"{periods[0]}–{periods[-1]}",
                    alone=sum(not missing(v) for v in series) <= 1, secondary="")
        if c.secondary:
            s = latest(kpis, trend, c.secondary, grain, group, label_q)
            si = kpi_info(c.secondary)
            text = f"{si.title}: {_estimate(s, si.kind, currency)}"
            if s["n"]:
                text += f", n = {s['n']:,} {si.n_unit}"
            if s["earlier"]:
                text += f" ({period_label(c.secondary, s['period'])})"
            card["secondary"] = text
        shown.append(card)
    return render("present/cards.html.j2", cards=shown, quarter=label_q, no_data=NO_DATA)


def card_notes(bundle: Any) -> dict[str, str]:
    """Lines for :func:`kpi_cards` naming the base of figures that do not cover the
    quarter itself: conversion is measured on the latest cohort whose decision windows
    have closed (e.g. "cohort 2026Q1: first contacted 2026-01-01 to 2026-03-31").

    >>> class B:
    ...     meta = {"conversion_cohort": {"quarter": "2026Q1", "start": "2026-01-01",
    ...                                   "end": "2026-03-31"}}
    >>> card_notes(B())
    {'conversion_rate': 'cohort 2026Q1: first contacted 2026-01-01 to 2026-03-31'}
    """
    c = (getattr(bundle, "meta", None) or {}).get("conversion_cohort")
    if not c:
        return {}
    return {"conversion_rate": f"cohort {c['quarter']}: first contacted {c['start']} "
                               f"to {c['end']}"}
