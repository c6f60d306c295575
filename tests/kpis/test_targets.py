"""Targets: which target holds for a figure, its status, the targets file's contract
faults and ``kam.toml [targets]`` (kamlib.kpis.targets, kamlib.panels.targets,
kamlib.config)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_builder import target_rows as _targets

from kamlib.config import Settings
from kamlib.data.contract import TARGET_GRAINS, TARGET_KPIS
from kamlib.errors import ConfigError
from kamlib.kpis.registry import GRAIN_ORDER, REGISTRY
from kamlib.kpis.targets import attach_targets, gap, judge


def test_the_contract_lists_every_registry_id_and_grain():
    # the data layer may not import the KPIs: its copy of the ids must stay equal
    assert sorted(TARGET_KPIS) == sorted(s.id for s in REGISTRY)
    assert TARGET_GRAINS == GRAIN_ORDER


# --------------------------------------------------------------------------- status
@pytest.mark.parametrize("value, low, high, target, at_least, status", [
    # at least 30 (an NPS)
    (31.0, 25.0, 37.0, 30.0, True, "met"),            # 31 >= 30
    (30.0, 24.0, 36.0, 30.0, True, "met"),            # on the target counts as met
    (28.0, 22.0, 34.0, 30.0, True, "within_chance"),  # 28 < 30 but high 34 >= 30
    (20.0, 14.0, 26.0, 30.0, True, "missed"),         # high 26 < 30: a real miss
    (20.0, np.nan, np.nan, 30.0, True, "missed"),     # no interval: a plain miss
    # at most 2 % (a churn rate)
    (0.01, 0.0, 0.05, 0.02, False, "met"),            # 1 % <= 2 %
    (0.03, 0.015, 0.05, 0.02, False, "within_chance"),  # 3 % > 2 % but low 1.5 % <= 2 %
    (0.05, 0.03, 0.08, 0.02, False, "missed"),        # low 3 % > 2 %
    # nothing to judge
    (np.nan, np.nan, np.nan, 0.02, False, ""),
    (0.05, 0.03, 0.08, np.nan, False, ""),
])
def test_status_of_a_figure(value, low, high, target, at_least, status):
    assert judge(value, low, high, target, at_least) == status


@given(st.floats(-100, 100), st.floats(0, 50), st.floats(0, 50), st.floats(-100, 100),
       st.booleans())
def test_status_is_met_exactly_when_the_value_meets_the_target(v, below, above, t, at_least):
    s = judge(v, v - below, v + above, t, at_least)
    assert s in ("met", "within_chance", "missed")
    assert (s == "met") == ((v >= t) if at_least else (v <= t))
    # flipping the direction and the signs gives the same status
    assert judge(-v, -v - above, -v + below, -t, not at_least) == s


def test_gap_is_value_minus_target_in_the_kpis_unit():
    assert gap(0.034, 0.02) == pytest.approx(0.014)  # 3.4 % - 2 % = +1.4 pp
    assert gap(12, 30) == -18                        # NPS 12 against 30
    assert math.isnan(gap(None, 30))


# --------------------------------------------------------------------------- resolution
def _kpis():
    rows = [("nps", "company", "all", "2026Q3", 28.0, 20.0, 36.0),
            ("nps", "company", "all", "2026Q2", 35.0, 27.0, 43.0),
            ("nps", "segment", "smb", "2026Q3", 41.0, 35.0, 47.0),
            ("nps", "segment", "big", "2026Q3", 10.0, 2.0, 18.0),
            ("logo_churn_rate", "company", "all", "2026Q3", 0.05, 0.03, 0.08),
            ("logo_churn_rate", "segment", "smb", "2026Q3", 0.05, 0.03, 0.08),
            ("upsell_rate", "company", "all", "2026Q3", 0.1, 0.05, 0.15)]
    return pd.DataFrame(rows, columns=["kpi", "grain", "group", "period", "value", "low",
                                       "high"]).assign(n=100)


def test_the_most_specific_target_wins():
    t = _targets(("nps", "company", "all", "", 25.0, ""),        # every period
                 ("nps", "company", "all", "2026Q3", 30.0, ""),  # 2026Q3 only: wins there
                 ("nps", "segment", "smb", "", 40.0, ""),
                 ("logo_churn_rate", "segment", "smb", "", 0.1, "at_most"))
    out = attach_targets(_kpis(), t, defaults={"nps": 50.0, "logo_churn_rate": 0.02})
    got = {(r.kpi, r.group, r.period): (r.target, r.status) for r in out.itertuples()}
    # exact period: 28 < 30, high 36 >= 30 -> within chance
    assert got[("nps", "all", "2026Q3")] == (30.0, "within_chance")
    # every period: 35 >= 25 -> met (the kam.toml default 50 is less specific)
    assert got[("nps", "all", "2026Q2")] == (25.0, "met")
    assert got[("nps", "smb", "2026Q3")] == (40.0, "met")  # 41 >= 40
    # no row for segment big, and the kam.toml defaults are for the company only
    t_big, s_big = got[("nps", "big", "2026Q3")]
    assert math.isnan(t_big) and s_big == ""
    # the company churn falls back on kam.toml: 5 % > 2 %, low 3 % > 2 % -> missed
    assert got[("logo_churn_rate", "all", "2026Q3")] == (0.02, "missed")
    assert got[("logo_churn_rate", "smb", "2026Q3")] == (0.1, "met")  # 5 % <= 10 %
    # no target at all
    t_up, s_up = got[("upsell_rate", "all", "2026Q3")]
    assert math.isnan(t_up) and s_up == ""
    # the rows, their order and their values are untouched
    pd.testing.assert_frame_equal(out.drop(columns=["target", "status"]), _kpis())


def test_a_direction_overrides_the_kpis_own():
    # upsell is higher-is-better; at_most 0.08 says it must stay low: 10 % > 8 %,
    # low 5 % <= 8 % -> within chance; at_least 0.08 -> met
    k = _kpis()[lambda d: d.kpi == "upsell_rate"]
    at_most = attach_targets(k, _targets(("upsell_rate", "company", "all", "", 0.08, "at_most")))
    at_least = attach_targets(k, _targets(("upsell_rate", "company", "all", "", 0.08, "")))
    assert at_most.status.tolist() == ["within_chance"]
    assert at_least.status.tolist() == ["met"]


def test_targets_come_from_the_settings_and_unknown_ids_are_named():
    out = attach_targets(_kpis(), None, Settings(targets={"upsell_rate": 0.2}))
    assert out.loc[out.kpi == "upsell_rate", "status"].tolist() == ["missed"]  # 15 % < 20 %
    with pytest.raises(ConfigError, match=r"kam.toml \[targets\]: unknown KPI id 'npss' "
                                          r"\(did you mean nps\?\)"):
        attach_targets(_kpis(), None, Settings(targets={"npss": 30}))


def test_an_empty_kpi_table_gets_the_columns():
    out = attach_targets(_kpis().iloc[0:0], None, Settings())
    assert list(out.columns)[-2:] == ["target", "status"] and len(out) == 0




# --------------------------------------------------------------------------- the page line


# --------------------------------------------------------------------------- contract






# --------------------------------------------------------------------------- kam.toml




def test_higher_and_lower_read_as_at_least_and_at_most():
    # upsell 10 % (5-15 %) against 8 %: "lower" must stay at or below 8 %: the value misses,
    # the interval's low end (5 %) reaches it -> within chance; "higher": 10 >= 8 -> met
    k = _kpis()[lambda d: d.kpi == "upsell_rate"]
    for word, synonym, status in (("lower", "at_most", "within_chance"),
                                  ("higher", "at_least", "met")):
        a = attach_targets(k, _targets(("upsell_rate", "company", "all", "", 0.08, word)))
        b = attach_targets(k, _targets(("upsell_rate", "company", "all", "", 0.08, synonym)))
        assert a.status.tolist() == b.status.tolist() == [status]
