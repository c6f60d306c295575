"""What marks the most valuable accounts: lifetime value regressed on account attributes.

Each current account with a positive lifetime value (CLV) enters a log-linear model
(:func:`kamlib.stats.regression.log_linear`, HC1 errors) of its CLV on its attributes,
each a factor against a stated baseline level:

- segment, industry, region and acquisition channel (baseline: the level with the most
  accounts; a missing value is the level ``unknown``);
- referred by a customer (``referred_by`` set, or acquired through the referral channel;
  baseline: not referred);
- tenure band (years as a customer: under 1, 1–3, 3–6, 6 or more; baseline: the largest
  band); accounts younger than a year have less than a year of margin behind their CLV,
  so their band also absorbs that;
- the account manager (baseline: the manager with the most accounts), held equal so the
  other effects are not a manager's book in disguise; with many managers and few
  accounts each, their own effects are noisy and the page does not chart them.

``exp(b)`` of a level is the factor by which it multiplies CLV against its baseline,
other things equal. Levels with fewer than :data:`MIN_LEVEL` accounts are pooled into
``other``; an attribute enters only while the model keeps at least
:data:`ROWS_PER_COEFFICIENT` accounts per coefficient (the manager, last, is the first to
go); a level that cannot be told apart from earlier ones (every referred account came
through the referral channel) is reported without an estimate. Accounts with a CLV of
zero (no margin in the last 12 months; under :data:`MIN_CLV`, a zero but for rounding) or
without one cannot enter a model of log CLV: they are counted (``zero``) and left out.

Beside each effect, the raw ratio: the mean CLV of the level's accounts over that of the
baseline's. The two differ when attributes go together (referred accounts are all recent
customers, and recent customers are worth less): the raw ratio mixes the effects, the
model separates them.

>>> import numpy as np
>>> f = pd.DataFrame({"account_id": [f"a{i}" for i in range(12)],
...                   "clv": [100.0, 200, 100, 200, 100, 200, 130, 260, 130, 260, 130, 260],
...                   "referred": [False] * 6 + [True] * 6})
>>> r = value_factors(f, attributes=("referred",), min_level=2)
>>> r.effects[["level", "baseline"]].values.tolist(), round(float(r.effects.ratio.iloc[0]), 6)
([['yes', 'no']], 1.3)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlib.stats.regression import estimable_columns, log_linear

__all__ = ["ATTRIBUTES", "MIN_CLV", "MIN_LEVEL", "ROWS_PER_COEFFICIENT", "TENURE_BANDS", "ValueFactors",
           "attribute_levels", "referred", "tenure_band", "value_factors"]

#: the attributes in the order they enter the model, with the pages' names
ATTRIBUTES = {"segment": "Segment", "industry": "Industry", "region": "Region",
              "referred": "Referred by a customer", "channel": "Acquisition channel",
              "tenure_band": "Tenure", "kam_id": "Account manager"}
#: a level with fewer accounts is pooled into "other"
MIN_LEVEL = 5
#: an attribute enters only while the model keeps this many accounts per coefficient
ROWS_PER_COEFFICIENT = 5
#: (from, to, label) in years as a customer
#: (accounts younger than a year have less than a year of margin: a band of their own)
TENURE_BANDS = ((0.0, 1.0, "under 1 year"), (1.0, 3.0, "1–3 years"), (3.0, 6.0, "3–6 years"),
                (6.0, np.inf, "6 years or more"))
#: a lifetime value under this (one unit of currency) counts as zero
MIN_CLV = 1.0


def tenure_band(years: pd.Series) -> pd.Series:
    """The band of each tenure in years (:data:`TENURE_BANDS`; missing stays missing).

    >>> tenure_band(pd.Series([0.5, 2.0, 7.0])).tolist()
    ['under 1 year', '1–3 years', '6 years or more']
    """
    edges = [b[0] for b in TENURE_BANDS] + [np.inf]
    return pd.cut(years, edges, right=False, labels=[b[2] for b in TENURE_BANDS]) \
        .astype(object).where(years.notna(), None)


def referred(referred_by: pd.Series | None, channel: pd.Series | None) -> pd.Series:
    """Whether each account was referred by a customer: ``referred_by`` set, or acquired
    through the ``referral`` channel.

    >>> referred(pd.Series(["A1", None, None]), pd.Series([None, "referral", "event"])).tolist()
    [True, True, False]
    """
    parts = [s for s in (referred_by, channel) if s is not None]
    if not parts:
        return pd.Series(dtype=bool)
    out = pd.Series(False, index=parts[0].index)
    if referred_by is not None:
        out |= referred_by.notna() & (referred_by.astype(str).str.len() > 0)
    if channel is not None:
        out |= channel.astype(object).eq("referral").fillna(False).astype(bool)
    return out


def attribute_levels(frame: pd.DataFrame, attributes: Sequence[str],
                     min_level: int = MIN_LEVEL) -> pd.DataFrame:
    """Each attribute of ``frame`` as text levels: missing is ``unknown``, ``referred``
    is ``yes``/``no``, and levels with fewer than ``min_level`` rows become ``other``.

    >>> attribute_levels(pd.DataFrame({"region": ["n", "n", "s", None]}), ["region"], 2
    ...                  ).region.tolist()
    ['n', 'n', 'other', 'other']
    """
    out = pd.DataFrame(index=frame.index)
    for a in attributes:
        if a not in frame:
            continue
        s = frame[a]
        if a == "referred":
            s = s.astype(bool).map({True: "yes", False: "no"})
        else:
            s = s.astype(object).where(s.notna(), "unknown").astype(str)
        counts = s.value_counts()
        rare = counts.index[counts < min_level]
        out[a] = s.where(~s.isin(rare), "other")
    return out


def _baseline(levels: pd.Series, attribute: str) -> str:
    """``no`` for ``referred``; else the level with the most accounts (ties: first by
    name), a known level before ``unknown`` and ``other``."""
    if attribute == "referred":
        return "no"
    counts = levels.value_counts()
    ranked = sorted(counts.index, key=lambda v: (v in ("unknown", "other"), -counts[v], v))
    return ranked[0]


@dataclass(frozen=True)
class ValueFactors:
    """The effects (one row per attribute level against its baseline), the accounts the
    model was fitted on, those left out with no positive CLV, and the fit's R² (of log
    CLV)."""

    effects: pd.DataFrame
    accounts: int
    zero: int
    r2: float


_COLUMNS = ["attribute", "attribute_label", "level", "baseline", "ratio", "low", "high", "n",
            "mean_clv", "baseline_mean_clv", "raw_ratio", "note"]


def value_factors(frame: pd.DataFrame, attributes: Sequence[str] = tuple(ATTRIBUTES),
                  min_level: int = MIN_LEVEL, level: float = 0.95) -> ValueFactors:
    """Regress log CLV on the account attributes of ``frame``.

    Parameters
    ----------
    frame : one row per account: ``clv`` and the attribute columns (``referred``
        boolean, ``tenure_band`` text, the others text); absent attributes are skipped.
    attributes : those to use, in the order they enter the model.
    min_level : smaller levels are pooled into ``other``.
    level : of the intervals.

    Returns
    -------
    :class:`ValueFactors`; its ``effects`` has, per level other than the baseline:
    attribute, attribute_label, level, baseline, ratio, low, high (the model's factor and
    interval), n (accounts at the level), mean_clv, baseline_mean_clv, raw_ratio (the
    ratio of the two means) and note (why a level has no estimate). Empty effects when
    fewer accounts than a model needs.
    """
    clv = pd.to_numeric(frame.get("clv", pd.Series(dtype=float)), errors="coerce")
    positive = clv >= MIN_CLV
    zero = int((~positive).sum())
    f = frame[positive.to_numpy()].reset_index(drop=True)
    y = clv[positive].to_numpy()
    if len(f) <= ROWS_PER_COEFFICIENT:
        return ValueFactors(pd.DataFrame(columns=_COLUMNS), len(f), zero, float("nan"))
    used = [a for a in attributes if a in f]
    levels = attribute_levels(f, used, min_level)
    cols, names, meta = [np.ones(len(f))], ["intercept"], [None]
    same: list[tuple[str, str, str]] = []  # levels that repeat an earlier column exactly
    for a in used:
        twins = {v: _same_column(cols, (levels[a] == v).to_numpy(float))
                 for v in levels[a].unique()}
        repeats = {v: names[j] for v, j in twins.items() if j is not None}
        base = _baseline(levels[a][~levels[a].isin(list(repeats))], a) \
            if len(repeats) < levels[a].nunique() else _baseline(levels[a], a)
        others = sorted(v for v in levels[a].unique() if v != base and v not in repeats)
        if len(f) < ROWS_PER_COEFFICIENT * (len(cols) + len(others)):
            continue
        same += [(a, v, repeats[v]) for v in sorted(repeats) if v != base]
        for v in others:
            cols.append((levels[a] == v).to_numpy(float))
            names.append(f"{a}={v}")
            meta.append((a, v, base))
    if len(cols) == 1:
        return ValueFactors(pd.DataFrame(columns=_COLUMNS), len(f), zero, float("nan"))
    x = np.column_stack(cols)
    keep = estimable_columns(x)
    fit = log_linear(y, x[:, keep], [names[j] for j in keep])
    ratios = fit.ratios(level)
    rows = []
    for j, m in enumerate(meta):
        if m is None:
            continue
        a, v, base = m
        at, at_base = y[(levels[a] == v).to_numpy()], y[(levels[a] == base).to_numpy()]
        est = ratios.loc[names[j]] if j in keep else None
        rows.append({
            "attribute": a, "attribute_label": ATTRIBUTES.get(a, a), "level": v,
            "baseline": base,
            "ratio": float(est["ratio"]) if est is not None else np.nan,
            "low": float(est["low"]) if est is not None else np.nan,
            "high": float(est["high"]) if est is not None else np.nan,
            "n": len(at), "mean_clv": float(at.mean()),
            "baseline_mean_clv": float(at_base.mean()),
            "raw_ratio": float(at.mean() / at_base.mean()),
            "note": "" if est is not None else "not separable from the attributes above"})
    for a, v, twin in same:
        at = y[(levels[a] == v).to_numpy()]
        rows.append({"attribute": a, "attribute_label": ATTRIBUTES.get(a, a), "level": v,
                     "baseline": "", "ratio": np.nan, "low": np.nan, "high": np.nan,
                     "n": len(at), "mean_clv": float(at.mean()), "baseline_mean_clv": np.nan,
                     "raw_ratio": np.nan,
                     "note": f"the same accounts as {twin.replace('=', ' ')}"})
    effects = pd.DataFrame(rows, columns=_COLUMNS)
    order = effects["attribute"].map({a: i for i, a in enumerate(used)})
    effects = effects.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    return ValueFactors(effects, len(f), zero, fit.r2)


def _same_column(cols: list[np.ndarray], col: np.ndarray) -> int | None:
    """The index of the first of ``cols`` equal to ``col`` (None when none is)."""
    for j, c in enumerate(cols):
        if j > 0 and np.array_equal(c, col):
            return j
    return None
