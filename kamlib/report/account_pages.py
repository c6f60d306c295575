"""Account pages: one HTML page per current account, the one-pager for a business review.

Every page comes from one Jinja2 template (``templates/report/account.html.j2``, in
the frame of the report's other pages) filled from the bundle's frames: the accounts
(``account_view``, ``risk_ranking``) and each account's history (the ``account_*``
frames of :mod:`kamlib.report.account_history`). No notebook, kernel or plot library
runs per page: each frame is grouped by account once, and the small charts are inline
SVG drawn by the template (``templates/report/account_charts.svg.j2``).

Pages live in ``accounts/`` of the quarter's folder, named by
:func:`kamlib.report.paths.page_paths`; their links to other pages start with ``../``.

>>> from kamlib.report.bundle import Bundle
>>> from kamlib.periods import Quarter
>>> from kamlib.config import Settings
>>> b = Bundle(Quarter("2026Q3"), Settings(), Quarter("2026Q3").end)
>>> account_pages(b, [], [], "")
{}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from kamlib.errors import ReportError
from kamlib.plots.style import COLORS, fmt_money
from kamlib.present.format import NA, fmt, interval, label, missing
from kamlib.present.markup import render, stylesheet
from kamlib.report.paths import page_paths

__all__ = ["ACCOUNT_CSS", "TOP_ROWS", "account_pages", "bar_chart", "write_account_pages"]

#: the CSS of an account page: the frame's, the content tables' and the page's own
ACCOUNT_CSS = stylesheet("page.css") + stylesheet("content.css") + stylesheet("account.css")
#: rows of a table shown before its "Show all" box
TOP_ROWS = 8

#: each history frame's order on a page (column, ascending), the latest first
_ORDER: dict[str, tuple[list[str], list[bool]]] = {
    "profile": ([], []),
    "contracts": (["start_on", "contract_id"], [False, False]),
    "quarters": (["quarter"], [True]),
    "months": (["month"], [True]),
    "answers": (["responded_on"], [False]),
    "sales": (["issued_on"], [False]),
    "requests": (["raised_on"], [True]),
    "objectives": (["due_on", "indicator", "objective_id"], [False, True, True]),
}


def _groups(df: pd.DataFrame | None, order: tuple[list[str], list[bool]] = ([], [])
            ) -> dict[str, list[Any]]:
    """``df``'s rows as records (named tuples) by account, in one pass over the frame,
    each account's rows sorted by ``order`` (columns, ascending) when the frame has them.

    >>> g = _groups(pd.DataFrame({"account_id": ["b", "a", "b"], "x": [1, 2, 3]}),
    ...             (["x"], [False]))
    >>> [r.x for r in g["b"]], [r.x for r in g["a"]]
    ([3, 1], [2])
    """
    if df is None or len(df) == 0 or "account_id" not in df:
        return {}
    cols, asc = order
    keep = [(c, a) for c, a in zip(cols, asc, strict=True) if c in df]
    if keep:
        df = df.sort_values(["account_id", *[c for c, _a in keep]],
                            ascending=[True, *[a for _c, a in keep]], kind="stable")
    out: dict[str, list[Any]] = {}
    for r in df.itertuples(index=False):
        out.setdefault(str(r.account_id), []).append(r)
    return out


def _cell(value: Any, kind: str = "text", currency: str = "EUR") -> dict[str, Any]:
    text = fmt(value, kind, currency) if kind != "text" else (
        NA if missing(value) and not isinstance(value, str) else str(value))
    return {"text": text, "iv": None, "tag": None, "numeric": kind in _RIGHT, "href": None}


_RIGHT = {"money", "int", "number", "days", "pct"}


def _table(rows: list[list[dict]], columns: Sequence[tuple[str, str]], empty: str,
           caption: str | None = None, top: int = TOP_ROWS) -> dict[str, Any]:
    """The context of ``present/table.html.j2``: ``columns`` as (header, kind), rows of
    cells; ``empty`` instead of a table without rows; rows after ``top`` behind the
    table's "Show all" box (a table of up to ``top + 2`` rows shows them all)."""
    cols = [{"header": h, "numeric": k in _RIGHT} for h, k in columns]
    if not rows:
        return {"columns": cols, "rows": None, "rest": None, "more": "", "caption": caption,
                "empty": empty}
    shown, rest = (rows, None) if len(rows) <= top + 2 else (rows[:top], rows[top:])
    return {"columns": cols, "rows": shown, "rest": rest, "more": "", "caption": caption,
            "empty": empty}


# -- charts --------------------------------------------------------------------------------
def _num(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]],
              alt: str, stacked: bool = False, scale: Callable[[float], str] = str,
              width: int = 560, height: int = 150, every: int = 1) -> str:
    """A small inline SVG bar chart: one slot per label, each series (name, colour,
    values) a bar side by side (or ``stacked``), a <title> per bar, ``alt`` as its
    label; ``scale`` writes the axis' top value; every ``every``-th label is written.

    >>> s = bar_chart(["Q1", "Q2"], [("revenue", "#000", [1.0, 3.0])], "Revenue: 1 and 3")
    >>> s.count("<rect"), 'aria-label="Revenue: 1 and 3"' in s, "<title>Q2: revenue 3.0</title>" in s
    (2, True, True)
    """
    left, top, bottom = 4.0, 14.0, 18.0
    plot_h = height - top - bottom
    n = max(len(labels), 1)
    slot = (width - left) / n
    totals = [sum(max(0.0, s[2][i]) for s in series) if stacked
              else max([max(0.0, s[2][i]) for s in series] or [0.0]) for i in range(len(labels))]
    hi = max(totals or [0.0])
    bars, ticks = [], []
    inner = slot * 0.72
    bar_w = inner if stacked else inner / max(len(series), 1)
    for i, lab in enumerate(labels):
        x0 = left + slot * i + (slot - inner) / 2
        base = top + plot_h
        for j, (name, color, values) in enumerate(series):
            v = float(values[i]) if not missing(values[i]) else 0.0
            h = plot_h * max(0.0, v) / hi if hi > 0 else 0.0
            x = x0 if stacked else x0 + j * bar_w
            y = base - h
            bars.append({"x": _num(x), "y": _num(y), "w": _num(max(bar_w - 1, 1)),
                         "h": _num(h), "color": color,
                         "title": f"{lab}: {name} {scale(v) if not missing(values[i]) else NA}"})
            if stacked:
                base = y
        if (len(labels) - 1 - i) % every == 0:  # the last slot is always named
            ticks.append({"x": _num(left + slot * i + slot / 2), "text": lab})
    return render("report/account_chart.svg.j2", width=width, height=height, bars=bars,
                  ticks=ticks, alt=alt, top=scale(hi) if hi > 0 else "",
                  axis_y=_num(top + plot_h + 0.5), left=_num(left), right=_num(width),
                  label_y=_num(height - 4), top_y=_num(top - 4))


def _money_scale(currency: str) -> Callable[[float], str]:
    return lambda v: fmt_money(v, currency)


def _revenue_chart(q: list[Any], currency: str) -> str | None:
    if sum(r.invoices for r in q) == 0:
        return None
    money = _money_scale(currency)
    labels = [str(r.quarter) for r in q]
    rev, mar = [r.revenue for r in q], [r.gross_margin for r in q]
    alt = (f"Revenue and gross margin by quarter, {labels[0]} to {labels[-1]}: revenue "
           + ", ".join(money(v) for v in rev) + "; gross margin "
           + ", ".join(NA if missing(v) else money(v) for v in mar) + ".")
    return bar_chart([lab[2:] for lab in labels],
                     [("revenue", COLORS["main"], rev), ("gross margin", COLORS["good"], mar)],
                     alt, scale=money)


def _touch_chart(m: list[Any]) -> str | None:
    inbound, outbound = [int(r.inbound) for r in m], [int(r.outbound) for r in m]
    if sum(inbound) + sum(outbound) == 0:
        return None
    months = [str(r.month) for r in m]
    total = [i + o for i, o in zip(inbound, outbound, strict=True)]
    lo, hi = min(total), max(total)
    alt = (f"Touchpoints per month, {months[0]} to {months[-1]}: {sum(total)} in all "
           f"({sum(inbound)} inbound, {sum(outbound)} outbound); "
           f"fewest {lo} ({months[total.index(lo)]}), most {hi} ({months[total.index(hi)]}).")
    return bar_chart([x[2:] for x in months],
                     [("outbound", COLORS["main"], outbound),
                      ("inbound", COLORS["neutral"], inbound)],
                     alt, stacked=True, scale=lambda v: f"{v:.0f}", every=2)


# -- one page --------------------------------------------------------------------------------
def _bool(v: Any) -> bool | None:
    """A yes/no value; None when unknown (None, NaN, pandas' NA).

    >>> _bool(pd.NA), _bool(1), _bool(False)
    (None, True, False)
    """
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) \
        else bool(v)


def _text(v: Any) -> str | None:
    return None if missing(v) and not isinstance(v, str) else str(v)


def _with_interval(view: dict[str, Any], currency: str) -> str:
    """The CLV with its 95 % interval when the view has one.

    >>> _with_interval({"clv": 1200.0, "clv_low": 900.0, "clv_high": 1500.0}, "EUR")
    'EUR 1.2k (EUR 900–1.5k)'
    """
    value = fmt(view.get("clv"), "money", currency)
    iv = interval(view.get("clv_low"), view.get("clv_high"), "money", currency)
    return value if iv == NA else f"{value} ({iv})"


def _risk(view: dict[str, Any], ranked: dict[str, Any] | None, has_model: bool,
          currency: str) -> dict[str, Any]:
    out: dict[str, Any] = {"model": has_model, "facts": [], "drivers": None, "next_step": None}
    if ranked is not None:
        out["drivers"] = _text(ranked.get("drivers"))
        out["next_step"] = _text(ranked.get("next_step"))
        out["rank"] = fmt(ranked.get("rank"), "int")
    if has_model:
        out["facts"] = [
            ("Churn risk, next quarter", fmt(view.get("churn_next_quarter"), "pct")),
            ("Churn risk, next 12 months", fmt(view.get("churn_next_year"), "pct")),
            ("Lifetime value (CLV)", _with_interval(view, currency)),
            ("Value at risk, next 12 months", fmt(view.get("value_at_risk"), "money", currency)),
            ("Expected years ahead", fmt(view.get("remaining_years"), "dec1")),
        ]
    return out


def _contracts(c: list[Any], currency: str) -> dict[str, Any]:
    rows = [[_cell(r.contract_id), _cell(r.start_on, "date"), _cell(r.end_on, "date"),
             _cell(r.annual_value, "money", currency),
             _cell(r.renewal_of if _text(r.renewal_of) else "first contract")]
            for r in c]
    return _table(rows, [("Contract", "text"), ("Start", "date"), ("End", "date"),
                         ("Annual value", "money"), ("Renews", "text")],
                  "No contract on record.")


def _quarters(q: list[Any], currency: str) -> dict[str, Any]:
    rows = [[_cell(r.quarter), _cell(r.revenue, "money", currency),
             _cell(r.gross_margin, "money", currency),
             _cell(r.gross_margin / r.revenue if r.revenue > 0 and not missing(r.gross_margin)
                   else None, "pct"),
             _cell(r.invoices, "int")] for r in q[::-1]]
    return _table(rows, [("Quarter", "text"), ("Revenue", "money"), ("Gross margin", "money"),
                         ("Margin", "pct"), ("Invoices", "int")], "", top=len(rows))


def _answers(a: list[Any]) -> dict[str, Any]:
    rows = [[_cell(r.responded_on, "date"), _cell(r.score, "int"), _cell(r.group),
             _cell(label(r.contact_role) if _text(r.contact_role) else NA),
             _cell(_bool(r.would_reference), "bool")] for r in a]
    return _table(rows, [("Answered", "date"), ("Score (0–10)", "int"), ("Group", "text"),
                         ("Respondent", "text"), ("Would refer us", "text")],
                  "No survey answer in the last 8 quarters.")


def _requests(r: list[Any]) -> dict[str, Any]:
    rows = [[_cell(x.raised_on, "date"), _cell(x.age_days, "days"), _cell(label(x.channel))]
            for x in r]
    return _table(rows, [("Raised", "date"), ("Open for", "days"), ("Channel", "text")],
                  "No request raised this quarter is still open.")


def _objectives(o: list[Any]) -> dict[str, Any]:
    rows = [[_cell(r.due_on, "date"), _cell(label(r.indicator)), _cell(label(r.metric)),
             _cell(r.target, "number"), _cell(r.actual, "number"),
             _cell(_bool(r.met), "bool")] for r in o]
    return _table(rows, [("Due", "date"), ("Kind", "text"), ("Metric", "text"),
                         ("Target", "number"), ("Actual", "number"), ("Met", "text")],
                  "No objective due in the last 8 quarters.")


def _sales(s: list[Any], currency: str) -> dict[str, Any]:
    rows = [[_cell(r.issued_on, "date"), _cell(label(r.kind)), _cell(r.product_line),
             _cell(r.amount, "money", currency)] for r in s]
    return _table(rows, [("Invoiced", "date"), ("Kind", "text"), ("Product line", "text"),
                         ("Amount", "money")], "No upsell or cross-sell invoice on record.")


def _since(quarters: list[Any], since: Any, last) -> list[Any]:
    """``quarters`` without the leading ones that ended before the account became a
    customer (``since``) and had no invoice: a new account's page starts when it does.

    >>> from types import SimpleNamespace as R
    >>> from kamlib.periods import Quarter
    >>> q = [R(quarter="2026Q2", invoices=0), R(quarter="2026Q3", invoices=1)]
    >>> [r.quarter for r in _since(q, pd.Timestamp("2026-08-01"), Quarter("2026Q3"))]
    ['2026Q3']
    """
    if since is None or pd.isna(since):
        return quarters
    ends = {str(q): pd.Timestamp(q.end) for q in (last.shift(-k) for k in range(len(quarters)))}
    i = 0
    while i < len(quarters) - 1 and quarters[i].invoices == 0 \
            and ends.get(str(quarters[i].quarter), pd.Timestamp.max) < since:
        i += 1
    return quarters[i:]


def _get(groups: dict[str, list[Any]], key: str) -> list[Any]:
    return groups.get(key, [])


def account_context(b, view: dict[str, Any], g: dict[str, dict[str, list[Any]]],
                    ranked: dict[str, dict[str, Any]], links: dict[str, str]
                    ) -> dict[str, Any]:
    """What the template shows about the account of ``view`` (its ``account_view`` row
    as a dict): ``g`` holds each history frame's records by account (:func:`_groups`),
    ``ranked`` the risk ranking's rows by account, ``links`` the scorecards' hrefs by
    KAM id (from an account page)."""
    cur = b.settings.currency
    aid = str(view["account_id"])
    prof = _get(g["profile"], aid)
    p = prof[0]._asdict() if prof else {}
    kam_id = _text(view.get("kam_id"))
    name = _text(view.get("name")) or aid
    months = _get(g["months"], aid)
    quarters = _since(_get(g["quarters"], aid), p.get("customer_since"), b.quarter)
    gap = view.get("max_gap_days")
    limit = b.settings.gap_alert_days
    over = not missing(gap) and float(gap) > limit
    contracts = _get(g["contracts"], aid)
    n_open = len(_get(g["requests"], aid))
    return {
        "account_id": aid, "name": name,
        "kam": {"name": _text(view.get("kam_name")) or kam_id or NA,
                "href": links.get(kam_id) if kam_id else None},
        "facts": [("Segment", label(view.get("segment")) if _text(view.get("segment")) else NA),
                  ("Industry", label(p.get("industry")) if _text(p.get("industry")) else NA),
                  ("Region", label(p.get("region")) if _text(p.get("region")) else NA),
                  ("Customer since", fmt(p.get("customer_since"), "date")),
                  ("Annual contract value", fmt(view.get("acv_end"), "money", cur)),
                  ("Next renewal", fmt(view.get("next_renewal_on"), "date"))],
        "risk": _risk(view, ranked.get(aid), b.clv is not None, cur),
        "contracts": _contracts(contracts, cur), "n_contracts": len(contracts),
        "renewal": fmt(view.get("next_renewal_on"), "date"),
        "revenue_chart": Markup(c) if (c := _revenue_chart(quarters, cur)) else None,
        "quarters": _quarters(quarters, cur) if sum(r.invoices for r in quarters) else None,
        "answers": _answers(_get(g["answers"], aid)),
        "touch_chart": Markup(c) if (c := _touch_chart(months)) else None,
        "touches": sum(int(r.inbound) + int(r.outbound) for r in months),
        "gaps": [("Days since last contact",
                  "no contact on record" if missing(view.get("days_since_last_touch"))
                  else fmt(view.get("days_since_last_touch"), "days")),
                 ("Longest gap this quarter", fmt(gap, "days")),
                 ("Alert threshold", fmt(limit, "days"))],
        "gap_over": over, "gap_days": fmt(gap, "days"), "gap_limit": fmt(limit, "days"),
        "requests": _requests(_get(g["requests"], aid)), "n_open": n_open,
        "objectives": _objectives(_get(g["objectives"], aid)),
        "sales": _sales(_get(g["sales"], aid), cur),
    }


def account_pages(b, nav: Sequence[tuple[str, str]], kam_ids: Iterable[str], footer: str,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, str]:
    """Every current account's page, by href (relative to the quarter's folder).

    ``nav`` is the navigation of the quarter's top pages (hrefs relative to the
    quarter's folder; each gets ``../`` here), ``kam_ids`` the managers with a
    scorecard (a KAM without one is named without a link). ``progress`` is told
    ``(done, total)`` after each page.
    """
    return dict(_each_page(b, nav, kam_ids, footer, progress))


def _plan(b, kam_ids: Iterable[str]) -> tuple[pd.DataFrame, dict, dict]:
    """The accounts with a page in page order, every page's href by ``(kind, id)`` and
    the scorecard link of each manager in ``kam_ids``."""
    view = b.account_view
    if view is None or len(view) == 0:
        return pd.DataFrame(columns=["account_id"]), {}, {}
    view = view.sort_values("account_id", kind="stable").drop_duplicates("account_id")
    kams = sorted(set(kam_ids))
    paths = page_paths(kams, view.account_id.astype(str))
    hrefs = dict(zip(zip(paths.kind, paths.id, strict=True), paths.href, strict=True))
    return view, hrefs, {k: "../" + hrefs[("kam", k)] for k in kams}


def _each_page(b, nav: Sequence[tuple[str, str]], kam_ids: Iterable[str], footer: str,
               progress: Callable[[int, int], None] | None = None,
               part: tuple[int, int] = (0, 1)) -> Iterator[tuple[str, str]]:
    """:func:`account_pages` one ``(href, html)`` at a time, so that a writer holds one
    page, not all of them (11,217 pages are about 0.5 GB at 20,000 accounts); with
    ``part`` ``(k, n)``, only every n-th page from the k-th."""
    view, hrefs, links = _plan(b, kam_ids)
    if len(view) == 0:
        return
    g = {name: _groups(b.objectives_history if name == "objectives"
                       else getattr(b, f"account_{name}", None), order)
         for name, order in _ORDER.items()}
    rr = b.risk_ranking
    ranked = {str(r["account_id"]): r for r in rr.to_dict("records")} if len(rr) else {}
    frame = {"css": Markup(ACCOUNT_CSS), "quarter": str(b.quarter),
             "nav": [("../" + h, t) for h, t in nav], "footer": footer,
             "home": "../../index.html", "overview": "../index.html",
             "as_of": b.quarter.end.isoformat()}
    total = len(view)
    k, n = part
    for i, row in enumerate(view.iloc[k::n].to_dict("records")):
        aid = str(row["account_id"])
        ctx = account_context(b, row, g, ranked, links)
        yield hrefs[("account", aid)], render(
            "report/account.html.j2", a=ctx, title=f"{ctx['name']} · {b.quarter}", **frame)
        if progress:
            progress(i + 1, total)


#: from this many pages on, :func:`write_account_pages` shares them among processes
PARALLEL_FROM = 2000


def write_account_pages(b, folder: str | Path, nav: Sequence[tuple[str, str]],
                        kam_ids: Iterable[str], footer: str,
                        progress: Callable[[int, int], None] | None = None,
                        jobs: int = 1, parallel_from: int = PARALLEL_FROM) -> list[str]:
    """Write every current account's page into ``folder`` (the quarter's folder, its
    ``accounts/``); returns their hrefs in account order (see :func:`account_pages`).

    With ``jobs`` above 1 and at least ``parallel_from`` pages, ``jobs`` processes
    write them, each every ``jobs``-th page (forked from this one, so they share the
    bundle without copying it; where processes cannot be forked, one writes them all).
    The pages are the same either way.
    """
    import multiprocessing as mp

    folder = Path(folder)
    kam_ids = list(kam_ids)
    view, hrefs, _links = _plan(b, kam_ids)
    order = [hrefs[("account", str(a))] for a in view.account_id]
    total = len(order)
    if jobs < 2 or total < parallel_from or "fork" not in mp.get_all_start_methods():
        count = [0]

        def one_more() -> None:
            count[0] += 1
            if progress:
                progress(count[0], total)

        _write_part(b, folder, nav, kam_ids, footer, (0, 1), one_more)
        return order
    ctx = mp.get_context("fork")
    done = ctx.Value("l", 0)

    def counted() -> None:
        with done.get_lock():
            done.value += 1

    def counted_here() -> None:
        counted()
        if progress:
            progress(done.value, total)

    others = [ctx.Process(target=_write_part, daemon=True,
                          args=(b, folder, nav, kam_ids, footer, (k, jobs), counted))
              for k in range(1, jobs)]
    try:
        for proc in others:
            proc.start()
        _write_part(b, folder, nav, kam_ids, footer, (0, jobs), counted_here)
        while any(proc.is_alive() for proc in others):
            for proc in others:
                proc.join(0.25)
            if progress:
                progress(done.value, total)
    finally:
        for proc in others:
            if proc.is_alive():
                proc.terminate()
                proc.join()
    failed = [proc.exitcode for proc in others if proc.exitcode != 0]
    if failed:
        raise ReportError(f"writing the account pages failed in {len(failed)} of the {jobs} "
                          f"processes that shared them (exit code {failed[0]}); see the "
                          "error printed above")
    if progress:
        progress(total, total)
    return order


def _write_part(b, folder: Path, nav: Sequence[tuple[str, str]], kam_ids: list[str],
                footer: str, part: tuple[int, int], written: Callable[[], None]) -> None:
    """Write the pages of ``part`` (see :func:`_each_page`), telling ``written`` after
    each."""
    root = folder.resolve()
    for href, html in _each_page(b, nav, kam_ids, footer, None, part):
        path = folder / href
        if root not in path.resolve().parents:  # page_paths makes this impossible
            raise ReportError(f"refusing to write outside the report: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written()
