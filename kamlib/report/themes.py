"""The stored results of each theme of a bundle, as :func:`kamlib.report.bundle.build`
computes them.

One function per theme, each returning :class:`~kamlib.report.bundle.Bundle` fields by
name: the KPIs with their trend and the latest figures of KPIs without data this
quarter (:func:`kpi_frames`), the managers' trailing counts (:func:`trailing_frames`),
the accounts, managers, survey answers, objectives and mentions
(:func:`account_frames`), acquisition (:func:`acquisition_frames`) and the team
(:func:`team_frames`). The churn model's part is :mod:`kamlib.report.churn_model`;
what the pages compute from these results is :mod:`kamlib.report.pages`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from kamlib.config import Settings
from kamlib.kpis import acquisition, attention, compare, team
from kamlib.kpis.compute import (
    FAMILIES,
    compute_kpis,
    frame,
    objectives_due,
    period_bridge,  # the book's value bridge
)
from kamlib.kpis.targets import attach_targets  # targets
from kamlib.kpis.value_bridge import GRAINS as BRIDGE_GRAINS  # the book's value bridge
from kamlib.kpis.value_bridge import STEPS, bridge_steps  # the book's value bridge
from kamlib.panels import quarter as panels
from kamlib.panels.mentions import mention_counts
from kamlib.panels.period import Period
from kamlib.panels.targets import read_targets  # targets
from kamlib.periods import Quarter
from kamlib.plots.style import shorten
from kamlib.report.facts import ConversionCohort, Mentions, Window

__all__ = ["LOOKBACK_QUARTERS", "NAME_MAX", "TREND_QUARTERS", "account_frames",
           "acquisition_frames", "display_name", "earlier_kpis", "kpi_frames", "mentions",
           "objective_frames", "team_frames", "trailing_frames",
           # What changed
           "CHANGE_DRAWS", "CHANGE_QUARTERS", "change_frames",
           # the book's value bridge
           "value_bridge_frames"]

TREND_QUARTERS = 8
#: Quarters before the reported one that a page may fall back on when a KPI has no
#: observations in it (with the quarter itself: the last 12 months).
LOOKBACK_QUARTERS = 3

#: names longer than this are shortened with "…" on every page (ids are never shortened)
NAME_MAX = 120


def display_name(name):
    """A name from the data as the pages show it: one line, at most :data:`NAME_MAX`
    characters (see :func:`kamlib.plots.kpi.shorten`); missing stays missing.

    >>> display_name("Kira  Moreau"), display_name("x" * 500)[-3:], display_name(None)
    ('Kira Moreau', 'xx…', None)
    """

    return None if name is None or (isinstance(name, float) and name != name) \
        else shorten(name, NAME_MAX)


def kpi_frames(data, quarter: Quarter, first: Quarter, settings: Settings, p,
                step: Callable[[str], None]) -> dict[str, pd.DataFrame]:
    """The quarter's KPIs, the trend of the eight quarters up to it (company and segment
    grains, fewer bootstrap draws) and the KAM rows of :func:`earlier_kpis`."""

    # -- batched panels: the interaction panels of the trend's quarters and of this one in
    # one batch of queries (each Period then reads its own from the batch)
    panels.interaction_panels(data, [q for q in Quarter.span(
        quarter.shift(-(TREND_QUARTERS - 1)), quarter) if q >= first])
    kpis = compute_kpis(data, quarter, settings, period=p)  # p keeps the churn model
    step("trends")
    cheap = settings.replace(bootstrap_draws=min(settings.bootstrap_draws, 200))
    trend = []
    family_of: dict[str, str] = {}  # KPI id -> the family that computes it
    for q in Quarter.span(quarter.shift(-(TREND_QUARTERS - 1)), quarter.previous()):
        if q < first:
            continue
        pq = Period(data, q, cheap, grains=("company", "segment"))
        rows = []
        for fam in ("churn", "expansion", "growth", "voice", "outcomes", "interaction", "team"):
            fam_rows = FAMILIES[fam](pq)
            family_of.update((r["kpi"], fam) for r in fam_rows)
            rows += fam_rows
        t = frame(rows)
        t = attach_targets(t, read_targets(data), settings)  # targets: each quarter's own
        trend.append(t[t.grain.isin(["company", "segment"])])
    trend.append(kpis[kpis.grain.isin(["company", "segment"])])
    step("latest figures")
    return {"kpis": kpis, "trend": pd.concat(trend, ignore_index=True),
            "earlier": earlier_kpis(data, quarter, first, settings, kpis, family_of)}


def trailing_frames(data, quarter: Quarter, first: Quarter, settings: Settings, p
                     ) -> dict[str, Any]:
    """Churn and upsell per manager pooled over the trailing four quarters: one quarter
    of churn per manager is too few events to compare."""

    window = compare.trailing_window(quarter, first)
    return {"kam_trailing": compare.trailing_counts(data, quarter, settings, first=first,
                                                    periods={quarter: p}),
            "window": Window(quarters=[str(q) for q in window],
                             label=compare.window_label(window))}


def account_frames(data, quarter: Quarter, first: Quarter, settings: Settings, p
                    ) -> dict[str, Any]:
    """The quarter's accounts (with contact gaps and next renewal), the managers, the
    survey answers (or the latest wave within 12 months), the objectives due and the
    public mentions."""

    out: dict[str, Any] = {}
    acc = p.accounts.copy()
    gaps = panels.contact_gaps(acc[acc.customer_end], p.interactions, quarter)
    acc = acc.merge(gaps, on="account_id", how="left")
    acc["next_renewal_on"] = acc.account_id.map(attention.next_renewal_on(p.state.renewals))
    out["accounts"] = acc.assign(name=acc["name"].map(display_name))
    kams = data.frame("account_managers").sort_values("kam_id")
    out["kams"] = kams.assign(name=kams["name"].map(display_name))
    resp = p.attribute(panels.response_panels(data, [quarter])[quarter])
    out["responses"] = resp
    if len(resp) == 0:  # no survey this quarter: the latest wave within the last 12 months
        for qq in _lookback(quarter, first):
            pq = Period(data, qq, settings)
            r = pq.attribute(panels.response_panels(data, [qq])[qq])
            if len(r):
                out["responses_latest"] = r
                out["responses_period"] = str(qq)
                break
    out.update(objective_frames(data, quarter, first, settings, p))
    out["mentions"] = mentions(data, quarter)
    return out


def objective_frames(data, quarter: Quarter, first: Quarter, settings: Settings, p
                      ) -> dict[str, pd.DataFrame]:
    """The objectives due this quarter and, for the link between leading and lagging
    objectives, those of the last eight quarters (none without objectives)."""
    if not data.has("objectives"):
        return {}

    due = objectives_due(p)
    hist = [objectives_due(Period(data, qq, settings))
            for qq in Quarter.span(quarter.shift(-7), quarter) if qq >= first]
    return {"objectives": due, "objectives_history": pd.concat(hist, ignore_index=True)}


def mentions(data, quarter: Quarter) -> Mentions | None:
    """The quarter's public mentions: all of them and those naming no account."""
    meta: dict = {}
    if data.has("mentions"):
        meta["mentions"] = mention_counts(data, quarter)
    return Mentions(**meta["mentions"]) if "mentions" in meta else None


def acquisition_frames(data, quarter: Quarter, settings: Settings) -> dict[str, Any]:
    """The conversion cohort (the latest whose decision windows closed) and the touch
    curves with their ideal number of touches per channel."""

    cohort = acquisition.closed_cohort(quarter, settings.conversion_window_days)
    # the fits of the quarter's KPIs (computed once, see touch_results)
    _, peaks, curves = acquisition.touch_results(data, quarter.end,
                                                 settings.conversion_window_days,
                                                 draws=settings.bootstrap_draws,
                                                 seed=settings.seed,
                                                 level=settings.confidence_level)
    return {"conversion_cohort": ConversionCohort(quarter=str(cohort),
                                                  start=cohort.start.isoformat(),
                                                  end=cohort.end.isoformat()),
            "touch_peaks": peaks, "touch_curves": curves}


def team_frames(data, quarter: Quarter, first: Quarter, settings: Settings
                 ) -> dict[str, pd.DataFrame]:
    """eNPS by team, the managers' customer outcomes of the last two years and how they
    go with the managers' satisfaction (none without employee surveys)."""
    if not data.has("employee_surveys"):
        return {}

    window = [q for q in Quarter.span(quarter.shift(-7), quarter) if q >= first]
    outcomes = team.kam_outcomes(data, window, settings)
    return {"enps_teams": team.enps_by_team(data, quarter, settings.min_group_size,
                                            settings.confidence_level),
            "kam_outcomes": outcomes,
            "enps_association": team.association(outcomes, settings.confidence_level),
            "enps_terciles": team.terciles(outcomes, settings.confidence_level)}


def _lookback(quarter: Quarter, first: Quarter) -> list[Quarter]:
    """The up to :data:`LOOKBACK_QUARTERS` quarters before ``quarter``, latest first."""
    return [q for q in (quarter.shift(-k) for k in range(1, LOOKBACK_QUARTERS + 1))
            if q >= first]


def earlier_kpis(data, quarter: Quarter, first: Quarter, settings: Settings,
                 kpis: pd.DataFrame, family_of: dict[str, str]) -> pd.DataFrame:
    """KAM-grain rows of earlier quarters for the KPIs without observations this quarter.

    A KPI with no observations in the quarter (NPS in a quarter without a survey
    wave: no row, or a company row with ``n == 0``) is shown on the pages with its
    latest figure within the last 12 months, labelled with that figure's period. The
    trend carries the company and segment grains of earlier quarters; this frame adds
    the KAM grain, so that a scorecard or a table by account manager can show the
    latest wave too. For each such KPI, the up to :data:`LOOKBACK_QUARTERS` previous
    quarters are computed (latest first, only the families that hold the missing
    KPIs) until every one has a figure; only the KAM rows of those KPIs are kept.

    Parameters
    ----------
    kpis : the quarter's long KPI table.
    family_of : KPI id -> name in :data:`kamlib.kpis.compute.FAMILIES`.

    Returns
    -------
    The long KPI table's columns; empty when every KPI has observations this quarter.
    """

    comp = kpis[kpis.grain == "company"]
    observed = comp[comp.value.notna() | (comp.n.fillna(0) > 0)].kpi
    missing = {k for k in family_of if k not in set(observed)}
    out = [kpis.iloc[0:0]]
    for q in _lookback(quarter, first):
        fams = sorted({family_of[k] for k in missing})
        if not fams:
            break
        pq = Period(data, q, settings, grains=("company", "kam"))
        t = frame([r for fam in fams for r in FAMILIES[fam](pq)])
        t = attach_targets(t, read_targets(data), settings)  # targets: each quarter's own
        t = t[t.kpi.isin(missing)]
        out.append(t[t.grain == "kam"])
        found = t[(t.grain == "company") & t.value.notna()].kpi
        missing -= set(found)
    return pd.concat(out, ignore_index=True)


# -- What changed ------------------------------------------------------------------------------
#: the quarters back that "What changed" compares with (the previous quarter, a year before)
CHANGE_QUARTERS = (1, 4)
#: bootstrap draws of the comparison quarters' KAM and account rows (their intervals only
#: enter a difference's standard error, where 200 draws are plenty)
CHANGE_DRAWS = 200


def change_frames(data, quarter: Quarter, first: Quarter, settings: Settings, p
                  ) -> dict[str, pd.DataFrame]:
    """The KAM and account rows of the previous quarter and of a year before, which
    "What changed" compares the quarter's with (the trend has the company and segment
    rows): the families of the trend, at most :data:`CHANGE_DRAWS` bootstrap draws
    (about 5 s on the sample); and each account's segment and KAM in those quarters and
    in this one (``p``, the quarter's period)."""

    cheap = settings.replace(bootstrap_draws=min(settings.bootstrap_draws, CHANGE_DRAWS))
    rows: list[dict] = []
    owners = []
    for back in CHANGE_QUARTERS:
        q = quarter.shift(-back)
        if q < first:
            continue
        pq = Period(data, q, cheap, grains=("kam", "account"))
        for fam in ("churn", "expansion", "growth", "voice", "outcomes", "interaction", "team"):
            rows += FAMILIES[fam](pq)
        owners.append(pq.attribution[["account_id", "segment", "kam_id"]].assign(period=str(q)))
    owners.append(p.attribution[["account_id", "segment", "kam_id"]].assign(period=str(quarter)))
    t = frame(rows) if rows else pd.DataFrame()
    return {"change_rows": t[t.grain.isin(["kam", "account"])] if len(t) else t,
            "change_owners": pd.concat(owners, ignore_index=True)}



# -- the book's value bridge -------------------------------------------------------------------
_BRIDGE_COLUMNS = ["grain", "group", "step", "value", "n"]


def value_bridge_frames(p) -> dict[str, Any]:
    """The book's value bridge of the quarter (:func:`kamlib.kpis.compute.period_bridge`,
    :func:`kamlib.kpis.value_bridge.bridge_steps`) for the company, each segment and each
    KAM, or why there is none.

    ``p`` is the quarter's :class:`~kamlib.kpis.compute.KpiPeriod`: its churn models of
    this quarter and of the previous one are those the KPIs used, fitted once. Returns
    ``value_bridge`` (long: one row per group and step), ``value_bridge_groups`` (wide:
    one row per group, a column per step, with the manager's ``name`` for a KAM) and
    ``value_bridge_note`` (why there is no bridge, "" when there is one).
    """
    accounts, why = period_bridge(p)
    if accounts is None:
        return {"value_bridge": pd.DataFrame(columns=_BRIDGE_COLUMNS),
                "value_bridge_groups": pd.DataFrame(columns=["grain", "group", "name",
                                                             *STEPS]),
                "value_bridge_note": why}
    steps = bridge_steps(accounts)
    wide = steps.pivot(index=["grain", "group"], columns="step", values="value")
    wide = wide[list(STEPS)].reset_index()
    wide["_g"] = wide.grain.map({g: i for i, g in enumerate(BRIDGE_GRAINS)})
    wide = wide.sort_values(["_g", "group"], kind="stable").drop(columns="_g")
    kams = p.data.frame("account_managers").set_index("kam_id")["name"].map(display_name)
    wide.insert(2, "name", wide.group.where(wide.grain != "kam",
                                            wide.group.map(kams).fillna(wide.group)))
    return {"value_bridge": steps, "value_bridge_groups": wide.reset_index(drop=True),
            "value_bridge_note": ""}
