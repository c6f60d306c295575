"""CLV:CAC per channel (kamlib.plots.acquisition_value): points, intervals, the rule of
thumb as a labelled reference, channels without data, and empty input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlib import plots as P
from kamlib.plots.acquisition_value import RULE_OF_THUMB
from kamlib.plots.alt import describe, svg_bytes

ROWS = pd.DataFrame({"group": ["referral", "email", "event", "other"],
                     "value": [12.0, 1.5, 4.0, np.nan], "low": [3.0, 0.4, np.nan, np.nan],
                     "high": [40.0, 5.0, np.nan, np.nan], "n": [3, 3, 1, 0]})


def test_points_sorted_by_value_with_their_intervals_and_no_data_last():
    ax = P.plot_clv_to_cac(ROWS)
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Email", "Event", "Referral", "Other"]
    assert ax.get_xscale() == "log"
    texts = [t.get_text() for t in ax.texts]
    assert "1.5  (3 won)" in texts and "12.0  (3 won)" in texts and "no data" in texts
    lo, hi = ax.get_xlim()
    assert lo < 0.4 and hi > 40  # every interval inside the axes
    plt.close(ax.figure)


def test_the_rule_of_thumb_is_a_labelled_reference_not_a_verdict():
    ax = P.plot_clv_to_cac(ROWS)
    lines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert [ln.get_xdata()[0] for ln in lines] == [RULE_OF_THUMB]
    assert any("rule of thumb 3:1, a reference, not a verdict" in t.get_text().lower()
               for t in ax.texts)
    plt.close(ax.figure)


def test_alt_text_gives_the_range_and_the_channels_without_data():
    ax = P.plot_clv_to_cac(ROWS)
    # 1.5 (email) < 4.0 (event) < 12.0 (referral): two of three at or above 3
    assert describe(ax) == ("CLV:CAC per acquisition channel: from 1.5 (Email) to 12.0 "
                            "(Referral); 2 of 3 channels at or above the rule of thumb of 3; "
                            "no data for Other")
    assert svg_bytes(ax.figure) == svg_bytes(ax.figure)  # reproducible SVG
    plt.close(ax.figure)


def test_no_value_at_all_says_no_data():
    ax = P.plot_clv_to_cac(ROWS.assign(value=np.nan))
    assert "no data" in describe(ax)
    plt.close(ax.figure)
    ax = P.plot_clv_to_cac(ROWS.iloc[0:0])
    assert "no data" in describe(ax)
    plt.close(ax.figure)
