"""A manager's scorecard: its head, and the KPI table a manager works from.

:func:`scorecard_head` writes the manager's name as the page's title. :func:`scorecard_kpis`
sets each of the manager's figures against the same figure last quarter and a year
before, and against the manager's target with its status, beside the company's figure.

A change is shown as an arrow with the change in the KPI's unit (▲ up, ▼ down). The
arrow is coloured only when the change is beyond chance, by the test of the executive
summary's *What changed* (:mod:`kamlib.kpis.changes`: every change of the quarter tested
together under a false discovery rate, the ``passed`` column of ``b.changes``): green
when it is for the better, vermillion when for the worse, and bold. A change within
chance, or one that was not tested (a KPI without a test, or a figure on too few
accounts), is grey: the house rule of :func:`kamlib.present.cards.within_chance` and
:mod:`kamlib.present.changes`.

>>> print(scorecard_head("Greta <Berg>", "Account manager scorecard · Team A"))
<h1 class="kam-name">Greta &lt;Berg&gt;</h1><p class="kam-subtitle">Account manager scorecard · Team A</p>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from kamlib.kpis.registry import SPECS
from kamlib.present.figures import earlier_note, kpi_info, latest, period_label
from kamlib.present.format import NA, NO_DATA, fmt, interval, missing, signed
from kamlib.present.markup import render
from kamlib.present.rows import kpi_row, quarter_of, shift_quarter
from kamlib.present.targets import STATUS_CLASS, goal, target_of

__all__ = ["NO_TARGET", "NO_TARGETS", "VERSUS", "change_cell", "manager_rows", "scorecard_head",
           "scorecard_kpis", "target_cell"]

#: the comparisons of a manager's figure: (``versus`` of ``b.changes``, quarters back, header)
VERSUS = (("previous quarter", 1, "Last quarter"), ("a year before", 4, "A year before"))
#: what the target column says when the manager has no target for a KPI
NO_TARGET = "none set"
#: the note under a table whose manager has no target at all (the column is left out)
NO_TARGETS = ("No target is set for {name}'s own figures (a target names its manager); "
              "the company's targets are under the company's figures.")


def scorecard_head(name: str, subtitle: str = "") -> str:
    """The head of a scorecard: the manager's ``name`` as the page's title (h1, escaped)
    and ``subtitle`` under it."""
    return render("present/scorecard_head.html.j2", name=name, subtitle=subtitle)


def target_cell(value: Any, target: Any, status: str, kind: str,
                currency: str = "EUR") -> dict[str, str]:
    """The target column's cell: the target (``text``) and, under it, its status
    (``status``, as :func:`kamlib.present.targets.goal` words it) in the status's colour
    (``cls``), or :data:`NO_TARGET` in grey.

    Examples
    --------
    Target 3 % churn, the manager's 7.1 % missed it with the whole interval above:
    7.1 - 3.0 = 4.1 pp.

    >>> target_cell(0.0714, 0.03, "missed", "pct")
    {'text': '3.0 %', 'status': 'missed by 4.1 pp', 'cls': 'kam-bad'}
    >>> target_cell(0.0714, float("nan"), "", "pct")
    {'text': 'none set', 'status': '', 'cls': 'kam-muted'}
    """
    aim = goal(value, target, status, kind, currency)
    if aim is None:
        return {"text": NO_TARGET, "status": "", "cls": "kam-muted"}
    words = aim["text"].partition(": ")[2]  # "Target 3.0 %: missed by 4.1 pp"
    return {"text": fmt(target, kind, currency), "status": words, "cls": aim["cls"]}


def change_cell(now: Any, before: Any, kind: str, higher_is_better: bool | None,
                test: Mapping[str, Any] | None, currency: str = "EUR") -> dict[str, Any]:
    """One comparison's cell: the earlier figure ``before`` and the change to ``now``.

    ``test`` is the change's row of ``b.changes`` (``passed``, ``q_value``), None when it
    was not tested. The arrow is coloured (``kam-good``, ``kam-bad``) and bold only when
    the test passed; otherwise grey (``kam-flat``). Without both figures there is no
    arrow (``change`` None); without the earlier one, ``before`` is None ("no data").

    Examples
    --------
    Touchpoints per account 40.3 -> 32.3, a change within chance (q = 1):

    >>> c = change_cell(32.3, 40.3, "number", True, {"passed": False, "q_value": 1.0})
    >>> c["before"], c["change"], c["cls"], c["strong"], c["why"]
    ('40.3', '▼ −8.0', 'kam-flat', False, 'within chance (q = 1.00)')

    Churn 2.0 % -> 7.0 %, beyond chance (q = 0.04), and lower is better:

    >>> c = change_cell(0.07, 0.02, "pct", False, {"passed": True, "q_value": 0.04})
    >>> c["change"], c["cls"], c["strong"], c["why"]
    ('▲ +5.0 pp', 'kam-bad', True, 'beyond chance (q = 0.04)')
    >>> change_cell(0.07, float("nan"), "pct", False, None)["before"] is None
    True
    """
    out: dict[str, Any] = {"before": None if missing(before) else fmt(before, kind, currency),
                           "change": None, "cls": STATUS_CLASS[""], "strong": False, "why": ""}
    if missing(before) or missing(now):
        return out
    change = float(now) - float(before)
    text = signed(change, kind, currency)
    flat = not text.startswith(("+", "\u2212"))  # rounds to zero: no arrow
    arrow = "" if flat else ("▲ " if change > 0 else "▼ ")
    if test is None:
        why = "not tested"
        passed = False
    else:
        passed = bool(test.get("passed"))
        q = test.get("q_value")
        verdict = "beyond chance" if passed else "within chance"
        why = verdict if missing(q) else f"{verdict} (q = {float(q):.2f})"
    cls = STATUS_CLASS[""]
    if passed and not flat and higher_is_better is not None:
        cls = "kam-good" if (change > 0) == higher_is_better else "kam-bad"
    out.update(change=arrow + text, cls=cls, strong=passed and not flat, why=why)
    return out


def _test(changes: pd.DataFrame | None, kpi: str, kam_id: str,
          versus: str) -> Mapping[str, Any] | None:
    """The row of ``changes`` that tested the manager's change of ``kpi``, or None."""
    if changes is None or len(changes) == 0 or "kpi" not in changes:
        return None
    t = changes[(changes["kpi"] == kpi) & (changes["grain"] == "kam")
                & (changes["group"].astype(str) == str(kam_id)) & (changes["versus"] == versus)]
    return t.iloc[0].to_dict() if len(t) else None


def manager_rows(frame: pd.DataFrame | None, items: Iterable[str], kam_id: str
                 ) -> pd.DataFrame | None:
    """The rows of ``frame`` about ``items`` for manager ``kam_id`` or the whole company.

    >>> f = pd.DataFrame({"kpi": ["nps", "nps", "nps", "nrr"], "grain": "kam",
    ...                   "group": ["K1", "K2", "K1", "K1"]})
    >>> manager_rows(f, ["nps"], "K1").index.tolist()
    [0, 2]
    """
    if frame is None or len(frame) == 0 or not {"kpi", "grain", "group"} <= set(frame.columns):
        return frame
    # numpy compares object arrays with a string several times faster than pandas does
    # (the tables run to half a million rows at 20,000 accounts); the rows are the same
    group = frame["group"].astype(str).to_numpy()
    grain = frame["grain"].to_numpy()
    keep = frame["kpi"].isin(list(items)).to_numpy() & (
        ((grain == "kam") & (group == str(kam_id)))
        | ((grain == "company") & (group == "all")))
    return frame[keep]


def _latest(kpis: pd.DataFrame, history: pd.DataFrame | None, kpi: str, grain: str,
            group: str, quarter: Any, period: Any) -> dict:
    """A group's figure of the quarter, or its latest within 12 months with ``history``."""
    if history is None:
        r = kpi_row(kpis, kpi, grain, group, period)
        r.update(earlier=False, period=quarter)
        return r
    return latest(kpis, history, kpi, grain, group, quarter)


def _figure(r: dict, kind: str, currency: str, tags: list[str], kpi: str) -> dict[str, Any]:
    """A figure's cell (text, interval, the tag of an earlier period) as macros.value
    reads it; text None for no data."""
    if missing(r["value"]):
        return {"text": None, "iv": None, "tag": None}
    tag = None
    if r.get("earlier"):
        tags.append(period_label(kpi, r["period"]))
        tag = tags[-1]
    iv = interval(r["low"], r["high"], kind, currency)
    return {"text": fmt(r["value"], kind, currency), "iv": None if iv == NA else iv,
            "tag": tag}


def scorecard_kpis(kpis: pd.DataFrame, items: Iterable[str], kam_id: str, name: str,
                   earlier: pd.DataFrame | None = None, changes: pd.DataFrame | None = None,
                   history: pd.DataFrame | None = None, currency: str = "EUR",
                   period: Any = None, caption: str | None = None) -> str:
    """A manager's KPIs as rows: the figure with its 95 % interval, the target and its
    status, the figure last quarter and a year before with the change's arrow, what it
    rests on, and the company's figure (with the company's target under it). When the
    manager has no target for any of the KPIs, the target column is left out and a
    note under the table says so.

    Parameters
    ----------
    kpis : the long KPI table of the quarter (``b.kpis``, with ``target``, ``status``).
    items : KPI ids.
    kam_id, name : the manager, and the name the header shows (escaped).
    earlier : the manager's rows of the previous quarter and a year before
        (``b.change_rows``).
    changes : the quarter's tested changes (``b.changes``): which changes are beyond
        chance.
    history : earlier quarters' rows to fall back on when a KPI has no observations this
        quarter (``b.history``; :func:`kamlib.present.figures.latest`). A figure from an
        earlier quarter is tagged with it and gets no arrow (the comparison would not be
        of this quarter).

    Examples
    --------
    >>> k = pd.DataFrame({"kpi": "upsell_rate", "grain": ["kam", "company"],
    ...                   "group": ["K1", "all"], "period": "2026Q3", "value": [0.2, 0.1],
    ...                   "low": [0.1, 0.08], "high": [0.35, 0.12], "n": [20, 200]})
    >>> e = pd.DataFrame({"kpi": "upsell_rate", "grain": "kam", "group": "K1",
    ...                   "period": ["2026Q2", "2025Q3"], "value": [0.1, 0.2],
    ...                   "low": 0.0, "high": 0.4, "n": 20})
    >>> h = scorecard_kpis(k, ["upsell_rate"], "K1", "Greta", earlier=e)
    >>> "▲ +10.0&nbsp;pp" in h, "No target is set for Greta" in h, "0.0&nbsp;pp" in h
    (True, True, True)
    """
    quarter = quarter_of(kpis, period)
    items = list(items)
    # every lookup below is of these KPIs, for this manager or the company: narrow the
    # (long, many-manager) tables once instead of scanning them in each lookup
    kpis, history, earlier, changes = (manager_rows(f, items, kam_id)
                                       for f in (kpis, history, earlier, changes))
    shown = [(v, k, f"{header}, {shift_quarter(quarter, -k)}" if quarter else header)
             for v, k, header in VERSUS]
    tags: list[str] = []
    rows = []
    for kpi in items:
        info = kpi_info(kpi)
        kind = info.kind
        spec = SPECS.get(kpi)
        hib = spec.higher_is_better if spec is not None else None

        mine = _latest(kpis, history, kpi, "kam", kam_id, quarter, period)
        company = _latest(kpis, history, kpi, "company", "all", quarter, period)
        at_mine = str(mine["period"]) if mine.get("earlier") else quarter
        at_company = str(company["period"]) if company.get("earlier") else quarter
        target = target_cell(mine["value"], *target_of([kpis, history], kpi, "kam", kam_id,
                                                       at_mine), kind, currency)
        moves = []
        for versus, back, _header in shown:
            before = kpi_row(earlier, kpi, "kam", kam_id, shift_quarter(quarter, -back)) \
                if quarter else kpi_row(None, kpi)
            now = float("nan") if mine.get("earlier") else mine["value"]
            moves.append(change_cell(now, before["value"], kind, hib,
                                     _test(changes, kpi, kam_id, versus), currency))
        company_cell = {**_figure(company, kind, currency, tags, kpi),
                        "goal": goal(company["value"], *target_of(
                            [kpis, history], kpi, "company", "all", at_company), kind, currency)}
        rows.append({"title": info.title, "definition": info.definition,
                     "kam": _figure(mine, kind, currency, tags, kpi),
                     "target": target, "moves": moves,
                     "based": f"{mine['n']:,} {info.n_unit}", "company": company_cell,
                     "company_based": f"{company['n']:,} {info.n_unit}"})
    notes = [earlier_note(quarter, list(dict.fromkeys(tags)))] if tags and quarter else []
    targets = any(r["target"]["text"] != NO_TARGET for r in rows)
    if rows and not targets:
        notes.append(NO_TARGETS.format(name=name))
    return render("present/scorecard_kpis.html.j2", caption=caption, name=name, rows=rows,
                  versus=[header for _v, _k, header in shown], no_data=NO_DATA, notes=notes,
                  targets=targets)
