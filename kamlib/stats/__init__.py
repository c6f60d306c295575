"""Shared statistics, pure functions of counts and arrays (no I/O, seeded draws).

:mod:`kamlib.stats.intervals` holds the estimators every KPI uses (Wilson, NPS,
bootstrap, rank correlation, Kaplan-Meier median); :mod:`kamlib.stats.comparison`
the fair comparison of groups (funnel plots, over-dispersion, shrinkage). Every
public name of both is available here:

>>> from kamlib import stats
>>> stats.wilson(3, 10).n, stats.funnel_limits is stats.comparison.funnel_limits
(10, True)
"""

from kamlib.stats import comparison, intervals
from kamlib.stats.comparison import (
    PRECISION_CAP,
    HyperPosterior,
    Overdispersion,
    beta_binomial_fit,
    beta_binomial_posterior,
    funnel_limits,
    funnel_table,
    overdispersion,
    shrink,
)
from kamlib.stats.intervals import (
    KM_HALF_TOLERANCE,
    NPS_METHODS,
    Estimate,
    NPSChange,
    annualise,
    bootstrap,
    km_median,
    level_name,
    nps,
    nps_difference,
    nps_from_scores,
    p_value_from_interval,
    rank_correlation,
    wilson,
)

__all__ = [
    "KM_HALF_TOLERANCE",
    "NPS_METHODS",
    "PRECISION_CAP",
    "Estimate",
    "HyperPosterior",
    "NPSChange",
    "Overdispersion",
    "annualise",
    "beta_binomial_fit",
    "beta_binomial_posterior",
    "bootstrap",
    "comparison",
    "funnel_limits",
    "funnel_table",
    "intervals",
    "km_median",
    "level_name",
    "nps",
    "nps_difference",
    "nps_from_scores",
    "overdispersion",
    "p_value_from_interval",
    "rank_correlation",
    "shrink",
    "wilson",
]
