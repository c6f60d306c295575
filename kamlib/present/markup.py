"""HTML from Jinja2 templates: the one environment behind every fragment and page.

The templates are files in the package's ``templates`` folder: ``present/`` holds
the fragments the notebooks show (cards, tables, notes), ``report/`` the report's
own pages (their frame, the indexes) and ``css/`` the two stylesheets:
``content.css`` for the fragments (:data:`STYLE`, shown once by each notebook)
and ``page.css`` for the frame of every report page.

Autoescaping is on. Values are escaped as :func:`html.escape` does (``'`` as
``&#x27;``, ``"`` as ``&quot;``), so names from the data show as text and a page's
bytes do not depend on the template library; the ``units`` filter also keeps a
number and its unit on one line (``25&nbsp;%``, ``+1.3&nbsp;pp``).

>>> render("present/note.html.j2", text="n = 5 & fewer, 3 % of all")
'<p class="kam-note">n = 5 &amp; fewer, 3&nbsp;% of all</p>'
"""

from __future__ import annotations

import html
from typing import Any

import jinja2
from markupsafe import Markup

from kamlib.plots.style import COLORS

__all__ = [
    "BAD",
    "ENV",
    "GOOD",
    "MAIN",
    "MUTED",
    "STYLE",
    "escape",
    "render",
    "stylesheet",
    "units",
]

#: Colours of the fragments: the plots' palette (content.css uses the same values).
GOOD = COLORS["good"]
BAD = COLORS["alert"]
MAIN = COLORS["main"]
MUTED = COLORS["muted"]


def escape(value: Any) -> Markup:
    """``value`` as HTML text, escaped as :func:`html.escape` does; markup stays as it is.

    Every value a template writes goes through it (the environment's ``finalize``).

    Examples
    --------
    >>> print(escape("O'Neil & <Co>"), escape(Markup("<b>x</b>")), escape(3))
    O&#x27;Neil &amp; &lt;Co&gt; <b>x</b> 3
    """
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape(str(value), quote=True))


def units(value: Any) -> Markup:
    """Escaped text that keeps numbers and their units on one line (the ``units`` filter).

    Examples
    --------
    >>> print(units("2.7 % (+1.3 pp) <b>"))
    2.7&nbsp;% (+1.3&nbsp;pp) &lt;b&gt;
    """
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    text = html.escape(str(value), quote=True)
    return Markup(text.replace(" %", "&nbsp;%").replace(" pp", "&nbsp;pp"))


_LOADER = jinja2.PackageLoader("kamlib", "templates")

#: The Jinja2 environment of every template: autoescaping on, block tags take their
#: line break with them (``trim_blocks``, ``lstrip_blocks``), undefined names fail.
ENV = jinja2.Environment(
    loader=_LOADER,
    autoescape=True,
    finalize=escape,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENV.filters["units"] = units


def render(template: str, **context: Any) -> str:
    """The template (a path under ``templates/``) rendered with ``context``, as plain text.

    Pass markup made by another template as :class:`markupsafe.Markup` to have it
    written as it is.

    Examples
    --------
    >>> render("present/bullets.html.j2", items=["a < b"])
    '<ul class="kam-list"><li>a &lt; b</li></ul>'
    """
    return str(ENV.get_template(template).render(**context))


def stylesheet(name: str) -> str:
    """The CSS of ``templates/css/<name>``, as the file has it.

    Examples
    --------
    >>> stylesheet("content.css").startswith(".kam-cards{")
    True
    """
    source, _path, _uptodate = _LOADER.get_source(ENV, f"css/{name}")
    return source


#: The CSS of cards, tables and notes in a ``<style>`` element; display it once per notebook.
STYLE = render("present/style.html.j2", css=Markup(stylesheet("content.css")))
