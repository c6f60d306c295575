"""What changed, and why, in words: the headlines of the executive summary, the note on
the changes within chance and the ranked table of every tested change.

The figures come from the bundle (``changes``, ``change_drivers``, computed by
:mod:`kamlib.kpis.changes` when the bundle is built); this module only words them and
renders them through the templates ``present/changes.html.j2`` and
``present/details.html.j2``.

>>> r = {"kpi": "upsell_rate", "unit": "Company", "versus": "a year before",
...      "before": 0.134, "now": 0.077, "change": -0.057, "relative": -0.43,
...      "low": -0.11, "high": -0.003, "p": 0.02, "q_value": 0.04}
>>> change_title(r)
'Upsell rate, company: 13.4 % → 7.7 % year on year'
>>> change_figures(r)
'−5.7 pp (95 % interval −11.0 pp to −0.3 pp; p = 0.02, q = 0.04).'
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from markupsafe import Markup

from kamlib.kpis.changes import TEST_NAMES
from kamlib.kpis.registry import SPECS
from kamlib.present import links
from kamlib.present.figures import kpi_info
from kamlib.present.format import fmt, label, signed
from kamlib.present.format import missing as _missing
from kamlib.present.markup import render
from kamlib.present.tables import table

__all__ = ["AGAINST", "HEADLINES", "PAGES", "change_figures", "change_headlines", "change_title",
           "changes_table", "headline_items", "within_chance"]

#: the most headlines the executive summary opens with
HEADLINES = 5

#: the page that explains each KPI family, by family (file, title)
PAGES = {
    "churn": ("clv_churn.html", "CLV and churn risk"),
    "survival": ("clv_churn.html", "CLV and churn risk"),
    "voice": ("customer_voice.html", "Customer voice"),
    "outcomes": ("engagement_outcomes.html", "Engagement and outcomes"),
    "interaction": ("engagement_outcomes.html", "Engagement and outcomes"),
    "growth": ("growth_acquisition.html", "Growth and acquisition"),
    "expansion": ("growth_acquisition.html", "Growth and acquisition"),
    "acquisition": ("growth_acquisition.html", "Growth and acquisition"),
    "team": ("team.html", "Team"),
}

#: how a sentence says what a change is against
AGAINST = {"previous quarter": "on the previous quarter", "a year before": "year on year"}
_MAIN = {"rate": "the groups' own figures moved more than their mix",
         "mix": "the mix moved more than the groups' own figures (accounts entering, "
                "leaving or changing weight)"}
_GAP = "standing gap"


def _absent(x: Any) -> bool:
    """True for None, NaN and empty text (names and ids, unlike numbers, are text).

    >>> _absent(None), _absent(float("nan")), _absent(""), _absent("K001")
    (True, True, True, False)
    """
    return x is None or x == "" or (isinstance(x, float) and math.isnan(x))


def _kind(kpi: str) -> str:
    kind = kpi_info(kpi).kind
    return kind if kind in ("pct", "ratio", "nps", "score", "hours", "days") else "number"


def _unit_text(r: Any) -> str:
    return "company" if r["unit"] == "Company" else str(r["unit"])


def change_title(r: Any) -> str:
    """The change named: KPI, group, from -> to, and against what.

    >>> change_title({"kpi": "logo_churn_rate", "unit": "least satisfied third",
    ...               "versus": "standing gap", "before": 0.019, "now": 0.066,
    ...               "before_period": "most satisfied third"})
    'Logo churn (quarter), least satisfied third: 6.6 % against 1.9 % for the most satisfied third'
    """
    kind = _kind(r["kpi"])
    name = kpi_info(r["kpi"]).title
    if r["versus"] == _GAP:
        return (f"{name}, {_unit_text(r)}: {fmt(r['now'], kind)} against "
                f"{fmt(r['before'], kind)} for the {r['before_period']}")
    return (f"{name}, {_unit_text(r)}: {fmt(r['before'], kind)} → {fmt(r['now'], kind)} "
            f"{AGAINST.get(r['versus'], r['versus'])}")


def change_figures(r: Any) -> str:
    """The change with its interval, p- and q-value (and the relative change of a count
    or an amount)."""
    kind = _kind(r["kpi"])
    rel = ""
    if kind in ("number", "hours", "days") and not _missing(r.get("relative")):
        rel = f", {signed(100 * r['relative'], 'number')} %"
    q = "" if _missing(r.get("q_value")) else f", q {_eq(r['q_value'])}"
    return (f"{signed(r['change'], kind)}{rel} (95 % interval {signed(r['low'], kind)} to "
            f"{signed(r['high'], kind)}; p {_eq(r['p'])}{q}).")


def _eq(p: float) -> str:
    """``= 0.03`` or ``< 0.001``.

    >>> _eq(0.0312), _eq(0.00001)
    ('= 0.03', '< 0.001')
    """
    text = fmt(p, "p")
    return text if text.startswith("<") else f"= {text}"


def _driver(r: Any) -> str:
    """The group that explains most of a change, and its rate and mix effects."""
    if r["versus"] == _GAP:
        return (f"a standing gap between groups over {r['period']}, not a change over "
                "time; it is tested like one and counts among the tests.")
    if _absent(r.get("driver_by")):
        return ""
    kind = _kind(r["kpi"])
    by, name, share = r["driver_by"], r.get("driver_name"), r.get("driver_share")
    who = "" if _absent(name) else (
        f"the {by} {label(name) if by == 'segment' else name} contributes most"
        + ("" if _missing(share) else f" ({fmt(share, 'pct')} of the change)") + "; ")
    return (f"{who}rate effect {signed(r['rate_effect'], kind)}, mix effect "
            f"{signed(r['mix_effect'], kind)}: {_MAIN.get(str(r.get('main')), '')}.")


def _accounts(r: Any) -> str:
    acc, own = r.get("account_names"), r.get("owner_names")
    if _absent(acc):
        return "" if _absent(own) else \
            f"{own} (the group's account managers whose accounts churned most)."
    return f"{acc} (owners: {own})." if not _absent(own) else f"{acc}."


# -- links: the accounts and managers a headline names link to their pages ------------------------
def _account_links(r: Any) -> Markup:
    """:func:`_accounts` as markup, each name linked to its page (:mod:`kamlib.present.links`)."""
    acc = links.name_pieces(r.get("accounts"), r.get("account_names"), "account")
    own = links.name_pieces(r.get("owners"), r.get("owner_names"), "kam")
    if not acc:
        return links.linked_text(
            [*own, " (the group's account managers whose accounts churned most)."] if own
            else [])
    return links.linked_text([*acc, " (owners: ", *own, ")."] if own else [*acc, "."])


def _look(r: Any) -> tuple[str, str]:
    if r["grain"] == "kam":
        return f"the scorecard of {r['unit']}", links.href("kam", r["group"]) or ""
    if r["grain"] == "kam_third":
        return "Team", "team.html"
    spec = SPECS.get(r["kpi"])
    href, title = PAGES.get(spec.family if spec else "", ("", ""))
    return title, href


def headline_items(changes: pd.DataFrame, top: int = HEADLINES) -> list[dict[str, str]]:
    """The first ``top`` changes that passed, as the headline template reads them."""
    if changes is None or len(changes) == 0:
        return []
    out = []
    for _i, r in changes[changes.passed.astype(bool)].head(top).iterrows():
        look, href = _look(r)
        out.append({"title": change_title(r) + ":", "change": change_figures(r),
                    "driver": _driver(r), "accounts": _accounts(r), "look": look,
                    "href": href, "links": _account_links(r)})
    return out


def _counts(changes: pd.DataFrame) -> dict[str, int]:
    if changes is None or len(changes) == 0:
        return {"tested": 0, "passed": 0, "gaps": 0}
    return {"tested": len(changes), "passed": int(changes.passed.astype(bool).sum()),
            "gaps": int((changes.versus == _GAP).sum())}


def change_headlines(changes: pd.DataFrame, q: float, top: int = HEADLINES) -> str:
    """The headlines (HTML): up to ``top`` changes that passed the false discovery rate
    ``q``, then how many were tested and how many passed."""
    c = _counts(changes)
    summary = (f"{c['tested']:,} changes tested (every KPI by company, segment and account "
               f"manager, against the previous quarter and a year before, and "
               f"{c['gaps']} standing gaps between groups); {c['passed']} passed the false "
               f"discovery rate of {fmt(q, 'pct')} (Benjamini-Hochberg).")
    none = (f"No change of the quarter passed the false discovery rate of {fmt(q, 'pct')}: "
            "each could be chance.")
    return render("present/changes.html.j2", items=headline_items(changes, top),
                  summary=summary, empty=none)


def within_chance(changes: pd.DataFrame, top: int = 6) -> str:
    """The compact note on the largest changes within chance: the ``top`` company and
    segment changes that did not pass, by rank, each with its q-value."""
    if changes is None or len(changes) == 0:
        return "No change could be tested this quarter."
    rest = changes[~changes.passed.astype(bool) & changes.grain.isin(["company", "segment"])]
    items = []
    for _i, r in rest.head(top).iterrows():
        kind = _kind(r["kpi"])
        what = kpi_info(r["kpi"]).title if r["unit"] == "Company" else \
            f"{kpi_info(r['kpi']).title} ({r['unit']})"
        move = signed(r["change"], kind)
        if kind in ("number", "hours", "days") and not _missing(r.get("relative")):
            move = f"{signed(100 * r['relative'], 'number')} %"
        against = AGAINST.get(r["versus"], r["versus"])
        if r["versus"] == _GAP:
            move = fmt(r["now"], kind)
            against = f"against {fmt(r['before'], kind)} for the {r['before_period']}"
        items.append(f"{what} {move} {against} (q {_eq(r['q_value'])})")
    if not items:
        return "Every company and segment change tested passed."
    return ("Changes within chance: " + "; ".join(items) + ". Each is within what chance "
            "produces among this many tests, so none is a headline; the table below "
            "lists every test.")


_COLUMNS = [("rank", "Rank", "int"), ("what", "Change", "text"),
            ("versus", "Against", "text"), ("move", "From → to", "text"),
            ("delta", "Change", "text"), ("p", "p", "p"), ("q_value", "q", "p"),
            ("verdict", "Verdict", "text"), ("test_name", "Test", "text")]
"""The table's columns; the tests are named briefly (two proportions: the z-test of k of
n; NPS counts: the difference of the answer counts; intervals: the difference of two
estimates with their intervals), as the section's introduction explains."""


def _rows(changes: pd.DataFrame) -> pd.DataFrame:
    def move(r):
        kind = _kind(r["kpi"])
        return f"{fmt(r['before'], kind)} → {fmt(r['now'], kind)}"

    return changes.assign(
        what=[f"{kpi_info(k).title}, {u}" for k, u in zip(changes.kpi, changes.unit,
                                                           strict=True)],
        move=[move(r) for _i, r in changes.iterrows()],
        delta=[signed(r["change"], _kind(r["kpi"])) for _i, r in changes.iterrows()],
        verdict=["real" if x else "within chance" for x in changes.passed.astype(bool)],
        test_name=changes.test.map(TEST_NAMES).fillna(changes.test),
        versus=[f"{v} ({b})" if v == _GAP else v
                for v, b in zip(changes.versus, changes.before_period, strict=True)])


def changes_table(changes: pd.DataFrame, top: int = 10) -> str:
    """The ranked table of the first ``top`` tested changes, and every one of them in a
    folded block under it."""
    if changes is None or len(changes) == 0:
        return table(pd.DataFrame(), _COLUMNS, empty="No change could be tested.")
    rows = _rows(changes)
    head = table(rows.head(top), _COLUMNS, max_rows=top)
    full = table(rows, _COLUMNS, max_rows=len(rows))
    return head + render("present/details.html.j2",
                         summary=f"All {len(rows):,} tested changes, ranked",
                         body=Markup(full))
