"""The KPIs of key account management for one quarter, as a long table.

:func:`compute_kpis` returns the table that ``kam kpis`` writes and every report
carries as ``kpis.csv``: columns ``kpi, grain, group, period, value, low, high, n,
target, status`` (the target that holds for the row and whether the value meets it,
:mod:`kamlib.kpis.targets`).
Rates are shares in [0, 1]; NPS and eNPS are on −100..100; intervals are 95 %
by default (``Settings.confidence_level``). Every id is defined once, in
:mod:`kamlib.kpis.registry` (docs/kpi-reference.md), which also says which family
computes it; the families live in small functions below, each taking the shared
:class:`Period` context.

The survival-based ids (``clv_total``, ``clv_naive_total``,
``churn_risk_next_quarter``) use the Cox churn model of :mod:`kamlib.models.survival`
and :mod:`kamlib.models.clv`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import is_detractor, is_promoter
from kamlib.errors import ParameterError
from kamlib.kpis import acquisition, acquisition_value, registry
from kamlib.kpis import value_bridge as bridge  # the book's value bridge
from kamlib.kpis.grains import (
    GRAINS,
    column,
    frame,
    groups,
    mean_rows,
    nps_rows,
    positions,
    rate_rows,
    ratio_rows,
    row,
    rows_frame,
)
from kamlib.kpis.lifetime import SurvivalFit, fit_survival
from kamlib.kpis.targets import attach_targets
from kamlib.kpis.team import enps_answers
from kamlib.models import clv
from kamlib.panels import coverage
from kamlib.panels import quarter as panels
from kamlib.panels.customers import customers_on
from kamlib.panels.mentions import mentions_by_quarter
from kamlib.panels.outcomes import objectives_by_quarter, sla_by_quarter
from kamlib.panels.period import Period
from kamlib.panels.targets import read_targets
from kamlib.periods import Quarter, as_quarter
from kamlib.stats import intervals as stats

__all__ = [
    "ALL_IDS", "FAMILIES", "KPI_IDS", "KpiPeriod", "SURVIVAL_IDS", "acquisition_kpis",
    "bridge_kpis", "period_bridge",  # the book's value bridge
    "churn_kpis", "compute_kpis", "expansion_kpis", "growth_kpis",
    "interaction_kpis", "objectives_due", "outcome_kpis", "referral_acquired",
    "resolve_quarter", "survival_kpis", "team_kpis", "voice_kpis",
    "value_kpis",  # value by acquisition channel
]

KPI_IDS = registry.ids(survival=False)
SURVIVAL_IDS = registry.ids(survival=True)
ALL_IDS = registry.ids()
"""The ids of :data:`kamlib.kpis.registry.REGISTRY` in its order (defined there, see
docs/kpi-reference.md): SURVIVAL_IDS those of the survival family, KPI_IDS the others
(from the event tables, and the value bridge from two quarters' survival models)."""


class KpiPeriod(Period):
    """A :class:`~kamlib.panels.period.Period` that also holds the quarter's churn model
    and CLV (:attr:`survival`), fitted once and read by :func:`survival_kpis` and by the
    report's CLV page alike."""

    @cached_property
    def survival(self) -> SurvivalFit:
        """The churn model and CLV of the quarter (:func:`kamlib.kpis.lifetime.fit_survival`)."""
        return fit_survival(self)

    # -- the book's value bridge: the previous quarter, whose run values the book at the start
    @cached_property
    def previous(self) -> KpiPeriod:
        """The previous quarter's period with the same settings: its churn model and CLV
        (:attr:`survival`) are the book's value at this quarter's start
        (:func:`period_bridge`)."""
        return KpiPeriod(self.data, self.quarter.previous(), self.settings)


# --------------------------------------------------------------------------- helpers
def referral_acquired(accounts: pd.DataFrame) -> pd.Series:
    """Whether each account came through a referral: ``referred_by`` is set, or the
    acquisition channel or ``heard_about_us`` says referral (case and spaces ignored)."""
    def says(col):
        if col not in accounts:
            return pd.Series(False, index=accounts.index)
        return accounts[col].astype("string").str.strip().str.lower().eq("referral") \
            .fillna(False).astype(bool)

    ref = accounts["referred_by"].notna() if "referred_by" in accounts else False
    return (says("acquisition_channel") | says("heard_about_us") | ref).astype(bool)


def _level(p: Period) -> float:
    return p.settings.confidence_level


def _boot(p: Period) -> dict:
    return {"draws": p.settings.bootstrap_draws, "seed": p.settings.seed, "level": _level(p)}


def _sum_rows(kpi: str, p: Period, f: pd.DataFrame, col: str, grains=GRAINS) -> list[dict]:
    values = column(f, col)
    return [row(kpi, g, grp, p.label, stats.Estimate(float(np.nansum(values[i])), np.nan,
                                                      np.nan, len(i)))
            for g, grp, i in positions(f, grains)]


def _km_median_rows(kpi: str, p: Period, f: pd.DataFrame, duration: str, event: str,
                    grains=GRAINS) -> list[dict]:
    """Kaplan-Meier median of ``duration`` with censoring, with its confidence interval."""
    d, e = column(f, duration), column(f, event)
    return [row(kpi, g, grp, p.label, stats.km_median(d[i], e[i], _level(p)))
            for g, grp, i in positions(f, grains)]


# --------------------------------------------------------------------------- families
def churn_kpis(p: Period) -> list[dict]:
    """Logo churn, its annualised value, and revenue churn, among customers at the start."""
    f = p.accounts[p.accounts.customer_start].assign(one=1)
    f["k"] = f.churned.astype(int)
    rows = rate_rows("logo_churn_rate", p.label, f, "k", "one", level=_level(p), grains=p.grains)
    rows += [{**r, "kpi": "logo_churn_rate_annualised",
              **{c: stats.annualise(r[c]) if r[c] == r[c] else np.nan
                 for c in ("value", "low", "high")}}
             for r in list(rows)]
    f["churned_acv"] = np.where(f.churned, f.acv_start, 0.0)
    rows += ratio_rows("revenue_churn_rate", p.label, f, "churned_acv", "acv_start", **_boot(p), grains=p.grains)
    return rows


def expansion_kpis(p: Period) -> list[dict]:
    """Upsell and cross-sell rates among customers at the start; expansion revenue."""
    f = p.accounts[p.accounts.customer_start].merge(p.invoices, on="account_id", how="left")
    f = f.fillna({c: 0 for c in ("n_upsell", "n_cross_sell", "rev_upsell", "rev_cross_sell")})
    f["one"] = 1
    f["up"] = (f.n_upsell > 0).astype(int)
    f["cross"] = (f.n_cross_sell > 0).astype(int)
    f["expansion"] = f.rev_upsell + f.rev_cross_sell
    return (rate_rows("upsell_rate", p.label, f, "up", "one", level=_level(p), grains=p.grains)
            + rate_rows("cross_sell_rate", p.label, f, "cross", "one", level=_level(p), grains=p.grains)
            + _sum_rows("expansion_revenue", p, f, "expansion", grains=p.grains))


def growth_kpis(p: Period) -> list[dict]:
    """Renewal rate, GRR/NRR, statement-of-work growth, repeat customers, referral
    revenue and SLA compliance."""
    q, s = p.quarter, p.settings
    rows: list[dict] = []
    r = p.state.renewals
    closes = r[(r.window_closes_on >= pd.Timestamp(q.start))
               & (r.window_closes_on <= pd.Timestamp(q.end))]
    closes = p.attribute(closes.assign(k=closes.renewed.astype(int), one=1))
    rows += rate_rows("renewal_rate", p.label, closes, "k", "one", level=_level(p), grains=p.grains)
    # trailing 12 months on contracted annual value, accounts that were customers then
    d0 = q.shift(-4).end
    # the values of the state's contracts on days up to the quarter's end: the data's
    # (panels.acv_as_of, worked out once per day)
    start = panels.acv_as_of(p.data, d0, s.grace_days)
    was = customers_on(p.state.spells, pd.Timestamp(d0))
    now_cust = customers_on(p.state.spells, pd.Timestamp(q.end))
    now = panels.acv_as_of(p.data, q.end, s.grace_days)
    g = pd.DataFrame({"account_id": was})
    g["start"] = g.account_id.map(start).fillna(0.0)
    g["now"] = np.where(g.account_id.isin(now_cust), g.account_id.map(now).fillna(0.0), 0.0)
    g["kept"] = np.minimum(g.now, g.start)
    g = p.attribute(g)
    rows += ratio_rows("grr", p.label, g, "kept", "start", **_boot(p), grains=p.grains)
    rows += ratio_rows("nrr", p.label, g, "now", "start", **_boot(p), grains=p.grains)
    kept = g[g.now > 0]
    rows += ratio_rows("sow_growth", p.label, kept, "now", "start", **_boot(p),
                       transform=lambda x: x - 1, grains=p.grains)
    inv = p.attribute(p.invoices.copy())
    inv["one"] = 1
    inv["repeat"] = inv.billed_before.astype(int)
    rows += rate_rows("repeat_customer_rate", p.label, inv, "repeat", "one", level=_level(p), grains=p.grains)
    referral = referral_acquired(p.attribution).set_axis(p.attribution.account_id)
    inv["ref_rev"] = np.where(inv.account_id.map(referral).fillna(False), inv.revenue, 0.0)
    inv["pos_rev"] = inv.revenue.clip(lower=0)
    inv["ref_rev"] = inv.ref_rev.clip(lower=0)
    rows += ratio_rows("referral_revenue_share", p.label, inv, "ref_rev", "pos_rev", **_boot(p), grains=p.grains)
    if p.data.has("sla_checks"):
        sla = sla_by_quarter(p.data, [q])[q]  # batched panels: one query for all quarters
        rows += rate_rows("sla_compliance", p.label, p.attribute(sla), "met", "checks",
                          level=_level(p), grains=p.grains)
    return rows


def voice_kpis(p: Period) -> list[dict]:
    """NPS (response- and account-level, with changes), references, referrals, mentions."""
    q = p.quarter
    rows: list[dict] = []
    resp = p.attribute(panels.response_panels(p.data, [q])[q])  # batched panels
    rows += nps_rows("nps", p.label, resp, level=_level(p), grains=p.grains)
    acc = resp.copy()
    acc["promoters"] = is_promoter(acc.mean_score).astype(int)
    acc["detractors"] = is_detractor(acc.mean_score).astype(int)
    acc["passives"] = 1 - acc.promoters - acc.detractors
    rows += nps_rows("nps_account_level", p.label, acc, level=_level(p), grains=p.grains)
    for kpi, other in (("nps_change_qoq", q.previous()), ("nps_change_yoy", q.year_ago())):
        prev = p.attribute(panels.response_panels(p.data, [other])[other])
        rows += _nps_change_rows(kpi, p, prev, resp, grains=p.grains)
    ref = p.attribute(panels.reference_panel(p.data, q.end))
    rows += rate_rows("reference_rate", p.label, ref, "referenced", "answered", level=_level(p), grains=p.grains)
    new = p.accounts[p.accounts.new_logo].merge(
        p.attribution[["account_id", "acquisition_channel", "referred_by", "heard_about_us"]],
        on="account_id", how="left")
    new["one"] = 1
    new["ref"] = referral_acquired(new).astype(int).to_numpy()
    rows += rate_rows("referral_acquisition_share", p.label, new, "ref", "one", level=_level(p), grains=p.grains)
    if p.data.has("mentions"):
        m = mentions_by_quarter(p.data, [q])[q]  # batched panels
        m["promoters"] = (m.sentiment >= 0.1).astype(int)
        m["detractors"] = (m.sentiment <= -0.1).astype(int)
        m["passives"] = 1 - m.promoters - m.detractors
        m = m.groupby("account_id", dropna=False)[
            ["promoters", "passives", "detractors"]].sum().reset_index()
        m["account_id"] = m["account_id"].astype(object)  # all-empty keys stay mergeable
        m = p.attribute(m)
        comp = nps_rows("mention_net_sentiment", p.label, m, grains=("company",),
                        level=_level(p), scale=0.01)
        rest = nps_rows("mention_net_sentiment", p.label, m[m.account_id.notna()],
                        grains=[g for g in p.grains if g != "company"], level=_level(p),
                        scale=0.01)
        rows += comp + rest
    return rows


def _nps_change_rows(kpi, p: Period, before: pd.DataFrame, after: pd.DataFrame,
                     grains=GRAINS) -> list[dict]:
    out = []
    cols = ["promoters", "passives", "detractors"]
    grains = [g for g in grains if g != "account"]  # one account's answers are too few
    b = dict(((g, grp), tuple(int(sub[c].sum()) for c in cols))
             for g, grp, sub in groups(before, grains))
    for g, grp, sub in groups(after, grains):
        a = tuple(int(sub[c].sum()) for c in cols)
        prev = b.get((g, grp), (0, 0, 0))
        if sum(a) == 0 or sum(prev) == 0:
            est = stats.Estimate(np.nan, np.nan, np.nan, sum(a))
        else:
            ch = stats.nps_difference(prev, a, level=_level(p))
            est = stats.Estimate(ch.value, ch.low, ch.high, sum(a))
        out.append(row(kpi, g, grp, p.label, est))
    return out


def outcome_kpis(p: Period) -> list[dict]:
    """Met rates of the objectives due in the period, leading and lagging apart."""
    if not p.data.has("objectives"):
        return []
    o = objectives_due(p)
    o = o[o.attainment.notna()]
    rows = []
    for ind in ("leading", "lagging"):
        sub = o[o.indicator == ind].groupby("account_id").agg(
            met=("met", "sum"), due=("met", "size")).reset_index()
        rows += rate_rows(f"objectives_met_{ind}", p.label, p.attribute(sub), "met", "due",
                          level=_level(p), grains=p.grains)
    return rows


def objectives_due(p: Period) -> pd.DataFrame:
    """Objectives due in the period with attainment (actual/target, or target/actual when
    lower is better) and met (attainment >= 1); attainment is NaN when not measured."""
    o = objectives_by_quarter(p.data, [p.quarter])[p.quarter]  # batched panels
    hib = o.higher_is_better.astype("boolean").fillna(True).astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.where(hib, o.actual / o.target, o.target / o.actual)
    # x / 0 with x > 0 is an infinite attainment, i.e. met; 0 / 0 stays unmeasured (NaN)
    o["attainment"] = pd.Series(att, index=o.index, dtype=float)
    o["met"] = (o.attainment >= 1).astype(int)
    return p.attribute(o)


def interaction_kpis(p: Period) -> list[dict]:
    """Touchpoints, inbound share, contact-gap alerts and request resolution time."""
    s = p.settings
    live = p.accounts[p.accounts.customer_end]
    gaps = panels.contact_gaps(live, p.interactions, p.quarter)
    f = p.attribute(gaps)
    f["one"] = 1
    f["alert"] = (f.max_gap_days > s.gap_alert_days).astype(int)
    rows = mean_rows("touchpoints_per_account", p.label, f, "touches", **_boot(p), grains=p.grains)
    rows += ratio_rows("inbound_share", p.label, f, "inbound", "touches", **_boot(p), grains=p.grains)
    rows += rate_rows("gap_alert_share", p.label, f, "alert", "one", level=_level(p), grains=p.grains)
    req = p.attribute(panels.requests_frame(p.data, p.quarter))
    if len(req):
        req["resolved"] = req.resolved.astype(bool)
        rows += _km_median_rows("resolution_median_hours", p, req, "hours", "resolved", grains=p.grains)
        # a request is due once its target time (occurred_at + target) is at or before
        # the period's end bound (the start of the day after as_of), resolved or not;
        # it is on time when resolved by then within the target
        target = s.resolution_target_hours
        req["due"] = (req.age_hours >= target).astype(int)
        req["on_time"] = (req.resolved & (req.hours <= target) & (req.due == 1)).astype(int)
        req = req[req.due == 1]
        rows += rate_rows("resolution_within_target", p.label, req, "on_time", "due",
                          level=_level(p), grains=p.grains)
    return rows


def acquisition_kpis(p: Period) -> list[dict]:
    """Conversion of the latest closed cohort (company, KAM, channel) and ideal touches."""
    s = p.settings
    pros, peaks, _ = acquisition.touch_results(p.data, p.quarter.end, s.conversion_window_days,
                                               draws=s.bootstrap_draws, seed=s.seed,
                                               level=_level(p))
    cohort = acquisition.closed_cohort(p.quarter, s.conversion_window_days)
    c = pros[(pros.first_contact_on >= pd.Timestamp(cohort.start))
             & (pros.first_contact_on <= pd.Timestamp(cohort.end))].copy()
    c["k"] = c.converted.astype(int)
    c["one"] = 1
    c["account_id"] = c.prospect_id  # grains key on account_id; unused for these grains
    rows = rate_rows("conversion_rate", p.label, c, "k", "one", grains=("company", "kam"),
                     level=_level(p))
    for ch, sub in c.groupby("channel", sort=True):
        rows.append(row("conversion_rate", "channel", ch, p.label,
                        stats.wilson(int(sub.k.sum()), len(sub), _level(p))))
    c["days"] = c.days_to_convert.where(c.converted, s.conversion_window_days).astype(float)
    rows += _km_median_rows("time_to_convert_median_days", p, c, "days", "converted",
                            grains=("company",))
    for r in peaks.itertuples():
        rows.append(row("ideal_touches", "channel", r.channel, p.label,
                        stats.Estimate(r.value, r.low, r.high, r.n)))
    return rows


def team_kpis(p: Period) -> list[dict]:
    """eNPS for the company, per KAM and per team (the KAM's team in
    ``account_managers``), suppressed below ``min_group_size`` answers."""
    if not p.data.has("employee_surveys"):
        return []
    e = enps_answers(p.data, p.quarter)
    e["account_id"] = e.kam_id
    e["segment"] = "all"
    grains = [g for g in ("company", "kam") if g in p.grains]
    if "kam" in p.grains:
        grains.append("team")
    return nps_rows("enps", p.label, e, grains=grains, level=_level(p),
                    min_n=p.settings.min_group_size)


def survival_kpis(p: KpiPeriod) -> list[dict]:
    """CLV (survival-based and naive) and next-quarter churn risk per account, from the
    quarter's churn model (:attr:`Period.survival`)."""

    s = p.settings
    fit = p.survival
    if not fit.fitted:  # e.g. no churn yet: the survival KPIs say "no data"
        return [row(kpi, "company", "all", p.label, stats.Estimate(np.nan, np.nan, np.nan, 0))
                for kpi in SURVIVAL_IDS]
    f = fit.clv
    rows = []
    for g, grp, sub in groups(f, GRAINS[:3]):
        tot = stats.bootstrap(sub.clv.to_numpy(), np.sum, draws=s.bootstrap_draws, seed=s.seed,
                              level=_level(p), vectorized=True) if len(sub) > 1 else \
            stats.Estimate(float(sub.clv.sum()), np.nan, np.nan, len(sub))
        rows.append(row("clv_total", g, grp, p.label, tot))
    annual = clv.trailing_churn_rate(p.state.spells, p.quarter)
    naive = clv.naive_total(f, annual)
    rows.append(row("clv_naive_total", "company", "all", p.label,
                    stats.Estimate(naive, np.nan, np.nan, len(f))))
    for r in f.itertuples():
        rows.append(row("churn_risk_next_quarter", "account", r.account_id, p.label,
                        stats.Estimate(float(r.churn_next_quarter), np.nan, np.nan, 1)))
    for g, grp, sub in groups(f, GRAINS[:3]):
        rows.append(row("churn_risk_next_quarter", g, grp, p.label, stats.Estimate(
            float(sub.churn_next_quarter.mean()), np.nan, np.nan, len(sub))))
    return rows


# -- the book's value bridge ------------------------------------------------------------------
def period_bridge(p: KpiPeriod) -> tuple[pd.DataFrame | None, str]:
    """Each account's part of the quarter's value bridge
    (:func:`kamlib.kpis.value_bridge.account_bridge`) between the CLV of the previous
    quarter's run (:attr:`KpiPeriod.previous`) and this quarter's, or None and why not
    (no churn model at one of the two ends)."""
    end = p.survival
    if not end.fitted:
        return None, f"No churn model at the end of {p.quarter}: {end.error}"
    start = p.previous.survival
    if not start.fitted:
        return None, (f"No churn model at the end of {p.quarter.previous()}, so no lifetime "
                      f"value at the start of {p.quarter}: {start.error}")
    return bridge.account_bridge(start.clv, end.clv, p.settings.discount_rate), ""


def bridge_kpis(p: KpiPeriod) -> list[dict]:
    """The parts of the book's value bridge (``clv_bridge_*``) for the company, each
    segment and each KAM; without a churn model at either end of the quarter, rows
    without a value for the groups of the quarter's customers."""
    grains = [g for g in bridge.GRAINS if g in p.grains]
    accounts, _why = period_bridge(p)
    if accounts is None:
        acc = p.accounts[p.accounts.customer_start | p.accounts.customer_end]
        none = stats.Estimate(np.nan, np.nan, np.nan, 0)
        return [row(bridge.kpi_id(part), g, grp, p.label, none)
                for g, grp, _i in positions(acc, grains) for part in bridge.PARTS]
    steps = bridge.bridge_steps(accounts, grains)
    steps = steps[steps.step.isin(bridge.PARTS)]
    return [row(bridge.kpi_id(r.step), r.grain, r.group, p.label,
                stats.Estimate(r.value, np.nan, np.nan, r.n)) for r in steps.itertuples()]
# -- value by acquisition channel: CLV per channel, CAC, CLV:CAC, payback ------------------
def value_kpis(p: Period) -> list[dict]:
    """Mean CLV per acquisition channel, and, from the optional acquisition costs, CAC,
    CLV:CAC and payback months per channel and KAM (:mod:`kamlib.kpis.acquisition_value`;
    "no data" rows without costs). Reads the quarter's churn model when ``p`` has one."""
    return acquisition_value.value_rows(p)


FAMILIES: dict[str, Callable[[Period], list[dict]]] = {
    name: globals()[function] for name, function in registry.families().items()}
"""Each computing family (:data:`kamlib.kpis.registry.FAMILY_TITLES`) with its function,
in the order they run; the registry says which family computes which id."""


def resolve_quarter(data, quarter: Quarter | str | None, settings: Settings) -> Quarter:
    """``quarter`` checked against the data, or the latest complete quarter when None."""
    first, last = coverage.data_quarters(data, settings)
    if quarter is None:
        return last
    try:
        q = as_quarter(quarter, settings.fiscal_year_start_month)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    if not first <= q <= last:
        raise ParameterError(f"quarter {q} is outside the data, which covers {first}..{last} "
                             "(complete quarters only)")
    return q


def compute_kpis(data, quarter: Quarter | str, settings: Settings | None = None,
                 progress: Callable[[str], None] | None = None,
                 period: KpiPeriod | None = None) -> pd.DataFrame:
    """The long KPI table for one quarter.

    Parameters
    ----------
    data : a :class:`~kamlib.data.validate.ValidatedData`.
    quarter : the reporting quarter (its last day is ``as_of``).
    settings : the settings (default ``Settings()``, the documented defaults; the command
        line passes the project's ``kam.toml``).
    progress : called with each family's name before it runs.
    period : a :class:`KpiPeriod` to compute in, so that a caller can reuse what the
        families computed (the churn model, CLV) instead of computing it again.
    """
    settings = settings if settings is not None else Settings()
    q = as_quarter(quarter, settings.fiscal_year_start_month)
    p = period if period is not None else KpiPeriod(data, q, settings)
    parts: list[pd.DataFrame] = []  # each family's rows as columns, not dicts
    for name, fam in FAMILIES.items():
        if progress:
            progress(name)
        if got := fam(p):
            parts.append(rows_frame(got))
    # -- targets: each row's target and status (kamlib.kpis.targets)
    return attach_targets(frame(parts), read_targets(data), settings)
