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

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from kamlib.config import PACKAGE_DIR
from kamlib.periods import Quarter
from kamlib.present.markup import render, stylesheet

__all__ = ["NBCONVERT_TEMPLATES", "PAGE_CSS", "notebook_html", "quarter_index", "root_index",
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
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(template_name="kam",
                            extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    resources = {"kam": {"title": f"{title} · {quarter}", "quarter": quarter, "nav": nav,
                         "footer": footer, "home": home, "css": PAGE_CSS}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return with_toc(body)


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
                  footer: str, nav: Sequence[tuple[str, str]]) -> str:
    """A quarter's index page: its theme pages, its scorecards and its files.

    ``pages`` have ``html`` (the file), ``title`` and ``kam_id`` (None for a theme
    page); ``names`` are the account managers' names by id.

    Examples
    --------
    >>> from types import SimpleNamespace as Page
    >>> h = quarter_index(Quarter("2026Q3"), [Page(html="kam/K1.html", title="", kam_id="K1")],
    ...                   {"K1": "Greta <G>"}, "", [])
    >>> "Greta &lt;G&gt;" in h and "Scorecards (1 account managers" in h
    True
    """
    pages = list(pages)
    return render("report/quarter_index.html.j2", quarter=str(quarter),
                  as_of=quarter.end.isoformat(), names=names,
                  themes=[p for p in pages if p.kam_id is None],
                  scorecards=[p for p in pages if p.kam_id is not None],
                  css=Markup(PAGE_CSS), title=f"KAM report {quarter}", nav=nav,
                  footer=footer, home="../index.html")
