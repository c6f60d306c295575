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

from kamlib.config import Settings, load_settings
from kamlib.data.contract import TARGET_GRAINS, TARGET_KPIS
from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.errors import ConfigError, ContractError, StrictModeError
from kamlib.kpis.registry import GRAIN_ORDER, REGISTRY
from kamlib.kpis.targets import attach_targets, gap, judge
from kamlib.panels.targets import normalise_targets, read_targets
from kamlib.present.targets import goal


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


def _targets(*rows):
    return pd.DataFrame(rows, columns=["kpi", "grain", "group", "period", "target",
                                       "direction"])


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


def test_periods_are_normalised_and_duplicates_refused():
    raw = _targets(("nps", "company", "all", "2026-q3", 30.0, None),
                   ("nps", "company", "all", None, 20.0, "at_least"))
    t = normalise_targets(raw)
    assert t.period.tolist() == ["2026Q3", ""] and t.direction.tolist() == ["", "at_least"]
    with pytest.raises(ContractError, match="column period: unparseable_value: 'Q3'"):
        normalise_targets(_targets(("nps", "company", "all", "Q3", 30.0, "")))
    with pytest.raises(ContractError, match="duplicate_key: nps at company all, every period "
                                            r"has 2 targets \(30, 35\)"):
        normalise_targets(_targets(("nps", "company", "all", "", 30.0, ""),
                                   ("nps", "company", "all", "", 35.0, "")))


# --------------------------------------------------------------------------- the page line
def test_the_target_line_says_met_missed_by_or_within_chance():
    assert goal(31.0, 30.0, "met", "nps") == {"text": "Target +30: met", "cls": "kam-good",
                                               "status": "met"}
    # 5 % against at most 2 %: missed by 3 pp, vermillion
    g = goal(0.05, 0.02, "missed", "pct")
    assert (g["text"], g["cls"]) == ("Target 2.0 %: missed by 3.0 pp", "kam-bad")
    # NPS 28 against 30 within chance: grey, not red
    g = goal(28.0, 30.0, "within_chance", "nps")
    assert (g["text"], g["cls"]) == ("Target +30: within chance (2 short)", "kam-flat")


# --------------------------------------------------------------------------- contract
def _write_targets(folder, text):
    (folder / "targets.csv").write_text(text)


def test_the_sample_has_targets(sample_data):
    t = read_targets(sample_data)
    assert len(t) == 20 and set(t.grain) == {"company", "segment"}
    assert t.loc[t.kpi == "gap_alert_share", "direction"].tolist() == ["at_most"]


def test_bad_target_rows_are_quarantined_and_named(sample_copy):
    _write_targets(sample_copy, "kpi,grain,group,period,target,direction\n"
                                "nps,company,all,,30,\n"
                                "net_promoter,company,all,,30,\n"   # not a KPI id
                                "nps,segment,strategic,,40,upwards\n"  # bad direction
                                "nrr,company,all,,lots,\n"          # not a number
                                "nrr,galaxy,all,,1.1,\n")           # not a grain
    with validate(open_source(sample_copy)) as vd:
        f = vd.faults[vd.faults.table == "targets"]
        got = {(r.rule, r.column, r.first_row) for r in f.itertuples()}
        assert got == {("not_in_domain", "kpi", 3), ("not_in_domain", "direction", 4),
                       ("unparseable_value", "target", 5), ("not_in_domain", "grain", 6)}
        assert set(f.file.str.rsplit("/", n=1).str[-1]) == {"targets.csv"}
        assert "kpi must be one of" in f.loc[f.column == "kpi", "detail"].iloc[0]
        s = vd.summary.set_index("table").loc["targets"]
        assert (s.rows_read, s.rows_used, s.rows_quarantined) == (5, 1, 4)  # none dropped
        q = vd.quarantine("targets")
        assert sorted(q["kpi"]) == ["net_promoter", "nps", "nrr", "nrr"]
        assert read_targets(vd).kpi.tolist() == ["nps"]
    with pytest.raises(StrictModeError) as info:
        validate(open_source(sample_copy), strict=True)
    text = str(info.value)
    assert "targets.csv: 1 row(s) break not_in_domain: direction must be one of at_least, " \
           "at_most (first at row 4)" in text
    assert "targets.csv: 1 row(s) break unparseable_value" in text


def test_without_a_targets_file_nothing_has_a_target(sample_copy):
    (sample_copy / "targets.csv").unlink()
    with validate(open_source(sample_copy)) as vd:
        assert not vd.has("targets") and len(read_targets(vd)) == 0


# --------------------------------------------------------------------------- kam.toml
def test_kam_toml_targets_are_read(tmp_path):
    p = tmp_path / "kam.toml"
    p.write_text("[settings]\ngrace_days = 45\n[targets]\nnps = 30\nlogo_churn_rate = 0.02\n")
    s = load_settings(p)
    assert s.grace_days == 45 and s.targets == {"nps": 30.0, "logo_churn_rate": 0.02}
    p.write_text("[targets]\nnrr = 1.1\n")  # [targets] alone is fine too
    assert load_settings(p).targets == {"nrr": 1.1}
    assert Settings().targets == {}


@pytest.mark.parametrize("body, fragment", [
    ('[targets]\nnps = "high"\n', "targets.nps must be a finite number, got 'high'"),
    ("[targets]\nnps = true\n", "targets.nps must be a finite number, got True"),
    ("[targets]\nnps = inf\n", "targets.nps must be a finite number, got inf"),
    ("[targets]\nnps = [30]\n", "targets.nps must be a finite number"),
    ("targets = 3\n", "targets must be a section [targets], not a value"),
    ("[settings]\ntargets = 3\n", "targets is a section of its own"),
    ("[target]\nnps = 30\n", "did you mean [targets]"),
])
def test_kam_toml_targets_errors_name_the_file_and_key(tmp_path, body, fragment):
    p = tmp_path / "kam.toml"
    p.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_settings(p)
    assert fragment in str(info.value) and str(p) in str(info.value), str(info.value)
