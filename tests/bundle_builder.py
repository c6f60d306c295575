"""A small hand-made :class:`kamlib.report.bundle.Bundle` for the report tests.

>>> b = small_bundle()
>>> str(b.quarter), b.settings.currency, len(b.kpis), b.clv
('2026Q3', 'CHF', 2, None)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.periods import Quarter
from kamlib.report import bundle
from kamlib.report.facts import BacktestFacts, Comparison, Mentions, Window


def small_bundle(**kw) -> bundle.Bundle:
    """A bundle of 2026Q3 with a few hand-made facts and frames (``kw`` adds or replaces
    fields): no churn model, CHF as currency, two accounts (one without a name or a
    manager), two KPIs and a model summary."""
    summary = pd.DataFrame({"exp(coef)": [1.2, 0.8]},
                           index=pd.Index(["gap_30d", "recent_nps"], name="covariate"))
    fields = dict(
        window=Window(["2025Q4", "2026Q1", "2026Q2", "2026Q3"], "2025Q4–2026Q3"),
        mentions=Mentions(all=10, unlinked=4), backtest_scores=BacktestFacts(error="no churn"),
        comparisons={"logo_churn_rate": Comparison(kpi="logo_churn_rate", target=0.03,
                                                   dispersion={"phi": 1.2})},
        kpis=pd.DataFrame({"kpi": ["nps", "nrr"], "value": [12.5, np.nan]}),
        accounts=pd.DataFrame({"account_id": ["a", "b"], "name": ["A", np.nan],
                               "kam_id": ["K1", None]}),
        model_summary=summary)
    return bundle.Bundle(Quarter("2026Q3"), Settings(currency="CHF"), Quarter("2026Q3").end,
                         "data/sample", **{**fields, **kw})
