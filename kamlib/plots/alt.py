"""Alt text and SVG bytes of a figure: what a chart shows and its main reading.

A plot function attaches its reading to the axes it drew (:func:`set_alt`), for
example ``"Logo churn by quarter, 2024Q4-2026Q3: 1.9 % to 2.4 %"``; axes without one
are described from their title and axis labels (:func:`describe`). :func:`alt_text`
joins the descriptions of a figure's axes and :func:`svg_bytes` saves the figure as
reproducible SVG (same figure, same bytes).

>>> import matplotlib.pyplot as plt
>>> from kamlib.plots.style import subplots
>>> fig, ax = subplots()
>>> _ = ax.set_title("Churn"); _ = ax.set_ylabel("Rate (%)"); _ = ax.set_xlabel("Quarter")
>>> alt_text(fig)
'Churn: rate (%) by quarter.'
>>> set_alt(ax, "Churn by quarter, 2025Q4-2026Q3: 1.9 % to 2.4 %")
>>> alt_text(fig)
'Churn by quarter, 2025Q4-2026Q3: 1.9 % to 2.4 %.'
>>> svg_bytes(fig) == svg_bytes(fig)
True
>>> plt.close(fig)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kamlib.plots.style import house_style, savefig_kwargs

__all__ = ["ALT_ATTR", "alt_text", "axes_title", "describe", "set_alt", "svg_bytes", "trend_alt"]

#: The attribute of an :class:`~matplotlib.axes.Axes` holding its alt text.
ALT_ATTR = "kam_alt"


def set_alt(ax: Axes, text: str) -> None:
    """Attach ``text``, the chart's reading in one sentence, to ``ax``."""
    setattr(ax, ALT_ATTR, " ".join(str(text).split()))


def axes_title(ax: Axes) -> str:
    """The title of ``ax``, wherever it stands (the house style puts titles left).

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Churn", loc="left"); axes_title(ax)
    'Churn'
    >>> plt.close(fig)
    """
    for loc in ("left", "center", "right"):
        text = ax.get_title(loc).strip()
        if text:
            return text
    return ""


def describe(ax: Axes) -> str:
    """The alt text of ``ax``: its attached reading, else its title and axis labels.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> describe(ax)
    ''
    >>> _ = ax.set_title("Survival"); describe(ax)
    'Survival'
    >>> plt.close(fig)
    """
    own = getattr(ax, ALT_ATTR, "")
    if own:
        return own
    title, y, x = axes_title(ax), ax.get_ylabel().strip(), ax.get_xlabel().strip()
    what = " by ".join(s for s in (y[:1].lower() + y[1:], x.lower()) if s)
    if title and what:
        return f"{title}: {what}"
    return title or what[:1].upper() + what[1:]


def alt_text(fig: Figure) -> str:
    """The alt text of a figure: its suptitle and the description of each visible axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, (a, b) = plt.subplots(1, 2)
    >>> set_alt(a, "Left"); set_alt(b, "Right.")
    >>> alt_text(fig)
    'Left. Right.'
    >>> alt_text(plt.figure()) == "Chart"
    True
    >>> plt.close("all")
    """
    parts = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        parts.append(sup.get_text().strip())
    parts += [describe(ax) for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    parts = [p if p.endswith((".", "!", "?")) else p + "." for p in parts if p]
    return " ".join(parts) or "Chart"


def trend_alt(title: str, periods: Sequence[str], values: Sequence[float],
              fmt: Callable[[float], str]) -> str:
    """The reading of a KPI over periods: its first and last figures.

    Examples
    --------
    >>> trend_alt("Logo churn", ["2024Q4", "2025Q1", "2026Q3"], [0.019, float("nan"), 0.024],
    ...           lambda v: f"{100 * v:.1f} %")
    'Logo churn by quarter, 2024Q4-2026Q3: 1.9 % to 2.4 %'
    >>> trend_alt("NPS", ["2026Q1"], [12.0], str)
    'NPS by quarter, 2026Q1: 12.0'
    >>> trend_alt("NPS", ["2026Q1"], [float("nan")], str)
    'NPS by quarter: no values'
    """
    y = np.asarray(values, dtype=float)
    ok = np.flatnonzero(np.isfinite(y))
    if not ok.size:
        return f"{title} by quarter: no values"
    i, j = ok[0], ok[-1]
    if i == j:
        return f"{title} by quarter, {periods[i]}: {fmt(y[i])}"
    return f"{title} by quarter, {periods[i]}-{periods[j]}: {fmt(y[i])} to {fmt(y[j])}"


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG, cropped to its drawing; the same figure gives the same bytes
    (house style's ``svg.hashsalt``, no date in the metadata)."""
    buf = io.BytesIO()
    with house_style():
        fig.savefig(buf, format="svg", bbox_inches="tight", **savefig_kwargs("svg"))
    return buf.getvalue()
