"""kamlib.panels.targets: the targets table read from the data, normalised, and its
bad rows quarantined with file, column and rule."""

from __future__ import annotations

import pytest
from kpi_builder import target_rows as _targets

from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.errors import ContractError, StrictModeError
from kamlib.panels.targets import normalise_targets, read_targets


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


def test_the_sample_has_targets(sample_data):
    t = read_targets(sample_data)
    assert len(t) == 20 and set(t.grain) == {"company", "segment"}
    assert t.loc[t.kpi == "gap_alert_share", "direction"].tolist() == ["lower"]


def test_bad_target_rows_are_quarantined_and_named(sample_copy):
    (sample_copy / "targets.csv").write_text("kpi,grain,group,period,target,direction\n"
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
    assert "targets.csv: 1 row(s) break not_in_domain: direction must be one of higher, lower, " \
           "at_least, at_most (first at row 4)" in text
    assert "targets.csv: 1 row(s) break unparseable_value" in text


def test_without_a_targets_file_nothing_has_a_target(sample_copy):
    (sample_copy / "targets.csv").unlink()
    with validate(open_source(sample_copy)) as vd:
        assert not vd.has("targets") and len(read_targets(vd)) == 0
