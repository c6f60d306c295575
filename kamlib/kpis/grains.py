"""Turn per-account frames into rows of the long KPI table, at every grain.

The long table has the columns ``kpi, grain, group, period, value, low, high, n``.
``grain`` is company, segment, kam or account (channel for acquisition, team for
eNPS); ``group`` is ``"all"``, the segment, the KAM id, the account id, the channel
or the team name.

Each helper takes a frame with one row per account and the columns
``account_id``, ``segment`` and ``kam_id`` (the KAM credited for the period),
plus the KPI's own columns, and returns a list of row dicts.

>>> import pandas as pd
>>> f = pd.DataFrame({"account_id": ["a", "b", "c"], "segment": ["s", "s", "t"],
...                   "kam_id": ["k1", "k1", "k2"], "k": [1, 0, 1], "n": [1, 1, 1]})
>>> rows = rate_rows("logo_churn_rate", "2026Q3", f, "k", "n")
>>> [(r["grain"], r["group"], r["value"], r["n"]) for r in rows][:3]
[('company', 'all', 0.6666666666666666, 3), ('segment', 's', 0.5, 2), ('segment', 't', 1.0, 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from kamlib.panels.period import GRAINS
from kamlib.stats import intervals as stats

__all__ = ["COLUMNS", "GRAINS", "ORDER", "column", "frame", "groups", "mean_rows", "nps_rows",
           "positions", "rate_rows", "ratio_rows", "row", "rows_frame"]

COLUMNS = ["kpi", "grain", "group", "period", "value", "low", "high", "n"]
_KEY = {"segment": "segment", "kam": "kam_id", "team": "team", "account": "account_id"}
ORDER = ("company", "segment", "kam", "team", "account", "channel")
"""The order of the grains in the long table (``team`` is eNPS's grain, the KAMs' team)."""


def groups(frame: pd.DataFrame, grains: Iterable[str] = GRAINS):
    """Yield ``(grain, group, sub-frame)`` for every grain, groups sorted by id."""
    for grain in grains:
        if grain == "company":
            yield "company", "all", frame
            continue
        key = _KEY[grain]
        for g, sub in frame.groupby(key, sort=True, dropna=True):
            yield grain, str(g), sub


def positions(frame: pd.DataFrame, grains: Iterable[str] = GRAINS):
    """Yield ``(grain, group, rows)`` like :func:`groups`, with ``rows`` the positions
    of the group's rows (in frame order) instead of a sub-frame.

    Helpers index numpy columns with them: at account grain a frame of 20,000
    accounts has 20,000 groups, and building a sub-frame for each costs far more
    than the arithmetic.
    """
    for grain in grains:
        if grain == "company":
            yield "company", "all", np.arange(len(frame))
            continue
        index = frame.groupby(_KEY[grain], sort=True, dropna=True).indices
        for g in sorted(index):
            yield grain, str(g), index[g]


def column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats, NaN for missing values."""
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(float)


def row(kpi: str, grain: str, group: str, period: str, est: stats.Estimate) -> dict:
    return {"kpi": kpi, "grain": grain, "group": group, "period": period,
            "value": est.value, "low": est.low, "high": est.high, "n": int(est.n)}


def rate_rows(kpi, period, frame, k, n, grains=GRAINS, level=0.95) -> list[dict]:
    """Wilson-interval rates: sum of ``k`` over sum of ``n`` in each group."""
    ks, ns = column(frame, k), column(frame, n)
    return [row(kpi, g, grp, period,
                stats.wilson(int(np.nansum(ks[i])), int(np.nansum(ns[i])), level))
            for g, grp, i in positions(frame, grains)]


def nps_rows(kpi, period, frame, grains=GRAINS, level=0.95, method="adjusted_wald",
             scale=1.0, min_n=1) -> list[dict]:
    """NPS-type scores from ``promoters``, ``passives`` and ``detractors`` counts.

    ``scale`` rescales the −100..100 score (use 0.01 for a net share in −1..1).
    Groups with fewer than ``min_n`` answers are suppressed (value NaN).
    """
    out = []
    cols = [column(frame, c) for c in ("promoters", "passives", "detractors")]
    for g, grp, i in positions(frame, grains):
        p, pa, d = (int(np.nansum(c[i])) for c in cols)
        total = p + pa + d
        if total < min_n or total == 0:
            est = stats.Estimate(np.nan, np.nan, np.nan, total)
        else:
            e = stats.nps(p, pa, d, level=level, method=method)
            est = stats.Estimate(e.value * scale, e.low * scale, e.high * scale, e.n)
        out.append(row(kpi, g, grp, period, est))
    return out


def mean_rows(kpi, period, frame, col, grains=GRAINS, level=0.95, draws=1000,
              seed=0) -> list[dict]:
    """Means of a non-negative per-account value (a count, e.g. touchpoints) with a
    bootstrap percentile interval over accounts (n = accounts).

    Counts per account are skewed, often zero and over-dispersed (some accounts are
    touched far more than others): a t interval is symmetric and falls below zero on
    small groups, a log-scale interval is undefined at zero, and a Poisson interval
    of the total ignores the spread between accounts. Resampling accounts (the
    seeded :func:`kamlib.stats.intervals.bootstrap`, as for the ratios) keeps every bound
    within the values observed, so never below zero, and follows their skew. One
    account has no interval.
    """
    out = []
    values = column(frame, col)
    for g, grp, i in positions(frame, grains):
        x = values[i]
        x = x[~np.isnan(x)]
        if len(x) == 0:
            est = stats.Estimate(np.nan, np.nan, np.nan, 0)
        elif len(x) == 1:
            est = stats.Estimate(float(x[0]), np.nan, np.nan, 1)
        else:
            b = stats.bootstrap(x, np.mean, draws=draws, seed=seed, level=level,
                                vectorized=True)
            m = float(x.mean())
            est = stats.Estimate(m, float(min(b.low, m)), float(max(b.high, m)), len(x))
        out.append(row(kpi, g, grp, period, est))
    return out


def ratio_rows(kpi, period, frame, num, den, grains=GRAINS, level=0.95, draws=1000,
               seed=0, transform: Callable[[float], float] | None = None) -> list[dict]:
    """Ratios of sums (``sum(num) / sum(den)``) with an account-level bootstrap interval.

    Resampling accounts, not events, respects that events of one account are
    not independent. ``n`` is the number of accounts with a positive denominator.
    ``transform`` maps the ratio (e.g. ``lambda r: 1 - r`` for retention-type KPIs);
    it must work element-wise on numpy arrays.
    """
    f = transform or (lambda r: r)
    out = []
    all_nums, all_dens = column(frame, num), column(frame, den)
    for g, grp, i in positions(frame, grains):
        keep = i[all_dens[i] > 0]
        nums, dens = all_nums[keep], all_dens[keep]
        if len(keep) == 0 or dens.sum() <= 0:
            out.append(row(kpi, g, grp, period, stats.Estimate(np.nan, np.nan, np.nan, 0)))
            continue
        value = f(nums.sum() / dens.sum())
        if len(keep) < 2:
            est = stats.Estimate(value, np.nan, np.nan, len(keep))
        else:
            rng = np.random.default_rng(seed)
            idx = rng.integers(0, len(keep), size=(draws, len(keep)))
            d = dens[idx].sum(axis=1)
            r = np.asarray(f(nums[idx].sum(axis=1) / np.where(d > 0, d, np.nan)), float)
            r = r[np.isfinite(r)]
            a = (1 - level) / 2
            lo, hi = (np.quantile(r, [a, 1 - a]) if len(r) else (np.nan, np.nan))
            est = stats.Estimate(value, float(min(lo, value)), float(max(hi, value)), len(keep))
        out.append(row(kpi, g, grp, period, est))
    return out


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """A family's rows as columns (a third of the memory of the dicts), for :func:`frame`."""
    return pd.DataFrame(rows, columns=COLUMNS)


def frame(rows: list[dict] | list[pd.DataFrame]) -> pd.DataFrame:
    """Rows as the long KPI table, in a stable order.

    ``rows`` may also come as frames of rows (:func:`rows_frame`, one per family, so
    that 290,000 account rows are not all held as dicts): the table is the same as
    from the rows themselves, dtypes included.

    >>> r = [row("k", "company", "all", "2026Q3", stats.Estimate(1, None, None, 2)),
    ...      row("k", "kam", "K1", "2026Q3", stats.Estimate(0.5, 0.1, 0.9, 1))]
    >>> frame(r).equals(frame([rows_frame(r[:1]), rows_frame(r[1:])]))
    True
    """
    if rows and all(isinstance(r, pd.DataFrame) for r in rows):
        # each column's values joined as objects, then typed as one frame of the rows
        # would type them (a part whose numbers are all None is objects on its own)
        df = pd.DataFrame({c: np.concatenate([r[c].to_numpy(object) for r in rows])
                           for c in COLUMNS}).infer_objects()
    else:
        df = pd.DataFrame(rows, columns=COLUMNS)
    order = {g: i for i, g in enumerate(ORDER)}
    df["_g"] = df["grain"].map(order)
    return df.sort_values(["kpi", "_g", "group"], kind="stable").drop(columns="_g") \
        .reset_index(drop=True)
