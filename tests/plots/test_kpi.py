"""KPI plots (kamlib.plots.kpi): a KPI over quarters, funnel plots and NPS bars, with
empty and missing input."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.text import Text
from plot_builder import funnel_data, nps_df, trend_df

from kamlib import plots as P
from kamlib.plots.alt import alt_text, svg_bytes

# -- plot_trend ---------------------------------------------------------------------


def test_trend_draws_line_band_and_last_value():
    ax = P.plot_trend(trend_df(), title="Retention", ylabel="Retained accounts", percent=True)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 1
    line = ax.lines[0]
    assert line.get_marker() == "o"
    assert np.isnan(line.get_ydata()[3])  # the gap stays a gap
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    assert bands[0].get_alpha() < 0.5 and bands[0].get_zorder() < line.get_zorder()
    assert ax.get_ylabel() == "Retained accounts (%)"
    assert ax.get_title(loc="left") == "Retention"
    assert [t.get_text() for t in ax.texts] == ["80.0%"]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [f"{2024 + i // 4}Q{i % 4 + 1}" for i in range(8)]
    assert ax.yaxis.get_major_formatter().format_ticks([0.7, 0.75, 0.8]) == ["70%", "75%", "80%"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Estimate", "95 % interval"]


def test_trend_money_and_plain_units():
    df = trend_df(gap=None).assign(value=lambda d: d.value * 1e6)
    ax = P.plot_trend(df[["period", "value"]], ylabel="Average CLV", currency="EUR")
    assert ax.get_ylabel() == "Average CLV (EUR)"
    assert ax.texts[-1].get_text() == "EUR 800k"
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no band columns
    ax = P.plot_trend(trend_df(gap=None), ylabel="Resolution time (hours)")
    assert ax.get_ylabel() == "Resolution time (hours)"


def test_trend_thins_many_period_labels_but_keeps_the_last():
    ax = P.plot_trend(trend_df(k=30, gap=None), ylabel="Rate (%)", percent=True)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) <= 12
    assert labels[-1] == "2031Q2"


def test_trend_accepts_quarter_objects_and_given_axes():
    from kamlib.periods import Quarter

    df = trend_df(k=3, gap=None).assign(period=lambda d: [Quarter(p) for p in d.period])
    _fig, ax0 = plt.subplots()
    ax = P.plot_trend(df, ax=ax0, ylabel="Share (%)", percent=True)
    assert ax is ax0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2", "2024Q3"]


@pytest.mark.parametrize("df", [
    pd.DataFrame(columns=["period", "value", "low", "high"]),
    pd.DataFrame({"period": ["2025Q1", "2025Q2"], "value": [np.nan, np.nan],
                  "low": [np.nan, np.nan], "high": [np.nan, np.nan]}),
    pd.DataFrame({"period": ["2025Q1"], "value": [0.5], "low": [np.nan], "high": [np.nan]}),
])
def test_trend_empty_or_missing(df):
    ax = P.plot_trend(df, ylabel="Share", percent=True)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_funnel --------------------------------------------------------------------


def test_funnel_draws_target_limits_and_labels_outliers_only():
    df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim, title="Renewal rate by KAM")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 5  # target + 2 x 95 % + 2 x 99.8 %
    target = ax.lines[0]
    assert list(target.get_ydata()) == [0.8, 0.8]
    styles = [ln.get_linestyle() for ln in ax.lines[1:]]
    assert styles.count("--") == 2 and styles.count("-") == 2
    assert sorted(t.get_text() for t in ax.texts) == ["Team 02", "Team 05", "Team 06"]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in scatters) == len(df)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["Company rate 80.0%", "95 % limits", "99.8 % limits"]
    assert "Outside 99.8 % limits" in legend
    assert ax.get_ylabel() == "Rate (%)" and "(count)" in ax.get_xlabel()
    lo, hi = ax.get_ylim()
    assert 0 <= lo < 0.55 and 0.98 < hi <= 1


def test_funnel_outlier_labels_do_not_overlap():
    df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


def test_funnel_highlight_note_and_no_limits():
    df, _lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, highlight=["Team 10"], note="Over-dispersion allowed for",
                       percent=True)
    labels = [t.get_text() for t in ax.texts if "dispersion" not in t.get_text()]
    assert labels == ["Team 10"]  # nothing is outside without limits
    assert len(ax.lines) == 1
    notes = [c for c in ax.get_children() if isinstance(c, Text) and "dispersion" in c.get_text()]
    assert len(notes) == 1
    assert "Highlighted" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("most", [0, 1, 2])
def test_funnel_names_those_outside_only_when_they_are_few(most):
    """Past ``label_outside`` groups outside the limits, only the reader is named: the
    groups outside stay red and are counted in the legend, and the description still
    names them."""
    df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim, highlight=["Team 10"], label_outside=most)
    assert [t.get_text() for t in ax.texts] == ["Team 10"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Outside 99.8 % limits (3, not named)" in legend
    alt = alt_text(ax.figure)
    assert all(name in alt for name in ("Team 02", "Team 05", "Team 06"))
    red = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_sizes()[0] == 48]
    assert len(red) == 1 and len(red[0].get_offsets()) == 3


def test_funnel_without_outliers_is_the_same_chart_either_way():
    """With nobody outside the limits, ``label_outside`` changes nothing in the SVG, and
    with as many outside as it allows, it names them all."""
    df, lim = funnel_data()
    calm = df.assign(rate=0.8)
    charts = []
    for most in (None, 0):
        ax = P.plot_funnel(calm, 0.8, limits=lim, highlight=["Team 03"], label_outside=most)
        charts.append(svg_bytes(ax.figure))
        plt.close(ax.figure)
    assert charts[0] == charts[1]
    for most in (None, 3):
        ax = P.plot_funnel(df, 0.8, limits=lim, highlight=["Team 10"], label_outside=most)
        charts.append(svg_bytes(ax.figure))
        plt.close(ax.figure)
    assert charts[2] == charts[3]


@pytest.mark.parametrize("df", [
    pd.DataFrame(columns=["group", "n", "rate"]),
    pd.DataFrame({"group": ["A", "B"], "n": [np.nan, 10], "rate": [0.5, np.nan]}),
])
def test_funnel_empty_or_missing(df):
    _df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_nps_bars ------------------------------------------------------------------


def test_nps_bars_stack_to_100_percent_in_given_order():
    df = nps_df()
    ax = P.plot_nps_bars(df, title="NPS")
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 3 * len(df)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(df.group)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first group on top
    ends = {}
    for p in ax.patches:
        y = round(p.get_y() + p.get_height() / 2)
        ends[y] = max(ends.get(y, 0), p.get_x() + p.get_width())
    assert ends[0] == pytest.approx(1) and ends[3] == 0  # the empty group draws nothing
    right = [t.get_text() for t in ax.texts if "NPS" in t.get_text() or "answers" in t.get_text()]
    assert right == ["NPS +30  n=100", "NPS +50  n=50", "NPS +10  n=100", "no answers"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["Detractors (0–6)", "Passives (7–8)", "Promoters (9–10)"]
    colors = [mpl.colors.to_hex(ax.patches[i * len(df)].get_facecolor()) for i in range(3)]
    assert colors == [P.COLORS["detractors"].lower(), P.COLORS["passives"].lower(),
                      P.COLORS["promoters"].lower()]
    assert ax.get_xlabel() == "Share of respondents (%)"


def test_nps_rounding_and_signs():
    df = pd.DataFrame({"group": ["a", "b", "c"], "detractors": [3, 5, 1],
                       "passives": [0, 0, 0], "promoters": [5, 3, 1]})
    ax = P.plot_nps_bars(df)
    texts = [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")]
    # 25 exactly, -25, 0: half away from zero, a real minus, no sign on zero
    assert texts == ["NPS +25  n=8", "NPS \u221225  n=8", "NPS 0  n=2"]


def test_nps_empty():
    ax = P.plot_nps_bars(pd.DataFrame(columns=["group", "detractors", "passives", "promoters"]))
    assert isinstance(ax, Axes) and not ax.patches
    ax.figure.canvas.draw()


def _reference_offsets(ax, xs, ys, texts, others, fontsize=8.5):
    """The label offsets by the plain definition (one box at a time, overlaps summed in
    Python): what the vectorised search in ``_place_labels`` must choose, bit for bit."""
    scale = ax.figure.dpi / 72.0
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    obstacles = np.vstack([pts, ax.transData.transform(others)]) if len(others) else pts
    marker = 4 * scale
    taken = [(px - marker, py - marker, px + marker, py + marker) for px, py in obstacles]
    axbox = ax.get_window_extent()
    cands = [(5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
             (-5, -4, "right", "top"), (5, 14, "left", "bottom"), (5, -14, "left", "top"),
             (-5, 14, "right", "bottom"), (-5, -14, "right", "top"), (5, 24, "left", "bottom"),
             (5, -24, "left", "top")]

    def overlap(a, b):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return max(w, 0) * max(h, 0)

    chosen = {}
    for k in np.argsort(-np.asarray(ys, dtype=float), kind="stable"):
        px, py = pts[k]
        w, h = len(texts[k]) * fontsize * 0.6 * scale, fontsize * 1.25 * scale
        best, best_cost = None, float("inf")
        for dx, dy, ha, va in cands:
            x0 = px + dx * scale - (w if ha == "right" else 0)
            y0 = py + dy * scale - (h if va == "top" else 0)
            box = (x0, y0, x0 + w, y0 + h)
            cost = sum(overlap(box, t) for t in taken)
            if box[0] < axbox.x0 or box[2] > axbox.x1 or box[1] < axbox.y0 or box[3] > axbox.y1:
                cost += 0.5 * w * h
            if cost < best_cost:
                best, best_cost = (dx, dy, ha, va, box), cost
            if cost == 0:
                break
        taken.append(best[4])
        chosen[texts[k]] = best[:4]
    return chosen


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.integers(0, 300), st.integers(0, 2**31 - 1))
def test_label_placement_matches_the_plain_definition(n_labels, n_others, seed):
    from kamlib.plots.kpi import _place_labels

    rng = np.random.default_rng(seed)
    # crowded: the labels' points and the others share a small part of the axes
    xs, ys = rng.uniform(0, 3, n_labels), rng.uniform(0, 3, n_labels)
    others = rng.uniform(0, 3, (n_others, 2))
    texts = [f"Manager {i:02d}" + "x" * int(rng.integers(0, 12)) for i in range(n_labels)]
    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        want = _reference_offsets(ax, xs, ys, texts, others)
        _place_labels(ax, xs, ys, texts, others=others)
        got = {t.get_text(): (*t.xyann, t.get_ha(), t.get_va()) for t in ax.texts}
        assert got == want
    finally:
        plt.close(fig)
