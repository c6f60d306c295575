"""The growth page's table of channels and its note (kamlib.report.acquisition_value)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.report.acquisition_value import channel_table, costs_note, costs_supplied


def _kpis(*rows):
    return pd.DataFrame(rows, columns=["kpi", "grain", "group", "value", "low", "high", "n"])


K = _kpis(("cac", "company", "all", 300.0, 200.0, 500.0, 4),
          ("cac", "channel", "event", 450.0, np.nan, np.nan, 1),
          ("cac", "kam", "K1", 100.0, np.nan, np.nan, 2),
          ("clv_to_cac", "channel", "event", 2.5, np.nan, np.nan, 1),
          ("clv_by_channel", "channel", "email", 9000.0, 7000.0, 11000.0, 12),
          ("conversion_rate", "channel", "email", 0.2, 0.1, 0.3, 50),
          ("nps", "company", "all", 30.0, 20.0, 40.0, 80))


def test_one_row_per_channel_company_first_with_values_intervals_and_counts():
    t = channel_table(K)
    assert t.channel.tolist() == ["all", "email", "event"] and t.name.iloc[0] == "All channels"
    e = t.set_index("channel").loc["event"]
    assert (e.cac, e.clv_to_cac, e.won, e.customers) == (450.0, 2.5, 1, 0)
    m = t.set_index("channel").loc["email"]
    assert (m.clv_by_channel_low, m.clv_by_channel_high, m.customers) == (7000.0, 11000.0, 12)
    assert np.isnan(m.cac) and m.won == 0  # no cost figure: no data
    assert t.set_index("channel").loc["all"].cac_high == 500.0
    assert "K1" not in set(t.channel)  # KAM rows are not channels


def test_no_kpis_give_an_empty_table():
    assert channel_table(pd.DataFrame()).empty


def test_the_note_says_why_there_is_no_cost_figure():
    assert costs_note(K, supplied=True) == ""
    assert "were supplied" in costs_note(K, supplied=False)
    nan = K.assign(value=np.nan)
    assert "12 months" in costs_note(nan, supplied=True)


def test_costs_are_supplied_when_the_summary_used_rows():
    s = pd.DataFrame({"table": ["contracts", "acquisition_costs"], "rows_used": [5, 3]})
    assert costs_supplied(s) and not costs_supplied(s.assign(rows_used=[5, 0]))
    assert not costs_supplied(pd.DataFrame())
