"""The glossary of the "Methods and checks" page: every KPI with its definition in
words (from the KPI registry, :data:`kamlib.kpis.registry.REGISTRY`) and the
statistical terms the pages use (:data:`STAT_TERMS`).

>>> g = kpi_glossary()
>>> list(g.columns), g.term.is_unique
(['term', 'meaning'], True)
>>> "Funnel limits" in set(stat_glossary().term)
True
"""

from __future__ import annotations

import pandas as pd

from kamlib.kpis.registry import REGISTRY
from kamlib.present.figures import kpi_info

__all__ = ["STAT_TERMS", "kpi_glossary", "stat_glossary"]

#: The statistical terms of the report, each with its meaning in plain words.
STAT_TERMS: tuple[tuple[str, str], ...] = (
    ("95 % interval", "The range that most likely holds the true value, given how many "
     "accounts or answers a figure rests on; small groups have wide intervals. Shown in "
     "brackets after a figure."),
    ("Within chance", "A change or difference smaller than the noise of the figures "
     "(about two standard errors of the difference, read off their intervals); shown in grey."),
    ("Funnel limits", "The band within which a group's rate would fall by chance alone, "
     "given its size (95 % dashed, 99.8 % solid); a point outside the 99.8 % limits is "
     "unusual. Small groups have wide limits."),
    ("Over-dispersion", "Groups vary more than chance would make them; the funnel limits "
     "are then widened so that only real outliers stand out."),
    ("Shrinkage", "Pulling a small group's rate towards the company rate in proportion to "
     "how little data it has, so that a lucky or unlucky few accounts do not top or tail "
     "a ranking."),
    ("False discovery rate (FDR)", "When many groups are compared at once some look "
     "different by chance; controlling the FDR keeps the expected share of such false "
     "alarms among the flagged groups below a chosen level (Benjamini-Hochberg)."),
    ("p-value", "How often a difference at least this large would appear by chance if "
     "there were none; below 0.05 is usually read as a real difference."),
    ("Hazard ratio", "How much a factor multiplies the risk of churning at any time: "
     "above 1 more churn, below 1 less, 1 no effect."),
    ("Proportional hazards", "The churn model's assumption that a factor's hazard ratio "
     "stays the same over a customer's tenure; the check tests it factor by factor."),
    ("Kaplan-Meier curve", "The share of customers still with us after each length of "
     "tenure, counting customers who are still active as observed only so far."),
    ("Concordance", "The chance that, of two customers, the model gives the higher risk "
     "to the one who leaves first (0.5 a coin toss, 1 perfect)."),
    ("Calibration", "Whether predicted probabilities match what happened: of the "
     "accounts given 10 %, about 10 % should leave."),
    ("ICI and E50", "The mean (ICI) and median (E50) gap between predicted and observed "
     "churn risk in the calibration backtest; 0 is perfect."),
    ("Brier score", "The mean squared gap between predicted probabilities and what "
     "happened (0 or 1); lower is better."),
    ("Top-decile lift", "Churn among the 10 % riskiest accounts divided by the average "
     "churn; 1 is no better than picking at random."),
    ("sBG model (α, β)", "The shifted-beta-geometric model of cohort retention: α and β "
     "describe how the propensity to churn differs between customers; α/(α+β) is the "
     "chance that a newly won customer leaves at its first renewal."),
    ("Discounted expected lifetime (DEL)", "How many years of margin a newly won "
     "customer is worth today under the sBG model, future years discounted."),
    ("Lifetime value (CLV)", "The margin an account is expected to bring over the "
     "horizon, discounted to today and weighted by the chance that it is still a customer."),
)


def kpi_glossary() -> pd.DataFrame:
    """Every KPI of the registry: its title (``term``) and its definition in words
    (``meaning``), in alphabetical order."""
    specs = sorted(REGISTRY, key=lambda s: s.title.casefold())
    return pd.DataFrame({"term": [s.title for s in specs],
                         "meaning": [kpi_info(s.id).definition for s in specs]})


def stat_glossary() -> pd.DataFrame:
    """:data:`STAT_TERMS` as a table of ``term`` and ``meaning``."""
    return pd.DataFrame(list(STAT_TERMS), columns=["term", "meaning"])
