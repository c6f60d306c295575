"""The quarter's churn model is fitted once (KpiPeriod.survival) and handed on explicitly."""

from __future__ import annotations

import pandas as pd

from kamlib.config import Settings
from kamlib.kpis.compute import SURVIVAL_IDS, KpiPeriod, survival_kpis
from kamlib.models import survival
from kamlib.models.cox import ModelInputError
from kamlib.periods import Quarter


def test_the_kpis_and_the_report_share_one_fit(sample_data, monkeypatch):
    calls = []
    real = survival.fit_churn_model

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(survival, "fit_churn_model", counted)
    p = KpiPeriod(sample_data, Quarter("2026Q3", 1), Settings())
    rows = pd.DataFrame(survival_kpis(p))
    fit = p.survival
    assert len(calls) == 1 and fit.fitted and not fit.error
    assert fit.panel is not None and len(fit.risk) == len(fit.clv)
    assert {"segment", "kam_id", "clv", "value_at_risk"} <= set(fit.clv.columns)
    # each account's CLV interval holds its CLV, and is no interval for a zero margin
    c = fit.clv
    assert ((c.clv_low <= c.clv + 1e-9) & (c.clv <= c.clv_high + 1e-9)).all()
    assert (c.clv_high[c.margin == 0] == 0).all()
    assert (c.clv_high - c.clv_low)[c.margin > 0].gt(0).all()
    accounts = rows[(rows.kpi == "churn_risk_next_quarter") & (rows.grain == "account")]
    assert set(accounts.group) == set(fit.clv.account_id)


def test_without_a_model_the_fit_says_why_and_the_kpis_say_no_data(sample_data, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ModelInputError("no events in event: the churn model needs at least one")

    monkeypatch.setattr(survival, "fit_churn_model", refuse)
    p = KpiPeriod(sample_data, Quarter("2026Q3", 1), Settings())
    rows = pd.DataFrame(survival_kpis(p))
    assert not p.survival.fitted and p.survival.error.startswith("no events")
    assert p.survival.clv is None
    assert sorted(rows.kpi) == sorted(SURVIVAL_IDS) and (rows.n == 0).all()
    assert rows.value.isna().all()
