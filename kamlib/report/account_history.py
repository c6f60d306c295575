"""Each current account's history, for the account pages, computed once for all accounts.

:func:`history_frames` returns the bundle's ``account_*`` frames (one row per account and
period or event, accounts in id order), so that the account pages
(:mod:`kamlib.report.account_pages`) only group and display them:

- ``account_profile``: industry, region and the start of the current customer spell
  (``customer_since``);
- ``account_contracts``: every contract of the account that started by the quarter's
  end (start, end, annual value, the contract it renews);
- ``account_quarters``: revenue, gross margin and invoices in each of the
  :data:`HISTORY_QUARTERS` quarters up to the reported one (zero when none);
- ``account_months``: inbound and outbound interactions in each of the
  :data:`TOUCH_MONTHS` calendar months up to the quarter's last month;
- ``account_answers``: every survey answer of the :data:`HISTORY_QUARTERS` quarters, with
  its group (promoter, passive, detractor), respondent role and whether they would refer;
- ``account_sales``: every upsell and cross-sell invoice up to the quarter's end;
- ``account_requests``: the requests raised in the quarter still open at its end.

>>> HISTORY_QUARTERS, TOUCH_MONTHS
(8, 12)
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import is_detractor, is_promoter
from kamlib.data.sources import fetch
from kamlib.panels.invoices import derive_kinds
from kamlib.periods import Quarter

__all__ = ["HISTORY_QUARTERS", "TOUCH_MONTHS", "history_frames", "month_labels",
           "nps_group"]

#: quarters of revenue, margin and survey answers on an account page (two years)
HISTORY_QUARTERS = 8
#: calendar months of touchpoints on an account page
TOUCH_MONTHS = 12


def month_labels(last_day, months: int = TOUCH_MONTHS) -> list[str]:
    """The ``months`` calendar months up to the one of ``last_day``, as ``YYYY-MM``.

    >>> month_labels(pd.Timestamp("2026-02-28"), 3)
    ['2025-12', '2026-01', '2026-02']
    """
    end = pd.Period(pd.Timestamp(last_day), freq="M")
    return [str(end - k) for k in range(months - 1, -1, -1)]


def nps_group(score: pd.Series) -> pd.Series:
    """Each 0-10 score's group: promoter (9-10), passive (7-8) or detractor (0-6).

    >>> nps_group(pd.Series([10, 8, 3])).tolist()
    ['promoter', 'passive', 'detractor']
    """
    return pd.Series(np.where(is_promoter(score), "promoter",
                              np.where(is_detractor(score), "detractor", "passive")),
                     index=score.index)


def _rows(data, table: str, current: list[str], *filters) -> pd.DataFrame | None:
    """The rows of ``table`` of the current accounts passing ``filters`` (engine-side);
    None when the data has no such table."""
    if not data.has(table):
        return None
    t = data.table(table)
    # the ids as a table the engine joins, not a list of literals: compiling 11,000
    # literals into the query took over a second per table
    ids = ibis.memtable({"account_id": list(current)}, schema={"account_id": "string"})
    cond = t.account_id.isin(ids.account_id) if current else ibis.literal(False)
    for f in filters:
        cond = cond & f(t)
    return t.filter(cond)


def history_frames(data, quarter: Quarter, settings: Settings, p) -> dict[str, pd.DataFrame]:
    """The ``account_*`` frames of the accounts that are customers at ``quarter``'s end.

    ``p`` is the quarter's :class:`kamlib.panels.period.Period` (its accounts, contract
    state and attribution are reused, not recomputed).
    """
    acc = p.accounts
    current = sorted(acc.loc[acc.customer_end.astype(bool), "account_id"].astype(str))
    end = pd.Timestamp(quarter.end)
    first = quarter.shift(-(HISTORY_QUARTERS - 1))
    out = {"account_profile": _profile(data, acc, current),
           "account_contracts": _contracts(p, current, end),
           "account_quarters": _quarters(data, current, first, quarter, settings),
           "account_months": _months(data, current, quarter),
           "account_answers": _answers(data, current, first, quarter),
           "account_sales": _sales(data, p, current, quarter),
           "account_requests": _requests(data, current, quarter)}
    return out


def _profile(data, acc: pd.DataFrame, current: list[str]) -> pd.DataFrame:
    raw = data.frame("accounts").set_index("account_id")
    f = pd.DataFrame({"account_id": current})
    for col in ("industry", "region"):
        f[col] = f.account_id.map(raw[col]) if col in raw else None
    since = acc.set_index("account_id")["spell_start"]
    f["customer_since"] = pd.to_datetime(f.account_id.map(since))
    return f


def _contracts(p, current: list[str], end: pd.Timestamp) -> pd.DataFrame:
    c = p.state.contracts
    c = c[c.account_id.isin(current) & (c.start_on <= end)].copy()
    if "renewal_of" not in c:
        c["renewal_of"] = None
    cols = ["account_id", "contract_id", "start_on", "end_on", "annual_value", "renewal_of"]
    return c[cols].sort_values(["account_id", "start_on", "contract_id"]).reset_index(drop=True)


def _quarter_of(days: pd.Series, quarters: list[Quarter]) -> pd.Series:
    """The label of the quarter (of ``quarters``, in order) each day falls in."""
    starts = np.array([pd.Timestamp(q.start) for q in quarters], dtype="datetime64[ns]")
    pos = np.searchsorted(starts, days.to_numpy(dtype="datetime64[ns]"), side="right") - 1
    labels = np.array([str(q) for q in quarters], dtype=object)
    return pd.Series(labels[pos], index=days.index)


def _quarters(data, current: list[str], first: Quarter, quarter: Quarter,
              settings: Settings) -> pd.DataFrame:
    quarters = Quarter.span(first, quarter)
    grid = pd.MultiIndex.from_product([current, [str(q) for q in quarters]],
                                      names=["account_id", "quarter"])
    lo, hi = ibis.date(first.start), ibis.date(quarter.end)
    t = _rows(data, "invoices", current, lambda t: (t.issued_on >= lo) & (t.issued_on <= hi))
    cols = ["account_id", "issued_on", "amount", "gross_margin"]
    inv = fetch(t.select(*[c for c in cols if c in t.columns]),
                by=["account_id", "issued_on", "amount"]) if t is not None else \
        pd.DataFrame(columns=cols)
    if "gross_margin" not in inv:
        inv["gross_margin"] = np.nan
    inv["quarter"] = _quarter_of(pd.to_datetime(inv.issued_on), quarters) if len(inv) \
        else pd.Series(dtype=object)
    for c in ("amount", "gross_margin"):
        inv[c] = pd.to_numeric(inv[c], errors="coerce")
    g = inv.groupby(["account_id", "quarter"])
    agg = pd.DataFrame({"revenue": g.amount.sum(),
                        "gross_margin": g.gross_margin.sum(min_count=1),
                        "invoices": g.size()})
    f = agg.reindex(grid).reset_index()
    f["invoices"] = f["invoices"].fillna(0).astype(int)
    f["revenue"] = f["revenue"].fillna(0.0).astype(float)
    # no invoice: no margin either (0); invoices without margins: unknown (missing)
    f.loc[f.invoices == 0, "gross_margin"] = 0.0
    f["gross_margin"] = f["gross_margin"].astype(float)
    return f


def _months(data, current: list[str], quarter: Quarter) -> pd.DataFrame:
    labels = month_labels(quarter.end)
    grid = pd.MultiIndex.from_product([current, labels], names=["account_id", "month"])
    start = pd.Period(labels[0], freq="M").start_time.date()
    lo, hi = ibis.timestamp(start), ibis.timestamp(pd.Timestamp(quarter.end) + pd.Timedelta(days=1))
    t = _rows(data, "interactions", current,
              lambda t: (t.occurred_at >= lo) & (t.occurred_at < hi))
    if t is None:
        counts = pd.DataFrame(columns=["account_id", "ym", "inbound", "outbound"])
    else:
        d = t.occurred_at.date()
        t = t.mutate(ym=d.year() * 12 + d.month() - 1)
        counts = fetch(t.group_by(["account_id", "ym"]).aggregate(
            inbound=(t.direction == "inbound").sum(),
            outbound=(t.direction == "outbound").sum()), by=["account_id", "ym"])
    counts["month"] = [f"{int(ym) // 12:04d}-{int(ym) % 12 + 1:02d}" for ym in counts.ym]
    f = counts.set_index(["account_id", "month"])[["inbound", "outbound"]].reindex(grid)
    return f.fillna(0).astype(int).reset_index()


def _answers(data, current: list[str], first: Quarter, quarter: Quarter) -> pd.DataFrame:
    cols = ["account_id", "responded_on", "score", "group", "contact_role", "would_reference"]
    lo, hi = ibis.date(first.start), ibis.date(quarter.end)
    t = _rows(data, "nps_responses", current,
              lambda t: (t.responded_on >= lo) & (t.responded_on <= hi))
    if t is None:
        return pd.DataFrame(columns=cols)
    keep = ["account_id", "responded_on", "score", "response_id"] + [
        c for c in ("contact_role", "would_reference") if c in t.columns]
    f = fetch(t.select(*keep), by=["account_id", "responded_on", "response_id"])
    for c in ("contact_role", "would_reference"):
        if c not in f:
            f[c] = None
    f["responded_on"] = pd.to_datetime(f.responded_on)
    f["group"] = nps_group(f.score) if len(f) else pd.Series(dtype=object)
    f["would_reference"] = f["would_reference"].astype("boolean")
    return f[cols].reset_index(drop=True)


def _sales(data, p, current: list[str], quarter: Quarter) -> pd.DataFrame:
    cols = ["account_id", "issued_on", "kind", "product_line", "amount"]
    hi = pd.Timestamp(quarter.end)
    inv = data.frame("invoices") if data.has("invoices") else pd.DataFrame(columns=cols)
    inv["issued_on"] = pd.to_datetime(inv["issued_on"])
    inv = inv[inv.issued_on <= hi]
    if not data.has_column("invoices", "kind"):  # derived as the KPIs derive them
        r = p.state.renewals
        renewed_by = dict(zip(r.contract_id[r.renewed], r.renewed_by[r.renewed], strict=True))
        inv = inv.drop(columns="kind", errors="ignore").merge(
            derive_kinds(inv, p.state.contracts, renewed_by), on="invoice_id", how="left")
    inv = inv[inv.account_id.isin(current) & inv.kind.isin(["upsell", "cross_sell"])]
    inv = inv.sort_values(["account_id", "issued_on", "invoice_id"])
    return inv[cols].reset_index(drop=True)


def _requests(data, current: list[str], quarter: Quarter) -> pd.DataFrame:
    """Requests raised in the quarter and not resolved by its end (as the bundle's
    ``open_requests`` counts them), with the day raised and their age in days."""
    cols = ["account_id", "raised_on", "age_days", "channel"]
    if not data.has_column("interactions", "is_request"):
        return pd.DataFrame(columns=cols)
    lo = ibis.timestamp(quarter.start)
    hi = ibis.timestamp(pd.Timestamp(quarter.end) + pd.Timedelta(days=1))
    t = _rows(data, "interactions", current,
              lambda t: (t.occurred_at >= lo) & (t.occurred_at < hi) & (t.is_request == True)  # noqa: E712
              & ~(t.resolved_at.notnull() & (t.resolved_at < hi)))
    f = fetch(t.select("account_id", "occurred_at", "channel", "interaction_id"),
              by=["account_id", "occurred_at", "interaction_id"])
    f["raised_on"] = pd.to_datetime(f.occurred_at).dt.normalize()
    f["age_days"] = (pd.Timestamp(quarter.end) - f.raised_on).dt.days.astype(int)
    return f[cols].reset_index(drop=True)
