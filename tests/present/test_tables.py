"""Compact tables (kamlib.present.tables): names escaped, long tables truncated, units
kept with their numbers, groups side by side and in alphabetical order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib import present
from kamlib import present as P

NAN = float("nan")
EVIL = "<script>alert('x')</script> & Co"


# -- escaping ------------------------------------------------------------------------------


def test_names_are_escaped_in_tables():
    df = pd.DataFrame({"name": [EVIL], "rate": [0.1]})
    h = P.table(df, [("name", "Account <b>", "text"), ("rate", "Churn", "pct")],
                caption="<i>caption</i>")
    assert "<script>" not in h and "<b>" not in h and "<i>" not in h
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in h
    assert "&lt;i&gt;caption&lt;/i&gt;" in h


def test_group_labels_are_escaped():
    t = pd.DataFrame({"kpi": "upsell_rate", "grain": "kam", "group": ["K1"], "period": "2026Q3",
                      "value": [0.1], "low": [0.0], "high": [0.3], "n": [10]})
    h = P.kpi_by_group(t, ["upsell_rate"], "kam", labels={"K1": EVIL}, company=False)
    assert "<script>" not in h and "&lt;script&gt;" in h


def test_units_do_not_break_across_lines_in_html():
    h = P.table(pd.DataFrame({"r": [0.25]}), [("r", "Rate", "pct")])
    assert "25.0&nbsp;%" in h


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


def test_a_kpi_table_defines_each_kpi_under_its_name():
    kpis = pd.DataFrame({"kpi": ["sla_compliance"], "grain": ["company"], "group": ["all"],
                         "period": ["2026Q3"], "value": [0.9], "low": [0.8], "high": [0.95],
                         "n": [40]})
    h = P.kpi_table(kpis, ["sla_compliance"], columns=[("company", "all", "Company")])
    assert '<details class="kam-def"><summary>Definition</summary>SLA checks met / SLA ' in h


_GROUP = st.sampled_from(["K1", "K2", "all", "", " K1", None, float("nan"), 1, "1"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["nps", "nrr", "upsell_rate"]),
                          st.sampled_from(["kam", "segment", "company", None]), _GROUP),
                max_size=30),
       st.sampled_from(["K1", "K2", "all", "1", "nan", "None"]))
def test_split_by_group_holds_what_a_lookup_of_the_group_finds(rows, g):
    # kpi_by_group looks each group up in its part of the table; the part must hold the
    # rows a lookup in the whole table matches (kpi, grain, group as text), in order
    from kamlib.present.tables import _by_group

    f = pd.DataFrame(rows, columns=["kpi", "grain", "group"], dtype=object)
    f.index = [f"r{i}" for i in range(len(f))]
    part = _by_group(f, ["nps", "nrr"], "kam")(g)
    for kpi in ("nps", "nrr"):
        for grain in ("kam", "company"):
            whole = f[(f["kpi"] == kpi) & (f["grain"] == grain) & (f["group"].astype(str) == g)]
            got = part[(part["kpi"] == kpi) & (part["grain"] == grain)] if len(part) else part
            pd.testing.assert_frame_equal(got, whole, check_index_type=False)
