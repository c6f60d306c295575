"""Presentation helpers for the report notebooks: KPI cards, tables and headline sentences.

The quarterly pages are read by company leaders who never see code, so every
number goes out with its unit, its 95 % interval and what it rests on. The
functions here turn the bundle's frames (:mod:`kamlib.report.bundle`) into small HTML
fragments that a notebook shows with ``display(HTML(...))``:

* formatters (:func:`pct`, :func:`money`, :func:`number`, :func:`interval`,
  :func:`signed`) that print missing values as ``"n/a"``;
* :func:`kpi_cards`, the grid of the ten KPIs of key account management with
  their change against last quarter and last year and a sparkline;
* :func:`table`, :func:`kpi_table` and :func:`kpi_by_group`, compact tables that
  never dump a raw frame;
* :func:`headlines`, a few factual sentences written from the data;
* :func:`callout`, :func:`section_note`, :func:`bullets` and :func:`facts` for text.

All text (names, labels, captions) is HTML-escaped, so an account called
``<script>`` shows as text. Nothing reads files or the clock, and the same input
gives the same bytes. :data:`STYLE` holds the CSS; a notebook shows it once, with
its first display.

>>> pct(0.0268), money(9_130_000, "EUR"), interval(0.012, 0.057, "pct")
('2.7 %', 'EUR 9.1M', '1.2–5.7 %')
>>> print(signed(-6.4, "nps"), signed(0.013, "pct"), pct(float("nan")))
−6 +1.3 pp n/a
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "KPI_CARDS",
    "KPI_INFO",
    "STYLE",
    "Card",
    "Kpi",
    "account_view",
    "bullets",
    "callout",
    "cards",
    "facts",
    "fmt",
    "formatter",
    "headlines",
    "interval",
    "kpi_by_group",
    "kpi_cards",
    "kpi_table",
    "label",
    "latest",
    "latest_responses",
    "money",
    "number",
    "objective_link",
    "pct",
    "period_label",
    "section_note",
    "signed",
    "sparkline",
    "table",
    "wave_title",
]

NA = "n/a"
NO_DATA = "no data"
MINUS = "\u2212"
DASH = "\u2013"
GOOD = "#009E73"  # Okabe-Ito bluish green, as kamlib.plots.kpi COLORS["good"]
BAD = "#D55E00"  # Okabe-Ito vermillion, as kamlib.plots.kpi COLORS["alert"]
MAIN = "#0072B2"
MUTED = "#767676"

#: Value kinds whose numbers are right-aligned in tables.
NUMERIC_KINDS = frozenset({"pct", "ratio", "nps", "money", "number", "int", "hours", "days",
                           "score", "p", "dec1", "dec2", "dec3", "change_pct", "change_nps",
                           "change_money"})

#: Words written in capitals (or their own way) by :func:`label`.
ACRONYMS = {"nps": "NPS", "enps": "eNPS", "sla": "SLA", "kam": "KAM", "clv": "CLV",
            "id": "ID", "csv": "CSV", "grr": "GRR", "nrr": "NRR"}


# -- formatting --------------------------------------------------------------------------


def _missing(x: Any) -> bool:
    """True for None, NaN, infinities and anything that is not a number."""
    if x is None or isinstance(x, bool | str):
        return True
    try:
        v = float(x)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(v)


def _fixed(v: float, digits: int, sign: bool = False, sep: bool = False) -> str:
    """``v`` with ``digits`` decimals, a true minus sign and no negative zero."""
    text = f"{abs(v):,.{digits}f}" if sep else f"{abs(v):.{digits}f}"
    zero = float(text.replace(",", "")) == 0
    if v < 0 and not zero:
        return MINUS + text
    if sign and v > 0 and not zero:
        return "+" + text
    return text


def pct(x: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage with a space before ``%``.

    A positive share too small to show at ``digits`` reads ``"< 0.1 %"`` rather
    than a misleading zero.

    Parameters
    ----------
    x : share (0.25 is 25 %); None or NaN give ``"n/a"``.
    digits : decimals.

    Examples
    --------
    >>> pct(0.0268), pct(1.0311, 0), pct(None), pct(0.0003)
    ('2.7 %', '103 %', 'n/a', '< 0.1 %')
    >>> print(pct(-0.052))
    −5.2 %
    """
    if _missing(x):
        return NA
    v = 100 * float(x)
    if 0 < v < 0.5 * 10 ** -digits:
        return f"< {10 ** -digits:.{digits}f} %"
    return f"{_fixed(v, digits)} %"


def money(x: Any, currency: str = "EUR") -> str:
    """Money in short form with the currency first: ``"EUR 9.1M"``, ``"EUR 350k"``.

    One decimal below 10 of the unit (k, M, B), none above, as the plot labels of
    :func:`kamlib.plots.kpi.fmt_money`; negative amounts get a leading minus sign.

    Examples
    --------
    >>> money(9_130_000), money(350_000, "USD"), money(420), money(float("nan"))
    ('EUR 9.1M', 'USD 350k', 'EUR 420', 'n/a')
    >>> print(money(-1_500))
    −EUR 1.5k
    """
    if _missing(x):
        return NA
    from kamlib.plots.style import fmt_money

    v = float(x)
    text = fmt_money(abs(v), currency)
    return MINUS + text if v < 0 and text != fmt_money(0.0, currency) else text


def number(x: Any, digits: int | None = None) -> str:
    """A plain number with thousands separators.

    Whole numbers and numbers of 100 or more get no decimals, numbers below 1 two,
    others one, unless ``digits`` says otherwise.

    Examples
    --------
    >>> number(33.68), number(1179), number(1234.5), number(0.443), number(2.345, 2)
    ('33.7', '1,179', '1,234', '0.44', '2.35')
    >>> number(None)
    'n/a'
    """
    if _missing(x):
        return NA
    v = float(x)
    if digits is None:
        digits = 0 if (v == round(v) or abs(v) >= 100) else (2 if abs(v) < 1 else 1)
    return _fixed(v, digits, sep=True)


def _score(x: float, sign: bool = True) -> str:
    return _fixed(float(x), 2, sign=sign)


def _nps(x: float) -> str:
    return _fixed(float(x), 0, sign=True)


def fmt(x: Any, kind: str = "number", currency: str = "EUR") -> str:
    """One value in the unit of its ``kind``.

    Kinds: ``pct`` and ``ratio`` (shares shown in %), ``nps`` (−100..100, signed
    whole points), ``money``, ``number`` (decimals by size), ``dec1`` / ``dec2`` /
    ``dec3`` (fixed decimals), ``int``, ``hours``, ``days``, ``score`` (−1..1, two
    decimals), ``p`` (a p-value), ``change_pct`` / ``change_nps`` / ``change_money``
    (differences, see :func:`signed`), ``bool``, ``date``, ``label`` (a code shown
    with :func:`label`) and ``text``.

    Examples
    --------
    >>> fmt(0.875, "pct"), fmt(1.031, "ratio"), fmt(17.83, "hours"), fmt(4, "days")
    ('87.5 %', '103.1 %', '17.8 h', '4 days')
    >>> fmt(0.0004, "p"), fmt(0.2134, "p"), fmt(True, "bool"), fmt("a & b", "text")
    ('< 0.001', '0.21', 'yes', 'a & b')
    >>> fmt(3, "dec1"), fmt(0.08464, "dec3"), fmt("mid_market", "label")
    ('3.0', '0.085', 'Mid market')
    """
    if kind == "text":
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
    if kind == "label":
        return label(x)
    if kind == "bool":
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return NA
        return "yes" if bool(x) else "no"
    if kind == "date":
        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return NA
        return str(pd.Timestamp(x).date())
    if kind.startswith("change_"):
        return signed(x, kind[len("change_"):], currency)
    if _missing(x):
        return NA
    v = float(x)
    if kind in ("pct", "ratio"):
        return pct(v)
    if kind == "nps":
        return _nps(v)
    if kind == "money":
        return money(v, currency)
    if kind == "int":
        return _fixed(v, 0, sep=True)
    if kind == "hours":
        return f"{number(v, 1 if abs(v) < 100 else 0)} h"
    if kind == "days":
        d = _fixed(v, 0, sep=True)
        return f"{d} day" if d == "1" else f"{d} days"
    if kind == "score":
        return _score(v)
    if kind in ("dec1", "dec2", "dec3"):
        return number(v, int(kind[-1]))
    if kind == "p":
        return "< 0.001" if v < 0.001 else (f"{v:.3f}" if v < 0.01 else f"{v:.2f}")
    return number(v)


def interval(low: Any, high: Any, kind: str = "pct", currency: str = "EUR") -> str:
    """A 95 % interval in the unit of ``kind``; ``"n/a"`` when a bound is missing.

    Ranges that cross zero or use signed scales read ``"a to b"``, others ``"a–b"``
    with the unit once at the end.

    Examples
    --------
    >>> interval(0.0123, 0.0572, "pct"), interval(171e6, 245e6, "money")
    ('1.2–5.7 %', 'EUR 171M–245M')
    >>> print(interval(-6.4, 9.9, "nps"), "|", interval(30.9, 36.5, "number"))
    −6 to +10 | 30.9–36.5
    >>> interval(float("nan"), 0.3, "pct")
    'n/a'
    """
    if _missing(low) or _missing(high):
        return NA
    lo, hi = float(low), float(high)
    if kind in ("pct", "ratio"):
        a, b = _fixed(100 * lo, 1), _fixed(100 * hi, 1)
        return f"{a} to {b} %" if lo < 0 else f"{a}{DASH}{b} %"
    if kind in ("nps", "change_nps"):
        return f"{_nps(lo)} to {_nps(hi)}"
    if kind == "score":
        return f"{_score(lo)} to {_score(hi)}"
    if kind in ("money", "change_money"):
        if lo < 0:
            return f"{money(lo, currency)} to {money(hi, currency)}"
        b = money(hi, currency)
        b = b[len(currency) + 1:] if b.startswith(currency + " ") else b
        return f"{money(lo, currency)}{DASH}{b}"
    if kind == "change_pct":
        return f"{signed(lo, 'pct')} to {signed(hi, 'pct')}"
    unit = {"hours": " h", "days": " days"}.get(kind, "")
    digits = 0 if kind == "days" else (int(kind[-1]) if kind in ("dec1", "dec2", "dec3")
                                       else None)
    a, b = number(lo, digits), number(hi, digits)
    return f"{a} to {b}{unit}" if lo < 0 else f"{a}{DASH}{b}{unit}"


def signed(x: Any, kind: str = "number", currency: str = "EUR") -> str:
    """A change with its sign: percentage points for shares, whole points for NPS.

    Examples
    --------
    >>> signed(0.0134, "pct"), signed(7.4, "nps"), signed(1.2e6, "money"), signed(0, "pct")
    ('+1.3 pp', '+7', '+EUR 1.2M', '0.0 pp')
    >>> print(signed(-2.06, "number"), "|", signed(-0.5, "hours"), "|", signed(None, "pct"))
    −2.1 | −0.5 h | n/a
    """
    if _missing(x):
        return NA
    v = float(x)
    if kind in ("pct", "ratio"):
        return f"{_fixed(100 * v, 1, sign=True)} pp"
    if kind == "nps":
        return _nps(v)
    if kind == "score":
        return _score(v)
    if kind == "money":
        text = money(abs(v), currency)
        if text == money(0.0, currency):
            return text
        return ("+" if v > 0 else MINUS) + text
    digits = 0 if kind == "days" else (1 if abs(v) < 100 else 0)
    unit = {"hours": " h", "days": " days"}.get(kind, "")
    return _fixed(v, digits, sign=True, sep=True) + unit


def label(name: Any) -> str:
    """A code turned into words: ``"mid_market"`` -> ``"Mid market"``, ``"team_a"`` ->
    ``"Team A"``.

    Examples
    --------
    >>> label("face_to_face"), label("team_a"), label("all"), label(None)
    ('Face to face', 'Team A', 'All', '')
    >>> label("nps_responses"), label("sla_checks")
    ('NPS responses', 'SLA checks')
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    words = str(name).replace("_", " ").split(" ")
    if len(words) > 1 and len(words[-1]) == 1:
        words[-1] = words[-1].upper()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text if words and words[0] in ACRONYMS.values() else text[:1].upper() + text[1:]


def formatter(kind: str, currency: str = "EUR") -> Callable[[Any], str]:
    """A one-argument function formatting values of ``kind`` (e.g. for plot labels).

    Examples
    --------
    >>> print(formatter("nps")(-38.1), formatter("pct")(0.514))
    −38 51.4 %
    """
    return partial(fmt, kind=kind, currency=currency)


def _e(text: Any) -> str:
    """Escape for HTML, keeping numbers and units on one line."""
    s = html.escape(str(text), quote=True)
    return s.replace(" %", "&nbsp;%").replace(" pp", "&nbsp;pp")


# -- KPI metadata ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """How a KPI of the long table is shown.

    Attributes
    ----------
    title : name a reader understands.
    kind : value kind for :func:`fmt` (pct, ratio, nps, money, number, hours, days, score).
    higher_is_better : direction of a good change; None when neither is better.
    n_unit : what ``n`` counts (accounts, responses, ...).
    period_word : how a figure's period is named when a page shows an earlier one
        (``"wave"`` for survey KPIs: "2026Q1 wave").
    """

    title: str
    kind: str
    higher_is_better: bool | None = True
    n_unit: str = "accounts"
    period_word: str = ""


#: Every KPI id of the long table (README, "The KPIs") with its title, unit and direction.
KPI_INFO: dict[str, Kpi] = {
    "logo_churn_rate": Kpi("Logo churn (quarter)", "pct", False),
    "logo_churn_rate_annualised": Kpi("Logo churn this quarter, as a yearly rate", "pct", False),
    "revenue_churn_rate": Kpi("Revenue churn (quarter)", "pct", False),
    "churn_risk_next_quarter": Kpi("Predicted churn risk, next quarter", "pct", False),
    "upsell_rate": Kpi("Upsell rate", "pct", True),
    "cross_sell_rate": Kpi("Cross-sell rate", "pct", True),
    "expansion_revenue": Kpi("Expansion revenue (upsell + cross-sell)", "money", True),
    "renewal_rate": Kpi("Renewal rate", "pct", True, "contracts up for renewal"),
    "grr": Kpi("Gross revenue retention (12 months)", "ratio", True),
    "nrr": Kpi("Net revenue retention (12 months)", "ratio", True),
    "sow_growth": Kpi("Share-of-wallet growth (year on year)", "pct", True),
    "repeat_customer_rate": Kpi("Repeat customers", "pct", True, "billed accounts"),
    "referral_revenue_share": Kpi("Revenue from referred accounts", "pct", True),
    "sla_compliance": Kpi("SLA compliance", "pct", True, "SLA checks"),
    "nps": Kpi("Net Promoter Score", "nps", True, "responses", "wave"),
    "nps_account_level": Kpi("NPS, one vote per account", "nps", True, "accounts", "wave"),
    "nps_change_qoq": Kpi("NPS change vs last quarter", "change_nps", True, "responses",
                          "wave"),
    "nps_change_yoy": Kpi("NPS change vs last year", "change_nps", True, "responses", "wave"),
    "reference_rate": Kpi("Would be a reference (12 months)", "pct", True, "accounts asked"),
    "referral_acquisition_share": Kpi("New accounts that were referred", "pct", True,
                                      "new accounts"),
    "mention_net_sentiment": Kpi("Net sentiment of mentions (−1 to +1)", "score", True,
                                 "mentions"),
    "objectives_met_leading": Kpi("Leading objectives met", "pct", True, "objectives"),
    "objectives_met_lagging": Kpi("Lagging objectives met", "pct", True, "objectives"),
    "touchpoints_per_account": Kpi("Touchpoints per account", "number", True),
    "inbound_share": Kpi("Inbound share of interactions", "pct", None),
    "gap_alert_share": Kpi("Accounts with a long contact gap", "pct", False),
    "resolution_median_hours": Kpi("Median time to resolve a request", "hours", False,
                                   "requests"),
    "resolution_within_target": Kpi("Requests resolved within target", "pct", True,
                                    "requests"),
    "conversion_rate": Kpi("Prospect conversion (latest cohort whose window closed)", "pct",
                           True, "prospects"),
    "time_to_convert_median_days": Kpi("Median time to convert", "days", False, "prospects"),
    "ideal_touches": Kpi("Ideal number of touches", "number", None, "prospects"),
    "enps": Kpi("Employee NPS (eNPS)", "nps", True, "answers", "survey"),
    "clv_total": Kpi("Customer lifetime value (total)", "money", True),
    "clv_naive_total": Kpi("CLV by the simple formula", "money", None),
}


def _info(kpi: str) -> Kpi:
    return KPI_INFO.get(kpi, Kpi(label(kpi), "number", None, "rows"))


@dataclass(frozen=True)
class Card:
    """One KPI card: the KPI id, the title shown and its unit and direction.

    ``fallback`` is shown instead when ``kpi`` has no value this quarter;
    ``secondary`` is a second KPI written on one line under the first.
    """

    kpi: str
    title: str
    kind: str
    higher_is_better: bool | None = True
    theme: str = ""
    fallback: str | None = None
    secondary: str | None = None


#: The ten KPIs of key account management, in their usual order, as cards.
KPI_CARDS: tuple[Card, ...] = (
    Card("clv_total", "Customer lifetime value", "money", True, "1 · Customer lifetime value"),
    Card("reference_rate", "Customers who would be a reference", "pct", True,
         "2 · Referenceable customers"),
    Card("nps", "Net Promoter Score", "nps", True, "3 · Customer satisfaction"),
    Card("objectives_met_leading", "Customer objectives met", "pct", True,
         "4 · Customer outcomes", fallback="objectives_met_lagging"),
    Card("touchpoints_per_account", "Touchpoints per account", "number", True,
         "5 · Interaction", secondary="gap_alert_share"),
    Card("nrr", "Net revenue retention (12 months)", "ratio", True, "6 · Organic growth"),
    Card("conversion_rate", "Prospects converted", "pct", True, "7 · Acquisition"),
    Card("upsell_rate", "Accounts with an upsell", "pct", True,
         "8 · Upsell, cross-sell, renewal", secondary="renewal_rate"),
    Card("enps", "Employee NPS (eNPS)", "nps", True, "9 · Employee satisfaction"),
    Card("logo_churn_rate", "Logo churn this quarter", "pct", False, "10 · Churn"),
)


def cards(*kpis: str) -> tuple[Card, ...]:
    """Cards for any KPIs of :data:`KPI_INFO`, for a page's own row of cards.

    Examples
    --------
    >>> [c.title for c in cards("nps", "reference_rate")]
    ['Net Promoter Score', 'Would be a reference (12 months)']
    """
    out = []
    for k in kpis:
        i = _info(k)
        out.append(Card(k, i.title, i.kind, i.higher_is_better))
    return tuple(out)


# -- quarters and KPI rows -----------------------------------------------------------------


def _shift(quarter: Any, k: int) -> str:
    """The label ``k`` quarters after ``quarter`` (a label such as ``"2026Q3"`` or a Quarter)."""
    text = str(quarter).strip().upper().replace("-", "")
    year, q = text.split("Q")
    idx = int(year) * 4 + int(q) - 1 + k
    return f"{idx // 4}Q{idx % 4 + 1}"


def _row(kpis: pd.DataFrame, kpi: str, grain: str = "company", group: str = "all",
         period: Any = None) -> dict:
    """The KPI's row as a dict (value, low, high, n), NaN-filled when absent."""
    empty = {"value": np.nan, "low": np.nan, "high": np.nan, "n": 0}
    if kpis is None or len(kpis) == 0 or "kpi" not in kpis:
        return empty
    t = kpis[(kpis["kpi"] == kpi) & (kpis["grain"] == grain)
             & (kpis["group"].astype(str) == str(group))]
    if period is not None and "period" in t:
        t = t[t["period"].astype(str) == str(period)]
    if len(t) == 0:
        return empty
    r = t.iloc[0]
    n = r.get("n", 0)
    return {"value": r.get("value", np.nan), "low": r.get("low", np.nan),
            "high": r.get("high", np.nan), "n": 0 if _missing(n) else int(n)}


def _series(trend: pd.DataFrame, kpi: str, periods: list[str], grain: str = "company",
            group: str = "all") -> list[float]:
    if trend is None or len(trend) == 0 or "kpi" not in trend:
        return [np.nan] * len(periods)
    t = trend[(trend["kpi"] == kpi) & (trend["grain"] == grain)
              & (trend["group"].astype(str) == str(group))]
    by = dict(zip(t["period"].astype(str), t["value"], strict=False))
    return [float(by[p]) if p in by and not _missing(by[p]) else np.nan for p in periods]


# -- periods without data ------------------------------------------------------------------

#: Quarters a page looks back, the reported one included, for a KPI without observations.
LOOKBACK = 4


def _quarter_of(kpis: pd.DataFrame | None, quarter: Any = None) -> str | None:
    """The reported quarter: ``quarter`` when given, else the KPI table's latest period."""
    if quarter is not None:
        return str(quarter)
    if kpis is None or len(kpis) == 0 or "period" not in kpis:
        return None
    return str(max(kpis["period"].astype(str)))


def period_label(kpi: str, period: Any) -> str:
    """How the period of a figure from an earlier quarter is named on a page.

    Examples
    --------
    >>> period_label("nps", "2026Q1"), period_label("nrr", "2026Q1")
    ('2026Q1 wave', '2026Q1')
    """
    word = _info(kpi).period_word
    return f"{period} {word}" if word else str(period)


def latest(kpis: pd.DataFrame, history: pd.DataFrame | None, kpi: str,
           grain: str = "company", group: str = "all", quarter: Any = None) -> dict:
    """The KPI's figure for the quarter, or the latest one within the last 12 months.

    The rule for periods without data: a KPI with no observations in the quarter
    (no row, or a row with ``n == 0``, such as NPS in a quarter without a survey
    wave) shows the latest figure of the :data:`LOOKBACK` quarters up to and
    including the reported one, labelled with its own period. A figure that was
    measured but is withheld (a group below the minimum size, ``n > 0``) is never
    replaced by an older one. With nothing in the 12 months the KPI is "no data".

    Parameters
    ----------
    kpis : the quarter's long KPI table (``b.kpis``).
    history : earlier quarters' rows in the same columns (``b.history``: the trend
        and the KAM rows of the latest waves); None for no fallback.
    kpi, grain, group : which figure.
    quarter : the reported quarter; default the latest period in ``kpis``.

    Returns
    -------
    dict with ``value``, ``low``, ``high``, ``n`` (as :func:`_row`), ``period`` (the
    figure's quarter, the reported one when there is none) and ``earlier`` (True when
    the figure comes from an earlier quarter).

    Examples
    --------
    >>> h = pd.DataFrame({"kpi": "nps", "grain": "company", "group": "all",
    ...                   "period": ["2025Q3", "2026Q1"], "value": [-2.0, 4.0],
    ...                   "low": [-9.0, -3.0], "high": [5.0, 11.0], "n": [320, 300]})
    >>> now = pd.DataFrame({"kpi": ["nps"], "grain": "company", "group": "all",
    ...                     "period": "2026Q2", "value": [np.nan], "low": np.nan,
    ...                     "high": np.nan, "n": [0]})
    >>> r = latest(now, h, "nps")
    >>> float(r["value"]), r["period"], r["earlier"]
    (4.0, '2026Q1', True)
    >>> latest(now, h, "nps", quarter="2027Q2")["earlier"]  # more than 12 months back
    False
    """
    q = _quarter_of(kpis, quarter)
    r = _row(kpis, kpi, grain, group, q)
    r["period"], r["earlier"] = q, False
    if not _missing(r["value"]) or r["n"] > 0 or q is None or history is None \
            or len(history) == 0 or "kpi" not in history:
        return r
    for k in range(1, LOOKBACK):
        before = _shift(q, -k)
        e = _row(history, kpi, grain, group, before)
        if not _missing(e["value"]):
            e["period"], e["earlier"] = before, True
            return e
    return r


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
    """
    meta = getattr(bundle, "meta", {}) or {}
    here = str(meta.get("quarter", ""))
    resp = _frame(bundle, "responses")
    if len(resp) == 0 and meta.get("responses_period"):
        earlier = _frame(bundle, "responses_latest")
        if len(earlier):
            return earlier, str(meta["responses_period"])
    return resp, here


def earlier_note(quarter: Any, periods: Iterable[str], what: str = "figures") -> str:
    """A note saying which figures come from an earlier quarter ("" when none do).

    Examples
    --------
    >>> print(earlier_note("2026Q2", ["2026Q1 wave"]))
    No data in 2026Q2: the figures marked 2026Q1 wave are the latest within the last 12 months.
    """
    ps = sorted(set(periods))
    if not ps:
        return ""
    return (f"No data in {quarter}: the {what} marked {' / '.join(ps)} "
            f"{'is' if what.endswith('figure') else 'are'} the latest within the last 12 months.")


# -- sparkline and cards ---------------------------------------------------------------------


def sparkline(values: Sequence[Any], width: int = 120, height: int = 28,
              color: str = MAIN) -> str:
    """A tiny inline SVG line of ``values`` (one slot per value; missing ones skipped).

    The last slot, when it has a value, is marked with a dot. Coordinates are
    rounded to one decimal and the markup carries no id or date, so the same
    values give the same bytes.

    Examples
    --------
    >>> s = sparkline([1, 2, float("nan"), 3])
    >>> s.startswith("<svg") and "<polyline" in s and 'points="2.0,26.0 40.7,14.0 118.0,2.0"' in s
    True
    >>> sparkline([1, 2]) == sparkline([1, 2])
    True
    """
    vals = [np.nan if _missing(v) else float(v) for v in values]
    k = len(vals)
    pad = 2.0
    ok = [(i, v) for i, v in enumerate(vals) if not math.isnan(v)]
    parts = [f'<svg class="kam-spark" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="trend over the last {k} quarters">',
             f'<line x1="{pad:.1f}" y1="{height - 0.5:.1f}" x2="{width - pad:.1f}" '
             f'y2="{height - 0.5:.1f}" stroke="#DDDDDD" stroke-width="1"/>']
    if ok:
        lo = min(v for _i, v in ok)
        hi = max(v for _i, v in ok)

        def xy(i: int, v: float) -> tuple[str, str]:
            x = pad + (width - 2 * pad) * (i / (k - 1) if k > 1 else 0.5)
            y = height / 2 if hi == lo else pad + (height - 2 * pad) * (hi - v) / (hi - lo)
            return _coord(x), _coord(y)

        pts = [xy(i, v) for i, v in ok]
        if len(pts) > 1:
            points = " ".join(f"{x},{y}" for x, y in pts)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                         f'stroke-linejoin="round" stroke-linecap="round" points="{points}"/>')
        if ok[-1][0] == k - 1 or len(pts) == 1:
            x, y = pts[-1]
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{color}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _coord(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def _change_html(change: float, kind: str, hib: bool | None, versus: str,
                 currency: str) -> str:
    if _missing(change):
        cls, arrow, text = "kam-flat", "", NA
    else:
        text = signed(change, kind, currency)
        zero = not text.startswith(("+", MINUS))
        arrow = "" if zero else ("▲ " if change > 0 else "▼ ")
        if zero or hib is None:
            cls = "kam-flat"
        else:
            cls = "kam-good" if (change > 0) == hib else "kam-bad"
    return (f'<span class="kam-change">{_e(versus)} '
            f'<b class="{cls}">{_e(arrow + text)}</b></span>')


def _estimate(r: dict, kind: str, currency: str) -> str:
    """``"2.7 % (1.2–5.7 %)"`` as text."""
    v = fmt(r["value"], kind, currency)
    if _missing(r["value"]):
        return NO_DATA
    iv = interval(r["low"], r["high"], kind, currency)
    return v if iv == NA else f"{v} ({iv})"


def kpi_cards(kpis: pd.DataFrame, trend: pd.DataFrame, quarter: Any, currency: str = "EUR",
              cards: Sequence[Card] = KPI_CARDS, grain: str = "company",
              group: str = "all", notes: Mapping[str, str] | None = None) -> str:
    """An HTML grid of KPI cards (by default the ten KPIs of key account management).

    Each card shows the value with its unit, the 95 % interval and what it rests on
    (n), the change against the previous quarter and the same quarter last year
    (green when the change goes the good way, red when not, ``n/a`` when a quarter
    has no value) and a sparkline of the last 8 quarters.

    Parameters
    ----------
    kpis : the quarter's long KPI table (``b.kpis``).
    trend : the same KPIs over the last 8 quarters (``b.trend``, or ``b.history``
        which adds the KAM rows of the latest waves). A KPI without observations
        this quarter shows its latest figure within the last 12 months from here
        (:func:`latest`), labelled with its period, and its changes against that
        period's own previous quarter and year.
    quarter : the quarter shown, ``"2026Q3"`` or a :class:`~kamlib.periods.Quarter`.
    currency : currency of money KPIs.
    cards : which cards (:data:`KPI_CARDS` or :func:`cards`).
    grain, group : whose figures (the company by default).
    notes : a line under a card's title, by KPI id, naming what the figure covers when
        that differs from the quarter (see :func:`card_notes`).

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "nps", "grain": "company", "group": "all",
    ...                   "period": ["2025Q3", "2026Q2", "2026Q3"], "value": [-5.0, 0.0, 2.0],
    ...                   "low": [-12.0, -8.0, -6.0], "high": [3.0, 8.0, 10.0], "n": 300})
    >>> h = kpi_cards(t[t.period == "2026Q3"], t, "2026Q3", cards=cards("nps"))
    >>> "Net Promoter Score" in h and "+2" in h and "vs 2026Q2" in h and "<svg" in h
    True
    """
    label_q = str(quarter)
    periods = [_shift(label_q, k) for k in range(-7, 1)]
    prev, yago = _shift(label_q, -1), _shift(label_q, -4)
    out = ['<div class="kam-cards">']
    for c in cards:
        kpi, title, kind, hib = c.kpi, c.title, c.kind, c.higher_is_better
        r = latest(kpis, None, kpi, grain, group, label_q)
        if _missing(r["value"]) and c.fallback:
            alt = latest(kpis, None, c.fallback, grain, group, label_q)
            if not _missing(alt["value"]):
                kpi, r = c.fallback, alt
        if _missing(r["value"]):  # no figure this quarter: the latest within 12 months
            for k in (c.kpi, c.fallback) if c.fallback else (c.kpi,):
                e = latest(kpis, trend, k, grain, group, label_q)
                if e["earlier"]:
                    kpi, r = k, e
                    break
        if c.fallback:
            title = f"{title} ({'lagging' if kpi.endswith('lagging') else 'leading'})"
        series = _series(trend, kpi, periods, grain, group)
        if not r["earlier"]:
            series[-1] = float(r["value"]) if not _missing(r["value"]) else series[-1]
        value = float(r["value"]) if r["earlier"] else series[-1]
        n_unit = _info(kpi).n_unit
        out.append('<div class="kam-card">')
        if c.theme:
            out.append(f'<div class="kam-theme">{_e(c.theme)}</div>')
        out.append(f'<div class="kam-title">{_e(title)}</div>')
        if notes and notes.get(kpi):
            out.append(f'<div class="kam-asof">{_e(notes[kpi])}</div>')
        if _missing(value):
            out.append(f'<div class="kam-value kam-muted">{NO_DATA}</div>')
            what = (f"n = {r['n']:,}" if r["n"] else
                    f"nothing in {_shift(label_q, 1 - LOOKBACK)}{DASH}{label_q}")
            out.append(f'<div class="kam-detail">nothing to measure this quarter '
                       f'({_e(what)})</div>')
        else:
            out.append(f'<div class="kam-value">{_e(fmt(value, kind, currency))}</div>')
            if r["earlier"]:
                out.append(f'<div class="kam-asof">{_e(period_label(kpi, r["period"]))}'
                           f'<span class="kam-muted">: no data in {_e(label_q)}, latest '
                           'within 12 months</span></div>')
            iv = interval(r["low"], r["high"], kind, currency)
            ivtext = f"95 % interval {iv}" if iv != NA else "no interval"
            based = f"n = {r['n']:,} {n_unit}"
            out.append(f'<div class="kam-detail">{_e(ivtext)}<br>{_e(based)}</div>')
        out.append('<div class="kam-changes">')
        if r["earlier"]:  # the shown figure against its own quarter's neighbours
            at = str(r["period"])
            p1, p4 = _shift(at, -1), _shift(at, -4)
            before = _series(trend, kpi, [p1, p4], grain, group)
            pairs = ((f"{at} vs {p1}", before[0]), (f"{at} vs {p4}", before[1]))
        else:
            pairs = ((f"vs {prev}", series[-2]), (f"vs {yago}", series[-5]))
        for versus, other in pairs:
            change = value - other if not (_missing(value) or _missing(other)) else np.nan
            out.append(_change_html(change, kind, hib, versus, currency))
        out.append("</div>")
        known = sum(not _missing(v) for v in series)
        out.append(f'<div class="kam-sparkrow">{sparkline(series)}'
                   f'<span class="kam-muted">{_e(f"{periods[0]}–{periods[-1]}")}'
                   f'{"" if known > 1 else "<br>no earlier quarters"}</span></div>')
        if c.secondary:
            s = latest(kpis, trend, c.secondary, grain, group, label_q)
            si = _info(c.secondary)
            text = f"{si.title}: {_estimate(s, si.kind, currency)}"
            if s["n"]:
                text += f", n = {s['n']:,} {si.n_unit}"
            if s["earlier"]:
                text += f" ({period_label(c.secondary, s['period'])})"
            out.append(f'<div class="kam-secondary">{_e(text)}</div>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def card_notes(bundle: Any) -> dict[str, str]:
    """Lines for :func:`kpi_cards` naming the base of figures that do not cover the
    quarter itself: conversion is measured on the latest cohort whose decision windows
    have closed (e.g. "cohort 2026Q1: first contacted 2026-01-01 to 2026-03-31").

    >>> class B:
    ...     meta = {"conversion_cohort": {"quarter": "2026Q1", "start": "2026-01-01",
    ...                                   "end": "2026-03-31"}}
    >>> card_notes(B())
    {'conversion_rate': 'cohort 2026Q1: first contacted 2026-01-01 to 2026-03-31'}
    """
    c = (getattr(bundle, "meta", None) or {}).get("conversion_cohort")
    if not c:
        return {}
    return {"conversion_rate": f"cohort {c['quarter']}: first contacted {c['start']} "
                               f"to {c['end']}"}


# -- tables ------------------------------------------------------------------------------


def _tag(text: Any) -> str:
    """A small marker naming the period of a figure from an earlier quarter."""
    return f' <span class="kam-tag">{_e(text)}</span>' if isinstance(text, str) and text else ""


def _cell(row: pd.Series, col: Any, kind: str, currency: str) -> str:
    if isinstance(col, tuple) and len(col) in (3, 4):
        r = {"value": row.get(col[0]), "low": row.get(col[1]), "high": row.get(col[2])}
        if _missing(r["value"]):
            note = row.get("note")  # a row that says why it has no value, e.g. "no peak"
            return _e(note) if isinstance(note, str) and note.strip() else NO_DATA
        v = fmt(r["value"], kind, currency)
        iv = interval(r["low"], r["high"], kind, currency)
        tag = _tag(row.get(col[3])) if len(col) == 4 else ""
        return (_e(v) if iv == NA else
                f'{_e(v)} <span class="kam-iv">({_e(iv)})</span>') + tag
    if isinstance(col, tuple) and len(col) == 2:
        return _e(interval(row.get(col[0]), row.get(col[1]), kind, currency))
    return _e(fmt(row.get(col), kind, currency))


def table(df: pd.DataFrame, columns: Sequence[tuple[Any, str, str]], max_rows: int = 25,
          caption: str | None = None, currency: str = "EUR",
          empty: str = "Nothing to show.") -> str:
    """A compact HTML table of chosen columns, each value in its unit.

    Parameters
    ----------
    df : the rows, in the order shown.
    columns : ``(column, header, kind)`` tuples; kind as in :func:`fmt`. ``column``
        may be a pair ``(low, high)`` (an interval), a triple ``(value, low, high)``
        (the value with its interval in brackets; a missing value reads "no data", or
        the row's ``note`` when the frame has one) or a quadruple ``(value, low, high,
        period)`` whose last column, when set, tags the value with the period it
        comes from (see :func:`latest`).
    max_rows : rows shown; the rest is summarised as "… and 12 more".
    caption : title over the table.
    currency : currency of money columns.
    empty : text shown instead of an empty table.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["<b>A</b>", "B", "C"], "rate": [0.1, 0.2, np.nan]})
    >>> h = table(df, [("name", "Account", "text"), ("rate", "Churn", "pct")], max_rows=2)
    >>> "&lt;b&gt;A&lt;/b&gt;" in h, "20.0&nbsp;%" in h, "and 1 more" in h
    (True, True, True)


    A value with its interval that is missing shows "no data", or the row's ``note``
    when it has one (the ideal touches of a channel whose curve has no peak):

    >>> peaks = pd.DataFrame({"value": [np.nan, np.nan], "low": np.nan, "high": np.nan,
    ...                       "note": ["no peak", ""]})
    >>> h = table(peaks, [(("value", "low", "high"), "Ideal touches", "dec1")])
    >>> '<td class="kam-r">no peak</td>' in h, "no data" in h
    (True, True)
    """
    if df is None or len(df) == 0:
        head = f'<div class="kam-caption">{_e(caption)}</div>' if caption else ""
        return f'<div class="kam-tablewrap">{head}<p class="kam-note">{_e(empty)}</p></div>'
    out = ['<div class="kam-tablewrap"><table class="kam-table">']
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>")
    for _col, header, kind in columns:
        cls = ' class="kam-r"' if kind in NUMERIC_KINDS else ""
        out.append(f"<th{cls}>{_e(header)}</th>")
    out.append("</tr></thead><tbody>")
    shown = df.head(max_rows)
    for _i, row in shown.iterrows():
        out.append("<tr>")
        for col, _header, kind in columns:
            text = _cell(row, col, kind, currency)
            if kind in NUMERIC_KINDS:
                cls = ' class="kam-r"'
            else:  # short text stays on one line, long text wraps
                cls = ' class="kam-nw"' if len(text) <= 28 else ""
            out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody>")
    rest = len(df) - len(shown)
    if rest > 0:
        out.append(f'<tfoot><tr><td colspan="{len(columns)}">… and {rest:,} more</td></tr>'
                   "</tfoot>")
    out.append("</table></div>")
    return "".join(out)


def _item(item: Any) -> tuple[str, str, str]:
    if isinstance(item, tuple):
        kpi, title, kind = item
        return kpi, title, kind
    i = _info(item)
    return item, i.title, i.kind


def kpi_table(kpis: pd.DataFrame, items: Iterable[Any],
              columns: Sequence[tuple[str, Any, str]] = (("company", "all", "Company"),),
              currency: str = "EUR", period: Any = None, caption: str | None = None,
              history: pd.DataFrame | None = None) -> str:
    """KPIs as rows, with each one's value, 95 % interval and n, for one or more groups.

    With ``history`` (``b.history``), a KPI without observations this quarter shows
    its latest figure within the last 12 months, tagged with its period
    (:func:`latest`), and a note under the table says so.

    Parameters
    ----------
    kpis : the long KPI table.
    items : KPI ids (title and unit from :data:`KPI_INFO`) or ``(kpi, title, kind)``.
    columns : ``(grain, group, header)`` per group shown side by side, e.g. a KAM
        next to the company.
    period : only rows of this period (default: all rows, i.e. the bundle's quarter).
    history : earlier quarters' rows to fall back on; None for none.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "nps", "grain": ["company", "kam"], "group": ["all", "K1"],
    ...                   "period": "2026Q3", "value": [2.0, 27.0], "low": [-6.0, -16.0],
    ...                   "high": [10.0, 61.0], "n": [343, 15]})
    >>> h = kpi_table(t, ["nps"], [("kam", "K1", "Greta"), ("company", "all", "Company")])
    >>> "Greta" in h and "+27" in h and "343 responses" in h
    True
    """
    items = [_item(i) for i in items]
    out = ['<div class="kam-tablewrap"><table class="kam-table">']
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead>")
    if len(columns) > 1:
        out.append("<tr><th></th>")
        for _g, _grp, header in columns:
            out.append(f'<th colspan="2" class="kam-group">{_e(header)}</th>')
        out.append("</tr>")
    out.append("<tr><th>KPI</th>")
    for _g, _grp, header in columns:
        first = header if len(columns) == 1 else "Value"
        out.append(f'<th class="kam-r">{_e(first)} (95 % interval)</th>'
                   '<th class="kam-r">Based on</th>')
    out.append("</tr></thead><tbody>")
    quarter = _quarter_of(kpis, period)
    tags: list[str] = []
    for kpi, title, kind in items:
        out.append(f"<tr><td>{_e(title)}</td>")
        for grain, group, _h in columns:
            if history is None:
                r = _row(kpis, kpi, grain, group, period)
                r["earlier"] = False
            else:
                r = latest(kpis, history, kpi, grain, group, quarter)
            if _missing(r["value"]):
                out.append(f'<td class="kam-r kam-muted">{NO_DATA}</td>')
            else:
                iv = interval(r["low"], r["high"], kind, currency)
                ivh = "" if iv == NA else f' <span class="kam-iv">({_e(iv)})</span>'
                tag = ""
                if r["earlier"]:
                    tags.append(period_label(kpi, r["period"]))
                    tag = _tag(tags[-1])
                out.append(f'<td class="kam-r">{_e(fmt(r["value"], kind, currency))}{ivh}'
                           f'{tag}</td>')
            based = f"{r['n']:,} {_info(kpi).n_unit}"
            out.append(f'<td class="kam-r kam-muted">{_e(based)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if tags:
        out.append(section_note(earlier_note(quarter, tags)))
    return "".join(out)


def kpi_by_group(kpis: pd.DataFrame, items: Iterable[Any], grain: str,
                 labels: dict | None = None, currency: str = "EUR", company: bool = True,
                 max_rows: int = 30, caption: str | None = None, period: Any = None,
                 sort: str = "label", history: pd.DataFrame | None = None) -> str:
    """Groups (segments, KAMs, channels) as rows, each KPI as a column with its interval.

    The value and its 95 % interval share a cell; ``n`` follows each KPI, once for
    neighbouring KPIs that rest on the same counts.

    With ``history`` (``b.history``), a group without observations of a KPI this
    quarter shows the KPI's latest figure within the last 12 months (:func:`latest`):
    the column header names the period when every figure in it comes from the same
    earlier quarter, otherwise each such figure is tagged; a note under the table
    says so. Groups that only have earlier figures (KAMs in a quarter without a
    survey wave) are listed too.

    Parameters
    ----------
    kpis : the long KPI table.
    items : KPI ids or ``(kpi, title, kind)``; the first one's n is shown.
    grain : ``"segment"``, ``"kam"`` or ``"channel"``.
    labels : display names of the groups (e.g. KAM id -> name); default :func:`label`.
    company : add the company as the first row.
    sort : ``"label"`` (alphabetical, never a ranking) or ``"n"`` (largest first).
    history : earlier quarters' rows to fall back on; None for none.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": "upsell_rate", "grain": ["company", "segment", "segment"],
    ...                   "group": ["all", "strategic", "mid_market"], "period": "2026Q3",
    ...                   "value": [0.06, 0.08, 0.04], "low": [0.03, 0.03, 0.01],
    ...                   "high": [0.1, 0.2, 0.12], "n": [224, 65, 52]})
    >>> h = kpi_by_group(t, ["upsell_rate"], "segment")
    >>> h.index("All accounts") < h.index("Mid market") < h.index("Strategic")
    True
    >>> kpi_by_group(t, ["nps"], "kam", company=False).count("No data")  # nothing: says so
    1
    """
    items = [_item(i) for i in items]
    quarter = _quarter_of(kpis, period)
    ids = [k for k, _t, _k in items]
    t = kpis[(kpis["grain"] == grain) & kpis["kpi"].isin(ids)] \
        if kpis is not None and len(kpis) and "kpi" in kpis else pd.DataFrame(columns=["group"])
    if period is not None and len(t):
        t = t[t["period"].astype(str) == str(period)]
    groups = list(dict.fromkeys(t["group"].astype(str)))
    if history is not None and len(history) and "kpi" in history and quarter:
        window = [_shift(quarter, -k) for k in range(1, LOOKBACK)]
        h = history[(history["grain"] == grain) & history["kpi"].isin(ids)
                    & history["period"].astype(str).isin(window) & history["value"].notna()]
        groups += [g for g in dict.fromkeys(h["group"].astype(str)) if g not in groups]
    if not groups and not company:
        since = _shift(quarter, 1 - LOOKBACK) if quarter else ""
        what = f" in {since}{DASH}{quarter}" if quarter else ""
        return table(pd.DataFrame(), [], caption=caption,
                     empty=f"No data for any {label(grain).lower()}{what}.")
    names = {g: (labels or {}).get(g, label(g)) for g in groups}

    def get(kpi: str, gr: str, g: str) -> dict:
        if history is None:
            r = _row(kpis, kpi, gr, g, period)
            r["earlier"], r["period"] = False, quarter
            return r
        return latest(kpis, history, kpi, gr, g, quarter)

    first = items[0][0] if items else None
    nmap = {g: get(first, grain, g)["n"] for g in groups}
    if sort == "n":
        groups.sort(key=lambda g: (-nmap[g], names[g]))
    else:
        groups.sort(key=lambda g: (str(names[g]).lower(), g))
    rows = []
    if company:
        rows.append(("company", "all", "All accounts"))
    rows += [(grain, g, names[g]) for g in groups]
    data = []
    for gr, g, name in rows:
        rec: dict[str, Any] = {"name": name}
        for kpi, _title, _kind in items:
            r = get(kpi, gr, g)
            rec[f"{kpi}|v"], rec[f"{kpi}|l"], rec[f"{kpi}|h"] = r["value"], r["low"], r["high"]
            rec[f"{kpi}|n"] = r["n"]
            rec[f"{kpi}|p"] = period_label(kpi, r["period"]) if r["earlier"] else ""
        data.append(rec)
    df = pd.DataFrame(data)
    head = {"segment": "Segment", "kam": "Account manager", "channel": "Channel"}
    cols: list[tuple[Any, str, str]] = [("name", head.get(grain, label(grain)), "text")]
    ns = [df[f"{k}|n"].tolist() for k, _t, _k in items]
    tags: list[str] = []
    for i, (kpi, title, kind) in enumerate(items):
        shown = df[~df[f"{kpi}|v"].map(_missing)]
        ps = set(shown[f"{kpi}|p"])
        tags += [p for p in ps if p]
        if len(shown) and len(ps) == 1 and "" not in ps:  # the whole column is earlier
            cols.append(((f"{kpi}|v", f"{kpi}|l", f"{kpi}|h"), f"{title}, {ps.pop()}", kind))
        else:
            cols.append(((f"{kpi}|v", f"{kpi}|l", f"{kpi}|h", f"{kpi}|p"), title, kind))
        if i == len(items) - 1 or ns[i + 1] != ns[i]:  # n once per run of equal counts
            cols.append((f"{kpi}|n", f"n ({_info(kpi).n_unit})", "int"))
    out = table(df, cols, max_rows=max_rows, caption=caption, currency=currency)
    if tags and quarter:
        out += section_note(earlier_note(quarter, tags))
    return out


# -- text blocks ------------------------------------------------------------------------------


def callout(text: str, kind: str = "info", title: str | None = None) -> str:
    """A boxed message; ``kind`` is ``info``, ``good``, ``warning`` or ``alert``.

    Examples
    --------
    >>> callout("Churn <rose>", "warning")
    '<div class="kam-callout kam-warning">Churn &lt;rose&gt;</div>'
    """
    kind = kind if kind in ("info", "good", "warning", "alert") else "info"
    head = f"<strong>{_e(title)}</strong> " if title else ""
    return f'<div class="kam-callout kam-{kind}">{head}{_e(text)}</div>'


def section_note(text: str) -> str:
    """A short muted note under a chart or table.

    Examples
    --------
    >>> section_note("n = 5 & fewer")
    '<p class="kam-note">n = 5 &amp; fewer</p>'
    """
    return f'<p class="kam-note">{_e(text)}</p>'


def bullets(items: Iterable[str]) -> str:
    """A bulleted list of sentences.

    Examples
    --------
    >>> bullets(["One.", "Two <2>."])
    '<ul class="kam-list"><li>One.</li><li>Two &lt;2&gt;.</li></ul>'
    """
    return '<ul class="kam-list">' + "".join(f"<li>{_e(t)}</li>" for t in items) + "</ul>"


def facts(pairs: Iterable[tuple[str, Any]]) -> str:
    """Label-value pairs in a compact grid (e.g. a KAM's name, team and accounts).

    Examples
    --------
    >>> facts([("Team", "Team A"), ("Accounts", "8")]).count('class="kam-fact"')
    2
    """
    body = "".join(f'<div class="kam-fact"><div class="kam-muted">{_e(k)}</div>'
                   f"<div><b>{_e(v)}</b></div></div>" for k, v in pairs)
    return f'<div class="kam-facts">{body}</div>'


# -- headlines ------------------------------------------------------------------------------


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
    try:
        return bundle.frame(name)
    except Exception:  # a bundle without that frame (e.g. no survival model)
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


# -- data shaping for the pages ------------------------------------------------------------


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
    from kamlib.stats import intervals as stats

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


# -- CSS ----------------------------------------------------------------------------------

#: The page CSS for cards, tables and notes; display it once per notebook.
STYLE = """<style>
.kam-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(178px,1fr));gap:10px;
  margin:6px 0 14px 0;font-family:"DejaVu Sans",Arial,sans-serif}
.kam-card{border:1px solid #DDDDDD;border-radius:6px;padding:8px 10px;background:#FFFFFF;
  line-height:1.3}
.kam-theme{font-size:10.5px;text-transform:uppercase;letter-spacing:.03em;color:#767676;
  min-height:2.5em}
.kam-title{font-size:13px;font-weight:bold;color:#222222;margin:2px 0 4px 0;min-height:2.6em}
.kam-value{font-size:24px;font-weight:bold;color:#222222;white-space:nowrap}
.kam-detail{font-size:11.5px;color:#555555;margin:2px 0 4px 0}
.kam-asof{font-size:11.5px;font-weight:bold;color:#9A6700;margin:1px 0 2px 0}
.kam-asof .kam-muted{font-weight:normal}
.kam-tag{display:inline-block;font-size:10.5px;color:#9A6700;background:#FDF7EC;
  border:1px solid #F0DDB0;border-radius:3px;padding:0 4px;margin-left:4px;
  white-space:nowrap;font-weight:normal}
.kam-changes{font-size:11.5px;color:#444444;display:flex;flex-direction:column}
.kam-change b{white-space:nowrap}
.kam-good{color:#009E73}.kam-bad{color:#D55E00}.kam-flat{color:#767676}
.kam-sparkrow{display:flex;align-items:center;gap:6px;margin-top:4px;font-size:10px}
.kam-spark{flex:none}
.kam-secondary{font-size:11.5px;color:#333333;border-top:1px solid #EEEEEE;margin-top:6px;
  padding-top:4px}
.kam-muted{color:#767676}
.kam-tablewrap{overflow-x:auto;margin:4px 0 12px 0;max-width:100%}
.kam-tablewrap table.kam-table{border-collapse:collapse;font-size:12.5px;margin:0;
  font-family:"DejaVu Sans",Arial,sans-serif;table-layout:auto;width:auto}
.kam-tablewrap table.kam-table caption{caption-side:top;text-align:left;font-weight:bold;
  font-size:13px;padding:2px 0 6px 0;color:#222222}
.kam-tablewrap table.kam-table th{text-align:left;border:none;border-bottom:2px solid #BBBBBB;
  padding:4px 10px;font-weight:bold;color:#222222;background:#FFFFFF;vertical-align:bottom;
  white-space:normal;line-height:1.25;max-width:13em}
.kam-tablewrap table.kam-table td{text-align:left;border:none;border-bottom:1px solid #E6E6E6;
  padding:3px 10px;color:#222222;background:#FFFFFF;vertical-align:top;line-height:1.35;
  white-space:normal;max-width:32em}
.kam-tablewrap table.kam-table tbody tr:nth-child(odd) td{background:#F7F7F7}
.kam-tablewrap table.kam-table th.kam-r,.kam-tablewrap table.kam-table td.kam-r{
  text-align:right;font-variant-numeric:tabular-nums}
.kam-tablewrap table.kam-table td.kam-r,.kam-tablewrap table.kam-table td.kam-nw{
  white-space:nowrap}
.kam-tablewrap table.kam-table th.kam-group{text-align:center;border-bottom:1px solid #BBBBBB;
  max-width:none}
.kam-tablewrap table.kam-table tfoot td{color:#767676;font-style:italic;border-bottom:none;
  background:#FFFFFF}
.kam-iv{color:#767676;font-size:11.5px}
.kam-caption{font-weight:bold;font-size:13px;margin:2px 0 6px 0}
p.kam-note.kam-note{font-size:12px;color:#555555;margin:4px 0 10px 0;text-align:left}
div.kam-callout.kam-callout{border-left:4px solid #0072B2;background:#F2F7FB;padding:8px 12px;
  margin:8px 0;font-size:13px;line-height:1.4;color:#222222}
div.kam-callout.kam-good{border-color:#009E73;background:#F0F9F6}
div.kam-callout.kam-warning{border-color:#E69F00;background:#FDF7EC}
div.kam-callout.kam-alert{border-color:#D55E00;background:#FCF1EB}
ul.kam-list.kam-list{font-size:14px;line-height:1.5;margin:4px 0 10px 0;padding-left:1.4em}
ul.kam-list.kam-list li{margin-bottom:4px}
.kam-facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:6px 0 12px 0;font-size:13px}
</style>"""
