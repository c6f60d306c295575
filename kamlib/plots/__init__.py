"""Plots for the quarterly reports: one house style, pure presentation.

Every plot function has the shape ``plot_x(data, ..., ax=None) -> Axes``, draws
what it is given and does no I/O. The modules:

* :mod:`kamlib.plots.style`: palette, house style, formatters, reproducible files;
* :mod:`kamlib.plots.kpi`: a KPI over quarters, funnel plots, NPS bars;
* :mod:`kamlib.plots.acquisition`: conversion by touches, contact gaps;
* :mod:`kamlib.plots.acquisition_value`: CLV:CAC per acquisition channel;
* :mod:`kamlib.plots.survival`: survival curves, hazard ratios, calibration, CLV;
* :mod:`kamlib.plots.value_bridge`: the book's value bridge, a waterfall.

Notebooks import the package: ``from kamlib import plots``, then
``plots.plot_trend(...)``.

>>> from kamlib import plots
>>> plots.COLORS["main"], plots.fmt_money(350_000)
('#0072B2', 'EUR 350k')
"""

from kamlib.plots.acquisition import plot_gap_distribution, plot_touch_curve
from kamlib.plots.acquisition_value import plot_clv_to_cac  # value by acquisition channel
from kamlib.plots.kpi import plot_funnel, plot_nps_bars, plot_trend
from kamlib.plots.style import (
    BAND_ALPHA,
    COLORS,
    HOUSE,
    LABEL_MAX,
    LEGEND_MAX,
    PALETTE,
    PERIOD_MAX,
    TITLE_MAX,
    StableConstrainedLayout,
    fmt_money,
    house_style,
    money_formatter,
    percent_formatter,
    savefig_kwargs,
    shorten,
    subplots,
    use_house_style,
)
from kamlib.plots.survival import (
    COVARIATE_LABELS,
    covariate_label,
    plot_calibration,
    plot_clv_distribution,
    plot_cohort_retention,
    plot_forest,
    plot_km,
    plot_value_at_risk,
)
from kamlib.plots.value_bridge import plot_value_bridge  # the book's value bridge

__all__ = [
    "BAND_ALPHA",
    "COLORS",
    "COVARIATE_LABELS",
    "HOUSE",
    "LABEL_MAX",
    "LEGEND_MAX",
    "PALETTE",
    "PERIOD_MAX",
    "TITLE_MAX",
    "StableConstrainedLayout",
    "covariate_label",
    "fmt_money",
    "house_style",
    "money_formatter",
    "percent_formatter",
    "plot_calibration",
    "plot_clv_distribution",
    "plot_cohort_retention",
    "plot_forest",
    "plot_funnel",
    "plot_gap_distribution",
    "plot_km",
    "plot_nps_bars",
    "plot_touch_curve",
    "plot_trend",
    "plot_value_at_risk",
    "plot_value_bridge",  # the book's value bridge
    "savefig_kwargs",
    "shorten",
    "subplots",
    "use_house_style",
    "plot_clv_to_cac",  # value by acquisition channel
]
