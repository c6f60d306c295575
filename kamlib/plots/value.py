"""What marks the most valuable accounts, as a forest plot a leader can read.

Each row is an attribute's level against its baseline: the dot is the factor by which
it multiplies lifetime value other things equal (:mod:`kamlib.models.value_factors`),
the line its 95 % interval, the open diamond the raw ratio of mean lifetimes values. The
axis is logarithmic so that ×2 and ×0.5 lie equally far from ×1.

>>> effects = pd.DataFrame({"attribute_label": ["Referred by a customer", "Segment"],
...                         "level": ["yes", "strategic"], "baseline": ["no", "enterprise"],
...                         "ratio": [1.3, 2.5], "low": [1.1, 2.0], "high": [1.6, 3.1],
...                         "raw_ratio": [1.0, 2.9]})
>>> ax = plot_value_factors(effects)
>>> [t.get_text() for t in ax.get_yticklabels()]
['Segment: Strategic (vs Enterprise)', 'Referred by a customer: Yes (vs No)']
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from kamlib.plots.alt import axes_title, set_alt
from kamlib.plots.style import (
    COLORS,
    draws_plain_text,
    house_style,
    new_axes,
    no_data,
    pretty_name,
    shorten,
    style_axes,
    title_text,
)

__all__ = ["effect_label", "plot_value_factors", "ratio_text"]

#: the factors marked on the axis: the coarse ones always, the fine ones on a short axis
_TICKS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
_FINE_TICKS = (0.67, 0.8, 1.25, 1.5)


def ratio_text(x: float) -> str:
    """A factor as the pages write it: ``1.30×``; ``n/a`` when missing.

    >>> ratio_text(1.3), ratio_text(float("nan"))
    ('1.30×', 'n/a')
    """
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.2f}×"


def effect_label(row: pd.Series) -> str:
    """``Attribute: Level (vs Baseline)``, codes in words.

    >>> effect_label(pd.Series({"attribute_label": "Segment", "level": "mid_market",
    ...                         "baseline": "enterprise"}))
    'Segment: Mid market (vs Enterprise)'
    """
    return (f"{row['attribute_label']}: {pretty_name(row['level'])} "
            f"(vs {pretty_name(row['baseline'])})")


@draws_plain_text
def plot_value_factors(effects: pd.DataFrame, ax: Axes | None = None,
                       title: str | None = None) -> Axes:
    """Forest plot of ``effects`` (rows of :func:`kamlib.models.value_factors.value_factors`
    with an estimate), in the frame's order from the top, with the raw ratio beside each.
    """
    with house_style():
        f = effects[effects["ratio"].notna()] if "ratio" in effects else effects.iloc[0:0]
        ax = new_axes(ax, (8.0, 0.3 * max(len(f), 3) + 1.6))
        style_axes(ax, grid_axis="x")
        ax.set_title(title_text(title or "What marks the most valuable accounts"))
        ax.set_xlabel("Factor on lifetime value, other things equal (log scale)")
        if len(f) == 0:
            no_data(ax)
            return ax
        f = f.iloc[::-1]
        y = np.arange(len(f))
        ratio, low, high = (f[c].to_numpy(float) for c in ("ratio", "low", "high"))
        ax.set_xscale("log")
        ax.axvline(1.0, color=COLORS["reference"], linewidth=0.8)
        ax.hlines(y, low, high, color=COLORS["main"], linewidth=2)
        ax.plot(ratio, y, "o", color=COLORS["main"], markersize=6)
        raw = f["raw_ratio"].to_numpy(float) if "raw_ratio" in f else np.full(len(f), np.nan)
        ax.plot(raw, y, "D", markerfacecolor="none", markeredgecolor=COLORS["alert"],
                markersize=6)
        ax.set_yticks(y, [shorten(effect_label(r), 48) for _i, r in f.iterrows()])
        values = np.concatenate([low, high, ratio, raw])
        values = values[np.isfinite(values) & (values > 0)]
        lo, hi = float(values.min()), float(values.max())
        lo, hi = min(lo, 0.9), max(hi, 1.1)
        ax.set_xlim(lo / 1.15, hi * 1.15)
        marks = _TICKS + (_FINE_TICKS if hi / lo < 4 else ())
        ticks = sorted(t for t in marks if lo / 1.15 <= t <= hi * 1.15)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"×{t:g}" for t in ticks])
        # the legend under the axis, so the labels and the data keep the width
        ax.figure.legend(handles=[
            Line2D([], [], color=COLORS["main"], marker="o", linewidth=2,
                   label="Model: factor and 95 % interval"),
            Line2D([], [], color=COLORS["alert"], marker="D", markerfacecolor="none",
                   linestyle="none", label="Raw ratio of mean CLV")],
            loc="outside lower center", ncol=2, frameon=False)
        order = np.argsort(-np.abs(np.log(ratio)))[:3]
        big = [f"{shorten(effect_label(f.iloc[i]), 48)} {ratio_text(ratio[i])} "
               f"({ratio_text(low[i])} to {ratio_text(high[i])})" for i in order]
        set_alt(ax, f"{axes_title(ax)}: {len(f)} effects on lifetime value, largest "
                + "; ".join(big))
    return ax
