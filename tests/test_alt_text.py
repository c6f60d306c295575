"""Charts as SVG with alt text, long tables cut to their top rows, changes judged with
their intervals: hand-made cases and properties (hypothesis)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib import plots, present
from kamlib.plots.alt import alt_text, svg_bytes
from kamlib.present.cards import within_chance
from kamlib.report.notebook import figure_html


def test_trend_alt_text_names_the_span_and_the_first_and_last_figures():
    ax = plots.plot_trend(pd.DataFrame({"period": ["2024Q4", "2025Q1", "2026Q3"],
                                        "value": [0.019, np.nan, 0.024]}),
                          ylabel="Logo churn", percent=True)
    assert alt_text(ax.figure) == "Logo churn by quarter, 2024Q4-2026Q3: 1.9% to 2.4%."
    plt.close(ax.figure)


def test_funnel_alt_text_names_outliers_and_the_highlighted_manager():
    # limits 0.30 +- 0.05 everywhere: B (0.50) is outside, A (0.28) inside and highlighted
    df = pd.DataFrame({"group": ["A", "B", "C"], "n": [100, 120, 300], "rate": [0.28, 0.5, 0.3]})
    grid = np.linspace(10, 320, 20)
    lim = pd.DataFrame({"n": grid, "low_95": 0.27, "high_95": 0.33, "low_99_8": 0.25,
                        "high_99_8": 0.35})
    ax = plots.plot_funnel(df, 0.3, limits=lim, highlight=["A"], title="Churn by manager")
    assert alt_text(ax.figure) == ("Churn by manager: funnel plot of 3 groups around 30.0%; "
                                   "1 outside the 99.8 % limits (B 50.0%); A 28.0%.")
    plt.close(ax.figure)


def test_svg_is_byte_reproducible_and_has_no_date():
    ax = plots.plot_trend(pd.DataFrame({"period": ["2026Q2", "2026Q3"], "value": [1.0, 2.0]}))
    first, second = svg_bytes(ax.figure), svg_bytes(ax.figure)
    assert first == second and b"<dc:date>" not in first
    assert figure_html(ax.figure) == figure_html(ax.figure)
    plt.close(ax.figure)


def test_a_kernel_shows_figures_as_svg_images_with_alt_text():
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "from kamlib.report.notebook import show_svg_charts\n"
                                  "show_svg_charts()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2])\n"
                                  "ax.set_title('Two points')\nplt.show()")])
    NotebookClient(nb, timeout=120).execute()
    (out,) = nb.cells[1].outputs
    assert "image/png" not in out.data and "image/svg+xml" not in out.data
    html = out.data["text/html"]
    assert 'src="data:image/svg+xml;base64,' in html and 'alt="Two points."' in html


def test_change_within_chance_by_hand():
    # se = (0.34 - 0.26) / 3.92 = 0.0204 for both; difference se 0.0289; 0.05 / 0.0289 = 1.73
    now, before = {"value": 0.30, "low": 0.26, "high": 0.34}, {"value": 0.25, "low": 0.21,
                                                               "high": 0.29}
    assert within_chance(now, before)
    # 0.10 / 0.0289 = 3.46 standard errors: not chance
    assert not within_chance({"value": 0.35, "low": 0.31, "high": 0.39}, before)


finite = st.floats(-1e6, 1e6, allow_nan=False)
width = st.floats(0, 1e4, allow_nan=False)


@given(finite, width, finite, width)
def test_within_chance_is_symmetric(v1, w1, v0, w0):
    a = {"value": v1, "low": v1 - w1, "high": v1 + w1}
    b = {"value": v0, "low": v0 - w0, "high": v0 + w0}
    assert within_chance(a, b) == within_chance(b, a)
    if w1 == w0 == 0:
        assert not within_chance(a, b)  # no noise: nothing is chance


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.integers(1, 40))
def test_long_tables_hide_rows_but_never_lose_them(rows, max_rows):
    df = pd.DataFrame({"name": [f"A{i:03d}" for i in range(rows)]})
    h = present.table(df, [("name", "Account", "text")], max_rows=max_rows)
    shown = min(rows, max_rows)
    assert all(f">A{i:03d}<" in h for i in range(shown))
    assert not any(f">A{i:03d}<" in h for i in range(shown, rows))
    assert ('<tbody class="kam-rest">' in h) == (shown > 12)
    if shown > 12:
        assert f"Show all {shown} rows" in h


def test_alt_text_shortens_huge_names():
    df = pd.DataFrame({"group": ["Q" * 10_000, "B"], "n": [100, 120], "rate": [0.9, 0.3]})
    lim = pd.DataFrame({"n": [10, 320], "low_95": 0.27, "high_95": 0.33, "low_99_8": 0.25,
                        "high_99_8": 0.35})
    ax = plots.plot_funnel(df, 0.3, limits=lim)
    text = alt_text(ax.figure)
    assert "1 outside the 99.8 % limits" in text and len(text) < 300
    plt.close(ax.figure)


def test_survival_charts_say_their_main_reading():
    from kamlib.plots.survival import plot_calibration, plot_forest, plot_value_at_risk

    var = pd.DataFrame({"group": ["Acme", "Beta", "Core", "Dune"],
                        "value_at_risk": [5e4, 8e4, 1e3, 2e4], "clv": 4e5})
    ax = plot_value_at_risk(var, title="Value at risk")
    assert alt_text(ax.figure) == ("Value at risk: 4 bars, largest Beta EUR 80k, Acme EUR 50k, "
                                   "Dune EUR 20k.")
    # interval 1.2-1.9 excludes 1 (more churn), 0.5-1.3 does not
    s = pd.DataFrame({"exp(coef)": [1.5, 0.9], "exp(coef) lower 95%": [1.2, 0.5],
                      "exp(coef) upper 95%": [1.9, 1.3]}, index=["gap_30d", "other"])
    ax2 = plot_forest(s, title="Drivers")
    assert alt_text(ax2.figure).startswith(
        "Drivers: 2 factors; more churn with Longest contact gap (per 30 days) 1.5; "
        "less churn with none")
    bins = pd.DataFrame({"p": [0.05, 0.2], "observed": [0.04, 0.25], "low": [0.01, 0.15],
                         "high": [0.1, 0.35]})
    ax3 = plot_calibration(bins, title="Calibration", ici=0.012, e50=0.01)
    assert alt_text(ax3.figure) == ("Calibration: 2 risk groups, predicted 5-20% against "
                                    "observed 4-25%; ICI 0.012, E50 0.010.")
    plt.close("all")


def test_nps_bars_alt_text_gives_each_group_its_nps():
    # Key: 100 * (60 - 10) / 100 = +50; Strategic: 100 * (5 - 30) / 50 = -50
    df = pd.DataFrame({"group": ["Key", "Strategic"], "detractors": [10, 30],
                       "passives": [30, 15], "promoters": [60, 5]})
    ax = plots.plot_nps_bars(df, title="NPS by segment")
    assert alt_text(ax.figure) == ("NPS by segment: detractors, passives and promoters in 2 "
                                   "groups; Key NPS +50 (n=100), Strategic NPS -50 (n=50).")
    plt.close(ax.figure)
