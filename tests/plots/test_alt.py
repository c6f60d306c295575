"""kamlib.plots.alt: charts as reproducible SVG with alt text that says their main reading."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kamlib import plots
from kamlib.plots.alt import alt_text, svg_bytes
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
