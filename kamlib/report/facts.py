"""The small typed results of a bundle: counts, verdicts and model scores the pages show.

A :class:`kamlib.report.bundle.Bundle` keeps its tables as frames and everything
else as the dataclasses below, stored together in the bundle's ``meta.json``.
:func:`to_json` and :func:`from_json` convert them (and dicts or lists of them) to
and from plain JSON values; missing and non-finite numbers become ``null``.

>>> m = from_json(Mentions, to_json(Mentions(all=12, unlinked=3)))
>>> m, m.linked
(Mentions(all=12, unlinked=3), 9)
>>> to_json(LifetimeFacts(annual_churn=float("nan")))["annual_churn"] is None
True
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BacktestFacts",
    "CohortModelFacts",
    "Comparison",
    "ContactGapFacts",
    "ConversionCohort",
    "DataQualityFacts",
    "HeadlineFacts",
    "LifetimeFacts",
    "Mentions",
    "ModelFacts",
    "Window",
    "from_json",
    "to_json",
]


@dataclass(frozen=True)
class Window:
    """The trailing quarters pooled to compare account managers
    (:func:`kamlib.kpis.compare.trailing_window`), and their label ("2025Q4–2026Q3")."""

    quarters: list[str] = field(default_factory=list)
    label: str = ""


@dataclass(frozen=True)
class Mentions:
    """The quarter's public mentions: all of them and those naming no account."""

    all: int = 0
    unlinked: int = 0

    @property
    def linked(self) -> int:
        """The mentions that name an account (those the segments add up to)."""
        return self.all - self.unlinked


@dataclass(frozen=True)
class ConversionCohort:
    """The prospects behind the conversion rate: those first contacted in ``quarter``
    (ISO dates ``start`` to ``end``), the latest cohort whose decision windows closed."""

    quarter: str = ""
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class ModelFacts:
    """The churn model: which model, how well it ranks (concordance), what it was
    fitted on (customer-quarters and churns), the segment others are compared with and
    the page's name of each factor (covariate -> name); or, without a model, why
    (``error``)."""

    choice: str | None = None
    concordance: float | None = None
    rows: int | None = None
    events: int | None = None
    reference_segment: str | None = None
    factor_labels: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class BacktestFacts:
    """The one-year backtest of the churn model (:func:`kamlib.models.diagnostics.backtest`)
    against the segment Kaplan-Meier benchmark; or why there is none (``error``)."""

    fit_until: str | None = None
    scored_until: str | None = None
    accounts: int | None = None
    churned: int | None = None
    horizon_days: float | None = None
    brier_model: float | None = None
    brier_km: float | None = None
    lift_model: float | None = None
    lift_km: float | None = None
    concordance: float | None = None
    concordance_km: float | None = None
    ici: float | None = None
    e50: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class CohortModelFacts:
    """The shifted-beta-geometric model of cohort retention: α, β, the chance that a
    newly won customer leaves at its first renewal (α / (α + β)) and the discounted
    expected lifetime in years; or why it could not be fitted (``error``)."""

    alpha: float | None = None
    beta: float | None = None
    first_renewal_churn: float | None = None
    discounted_lifetime: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class LifetimeFacts:
    """Churn behind the lifetime value: the share of customers lost in the last 12
    months, the mean predicted churn over the next 12 months of the current accounts,
    and the simple lifetime 1 / (churn of the last 12 months) in years (None when no
    customer was lost)."""

    annual_churn: float | None = None
    mean_churn_next_year: float | None = None
    simple_lifetime_years: float | None = None


@dataclass(frozen=True)
class Comparison:
    """One rate KPI compared across account managers (:func:`kamlib.kpis.compare.compare_kams`).

    ``source`` is the frame compared (``kam_trailing``: the trailing four quarters;
    ``kpis``: the quarter), ``target`` the company rate, ``managers`` the managers on
    the funnel plot, ``outside`` those outside its 99.8 % limits, ``overdispersed``
    whether managers vary more than chance (the limits were widened) and
    ``dispersion`` the test behind it.
    """

    kpi: str = ""
    source: str = ""
    higher_is_better: bool = True
    target: float | None = None
    managers: int = 0
    outside: int = 0
    overdispersed: bool = False
    dispersion: dict[str, Any] | None = None


@dataclass(frozen=True)
class ContactGapFacts:
    """The contact-gap alerts: the threshold in days, the accounts over it and how
    many of them were still without contact at the quarter's end."""

    threshold: int = 0
    accounts: int = 0
    still_silent: int = 0


@dataclass(frozen=True)
class DataQualityFacts:
    """Rows read and set aside over all tables, and the quarantine files written."""

    rows_read: int = 0
    set_aside: int = 0
    share_set_aside: float | None = None
    quarantine_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HeadlineFacts:
    """The verdicts behind the executive summary's sentences
    (:func:`kamlib.present.text.headlines` only words them).

    Attributes
    ----------
    churn_overlap : whether the 95 % intervals of this and last quarter's logo churn
        overlap (True when either is missing: no claim of a change).
    value_at_risk : the accounts' value at risk next year, summed; 0 without a model.
    value_at_risk_of_clv : that sum over the total lifetime value (None when it is 0).
    top_accounts : the names of the (up to) three accounts with most value at risk.
    top_share : their share of the value at risk.
    nps_change : the NPS change the sentence cites (``nps_change_qoq``, else
        ``nps_change_yoy``; "" when neither has a value).
    nps_change_p : its two-sided p-value (:func:`kamlib.stats.p_value_from_interval`).
    nps_change_significant : p < 0.05.
    enps_vs_zero : where employee NPS's interval lies: "below", "above" or "includes"
        zero; "" without an interval.
    top_account_ids : the ids of ``top_accounts``, in the same order (links: their
        names link to their pages).
    """

    churn_overlap: bool = True
    value_at_risk: float = 0.0
    value_at_risk_of_clv: float | None = None
    top_accounts: list[str] = field(default_factory=list)
    top_share: float | None = None
    nps_change: str = ""
    nps_change_p: float | None = None
    nps_change_significant: bool = False
    enps_vs_zero: str = ""
    #: -- links
    top_account_ids: list[str] = field(default_factory=list)


def to_json(value: Any) -> Any:
    """``value`` as plain JSON values: dataclasses as dicts, numpy scalars as Python
    numbers, missing and non-finite numbers as None.

    >>> to_json({"a": np.int64(2), "b": [np.float64(0.5), float("inf")], "c": np.bool_(True)})
    {'a': 2, 'b': [0.5, None], 'c': True}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def from_json(kind: Any, value: Any) -> Any:
    """A JSON value read back as ``kind``: a dataclass of this module (unknown keys
    ignored, missing ones left at their defaults), ``X | None``, ``dict[str, X]``,
    ``list[X]`` or a plain type (resolved types: see :func:`typing.get_type_hints`).

    >>> from_json(dict[str, Window], {"a": {"quarters": ["2026Q3"], "label": "2026Q3"}})
    {'a': Window(quarters=['2026Q3'], label='2026Q3')}
    """
    if value is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return from_json(inner[0], value) if len(inner) == 1 else value
    if origin is dict:
        return {k: from_json(args[1], v) for k, v in value.items()} if args else dict(value)
    if origin is list:
        return [from_json(args[0], v) for v in value] if args else list(value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: from_json(hints[f.name], value[f.name])
                       for f in dataclasses.fields(kind) if f.name in value})
    return value
