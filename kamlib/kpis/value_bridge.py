"""The book's value bridge: how the lifetime value of the book moved over a quarter.

For a group of accounts (the company, a segment, a KAM's book)::

    CLV at the start + new + expansion + contraction + churn + transfer + time
        = CLV at the end

*CLV at the start* is the CLV of the accounts valued at the end of the previous quarter,
as that quarter's run values them (its churn model, its margins, its attribution): it is
the previous quarter's ``clv_total`` of the group. *CLV at the end* is this quarter's
``clv_total``. Each account alive at one end or both is in exactly one status:

* **new** (valued at the end only): ``+ CLV_end``;
* **churned** (valued at the start only): ``- CLV_start``;
* **retained** (both): its change ``CLV_end - CLV_start`` splits, with the survival-discount
  factor ``F = sum_k S_k / (1 + d)^k`` (so that ``CLV = m x F``), into

  - expansion (when ``> 0``) or contraction (when ``< 0``):
    ``(m_end - m_start) x F_start``, the change of the margin valued as at the start;
  - time: the rest, ``m_end x (F_end - F_start)``: the same margin with the account a quarter
    older and the churn model refitted on a quarter more of history.

So each retained account's change is exactly expansion + contraction + time. New and
retained accounts count for the group of the end, churned ones for the group of the start.
A retained account whose group changed (a book handed to another KAM) leaves its old group
and joins its new one at its start value: **transfer** (``- CLV_start`` for the old group,
``+ CLV_start`` for the new one, zero for the company), so that every group's start is its
own previous ``clv_total`` and every group's bridge adds up.

Worked example (discount 10 %, one-year horizon, so ``F = S_1 / 1.1``): A is new with
CLV 50; B churned with CLV 30 at the start; C's margin went from 100 (``S_1 = 0.88``,
``F = 0.8``, CLV 80) to 110 (``S_1 = 0.77``, ``F = 0.7``, CLV 77): expansion
``10 x 0.8 = 8``, time ``110 x (0.7 - 0.8) = -11``. Start 30 + 80 = 110; 110 + 50 + 8 - 30 - 11
= 127 = 50 + 77, the end.

>>> start = pd.DataFrame({"account_id": ["B", "C"], "segment": "s", "kam_id": "K",
...                       "margin": [33.0, 100.0], "s_1": [1.0, 0.88]})
>>> end = pd.DataFrame({"account_id": ["A", "C"], "segment": "s", "kam_id": "K",
...                     "margin": [55.0, 110.0], "s_1": [1.0, 0.77]})
>>> steps = bridge_steps(account_bridge(start, end, 0.10))
>>> steps[steps.grain == "company"].set_index("step").value.round(6).to_dict()
{'start': 110.0, 'new': 50.0, 'expansion': 8.0, 'contraction': 0.0, 'churn': -30.0, \
'transfer': 0.0, 'time': -11.0, 'end': 127.0}
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["GRAINS", "PARTS", "STEPS", "account_bridge", "bridge_steps", "kpi_id",
           "survival_factor"]

PARTS = ("new", "expansion", "contraction", "churn", "transfer", "time")
"""The parts of the bridge, in the order a chart shows them (KPI ids ``clv_bridge_<part>``)."""

STEPS = ("start", *PARTS, "end")
"""The steps of a bridge: the CLV at the start, the parts, the CLV at the end."""

GRAINS = ("company", "segment", "kam")
"""The grains of a bridge: those of ``clv_total``."""

_KEY = {"segment": "segment", "kam": "kam_id"}


def kpi_id(part: str) -> str:
    """The KPI id of a part of the bridge.

    >>> kpi_id("churn")
    'clv_bridge_churn'
    """
    if part not in PARTS:
        raise ValueError(f"unknown part of the value bridge: {part!r}")
    return f"clv_bridge_{part}"


def survival_factor(clv: pd.DataFrame, discount_rate: float) -> np.ndarray:
    """Each row's ``F = sum_k S_k / (1 + d)^k`` from its yearly survival ``s_1 .. s_H``
    (clipped to [0, 1], as :func:`kamlib.models.clv.clv_values` does), so that
    ``CLV = margin x F``.

    >>> survival_factor(pd.DataFrame({"s_1": [0.9], "s_2": [0.8]}), 0.10).round(4).tolist()
    [1.4793]
    """
    cols = sorted((c for c in clv.columns if c.startswith("s_") and c[2:].isdigit()),
                  key=lambda c: int(c[2:]))
    s = np.clip(clv[cols].to_numpy(float), 0, 1)
    disc = (1 + discount_rate) ** -np.arange(1, len(cols) + 1)
    return (s * disc).sum(axis=1)


def _valued(clv: pd.DataFrame, discount_rate: float) -> pd.DataFrame:
    """account_id, segment, kam_id, margin (floored at 0), factor and CLV: the frame's own
    ``clv`` when it has one (so that sums are ``clv_total``'s to the last digit), else
    margin x factor."""
    out = clv[["account_id", "segment", "kam_id"]].copy()
    out["margin"] = np.clip(clv["margin"].to_numpy(float), 0, None)
    out["factor"] = survival_factor(clv, discount_rate)
    out["clv"] = clv["clv"].to_numpy(float) if "clv" in clv else out.margin * out.factor
    return out


def account_bridge(start: pd.DataFrame, end: pd.DataFrame, discount_rate: float
                   ) -> pd.DataFrame:
    """One row per account valued at the start or at the end, with its part of each step.

    Parameters
    ----------
    start, end : the CLV frames of the previous quarter's run and of this one
        (:attr:`kamlib.kpis.lifetime.SurvivalFit.clv`): ``account_id``, ``segment``,
        ``kam_id``, ``margin`` and the yearly survival ``s_1 .. s_H``.
    discount_rate : the yearly discount rate of both valuations.

    Returns
    -------
    Columns ``account_id``, ``status`` (new, churned, retained), ``segment_start``,
    ``kam_id_start``, ``segment_end``, ``kam_id_end``, ``margin_start``, ``margin_end``,
    ``factor_start``, ``factor_end``, ``clv_start``, ``clv_end`` (0 where the account is
    not valued) and one column per part of :data:`PARTS` but ``transfer``, which depends
    on the grain (:func:`bridge_steps`); for every account
    ``clv_start + new + expansion + contraction + churn + time = clv_end``. Sorted by
    ``account_id``.
    """
    s, e = _valued(start, discount_rate), _valued(end, discount_rate)
    f = s.merge(e, on="account_id", how="outer", suffixes=("_start", "_end"), indicator=True)
    f["status"] = f.pop("_merge").map({"left_only": "churned", "right_only": "new",
                                       "both": "retained"}).astype(str)
    for c in ("margin", "factor", "clv"):
        for side in ("start", "end"):
            f[f"{c}_{side}"] = f[f"{c}_{side}"].fillna(0.0)
    retained = f.status.eq("retained").to_numpy()
    f["new"] = np.where(f.status.eq("new"), f.clv_end, 0.0)
    f["churn"] = np.where(f.status.eq("churned"), -f.clv_start, 0.0)
    margin_effect = np.where(retained, (f.margin_end - f.margin_start) * f.factor_start, 0.0)
    f["expansion"] = np.maximum(margin_effect, 0.0)
    f["contraction"] = np.minimum(margin_effect, 0.0)
    # the rest of the change, m_end x (F_end - F_start) up to rounding: taken as the
    # remainder so that each account's parts add up to its change exactly
    f["time"] = np.where(retained, (f.clv_end - f.clv_start) - margin_effect, 0.0)
    cols = ["account_id", "status", "segment_start", "kam_id_start", "segment_end",
            "kam_id_end", "margin_start", "margin_end", "factor_start", "factor_end",
            "clv_start", "clv_end", "new", "expansion", "contraction", "churn", "time"]
    return f[cols].sort_values("account_id", kind="stable").reset_index(drop=True)


def bridge_steps(accounts: pd.DataFrame, grains: Iterable[str] = GRAINS) -> pd.DataFrame:
    """The bridge of every group at each grain, from :func:`account_bridge`'s frame.

    A group's start sums the accounts of the group at the start (its previous
    ``clv_total``), its end those of the group at the end (its ``clv_total``); new and
    retained accounts' parts count for the group of the end, churned accounts' for the
    group of the start; ``transfer`` is the start CLV of the retained accounts that joined
    the group minus that of those that left it. Accounts without a group at a grain (no
    KAM) are left out of that grain, as ``clv_total`` leaves them out.

    Returns
    -------
    Columns ``grain``, ``group`` (``"all"`` for the company), ``step`` (:data:`STEPS`, in
    order), ``value`` and ``n`` (the accounts behind the step: valued at the start, new,
    with a higher margin, with a lower margin, churned, moved in or out, retained, valued
    at the end), grains in the order given, groups sorted.
    """
    a = accounts
    status = a.status.to_numpy()
    clv_s, clv_e = a.clv_start.to_numpy(float), a.clv_end.to_numpy(float)
    parts = {p: a[p].to_numpy(float) for p in ("new", "expansion", "contraction", "churn",
                                                "time")}
    rows = []
    for grain in grains:
        if grain == "company":
            memberships = [("all", np.ones(len(a), bool), np.ones(len(a), bool))]
        else:
            ks = a[f"{_KEY[grain]}_start"].astype(object)
            ke = a[f"{_KEY[grain]}_end"].astype(object)
            names = sorted({str(v) for v in pd.concat([ks, ke]).dropna()})
            ks_t = ks.map(lambda v: None if pd.isna(v) else str(v)).to_numpy(object)
            ke_t = ke.map(lambda v: None if pd.isna(v) else str(v)).to_numpy(object)
            memberships = [(g, ks_t == g, ke_t == g) for g in names]
        for group, at_start, at_end in memberships:
            was = at_start & (status != "new")
            now = at_end & (status != "churned")
            kept = now & (status == "retained")
            moved_in = kept & ~at_start
            moved_out = at_start & (status == "retained") & ~at_end
            values = {
                "start": (clv_s[was].sum(), was.sum()),
                "new": (parts["new"][now].sum(), (now & (status == "new")).sum()),
                "expansion": (parts["expansion"][kept].sum(),
                              (kept & (parts["expansion"] > 0)).sum()),
                "contraction": (parts["contraction"][kept].sum(),
                                (kept & (parts["contraction"] < 0)).sum()),
                "churn": (parts["churn"][was].sum(), (was & (status == "churned")).sum()),
                "transfer": (clv_s[moved_in].sum() - clv_s[moved_out].sum(),
                             moved_in.sum() + moved_out.sum()),
                "time": (parts["time"][kept].sum(), kept.sum()),
                "end": (clv_e[now].sum(), now.sum()),
            }
            rows += [{"grain": grain, "group": group, "step": step,
                      "value": float(values[step][0]), "n": int(values[step][1])}
                     for step in STEPS]
    return pd.DataFrame(rows, columns=["grain", "group", "step", "value", "n"])
