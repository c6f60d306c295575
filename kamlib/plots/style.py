"""The house style of every plot: palette, rcParams, formatters, text and figure tools.

Plot modules (:mod:`kamlib.plots.kpi`, :mod:`kamlib.plots.acquisition`,
:mod:`kamlib.plots.survival`) draw with these, so all charts share one look:
the colour-blind-safe Okabe-Ito palette (:data:`PALETTE`, :data:`COLORS`),
units on every axis, legends outside the data.

Text from the data is drawn as it reads: plot functions are wrapped in
:func:`draws_plain_text`, which turns maths (``$...$``) and TeX off on the texts
they make, so ``Acme $5 and $10`` shows two dollar signs, and :func:`shorten`
makes names one line with an ellipsis after :data:`LABEL_MAX` characters on
axes (:data:`LEGEND_MAX` in legends and by points, :data:`PERIOD_MAX` on time
axes, :data:`TITLE_MAX` for titles and axis labels).

Reproducible files: save inside :func:`house_style` (or after
:func:`use_house_style`) and pass :func:`savefig_kwargs`, and the same figure
gives the same SVG/PNG bytes on every run and on every save. Figures made here
(or with :func:`subplots`) use :class:`StableConstrainedLayout`; a figure the
caller made with plain constrained layout can still shift in the last digits
when it is drawn again.

>>> fmt_money(9_130_000), shorten("Kira  Moreau\\n(Key accounts)"), COLORS["good"]
('EUR 9.1M', 'Kira Moreau (Key accounts)', '#009E73')
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text
from matplotlib.ticker import Formatter

__all__ = [
    "BAND_ALPHA",
    "COLORS",
    "HOUSE",
    "LABEL_MAX",
    "LEGEND_MAX",
    "PALETTE",
    "PERIOD_MAX",
    "TITLE_MAX",
    "StableConstrainedLayout",
    "as_floats",
    "draws_plain_text",
    "fmt_money",
    "fmt_number",
    "fmt_pct",
    "house_style",
    "label_text",
    "legend_right",
    "money_formatter",
    "new_axes",
    "no_data",
    "percent_formatter",
    "plain_text",
    "pretty_name",
    "savefig_kwargs",
    "shorten",
    "style_axes",
    "subplots",
    "title_text",
    "use_house_style",
    "with_unit",
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


def fmt_pct(v: float) -> str:
    """A share as a point label, one decimal: ``0.1234`` -> ``"12.3%"``.

    Examples
    --------
    >>> fmt_pct(0.1234), fmt_pct(1.0)
    ('12.3%', '100.0%')
    """
    return f"{100 * v:.1f}%"


def fmt_number(v: float) -> str:
    """A number as a point label: three significant digits, thousands separated.

    Examples
    --------
    >>> fmt_number(37.54), fmt_number(0.01234), fmt_number(12345.6)
    ('37.5', '0.0123', '12,346')
    """
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def pretty_name(name: Any) -> str:
    """A code as words: ``"face_to_face"`` -> ``"Face to face"``.

    Examples
    --------
    >>> pretty_name("face_to_face"), pretty_name("strategic")
    ('Face to face', 'Strategic')
    """
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label_text(value: Any) -> str:
    """Period or group label: a Quarter's ``label``, else ``str``.

    Examples
    --------
    >>> from kamlib.periods import Quarter
    >>> label_text(Quarter("2026Q3")), label_text(7)
    ('2026Q3', '7')
    """
    return str(getattr(value, "label", value))


def with_unit(label: str, unit: str) -> str:
    """``label`` with ``(unit)`` added, unless it already names the unit.

    Examples
    --------
    >>> with_unit("Retained accounts", "%"), with_unit("CLV (EUR)", "EUR")
    ('Retained accounts (%)', 'CLV (EUR)')
    """
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


def title_text(value: Any) -> str:
    """A title or axis label as one line of at most :data:`TITLE_MAX` characters.

    Examples
    --------
    >>> len(title_text("x" * 200)), title_text("Churn\\nby segment")
    (80, 'Churn by segment')
    """
    return shorten(value, TITLE_MAX)


def plain_text(root: Artist) -> None:
    """Every text under ``root`` reads as written: no mathtext (``$...$``), no TeX.

    Examples
    --------
    >>> fig, ax = subplots()
    >>> t = ax.set_title("Acme $5 and $10")
    >>> plain_text(fig)
    >>> t.get_parse_math()
    False
    >>> plt.close(fig)
    """
    for t in root.findobj(Text):
        t.set_usetex(False)
        t.set_parse_math(False)


def draws_plain_text(fn: Callable[..., Axes]) -> Callable[..., Axes]:
    """Decorate a plot function: when it has drawn, its texts get :func:`plain_text`.

    On a figure the function made, every text of the figure (suptitle and figure
    legend included); on axes the caller gave, the texts of those axes only.

    Examples
    --------
    >>> @draws_plain_text
    ... def plot_name(name, ax=None):
    ...     ax = new_axes(ax)
    ...     ax.set_title(name)
    ...     return ax
    >>> ax = plot_name("Acme $5")
    >>> ax.title.get_parse_math()
    False
    >>> plt.close(ax.figure)
    """
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        given = sig.bind_partial(*args, **kwargs).arguments.get("ax")
        ax = fn(*args, **kwargs)
        plain_text(ax if given is not None else ax.figure)
        return ax

    return wrapper


# -- figures -------------------------------------------------------------------


class StableConstrainedLayout(ConstrainedLayoutEngine):
    """Constrained layout that gives the same positions on every draw.

    Matplotlib's constrained layout starts from the positions of the previous
    draw, so a figure saved twice can differ in the last digits (and SVG clip
    ids). This engine first puts every grid axes back at its grid position, so
    each draw starts from the same state and saving twice gives the same bytes.

    Examples
    --------
    >>> fig = plt.figure(layout=StableConstrainedLayout())
    >>> ax = fig.add_subplot()
    >>> fig.canvas.draw()
    >>> first = ax.get_position().bounds
    >>> fig.canvas.draw()
    >>> ax.get_position().bounds == first
    True
    >>> plt.close(fig)
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


# -- axes ----------------------------------------------------------------------


def new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax`` itself, or the axes of a new house-style figure (8 x 4.5 in by default).

    Examples
    --------
    >>> ax = new_axes(None, (6.0, 5.0))
    >>> ax.figure.get_size_inches().tolist(), new_axes(ax) is ax
    ([6.0, 5.0], True)
    >>> plt.close(ax.figure)
    """
    if ax is not None:
        return ax
    _fig, new = subplots(figsize=figsize or HOUSE["figure.figsize"])
    return new


def style_axes(ax: Axes, grid_axis: str = "y") -> None:
    """House frame on any axes (also on one the caller created): no top or right
    spine, a light grid along ``grid_axis`` (``"y"``, ``"x"``, ``"both"`` or ``""``).

    Examples
    --------
    >>> ax = new_axes(None)
    >>> style_axes(ax, "x")
    >>> ax.spines["top"].get_visible()
    False
    >>> plt.close(ax.figure)
    """
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.set_axisbelow(True)
    ax.grid(False)
    if grid_axis:
        ax.grid(True, axis=grid_axis, color=HOUSE["grid.color"],
                linewidth=HOUSE["grid.linewidth"])


def no_data(ax: Axes, text: str = "No data", xticks: bool = False) -> None:
    """Write ``text`` in the middle of empty axes (and drop the x ticks unless ``xticks``).

    Examples
    --------
    >>> ax = new_axes(None)
    >>> no_data(ax)
    >>> ax.texts[0].get_text()
    'No data'
    >>> plt.close(ax.figure)
    """
    if not xticks:
        ax.set_xticks([])
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color=COLORS["muted"], fontsize=11)


def legend_right(ax: Axes, handles: list | None = None, **kwargs: Any) -> None:
    """Legend outside the data, to the right of the axes (none without handles).

    Examples
    --------
    >>> ax = new_axes(None)
    >>> _ = ax.plot([0, 1], [0, 1], label="Estimate")
    >>> legend_right(ax)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Estimate']
    >>> plt.close(ax.figure)
    """
    if handles is None:
        handles, _labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, **kwargs)


def as_floats(s: pd.Series | Iterable) -> np.ndarray:
    """Values as a float array; anything that is not a number becomes NaN.

    Examples
    --------
    >>> as_floats([1, "2", None, "x"])
    array([ 1.,  2., nan, nan])
    """
    return pd.to_numeric(pd.Series(s), errors="coerce").to_numpy(dtype=float)

