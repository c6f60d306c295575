"""Acquisition and contact plots: conversion by number of touches, contact gaps.

Same shape and house style as :mod:`kamlib.plots.kpi`:
``plot_x(data, ..., ax=None) -> Axes``, no I/O, statistics computed elsewhere
(:mod:`kamlib.kpis.acquisition`).

>>> ax = plot_gap_distribution([10, 20, 30, 50, 80], threshold=45)
>>> ax.get_xlabel()
'Longest gap between contacts (days)'
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from kamlib.plots.style import (
    BAND_ALPHA,
    COLORS,
    LEGEND_MAX,
    PALETTE,
    as_floats,
    draws_plain_text,
    house_style,
    legend_right,
    new_axes,
    no_data,
    percent_formatter,
    pretty_name,
    shorten,
    style_axes,
    subplots,
    title_text,
)

__all__ = ["plot_gap_distribution", "plot_touch_curve"]


# -- plot_touch_curve ----------------------------------------------------------


def _grid_shape(k: int) -> tuple[int, int]:
    ncols = {1: 1, 2: 2, 3: 3, 4: 2, 5: 3, 6: 3}.get(k, 4)
    return math.ceil(k / ncols), ncols


def _draw_touch(ax: Axes, part: pd.DataFrame, peak: pd.Series | None, color: str,
                label: str | None, alpha: float = BAND_ALPHA
                ) -> tuple[float, float, float] | None:
    part = part.sort_values("touches")
    x, p = as_floats(part["touches"]), as_floats(part["p"])
    if "low" in part and "high" in part:
        lo, hi = as_floats(part["low"]), as_floats(part["high"])
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.fill_between(x, lo, hi, where=ok, color=color, alpha=alpha, linewidth=0,
                            zorder=1)
    ax.plot(x, p, color=color, zorder=3, label=label)
    if peak is None or not np.isfinite(peak.get("value", np.nan)):
        return None
    v = float(peak["value"])
    good = np.isfinite(x) & np.isfinite(p)
    if not good.any():
        return None
    y = float(np.interp(v, x[good], p[good]))
    lo_v = float(peak.get("low", np.nan))
    hi_v = float(peak.get("high", np.nan))
    xerr = None
    if np.isfinite(lo_v) and np.isfinite(hi_v):
        xerr = [[max(v - lo_v, 0.0)], [max(hi_v - v, 0.0)]]
    ax.errorbar([v], [y], xerr=xerr, fmt="D", color=color, markersize=6,
                markeredgecolor="black", markeredgewidth=0.7, ecolor="black",
                elinewidth=1.2, capsize=3, zorder=4)
    return v, lo_v, hi_v


_NO_PEAK = "no peak"


def _no_peak(peak: dict | None) -> bool:
    """Whether a channel's peak row says the fitted curve has no interior peak."""
    if not peak:
        return False
    v = peak.get("value", np.nan)
    missing = v is None or not np.isfinite(float(v))
    return missing and (peak.get("peak_found") is False
                        or str(peak.get("note") or "").strip() == _NO_PEAK)


@draws_plain_text
def plot_touch_curve(
    curve: pd.DataFrame,
    peaks: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    *,
    band_label: str = "95 % bootstrap interval",
) -> Axes:
    """Conversion probability against the number of touches, per channel.

    Parameters
    ----------
    curve : columns ``channel``, ``touches``, ``p`` and optionally ``low``/``high``
        (a smooth fit with its bootstrap band), p as shares in [0, 1].
    peaks : columns ``channel``, ``value`` and optionally ``low``/``high``: the
        ideal number of touches with its interval, marked on the curve with a
        diamond and a horizontal error bar. A row with no value whose ``peak_found``
        is False (or ``note`` is "no peak") is labelled "no peak" instead.
    ax : None draws small multiples (one panel per channel, in order of first
        appearance, shared axes); an axes draws all channels on it in distinct colours.
    title : plot (figure) title.
    band_label : legend text of the bands.

    Returns
    -------
    The axes drawn on. With ``ax=None`` this is the *first* panel; all panels,
    in channel order, are ``ax.figure.axes``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 11)
    >>> curve = pd.concat([pd.DataFrame({"channel": c, "touches": t,
    ...                                  "p": 0.3 * np.exp(-((t - m) / 3) ** 2)})
    ...                    for c, m in [("email", 4), ("event", 6)]])
    >>> ax = plot_touch_curve(curve, pd.DataFrame({"channel": ["email"], "value": [4.0]}))
    >>> [a.get_title(loc="left") for a in ax.figure.axes]
    ['Email', 'Event']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    >>> none = pd.DataFrame({"channel": ["email", "event"], "value": [4.0, np.nan],
    ...                      "peak_found": [True, False], "note": ["", "no peak"]})
    >>> ax = plot_touch_curve(curve, none)
    >>> [t.get_text() for a in ax.figure.axes for t in a.texts]
    ['peak at 4.0', 'no peak in the range of touches']
    >>> plt.close(ax.figure)
    """
    title = title_text(title or "Conversion probability by number of touches")
    xlabel, ylabel = "Touches per prospect (count)", "Conversion probability (%)"
    xlabel_short = "Touches (count)"
    empty = curve is None or len(curve) == 0
    channels = [] if empty else list(dict.fromkeys(curve["channel"]))
    peak_by = {}
    if peaks is not None and len(peaks):
        peak_by = {ch: row for ch, row in zip(peaks["channel"], peaks.to_dict("records"),
                                             strict=True)}
    peak_handle = Line2D([], [], linestyle="-", marker="D", color="black",
                         markerfacecolor="white", markeredgecolor="black", linewidth=1.2,
                         label="Ideal touches (with interval)")

    with house_style():
        if ax is not None or len(channels) <= 1:
            ax = new_axes(ax)
            style_axes(ax)
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.yaxis.set_major_formatter(percent_formatter())
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if empty:
                no_data(ax)
                return ax
            # overlapping bands stay light: fainter when there are many
            alpha = BAND_ALPHA if len(channels) <= 2 else BAND_ALPHA * 0.6
            for i, ch in enumerate(channels):
                part = curve[curve["channel"] == ch]
                peak = peak_by.get(ch)
                label = shorten(pretty_name(ch), LEGEND_MAX) + \
                    (f" ({_NO_PEAK})" if _no_peak(peak) else "")
                _draw_touch(ax, part, pd.Series(peak) if peak else None,
                            PALETTE[i % len(PALETTE)], label, alpha)
            ax.set_ylim(bottom=0)
            handles, _ = ax.get_legend_handles_labels()
            handles += [Patch(color=COLORS["muted"], alpha=BAND_ALPHA * 1.5,
                              label=shorten(band_label))]
            if peak_by:
                handles.append(peak_handle)
            legend_right(ax, handles)
            return ax

        nrows, ncols = _grid_shape(len(channels))
        fig, axes = subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False,
                             figsize=(8.0, 0.8 + 2.3 * nrows))
        flat = list(axes.ravel())
        for extra in flat[len(channels):]:
            fig.delaxes(extra)
        for i, (a, ch) in enumerate(zip(flat, channels, strict=False)):
            style_axes(a)
            part = curve[curve["channel"] == ch]
            peak = peak_by.get(ch)
            got = _draw_touch(a, part, pd.Series(peak) if peak else None, COLORS["main"], None)
            # channel name, and under it the peak with its interval (above the data)
            a.set_title(shorten(pretty_name(ch), LEGEND_MAX), fontsize=10,
                        pad=15 if peak_by else 6)
            text = f"{_NO_PEAK} in the range of touches" if _no_peak(peak) else None
            if got is not None:
                v, lo_v, hi_v = got
                text = f"peak at {v:.1f}"
                if np.isfinite(lo_v) and np.isfinite(hi_v):
                    text += f" ({lo_v:.1f}–{hi_v:.1f})"
            if text is not None:
                a.annotate(text, (0.0, 1.0), xycoords="axes fraction", xytext=(0, 3),
                           textcoords="offset points", ha="left", va="bottom", fontsize=8,
                           color=COLORS["muted"])
            a.yaxis.set_major_formatter(percent_formatter())
            a.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            a.tick_params(labelsize=8)
            # inner panels keep their ticks but not the repeated tick labels
            bottom = i + ncols >= len(channels)
            a.tick_params(labelbottom=bottom, labelleft=i % ncols == 0)
            if bottom:  # per panel: a figure-level x label would collide with the legend
                a.set_xlabel(xlabel_short)
        flat[0].set_ylim(bottom=0)
        fig.suptitle(title, x=0.01, ha="left")
        fig.supylabel(ylabel)
        handles = [Line2D([], [], color=COLORS["main"], label="Fitted probability"),
                   Patch(color=COLORS["main"], alpha=BAND_ALPHA, label=shorten(band_label))]
        if peak_by:
            handles.append(peak_handle)
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles),
                   frameon=False)
        return flat[0]


# -- plot_gap_distribution -----------------------------------------------------


def _bin_width(span: float, threshold: float, max_bins: int = 40) -> float:
    """A round bin width giving at most ``max_bins`` bins, preferring one that
    puts a bin edge on the threshold."""
    widths = (1, 2, 3, 5, 7, 10, 14, 15, 20, 30, 45, 60, 90, 180, 365, 730)
    fits = [w for w in widths if span / w <= max_bins] or [math.ceil(span / max_bins)]
    aligned = [w for w in fits[:3] if np.isfinite(threshold) and threshold % w == 0]
    return float(aligned[0] if aligned else fits[0])


@draws_plain_text
def plot_gap_distribution(
    gaps: pd.Series | np.ndarray | Iterable[float],
    threshold: float,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Histogram of each account's longest contact gap, with the alert threshold.

    Parameters
    ----------
    gaps : longest gap per account in days (Series or array; NaN ignored).
    threshold : alert threshold in days (``gap_alert_days``); bars beyond it are
        coloured as alerts and the share of accounts above it is written by the line.
    ax : axes to draw on; a new 8 x 4.5 in figure when None.
    title : plot title.

    Returns
    -------
    The axes drawn on.

    Examples
    --------
    >>> ax = plot_gap_distribution([10, 20, 30, 50, 80], threshold=45)
    >>> ax.texts[0].get_text().splitlines()[1]
    '40% of accounts above (2 of 5)'
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    if not hasattr(gaps, "__len__"):
        gaps = list(gaps)
    values = as_floats(np.asarray(gaps, dtype=object).ravel())
    values = values[np.isfinite(values)]
    with house_style():
        ax = new_axes(ax)
        style_axes(ax)
        ax.set_title(title_text(title or "Longest contact gap per account"))
        ax.set_xlabel("Longest gap between contacts (days)")
        ax.set_ylabel("Accounts (count)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if values.size:
            top = max(values.max(), threshold if np.isfinite(threshold) else 0)
            w = _bin_width(max(top, 1.0), threshold)
            start = min(0.0, math.floor(values.min() / w) * w)
            edges = np.arange(start, top + w + 1e-9, w)
            if edges.size < 2:
                edges = np.array([start, start + w])
            _counts, _edges, patches = ax.hist(values, bins=edges, color=COLORS["main"],
                                               edgecolor="white", linewidth=0.5, zorder=2)
            for patch in patches:
                if patch.get_x() >= threshold:
                    patch.set_facecolor(COLORS["alert"])
            ax.set_xlim(left=start)
        else:
            no_data(ax, xticks=True)
            ax.set_xlim(0, max(2 * threshold, 1) if np.isfinite(threshold) else 1)

        ax.axvline(threshold, color=COLORS["reference"], linestyle="--", linewidth=1.4,
                   zorder=3)
        above = int((values > threshold).sum())
        text = f"Alert threshold {threshold:g} days"
        if values.size:
            share = above / values.size
            pct = f"{100 * share:.1f}%" if 0 < share < 0.1 else f"{100 * share:.0f}%"
            text += f"\n{pct} of accounts above ({above} of {values.size})"
        x0, x1 = ax.get_xlim()
        right = threshold < x0 + 0.6 * (x1 - x0)  # write where there is room
        ax.annotate(text, (threshold, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(6 if right else -6, 0), textcoords="offset points",
                    ha="left" if right else "right", va="top", fontsize=9,
                    color=COLORS["text"],
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85})
    return ax
