"""The report's HTML: notebook pages through nbconvert, the index pages, the contents.

Every page of a report has the same frame (header with the navigation, footer,
:data:`PAGE_CSS` from ``templates/css/page.css``). Notebook pages are exported by
nbconvert with the template ``templates/nbconvert/kam``; the pages that are not
notebooks (the quarter's index and the index of all quarters) come from the
Jinja2 templates ``templates/report/*.html.j2`` (:mod:`kamlib.present.markup`).
Nothing here reads the clock or writes files: the same input gives the same bytes.

>>> print(with_toc('<aside><!--KAM-TOC--></aside><h2 id="a">Churn &amp; CLV</h2>'))
<aside><div class="toc-title">On this page</div><ol><li><a href="#a">Churn &amp; CLV</a></li></ol></aside><h2 id="a">Churn &amp; CLV</h2>
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from kamlib import present
from kamlib.config import PACKAGE_DIR
from kamlib.periods import Quarter
from kamlib.plots.style import shorten
from kamlib.present.markup import render, stylesheet

__all__ = ["INDEX_CARDS", "NAME_MAX", "NBCONVERT_TEMPLATES", "PAGE_CSS", "notebook_html", "quarter_index", "root_index",
           "with_toc"]

#: The folder of nbconvert templates; the report's is ``kam``.
NBCONVERT_TEMPLATES = PACKAGE_DIR / "templates" / "nbconvert"

#: The CSS of every report page's frame.
PAGE_CSS = stylesheet("page.css")

_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)(?:<a class="anchor-link".*?)?</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")


def notebook_html(nb_path: str | Path, title: str, quarter: str,
                  nav: Sequence[tuple[str, str]], footer: str, home: str) -> str:
    """An executed notebook as a report page: inputs hidden, images embedded, the
    report's frame (``nav`` as ``(href, text)`` pairs, ``home`` the link of the
    brand) and a table of contents (:func:`with_toc`). Warnings (a cell's ``stderr``
    output) stay in the executed notebook for analysts and are left out of the page.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Churn")])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     nbformat.write(nb, f"{d}/page.ipynb")
    ...     page = notebook_html(f"{d}/page.ipynb", "Churn", "2026Q3", [("index.html", "Home")],
    ...                          "kamlib", "../index.html")
    >>> "<title>Churn · 2026Q3</title>" in page and '<li><a href="#Churn">Churn</a></li>' in page
    True
    """
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
    exporter = _exporter()
    resources = {"kam": {"title": f"{title} · {quarter}", "quarter": quarter, "nav": nav,
                         "footer": footer, "home": home, "css": PAGE_CSS}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return with_toc(body)


@functools.cache
def _exporter():
    """The page exporter, made once per process: making one compiles its templates
    (about half the export of a scorecard). Each export passes its own resources, so
    a page does not depend on the pages exported before it."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="kam", extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
                        exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, embed_images=True)


def with_toc(page: str) -> str:
    """``page`` with its ``<!--KAM-TOC-->`` mark replaced by links to its h2 headings.

    Examples
    --------
    >>> with_toc("<h1>No sections</h1><!--KAM-TOC-->")
    '<h1>No sections</h1>'
    """
    heads = [(Markup(hid), Markup(_TAG.sub("", text).strip()))
             for hid, text in _H2.findall(page)]
    return page.replace("<!--KAM-TOC-->", render("report/toc.html.j2", heads=heads), 1)


def root_index(quarters: Sequence[str]) -> str:
    """The index of all rendered quarters (``<out>/index.html``), in the given order.

    Examples
    --------
    >>> '<li><a href="2026Q3/index.html">2026Q3</a></li>' in root_index(["2026Q3"])
    True
    """
    return render("report/root_index.html.j2", quarters=list(quarters), css=Markup(PAGE_CSS),
                  title="KAM reports", quarter="all quarters", nav=[],
                  footer="kamlib reports", home="index.html")


def quarter_index(quarter: Quarter, pages: Iterable[Any], names: Mapping[str, str],
                  footer: str, nav: Sequence[tuple[str, str]], bundle: Any = None) -> str:
    """A quarter's index page: headline KPI cards, its theme pages, the account managers
    (each name linking to the scorecard), the current accounts (each name linking to
    the account's page), a search box that filters both lists as you type, and its
    files.

    ``pages`` have ``html`` (the file), ``title`` and ``kam_id`` (None for a theme
    page); ``names`` are the account managers' names by id. With ``bundle`` (the
    quarter's :class:`~kamlib.report.bundle.Bundle`) the page also shows the cards
    (:data:`INDEX_CARDS`), each manager's team, accounts and lifetime value, and the
    list of accounts; account links come from the bundle's ``pages``. The search is a
    small script in the page (nothing is fetched); without JavaScript the lists are
    all there and the box stays hidden.

    Examples
    --------
    >>> from types import SimpleNamespace as Page
    >>> h = quarter_index(Quarter("2026Q3"), [Page(html="kam/K1.html", title="", kam_id="K1")],
    ...                   {"K1": "Greta <G>"}, "", [])
    >>> "Greta &lt;G&gt;" in h and "Scorecards (1 account managers" in h
    True
    """
    pages = list(pages)
    scorecards = [p for p in pages if p.kam_id is not None]
    extra = _index_lists(scorecards, names, bundle)
    return render("report/quarter_index.html.j2", quarter=str(quarter),
                  as_of=quarter.end.isoformat(), names=names,
                  themes=[p for p in pages if p.kam_id is None],
                  scorecards=scorecards,
                  css=Markup(PAGE_CSS), title=f"KAM report {quarter}", nav=nav,
                  footer=footer, home="../index.html", **extra)


# -- links: the index's cards, lists of managers and accounts, and search ------------------------
#: The company KPIs a quarter's index opens with, as cards.
INDEX_CARDS = ("logo_churn_rate", "nrr", "nps", "clv_total")
#: The longest name the index's lists show; longer ones end in "…" (one line each)
NAME_MAX = 80


def _name(x: Any) -> str:
    """A name as the index's lists show it: one line, at most :data:`NAME_MAX` characters.

    >>> _name("Kira  Q" + "Q" * 100)[-3:], len(_name("Q" * 100))
    ('QQ…', 80)
    """
    return shorten(x, NAME_MAX)


def _text(x: Any) -> str:
    return "" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def _index_lists(scorecards: Sequence[Any], names: Mapping[str, str],
                 bundle: Any) -> dict[str, Any]:
    """The index's cards (markup), managers and accounts, as the template reads them."""
    b = bundle
    summary = {}
    if b is not None and len(b.kam_summary):
        summary = {str(r.kam_id): r for r in b.kam_summary.itertuples(index=False)}
    currency = b.settings.currency if b is not None else "EUR"
    kams = []
    for p in scorecards:
        r = summary.get(str(p.kam_id))
        name = _name(names.get(p.kam_id, p.kam_id))
        team = _text(getattr(r, "team", None))
        kams.append({"id": p.kam_id, "href": p.html, "name": name,
                     "team": present.label(team) if team else "",
                     "accounts": present.fmt(getattr(r, "accounts", None), "int")
                     if r is not None else "",
                     "clv": present.money(getattr(r, "clv", None), currency)
                     if r is not None else ""})
    kams.sort(key=lambda k: (str(k["name"]).lower(), str(k["id"])))
    accounts: list[dict[str, Any]] = []
    cards = ""
    if b is not None:
        hrefs = {(str(k), str(i)): str(h) for k, i, h in
                 zip(b.pages.get("kind", []), b.pages.get("id", []), b.pages.get("href", []),
                     strict=True)}
        view = b.account_view
        if len(view):
            view = view.assign(_key=view["name"].map(_text).str.lower()) \
                .sort_values(["_key", "account_id"])
        for r in view.itertuples(index=False):
            name, kam = _name(_text(r.name) or str(r.account_id)), _name(_text(r.kam_name))
            segment = _text(getattr(r, "segment", None))
            accounts.append({
                "id": str(r.account_id), "href": hrefs.get(("account", str(r.account_id))),
                "name": name, "kam": kam, "kam_href": hrefs.get(("kam", _text(r.kam_id))),
                "segment": present.label(segment) if segment else "",
                "clv": present.money(r.clv, currency), "risk": present.pct(r.churn_next_year),
                # a churn risk is read beside the next renewal, when customers mostly leave
                "renewal": present.fmt(getattr(r, "next_renewal_on", None), "date")})
        items = [c for k in INDEX_CARDS for c in present.KPI_CARDS if c.kpi == k]
        cards = present.STYLE + present.kpi_cards(b.kpis, b.trend, b.quarter, currency,
                                                  cards=items, notes=present.card_notes(b))
    return {"kams": kams, "accounts": accounts, "with_bundle": b is not None,
            "cards": Markup(cards)}
