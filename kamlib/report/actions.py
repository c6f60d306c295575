"""The accounts-to-act-on part of a bundle: the risk's drivers, open requests and the
contracts awaiting renewal, computed when the bundle is built.

:func:`action_frames` stores what the pages need beyond the other frames:

- ``risk_drivers``: each current account's risk drivers from the quarter's churn model
  (:func:`kamlib.models.drivers.top_drivers`; absent without a model);
- ``open_requests``: per account, the requests raised in the quarter still open at its
  end;
- ``renewals_pending``: the contracts awaiting renewal at the quarter's end
  (:func:`kamlib.panels.customers.derive_renewals`), from which the pages draw the
  renewal calendar (:mod:`kamlib.kpis.renewals`).

:func:`action_results` (called by :func:`kamlib.report.pages.page_results`) turns them
into the list of accounts to act on and the renewal calendar.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from kamlib.config import Settings
from kamlib.kpis import attention, renewals
from kamlib.models import drivers, survival
from kamlib.panels import quarter as panels
from kamlib.periods import Quarter

if TYPE_CHECKING:
    from kamlib.report.bundle import Bundle

__all__ = ["DRIVERS_SHOWN", "DRIVER_MIN_RATIO", "action_frames", "action_results"]

#: the drivers named per account
DRIVERS_SHOWN = 3
#: a driver raises the account's hazard by at least this factor (smaller ones are noise)
DRIVER_MIN_RATIO = 1.05


def action_frames(data, quarter: Quarter, settings: Settings, p) -> dict[str, pd.DataFrame]:
    """``risk_drivers`` (with a churn model), ``open_requests`` and ``renewals_pending``
    for ``quarter``; ``p`` is the quarter's :class:`kamlib.kpis.compute.KpiPeriod`."""
    out: dict[str, pd.DataFrame] = {}
    fit = p.survival
    if fit.fitted:
        snap = survival.align(survival.snapshot(data, quarter, settings), fit.panel)
        contrib = drivers.model_contributions(fit.model, snap)
        out["risk_drivers"] = drivers.top_drivers(contrib, snap, top=DRIVERS_SHOWN,
                                                  min_contribution=math.log(DRIVER_MIN_RATIO))
    req = panels.requests_frame(data, quarter)
    still_open = req[~req["resolved"].astype(bool)] if len(req) else req
    out["open_requests"] = (still_open.groupby("account_id").size()
                            .rename("open_requests").reset_index()
                            if len(still_open) else
                            pd.DataFrame({"account_id": pd.Series(dtype=str),
                                          "open_requests": pd.Series(dtype=int)}))
    r = p.state.renewals
    out["renewals_pending"] = r[r["pending"].astype(bool)].reset_index(drop=True)
    return out


def action_results(b: Bundle, view: pd.DataFrame) -> dict[str, Any]:
    """The list of accounts to act on (``risk_ranking``, with drivers and next step) and
    the renewal calendar of the next quarter (``renewal_calendar``, with owner and risk),
    from the stored frames and the pages' ``view`` of the accounts."""
    nxt = b.quarter.next()
    # renewal proposal: due when the renewal window opens by the end of the next quarter,
    # so that every contract of the renewal calendar (and every one already open) gets it
    limits = {"gap_alert_days": b.settings.gap_alert_days,
              "renewal_horizon": renewals.proposal_horizon(nxt.end,
                                                           b.settings.renewal_notice_days)}
    opened = b.open_requests
    opened = opened.set_index("account_id")["open_requests"] \
        if opened is not None and len(opened) else None
    acted = attention.add_actions(view, b.risk_drivers, limits, opened)
    pending = b.renewals_pending if b.renewals_pending is not None else pd.DataFrame()
    calendar = renewals.renewal_calendar(pending, nxt.start, nxt.end,
                                         b.settings.renewal_notice_days)
    shown = [c for c in ("account_id", "name", "kam_id", "kam_name", "churn_next_year", "clv")
             if c in view]
    return {"risk_ranking": attention.accounts_to_act_on(acted, top=None),
            "renewal_calendar": renewals.for_accounts(calendar, view[shown])}
