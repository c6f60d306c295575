"""Plots for the quarterly reports: one house style, pure presentation.

Every plot function has the shape ``plot_x(data, ..., ax=None) -> Axes``. It
draws what it is given (the statistics come from the analytics modules), never
reads or writes files, and creates a new figure of a sensible size when ``ax``
is None. Figures are meant to be read at about 800 px wide in an HTML page:
titles and axis labels carry units, legends sit outside the data and colours
come from the colour-blind-safe Okabe-Ito palette.

Text from the data is drawn as it reads: every plot function turns maths
(``$...$``) and TeX off on the texts it makes, so ``Acme $5 and $10`` shows two
dollar signs, and :func:`shorten` makes names one line with an ellipsis after
:data:`LABEL_MAX` characters on axes (:data:`LEGEND_MAX` in legends and by
points, :data:`PERIOD_MAX` on time axes, :data:`TITLE_MAX` for titles and axis
labels).

Reproducible files: save inside :func:`house_style` (or after
:func:`use_house_style`) and pass :func:`savefig_kwargs`, and the same figure
gives the same SVG/PNG bytes on every run and on every save. Figures made here
(or with :func:`subplots`) use :class:`StableConstrainedLayout`; a figure the
caller made with plain constrained layout can still shift in the last digits
when it is drawn again.

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

import functools
import inspect
import math
import textwrap
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator

__all__ = [
    "COLORS",
    "HOUSE",
    "LABEL_MAX",
    "LEGEND_MAX",
    "PERIOD_MAX",
    "PALETTE",
    "StableConstrainedLayout",
    "TITLE_MAX",
    "fmt_money",
    "house_style",
    "money_formatter",
    "percent_formatter",
    "plot_funnel",
    "plot_gap_distribution",
    "plot_nps_bars",
    "plot_touch_curve",
    "plot_trend",
    "savefig_kwargs",
    "shorten",
    "subplots",
    "use_house_style",
]

# -- house style ---------------------------------------------------------------

#: Okabe-Ito colours (colour-blind safe), in the order series get them.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#999999",  # grey
)

#: Colours with a meaning, shared by all plots.
COLORS: dict[str, str] = {
    "main": PALETTE[0],
    "alert": PALETTE[3],
    "good": PALETTE[2],
    "neutral": "#BBBBBB",
    "reference": "#000000",
    "limits": "#8C8C8C",
    "muted": "#767676",
    "text": "#222222",
    "detractors": PALETTE[3],
    "passives": "#BBBBBB",
    "promoters": PALETTE[2],
}

#: Transparency of interval bands (drawn light, behind their line).
BAND_ALPHA = 0.2

#: rcParams of the house style (see :func:`use_house_style`).
HOUSE: dict[str, Any] = {
    # size: 8 in wide, shown at ~800 px in the report
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    # text
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 10,
    "axes.labelcolor": COLORS["text"],
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "xtick.color": COLORS["text"],
    "ytick.color": COLORS["text"],
    "legend.fontsize": 9,
    "legend.frameon": False,
    "legend.borderaxespad": 0.0,
    "figure.titlesize": 12,
    "figure.titleweight": "bold",
    "figure.labelsize": 10,
    "text.color": COLORS["text"],
    # a "$" in a name is a dollar sign: no mathtext, no TeX
    "text.parse_math": False,
    "text.usetex": False,
    "axes.formatter.useoffset": False,
    "axes.formatter.use_locale": False,
    "axes.unicode_minus": True,
    # frame and grid
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "lines.linewidth": 2.0,
    "lines.markersize": 5.0,
    "patch.linewidth": 0.0,
    # reproducible files: fixed SVG ids, glyphs embedded as paths
    "svg.hashsalt": "kamlib",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}


def use_house_style() -> None:
    """Apply the house style to the whole process (for report notebooks).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     use_house_style()
    ...     mpl.rcParams["svg.hashsalt"]
    'kamlib'
    """
    mpl.rcParams.update(HOUSE)


@contextmanager
def house_style() -> Iterator[None]:
    """Context manager applying the house style and restoring the rcParams after.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with house_style():
    ...     mpl.rcParams["svg.fonttype"]
    'path'
    """
    with mpl.rc_context(HOUSE):
        yield


def savefig_kwargs(fmt: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Figure.savefig`` that keep files free of dates and versions.

    The metadata drop the creation date and the creator/software stamp. SVG ids
    are only stable when ``svg.hashsalt`` is set at *save* time, so save inside
    :func:`house_style` or after :func:`use_house_style`.

    Parameters
    ----------
    fmt : ``"png"``, ``"svg"``, ``"pdf"`` or None. None gives keys that suit
        both PNG and SVG.

    Returns
    -------
    dict with a ``metadata`` entry.

    Examples
    --------
    >>> savefig_kwargs()
    {'metadata': {'Date': None, 'Creator': None}}
    >>> savefig_kwargs("png")["metadata"]["Software"] is None
    True
    """
    metadata: dict[str, Any] = {"Date": None, "Creator": None}
    kind = (fmt or "").lower().lstrip(".")
    if kind == "png":
        metadata["Software"] = None
    elif kind == "pdf":
        metadata = {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}
    return {"metadata": metadata}


# -- formatting ----------------------------------------------------------------


_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def fmt_money(x: float, currency: str = "EUR") -> str:
    """Short money label: ``"EUR 1.2M"``, ``"EUR 350k"``.

    One decimal below 10 units of the suffix, none above; a trailing ``.0`` is
    dropped. Missing values give ``"n/a"``.

    Examples
    --------
    >>> fmt_money(1_234_567), fmt_money(350_000), fmt_money(999_960)
    ('EUR 1.2M', 'EUR 350k', 'EUR 1M')
    >>> fmt_money(-420, "USD"), fmt_money(0), fmt_money(2.5e9)
    ('USD -420', 'EUR 0', 'EUR 2.5B')
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    a = abs(float(x))
    # the largest unit with at least 1 of it; a value rounding to 1000 of a
    # unit moves up one (999_960 is "1M", not "1000k")
    i = next((k for k, (div, _u) in enumerate(_UNITS) if a >= div), len(_UNITS) - 1)
    v = a / _UNITS[i][0]
    text = f"{v:.1f}" if v < 9.95 else f"{v:.0f}"
    if text == "1000" and i > 0:
        i, text = i - 1, "1"
    suffix = _UNITS[i][1]
    text = text.removesuffix(".0")
    sign = "-" if x < 0 and text != "0" else ""
    return f"{currency} {sign}{text}{suffix}"


def _decimals_for(step: float) -> int:
    """Decimals needed to tell ticks ``step`` apart (0..3)."""
    if not np.isfinite(step) or step <= 0:
        return 0
    return int(min(3, max(0, math.ceil(-math.log10(step) - 1e-9))))


def _tick_step(locs: Iterable[float]) -> float:
    diffs = np.diff(np.sort(np.asarray(list(locs), dtype=float)))
    diffs = diffs[diffs > 0]
    return float(diffs.min()) if diffs.size else math.nan


class _MoneyFormatter(Formatter):
    """Money ticks with one shared unit and just enough decimals to differ."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.ticks: list[float] = []
        self.div, self.suffix, self.decimals = 1.0, "", 0

    def set_locs(self, locs: Iterable[float]) -> None:
        # own copy of the ticks: Formatter.locs is deprecated since Matplotlib 3.11
        self.ticks = [float(v) for v in locs]
        top = max((abs(v) for v in self.ticks), default=0.0)
        self.div, self.suffix = next(((d, u) for d, u in _UNITS if top >= d), (1.0, ""))
        self.decimals = _decimals_for(_tick_step(self.ticks) / self.div)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if not self.ticks:  # used outside an axis: behave like fmt_money
            return fmt_money(x, self.currency)
        if x == 0:
            return f"{self.currency} 0"
        sign = "\u2212" if x < 0 else ""
        return f"{self.currency} {sign}{abs(x) / self.div:.{self.decimals}f}{self.suffix}"


def money_formatter(currency: str = "EUR") -> Formatter:
    """Tick formatter for money axes: one unit (k, M, B) and enough decimals per axis.

    Examples
    --------
    >>> money_formatter().format_ticks([1_100_000, 1_150_000, 1_200_000])
    ['EUR 1.10M', 'EUR 1.15M', 'EUR 1.20M']
    >>> money_formatter().format_ticks([0, 500_000, 1_000_000])
    ['EUR 0', 'EUR 0.5M', 'EUR 1.0M']
    """
    return _MoneyFormatter(currency)


class _PercentTicks(Formatter):
    """Shares in [0, 1] as ``"12%"``, with decimals only when ticks need them."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs: Iterable[float]) -> None:
        self.decimals = _decimals_for(100 * _tick_step(locs))

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = f"{100 * abs(x):.{self.decimals}f}%"
        return ("\u2212" + text) if x < 0 and float(text[:-1]) != 0 else text


def percent_formatter() -> Formatter:
    """Tick formatter for shares in [0, 1]: ``0.25`` -> ``"25%"``.

    Examples
    --------
    >>> percent_formatter().format_ticks([0.74, 0.76, 0.78])
    ['74%', '76%', '78%']
    >>> percent_formatter().format_ticks([0.105, 0.11, 0.115])
    ['10.5%', '11.0%', '11.5%']
    """
    return _PercentTicks()


def _fmt_pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def _fmt_num(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _pretty(name: Any) -> str:
    """``"face_to_face"`` -> ``"Face to face"``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _label(value: Any) -> str:
    """Period or group label: a Quarter's ``label``, else ``str``."""
    return str(getattr(value, "label", value))


def _with_unit(label: str, unit: str) -> str:
    return label if unit in label else f"{label} ({unit})"


#: Longest tick label or point label, in characters (see :func:`shorten`).
LABEL_MAX = 40
#: Longest legend entry, label by a point or small-panel title: they take their
#: width from the plot.
LEGEND_MAX = 24
#: Longest period label on a time axis (quarters such as ``2026Q3``).
PERIOD_MAX = 12
#: Longest title or axis label, in characters.
TITLE_MAX = 80

# control characters become spaces; invisible format characters (bidi overrides,
# zero-width marks, soft hyphen, BOM) are dropped
_INVISIBLE = {c: " " for c in [*range(0x20), *range(0x7F, 0xA0)]}
_INVISIBLE.update({c: None for c in [0xAD, 0x061C, 0x180E, *range(0x200B, 0x2010),
                                     *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF]})


def shorten(value: Any, limit: int = LABEL_MAX) -> str:
    """A value as one line of at most ``limit`` characters, ending in "…" when cut.

    Whitespace runs (newlines included) become one space, control characters a
    space, invisible format characters (such as bidi overrides) nothing. Use it on
    every name from the data before it reaches a chart.

    Examples
    --------
    >>> shorten("Kira  Moreau\\n(Key accounts)")
    'Kira Moreau (Key accounts)'
    >>> shorten("Acme Industrial Holdings and Subsidiaries", limit=20)
    'Acme Industrial Hol…'
    >>> shorten(None), shorten(2026)
    ('', '2026')
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = "" if value is None else str(value)
    head = text[: 4 * limit + 64]  # enough for the result: never scan a huge name
    line = " ".join(head.translate(_INVISIBLE).split())
    if len(line) > limit or (len(head) < len(text) and text[len(head):].strip()):
        line = line[: limit - 1].rstrip() + "…"
    return line


def _title(value: Any) -> str:
    return shorten(value, TITLE_MAX)


def _plain_text(root: Artist) -> None:
    """Every text under ``root`` reads as written: no mathtext (``$...$``), no TeX."""
    for t in root.findobj(Text):
        t.set_usetex(False)
        t.set_parse_math(False)


def _draws_plain_text(fn: Callable[..., Axes]) -> Callable[..., Axes]:
    """Decorate a plot function: when it has drawn, its texts get :func:`_plain_text`.

    On a figure the function made, every text of the figure (suptitle and figure
    legend included); on axes the caller gave, the texts of those axes only.
    """
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        given = sig.bind_partial(*args, **kwargs).arguments.get("ax")
        ax = fn(*args, **kwargs)
        _plain_text(ax if given is not None else ax.figure)
        return ax

    return wrapper


# -- figures -------------------------------------------------------------------


class StableConstrainedLayout(ConstrainedLayoutEngine):
    """Constrained layout that gives the same positions on every draw.

    Matplotlib's constrained layout starts from the positions of the previous
    draw, so a figure saved twice can differ in the last digits (and SVG clip
    ids). This engine first puts every grid axes back at its grid position, so
    each draw starts from the same state and saving twice gives the same bytes.
    """

    def execute(self, fig: Figure) -> Any:
        for a in fig.axes:
            spec = a.get_subplotspec()
            if spec is not None and a.get_in_layout() and hasattr(a, "_set_position"):
                a._set_position(spec.get_position(a.figure))
        return super().execute(fig)


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` in the house style with :class:`StableConstrainedLayout`.

    Use it to build a figure of several plots that must save reproducibly.

    Examples
    --------
    >>> fig, (a, b) = subplots(1, 2, figsize=(8, 3))
    >>> type(fig.get_layout_engine()).__name__
    'StableConstrainedLayout'
    >>> plt.close(fig)
    """
    kwargs.setdefault("figsize", HOUSE["figure.figsize"])
    kwargs.setdefault("layout", StableConstrainedLayout())
    with house_style():
        return plt.subplots(nrows, ncols, **kwargs)


# -- helpers -------------------------------------------------------------------


def _new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    _fig, new = subplots(figsize=figsize or HOUSE["figure.figsize"])
    return new


def _style_axes(ax: Axes, grid_axis: str = "y") -> None:
    """House frame on any axes (also on one the caller created)."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.set_axisbelow(True)
    ax.grid(False)
    if grid_axis:
        ax.grid(True, axis=grid_axis, color=HOUSE["grid.color"],
                linewidth=HOUSE["grid.linewidth"])


def _no_data(ax: Axes, text: str = "No data", xticks: bool = False) -> None:
    if not xticks:
        ax.set_xticks([])
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color=COLORS["muted"], fontsize=11)


def _legend_right(ax: Axes, handles: list | None = None, **kwargs: Any) -> None:
    """Legend outside the data, to the right of the axes."""
    if handles is None:
        handles, _labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, **kwargs)


def _num(s: pd.Series | Iterable) -> np.ndarray:
    return pd.to_numeric(pd.Series(s), errors="coerce").to_numpy(dtype=float)


# -- plot_trend ----------------------------------------------------------------


@_draws_plain_text
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
) -> Axes:
    """A KPI over quarters: line with markers, its interval as a light band behind.

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
    """
    unit_label = _title(ylabel or _pretty(value_col))
    if percent:
        unit_label = _with_unit(unit_label, "%")
    elif currency:
        unit_label = _with_unit(unit_label, currency)
        value_fmt = value_fmt or (lambda v: fmt_money(v, currency))
    with house_style():
        ax = _new_axes(ax)
        _style_axes(ax)
        ax.set_title(_title(title or unit_label.split(" (")[0]))
        ax.set_ylabel(unit_label)
        ax.set_xlabel("Quarter")
        if percent:
            ax.yaxis.set_major_formatter(percent_formatter())
        elif currency:
            ax.yaxis.set_major_formatter(money_formatter(currency))
        if df is None or len(df) == 0 or value_col not in df:
            _no_data(ax)
            return ax

        labels = [shorten(_label(p), PERIOD_MAX) for p in df[period_col]] if period_col in df else \
            [str(i) for i in range(len(df))]
        x = np.arange(len(df), dtype=float)
        y = _num(df[value_col])
        color = COLORS["main"]

        if low_col in df and high_col in df:
            lo, hi = _num(df[low_col]), _num(df[high_col])
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
        handles, _texts = ax.get_legend_handles_labels()
        # the estimate first, then its band; no legend for a lone line
        handles = handles[::-1] if len(handles) > 1 else []

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
            fmt = _fmt_pct if percent else (value_fmt or _fmt_num)
            ax.annotate(fmt(y[i]), (x[i], y[i]), xytext=(7, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=10, fontweight="bold",
                        color=color, zorder=4)
        else:
            _no_data(ax, "No values")
        _legend_right(ax, handles)
    return ax


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
    taken = [(px - marker, py - marker, px + marker, py + marker) for px, py in obstacles]
    axbox = ax.get_window_extent()
    candidates = [  # (dx, dy) in points, ha, va
        (5, 4, "left", "bottom"), (5, -4, "left", "top"),
        (-5, 4, "right", "bottom"), (-5, -4, "right", "top"),
        (5, 14, "left", "bottom"), (5, -14, "left", "top"),
        (-5, 14, "right", "bottom"), (-5, -14, "right", "top"),
        (5, 24, "left", "bottom"), (5, -24, "left", "top"),
    ]

    def overlap(a: tuple, b: tuple) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return max(w, 0) * max(h, 0)

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
            cost = sum(overlap(box, t) for t in taken)
            # leaving the axes is allowed but discouraged
            if box[0] < axbox.x0 or box[2] > axbox.x1 or box[1] < axbox.y0 or box[3] > axbox.y1:
                cost += 0.5 * w * h
            if cost < best_cost:
                best, best_cost = (dx, dy, ha, va, box), cost
            if cost == 0:
                break
        dx, dy, ha, va, box = best
        taken.append(box)
        # a label pushed away from its point gets a thin leader line
        leader = {"arrowstyle": "-", "color": COLORS["muted"], "linewidth": 0.6,
                  "shrinkA": 0, "shrinkB": 3} if abs(dy) > 4 else None
        ax.annotate(texts[k], (xs[k], ys[k]), xytext=(dx, dy), textcoords="offset points",
                    ha=ha, va=va, fontsize=fontsize, color=color, zorder=5, arrowprops=leader,
                    path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])


@_draws_plain_text
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
        ax = _new_axes(ax)
        _style_axes(ax, "both")
        ax.set_title(_title(title or "Rate by group against the target"))
        ax.set_xlabel(_title(xlabel))
        ax.set_ylabel(_title(ylabel))
        if percent:
            ax.yaxis.set_major_formatter(percent_formatter())
        ref = COLORS["reference"]
        fmt = _fmt_pct if percent else _fmt_num
        handles: list = []

        if target is not None and np.isfinite(target):
            ax.axhline(target, color=ref, linewidth=1.5, zorder=2)
            handles.append(Line2D([], [], color=ref, linewidth=1.5,
                                  label=f"{shorten(target_label)} {fmt(target)}"))

        n = _num(df["n"]) if df is not None and "n" in df else np.array([])
        rate = _num(df["rate"]) if df is not None and "rate" in df else np.array([])
        ok = np.isfinite(n) & np.isfinite(rate)
        names = [_label(v) for v in df[label_col]] if df is not None and label_col in df \
            else [str(i) for i in range(len(n))]

        outside = np.zeros(len(n), dtype=bool)
        lim_lo_at_min = lim_hi_at_min = np.nan
        if limits is not None and len(limits):
            lim = limits.sort_values("n")
            gx = _num(lim["n"])
            lc = COLORS["limits"]
            for level, style, width, text in (("95", "--", 1.0, "95 % limits"),
                                              ("99_8", "-", 1.0, "99.8 % limits")):
                for side in ("low", "high"):
                    ax.plot(gx, _num(lim[f"{side}_{level}"]), linestyle=style,
                            color=lc, linewidth=width, zorder=2)
                handles.append(Line2D([], [], color=lc, linestyle=style, linewidth=width,
                                      label=text))
            g_ok = np.isfinite(gx) & np.isfinite(_num(lim["low_99_8"])) & \
                np.isfinite(_num(lim["high_99_8"]))
            if g_ok.any() and ok.any():
                glo, ghi = _num(lim["low_99_8"])[g_ok], _num(lim["high_99_8"])[g_ok]
                lo_at = np.interp(n, gx[g_ok], glo)
                hi_at = np.interp(n, gx[g_ok], ghi)
                outside = ok & ((rate < lo_at) | (rate > hi_at))
                n_min = np.nanmin(n[ok])
                lim_lo_at_min = float(np.interp(n_min, gx[g_ok], glo))
                lim_hi_at_min = float(np.interp(n_min, gx[g_ok], ghi))

        wanted = {_label(h) for h in (highlight or [])}
        emph = np.array([nm in wanted for nm in names], dtype=bool) & ok
        inside = ok & ~outside & ~emph
        if inside.any():
            ax.scatter(n[inside], rate[inside], s=30, color=COLORS["main"], alpha=0.75,
                       linewidths=0, zorder=3)
            handles.append(Line2D([], [], linestyle="", marker="o", color=COLORS["main"],
                                  alpha=0.75, label="Within 99.8 % limits"))
        out_only = outside & ~emph
        if out_only.any():
            ax.scatter(n[out_only], rate[out_only], s=48, color=COLORS["alert"],
                       edgecolors="black", linewidths=0.6, zorder=4)
            handles.append(Line2D([], [], linestyle="", marker="o", color=COLORS["alert"],
                                  markeredgecolor="black", markeredgewidth=0.6,
                                  label="Outside 99.8 % limits"))
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
            labelled = outside | emph
            if labelled.any():
                idx = np.flatnonzero(labelled)
                rest = np.column_stack([n[ok & ~labelled], rate[ok & ~labelled]])
                _place_labels(ax, n[idx], rate[idx],
                              [shorten(names[i], LEGEND_MAX) for i in idx], others=rest)
        else:
            _no_data(ax)

        _legend_right(ax, handles)
        if note:
            ax.annotate("\n".join(textwrap.wrap(shorten(note, 4 * 30), 30,
                                                 break_on_hyphens=False)), (1.02, 0.0),
                        xycoords="axes fraction", ha="left", va="bottom", fontsize=8,
                        color=COLORS["muted"], annotation_clip=False)
    return ax


# -- plot_touch_curve ----------------------------------------------------------


def _grid_shape(k: int) -> tuple[int, int]:
    ncols = {1: 1, 2: 2, 3: 3, 4: 2, 5: 3, 6: 3}.get(k, 4)
    return math.ceil(k / ncols), ncols


def _draw_touch(ax: Axes, part: pd.DataFrame, peak: pd.Series | None, color: str,
                label: str | None, alpha: float = BAND_ALPHA
                ) -> tuple[float, float, float] | None:
    part = part.sort_values("touches")
    x, p = _num(part["touches"]), _num(part["p"])
    if "low" in part and "high" in part:
        lo, hi = _num(part["low"]), _num(part["high"])
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


@_draws_plain_text
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
    title = _title(title or "Conversion probability by number of touches")
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
            ax = _new_axes(ax)
            _style_axes(ax)
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.yaxis.set_major_formatter(percent_formatter())
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if empty:
                _no_data(ax)
                return ax
            # overlapping bands stay light: fainter when there are many
            alpha = BAND_ALPHA if len(channels) <= 2 else BAND_ALPHA * 0.6
            for i, ch in enumerate(channels):
                part = curve[curve["channel"] == ch]
                peak = peak_by.get(ch)
                label = shorten(_pretty(ch), LEGEND_MAX) + \
                    (f" ({_NO_PEAK})" if _no_peak(peak) else "")
                _draw_touch(ax, part, pd.Series(peak) if peak else None,
                            PALETTE[i % len(PALETTE)], label, alpha)
            ax.set_ylim(bottom=0)
            handles, _ = ax.get_legend_handles_labels()
            handles += [Patch(color=COLORS["muted"], alpha=BAND_ALPHA * 1.5,
                              label=shorten(band_label))]
            if peak_by:
                handles.append(peak_handle)
            _legend_right(ax, handles)
            return ax

        nrows, ncols = _grid_shape(len(channels))
        fig, axes = subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False,
                             figsize=(8.0, 0.8 + 2.3 * nrows))
        flat = list(axes.ravel())
        for extra in flat[len(channels):]:
            fig.delaxes(extra)
        for i, (a, ch) in enumerate(zip(flat, channels, strict=False)):
            _style_axes(a)
            part = curve[curve["channel"] == ch]
            peak = peak_by.get(ch)
            got = _draw_touch(a, part, pd.Series(peak) if peak else None, COLORS["main"], None)
            # channel name, and under it the peak with its interval (above the data)
            a.set_title(shorten(_pretty(ch), LEGEND_MAX), fontsize=10,
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


@_draws_plain_text
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
    values = _num(np.asarray(gaps, dtype=object).ravel())
    values = values[np.isfinite(values)]
    with house_style():
        ax = _new_axes(ax)
        _style_axes(ax)
        ax.set_title(_title(title or "Longest contact gap per account"))
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
            _no_data(ax, xticks=True)
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


# -- plot_nps_bars -------------------------------------------------------------


def _round_half_away(v: float) -> int:
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


@_draws_plain_text
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
        ax = _new_axes(ax, figsize=(8.0, max(2.8, 1.6 + 0.45 * k)))
        _style_axes(ax, "x")
        # the legend sits between the title and the bars
        ax.set_title(_title(title or "Net Promoter Score by group"), pad=26)
        ax.set_xlabel("Share of respondents (%)")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if k == 0:
            _no_data(ax)
            ax.set_yticks([])
            return ax
        counts = np.column_stack([_num(df[c]) if c in df else np.zeros(k) for c, _ in parts])
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
        names = [shorten(_label(v)) for v in df[label_col]] if label_col in df else \
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
    return ax
