"""What the pages show beyond the stored results, shaped once when the bundle is built.

:func:`page_results` takes a bundle as it was stored (the KPIs, accounts, model and
survey frames, read back from the bundle's folder exactly as a page reads them) and
computes everything the pages show from it: the lists of accounts and value at risk,
the comparison of account managers, the NPS answers by segment and manager, the
objectives falling short and the link between leading and lagging objectives, the
recent cohorts, the verdicts of the model checks, the calibration of the backtest, the
team's tables and the data-quality totals. The notebooks then only format and show
them.

:func:`largest_note` is a small helper of the pages' titles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from kamlib import present
from kamlib.data.contract import RULES
from kamlib.kpis import attention
from kamlib.kpis import changes as change_tests
from kamlib.kpis.objectives import falling_short, objective_link
from kamlib.models.diagnostics import calibration_bins
from kamlib.present.rows import kpi_row, shift_quarter
from kamlib.report import accounts as account_lists
from kamlib.report import acquisition_value  # value by acquisition channel
from kamlib.report.actions import action_results
from kamlib.report.churn_model import ph_verdicts, recent_cohorts
from kamlib.report.comparisons import compare_managers
from kamlib.report.facts import ContactGapFacts, DataQualityFacts, HeadlineFacts
from kamlib.report.paths import page_paths
from kamlib.report.value_marks import value_results  # most valuable accounts
from kamlib.stats import nps_difference, p_value_from_interval

if TYPE_CHECKING:
    from kamlib.report.bundle import Bundle

__all__ = ["CALIBRATION_BINS", "TOP_BARS", "KamCard", "headline_facts", "kam_card", "largest_note",
           "latest_responses", "link_pages", "objectives_below_target", "page_results",
           "scorecard_ids"]

#: risk groups (equal numbers of accounts) of the calibration chart
CALIBRATION_BINS = 5
#: bars drawn by :func:`kamlib.plots.survival.plot_value_at_risk`
TOP_BARS = 15

_NPS_PARTS = ["detractors", "passives", "promoters"]
_OUTCOMES = {"customer_nps": "Customers' NPS", "churn_rate": "Customers' churn rate"}
_THIRDS = {"low": "Least satisfied third", "mid": "Middle third", "high": "Most satisfied third"}


def page_results(b: Bundle) -> dict[str, Any]:
    """Every page result of ``b``, by the :class:`~kamlib.report.bundle.Bundle` field it
    fills (``dataclasses.replace(b, **page_results(b))`` completes the bundle)."""
    out: dict[str, Any] = {}
    out.update(_accounts(b))
    out.update(_managers(b, out["account_view"]))
    out.update(_voice(b))
    out.update(_objectives(b))
    out.update(_churn_model(b))
    out.update(_team(b))
    out.update(_data_quality(b))
    out["headline"] = headline_facts(b)
    # -- accounts to act on: drivers and next steps in the ranking, the renewal calendar
    out.update(action_results(b, out["account_view"]))
    out.update(_what_changed(b))  # What changed
    out["objectives_below_target"] = objectives_below_target(b)  # scorecard
    # -- links: the scorecards and account pages names link to
    out["pages"] = link_pages(b, out["account_view"])
    out["kam_shrunk"] = _with_kam_id(b.kam_shrunk)
    # -- value by acquisition channel: the note when the cost KPIs have no figure
    out["acquisition_costs_note"] = acquisition_value.costs_note(
        b.kpis, acquisition_value.costs_supplied(b.validation))
    out["channel_value"] = acquisition_value.channel_table(b.kpis)
    # -- most valuable accounts and what marks them
    out.update(value_results(b, out["account_view"]))
    return out


# -- links ---------------------------------------------------------------------------------------
def scorecard_ids(b: Bundle) -> list[str]:
    """The managers who get a scorecard: every owner of an account in ``b.accounts``
    (what ``kam report`` renders without ``--kam``)."""
    if "kam_id" not in b.accounts:
        return []
    return sorted(b.accounts.kam_id.dropna().astype(str).unique())


def link_pages(b: Bundle, account_view: pd.DataFrame,
               kam_ids: list[str] | None = None) -> pd.DataFrame:
    """The pages the report's names link to (:func:`kamlib.report.paths.page_paths`):
    the scorecards of ``kam_ids`` (default :func:`scorecard_ids`) and the page of each
    current account (the rows of ``account_view``)."""
    kams = scorecard_ids(b) if kam_ids is None else kam_ids
    accounts = account_view.account_id.astype(str) if "account_id" in account_view else []
    return page_paths(kams, accounts)


def _with_kam_id(shrunk: pd.DataFrame) -> pd.DataFrame:
    """The managers' shrunken rates with ``kam_id`` (their ``group``), so the team page
    links each manager's name to the scorecard."""
    if len(shrunk) == 0 or "group" not in shrunk or "kam_id" in shrunk:
        return shrunk
    return shrunk.assign(kam_id=shrunk["group"])


def latest_responses(b: Bundle) -> pd.DataFrame:
    """Survey answers per account: the quarter's when it had a survey, else those of the
    latest wave within the last 12 months (``responses_latest``), else the quarter's
    empty frame."""
    if len(b.responses) == 0 and b.responses_period and b.responses_latest is not None \
            and len(b.responses_latest):
        return b.responses_latest
    return b.responses


def largest_note(frame: pd.DataFrame, top: int = TOP_BARS) -> str:
    """``" (the 15 largest)"`` for a title over a chart of the first ``top`` rows of a
    longer ``frame``, else ``""``.

    >>> largest_note(pd.DataFrame({"a": range(20)})), largest_note(pd.DataFrame({"a": [1]}))
    (' (the 15 largest)', '')
    """
    return f" (the {min(len(frame), top)} largest)" if len(frame) > top else ""


def _overlap(a: dict, b: dict) -> bool:
    """Whether two rows' intervals overlap (True when a bound is missing)."""
    if any(pd.isna(x) for x in (a["low"], a["high"], b["low"], b["high"])):
        return True
    return not (a["high"] < b["low"] or b["high"] < a["low"])


def headline_facts(b: Bundle) -> HeadlineFacts:
    """The verdicts of the executive summary's sentences: whether churn moved beyond
    chance, where the value at risk sits, whether the NPS change is significant, and
    where employee NPS's interval lies against zero."""
    q = str(b.quarter)
    churn = kpi_row(b.kpis, "logo_churn_rate", period=q)
    before = kpi_row(b.trend, "logo_churn_rate", period=shift_quarter(q, -1))
    facts: dict[str, Any] = {"churn_overlap": _overlap(churn, before)}

    clv = b.clv if b.clv is not None else pd.DataFrame()
    if len(clv) and "value_at_risk" in clv and clv["value_at_risk"].sum() > 0:
        var = clv.sort_values(["value_at_risk", "account_id"], ascending=[False, True])
        total = float(var["value_at_risk"].sum())
        top = var.head(3)
        names = dict(zip(b.accounts["account_id"], b.accounts["name"], strict=False)) \
            if "name" in b.accounts else {}
        facts.update(value_at_risk=total,
                     value_at_risk_of_clv=total / float(clv["clv"].sum())
                     if clv["clv"].sum() > 0 else None,
                     top_accounts=[str(names.get(a, a)) for a in top["account_id"]],
                     top_account_ids=[str(a) for a in top["account_id"]],  # -- links
                     top_share=float(top["value_at_risk"].sum()) / total)

    nps = present.latest(b.kpis, b.trend, "nps", quarter=q)
    if not pd.isna(nps["value"]):
        for kpi in ("nps_change_qoq", "nps_change_yoy"):
            ch = kpi_row(b.trend if nps["earlier"] else b.kpis, kpi, period=nps["period"])
            if not pd.isna(ch["value"]):
                p = p_value_from_interval(ch["value"], ch["low"], ch["high"])
                facts.update(nps_change=kpi, nps_change_p=p,
                             nps_change_significant=bool(p < 0.05))
                break

    enps = present.latest(b.kpis, b.trend, "enps", quarter=q)
    if not (pd.isna(enps["low"]) or pd.isna(enps["high"])):
        facts["enps_vs_zero"] = ("below" if enps["high"] < 0 else
                                 "above" if enps["low"] > 0 else "includes")
    return HeadlineFacts(**facts)


def _accounts(b: Bundle) -> dict[str, Any]:
    view = account_lists.account_view(b.accounts, b.clv, latest_responses(b), b.kams)
    threshold = b.settings.gap_alert_days
    alerts = attention.contact_alerts(view, threshold)
    return {
        "account_view": view,
        "books": view.sort_values(["clv", "account_id"], ascending=[False, True]),
        "risk_ranking": attention.accounts_to_act_on(view, top=None),
        "contact_alerts": alerts,
        "contact_gaps": ContactGapFacts(threshold=threshold, accounts=len(alerts),
                                        still_silent=int(alerts.still_silent.sum())),
        "value_at_risk_kam": account_lists.value_at_risk(view, "kam_id", b.kam_names),
        "value_at_risk_segment": account_lists.value_at_risk(view, "segment"),
        "lifetime": replace(b.lifetime, mean_churn_next_year=view.churn_next_year.mean()),
    }


def _managers(b: Bundle, view: pd.DataFrame) -> dict[str, Any]:
    frames, facts = compare_managers({"kam_trailing": b.kam_trailing, "kpis": b.kpis},
                                     b.kam_names, b.settings.seed)
    churn = frames["kam_funnel"]
    churn = churn[churn.kpi == "logo_churn_rate"]
    return {**frames, "comparisons": facts,
            "kam_summary": account_lists.kam_summary(b.kams, view, churn)}


def _voice(b: Bundle) -> dict[str, Any]:
    responses = latest_responses(b)
    by_segment = responses.groupby("segment", as_index=False)[_NPS_PARTS].sum()
    by_segment["segment"] = by_segment.segment.map(present.label)
    by_kam = responses.groupby("kam_id", as_index=False)[_NPS_PARTS].sum()
    by_kam["manager"] = by_kam.kam_id.map(b.kam_names).fillna(by_kam.kam_id)
    return {"nps_segment": by_segment, "nps_kam": by_kam.sort_values("manager")}


def _objectives(b: Bundle) -> dict[str, Any]:
    objectives = b.objectives if b.objectives is not None else pd.DataFrame()
    short = objectives
    if len(objectives):
        everyone = account_lists.account_view(b.accounts, b.clv, latest_responses(b), b.kams,
                                              current=False)
        short = falling_short(objectives, everyone[["account_id", "name", "kam_name"]])
    history = b.objectives_history if b.objectives_history is not None else objectives
    link = objective_link(history, b.settings.confidence_level)
    return {"objectives_short": short, "objective_link": link.rows,
            "objective_link_note": link.note}


def _churn_model(b: Bundle) -> dict[str, Any]:
    calibration = measures = None
    if b.backtest is not None and len(b.backtest):
        calibration = calibration_bins(b.backtest, bins=CALIBRATION_BINS)
    bt = b.backtest_scores
    if bt.accounts is not None and not bt.error:
        measures = pd.DataFrame([
            {"measure": "Brier score (lower is better)", "model": bt.brier_model,
             "benchmark": bt.brier_km},
            {"measure": "Top-decile lift (higher is better)", "model": bt.lift_model,
             "benchmark": bt.lift_km},
            {"measure": "Concordance (higher is better)", "model": bt.concordance,
             "benchmark": bt.concordance_km},
        ])
    return {"km_recent_cohorts": recent_cohorts(b.km_cohort),
            "ph_check": ph_verdicts(b.ph_check, b.churn_model.factor_labels),
            "calibration": calibration, "backtest_measures": measures}


def _team(b: Bundle) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if b.enps_teams is not None and len(b.enps_teams):
        hidden = f"fewer than {b.settings.min_group_size} answers: not shown"
        out["enps_teams"] = b.enps_teams.assign(
            note=[hidden if pd.isna(v) else "" for v in b.enps_teams.enps])
    if b.enps_association is not None and len(b.enps_association):
        assoc = b.enps_association
        out["enps_association"] = assoc.assign(outcome_name=assoc.outcome.map(_OUTCOMES))
        out["enps_managers"] = int(assoc.kams.max())
    if b.enps_terciles is not None and len(b.enps_terciles):
        out["enps_terciles"] = b.enps_terciles.assign(
            third=b.enps_terciles.tercile.map(_THIRDS))
    return out


def _data_quality(b: Bundle) -> dict[str, Any]:
    v = b.validation
    read = v.rows_read.sum() if len(v) else 0
    set_aside = int(v.rows_quarantined.sum()) if len(v) else 0
    if len(v):
        v = v.assign(share=v.rows_quarantined / v.rows_read.where(v.rows_read > 0))
    faults = b.faults
    files = [f"quarantine/{t}.csv" for t in sorted(faults.table.unique())] if len(faults) else []
    return {
        "validation": v,
        "rules": pd.DataFrame({"rule": list(RULES), "meaning": list(RULES.values())}),
        "data_quality": DataQualityFacts(
            rows_read=int(read), set_aside=set_aside,
            share_set_aside=set_aside / read if set_aside else None, quarantine_files=files),
    }


# -- What changed --------------------------------------------------------------------------------
_GAP_LABEL = "standing gap"


def _what_changed(b: Bundle) -> dict[str, Any]:
    """The quarter's changes tested and ranked (:func:`kamlib.kpis.changes.what_changed`)
    with the standing gaps, and their drivers; ids are joined by the pages' names."""
    q = str(b.quarter)
    back = {shift_quarter(q, -k) for k in change_tests.VERSUS}
    grains = ["company", "segment", "kam", "account"]
    now = b.kpis[b.kpis.grain.isin(grains)]
    parts = [f for f in (b.trend, b.change_rows) if len(f)]
    earlier = pd.concat(parts, ignore_index=True) if parts else now.iloc[0:0]
    earlier = earlier[earlier.period.isin(back) & earlier.grain.isin(grains)]
    gaps = _standing_gaps(b)
    ranked, drivers = change_tests.what_changed(
        now, earlier, b.change_owners, gaps, q=b.settings.fdr_q,
        level=b.settings.confidence_level, min_n=b.settings.small_n)
    third = ranked.grain == "kam_third"
    if third.any():
        ranked.loc[third, "owners"] = "; ".join(_least_satisfied(b.kam_outcomes))
    accounts = dict(zip(b.accounts.account_id.astype(str), b.accounts["name"], strict=False)) \
        if "name" in b.accounts else {}
    kams = b.kam_names

    def names(ids: Any, lookup: dict) -> str | None:
        if ids is None or (isinstance(ids, float) and pd.isna(ids)) or ids == "":
            return None
        return "; ".join(str(lookup.get(i, i)) for i in str(ids).split("; "))

    def unit(grain: str, group: str) -> str:
        if grain == "kam":
            return str(kams.get(group, group))
        if grain == "segment":
            return str(present.label(group))
        if grain == "kam_third":
            return f"accounts of the {group} of managers"
        return "Company" if grain == "company" else str(group)

    if len(ranked):
        ranked = ranked.assign(
            unit=[unit(g, x) for g, x in zip(ranked.grain, ranked.group, strict=True)],
            account_names=[names(a, accounts) for a in ranked.accounts],
            owner_names=[names(o, kams) for o in ranked.owners],
            driver_name=[None if d is None else
                         names(d, accounts) if by == "account" else unit(by, d)
                         for by, d in zip(ranked.driver_by, ranked.driver, strict=True)])
    if len(drivers):
        drivers = drivers.assign(name=[
            accounts.get(g, g) if by == "account" else unit(by, g)
            for by, g in zip(drivers.by, drivers.group, strict=True)])
    return {"changes": ranked, "change_drivers": drivers, "change_gaps": gaps}


def _least_satisfied(outcomes: pd.DataFrame | None, top: int = 3) -> list[str]:
    """The managers of the least satisfied third (as :func:`kamlib.kpis.team.terciles`
    forms the thirds) whose accounts churned most, up to ``top`` of them."""
    if outcomes is None or len(outcomes) == 0:
        return []
    f = outcomes.dropna(subset=["satisfaction"]).copy()
    f["third"] = pd.qcut(f.satisfaction.rank(method="first"), 3, labels=["low", "mid", "high"])
    low = f[(f.third == "low") & (f.churned > 0)]
    low = low.sort_values(["churned", "kam_id"], ascending=[False, True])
    return low.kam_id.astype(str).head(top).tolist()


def _standing_gaps(b: Bundle) -> pd.DataFrame:
    """Gaps between groups of the same quarters, tested like changes: the churn of the
    accounts of the least satisfied third of the managers against the most satisfied
    third (the team page's terciles, pooled over two years), and each segment's NPS
    against the rest of the company (the quarter's answers, or the latest wave's)."""
    level = b.settings.confidence_level
    rows = []
    t = b.enps_terciles
    if t is not None and len(t) and {"low", "high"} <= set(t.tercile):
        lo, hi = (t[t.tercile == x].iloc[0] for x in ("low", "high"))
        d = change_tests.standing_gap((round(hi.churn_rate * hi.n), int(hi.n)),
                                      (round(lo.churn_rate * lo.n), int(lo.n)), level)
        rows.append({"kpi": "logo_churn_rate", "grain": "kam_third",
                     "group": "least satisfied third", "before_period": "most satisfied third",
                     "before": hi.churn_rate, "now": lo.churn_rate, "n_before": hi.n,
                     "n_now": lo.n, "test": "two_proportion", **d._asdict()})
    resp = latest_responses(b)
    if len(resp) and "segment" in resp:
        counts = resp.groupby("segment")[["promoters", "passives", "detractors"]].sum()
        total = counts.sum()
        for seg, c in counts.iterrows():
            rest = total - c
            if c.sum() == 0 or rest.sum() == 0:
                continue
            ch = nps_difference(tuple(rest), tuple(c), level=level)
            nps_now = 100 * (c.promoters - c.detractors) / c.sum()
            nps_rest = 100 * (rest.promoters - rest.detractors) / rest.sum()
            rows.append({"kpi": "nps", "grain": "segment", "group": str(seg),
                         "before_period": "rest of the company", "before": nps_rest,
                         "now": nps_now, "n_before": rest.sum(), "n_now": c.sum(),
                         "test": "nps_difference", "change": ch.value, "low": ch.low,
                         "high": ch.high, "p": ch.p_value})
    out = pd.DataFrame(rows, columns=change_tests.CHANGE_COLUMNS)
    if len(out):
        out["versus"] = _GAP_LABEL
        out["period"] = b.responses_period or str(b.quarter)
        out.loc[out.kpi == "logo_churn_rate", "period"] = \
            f"{shift_quarter(b.quarter, -7)}–{b.quarter}"
        out["relative"] = out.change / out.before.where(out.before != 0)
    return out


# -- scorecard: each manager's objectives below target --------------------------------------------
def objectives_below_target(b: Bundle) -> pd.DataFrame:
    """The objectives due this quarter below their target (attainment under 100 %: the
    same attainment as the objectives falling well short, below 80 %), with account and
    manager, the furthest short first: what each scorecard lists for its manager."""
    objectives = b.objectives if b.objectives is not None else pd.DataFrame()
    if len(objectives) == 0:
        return objectives
    everyone = account_lists.account_view(b.accounts, b.clv, latest_responses(b), b.kams,
                                          current=False)
    return falling_short(objectives, everyone[["account_id", "name", "kam_name"]],
                         cutoff=1.0)


@dataclass(frozen=True)
class KamCard:
    """The head of an account manager's scorecard (:func:`kam_card`).

    ``name`` is the id when the data has no such manager (``known`` False); ``notes``
    are the callouts under the facts, as (kind, text); ``risk_empty`` and
    ``gaps_empty`` say why the lists of accounts at risk and of contact gaps are empty.
    """

    kam_id: str
    name: str
    known: bool = False
    team: Any = None
    region: Any = None
    hired_on: Any = None
    accounts: int = 0
    clv: float = 0.0
    on_churn_funnel: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)
    risk_empty: str = ""
    gaps_empty: str = ""

    # -- scorecard: the page's title is the manager's name, this is what stands under it
    @property
    def subtitle(self) -> str:
        """What the page is, under the manager's name: "Account manager scorecard",
        the team and the region when the data has them.

        >>> KamCard("K1", "Greta Berg", True, team="team_a", region="north").subtitle
        'Account manager scorecard · Team A · North'
        """
        parts = ["Account manager scorecard"]
        parts += [present.label(x) for x in (self.team, self.region)
                  if isinstance(x, str) and x.strip()]
        return " · ".join(parts)


def kam_card(b: Bundle, kam_id: str) -> KamCard:
    """The head of ``kam_id``'s scorecard from the bundle's ``kam_summary``.

    Notes: an alert when the data has no such manager, a note when the manager has
    left (with the date), a warning when the manager has no current account.
    """

    row = b.rows("kam_summary", kam_id=kam_id)
    known = len(row) > 0
    r = row.iloc[0] if known else pd.Series(dtype=object)
    name = str(r["name"]) if known else kam_id
    accounts = int(r.get("accounts", 0)) if known else 0
    notes = [] if known else [("alert", f"There is no account manager {kam_id} in the data.")]
    if known and pd.notna(r.get("left_on")):
        notes.append(("info", f"{name} left on {present.fmt(r.get('left_on'), 'date')}."))
    if accounts == 0:
        notes.append(("warning",
                      f"{name} has no accounts this quarter, so there is no scorecard to show."))
    threshold = b.settings.gap_alert_days
    return KamCard(
        kam_id=kam_id, name=name, known=known, team=r.get("team"), region=r.get("region"),
        hired_on=r.get("hired_on"), accounts=accounts,
        clv=float(r.get("clv", 0.0)) if known else 0.0,
        on_churn_funnel=bool(r.get("on_churn_funnel", False)) if known else False,
        notes=notes,
        risk_empty="No churn model this quarter, so no value at risk." if accounts
        else "No current accounts.",
        gaps_empty=f"No account went more than {threshold} days without contact." if accounts
        else "No current accounts.")
