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

from kamlib.present import links
from kamlib.present.figures import latest, period_label
from kamlib.present.format import fmt, interval, money, pct, signed
from kamlib.present.format import missing as _missing
from kamlib.present.format import whole_points as _nps
from kamlib.present.markup import render
from kamlib.present.rows import kpi_row as _row
from kamlib.present.rows import shift_quarter as _shift

__all__ = [
    "bullets",
    "callout",
    "facts",
    "headlines",
    "latest_responses",
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
    change is not significant. The verdicts are the bundle's (``bundle.headline``,
    computed when it was built); this function only words them.

    Parameters
    ----------
    bundle : a :class:`kamlib.report.bundle.Bundle` (``frame(name)``, ``meta``,
        ``quarter``, ``headline``).

    Returns
    -------
    list of sentences (plain text; show them with :func:`bullets`), but for the value
    at risk's, which is markup: the accounts it names link to their pages
    (:mod:`kamlib.present.links`).
    """
    kpis = _frame(bundle, "kpis")
    trend = _frame(bundle, "trend")
    meta = getattr(bundle, "meta", {}) or {}
    q = str(meta.get("quarter", getattr(bundle, "quarter", "")))
    currency = (meta.get("settings") or {}).get("currency", "EUR")
    prev = _shift(q, -1)
    facts = bundle.headline
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
                  if facts.churn_overlap else
                  "; the intervals do not overlap, so the change is unlikely to be chance.")
        else:
            s += "."
        out.append(s)

    if facts.value_at_risk > 0:
        of_clv = facts.value_at_risk_of_clv
        # -- links: the accounts named link to their pages (plain text without ids)
        names = links.name_pieces(list(getattr(facts, "top_account_ids", []) or []),
                                  list(facts.top_accounts), "account", sep=", ")
        out.append(links.linked_text([
            f"Value at risk next year (each account's lifetime value times its chance "
            f"of churning within a year): {money(facts.value_at_risk, currency)}, "
            f"{pct(np.nan if of_clv is None else of_clv)} of the total lifetime value; "
            f"{pct(facts.top_share, 0)} of it sits in {len(facts.top_accounts)} accounts (",
            *names, ")."]))

    nps = latest(kpis, trend, "nps", quarter=q)
    if not _missing(nps["value"]):
        s = (f"NPS is {_nps(nps['value'])} (95 % interval "
             f"{interval(nps['low'], nps['high'], 'nps')}, {nps['n']:,} responses)")
        if nps["earlier"]:
            s = (f"There was no NPS survey in {q}; in the latest wave ({nps['period']}) NPS "
                 f"was {_nps(nps['value'])} (95 % interval "
                 f"{interval(nps['low'], nps['high'], 'nps')}, {nps['n']:,} responses)")
        if facts.nps_change:
            when = {"nps_change_qoq": "the quarter before",
                    "nps_change_yoy": "the same quarter a year before"}[facts.nps_change]
            ch = _row(trend if nps["earlier"] else kpis, facts.nps_change, period=nps["period"])
            verdict = "unlikely to be chance" if facts.nps_change_significant \
                else "not significant"
            p = np.nan if facts.nps_change_p is None else facts.nps_change_p
            s += (f"; against {when} it moved {signed(ch['value'], 'nps')} points "
                  f"({interval(ch['low'], ch['high'], 'nps')}), which is {verdict} "
                  f"(p = {fmt(p, 'p')})")
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
        s += {"below": "; the whole interval lies below zero: more detractors than promoters",
              "above": "; the whole interval lies above zero",
              "includes": "; the interval includes zero", "": ""}[facts.enps_vs_zero]
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




