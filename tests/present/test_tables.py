"""Presentation helpers: escaping, formatting, byte-stable sparklines, cards, tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kamlib import present as P

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


def test_names_are_escaped_in_tables():
    df = pd.DataFrame({"name": [EVIL], "rate": [0.1]})
    h = P.table(df, [("name", "Account <b>", "text"), ("rate", "Churn", "pct")],
                caption="<i>caption</i>")
    assert "<script>" not in h and "<b>" not in h and "<i>" not in h
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in h
    assert "&lt;i&gt;caption&lt;/i&gt;" in h


def test_names_are_escaped_in_text_blocks_and_cards():
    for h in (P.callout(EVIL, "alert", title=EVIL), P.section_note(EVIL), P.bullets([EVIL]),
              P.facts([(EVIL, EVIL)])):
        assert "<script>" not in h and "&lt;script&gt;" in h
    t = long_table()
    card = P.Card("nps", EVIL, "nps", True, theme=EVIL)
    h = P.kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", cards=[card])
    assert "<script>" not in h and h.count("&lt;script&gt;") == 2


def test_group_labels_are_escaped():
    t = pd.DataFrame({"kpi": "upsell_rate", "grain": "kam", "group": ["K1"], "period": "2026Q3",
                      "value": [0.1], "low": [0.0], "high": [0.3], "n": [10]})
    h = P.kpi_by_group(t, ["upsell_rate"], "kam", labels={"K1": EVIL}, company=False)
    assert "<script>" not in h and "&lt;script&gt;" in h


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [NAN, None, float("inf"), np.nan, pd.NA, "x"])
def test_missing_values_read_na(missing):
    assert P.pct(missing) == "n/a"
    assert P.money(missing, "EUR") == "n/a"
    assert P.number(missing) == "n/a"
    assert P.signed(missing, "pct") == "n/a"
    assert P.interval(missing, 0.5, "pct") == "n/a"
    assert P.interval(0.1, missing, "nps") == "n/a"
    for kind in ("pct", "ratio", "nps", "money", "number", "hours", "days", "score", "dec2"):
        assert P.fmt(missing, kind) == "n/a"


def test_units_and_signs():
    assert P.pct(0.0268) == "2.7 %"
    assert P.pct(0.0003) == "< 0.1 %"
    assert P.pct(0.0) == "0.0 %"
    assert P.fmt(1.0311, "ratio") == "103.1 %"
    assert P.fmt(1.75, "nps") == "+2" and P.fmt(-38.1, "nps") == "\u221238"
    assert P.fmt(0.0, "nps") == "0"
    assert P.money(207_127_400, "EUR") == "EUR 207M"
    assert P.money(-1500, "USD") == "\u2212USD 1.5k"
    assert P.interval(0.0123, 0.0572, "pct") == "1.2\u20135.7 %"
    assert P.interval(-6.4, 9.9, "nps") == "\u22126 to +10"
    assert P.interval(171e6, 245e6, "money") == "EUR 171M\u2013245M"
    assert P.signed(0.0134, "pct") == "+1.3 pp"
    assert P.signed(-0.00001, "pct") == "0.0 pp"  # no negative zero
    assert P.signed(7.4, "nps") == "+7"
    assert P.fmt(17.83, "hours") == "17.8 h" and P.fmt(1, "days") == "1 day"
    assert P.fmt(0.0004, "p") == "< 0.001"
    assert P.label("nps_responses") == "NPS responses" and P.label("team_b") == "Team B"


def test_units_do_not_break_across_lines_in_html():
    h = P.table(pd.DataFrame({"r": [0.25]}), [("r", "Rate", "pct")])
    assert "25.0&nbsp;%" in h


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


# -- tables ----------------------------------------------------------------------------------------


def test_table_truncates_and_aligns():
    df = pd.DataFrame({"name": [f"A{i:02d}" for i in range(37)], "v": np.arange(37) / 100})
    h = P.table(df, [("name", "Account", "text"), ("v", "Rate", "pct")], max_rows=25)
    assert h.count("<tr>") == 1 + 25 + 1  # header, 25 rows, the summary row
    assert "… and 12 more" in h
    assert "A24" in h and "A25" not in h
    assert '<th class="kam-r">Rate</th>' in h
    assert P.table(df, [("name", "Account", "text")], max_rows=40).count("more") == 0


def test_table_empty_and_interval_columns():
    assert "Nothing here." in P.table(pd.DataFrame(), [("a", "A", "text")], empty="Nothing here.")
    df = pd.DataFrame({"v": [0.1, NAN], "lo": [0.05, NAN], "hi": [0.2, NAN]})
    h = P.table(df, [(("v", "lo", "hi"), "Rate", "pct"), (("lo", "hi"), "Range", "pct")])
    assert "10.0&nbsp;% <span" in h and "(5.0–20.0&nbsp;%)" in h and "no data" in h


def test_kpi_table_puts_groups_side_by_side():
    t = pd.DataFrame({"kpi": "nps", "grain": ["company", "kam"], "group": ["all", "K1"],
                      "period": "2026Q3", "value": [2.0, NAN], "low": [-6.0, NAN],
                      "high": [10.0, NAN], "n": [343, 0]})
    h = P.kpi_table(t, ["nps"], [("kam", "K1", "Greta"), ("company", "all", "Company")])
    assert "Greta" in h and "Company" in h and "no data" in h and "343 responses" in h


def test_kpi_by_group_lists_alphabetically_not_by_rank():
    t = pd.DataFrame({"kpi": "logo_churn_rate", "grain": "kam", "group": ["K2", "K1", "K3"],
                      "period": "2026Q3", "value": [0.3, 0.0, 0.1], "low": 0.0, "high": 0.5,
                      "n": [10, 12, 8]})
    h = P.kpi_by_group(t, ["logo_churn_rate"], "kam", company=False,
                       labels={"K1": "Zoe", "K2": "Adam", "K3": "Mia"})
    assert h.index("Adam") < h.index("Mia") < h.index("Zoe")


def test_objective_link_groups_lagging_by_leading():
    o = pd.DataFrame({
        "objective_id": [str(i) for i in range(8)],
        "account_id": ["a", "a", "b", "b", "c", "c", "c", "d"],
        "indicator": ["leading", "lagging"] * 2 + ["leading", "leading", "lagging", "leading"],
        "due_on": pd.to_datetime(["2025-06-30", "2025-12-31"] * 2
                                 + ["2025-06-30", "2025-09-30", "2025-12-31", "2025-06-30"]),
        "attainment": [1.2, 1.1, 0.5, 0.7, 1.3, 0.6, 1.0, 1.0],
        "met": [1, 1, 0, 0, 1, 0, 1, 1]})
    h = P.objective_link(o)
    assert "None met" in h and "Some met" in h and "All leading objectives met" in h
    assert "can not" not in h
    only_leading = P.objective_link(o[o.indicator == "leading"])
    assert "cannot be shown" in only_leading


def test_style_is_scoped():
    assert P.STYLE.startswith("<style>") and P.STYLE.endswith("</style>")
    rules = re.findall(r"([^{}]+)\{", P.STYLE[len("<style>"):])
    assert all("kam-" in r for r in rules)


# -- on the sample bundle ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_bundle(sample_dir, tmp_path_factory):
    from kamlib.report.bundle import open_bundle

    return open_bundle(str(sample_dir), "", str(tmp_path_factory.mktemp("bundle")))


@pytest.mark.slow
def test_cards_for_the_sample_bundle(sample_bundle):
    b = sample_bundle
    h = P.kpi_cards(b.kpis, b.trend, b.quarter, b.settings.currency)
    for card in P.KPI_CARDS:
        assert card.title in h, card.title
    assert h.count('class="kam-card"') == 10
    assert h == P.kpi_cards(b.kpis, b.trend, b.quarter, b.settings.currency)


@pytest.mark.slow
def test_headlines_for_the_sample_bundle(sample_bundle):
    lines = P.headlines(sample_bundle)
    assert 3 <= len(lines) <= 6
    assert all(s.endswith(".") for s in lines)
    assert any(s.startswith("Logo churn was") and "95 % interval" in s for s in lines)
    assert lines == P.headlines(sample_bundle)


@pytest.mark.slow
def test_account_view_for_the_sample_bundle(sample_bundle):
    f = P.account_view(sample_bundle)
    assert f.account_id.is_unique
    assert {"name", "kam_name", "clv", "churn_next_year", "max_gap_days", "nps_score"} <= set(f)
    assert len(f) == int(sample_bundle.accounts.customer_end.sum())
