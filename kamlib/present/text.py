"""Text for the pages: boxed messages, notes, lists, facts and sentences from the data.

:func:`callout`, :func:`section_note`, :func:`bullets` and :func:`facts` show text
(escaped, from the templates ``present/callout.html.j2`` and others);
:func:`headlines` writes a few factual sentences from a bundle's figures;
:func:`account_view` gathers what the pages show about each account and
:func:`objective_link` tables how leading objectives go with lagging ones.

>>> callout("Churn <rose>", "warning")
'<div class="kam-callout kam-warning">Churn &lt;rose&gt;</div>'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from kamlib.present.figures import latest, period_label
from kamlib.present.format import fmt, interval, money, pct, signed
from kamlib.present.format import missing as _missing
from kamlib.present.format import whole_points as _nps
from kamlib.present.markup import render
from kamlib.present.rows import kpi_row as _row
from kamlib.present.rows import shift_quarter as _shift
from kamlib.present.tables import table
from kamlib.stats import intervals as stats

__all__ = [
    "account_view",
    "bullets",
    "callout",
    "facts",
    "headlines",
    "latest_responses",
    "objective_link",
    "section_note",
    "wave_title",
]


def callout(text: str, kind: str = "info", title: str | None = None) -> str:
    """A boxed message; ``kind`` is ``info``, ``good``, ``warning`` or ``alert``.

    Examples
    --------
    >>> callout("Churn <rose>", "warning")
    '<div class="kam-callout kam-warning">Churn &lt;rose&gt;</div>'
    """
    kind = kind if kind in ("info", "good", "warning", "alert") else "info"
    return render("present/callout.html.j2", kind=kind, title=title, text=text)


def section_note(text: str) -> str:
    """A short muted note under a chart or table.

    Examples
    --------
    >>> section_note("n = 5 & fewer")
    '<p class="kam-note">n = 5 &amp; fewer</p>'
    """
    return render("present/note.html.j2", text=text)


def bullets(items: Iterable[str]) -> str:
    """A bulleted list of sentences.

    Examples
    --------
    >>> bullets(["One.", "Two <2>."])
    '<ul class="kam-list"><li>One.</li><li>Two &lt;2&gt;.</li></ul>'
    """
    return render("present/bullets.html.j2", items=items)


def facts(pairs: Iterable[tuple[str, Any]]) -> str:
    """Label-value pairs in a compact grid (e.g. a KAM's name, team and accounts).

    Examples
    --------
    >>> facts([("Team", "Team A"), ("Accounts", "8")]).count('class="kam-fact"')
    2
    """
    return render("present/facts.html.j2", pairs=pairs)


# -- sentences from the data --------------------------------------------------------------


def _p_value(r: dict, level: float = 0.95) -> float:
    """Two-sided p-value of ``value == 0`` from a symmetric normal interval."""
    if any(_missing(r[k]) for k in ("value", "low", "high")) or r["high"] <= r["low"]:
        return np.nan
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    se = (r["high"] - r["low"]) / (2 * z)
    return 2 * (1 - NormalDist().cdf(abs(r["value"]) / se))


def _overlap(a: dict, b: dict) -> bool:
    if any(_missing(x) for x in (a["low"], a["high"], b["low"], b["high"])):
        return True
    return not (a["high"] < b["low"] or b["high"] < a["low"])


def _frame(bundle: Any, name: str) -> pd.DataFrame:
    """The bundle's frame ``name``; an empty frame when it has none (e.g. no survival model)."""
    try:
        return bundle.frame(name)
    except (AttributeError, LookupError, OSError, TypeError, ValueError):
        return pd.DataFrame()


def headlines(bundle: Any) -> list[str]:
    """Three to six plain-language sentences written from a bundle's figures.

    Churn against last quarter, the value at risk and where it sits, NPS and its
    change, revenue retention, employee NPS and CLV: each with its 95 % interval,
    and hedged (the change "may be chance") when the intervals overlap or the
    change is not significant.

    Parameters
    ----------
    bundle : a :class:`kamlib.report.bundle.Bundle` (``frame(name)``, ``meta``, ``quarter``).

    Returns
    -------
    list of sentences (plain text; show them with :func:`bullets`).
    """
    kpis = _frame(bundle, "kpis")
    trend = _frame(bundle, "trend")
    meta = getattr(bundle, "meta", {}) or {}
    q = str(meta.get("quarter", getattr(bundle, "quarter", "")))
    currency = (meta.get("settings") or {}).get("currency", "EUR")
    prev = _shift(q, -1)
    out: list[str] = []

    churn = _row(kpis, "logo_churn_rate", period=q)
    if not _missing(churn["value"]):
        before = _row(trend, "logo_churn_rate", period=prev)
        s = (f"Logo churn was {pct(churn['value'])} this quarter (95 % interval "
             f"{interval(churn['low'], churn['high'], 'pct')}, {churn['n']:,} customers at the "
             "start)")
        if not _missing(before["value"]):
            s += f", against {pct(before['value'])} last quarter"
            s += ("; the intervals overlap, so the change may be chance."
                  if _overlap(churn, before) else
                  "; the intervals do not overlap, so the change is unlikely to be chance.")
        else:
            s += "."
        out.append(s)

    clv = _frame(bundle, "clv")
    if len(clv) and "value_at_risk" in clv and clv["value_at_risk"].sum() > 0:
        var = clv.sort_values(["value_at_risk", "account_id"], ascending=[False, True])
        total = float(var["value_at_risk"].sum())
        top = var.head(3)
        share = float(top["value_at_risk"].sum()) / total
        acc = _frame(bundle, "accounts")
        names = dict(zip(acc["account_id"], acc["name"], strict=False)) if "name" in acc else {}
        who = ", ".join(str(names.get(a, a)) for a in top["account_id"])
        of_clv = total / float(clv["clv"].sum()) if clv["clv"].sum() > 0 else np.nan
        out.append(f"Value at risk next year (each account's lifetime value times its chance "
                   f"of churning within a year): {money(total, currency)}, {pct(of_clv)} of "
                   f"the total lifetime value; {pct(share, 0)} of it sits in {len(top)} "
                   f"accounts ({who}).")

    nps = latest(kpis, trend, "nps", quarter=q)
    if not _missing(nps["value"]):
        s = (f"NPS is {_nps(nps['value'])} (95 % interval "
             f"{interval(nps['low'], nps['high'], 'nps')}, {nps['n']:,} responses)")
        if nps["earlier"]:
            s = (f"There was no NPS survey in {q}; in the latest wave ({nps['period']}) NPS "
                 f"was {_nps(nps['value'])} (95 % interval "
                 f"{interval(nps['low'], nps['high'], 'nps')}, {nps['n']:,} responses)")
        for kpi, when in (("nps_change_qoq", "the quarter before"),
                          ("nps_change_yoy", "the same quarter a year before")):
            ch = _row(trend if nps["earlier"] else kpis, kpi, period=nps["period"])
            if not _missing(ch["value"]):
                p = _p_value(ch)
                verdict = ("not significant" if _missing(p) or p >= 0.05
                           else "unlikely to be chance")
                s += (f"; against {when} it moved {signed(ch['value'], 'nps')} points "
                      f"({interval(ch['low'], ch['high'], 'nps')}), which is {verdict} "
                      f"(p = {fmt(p, 'p')})")
                break
        out.append(s + ".")

    nrr = _row(kpis, "nrr", period=q)
    if not _missing(nrr["value"]):
        s = (f"Net revenue retention over the last 12 months is {pct(nrr['value'])} (95 % "
             f"interval {interval(nrr['low'], nrr['high'], 'ratio')})")
        grr = _row(kpis, "grr", period=q)
        if not _missing(grr["value"]):
            s += (f"; without expansion (gross retention) it is {pct(grr['value'])} "
                  f"({interval(grr['low'], grr['high'], 'ratio')})")
        out.append(s + ".")

    enps = latest(kpis, trend, "enps", quarter=q)
    if not _missing(enps["value"]):
        s = (f"Employee NPS is {_nps(enps['value'])} (95 % interval "
             f"{interval(enps['low'], enps['high'], 'nps')}, {enps['n']:,} answers)")
        if enps["earlier"]:
            s = (f"There was no employee survey in {q}; in the latest one ({enps['period']}) "
                 f"employee NPS was {_nps(enps['value'])} (95 % interval "
                 f"{interval(enps['low'], enps['high'], 'nps')}, {enps['n']:,} answers)")
        if not (_missing(enps["low"]) or _missing(enps["high"])):
            if enps["high"] < 0:
                s += "; the whole interval lies below zero: more detractors than promoters"
            elif enps["low"] > 0:
                s += "; the whole interval lies above zero"
            else:
                s += "; the interval includes zero"
        ya = _row(trend, "enps", period=_shift(enps["period"], -4))
        if not _missing(ya["value"]):
            s += f" (a year {'before' if enps['earlier'] else 'ago'}: {_nps(ya['value'])})"
        out.append(s + ".")

    total = _row(kpis, "clv_total", period=q)
    if not _missing(total["value"]) and len(out) < 6:
        s = (f"The lifetime value of the {total['n']:,} current accounts is "
             f"{money(total['value'], currency)} (95 % interval "
             f"{interval(total['low'], total['high'], 'money', currency)})")
        naive = _row(kpis, "clv_naive_total", period=q)
        if not _missing(naive["value"]):
            s += (f"; the simple formula (yearly margin divided by the yearly churn rate, "
                  f"undiscounted) would say {money(naive['value'], currency)}")
        out.append(s + ".")
    return out[:6]


def wave_title(bundle: Any, what: str = "NPS answer (out of 10)") -> str:
    """A title or column header over survey answers (:func:`latest_responses`) that
    names the survey wave when the answers come from an earlier quarter.

    Examples
    --------
    >>> class B:
    ...     meta = {"quarter": "2026Q2", "responses_period": "2026Q1"}
    ...     def frame(self, name):
    ...         return pd.DataFrame({"account_id": ["A1"]} if name == "responses_latest" else {})
    >>> wave_title(B())
    'NPS answer (out of 10), 2026Q1 wave'
    """
    _frame_, period = latest_responses(bundle)
    here = str((getattr(bundle, "meta", {}) or {}).get("quarter", ""))
    return what if not period or period == here else f"{what}, {period_label('nps', period)}"


def latest_responses(bundle: Any) -> tuple[pd.DataFrame, str]:
    """Survey answers per account for the pages, and their quarter.

    The quarter's own answers when it had a survey; otherwise those of the latest
    wave within the last 12 months (``responses_latest`` in the bundle); otherwise
    an empty frame and the reported quarter.

    Examples
    --------
    >>> class B:
    ...     meta = {"quarter": "2026Q2", "responses_period": "2026Q1"}
    ...     def frame(self, name):
    ...         return pd.DataFrame({"account_id": ["A1"]} if name == "responses_latest" else {})
    >>> answers, period = latest_responses(B())
    >>> list(answers.account_id), period
    (['A1'], '2026Q1')
    """
    meta = getattr(bundle, "meta", {}) or {}
    here = str(meta.get("quarter", ""))
    resp = _frame(bundle, "responses")
    if len(resp) == 0 and meta.get("responses_period"):
        earlier = _frame(bundle, "responses_latest")
        if len(earlier):
            return earlier, str(meta["responses_period"])
    return resp, here


# -- data shaping for the pages -----------------------------------------------------------


def account_view(bundle: Any, current: bool = True) -> pd.DataFrame:
    """One row per current account (every account of the quarter when ``current`` is
    False) with what the pages show about it.

    Columns: account_id, name, segment, kam_id, kam_name, team, acv_end, clv,
    churn_next_quarter, churn_next_year, value_at_risk, max_gap_days,
    days_since_last_touch, touches, next_renewal_on (see
    :func:`kamlib.kpis.attention.next_renewal_on`), nps_score (mean 0–10 answer this
    quarter, or in the latest survey wave within 12 months when the quarter had none:
    see :func:`latest_responses` and :func:`wave_title`), responses. Ordered by
    account id.
    """
    acc = _frame(bundle, "accounts")
    if len(acc) == 0:
        return pd.DataFrame(columns=["account_id", "name", "segment", "kam_id", "kam_name"])
    if current and "customer_end" in acc:
        acc = acc[acc["customer_end"].astype(bool)]
    keep = [c for c in ("account_id", "name", "segment", "kam_id", "acv_end", "max_gap_days",
                        "days_since_last_touch", "touches", "next_renewal_on") if c in acc]
    f = acc[keep].copy()
    clv = _frame(bundle, "clv")
    cols = [c for c in ("clv", "churn_next_quarter", "churn_next_year", "value_at_risk",
                        "remaining_years") if c in clv]
    if len(clv) and cols:
        f = f.merge(clv[["account_id", *cols]], on="account_id", how="left")
    resp, _period = latest_responses(bundle)
    if len(resp) and "mean_score" in resp:
        r = resp[["account_id", "mean_score", "responses"]].rename(
            columns={"mean_score": "nps_score"})
        f = f.merge(r, on="account_id", how="left")
    kams = _frame(bundle, "kams")
    if len(kams) and "kam_id" in f:
        k = kams[["kam_id", "name", *(["team"] if "team" in kams else [])]].rename(
            columns={"name": "kam_name"})
        f = f.merge(k, on="kam_id", how="left")
    for c in ("clv", "churn_next_quarter", "churn_next_year", "value_at_risk", "nps_score",
              "responses", "kam_name", "team", "max_gap_days", "next_renewal_on"):
        if c not in f:
            f[c] = np.nan
    return f.sort_values("account_id").reset_index(drop=True)


def objective_link(objectives: pd.DataFrame, level: float = 0.95) -> str:
    """Do accounts that meet their leading objectives go on to meet the lagging ones?

    Pairs each measured lagging objective with the same account's leading
    objectives due in the 12 months before it, groups the lagging ones by how many
    of those leading objectives were met (none, some, all) and shows the share met
    with its Wilson interval. Without lagging objectives in ``objectives`` it says so.

    Examples
    --------
    >>> o = pd.DataFrame({"objective_id": ["1", "2", "3", "4"], "account_id": ["a", "a", "b", "b"],
    ...                   "indicator": ["leading", "lagging", "leading", "lagging"],
    ...                   "due_on": pd.to_datetime(["2025-06-30", "2025-12-31"] * 2),
    ...                   "attainment": [1.2, 1.1, 0.5, 0.7], "met": [1, 1, 0, 0]})
    >>> h = objective_link(o)
    >>> "All leading objectives met" in h and "None met" in h
    True
    """

    need = {"account_id", "indicator", "due_on", "attainment", "met"}
    if objectives is None or len(objectives) == 0 or not need <= set(objectives.columns):
        return callout("No customer objectives in the data for this quarter.")
    o = objectives.dropna(subset=["attainment"])
    lead = o[o["indicator"] == "leading"]
    lag = o[o["indicator"] == "lagging"]
    if len(lag) == 0 or len(lead) == 0:
        have = "leading" if len(lead) else "lagging"
        return callout(f"Only {have} objectives were due this quarter, so the link between "
                       "leading and lagging objectives cannot be shown here. Lagging "
                       "objectives fall due later in the year; see the trend of "
                       "'Lagging objectives met' above.")
    key = "objective_id" if "objective_id" in lag else "due_on"
    pairs = lag.merge(lead, on="account_id", suffixes=("_lag", "_lead"))
    lag_due = pd.to_datetime(pairs["due_on_lag"])
    lead_due = pd.to_datetime(pairs["due_on_lead"])
    pairs = pairs[(lead_due <= lag_due) & (lead_due > lag_due - pd.Timedelta(days=365))]
    if len(pairs) == 0:
        return callout("No account had both leading and lagging objectives within a year.")
    g = pairs.groupby([f"{key}_lag" if key == "objective_id" else "due_on_lag",
                       "account_id"]).agg(lag_met=("met_lag", "first"),
                                          lead_share=("met_lead", "mean")).reset_index()
    g["bucket"] = np.select([g.lead_share <= 0, g.lead_share >= 1], [0, 2], 1)
    names = {0: "None met", 1: "Some met", 2: "All leading objectives met"}
    rows = []
    for b in (0, 1, 2):
        s = g[g.bucket == b]
        est = stats.wilson(int(s.lag_met.sum()), len(s), level)
        rows.append({"group": names[b], "value": est.value, "low": est.low,
                     "high": est.high, "n": len(s)})
    return table(pd.DataFrame(rows),
                 [("group", "Leading objectives of the account in the year before", "text"),
                  (("value", "low", "high"), "Lagging objectives met (95 % interval)", "pct"),
                  ("n", "Lagging objectives (count)", "int")])
