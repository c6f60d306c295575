"""The account lists and value-at-risk tables of the pages, computed when the bundle is
built.

Every page that lists accounts takes its rows from here, ranked once for the whole
company (:mod:`kamlib.kpis.attention`), so an account heading the company's list is
also on its own manager's scorecard:

- :func:`account_view`: one row per account with what the pages show about it;
- :func:`value_at_risk`: value at risk and lifetime value per manager or segment;
- :func:`kam_summary`: one row per account manager for the head of a scorecard.

>>> import pandas as pd
>>> view = pd.DataFrame({"account_id": ["a", "b"], "kam_id": ["K1", "K1"],
...                      "segment": ["key", "key"], "clv": [100.0, 50.0],
...                      "value_at_risk": [10.0, 20.0]})
>>> value_at_risk(view, "kam_id", {"K1": "Kira"})[["manager", "value_at_risk"]].values.tolist()
[['Kira', 30.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.models.clv import value_at_risk_by

__all__ = ["VIEW_COLUMNS", "account_view", "kam_summary", "value_at_risk"]

#: the columns of :func:`account_view` that every page may read, present even when
#: their source is missing (no churn model, no survey): then empty
VIEW_COLUMNS = ("clv", "churn_next_quarter", "churn_next_year", "value_at_risk", "nps_score",
                "responses", "kam_name", "team", "max_gap_days", "next_renewal_on")


def account_view(accounts: pd.DataFrame, clv: pd.DataFrame | None,
                 responses: pd.DataFrame | None, kams: pd.DataFrame,
                 current: bool = True) -> pd.DataFrame:
    """One row per current account (every account of the quarter when ``current`` is
    False) with what the pages show about it.

    Parameters
    ----------
    accounts : the bundle's ``accounts`` (accounts of the quarter, contact gaps, next
        renewal).
    clv : the churn model's per-account frame (None without a model).
    responses : survey answers per account: the quarter's, or those of the latest wave
        within 12 months when the quarter had none (None or empty without a survey).
    kams : the account managers (``kam_id``, ``name``, ``team``).
    current : keep only the accounts that are customers at the quarter's end.

    Returns
    -------
    Columns account_id, name, segment, kam_id, acv_end, max_gap_days,
    days_since_last_touch, touches, next_renewal_on, clv (with ``clv_low`` and
    ``clv_high``, its interval), churn_next_quarter,
    churn_next_year, value_at_risk, remaining_years (those there are), nps_score
    (mean 0–10 answer), responses, kam_name, team; ordered by account id.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["b", "a"], "name": ["B", "A"], "kam_id": "K1",
    ...                     "customer_end": [True, False]})
    >>> kams = pd.DataFrame({"kam_id": ["K1"], "name": ["Kira"]})
    >>> account_view(acc, None, None, kams)[["account_id", "kam_name"]].values.tolist()
    [['b', 'Kira']]
    """
    if len(accounts) == 0:
        return pd.DataFrame(columns=["account_id", "name", "segment", "kam_id", "kam_name"])
    acc = accounts
    if current and "customer_end" in acc:
        acc = acc[acc["customer_end"].astype(bool)]
    keep = [c for c in ("account_id", "name", "segment", "kam_id", "acv_end", "max_gap_days",
                        "days_since_last_touch", "touches", "next_renewal_on") if c in acc]
    f = acc[keep].copy()
    clv = clv if clv is not None else pd.DataFrame()
    cols = [c for c in ("clv", "clv_low", "clv_high", "churn_next_quarter", "churn_next_year",
                        "value_at_risk", "remaining_years") if c in clv]
    if len(clv) and cols:
        f = f.merge(clv[["account_id", *cols]], on="account_id", how="left")
    if responses is not None and len(responses) and "mean_score" in responses:
        r = responses[["account_id", "mean_score", "responses"]].rename(
            columns={"mean_score": "nps_score"})
        f = f.merge(r, on="account_id", how="left")
    if len(kams) and "kam_id" in f:
        k = kams[["kam_id", "name", *(["team"] if "team" in kams else [])]].rename(
            columns={"name": "kam_name"})
        f = f.merge(k, on="kam_id", how="left")
    for c in VIEW_COLUMNS:
        if c not in f:
            f[c] = np.nan
    return f.sort_values("account_id").reset_index(drop=True)


def value_at_risk(view: pd.DataFrame, by: str, names: dict[str, str] | None = None
                  ) -> pd.DataFrame:
    """Value at risk (lifetime value × probability of churning within 12 months), lifetime
    value and accounts per ``by`` (``kam_id`` or ``segment``), largest risk first
    (:func:`kamlib.models.clv.value_at_risk_by`), over the accounts with a lifetime value.

    With ``names`` (kam id -> name) a ``manager`` column names each row (the id when
    the manager has no name).
    """

    out = value_at_risk_by(view.dropna(subset=["clv"]), by)
    if names is not None:
        out["manager"] = out[by].map(names).fillna(out[by])
    return out


def kam_summary(kams: pd.DataFrame, view: pd.DataFrame, funnel: pd.DataFrame) -> pd.DataFrame:
    """One row per account manager for the head of a scorecard.

    Parameters
    ----------
    kams : the account managers (``kam_id``, ``name``, ``team``, ``region``, ``hired_on``,
        ``left_on``).
    view : :func:`account_view` of the current accounts.
    funnel : the funnel table of the churn comparison (``group`` = kam id).

    Returns
    -------
    The columns of ``kams`` and ``accounts`` (current accounts), ``clv`` (their summed
    lifetime value, 0 without a churn model) and ``on_churn_funnel`` (the manager is a
    point on the churn funnel plot: had customers in the trailing quarters).

    Examples
    --------
    >>> kams = pd.DataFrame({"kam_id": ["K1", "K2"], "name": ["Kira", "Ole"]})
    >>> view = pd.DataFrame({"account_id": ["a"], "kam_id": ["K1"], "clv": [5.0]})
    >>> s = kam_summary(kams, view, pd.DataFrame({"group": ["K1"]}))
    >>> s[["kam_id", "accounts", "clv", "on_churn_funnel"]].values.tolist()
    [['K1', 1, 5.0, True], ['K2', 0, 0.0, False]]
    """
    per = view.groupby("kam_id").agg(accounts=("account_id", "size"), clv=("clv", "sum"))
    out = kams.copy()
    out["accounts"] = out.kam_id.map(per["accounts"]).fillna(0).astype(int)
    out["clv"] = out.kam_id.map(per["clv"]).fillna(0.0).astype(float)
    on_funnel = set(funnel["group"]) if "group" in funnel else set()
    out["on_churn_funnel"] = out.kam_id.isin(on_funnel)
    return out.reset_index(drop=True)
