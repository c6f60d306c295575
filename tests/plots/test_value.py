"""The forest plot of what marks the most valuable accounts (kamlib.plots.value)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.plots.alt import alt_text
from kamlib.plots.value import effect_label, plot_value_factors, ratio_text

EFFECTS = pd.DataFrame({
    "attribute_label": ["Segment", "Referred by a customer", "Acquisition channel"],
    "level": ["strategic", "yes", "referral"], "baseline": ["enterprise", "no", ""],
    "ratio": [4.0, 1.3, np.nan], "low": [3.2, 1.1, np.nan], "high": [5.0, 1.6, np.nan],
    "raw_ratio": [3.8, 1.05, np.nan]})


def test_one_row_per_estimate_top_down_with_its_interval_and_raw_ratio():
    ax = plot_value_factors(EFFECTS)
    # the level without an estimate (the same accounts as another) is not drawn
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Referred by a customer: Yes (vs No)", "Segment: Strategic (vs Enterprise)"]
    lines = ax.collections[0].get_segments()  # the intervals, bottom row first
    assert [tuple(s[:, 0]) for s in lines] == [(1.1, 1.6), (3.2, 5.0)]
    raw = ax.lines[-1]
    assert raw.get_xdata().tolist() == [1.05, 3.8]
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    assert lo < 1.0 < 5.0 < hi  # the line of no difference and every bound are in view


def test_alt_text_names_the_largest_effects():
    ax = plot_value_factors(EFFECTS)
    text = alt_text(ax.figure)
    assert "2 effects" in text
    assert text.index("Segment: Strategic") < text.index("Referred")
    assert "4.00× (3.20× to 5.00×)" in text


def test_no_estimates_says_no_data():
    ax = plot_value_factors(EFFECTS.iloc[2:])
    assert [t.get_text() for t in ax.texts] == ["No data"]


def test_labels_and_ratio_text():
    assert effect_label(EFFECTS.iloc[0]) == "Segment: Strategic (vs Enterprise)"
    assert ratio_text(0.256) == "0.26×" and ratio_text(None) == "n/a"
