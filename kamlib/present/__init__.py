"""Presentation for the report notebooks: KPI cards, tables and sentences, as HTML.

The quarterly pages are read by company leaders who never see code, so every
number goes out with its unit, its 95 % interval and what it rests on. The
functions here turn the bundle's frames (:mod:`kamlib.report.bundle`) into small
HTML fragments that a notebook shows with ``display(HTML(...))``:

* :mod:`~kamlib.present.format`: values in their units (:func:`pct`,
  :func:`money`, :func:`number`, :func:`interval`, :func:`signed`), missing ones
  as ``"n/a"``;
* :mod:`~kamlib.present.cards`: :func:`kpi_cards`, the grid of the ten KPIs of key
  account management with their change against last quarter and last year and a
  sparkline;
* :mod:`~kamlib.present.tables`: :func:`table`, :func:`kpi_table` and
  :func:`kpi_by_group`, compact tables that never dump a raw frame;
* :mod:`~kamlib.present.text`: :func:`callout`, :func:`section_note`,
  :func:`bullets`, :func:`facts` and :func:`headlines`, a few factual sentences
  written from the data;
* :mod:`~kamlib.present.figures`: the KPIs' titles and units and the rule for
  quarters without data (:func:`latest`);
* :mod:`~kamlib.present.targets`: a figure's target and status as the pages write
  them (:func:`~kamlib.present.targets.goal`);
* :mod:`~kamlib.present.scorecard`: :func:`scorecard_head` and
  :func:`scorecard_kpis`, a manager's name as the page's title and their figures
  against last quarter, a year before and their target;
* :mod:`~kamlib.present.markup`: the Jinja2 templates the HTML comes from, and
  :data:`STYLE`, the CSS a notebook shows once, with its first display.

All text (names, labels, captions) is HTML-escaped, so an account called
``<script>`` shows as text. Nothing reads files or the clock, and the same input
gives the same bytes. Notebooks import the package: ``from kamlib import present``.

>>> pct(0.0268), money(9_130_000, "EUR"), interval(0.012, 0.057, "pct")
('2.7 %', 'EUR 9.1M', '1.2–5.7 %')
>>> print(signed(-6.4, "nps"), signed(0.013, "pct"), pct(float("nan")))
−6 +1.3 pp n/a
"""

from kamlib.present.cards import KPI_CARDS, Card, card_notes, cards, kpi_cards, sparkline
from kamlib.present.figures import KPI_INFO, LOOKBACK, Kpi, earlier_note, latest, period_label
from kamlib.present.format import (
    ACRONYMS,
    DASH,
    MINUS,
    NA,
    NO_DATA,
    NUMERIC_KINDS,
    fmt,
    formatter,
    interval,
    label,
    money,
    number,
    pct,
    signed,
)
from kamlib.present.markup import BAD, GOOD, MAIN, MUTED, STYLE
from kamlib.present.scorecard import scorecard_head, scorecard_kpis  # scorecard
from kamlib.present.tables import kpi_by_group, kpi_table, table
from kamlib.present.text import (
    bullets,
    callout,
    facts,
    headlines,
    latest_responses,
    section_note,
    wave_title,
)

__all__ = [
    "ACRONYMS",
    "BAD",
    "DASH",
    "GOOD",
    "KPI_CARDS",
    "KPI_INFO",
    "LOOKBACK",
    "MAIN",
    "MINUS",
    "MUTED",
    "NA",
    "NO_DATA",
    "NUMERIC_KINDS",
    "STYLE",
    "Card",
    "Kpi",
    "bullets",
    "callout",
    "card_notes",
    "cards",
    "earlier_note",
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
    "pct",
    "period_label",
    "section_note",
    "signed",
    "sparkline",
    "table",
    "wave_title",
    # scorecard: the manager's name as the title, figures against earlier quarters
    "scorecard_head",
    "scorecard_kpis",
]
