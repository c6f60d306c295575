"""The waterfall of the book's value bridge (kamlib.plots.value_bridge)."""

from __future__ import annotations

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from plot_builder import bridge_steps

from kamlib.plots.alt import alt_text, svg_bytes
from kamlib.plots.style import COLORS
from kamlib.plots.value_bridge import plot_value_bridge

approx = pytest.approx


def _bars(ax):
    """(foot, top, colour) of each bar, left to right."""
    return [(p.get_y(), p.get_y() + p.get_height(), mcolors.to_hex(p.get_facecolor()))
            for p in ax.patches]


def test_totals_stand_on_the_floor_and_parts_float_coloured_by_sign():
    ax = plot_value_bridge(bridge_steps(), start_label="2026Q2", end_label="2026Q3")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # no account moved between groups: that bar is left out
    assert labels == ["2026Q2", "New\naccounts", "Expansion", "Contraction", "Churn",
                      "Time and\nre-estimation", "2026Q3"]
    bars = _bars(ax)
    floor = ax.get_ylim()[0]
    # the parts are a few per cent of the book: the axis starts at a round number below
    # the lowest level (the end, 119.41M): parts 0.19 + 4.83 + 1.44 + 2.68 + 7.94 = 17.08M,
    # 119.41 - 1.2 x 17.08 = 98.9M, rounded down to the 10M: 90M
    assert floor == approx(90e6)
    assert bars[0][:2] == (approx(90e6), approx(126.45e6))  # the start, from the floor
    assert bars[-1][:2] == (approx(90e6), approx(119.41e6))  # the end
    assert bars[1][:2] == (approx(126.45e6), approx(126.64e6))  # new: + 0.19M
    # churn floats down from 126.45 + 0.19 + 4.83 - 1.44 = 130.03M by 2.68M to 127.35M
    assert bars[4][:2] == (approx(127.35e6), approx(130.03e6))
    colours = [b[2] for b in bars]
    assert colours == [COLORS["main"].lower(), COLORS["good"].lower(), COLORS["good"].lower(),
                       COLORS["alert"].lower(), COLORS["alert"].lower(),
                       COLORS["alert"].lower(), COLORS["main"].lower()]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["EUR 126M", "+EUR 190k", "+EUR 4.8M", "−EUR 1.4M", "−EUR 2.7M",
                     "−EUR 7.9M", "EUR 119M"]
    assert "axis from EUR 90M" in ax.get_ylabel()


def test_the_alt_text_reads_the_totals_and_the_largest_parts():
    ax = plot_value_bridge(bridge_steps(), title="Lifetime value of the book, 2026Q3")
    assert alt_text(ax.figure) == (
        "Lifetime value of the book, 2026Q3: from EUR 126M to EUR 119M; largest parts "
        "time and re-estimation −EUR 7.9M, expansion +EUR 4.8M, churn −EUR 2.7M.")


def test_a_small_book_starts_at_zero_and_shows_accounts_moved():
    # K2 of the hand-worked bridge: start 0, new 50, expansion 26, moved in 130, time -24
    steps = pd.DataFrame({"step": ["start", "new", "expansion", "contraction", "churn",
                                   "transfer", "time", "end"],
                          "value": [0.0, 50, 26, 0, 0, 130, -24, 182],
                          "n": [0, 1, 1, 0, 0, 1, 1, 2]})
    ax = plot_value_bridge(steps)
    assert ax.get_ylim()[0] == 0 and ax.get_ylabel() == "Lifetime value (EUR)"
    assert "Accounts\nmoved" in [t.get_text() for t in ax.get_xticklabels()]
    assert _bars(ax)[5][:2] == (approx(76), approx(206))  # 50 + 26, then + 130
    assert [t.get_text() for t in ax.texts][3] == "EUR 0"  # a zero part, labelled


def test_without_a_bridge_the_axes_say_no_data():
    ax = plot_value_bridge(pd.DataFrame(columns=["step", "value", "n"]))
    assert [t.get_text() for t in ax.texts] == ["No data"]
    assert alt_text(ax.figure).endswith("no data.")


def test_names_are_plain_text_and_the_svg_is_reproducible():
    steps = bridge_steps()
    ax = plot_value_bridge(steps, title="Book of $Acme_1", start_label="$x$")
    assert ax.get_title(loc="left") == "Book of $Acme_1"
    assert svg_bytes(ax.figure) == svg_bytes(plot_value_bridge(steps, title="Book of $Acme_1",
                                                               start_label="$x$").figure)
