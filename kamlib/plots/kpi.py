"""KPI plots: a KPI over quarters, groups against a target, NPS answers by group.

Every plot function has the shape ``plot_x(data, ..., ax=None) -> Axes``. It
draws what it is given (the statistics come from the analytics modules), never
reads or writes files, and creates a new figure of a sensible size when ``ax``
is None. Figures are meant to be read at about 800 px wide in an HTML page:
titles and axis labels carry units, legends sit outside the data and colours
come from the house style (:mod:`kamlib.plots.style`), which also keeps names
from the data literal and short and the saved files reproducible.

>>> import pandas as pd
>>> df = pd.DataFrame({"period": ["2025Q3", "2025Q4", "2026Q1"],
...                    "value": [0.61, 0.64, 0.66], "low": [0.55, 0.58, 0.60],
...                    "high": [0.67, 0.70, 0.72]})
>>> ax = plot_trend(df, title="Retention", ylabel="Retained accounts", percent=True)
>>> ax.get_ylabel()
'Retained accounts (%)'
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from kamlib.kpis.targets import STATUS_TEXT
from kamlib.plots.alt import axes_title, set_alt, trend_alt
from kamlib.plots.style import (
    BAND_ALPHA,
    COLORS,
    LEGEND_MAX,
    PALETTE,
    PERIOD_MAX,
    as_floats,
    draws_plain_text,
    fmt_money,
    fmt_number,
    fmt_pct,
    house_style,
    label_text,
    legend_right,
    money_formatter,
    new_axes,
    no_data,
    percent_formatter,
    pretty_name,
    shorten,
    style_axes,
    title_text,
    with_unit,
)

__all__ = ["plot_funnel", "plot_nps_bars", "plot_trend"]

# -- plot_trend ----------------------------------------------------------------


@draws_plain_text
def plot_trend(
    df: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    percent: bool = False,
    value_col: str = "value",
    low_col: str = "low",
    high_col: str = "high",
    period_col: str = "period",
    *,
    band_label: str = "95 % interval",
    currency: str | None = None,
    value_fmt: Callable[[float], str] | None = None,
    target_col: str = "target",
    status_col: str = "status",
) -> Axes:
    """A KPI over quarters: line with markers, its interval as a light band behind,
    and its target, when it has one, as a dashed line.

    Parameters
    ----------
    df : one row per period, in display order: ``period_col`` (labels such as
        ``"2025Q3"`` or :class:`~kamlib.periods.Quarter`), ``value_col`` and,
        optionally, ``low_col``/``high_col``. NaN values show as gaps.
    ax : axes to draw on; a new 8 x 4.5 in figure when None.
    title : plot title; defaults to the y label.
    ylabel : y-axis label with its unit; with ``percent`` a missing ``(%)`` is added.
    percent : values are shares in [0, 1], shown as %.
    value_col, low_col, high_col, period_col : column names.
    band_label : legend text of the band.
    currency : values are money in this currency: money ticks and label, and
        ``(EUR)`` added to a y label without it.
    value_fmt : formats the last-value label (default: 3 significant digits).
    target_col, status_col : the target of each period and its status (the long KPI
        table's ``target`` and ``status``, :mod:`kamlib.kpis.targets`). When the
        frame has targets they are drawn as a dashed line (a step where the target
        changes), labelled with the latest target and coloured by the latest
        status: met green, missed vermillion, within chance (or no value) grey.

    Returns
    -------
    The axes drawn on. The last non-missing value is written next to its point.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"period": ["2025Q4", "2026Q1"], "value": [41.0, 37.5],
    ...                    "low": [38.0, 35.0], "high": [44.0, 40.0]})
    >>> ax = plot_trend(df, ylabel="Resolution time (hours)")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['2025Q4', '2026Q1']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)

    With a target (hours: lower is better, 40 met in 2026Q1):

    >>> ax = plot_trend(df.assign(target=40.0, status=["missed", "met"]), ylabel="Hours")
    >>> [t.get_text() for t in ax.texts if t.get_text().startswith("Target")]
    ['Target 40: met']
    >>> plt.close(ax.figure)
    """
    unit_label = title_text(ylabel or pretty_name(value_col))
    if percent:
        unit_label = with_unit(unit_label, "%")
    elif currency:
        unit_label = with_unit(unit_label, currency)
        value_fmt = value_fmt or (lambda v: fmt_money(v, currency))
    with house_style():
        ax = new_axes(ax)
        style_axes(ax)
        ax.set_title(title_text(title or unit_label.split(" (")[0]))
        ax.set_ylabel(unit_label)
        ax.set_xlabel("Quarter")
        if percent:
            ax.yaxis.set_major_formatter(percent_formatter())
        elif currency:
            ax.yaxis.set_major_formatter(money_formatter(currency))
        if df is None or len(df) == 0 or value_col not in df:
            no_data(ax)
            return ax

        labels = [shorten(label_text(p), PERIOD_MAX) for p in df[period_col]] if period_col in df else \
            [str(i) for i in range(len(df))]
        x = np.arange(len(df), dtype=float)
        y = as_floats(df[value_col])
        color = COLORS["main"]

        if low_col in df and high_col in df:
            lo, hi = as_floats(df[low_col]), as_floats(df[high_col])
            ok = np.isfinite(lo) & np.isfinite(hi)
            # a point with no finite neighbour cannot carry a band: give it an error bar
            prev_ok = np.r_[False, ok[:-1]]
            next_ok = np.r_[ok[1:], False]
            lone = ok & ~prev_ok & ~next_ok
            if (ok & ~lone).any():
                ax.fill_between(x, lo, hi, where=ok & ~lone, color=color, alpha=BAND_ALPHA,
                                linewidth=0, zorder=1, label=shorten(band_label),
                                interpolate=False)
            if lone.any():
                ax.errorbar(x[lone], y[lone], yerr=[y[lone] - lo[lone], hi[lone] - y[lone]],
                            fmt="none", ecolor=color, alpha=0.5, elinewidth=6, capsize=0,
                            zorder=2, label=None if (ok & ~lone).any() else shorten(band_label))
        ax.plot(x, y, color=color, marker="o", zorder=3, label="Estimate")
        aim = _target_line(ax, df, x, target_col, status_col, percent,
                           value_fmt if currency or value_fmt else None)  # targets
        handles, _texts = ax.get_legend_handles_labels()
        # the estimate first, then its band (and the target); no legend for a lone line
        handles = handles[::-1] if len(handles) > 1 else []
        if aim is not None and handles:  # targets: the target line last in the legend
            handles = [h for h in handles if h is not aim] + [aim]

        # ticks: at most ~12 labels (fewer when they are long), always including the
        # last period
        longest = max(map(len, labels), default=0)
        step = max(1, math.ceil(len(x) / (12 if longest <= 7 else max(2, 60 // (longest + 2)))))
        ticks = [i for i in range(len(x)) if (len(x) - 1 - i) % step == 0]
        ax.set_xticks(ticks, [labels[i] for i in ticks])
        room = max(0.8, 0.1 * len(x))  # space for the last-value label
        ax.set_xlim(-0.5, len(x) - 0.5 + room)

        finite = np.flatnonzero(np.isfinite(y))
        if finite.size:
            i = finite[-1]
            fmt = fmt_pct if percent else (value_fmt or fmt_number)
            ax.annotate(fmt(y[i]), (x[i], y[i]), xytext=(7, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=10, fontweight="bold",
                        color=color, zorder=4)
        else:
            no_data(ax, "No values")
        legend_right(ax, handles)
        # alt text: the first and last figures
        set_alt(ax, trend_alt(axes_title(ax), labels, y,
                              fmt_pct if percent else (value_fmt or fmt_number)))
    return ax


# -- targets: the dashed target line of plot_trend ------------------------------------
_STATUS_COLOR = {"met": "good", "missed": "alert"}


def _target_line(ax: Axes, df: pd.DataFrame, x: np.ndarray, target_col: str,
                 status_col: str, percent: bool, value_fmt: Callable[[float], str] | None):
    """Draw the targets of ``df`` as a dashed line labelled with the latest target; the
    line's handle, or None when the frame has no target."""
    if target_col not in df:
        return None
    t = as_floats(df[target_col])
    ok = np.flatnonzero(np.isfinite(t))
    if ok.size == 0:
        return None
    status = df[status_col].iloc[ok[-1]] if status_col in df else ""
    color = COLORS[_STATUS_COLOR.get(status if isinstance(status, str) else "", "muted")]
    (line,) = ax.plot(x, t, color=color, linestyle=(0, (5, 3)), linewidth=1.4,
                      drawstyle="steps-mid", zorder=2.5, label="Target")
    fmt = fmt_pct if percent else (value_fmt or fmt_number)
    word = STATUS_TEXT.get(status, "") if isinstance(status, str) else ""
    ax.annotate(f"Target {fmt(t[ok[-1]])}" + (f": {word}" if word else ""),
                (x[ok[-1]], t[ok[-1]]), xytext=(-4, 3),  # above the line, ending at it
                textcoords="offset points", ha="right", va="bottom", fontsize=9, color=color,
                zorder=4, path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
    return line


# -- plot_funnel -----------------------------------------------------------------


def _place_labels(ax: Axes, xs: np.ndarray, ys: np.ndarray, texts: list[str],
                  others: np.ndarray | None = None, fontsize: float = 8.5,
                  color: str = COLORS["text"]) -> None:
    """Annotate points with small offsets chosen so that labels do not overlap.

    Greedy: each label takes the first of a few candidate positions around its
    point whose (estimated) box overlaps neither earlier labels nor any point
    (``others`` are further points, as an (n, 2) array in data units, to keep clear of).
    """
    if not len(texts):
        return
    fig = ax.figure
    scale = fig.dpi / 72.0  # display pixels per point
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    obstacles = pts if others is None or not len(others) else \
        np.vstack([pts, ax.transData.transform(others)])
    marker = 4 * scale
    # boxes to keep clear of, one row (x0, y0, x1, y1) each; placed labels are appended
    taken = np.column_stack([obstacles[:, 0] - marker, obstacles[:, 1] - marker,
                             obstacles[:, 0] + marker, obstacles[:, 1] + marker])
    axbox = ax.get_window_extent()
    candidates = [  # (dx, dy) in points, ha, va
        (5, 4, "left", "bottom"), (5, -4, "left", "top"),
        (-5, 4, "right", "bottom"), (-5, -4, "right", "top"),
        (5, 14, "left", "bottom"), (5, -14, "left", "top"),
        (-5, 14, "right", "bottom"), (-5, -14, "right", "top"),
        (5, 24, "left", "bottom"), (5, -24, "left", "top"),
    ]

    def overlap(a: tuple) -> float:
        """Total area that box ``a`` shares with the ``taken`` boxes (summed in their
        order, so the sum is the same to the last bit however many boxes share none)."""
        w = np.minimum(a[2], taken[:, 2]) - np.maximum(a[0], taken[:, 0])
        h = np.minimum(a[3], taken[:, 3]) - np.maximum(a[1], taken[:, 1])
        area = np.maximum(w, 0) * np.maximum(h, 0)
        return sum(area[area > 0].tolist())

    order = np.argsort(-np.asarray(ys, dtype=float), kind="stable")
    for k in order:
        px, py = pts[k]
        w = len(texts[k]) * fontsize * 0.6 * scale
        h = fontsize * 1.25 * scale
        best, best_cost = None, math.inf
        for dx, dy, ha, va in candidates:
            x0 = px + dx * scale - (w if ha == "right" else 0)
            y0 = py + dy * scale - (h if va == "top" else 0)
            box = (x0, y0, x0 + w, y0 + h)
            cost = overlap(box)
            # leaving the axes is allowed but discouraged
            if box[0] < axbox.x0 or box[2] > axbox.x1 or box[1] < axbox.y0 or box[3] > axbox.y1:
                cost += 0.5 * w * h
            if cost < best_cost:
                best, best_cost = (dx, dy, ha, va, box), cost
            if cost == 0:
                break
        dx, dy, ha, va, box = best
        taken = np.vstack([taken, box])
        # a label pushed away from its point gets a thin leader line
        leader = {"arrowstyle": "-", "color": COLORS["muted"], "linewidth": 0.6,
                  "shrinkA": 0, "shrinkB": 3} if abs(dy) > 4 else None
        ax.annotate(texts[k], (xs[k], ys[k]), xytext=(dx, dy), textcoords="offset points",
                    ha=ha, va=va, fontsize=fontsize, color=color, zorder=5, arrowprops=leader,
                    path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])


@draws_plain_text
def plot_funnel(
    df: pd.DataFrame,
    target: float,
    ax: Axes | None = None,
    title: str | None = None,
    label_col: str = "group",
    percent: bool = True,
    limits: pd.DataFrame | None = None,
    highlight: Iterable[Any] | None = None,
    note: str | None = None,
    *,
    xlabel: str = "Denominator n (count)",
    ylabel: str | None = None,
    target_label: str = "Company rate",
    label_outside: int | None = None,
) -> Axes:
    """Funnel plot: each group's rate against its denominator, with control limits.

    Parameters
    ----------
    df : one row per group: ``n`` (denominator), ``rate`` and ``label_col``.
    target : the reference rate (horizontal line).
    ax : axes to draw on; a new 8 x 4.5 in figure when None.
    title : plot title.
    label_col : column naming the groups (used to label outlying points).
    percent : rates are shares in [0, 1], shown as %.
    limits : columns ``n``, ``low_95``, ``high_95``, ``low_99_8``, ``high_99_8`` on a
        fine grid of n (from :func:`kamlib.stats.intervals.funnel_limits`); 95 % drawn dashed,
        99.8 % solid. Points outside the 99.8 % limits (read off the curves at
        their n) are highlighted and labelled.
    highlight : labels of groups to emphasise in any case (e.g. the reader's own).
    note : short text shown under the legend, e.g. that over-dispersion was allowed for.
    xlabel, ylabel : axis labels with units.
    label_outside : the most groups outside the 99.8 % limits the chart names; when more
        are outside, it names none of them, only the highlighted ones (a scorecard names
        its reader): those outside stay red, the legend counts them and the chart's
        description names them. None names them all. Among a thousand managers, twenty
        names crowd the chart and cost most of its drawing.

    Returns
    -------
    The axes drawn on.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"group": ["A", "B", "C"], "n": [100, 120, 300],
    ...                    "rate": [0.95, 0.78, 0.81]})
    >>> grid = np.linspace(10, 320, 50)
    >>> se = np.sqrt(0.8 * 0.2 / grid)
    >>> lim = pd.DataFrame({"n": grid, "low_95": 0.8 - 1.96 * se, "high_95": 0.8 + 1.96 * se,
    ...                     "low_99_8": 0.8 - 3.09 * se, "high_99_8": 0.8 + 3.09 * se})
    >>> ax = plot_funnel(df, 0.8, limits=lim)
    >>> [t.get_text() for t in ax.texts]
    ['A']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    ylabel = ylabel or ("Rate (%)" if percent else "Rate")
    with house_style():
        ax = new_axes(ax)
        style_axes(ax, "both")
        ax.set_title(title_text(title or "Rate by group against the target"))
        ax.set_xlabel(title_text(xlabel))
        ax.set_ylabel(title_text(ylabel))
        if percent:
            ax.yaxis.set_major_formatter(percent_formatter())
        ref = COLORS["reference"]
        fmt = fmt_pct if percent else fmt_number
        handles: list = []

        if target is not None and np.isfinite(target):
            ax.axhline(target, color=ref, linewidth=1.5, zorder=2)
            handles.append(Line2D([], [], color=ref, linewidth=1.5,
                                  label=f"{shorten(target_label)} {fmt(target)}"))

        n = as_floats(df["n"]) if df is not None and "n" in df else np.array([])
        rate = as_floats(df["rate"]) if df is not None and "rate" in df else np.array([])
        ok = np.isfinite(n) & np.isfinite(rate)
        names = [label_text(v) for v in df[label_col]] if df is not None and label_col in df \
            else [str(i) for i in range(len(n))]

        outside = np.zeros(len(n), dtype=bool)
        lim_lo_at_min = lim_hi_at_min = np.nan
        if limits is not None and len(limits):
            lim = limits.sort_values("n")
            gx = as_floats(lim["n"])
            lc = COLORS["limits"]
            for level, style, width, text in (("95", "--", 1.0, "95 % limits"),
                                              ("99_8", "-", 1.0, "99.8 % limits")):
                for side in ("low", "high"):
                    ax.plot(gx, as_floats(lim[f"{side}_{level}"]), linestyle=style,
                            color=lc, linewidth=width, zorder=2)
                handles.append(Line2D([], [], color=lc, linestyle=style, linewidth=width,
                                      label=text))
            g_ok = np.isfinite(gx) & np.isfinite(as_floats(lim["low_99_8"])) & \
                np.isfinite(as_floats(lim["high_99_8"]))
            if g_ok.any() and ok.any():
                glo, ghi = as_floats(lim["low_99_8"])[g_ok], as_floats(lim["high_99_8"])[g_ok]
                lo_at = np.interp(n, gx[g_ok], glo)
                hi_at = np.interp(n, gx[g_ok], ghi)
                outside = ok & ((rate < lo_at) | (rate > hi_at))
                n_min = np.nanmin(n[ok])
                lim_lo_at_min = float(np.interp(n_min, gx[g_ok], glo))
                lim_hi_at_min = float(np.interp(n_min, gx[g_ok], ghi))

        wanted = {label_text(h) for h in (highlight or [])}
        emph = np.array([nm in wanted for nm in names], dtype=bool) & ok
        inside = ok & ~outside & ~emph
        if inside.any():
            ax.scatter(n[inside], rate[inside], s=30, color=COLORS["main"], alpha=0.75,
                       linewidths=0, zorder=3)
            handles.append(Line2D([], [], linestyle="", marker="o", color=COLORS["main"],
                                  alpha=0.75, label="Within 99.8 % limits"))
        out_only = outside & ~emph
        named = label_outside is None or int(out_only.sum()) <= label_outside
        if out_only.any():
            ax.scatter(n[out_only], rate[out_only], s=48, color=COLORS["alert"],
                       edgecolors="black", linewidths=0.6, zorder=4)
            handles.append(Line2D([], [], linestyle="", marker="o", color=COLORS["alert"],
                                  markeredgecolor="black", markeredgewidth=0.6,
                                  label="Outside 99.8 % limits" if named else
                                  f"Outside 99.8 % limits ({int(out_only.sum()):,}, not named)"))
        if emph.any():
            ax.scatter(n[emph], rate[emph], s=60, marker="D", color=PALETTE[1],
                       edgecolors="black", linewidths=0.8, zorder=4)
            handles.append(Line2D([], [], linestyle="", marker="D", color=PALETTE[1],
                                  markeredgecolor="black", markeredgewidth=0.8,
                                  label="Highlighted"))

        if ok.any():
            # frame the groups, the target and the funnel's mouth at the smallest n
            ys = np.concatenate([rate[ok], [target] if target is not None else [],
                                 [lim_lo_at_min, lim_hi_at_min]])
            ys = ys[np.isfinite(ys)]
            lo, hi = ys.min(), ys.max()
            pad = 0.08 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-3)
            lo, hi = lo - pad, hi + pad
            if percent:
                lo, hi = max(lo, 0.0), min(hi, 1.0)
                if hi <= lo:
                    lo, hi = max(0.0, lo - 0.05), min(1.0, hi + 0.05)
            ax.set_ylim(lo, hi)
            ax.set_xlim(0, np.nanmax(n[ok]) * 1.06)
            labelled = (outside | emph) if named else emph
            if labelled.any():
                idx = np.flatnonzero(labelled)
                rest = np.column_stack([n[ok & ~labelled], rate[ok & ~labelled]])
                _place_labels(ax, n[idx], rate[idx],
                              [shorten(names[i], LEGEND_MAX) for i in idx], others=rest)
        else:
            no_data(ax)

        legend_right(ax, handles)
        if note:
            ax.annotate("\n".join(textwrap.wrap(shorten(note, 4 * 30), 30,
                                                 break_on_hyphens=False)), (1.02, 0.0),
                        xycoords="axes fraction", ha="left", va="bottom", fontsize=8,
                        color=COLORS["muted"], annotation_clip=False)
        set_alt(ax, _funnel_alt(axes_title(ax), names, rate, ok, outside, emph, target, fmt))
    return ax


def _funnel_alt(title: str, names: list[str], rate: np.ndarray, ok: np.ndarray,
                outside: np.ndarray, emph: np.ndarray, target: float | None,
                fmt: Callable[[float], str]) -> str:
    """The reading of a funnel plot: how many groups lie outside the limits, which ones,
    and where the highlighted ones stand.

    >>> import numpy as np
    >>> _funnel_alt("Churn", ["A", "B", "C"], np.array([0.1, 0.3, 0.2]), np.ones(3, bool),
    ...             np.array([False, True, False]), np.array([True, False, False]), 0.2, str)
    'Churn: funnel plot of 3 groups around 0.2; 1 outside the 99.8 % limits (B 0.3); A 0.1'
    """
    parts = [f"{title}: funnel plot of {int(ok.sum())} groups"
             + (f" around {fmt(target)}" if target is not None and np.isfinite(target) else "")]
    out = [f"{shorten(names[i], LEGEND_MAX)} {fmt(rate[i])}" for i in np.flatnonzero(outside)]
    parts.append(f"{len(out)} outside the 99.8 % limits" + (f" ({', '.join(out)})" if out else ""))
    parts += [f"{shorten(names[i], LEGEND_MAX)} {fmt(rate[i])}" for i in np.flatnonzero(emph)]
    return "; ".join(parts)
# -- plot_nps_bars -------------------------------------------------------------


def _round_half_away(v: float) -> int:
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


@draws_plain_text
def plot_nps_bars(
    df: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    label_col: str = "group",
) -> Axes:
    """NPS per group: 100 % stacked bars of detractors, passives and promoters.

    Parameters
    ----------
    df : one row per group, in display order (top to bottom): ``label_col`` and
        counts ``detractors``, ``passives``, ``promoters``.
    ax : axes to draw on; a new figure (8 in wide, height by number of groups) when None.
    title : plot title.
    label_col : column naming the groups.

    Returns
    -------
    The axes drawn on. Each bar ends with its NPS, 100 * (promoters - detractors)
    / total rounded half away from zero, and its number of answers.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["Key", "Strategic"], "detractors": [10, 5],
    ...                    "passives": [30, 15], "promoters": [60, 30]})
    >>> ax = plot_nps_bars(df)
    >>> [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")]
    ['NPS +50  n=100', 'NPS +50  n=50']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    parts = (("detractors", "Detractors (0–6)"), ("passives", "Passives (7–8)"),
             ("promoters", "Promoters (9–10)"))
    k = 0 if df is None else len(df)
    with house_style():
        ax = new_axes(ax, figsize=(8.0, max(2.8, 1.6 + 0.45 * k)))
        style_axes(ax, "x")
        # the legend sits between the title and the bars
        ax.set_title(title_text(title or "Net Promoter Score by group"), pad=26)
        ax.set_xlabel("Share of respondents (%)")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if k == 0:
            no_data(ax)
            ax.set_yticks([])
            return ax
        counts = np.column_stack([as_floats(df[c]) if c in df else np.zeros(k) for c, _ in parts])
        counts = np.nan_to_num(counts, nan=0.0)
        total = counts.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(total[:, None] > 0, counts / total[:, None], 0.0)
        y = np.arange(k)
        left = np.zeros(k)
        for j, (col, label) in enumerate(parts):
            ax.barh(y, shares[:, j], left=left, height=0.7, color=COLORS[col], label=label,
                    edgecolor="white", linewidth=0.8, zorder=2)
            for i in range(k):
                if shares[i, j] >= 0.08:
                    ax.text(left[i] + shares[i, j] / 2, y[i], f"{100 * shares[i, j]:.0f}%",
                            ha="center", va="center", fontsize=8.5, color="black", zorder=3)
            left += shares[:, j]
        names = [shorten(label_text(v)) for v in df[label_col]] if label_col in df else \
            [str(i + 1) for i in range(k)]
        ax.set_yticks(y, names)
        ax.set_ylim(k - 0.5, -0.5)  # first group on top
        for i in range(k):
            if total[i] > 0:
                nps = _round_half_away(100 * (shares[i, 2] - shares[i, 0]))
                sign = "+" if nps > 0 else ("\u2212" if nps < 0 else "")
                text = f"NPS {sign}{abs(nps)}  n={int(total[i])}"
            else:
                text = "no answers"
            ax.annotate(text, (1.0, y[i]), xycoords=("axes fraction", "data"),
                        xytext=(6, 0), textcoords="offset points", ha="left", va="center",
                        fontsize=9, annotation_clip=False)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, borderaxespad=0.3,
                  handlelength=1.2, columnspacing=1.5)
        # alt text: each group's NPS and answers (the first eight)
        each = [f"{names[i]} NPS {_round_half_away(100 * (shares[i, 2] - shares[i, 0])):+d} "
                f"(n={int(total[i])})" for i in range(min(k, 8)) if total[i] > 0]
        set_alt(ax, f"{axes_title(ax)}: detractors, passives and promoters in {k} groups; "
                    + ", ".join(each) + (f" and {k - 8} more" if k > 8 else ""))
    return ax
