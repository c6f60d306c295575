"""The KPI cards (kamlib.present.cards): byte-stable sparklines, the value with its
interval and changes, quarters without data, names escaped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamlib import present as P
from kamlib.present.cards import within_chance

NAN = float("nan")
EVIL = "<script>alert('x')</script> & Co"


# -- made-up data ------------------------------------------------------------------------


def long_table(quarter: str = "2026Q3", quarters: int = 8) -> pd.DataFrame:
    """A long KPI table with every card KPI at company grain over ``quarters`` quarters."""
    year, q = int(quarter[:4]), int(quarter[-1])
    labels = []
    for k in range(quarters - 1, -1, -1):
        idx = year * 4 + q - 1 - k
        labels.append(f"{idx // 4}Q{idx % 4 + 1}")
    rows = []
    for i, p in enumerate(labels):
        for card in P.KPI_CARDS:
            for kpi in filter(None, (card.kpi, card.fallback, card.secondary)):
                kind = P.KPI_INFO[kpi].kind
                v = {"money": 2e8, "nps": -5.0 + i, "number": 30.0 + i}.get(kind, 0.05 + 0.01 * i)
                rows.append({"kpi": kpi, "grain": "company", "group": "all", "period": p,
                             "value": v, "low": v * 0.8 if v > 0 else v - 8,
                             "high": v * 1.2 if v > 0 else v + 8, "n": 200})
    return pd.DataFrame(rows)


# -- escaping ------------------------------------------------------------------------------


def test_names_are_escaped_in_cards():
    t = long_table()
    card = P.Card("nps", EVIL, "nps", True, theme=EVIL)
    h = P.kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", cards=[card])
    assert "<script>" not in h and h.count("&lt;script&gt;") == 2


# -- sparklines ----------------------------------------------------------------------------------


def test_sparkline_is_byte_stable_and_plain():
    values = [0.031, 0.028, NAN, 0.0255, 0.030, 0.027, 0.0134, 0.0268]
    a, b = P.sparkline(values), P.sparkline(list(values))
    assert a == b
    assert a.startswith("<svg") and a.endswith("</svg>")
    assert "<polyline" in a and " id=" not in a
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{4}Q\d", a)  # no dates or quarters
    points = re.search(r'points="([^"]+)"', a).group(1).split()
    assert len(points) == 7  # the missing quarter is skipped
    for pt in points:
        for c in pt.split(","):
            assert re.fullmatch(r"\d+\.\d", c), c


def test_sparkline_edge_cases():
    assert "<polyline" not in P.sparkline([NAN] * 8)
    assert "<circle" in P.sparkline([NAN] * 7 + [1.0])  # only the current quarter
    flat = P.sparkline([5.0] * 8)
    assert 'points="2.0,14.0' in flat  # constant values sit in the middle
    # no dot for the current quarter when it has no value
    assert "<circle" not in P.sparkline([1.0, 2.0, 3.0, NAN])


# -- cards ---------------------------------------------------------------------------------------


def test_cards_show_value_interval_changes_and_sparkline():
    t = long_table()
    h = P.kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", currency="EUR")
    for card in P.KPI_CARDS:
        assert card.title.replace("&", "&amp;") in h
    assert h.count('class="kam-card"') == 10
    assert h.count("<svg") == 10
    assert "vs 2026Q2" in h and "vs 2025Q3" in h
    assert "95&nbsp;% interval" in h
    # churn rising is bad (red), NPS rising is good (green)
    churn = h[h.index("Logo churn this quarter"):]
    assert 'class="kam-bad"' in churn[:churn.index("</div></div>") + 1000]
    assert h == P.kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", currency="EUR")


def test_cards_without_history_or_value_say_so():
    t = long_table(quarters=1)
    now = t.assign(value=np.where(t.kpi == "enps", np.nan, t.value))
    h = P.kpi_cards(now, t.iloc[:0], "2026Q3")
    assert "no data" in h  # eNPS has no value this quarter
    assert "n/a" in h  # no previous quarter to compare with


def test_cards_fall_back_to_lagging_objectives():
    t = long_table(quarters=1)
    now = t.assign(value=np.where(t.kpi == "objectives_met_leading", np.nan, t.value))
    h = P.kpi_cards(now, now, "2026Q3", cards=[c for c in P.KPI_CARDS
                                                 if c.kpi == "objectives_met_leading"])
    assert "(lagging)" in h and "no data" not in h


# -- on the sample bundle ------------------------------------------------------------------------


@pytest.mark.slow
def test_cards_for_the_sample_bundle(sample_bundle):
    b = sample_bundle
    h = P.kpi_cards(b.kpis, b.trend, b.quarter, b.settings.currency)
    for card in P.KPI_CARDS:
        assert card.title in h, card.title
    assert h.count('class="kam-card"') == 10
    assert h == P.kpi_cards(b.kpis, b.trend, b.quarter, b.settings.currency)


finite = st.floats(-1e6, 1e6, allow_nan=False)
width = st.floats(0, 1e4, allow_nan=False)


def test_change_within_chance_by_hand():
    # se = (0.34 - 0.26) / 3.92 = 0.0204 for both; difference se 0.0289; 0.05 / 0.0289 = 1.73
    now, before = {"value": 0.30, "low": 0.26, "high": 0.34}, {"value": 0.25, "low": 0.21,
                                                               "high": 0.29}
    assert within_chance(now, before)
    # 0.10 / 0.0289 = 3.46 standard errors: not chance
    assert not within_chance({"value": 0.35, "low": 0.31, "high": 0.39}, before)


@given(finite, width, finite, width)
def test_within_chance_is_symmetric(v1, w1, v0, w0):
    a = {"value": v1, "low": v1 - w1, "high": v1 + w1}
    b = {"value": v0, "low": v0 - w0, "high": v0 + w0}
    assert within_chance(a, b) == within_chance(b, a)
    if w1 == w0 == 0:
        assert not within_chance(a, b)  # no noise: nothing is chance


def test_each_card_carries_its_kpi_definition_from_the_registry():
    t = pd.DataFrame({"kpi": "nps", "grain": "company", "group": "all", "period": ["2026Q3"],
                      "value": [2.0], "low": [-6.0], "high": [10.0], "n": [300]})
    h = P.kpi_cards(t, t, "2026Q3", cards=P.cards("nps"))
    assert '<details class="kam-def"><summary>Definition</summary>' in h
    assert "scores 9-10 promote, 0-6 detract, 7-8 are passive" in h
