"""Survival: Kaplan-Meier curves, the account survival panel and churn risk.

The survival panel has one row per account spell and fiscal quarter at risk, in
counting-process form on the tenure scale (days since the spell's first
``start_on``): ``entry`` is the tenure at the quarter's start (or at the spell's
start), ``tenure`` the tenure at the quarter's end, at churn or at ``as_of``, and
``event`` is 1 in the quarter holding the spell's last ``end_on`` when the spell
churned. Covariates are measured on the previous quarter, so the model predicts
from what was known before the risk period:

* ``recent_nps``: mean response score over the four quarters up to it (the
  company mean when an account had no answers);
* ``max_gap_days``: its longest contact gap (see :func:`kamlib.panels.quarter.contact_gaps`),
  in units of 30 days (``gap_30d``);
* ``inbound_share``: inbound share of its interactions;
* ``sla_compliance``: share of SLA checks met over four quarters;
* ``kam_satisfaction``: mean eNPS score of the owning KAM over four quarters;
* ``revenue_trend``: change of invoiced revenue, last four quarters over the four
  before (clipped to ±100 %);
* the segment, as indicator columns against the most common segment.
"""

from __future__ import annotations

import weakref
from datetime import timedelta

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.models.cox import ChurnModel
from kamlib.models.sbg import ShiftedBetaGeometric  # the contractual cohort model (public name)
from kamlib.panels import monthly
from kamlib.panels import quarter as panels
from kamlib.panels.coverage import first_interaction
from kamlib.panels.customers import customers_on
from kamlib.periods import Quarter, as_quarter

__all__ = ["COVARIATES", "ShiftedBetaGeometric", "covariates", "survival_panel", "snapshot",
           "align", "predict_risk", "fit_churn_model", "km_table", "km_by", "spells_for_km",
           "cohort_survivors", "cohort_table", "fill_covariates", "model_columns"]

# What a data set's churn models share, kept per data object (weakly: gone with it) and
# keyed on every argument that changes the result. The tables of a validated data set do
# not change after validation, so an entry can never go stale while the data lives.
_CONTACTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per data set, by (quarter label, its start month, grace days): the quarter's rows
of contact gaps, touches and owner (the per-quarter loop of :func:`covariates`). The
survival panels of this quarter, of the previous one and of the backtest, and their
snapshots, ask for the same quarters again."""
_FITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per data set, by (quarter label, its start month, Settings, penalizer):
:func:`fit_churn_model`'s model and panel."""
_SNAPSHOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per data set, by (quarter label, its start month, Settings): :func:`snapshot`'s frame."""

COVARIATES = ["recent_nps", "gap_30d", "inbound_share", "sla_compliance", "kam_satisfaction",
              "revenue_trend"]


# --------------------------------------------------------------------------- quarters
def _quarter_index(ym: pd.Series, start_month: int) -> pd.Series:
    """Fiscal quarter ordinal (year * 4 + q - 1) of a calendar month ordinal."""
    shifted = ym - (start_month - 1)
    fy = shifted // 12 + (0 if start_month == 1 else 1)
    return fy * 4 + (shifted % 12) // 3


def _qidx(q: Quarter) -> int:
    return q.year * 4 + q.number - 1


#: quarters whose four-quarter windows :func:`_rolling4` sums in one go (memory: each
#: row is repeated once per window of the block that holds it)
_ROLLING_BLOCK = 8


def _rolling4(frame: pd.DataFrame, key: str, cols: list[str], quarters: list[int]) -> pd.DataFrame:
    """Sums over the four quarters ending with each quarter in ``quarters`` (columns
    ``key``, ``cols``, ``qi``; the quarters in the order given, keys sorted).

    One grouped sum per block of :data:`_ROLLING_BLOCK` quarters, not one filter and
    sum per quarter: each row is put in the (up to) four windows that hold it, in its
    own order within each window, so every sum adds the same rows in the same order
    as one window at a time would (the same bits)."""
    if not len(quarters):
        return pd.DataFrame(columns=[key, *cols, "qi"])
    wanted = np.unique(np.asarray(quarters, dtype="int64"))
    codes, keys = pd.factorize(frame[key], sort=True)  # code order is key order
    qi = frame["qi"].to_numpy()
    values = {c: frame[c].to_numpy() for c in cols}
    blocks = []
    for block in np.array_split(wanted, -(-len(wanted) // _ROLLING_BLOCK)):
        rows, target = [], []
        for lag in range(4):  # a row of quarter qi counts for the windows qi .. qi + 3
            hit = np.flatnonzero(np.isin(qi + lag, block) & (codes >= 0))
            rows.append(hit)
            target.append(qi[hit] + lag)
        rows, target = np.concatenate(rows), np.concatenate(target)
        order = np.lexsort((rows, target))  # by window, then by the frame's own order
        rows, target = rows[order], target[order]
        windows = pd.DataFrame({"qi": target, "code": codes[rows],
                                **{c: v[rows] for c, v in values.items()}})
        blocks.append(windows.groupby(["qi", "code"], sort=True)[cols].sum().reset_index())
    sums = pd.concat(blocks, ignore_index=True)
    sums.insert(0, key, keys.take(sums.pop("code")).to_numpy())
    sums = sums[[key, *cols, "qi"]]
    by = dict(tuple(sums.groupby("qi", sort=False)))
    out = [by[q] for q in quarters if q in by]
    return pd.concat(out, ignore_index=True) if out else sums.iloc[0:0].reset_index(drop=True)


# --------------------------------------------------------------------------- panel
def covariates(data, quarters: list[Quarter | str], settings: Settings) -> pd.DataFrame:
    """Per account and quarter: the covariates measured on that quarter."""
    if not quarters:
        return pd.DataFrame()
    sm = settings.fiscal_year_start_month
    quarters = [as_quarter(q, sm) for q in quarters]
    last = max(quarters).end
    qis = [_qidx(q) for q in quarters]
    resp = monthly.monthly_responses(data, last)
    resp["qi"] = _quarter_index(resp.ym, sm)
    nps = _rolling4(resp, "account_id", ["answers", "score_sum"], qis)
    rev = monthly.monthly_revenue(data, last)
    rev["qi"] = _quarter_index(rev.ym, sm)
    rev_now = _rolling4(rev, "account_id", ["revenue"], qis)
    rev_before = _rolling4(rev, "account_id", ["revenue"], [q - 4 for q in qis])
    rev_before["qi"] += 4
    if data.has("sla_checks"):
        sla = monthly.monthly_sla(data, last)
        sla["qi"] = _quarter_index(sla.ym, sm)
        sla4 = _rolling4(sla, "account_id", ["checks", "met"], qis)
    else:
        sla4 = pd.DataFrame(columns=["account_id", "checks", "met", "qi"])
    if data.has("employee_surveys"):
        emp = monthly.monthly_enps(data, last)
        emp["qi"] = _quarter_index(emp.ym, sm)
        emp4 = _rolling4(emp, "kam_id", ["answers", "score_sum"], qis)
    else:
        emp4 = pd.DataFrame(columns=["kam_id", "answers", "score_sum", "qi"])
    contacts = _contact_rows(data, quarters, settings)
    rows = [contacts[q] for q in quarters]
    f = pd.concat(rows, ignore_index=True)
    f = f.merge(nps, on=["account_id", "qi"], how="left")
    f["recent_nps"] = f.score_sum / f.answers.where(f.answers > 0)
    f = f.drop(columns=["answers", "score_sum"])
    f = f.merge(emp4.rename(columns={"answers": "k_answers", "score_sum": "k_sum"}),
                on=["kam_id", "qi"], how="left")
    f["kam_satisfaction"] = f.k_sum / f.k_answers.where(f.k_answers > 0)
    f = f.merge(sla4, on=["account_id", "qi"], how="left")
    f["sla_compliance"] = f.met / f.checks.where(f.checks > 0)
    f = f.merge(rev_now, on=["account_id", "qi"], how="left").merge(
        rev_before.rename(columns={"revenue": "revenue_before"}), on=["account_id", "qi"],
        how="left")
    before = f.revenue_before.where(f.revenue_before > 0)
    f["revenue_trend"] = ((f.revenue - f.revenue_before) / before).clip(-1, 1)
    f["inbound_share"] = f.inbound / f.touches.where(f.touches > 0)
    f["gap_30d"] = f.max_gap_days / 30.0
    return f[["account_id", "qi", "kam_id", "recent_nps", "max_gap_days", "gap_30d",
              "inbound_share", "sla_compliance", "kam_satisfaction", "revenue_trend"]]


def _contact_rows(data, quarters: list[Quarter], settings: Settings) -> dict[Quarter, pd.DataFrame]:
    """Per quarter: its accounts' longest contact gap, touches, inbound touches and owner
    (columns account_id, max_gap_days, touches, inbound, qi, kam_id), each quarter's
    frame as its own computation gives it (dtypes included).

    Built once per data set, quarter, fiscal start month and grace days: those are all
    it depends on (the interaction panel, the spells and the owners of the quarter). The
    frames handed out are the cached ones; :func:`covariates` only concatenates them."""
    done = _CONTACTS.setdefault(data, {})
    grace = settings.grace_days

    def key(q: Quarter) -> tuple:  # a Quarter's own start month sets its days
        return (q.label, q.start_month, grace)

    missing = [q for q in dict.fromkeys(quarters) if key(q) not in done]
    if missing:
        ips = panels.interaction_panels(data, missing)  # all quarters in one batch of queries
        # one view of the spells serves every quarter (see _spell_starts)
        spells = panels.spells_as_of(data, max(q.end for q in missing), grace)
        for q in missing:
            owners = panels.owners_as_of(data, q.end)  # worked out once per quarter end
            spell_start = _spell_starts(spells, q)
            gaps = panels.contact_gaps(spell_start, ips[q], q)
            f = gaps[["account_id", "max_gap_days", "touches", "inbound"]].copy()
            f["qi"] = _qidx(q)
            f["kam_id"] = f.account_id.map(owners)
            done[key(q)] = f
    return {q: done[key(q)] for q in quarters}


def _spell_starts(spells: pd.DataFrame, q: Quarter) -> pd.DataFrame:
    """The start of each account's latest spell that is live in ``q`` (started by its
    last day, its last day not before the day before ``q`` starts); columns account_id,
    spell_start.

    ``spells`` may be derived as of any day from ``q.end`` on: a contract started
    after ``q.end`` comes after all those started by then, so it can only extend the
    spell running at its start (whose last day is then past ``q.end`` already) or open
    a new one; it never moves a spell's start, merges two, changes their numbers or
    whether one is live in ``q``. So one view serves every quarter up to its day."""
    live = spells[(spells.start_on <= pd.Timestamp(q.end))
                  & (spells.last_day >= pd.Timestamp(q.start - timedelta(days=1)))]
    live = live.sort_values(["account_id", "spell"]).groupby("account_id").last().reset_index()
    return live.rename(columns={"start_on": "spell_start"})[["account_id", "spell_start"]]


def survival_panel(data, as_of: Quarter | str, settings: Settings,
                   first: Quarter | str | None = None) -> pd.DataFrame:
    """The counting-process panel up to ``as_of`` (see module docstring).

    ``first`` is the first risk quarter (default: the quarter after the first one
    with interactions, so that every row has lagged covariates).
    """
    sm = settings.fiscal_year_start_month
    as_of = as_quarter(as_of, sm)
    c = panels.contracts_frame(data)
    spells = panels.spells_as_of(data, as_of.end, settings.grace_days)  # derive_spells, once
    if first is not None:
        first = as_quarter(first, sm)
    else:
        d0 = first_interaction(data)
        if d0 is None or pd.isna(d0):  # no interactions: start after the first contract
            d0 = c.start_on.min()
        first = min(Quarter.containing(pd.Timestamp(d0).date(), sm).next(), as_of)
    quarters = Quarter.span(first, as_of)
    # the interactions of as_of itself come in the same query: its snapshot (the
    # accounts to predict for) measures its covariates on it
    panels.interaction_panels(data, [*(q.previous() for q in quarters), as_of])
    cov = covariates(data, [q.previous() for q in quarters], settings)
    cov["qi"] += 1  # measured on the previous quarter, used for this one
    rows = []
    for q in quarters:
        qs, qe = pd.Timestamp(q.start), pd.Timestamp(q.end)
        sp = spells[(spells.start_on <= qe) & (spells.end_on >= qs)]
        sp = sp[~(sp.churned & (sp.end_on < qs))]
        entry = (sp.start_on.clip(lower=qs) - sp.start_on).dt.days
        stop_day = sp.end_on.where(sp.churned & (sp.end_on <= qe), qe)
        event = (sp.churned & (sp.end_on >= qs) & (sp.end_on <= qe)).astype(int)
        f = pd.DataFrame({"account_id": sp.account_id.to_numpy(), "spell": sp.spell.to_numpy(),
                          "qi": _qidx(q), "quarter": str(q), "entry": entry.to_numpy(),
                          "tenure": (stop_day - sp.start_on).dt.days.to_numpy(),
                          "event": event.to_numpy()})
        rows.append(f[f.tenure > f.entry])
    panel = pd.concat(rows, ignore_index=True).merge(cov, on=["account_id", "qi"], how="left")
    seg = data.frame("accounts").set_index("account_id")["segment"]
    panel["segment"] = panel.account_id.map(seg)
    return fill_covariates(panel)


def fill_covariates(panel: pd.DataFrame) -> pd.DataFrame:
    """Impute missing covariates (documented neutral values) and add segment indicators."""
    p = panel.copy()
    p["recent_nps"] = p.recent_nps.fillna(p.recent_nps.mean())
    p["kam_satisfaction"] = p.kam_satisfaction.fillna(p.kam_satisfaction.mean())
    p["sla_compliance"] = p.sla_compliance.fillna(p.sla_compliance.mean())
    p["inbound_share"] = p.inbound_share.fillna(p.inbound_share.mean())
    p["revenue_trend"] = p.revenue_trend.fillna(0.0)
    p["gap_30d"] = p.gap_30d.fillna(p.gap_30d.max())
    p["max_gap_days"] = p.max_gap_days.fillna(p.max_gap_days.max())
    for c in ("recent_nps", "kam_satisfaction", "sla_compliance", "inbound_share"):
        p[c] = p[c].fillna(0.0)  # only when the whole column is empty
    ref = p.segment.mode().iloc[0] if p.segment.notna().any() else None
    for s in sorted(p.segment.dropna().unique()):
        if s != ref:
            p[f"segment_{s}"] = (p.segment == s).astype(float)
    p.attrs["reference_segment"] = ref
    return p


def model_columns(panel: pd.DataFrame) -> list[str]:
    """Covariates of the churn model present in a panel (segment indicators last).

    A covariate with one value throughout (an optional table that is absent, such as
    ``sla_checks`` or ``employee_surveys``, leaves its column at the neutral fill) carries
    no information and is left out, so the model still fits."""
    seg = sorted(c for c in panel.columns if c.startswith("segment_"))
    return [c for c in COVARIATES if c in panel.columns and panel[c].nunique() > 1] + seg


# --------------------------------------------------------------------------- risk
def snapshot(data, quarter: Quarter | str, settings: Settings) -> pd.DataFrame:
    """Accounts that are customers on ``quarter.end`` with their tenure (days) and the
    covariates measured on ``quarter``: the input for next-period predictions.

    Built once per data set, quarter and settings (the KPIs and the accounts to act on
    both ask for it); a copy is returned each time."""
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    done = _SNAPSHOTS.setdefault(data, {})
    key = (quarter.label, quarter.start_month, settings)
    if key not in done:
        done[key] = _snapshot(data, quarter, settings)
    return done[key].copy()


def _snapshot(data, quarter: Quarter, settings: Settings) -> pd.DataFrame:
    sp = panels.spells_as_of(data, quarter.end, settings.grace_days)
    alive = customers_on(sp, pd.Timestamp(quarter.end))
    cur = sp[sp.account_id.isin(alive) & (sp.start_on <= pd.Timestamp(quarter.end))]
    cur = cur.sort_values(["account_id", "spell"]).groupby("account_id").last().reset_index()
    snap = pd.DataFrame({"account_id": cur.account_id,
                         "tenure": (pd.Timestamp(quarter.end) - cur.start_on).dt.days})
    cov = covariates(data, [quarter], settings).drop(columns="qi")
    snap = snap.merge(cov, on="account_id", how="left")
    seg = data.frame("accounts").set_index("account_id")["segment"]
    snap["segment"] = snap.account_id.map(seg)
    return snap


def align(snap: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Fill a snapshot's missing covariates as in the training panel and add the same
    segment indicators."""
    s = snap.copy()
    for c in ("recent_nps", "kam_satisfaction", "sla_compliance", "inbound_share"):
        s[c] = s[c].fillna(panel[c].mean())
    s["revenue_trend"] = s.revenue_trend.fillna(0.0)
    s["gap_30d"] = s.gap_30d.fillna(panel.gap_30d.max())
    for c in panel.columns:
        if c.startswith("segment_"):
            s[c] = (s.segment == c[len("segment_"):]).astype(float)
    return s


def predict_risk(model, snap: pd.DataFrame, quarter_days: int = 92,
                 horizon_years: int = 10) -> pd.DataFrame:
    """Churn probability over the next quarter and year, expected remaining lifetime
    within the horizon (years), and the yearly conditional survival S(t + k | t)."""
    k_days = 365.25 * np.arange(1, horizon_years + 1)
    s = model.conditional_survival(snap, "tenure", np.r_[quarter_days, k_days])
    out = snap[["account_id", "tenure"]].copy()
    out["churn_next_quarter"] = 1 - s[:, 0]
    out["churn_next_year"] = 1 - s[:, 1]
    grid = np.linspace(0, horizon_years * 365.25, 12 * horizon_years + 1)
    sg = model.conditional_survival(snap, "tenure", grid)
    out["remaining_years"] = np.trapezoid(sg, grid, axis=1) / 365.25
    yearly = pd.DataFrame(s[:, 1:], columns=[f"s_{k}" for k in range(1, horizon_years + 1)])
    return pd.concat([out.reset_index(drop=True), yearly], axis=1)


def fit_churn_model(data, quarter: Quarter | str, settings: Settings, penalizer: float = 0.0):
    """Build the panel up to ``quarter`` and fit the Cox model; returns (model, panel).

    Fitted once per data set, quarter, settings and penalizer: a second call with the
    same arguments returns the same model (read-only: predicting does not change it)
    and a copy of the panel. A :class:`ModelInputError` is raised again each time."""
    q = as_quarter(quarter, settings.fiscal_year_start_month)
    done = _FITS.setdefault(data, {})
    key = (q.label, q.start_month, settings, float(penalizer))
    if key not in done:
        panel = survival_panel(data, q, settings)
        model = ChurnModel(penalizer=penalizer).fit(panel, "tenure", "event",
                                                    covariates=model_columns(panel),
                                                    entry_col="entry")
        done[key] = (model, panel)
    model, panel = done[key]
    return model, panel.copy()


# --------------------------------------------------------------------------- Kaplan-Meier
def km_table(durations, events, entry=None, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival with its interval and the number at risk, per time."""
    from lifelines import KaplanMeierFitter

    km = KaplanMeierFitter(alpha=1 - level).fit(durations, events, entry=entry)
    ci = km.confidence_interval_survival_function_
    et = km.event_table
    return pd.DataFrame({"time": km.survival_function_.index.to_numpy(float),
                         "survival": km.survival_function_.iloc[:, 0].to_numpy(),
                         "low": ci.iloc[:, 0].to_numpy(), "high": ci.iloc[:, 1].to_numpy(),
                         "at_risk": et["at_risk"].reindex(km.survival_function_.index)
                         .to_numpy()})


def spells_for_km(data, quarter: Quarter | str, settings: Settings) -> pd.DataFrame:
    """Spells with duration in years, event flag, segment and acquisition cohort (year of
    the spell's start)."""
    quarter = as_quarter(quarter, settings.fiscal_year_start_month)
    sp = panels.spells_as_of(data, quarter.end, settings.grace_days)
    seg = data.frame("accounts").set_index("account_id")["segment"]
    return pd.DataFrame({"account_id": sp.account_id, "segment": sp.account_id.map(seg),
                         "cohort": sp.start_on.dt.year, "years": sp.duration_days / 365.25,
                         "churned": sp.churned.astype(int), "start_on": sp.start_on})


def km_by(spells: pd.DataFrame, by: str, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier curves per group (``segment`` or ``cohort``), long format."""
    out = []
    for g, sub in spells.groupby(by, sort=True):
        out.append(km_table(sub.years, sub.churned, level=level).assign(group=str(g)))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


# --------------------------------------------------------------------------- cohorts
def cohort_survivors(spells: pd.DataFrame, as_of, first_year: int | None = None,
                     period_days: float = 365.25) -> dict[int, list[int]]:
    """Customers of each acquisition cohort (year of the first spell's start) still
    customers after 0, 1, 2, ... whole periods, counting only periods complete by
    ``as_of``. Cohorts before ``first_year`` (acquired before the data's history, so
    their early churners are missing) are left out."""
    sp = spells.sort_values(["account_id", "start_on"]).groupby("account_id").first()
    as_of = pd.Timestamp(as_of)
    out: dict[int, list[int]] = {}
    for year, g in sp.groupby(sp.start_on.dt.year):
        if first_year is not None and year < first_year:
            continue
        # periods complete for every member of the cohort
        k_max = int(np.floor((as_of - pd.Timestamp(f"{year}-12-31")).days / period_days))
        if k_max < 1:
            continue
        life = g.duration_days.to_numpy(float) / period_days
        churned = g.churned.to_numpy(bool)
        out[int(year)] = [int(len(g))] + [int(((~churned) | (life >= k)).sum())
                                          for k in range(1, k_max + 1)]
    return out


def cohort_table(survivors: dict[int, list[int]]) -> pd.DataFrame:
    """Long table cohort, year, survivors, share from :func:`cohort_survivors`."""
    rows = [{"cohort": c, "year": k, "survivors": n, "share": n / s[0]}
            for c, s in survivors.items() for k, n in enumerate(s)]
    return pd.DataFrame(rows, columns=["cohort", "year", "survivors", "share"])
