"""Which figure of a KPI a page shows: the KPIs' titles and units, and the rule for
quarters without data.

:data:`KPI_INFO` names every KPI of the long table with its unit and direction.
:func:`latest` finds a KPI's figure for the reported quarter or, when the quarter
has no observations of it (NPS in a quarter without a survey wave), the latest one
within the last 12 months, which the pages label with its period
(:func:`period_label`, :func:`earlier_note`).

>>> kpi_info("grr").kind, period_label("nps", "2026Q1")
('ratio', '2026Q1 wave')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np  # noqa: F401 (the examples use it)
import pandas as pd

from kamlib.kpis.registry import REGISTRY
from kamlib.present.format import label
from kamlib.present.format import missing as _missing
from kamlib.present.rows import kpi_row as _row
from kamlib.present.rows import quarter_of as _quarter_of
from kamlib.present.rows import shift_quarter as _shift

__all__ = [
    "KPI_INFO",
    "LOOKBACK",
    "Kpi",
    "earlier_note",
    "kpi_info",
    "latest",
    "period_label",
]


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

    Examples
    --------
    >>> Kpi("Renewal rate", "pct", True, "contracts up for renewal").n_unit
    'contracts up for renewal'
    """

    title: str
    kind: str
    higher_is_better: bool | None = True
    n_unit: str = "accounts"
    period_word: str = ""
    #: the KPI's definition in words (the registry's ``formula``), shown where it appears
    definition: str = ""


#: Every KPI id of the long table with its title, unit and direction, as the KPI
#: registry (:mod:`kamlib.kpis.registry`) defines them.
KPI_INFO: dict[str, Kpi] = {
    s.id: Kpi(s.title, s.unit, s.higher_is_better, s.n_unit, s.period_word,
              " ".join(s.formula.split())) for s in REGISTRY
}


def kpi_info(kpi: str) -> Kpi:
    """How ``kpi`` is shown: its entry of :data:`KPI_INFO`, or its id in words as a
    plain number of unknown direction.

    Examples
    --------
    >>> kpi_info("nps").title, kpi_info("new_metric").title
    ('Net Promoter Score', 'New metric')
    """
    return KPI_INFO.get(kpi, Kpi(label(kpi), "number", None, "rows"))


#: Quarters a page looks back, the reported one included, for a KPI without observations.
LOOKBACK = 4


def period_label(kpi: str, period: Any) -> str:
    """How the period of a figure from an earlier quarter is named on a page.

    Examples
    --------
    >>> period_label("nps", "2026Q1"), period_label("nrr", "2026Q1")
    ('2026Q1 wave', '2026Q1')
    """
    word = kpi_info(kpi).period_word
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
