"""Plots of the survival models and CLV, in the house style of :mod:`kamlib.plots.style`.

Every function follows ``plot_x(data, ..., ax=None) -> Axes``, does no I/O and
computes no statistics: curves, hazard ratios, calibration bins and values at
risk come from :mod:`kamlib.models`.

>>> import pandas as pd
>>> km = pd.DataFrame({"time": [0, 1, 2], "survival": [1, .9, .8], "low": [1, .85, .7],
...                    "high": [1, .95, .9], "at_risk": [10, 9, 7], "group": "all"})
>>> ax = plot_km(km)
>>> ax.get_ylabel()
'Still a customer (%)'
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from kamlib.plots.alt import axes_title, set_alt
from kamlib.plots.style import (
    BAND_ALPHA,
    COLORS,
    LEGEND_MAX,
    PALETTE,
    draws_plain_text,
    fmt_money,
    house_style,
    legend_right,
    money_formatter,
    new_axes,
    no_data,
    percent_formatter,
    pretty_name,
    shorten,
    style_axes,
    subplots,
    title_text,
)

__all__ = [
    "COVARIATE_LABELS",
    "covariate_label",
    "plot_calibration",
    "plot_clv_distribution",
    "plot_cohort_retention",
    "plot_forest",
    "plot_km",
    "plot_value_at_risk",
]


@draws_plain_text
def plot_km(km: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
            xlabel: str = "Tenure (years)", at_risk_times: list[float] | None = None,
            legend_title: str = "Group") -> Axes:
    """Kaplan-Meier curves with their bands and a table of numbers at risk below.

    ``km`` is long: group, time, survival, low, high, at_risk (as from
    :func:`kamlib.models.survival.km_by`).

    Examples
    --------
    >>> km = pd.DataFrame({"group": "key", "time": [0.0, 1.0, 2.0], "survival": [1, .9, .8],
    ...                    "low": [1, .8, .7], "high": [1, .95, .9], "at_risk": [40, 35, 30]})
    >>> ax = plot_km(km)
    >>> [t.get_text() for t in ax.figure.axes[1].texts]
    ['40', '35', '30']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        n_groups = km["group"].nunique() if km is not None and len(km) else 0
        if ax is None:
            _fig, (ax, tab) = subplots(
                2, 1, figsize=(8.0, 4.6 + 0.3 * n_groups),
                gridspec_kw={"height_ratios": [5.0, 0.6 + 0.4 * n_groups]})
        else:
            tab = ax.inset_axes([0.0, -0.3 - 0.08 * n_groups, 1.0, 0.06 + 0.08 * n_groups])
        style_axes(ax)
        ax.set_title(title_text(title or "Customer survival (Kaplan-Meier)"))
        ax.set_ylabel("Still a customer (%)")
        ax.set_xlabel(title_text(xlabel))
        ax.yaxis.set_major_formatter(percent_formatter())
        for side in ("top", "right", "left", "bottom"):
            tab.spines[side].set_visible(False)
        tab.tick_params(bottom=False, labelbottom=False, left=False, pad=16)
        tab.grid(False)
        if km is None or len(km) == 0:
            tab.set_visible(False)
            no_data(ax)
            return ax
        groups = list(dict.fromkeys(km["group"]))
        tmax = float(km.time.max())
        step = max(1, int(np.ceil(tmax / 6)))
        ticks = at_risk_times or [float(t) for t in range(0, int(np.floor(tmax)) + 1, step)]
        for i, g in enumerate(groups):
            sub = km[km.group == g].sort_values("time")
            c = PALETTE[i % len(PALETTE)]
            ax.step(sub.time, sub.survival, where="post", color=c,
                    label=shorten(pretty_name(g), LEGEND_MAX))
            ax.fill_between(sub.time, sub["low"], sub["high"], step="post", color=c,
                            alpha=BAND_ALPHA, linewidth=0)
        ax.set_ylim(0, 1.02)
        xlim = (0, tmax * 1.02 if tmax > 0 else 1)
        ax.set_xlim(*xlim)
        ax.set_xticks(ticks)
        legend_right(ax, title=shorten(legend_title, LEGEND_MAX))
        # numbers at risk in a strip under the plot, aligned with the x ticks
        tab.set_xlim(*xlim)
        tab.set_ylim(0, len(groups) + 1)
        tab.set_yticks([len(groups) + 0.5] + [len(groups) - i - 0.5 for i in range(len(groups))],
                       ["At risk"] + [shorten(pretty_name(g), LEGEND_MAX) for g in groups])
        for i, lab in enumerate(tab.get_yticklabels()):
            lab.set_fontsize(8)
            lab.set_color(COLORS["muted"] if i == 0 else PALETTE[(i - 1) % len(PALETTE)])
        for i, g in enumerate(groups):
            sub = km[km.group == g].sort_values("time")
            for t in ticks:
                later = sub[sub.time >= t]
                n = int(later.at_risk.iloc[0]) if len(later) else 0
                tab.text(t, len(groups) - i - 0.5, str(n), ha="center", va="center",
                         fontsize=8)
        set_alt(ax, _km_alt(axes_title(ax), km, groups, ticks))
    return ax


def _km_alt(title: str, km: pd.DataFrame, groups: list, ticks: list[float]) -> str:
    """The reading of Kaplan-Meier curves: each group's share still a customer at the
    latest tick that every group reaches.

    Both groups reach 2.5 years, so the tick read is 2: a stands at 80 % since year 1,
    b at 90 % since half a year (it drops to 60 % at 3).

    >>> km = pd.DataFrame({"group": ["a"] * 3 + ["b"] * 3, "time": [0, 1, 2.5, 0, 0.5, 3],
    ...                    "survival": [1, .8, .7, 1, .9, .6]})
    >>> _km_alt("Stay", km, ["a", "b"], [0.0, 1.0, 2.0, 3.0])
    'Stay: still a customer after 2 years: A 80%, B 90%'
    """
    reach = min(float(km[km.group == g].time.max()) for g in groups)
    at = max([t for t in ticks if t <= reach and t > 0], default=reach)
    shares = []
    for g in groups:
        sub = km[(km.group == g) & (km.time <= at)].sort_values("time")
        if len(sub):
            shares.append(f"{shorten(pretty_name(g), LEGEND_MAX)} "
                          f"{100 * float(sub.survival.iloc[-1]):.0f}%")
    years = "year" if at == 1 else "years"
    return f"{title}: still a customer after {at:g} {years}: {', '.join(shares)}"


#: Readable names of the churn model's covariates, with their units.
COVARIATE_LABELS = {
    "recent_nps": "Recent NPS score (per point)",
    "gap_30d": "Longest contact gap (per 30 days)",
    "inbound_share": "Inbound share (0 to 100 %)",
    "sla_compliance": "SLA compliance (0 to 100 %)",
    "kam_satisfaction": "KAM satisfaction (per eNPS point)",
    "revenue_trend": "Revenue trend (per +100 %)",
}


def covariate_label(name: str, reference_segment: str | None = None) -> str:
    """A readable name of a churn-model covariate, with its unit.

    Segment dummies (``segment_<name>``) name the segment and, when given, the
    reference segment they are compared with.

    Examples
    --------
    >>> covariate_label("gap_30d"), covariate_label("segment_key", "mid_market")
    ('Longest contact gap (per 30 days)', 'Segment Key vs Mid market')
    """
    if name.startswith("segment_"):
        ref = f" vs {pretty_name(reference_segment)}" if reference_segment else ""
        return f"Segment {pretty_name(name[len('segment_'):])}{ref}"
    return COVARIATE_LABELS.get(name, pretty_name(name))


@draws_plain_text
def plot_forest(summary: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                truth: dict[str, float] | None = None, labels: dict[str, str] | None = None
                ) -> Axes:
    """Hazard ratios with 95 % intervals on a log axis (lifelines summary columns
    ``exp(coef)``, ``exp(coef) lower 95%``, ``exp(coef) upper 95%``).

    ``truth`` optionally marks known true ratios (synthetic data).

    Examples
    --------
    >>> s = pd.DataFrame({"exp(coef)": [1.5], "exp(coef) lower 95%": [1.2],
    ...                   "exp(coef) upper 95%": [1.9]}, index=["gap_30d"])
    >>> ax = plot_forest(s)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Longest contact gap (per 30 days)']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        ax = new_axes(ax, (8.0, 0.45 * max(len(summary), 3) + 1.4))
        style_axes(ax, grid_axis="x")
        ax.set_title(title_text(title or "What drives churn: hazard ratios"))
        ax.set_xlabel("Hazard ratio (log scale; > 1 = more churn)")
        if summary is None or len(summary) == 0:
            no_data(ax)
            return ax
        names = list(summary.index)[::-1]
        y = np.arange(len(names))
        hr = summary["exp(coef)"].reindex(names).to_numpy(float)
        lo = summary["exp(coef) lower 95%"].reindex(names).to_numpy(float)
        hi = summary["exp(coef) upper 95%"].reindex(names).to_numpy(float)
        sig = (lo > 1) | (hi < 1)
        colors = [COLORS["alert"] if s and h > 1 else COLORS["good"] if s else COLORS["muted"]
                  for s, h in zip(sig, hr, strict=True)]
        # limits from the finite, positive values only: a factor that a single account
        # carries (a segment of one) can have an unbounded interval, drawn to the edge
        seen = np.r_[lo, hi, hr]
        seen = seen[np.isfinite(seen) & (seen > 0)]
        lo_x = np.min(np.r_[seen, 0.9]) / 1.2
        hi_x = np.max(np.r_[seen, 1.1]) * 1.2
        lo, hi = np.clip(np.nan_to_num(lo, nan=lo_x), lo_x, hi_x), \
            np.clip(np.nan_to_num(hi, nan=hi_x), lo_x, hi_x)
        ax.hlines(y, lo, hi, colors=colors, linewidth=2)
        ax.scatter(hr, y, color=colors, zorder=3, s=30, label="Estimate (95 % interval)")
        if truth:
            tv = [truth.get(n, np.nan) for n in names]
            ax.scatter(tv, y, marker="x", color=COLORS["reference"], zorder=4, s=30,
                       label="True value (sample data)")
        ax.axvline(1.0, color=COLORS["reference"], linewidth=1)
        ax.set_xscale("log")
        ax.set_yticks(y, [shorten((labels or {}).get(n, covariate_label(n))) for n in names])
        ax.set_xlim(lo_x, hi_x)
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _p: ""))
        legend_right(ax)
        # alt text: the factors whose interval excludes 1
        named = [shorten((labels or {}).get(n, covariate_label(n))) for n in names]
        up = [f"{t} {h:.2g}" for t, s, h in zip(named, sig, hr, strict=True) if s and h > 1]
        down = [f"{t} {h:.2g}" for t, s, h in zip(named, sig, hr, strict=True) if s and h < 1]
        set_alt(ax, f"{axes_title(ax)}: {len(names)} factors; more churn with "
                    f"{', '.join(up[::-1]) or 'none'}; less churn with "
                    f"{', '.join(down[::-1]) or 'none'}; the others are indistinguishable "
                    "from no effect")
    return ax


@draws_plain_text
def plot_calibration(bins: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                     ici: float | None = None, e50: float | None = None) -> Axes:
    """Predicted against observed one-year churn: accounts in risk bins, each bin's
    observed share with its Wilson interval, and the diagonal of perfect calibration.

    Parameters
    ----------
    bins : one row per risk bin, as from
        :func:`kamlib.models.diagnostics.calibration_bins`: ``p`` (mean predicted risk),
        ``observed`` (share that churned) and ``low``/``high`` (its 95 % interval);
        further columns (``k``, ``n``) are not drawn.
    ax : axes to draw on; a new 6 x 5 in figure when None.
    title : plot title.
    ici, e50 : the integrated calibration index and the median gap, written in a
        corner when given.

    Returns
    -------
    The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> bins = pd.DataFrame({"p": [0.1, 0.3], "k": [1, 3], "n": [10, 10],
    ...                      "observed": [0.1, 0.3], "low": [0.02, 0.11],
    ...                      "high": [0.4, 0.6]})
    >>> ax = plot_calibration(bins, ici=0.012, e50=0.01)
    >>> ax.get_legend().get_texts()[1].get_text()
    'Accounts in 2 risk groups (95 % interval)'
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        ax = new_axes(ax, (6.0, 5.0))
        style_axes(ax, grid_axis="both")
        ax.set_title(title_text(title or "Calibration of one-year churn risk"))
        ax.set_xlabel("Predicted churn within a year (%)")
        ax.set_ylabel("Observed churn within a year (%)")
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.yaxis.set_major_formatter(percent_formatter())
        if bins is None or len(bins) == 0:
            no_data(ax)
            return ax
        lacking = sorted({"p", "observed", "low", "high"} - set(bins.columns))
        if lacking:
            raise ValueError(f"plot_calibration draws risk bins (as from kamlib.models."
                             f"diagnostics.calibration_bins); no column {', '.join(lacking)}")
        p = bins["p"].to_numpy(dtype=float)
        obs = bins["observed"].to_numpy(dtype=float)
        low, high = bins["low"].to_numpy(dtype=float), bins["high"].to_numpy(dtype=float)
        err = np.array([obs - low, high - obs])
        top = float(max(p.max(), np.nanmax(high), 0.05)) * 1.1
        ax.plot([0, top], [0, top], color=COLORS["reference"], linestyle="--", linewidth=1,
                label="Perfect calibration")
        ax.errorbar(p, obs, yerr=err, fmt="o", color=COLORS["main"], capsize=3,
                    label=f"Accounts in {len(bins)} risk groups (95 % interval)")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        if ici is not None:
            ax.text(0.03, 0.95, f"ICI {ici:.3f}   E50 {e50:.3f}", transform=ax.transAxes,
                    va="top", fontsize=9, color=COLORS["muted"])
        ax.legend(loc="lower right")
        # alt text: the risk groups against the diagonal
        gap = f"; ICI {ici:.3f}, E50 {e50:.3f}" if ici is not None and e50 is not None else ""
        set_alt(ax, f"{axes_title(ax)}: {len(bins)} risk groups, predicted "
                    f"{100 * np.nanmin(p):.0f}-{100 * np.nanmax(p):.0f}% against observed "
                    f"{100 * np.nanmin(obs):.0f}-{100 * np.nanmax(obs):.0f}%{gap}")
    return ax


@draws_plain_text
def plot_clv_distribution(clv: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                          currency: str = "EUR") -> Axes:
    """Histogram of account CLV (log-spaced bins) with the median marked.

    Examples
    --------
    >>> ax = plot_clv_distribution(pd.DataFrame({"clv": [2e4, 5e4, 1e5, 4e5]}))
    >>> [t.get_text() for t in ax.texts]
    ['median EUR 75k']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        ax = new_axes(ax)
        style_axes(ax)
        ax.set_title(title_text(title or "Customer lifetime value per account"))
        ax.set_xlabel(title_text(f"CLV ({currency}, log scale)"))
        ax.set_ylabel("Accounts (count)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        v = pd.to_numeric(clv["clv"], errors="coerce").dropna()
        v = v[v > 0]
        if len(v) == 0:
            no_data(ax)
            return ax
        edges = np.logspace(np.log10(v.min() * 0.95), np.log10(v.max() * 1.05), 25)
        ax.hist(v, bins=edges, color=COLORS["main"], edgecolor="white", linewidth=0.5)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_money(x, currency)))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _p: ""))
        med = float(v.median())
        ax.axvline(med, color=COLORS["reference"], linestyle="--", linewidth=1)
        ax.set_ylim(top=ax.get_ylim()[1] * 1.12)  # headroom for the label above the bars
        ax.annotate(f"median {fmt_money(med, currency)}", (med, 1), xycoords=("data", "axes fraction"),
                    xytext=(4, -4), textcoords="offset points", va="top", fontsize=9,
                    bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"})
    return ax


@draws_plain_text
def plot_value_at_risk(var: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                       label_col: str = "group", currency: str = "EUR", top: int = 15) -> Axes:
    """Horizontal bars of value at risk (CLV x next-year churn probability) per group,
    largest first, with each group's total CLV written beside its bar.

    Examples
    --------
    >>> var = pd.DataFrame({"group": ["Acme", "Beta"], "value_at_risk": [5e4, 8e4],
    ...                     "clv": [5e5, 4e5]})
    >>> ax = plot_value_at_risk(var)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Acme', 'Beta']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        f = var.sort_values("value_at_risk", ascending=False).head(top).iloc[::-1]
        ax = new_axes(ax, (8.0, 0.32 * max(len(f), 3) + 1.3))
        style_axes(ax, grid_axis="x")
        ax.set_title(title_text(title or "Value at risk next year"))
        ax.set_xlabel(title_text(f"CLV x churn probability within a year ({currency})"))
        if len(f) == 0:
            no_data(ax)
            return ax
        y = np.arange(len(f))
        ax.barh(y, f.value_at_risk, color=COLORS["alert"], height=0.6)
        ax.set_yticks(y, [shorten(v) for v in f[label_col]])
        # few money ticks: long names on the left can leave the bars little width
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(money_formatter(currency))
        xmax = float(f.value_at_risk.max())
        ax.set_xlim(0, xmax * 1.45)
        if "clv" in f:
            for yi, (v, c) in enumerate(zip(f.value_at_risk, f.clv, strict=True)):
                ax.text(v + xmax * 0.02, yi, f"of CLV {fmt_money(c, currency)}", va="center",
                        fontsize=8, color=COLORS["muted"])
        # alt text: the largest bars
        big = [f"{shorten(g)} {fmt_money(v, currency)}"
               for g, v in zip(f[label_col][::-1][:3], f.value_at_risk[::-1][:3], strict=True)]
        set_alt(ax, f"{axes_title(ax)}: {len(f)} bars, largest {', '.join(big)}")
    return ax


@draws_plain_text
def plot_cohort_retention(cohorts: pd.DataFrame, fit: pd.DataFrame | None = None,
                          ax: Axes | None = None, title: str | None = None) -> Axes:
    """Observed retention of acquisition cohorts (share still customers after k years)
    with the shifted-beta-geometric fit and its projection (dashed past the data).

    ``cohorts``: cohort, year (0, 1, ...), share. ``fit``: year, share, observed (bool).

    Examples
    --------
    >>> cohorts = pd.DataFrame({"cohort": "2024", "year": [0, 1], "share": [1.0, 0.8]})
    >>> fit = pd.DataFrame({"year": [0, 1, 2], "share": [1.0, 0.8, 0.66],
    ...                     "observed": [True, True, False]})
    >>> ax = plot_cohort_retention(cohorts, fit)
    >>> [line.get_label() for line in ax.lines]
    ['2024', 'sBG fit', 'sBG projection']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    with house_style():
        ax = new_axes(ax)
        style_axes(ax)
        ax.set_title(title_text(title or "Cohort retention and its projection"))
        ax.set_xlabel("Years since acquisition")
        ax.set_ylabel("Still customers (%)")
        ax.yaxis.set_major_formatter(percent_formatter())
        if cohorts is None or len(cohorts) == 0:
            no_data(ax)
            return ax
        for i, (c, sub) in enumerate(cohorts.groupby("cohort", sort=True)):
            ax.plot(sub.year, sub.share, marker="o", color=PALETTE[(i + 1) % len(PALETTE)],
                    linewidth=1.2, markersize=3, alpha=0.8, label=shorten(c, LEGEND_MAX))
        if fit is not None and len(fit):
            seen = fit[fit.observed]
            ahead = fit[fit.year >= seen.year.max()]
            ax.plot(seen.year, seen.share, color=COLORS["reference"], linewidth=2.2,
                    label="sBG fit")
            ax.plot(ahead.year, ahead.share, color=COLORS["reference"], linewidth=2.2,
                    linestyle="--", label="sBG projection")
        ax.set_ylim(0, 1.02)
        legend_right(ax, title="Cohort")
    return ax
