"""Acquisition plots (kamlib.plots.acquisition): conversion by touches and contact gaps,
with empty input."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from plot_builder import CHANNELS, touch_data

from kamlib import plots as P

# -- plot_touch_curve ----------------------------------------------------------------


def test_touch_small_multiples_one_panel_per_channel():
    curve, peaks = touch_data()
    ax = P.plot_touch_curve(curve, peaks, title="Touches")
    fig = ax.figure
    assert isinstance(ax, Axes) and ax is fig.axes[0]
    assert [a.get_title(loc="left") for a in fig.axes] == \
        ["Cold call", "Email", "Face to face", "Event", "Referral"]
    for a, (_i, pk) in zip(fig.axes, peaks.iterrows(), strict=True):
        assert sum(isinstance(c, PolyCollection) for c in a.collections) == 1  # the band
        marker = [ln for ln in a.lines if ln.get_marker() == "D"]
        assert len(marker) == 1
        x, y = marker[0].get_xdata()[0], marker[0].get_ydata()[0]
        part = curve[curve.channel == pk.channel]
        assert x == pk.value and y == pytest.approx(np.interp(x, part.touches, part.p))
    assert fig._suptitle.get_text() == "Touches"
    assert fig.axes[0].get_ylim()[0] == 0


def test_touch_on_given_axes_draws_all_channels_in_distinct_colours():
    curve, peaks = touch_data()
    _fig, ax0 = plt.subplots()
    ax = P.plot_touch_curve(curve, peaks, ax=ax0)
    assert ax is ax0 and len(ax.figure.axes) == 1
    curves = [ln for ln in ax.lines if ln.get_label() in
              {"Cold call", "Email", "Face to face", "Event", "Referral"}]
    assert len(curves) == len(CHANNELS)
    assert len({ln.get_color() for ln in curves}) == len(CHANNELS)
    assert ax.get_ylabel() == "Conversion probability (%)"


def test_touch_without_peaks_or_band_and_empty():
    curve, _peaks = touch_data(["email"])
    ax = P.plot_touch_curve(curve[["channel", "touches", "p"]])
    assert len(ax.lines) == 1 and not ax.collections
    ax = P.plot_touch_curve(pd.DataFrame(columns=["channel", "touches", "p", "low", "high"]))
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_gap_distribution ------------------------------------------------------------


def test_gap_histogram_threshold_line_and_share():
    gaps = pd.Series([5, 10, 20, 30, 44, 46, 60, 90, np.nan, 120, 200])
    ax = P.plot_gap_distribution(gaps, threshold=45, title="Gaps")
    assert isinstance(ax, Axes)
    vlines = [ln for ln in ax.lines if list(ln.get_xdata()) == [45, 45]]
    assert len(vlines) == 1
    assert ax.texts[0].get_text() == \
        "Alert threshold 45 days\n50% of accounts above (5 of 10)"
    assert sum(p.get_height() for p in ax.patches) == 10
    alert = [p for p in ax.patches if p.get_x() >= 45]
    assert alert and all(p.get_facecolor() == mpl.colors.to_rgba(P.COLORS["alert"])
                         for p in alert)
    assert any(abs(p.get_x() - 45) < 1e-9 for p in ax.patches)  # a bin edge on the threshold
    assert ax.get_xlabel().endswith("(days)") and ax.get_ylabel() == "Accounts (count)"


def test_gap_small_share_keeps_a_decimal():
    ax = P.plot_gap_distribution(np.r_[np.full(199, 10.0), 50.0], 45)
    assert "0.5% of accounts above (1 of 200)" in ax.texts[0].get_text()


@pytest.mark.parametrize("gaps", [[], np.array([np.nan, np.nan]), pd.Series(dtype=float)])
def test_gap_empty(gaps):
    ax = P.plot_gap_distribution(gaps, 45)
    assert [list(ln.get_xdata()) for ln in ax.lines] == [[45, 45]]
    ax.figure.canvas.draw()
