"""The one setup call of every report notebook.

``b = notebook_setup(data, quarter, cache)`` opens the quarter's bundle
(:func:`kamlib.report.bundle.open_bundle`), shows the page's style and its first line
(:func:`page_note`: the quarter, the currency, the intervals), applies the house plot
style, shows charts as SVG with alt text (:func:`show_svg_charts`) and sets how
warnings show: each warning a page's code raises is shown once per notebook, in the
cell that raised it, so an analyst reading an executed notebook sees it. Deprecation
warnings, meant for developers, stay hidden.

Warnings never reach the report's HTML pages: a warning is a ``stderr`` output of its
cell, and the export (:func:`kamlib.report.notebook_page.export_html`) drops ``stderr``
outputs, while the executed notebooks kept next to the pages keep them.
"""

from __future__ import annotations

import base64
import warnings

from markupsafe import Markup

from kamlib import plots, present
from kamlib.plots.alt import alt_text, svg_bytes
from kamlib.present import links
from kamlib.present.markup import render
from kamlib.report.bundle import Bundle, open_bundle

__all__ = ["figure_html", "notebook_setup", "page_note", "show_svg_charts", "show_warnings"]


def figure_html(fig) -> str:
    """A chart as the report shows it: an SVG image whose alt text says what it shows
    and its main reading (:func:`kamlib.plots.alt.alt_text`). Same figure, same bytes.

    >>> from kamlib.plots import plot_trend
    >>> import pandas as pd, matplotlib.pyplot as plt
    >>> ax = plot_trend(pd.DataFrame({"period": ["2026Q2", "2026Q3"], "value": [0.25, 0.5]}),
    ...                 ylabel="Win rate", percent=True)
    >>> html = figure_html(ax.figure)
    >>> html.startswith('<figure class="kam-figure"><img src="data:image/svg+xml;base64,')
    True
    >>> html.endswith('alt="Win rate by quarter, 2026Q2-2026Q3: 25.0% to 50.0%."></figure>')
    True
    >>> html == figure_html(ax.figure)
    True
    >>> plt.close(ax.figure)
    """
    data = base64.b64encode(svg_bytes(fig)).decode("ascii")
    return render("report/figure.html.j2", data=Markup(data), alt=alt_text(fig))


def show_svg_charts() -> None:
    """Show every matplotlib figure of the running notebook as :func:`figure_html`
    (an SVG image with alt text) instead of a PNG. Outside IPython it does nothing.

    >>> show_svg_charts()
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return
    shell = get_ipython()
    if shell is None:
        return
    # the inline backend sets its figure formats when it loads (at the first figure,
    # which would undo the choice below): load it now
    import matplotlib_inline.backend_inline  # noqa: F401
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    # no PNG or separate SVG copy: the HTML output carries the chart
    select_figure_formats(shell, set())
    shell.display_formatter.formatters["text/html"].for_type(Figure, figure_html)


def show_warnings() -> None:
    """Show each warning once per notebook, deprecations aside.

    Setting the filters also forgets the warnings shown before, so a notebook run
    after another one in the same kernel (as ``kam report`` does) shows its own.

    >>> show_warnings()
    >>> warnings.filters[0][0], warnings.filters[0][2].__name__
    ('ignore', 'PendingDeprecationWarning')
    """
    warnings.resetwarnings()
    warnings.simplefilter("default")
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", PendingDeprecationWarning)


def page_note(b: Bundle) -> str:
    """The first line of every page.

    >>> from datetime import date
    >>> from kamlib.config import Settings
    >>> from kamlib.periods import Quarter
    >>> page_note(Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30)))[:47]
    'Quarter 2026Q3, figures as of 2026-09-30. Money'
    """
    return (f"Quarter {b.quarter}, figures as of {b.as_of}. Money in {b.settings.currency}. "
            "Every range in brackets is a 95 % interval.")


def notebook_setup(data: str, quarter: str, cache: str = "", depth: int = 0) -> Bundle:
    """The bundle a notebook shows, after showing the page's style and first line, with
    the house plot style and warnings set.

    Parameters are the notebook's own: ``data`` (a folder or database URL; empty means
    the project's default data), ``quarter`` (empty means the latest complete one) and
    ``cache`` (the bundle's folder, which ``kam report`` passes; empty means build or
    reuse one in the project's cache). ``depth`` is how many folders below the
    quarter's folder the page lands (0 for a theme page, 1 for a scorecard in ``kam/``):
    the names in the page's tables link to the bundle's ``pages`` from there
    (:func:`kamlib.present.links.use_pages`). Without ``cache`` nothing links: a
    notebook opened on its own has no report pages beside it.
    """
    from IPython.display import HTML, display

    show_warnings()
    plots.use_house_style()
    show_svg_charts()
    b = open_bundle(data, quarter, cache)
    # -- links: names link to their pages, in a report (``kam report`` passes the cache);
    # a notebook opened on its own has no pages next to it, so it links nothing
    links.use_pages(b.pages if cache else None, depth)
    display(HTML(present.STYLE + present.section_note(page_note(b))))
    return b
