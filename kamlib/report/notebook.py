"""The one setup call of every report notebook.

``b = notebook_setup(data, quarter, cache)`` opens the quarter's bundle
(:func:`kamlib.report.bundle.open_bundle`), shows the page's style and its first line
(:func:`page_note`: the quarter, the currency, the intervals), applies the house plot
style and sets how warnings show: each warning a page's code raises is shown once per notebook, in the
cell that raised it, so an analyst reading an executed notebook sees it. Deprecation
warnings, meant for developers, stay hidden.

Warnings never reach the report's HTML pages: a warning is a ``stderr`` output of its
cell, and the export (:func:`kamlib.report.render.export_html`) drops ``stderr``
outputs, while the executed notebooks kept next to the pages keep them.
"""

from __future__ import annotations

import warnings

from kamlib import plots, present
from kamlib.report.bundle import Bundle, open_bundle

__all__ = ["notebook_setup", "page_note", "show_warnings"]


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


def notebook_setup(data: str, quarter: str, cache: str = "") -> Bundle:
    """The bundle a notebook shows, after showing the page's style and first line, with
    the house plot style and warnings set.

    Parameters are the notebook's own: ``data`` (a folder or database URL; empty means
    the project's default data), ``quarter`` (empty means the latest complete one) and
    ``cache`` (the bundle's folder, which ``kam report`` passes; empty means build or
    reuse one in the project's cache).
    """
    from IPython.display import HTML, display


    show_warnings()
    plots.use_house_style()
    b = open_bundle(data, quarter, cache)
    display(HTML(present.STYLE + present.section_note(page_note(b))))
    return b
