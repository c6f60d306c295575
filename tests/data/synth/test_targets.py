"""kamlib.data.synth.targets: the sample's fixed targets (no random draws)."""

from __future__ import annotations

from kamlib.data.contract import TARGET_GRAINS, TARGET_KPIS
from kamlib.data.synth.targets import targets_table


def test_the_sample_targets_are_fixed_known_kpis_one_per_key():
    t = targets_table().to_pandas()
    assert targets_table().to_pandas().equals(t)  # no draws: the same table every time
    assert list(t.columns) == ["kpi", "grain", "group", "period", "target", "direction"]
    assert set(t.kpi) <= set(TARGET_KPIS) and set(t.grain) <= set(TARGET_GRAINS)
    assert not t.duplicated(["kpi", "grain", "group", "period"]).any()
    # 11 company rows and 9 segment rows, each with a finite target
    assert (t.grain == "company").sum() == 11 and (t.grain == "segment").sum() == 9
    assert t.target.notna().all()
