"""Which figure of a KPI a page shows (kamlib.present.figures): titles and units from the
registry, and the rule for quarters without data, on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kamlib.periods import Quarter
from kamlib.present.figures import (
    KPI_INFO,
    LOOKBACK,
    Kpi,
    earlier_note,
    kpi_info,
    latest,
    period_label,
)


def _long(rows) -> pd.DataFrame:
    """(kpi, grain, group, period, value, n) tuples as a long KPI table (interval +-1)."""
    t = pd.DataFrame(rows, columns=["kpi", "grain", "group", "period", "value", "n"])
    return t.assign(low=t.value - 1, high=t.value + 1)


def test_kpi_info_reads_the_registry_and_words_an_unknown_id():
    assert kpi_info("nps") == KPI_INFO["nps"] == Kpi(
        "Net Promoter Score", "nps", True, "responses", "wave",
        "100 × (promoters − detractors) / responses of the quarter; scores 9-10 promote, "
        "0-6 detract, 7-8 are passive")
    assert kpi_info("new_metric").definition == ""
    assert kpi_info("logo_churn_rate").higher_is_better is False
    # an id the registry does not know: its words, a plain number, no direction
    assert kpi_info("ideal_touches_v2") == Kpi("Ideal touches v2", "number", None, "rows")


def test_period_label_names_a_survey_wave_and_leaves_other_periods_as_they_are():
    assert period_label("enps", "2026Q1") == "2026Q1 survey"
    assert period_label("nps", Quarter("2026Q2")) == "2026Q2 wave"
    assert period_label("grr", "2026Q2") == "2026Q2"
    assert period_label("new_metric", "2026Q2") == "2026Q2"


HISTORY = _long([("nps", "company", "all", "2025Q3", -2.0, 320),
                 ("nps", "company", "all", "2026Q1", 4.0, 300),
                 ("nps", "kam", "K1", "2025Q4", 9.0, 30)])


def test_latest_is_the_quarters_figure_when_it_has_one():
    now = _long([("nps", "company", "all", "2026Q2", 3.0, 12)])
    r = latest(now, HISTORY, "nps")
    assert (r["value"], r["n"], r["period"], r["earlier"]) == (3.0, 12, "2026Q2", False)


def test_latest_falls_back_to_the_latest_figure_within_twelve_months():
    now = _long([("nps", "company", "all", "2026Q2", np.nan, 0),
                 ("nps", "kam", "K1", "2026Q2", np.nan, 0)])
    # LOOKBACK 4: the quarter and the three before it, 2025Q3 .. 2026Q2; the latest of
    # these with a value is 2026Q1 (4.0), not 2025Q3 (-2.0)
    assert LOOKBACK == 4
    r = latest(now, HISTORY, "nps")
    assert (r["value"], r["low"], r["period"], r["earlier"]) == (4.0, 3.0, "2026Q1", True)
    k1 = latest(now, HISTORY, "nps", "kam", "K1")  # 2025Q4, two quarters back
    assert (k1["value"], k1["period"], k1["earlier"]) == (9.0, "2025Q4", True)
    # from 2026Q4 the window is 2026Q1 .. 2026Q4; from 2027Q2 nothing is left
    assert latest(now, HISTORY, "nps", quarter="2026Q4")["period"] == "2026Q1"
    gone = latest(now, HISTORY, "nps", quarter="2027Q2")
    assert math.isnan(gone["value"]) and (gone["period"], gone["earlier"]) == ("2027Q2", False)


def test_latest_never_replaces_a_withheld_figure_or_looks_back_without_history():
    withheld = _long([("nps", "kam", "K1", "2026Q2", np.nan, 3)])  # 3 answers, not shown
    r = latest(withheld, HISTORY, "nps", "kam", "K1")
    assert math.isnan(r["value"]) and r["n"] == 3 and not r["earlier"]
    none = _long([("nps", "company", "all", "2026Q2", np.nan, 0)])
    for history in (None, HISTORY.iloc[:0]):
        r = latest(none, history, "nps")
        assert math.isnan(r["value"]) and (r["period"], r["earlier"]) == ("2026Q2", False)


def test_earlier_note_names_each_earlier_period_once():
    assert earlier_note("2026Q2", []) == ""
    assert earlier_note("2026Q2", ["2026Q1 wave", "2025Q4", "2026Q1 wave"]) == (
        "No data in 2026Q2: the figures marked 2025Q4 / 2026Q1 wave are the latest within "
        "the last 12 months.")
    assert earlier_note("2026Q2", ["2026Q1"], what="figure").endswith(
        "the figure marked 2026Q1 is the latest within the last 12 months.")
