"""Survival plots (kamlib.plots.survival): the CLV histogram and the calibration plot
drawn from precomputed bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from plot_builder import BUILDERS, calibration_bins

from kamlib.plots import survival as S


def test_clv_median_label_sits_above_the_bars():
    ax = BUILDERS["clv_hist"]()
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text().startswith("median EUR"))
    top_bar = max(p.get_window_extent(r).y1 for p in ax.patches)
    assert label.get_window_extent(r).y0 >= top_bar


# -- calibration: drawn from precomputed bins ----------------------------------------------


def test_calibration_draws_each_bin_at_its_observed_share_with_its_interval():
    pred = pd.DataFrame({"p_model": np.linspace(0.05, 0.6, 50),
                         "churned": np.arange(50) % 3 == 0})
    bins = calibration_bins(pred)
    ax = S.plot_calibration(bins, ici=0.0123, e50=0.01)
    points = next(line for line in ax.lines if line.get_marker() == "o")
    assert np.allclose(points.get_xdata(), bins.p) and np.allclose(points.get_ydata(), bins.observed)
    bars = next(c for c in ax.collections if len(c.get_segments()) == len(bins))
    for seg, lo, hi in zip(bars.get_segments(), bins.low, bins.high, strict=True):
        assert np.allclose(sorted(seg[:, 1]), [lo, hi])
    assert "Accounts in 5 risk groups (95 % interval)" in [
        t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.get_text() == "ICI 0.012   E50 0.010" for t in ax.texts)


def test_calibration_of_predictions_instead_of_bins_says_what_it_needs():
    pred = pd.DataFrame({"p_model": [0.1, 0.2], "churned": [0, 1]})
    with pytest.raises(ValueError, match="calibration_bins.*no column high, low, observed, p"):
        S.plot_calibration(pred)


def test_calibration_without_bins_says_so():
    empty = calibration_bins(pd.DataFrame({"p_model": [0.1], "churned": [0]})).iloc[:0]
    for bins in (None, empty):
        ax = S.plot_calibration(bins)
        assert [t.get_text() for t in ax.texts] == ["No data"]
