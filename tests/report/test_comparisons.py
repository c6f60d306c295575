"""The comparison of managers (kamlib.report.comparisons) the pages show."""

from __future__ import annotations

import dataclasses

from bundle_builder import small_bundle

from kamlib.config import Settings


def test_managers_are_compared_once_with_the_settings_seed():
    """compare_managers runs compare_kams with Settings.seed (the growth page used seed 0)
    and Bundle.comparison gives back what compare_kams returns, with managers' names."""
    import pandas as pd

    from kamlib.kpis.compare import compare_kams
    from kamlib.report.comparisons import compare_managers

    trailing = pd.DataFrame({"kpi": "logo_churn_rate", "grain": "kam",
                             "group": ["K1", "K2", "K3", "K4"], "period": "2025Q4–2026Q3",
                             "value": [0.0, 0.1, 0.2, 0.05], "low": 0.0, "high": 1.0,
                             "n": [10, 20, 10, 40], "k": [0, 2, 2, 2]})
    kpis = trailing.assign(kpi="conversion_rate").drop(columns="k")
    names = {"K1": "Kira", "K2": "Ole", "K3": "Ana"}
    seed = Settings().seed
    frames, facts = compare_managers({"kam_trailing": trailing, "kpis": kpis}, names, seed)
    b = dataclasses.replace(small_bundle(), **frames, comparisons=facts)
    for kpi, source, hib in (("logo_churn_rate", trailing, False),
                             ("conversion_rate", kpis, True)):
        want = compare_kams(source, kpi, higher_is_better=hib, seed=seed)
        got = b.comparison(kpi)
        assert got.target == want.target and facts[kpi].managers == 4
        pd.testing.assert_frame_equal(got.funnel.drop(columns="manager"),
                                      want.funnel.reset_index(drop=True))
        assert got.funnel.manager.tolist()[:3] == ["Kira", "Ole", "Ana"]
        pd.testing.assert_frame_equal(got.limits, want.limits.reset_index(drop=True))
        shrunk = want.shrunk.assign(manager=want.shrunk.group.map(names)
                                    .fillna(want.shrunk.group)).sort_values("manager")
        pd.testing.assert_frame_equal(got.shrunk, shrunk.reset_index(drop=True))
    assert b.comparison("upsell_rate").funnel.empty  # nothing to compare: empty, no error
