"""The book's value bridge as a waterfall: the lifetime value at the quarter's start, each
part that moved it, and the value at its end.

The start and the end are totals (bars from the axis' foot, in the main colour); each part
floats from where the one before it left off, green when it adds value and vermillion when
it takes value away, with its amount written on it. Parts move a book by a few per cent of
its value, so when the totals dwarf them the value axis starts above zero (the axis label
says so) rather than drawing slivers.

>>> steps = pd.DataFrame({"step": ["start", "new", "expansion", "contraction", "churn",
...                                "transfer", "time", "end"],
...                       "value": [110.0, 50, 8, 0, -30, 0, -11, 127]})
>>> ax = plot_value_bridge(steps, currency="EUR")
>>> [t.get_text() for t in ax.get_xticklabels()][:3]
['Start', 'New\\naccounts', 'Expansion']
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from kamlib.plots.alt import axes_title, set_alt
from kamlib.plots.style import (
    COLORS,
    draws_plain_text,
    fmt_money,
    house_style,
    money_formatter,
    new_axes,
    no_data,
    style_axes,
    title_text,
)

__all__ = ["STEP_LABELS", "plot_value_bridge"]

#: each step of the bridge as the chart names it (two lines at most)
STEP_LABELS: dict[str, str] = {
    "start": "Start",
    "new": "New\naccounts",
    "expansion": "Expansion",
    "contraction": "Contraction",
    "churn": "Churn",
    "transfer": "Accounts\nmoved",
    "time": "Time and\nre-estimation",
    "end": "End",
}

_TOTALS = ("start", "end")


def _signed(v: float, currency: str) -> str:
    """A part's amount with its sign: ``+EUR 4.8M``, ``−EUR 1.4M``.

    >>> _signed(4_830_000, "EUR"), _signed(-1_435_264, "EUR"), _signed(0.0, "EUR")
    ('+EUR 4.8M', '−EUR 1.4M', 'EUR 0')
    """
    text = fmt_money(abs(v), currency)
    if text == f"{currency} 0":
        return text
    return ("+" if v > 0 else "\u2212") + text


@draws_plain_text
def plot_value_bridge(steps: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                      currency: str = "EUR", start_label: str = "Start",
                      end_label: str = "End") -> Axes:
    """A waterfall of one bridge: ``steps`` has a ``step`` (start, the parts of
    :data:`kamlib.kpis.value_bridge.PARTS`, end) and a ``value`` column, one row per step
    (e.g. the rows of a bundle's ``value_bridge`` for one group).

    ``start_label`` and ``end_label`` name the two totals (e.g. the quarters). Accounts
    moved between groups are left out when none moved (always, for the company) and
    ``steps`` has an ``n`` column. Without rows, the axes say "No data".
    """
    with house_style():
        ax = new_axes(ax, (8.0, 4.2))
        style_axes(ax)
        ax.set_title(title_text(title or "Lifetime value of the book, start to end"))
        f = steps.set_index("step") if len(steps) else steps
        if len(f) == 0 or not all(s in f.index for s in _TOTALS):
            no_data(ax)
            set_alt(ax, f"{axes_title(ax)}: no data")
            return ax
        order = [s for s in STEP_LABELS if s in f.index]
        if "n" in f and "transfer" in order and f.at["transfer", "n"] == 0 \
                and f.at["transfer", "value"] == 0:
            order.remove("transfer")
        values = np.array([float(f.at[s, "value"]) for s in order])
        labels = {**STEP_LABELS, "start": start_label, "end": end_label}
        # each bar's foot and top: totals stand on the floor, parts float from the level
        level, feet, tops = 0.0, [], []
        for s, v in zip(order, values, strict=True):
            if s in _TOTALS:
                level = v
                feet.append(np.nan)
                tops.append(v)
            else:
                feet.append(level)
                level += v
                tops.append(level)
        feet_a, tops_a = np.array(feet), np.array(tops)
        levels = np.concatenate([tops_a, feet_a[np.isfinite(feet_a)]])
        lo, hi = float(levels.min()), float(levels.max())
        moves = np.abs(values[[s not in _TOTALS for s in order]])
        span = max(float(moves.sum()) if len(moves) else 0.0, 1e-9 * max(abs(hi), 1.0))
        # start the axis above zero only when the totals dwarf the parts
        floor = 0.0
        if lo - 2.5 * span > 0:  # a round number about one span of the parts below the lowest
            unit = 10 ** np.floor(np.log10(span))
            floor = float(np.floor((lo - 1.2 * span) / unit) * unit)
        x = np.arange(len(order))
        for i, s in enumerate(order):
            if s in _TOTALS:
                bottom, height, color = floor, tops_a[i] - floor, COLORS["main"]
            else:
                bottom = min(feet_a[i], tops_a[i])
                height = abs(values[i])
                color = COLORS["good"] if values[i] > 0 else COLORS["alert"] \
                    if values[i] < 0 else COLORS["neutral"]
            ax.bar(x[i], height, bottom=bottom, width=0.62, color=color, zorder=2)
            text = fmt_money(values[i], currency) if s in _TOTALS \
                else _signed(values[i], currency)
            ax.text(x[i], max(tops_a[i], feet_a[i] if np.isfinite(feet_a[i]) else -np.inf)
                    + 0.04 * (hi - floor), text, ha="center", va="bottom", fontsize=8.5,
                    color=COLORS["text"])
        # thin connectors from each bar's level to the next bar
        for i in range(len(order) - 1):
            ax.plot([x[i] + 0.31, x[i + 1] - 0.31], [tops_a[i], tops_a[i]],
                    color=COLORS["limits"], linewidth=0.8, zorder=1)
        ax.set_xticks(x, [labels[s] for s in order])
        ax.tick_params(axis="x", length=0)
        ax.set_ylim(floor, hi + 0.16 * (hi - floor) + 1e-9)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.yaxis.set_major_formatter(money_formatter(currency))
        ax.set_ylabel(f"Lifetime value ({currency})" if floor == 0
                      else f"Lifetime value ({currency}, axis from {fmt_money(floor, currency)})")
        # alt text: the two totals and the largest parts
        parts = sorted(((s, v) for s, v in zip(order, values, strict=True) if s not in _TOTALS),
                       key=lambda sv: -abs(sv[1]))
        big = ", ".join(f"{labels[s].replace(chr(10), ' ').lower()} {_signed(v, currency)}"
                        for s, v in parts[:3] if v != 0)
        set_alt(ax, f"{axes_title(ax)}: from {fmt_money(values[0], currency)} to "
                    f"{fmt_money(values[-1], currency)}" + (f"; largest parts {big}" if big
                                                          else ""))
    return ax
