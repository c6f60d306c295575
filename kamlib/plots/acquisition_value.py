"""Value by acquisition channel: CLV:CAC per channel with its interval.

Same shape and house style as :mod:`kamlib.plots.acquisition`: ``plot_x(data, ...,
ax=None) -> Axes``, no I/O, the figures computed elsewhere
(:mod:`kamlib.kpis.acquisition_value`).

>>> import pandas as pd
>>> rows = pd.DataFrame({"group": ["email", "event", "partner"], "value": [1.5, 4.0, None],
...                      "low": [0.5, 2.0, None], "high": [5.0, 9.0, None], "n": [3, 4, 0]})
>>> ax = plot_clv_to_cac(rows)
>>> describe(ax)
'CLV:CAC per acquisition channel: from 1.5 (Email) to 4.0 (Event); 1 of 2 channels at or above the rule of thumb of 3; no data for Partner'
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, NullLocator

from kamlib.plots.alt import describe, set_alt
from kamlib.plots.style import (
    COLORS,
    as_floats,
    draws_plain_text,
    house_style,
    new_axes,
    no_data,
    pretty_name,
    style_axes,
    title_text,
)

__all__ = ["RULE_OF_THUMB", "describe", "plot_clv_to_cac"]

RULE_OF_THUMB = 3.0
"""The common rule of thumb for CLV:CAC (a customer worth three times what winning it
cost): drawn as a reference, not a verdict."""

_TICKS = (0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000)


def _fmt(v: float) -> str:
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


@draws_plain_text
def plot_clv_to_cac(
    rows: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    rule_of_thumb: float = RULE_OF_THUMB,
) -> Axes:
    """CLV:CAC per acquisition channel: a point with its 95 % interval per channel, on a
    log scale, and the rule of thumb as a dashed reference line.

    Parameters
    ----------
    rows : the ``clv_to_cac`` rows at grain channel of the KPI table: ``group`` (the
        channel), ``value``, ``low``, ``high`` and ``n`` (accounts won). Channels without
        a value are listed at the bottom as "no data".
    ax : axes to draw on; a new figure sized to the channels when None.
    title : plot title.
    rule_of_thumb : where the reference line is drawn (:data:`RULE_OF_THUMB`).

    Returns
    -------
    The axes drawn on, with its alt text (:func:`kamlib.plots.alt.set_alt`).
    """
    f = rows.copy()
    f["value"], f["low"], f["high"] = (as_floats(f[c]) for c in ("value", "low", "high"))
    ok = f[np.isfinite(f.value) & (f.value > 0)].sort_values(["value", "group"])
    none = f[~f.index.isin(ok.index)].sort_values("group")
    names = [pretty_name(g) for g in ok.group]
    with house_style():
        ax = new_axes(ax, figsize=(8, 1.6 + 0.45 * max(len(f), 1)))
        style_axes(ax, grid_axis="x")
        ax.set_title(title_text(title or "Lifetime value per acquisition cost (CLV:CAC), "
                                          "by channel"))
        ax.set_xlabel("CLV:CAC with its 95 % interval (times, log scale)")
        if len(ok) == 0:
            no_data(ax)
            set_alt(ax, "CLV:CAC per acquisition channel: no data (no acquisition costs or "
                        "no account won in the last 12 months)")
            return ax
        y = np.arange(len(ok))
        v = ok.value.to_numpy()
        lo = np.where(np.isfinite(ok.low) & (ok.low > 0), ok.low, v)
        hi = np.where(np.isfinite(ok.high), ok.high, v)
        ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="o", color=COLORS["main"],
                    ecolor=COLORS["main"], elinewidth=1.6, capsize=3, markersize=7, zorder=3)
        for yi, vi, hi_i, n in zip(y, v, hi, ok.n, strict=True):
            ax.annotate(f"{_fmt(vi)}  ({int(n)} won)", (hi_i, yi), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=9,
                        color=COLORS["text"])
        labels = names + [pretty_name(g) for g in none.group]
        ax.set_yticks(np.arange(len(labels)), labels)
        for k in range(len(none)):
            ax.annotate("no data", (0.01, len(ok) + k), xycoords=("axes fraction", "data"),
                        va="center", fontsize=9, color=COLORS["muted"])
        ax.set_ylim(len(labels) - 0.5, -1.4)  # a free row on top for the reference's label
        ax.set_xscale("log")
        left = min(float(lo.min()), rule_of_thumb) / 1.6
        right = max(float(hi.max()), rule_of_thumb) * 3.0
        ax.set_xlim(left, right)
        ax.xaxis.set_major_locator(FixedLocator([t for t in _TICKS if left <= t <= right]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:g}")
        ax.axvline(rule_of_thumb, color=COLORS["reference"], linestyle="--", linewidth=1.2,
                   zorder=2)
        ax.annotate(f"Rule of thumb {rule_of_thumb:g}:1, a reference, not a verdict",
                    (rule_of_thumb, -1.0), xytext=(5, 0), textcoords="offset points",
                    va="center", fontsize=9, color=COLORS["text"])
        above = int((v >= rule_of_thumb).sum())
        alt = (f"CLV:CAC per acquisition channel: from {_fmt(v[0])} ({names[0]}) to "
               f"{_fmt(v[-1])} ({names[-1]}); {above} of {len(v)} channels at or above the "
               f"rule of thumb of {rule_of_thumb:g}")
        if len(none):
            alt += "; no data for " + ", ".join(pretty_name(g) for g in none.group)
        set_alt(ax, alt)
    return ax
