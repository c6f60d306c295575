"""Acquisition: conversion of prospects and the ideal number of touches per channel.

Conversion (README, "KPI definitions"): a prospect converts when ``converted_on``
falls within ``conversion_window_days`` of its first contact. A quarter's rate
uses the latest cohort of prospects first contacted in a quarter whose windows
have all closed by the quarter's end.

Ideal touches: per channel, the conversion probability as a function of the
number of touches in that channel (before conversion, within the window) is fitted
by a logistic regression with a quadratic term,

    logit p(n) = a + b n - c n^2,

whose peak ``n* = b / (2c)`` (when c > 0) is the number of touches beyond which an
extra touch no longer raises conversion. Only a peak strictly inside the observed
range of touches counts: a curve that still rises (or already falls) over the whole
range has no ideal number, and the result says "no peak" rather than reporting the
edge of the range. A bootstrap over prospects gives the band and the interval of the
peak, from the fits that have an interior peak (reported only when at least half of
them do). Prospects with the same touches and outcome add the same term to the
likelihood, so each resample is fitted on its counts per (touches, converted) cell,
a few dozen cells instead of every prospect; each fit's bits are those of fitting
that resample alone, whatever the machine's BLAS threads.

>>> import numpy as np
>>> n = np.repeat(np.arange(1, 11), 50)
>>> y = (np.random.default_rng(0).random(len(n)) < 1 / (1 + np.exp(-(-3 + n - 0.1 * n**2))))
>>> fit = fit_touch_curve(n, y, draws=50, seed=1)
>>> 3.5 < fit["peak"] < 6.5
True
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kamlib.panels.prospects import prospect_touches
from kamlib.periods import Quarter, as_quarter

__all__ = ["MIN_PEAK_SHARE", "NO_PEAK", "PEAK_COLUMNS", "closed_cohort", "fit_touch_curve",
           "ideal_touches", "prospect_frame", "touch_results"]


def closed_cohort(quarter: Quarter | str, window_days: int) -> Quarter:
    """The latest quarter whose prospects' conversion windows all closed by ``quarter.end``.

    >>> str(closed_cohort("2026Q3", 180))
    '2026Q1'
    """
    quarter = as_quarter(quarter)
    c = quarter
    while c.end + timedelta(days=window_days) > quarter.end:
        c = c.previous()
    return c


def prospect_frame(data, as_of: date, window_days: int) -> pd.DataFrame:
    """Prospects first contacted by ``as_of``, with their outcome within the window and
    their touches in their own channel (before conversion, within the window)."""
    p = data.frame("prospects")
    p = p[pd.to_datetime(p.first_contact_on) <= pd.Timestamp(as_of)].copy()
    for c in ("first_contact_on", "converted_on", "lost_on"):
        p[c] = pd.to_datetime(p[c])
    window_end = p.first_contact_on + pd.Timedelta(days=window_days)
    p["window_closed"] = window_end <= pd.Timestamp(as_of)
    conv = p.converted_on.notna() & (p.converted_on <= window_end) \
        & (p.converted_on <= pd.Timestamp(as_of))
    p["converted"] = conv
    p["days_to_convert"] = (p.converted_on - p.first_contact_on).dt.days
    touches = prospect_touches(data, as_of)
    m = touches.merge(p[["prospect_id", "channel", "first_contact_on", "converted_on"]],
                      on="prospect_id", suffixes=("", "_p"))
    limit = m.first_contact_on + pd.Timedelta(days=window_days)
    limit = limit.where(m.converted_on.isna() | (m.converted_on > limit), m.converted_on)
    own = m[(m.channel == m.channel_p) & (m.day <= limit)]
    p["touches"] = p.prospect_id.map(own.groupby("prospect_id").size()).fillna(0).astype(int)
    return p.sort_values("prospect_id").reset_index(drop=True)  # row order never matters


def _design(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, float)
    return np.column_stack([np.ones_like(n), n, -(n**2)])


def _linear(b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``b x'`` (rows of coefficients by rows of the design) as element-wise products
    added in column order: each entry's bits depend on its own row and cell only, not
    on how many rows there are or how BLAS splits a matrix product among threads."""
    out = b[:, 0, None] * x[None, :, 0]
    for j in range(1, x.shape[1]):
        out += b[:, j, None] * x[None, :, j]
    return out


def _cells(touches: np.ndarray, converted: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """The distinct (touches, converted) pairs of the prospects, and each prospect's
    pair: prospects of one pair add the same term to the likelihood, so a fit needs
    only how many of them each resample holds.

    >>> n, y, cell = _cells(np.array([2., 1, 2, 2]), np.array([1., 0, 0, 1]))
    >>> n.tolist(), y.tolist(), cell.tolist()
    ([1.0, 2.0, 2.0], [0.0, 0.0, 1.0], [2, 0, 1, 2])
    """
    pairs, cell = np.unique(np.column_stack([touches, converted]), axis=0,
                            return_inverse=True)
    return pairs[:, 0], pairs[:, 1], cell.reshape(-1)


def _resample_counts(rng: np.random.Generator, cell: np.ndarray, cells: int, draws: int,
                     block: int = 64) -> np.ndarray:
    """How many prospects of each cell (see :func:`_cells`) the data hold (row 0) and
    each of ``draws`` resamples of the prospects with replacement (rows 1 ..): a
    ``(draws + 1) x cells`` array.

    The resamples are ``rng.multinomial(m, [1 / m] * m, size=draws)`` (m prospects),
    drawn ``block`` at a time (one stream, so the same resamples as one call) and added
    up within cells as they come: draws x prospects counts (120 MB for 1,000 draws of
    15,000 prospects) are never held at once. The sums are of integers, so exact.

    >>> rng = np.random.default_rng(0)
    >>> _resample_counts(rng, np.array([0, 1, 1]), 2, draws=3, block=2).sum(axis=1).tolist()
    [3.0, 3.0, 3.0, 3.0]
    """
    m = len(cell)
    order = np.argsort(cell, kind="stable")
    starts = np.searchsorted(cell[order], np.arange(cells))
    out = np.empty((draws + 1, cells))
    out[0] = np.bincount(cell, minlength=cells)
    pvals = np.full(m, 1 / m)
    for i in range(0, draws, block):
        k = min(block, draws - i)
        counts = rng.multinomial(m, pvals, size=k)
        out[1 + i:1 + i + k] = np.add.reduceat(counts[:, order], starts, axis=1)
    return out


def _irls(x: np.ndarray, y: np.ndarray, w: np.ndarray, iters: int = 50,
          ridge: float = 1e-4, tol: float = 1e-8) -> np.ndarray:
    """Weighted logistic regressions of ``y`` on ``x`` (cells x k, see :func:`_cells`),
    one per row of weights ``w`` (B x cells): Newton steps with a small ridge, each
    row's until its own step is below ``tol`` (at most ``iters``).

    Each row's coefficients are those of fitting that row alone, bit for bit: every
    product and sum is element-wise, or over the cells in their order, so neither the
    number of rows nor the BLAS threads change a bit.
    """
    k = x.shape[1]
    b = np.zeros((len(w), k))
    eye = ridge * np.eye(k)
    xx = x[:, :, None] * x[:, None, :]  # cells x k x k
    live = np.arange(len(w))  # rows still moving
    for _ in range(iters):
        bl, wl = b[live], w[live]
        p = 1 / (1 + np.exp(-np.clip(_linear(bl, x), -30, 30)))
        h = ((wl * p * (1 - p))[:, :, None, None] * xx[None]).sum(axis=1) + eye
        g = ((wl * (y - p))[:, :, None] * x[None]).sum(axis=1) - ridge * bl
        step = np.linalg.solve(h, g[..., None])[..., 0]
        b[live] = bl + step
        live = live[np.abs(step).max(axis=1) >= tol]
        if not len(live):
            break
    return b


#: share of the bootstrap fits that must have an interior peak for the peak's interval
#: to be reported; below it the peak itself is unstable and no interval is given
MIN_PEAK_SHARE = 0.5
NO_PEAK = "no peak"


def _peak(b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The interior peak of each fitted curve: ``n* = b / (2c)`` when the curve is
    concave (``c > 0``) and ``lo < n* < hi``; NaN otherwise (a curve still rising or
    already falling over the whole range has no ideal number inside it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = b[:, 1] / (2 * b[:, 2])
    inside = (b[:, 2] > 0) & np.isfinite(inner) & (inner > lo) & (inner < hi)
    return np.where(inside, inner, np.nan)


def fit_touch_curve(touches, converted, draws: int = 500, seed: int = 0,
                    level: float = 0.95, grid: np.ndarray | None = None) -> dict:
    """Fit ``logit p(n) = a + b n - c n^2`` and bootstrap it.

    Returns a dict with ``peak`` (the interior peak ``b / (2c)`` within the observed
    range of touches, NaN when the fitted curve has none: the edge of the range is
    never reported), ``peak_found``, ``low``, ``high`` (the percentile interval of the
    peaks of the bootstrap fits that have an interior peak, given only when a peak was
    found and at least :data:`MIN_PEAK_SHARE` of the fits have one), ``peak_draws``
    (how many bootstrap fits have an interior peak), ``draws``, ``note`` (``"no
    peak"``, ``"too few prospects"`` or empty), ``n`` (prospects), ``coef`` (a, b, c)
    and ``curve`` (a DataFrame touches, p, low, high over ``grid``).
    """
    n = np.asarray(touches, float)
    y = np.asarray(converted, float)
    lo_n, hi_n = (float(n.min()), float(n.max())) if len(n) else (0.0, 0.0)
    grid = np.arange(max(lo_n, 0), hi_n + 1) if grid is None else np.asarray(grid, float)
    if len(n) < 10 or y.sum() < 2 or hi_n <= lo_n:
        empty = pd.DataFrame({"touches": grid, "p": np.nan, "low": np.nan, "high": np.nan})
        return {"peak": np.nan, "peak_found": False, "low": np.nan, "high": np.nan,
                "peak_draws": 0, "draws": 0, "note": "too few prospects", "n": len(n),
                "coef": (np.nan,) * 3, "curve": empty}
    scale = hi_n  # fit on n / scale for conditioning
    cn, cy, cell = _cells(n, y)
    # the fit itself, then the bootstrap's resamples: prospects per (touches, converted)
    w = _resample_counts(np.random.default_rng(seed), cell, len(cn), draws)
    b = _irls(_design(cn / scale), cy, w)
    peaks = _peak(b, lo_n / scale, 1.0) * scale
    xg = _design(grid / scale)
    curves = 1 / (1 + np.exp(-np.clip(_linear(b, xg), -30, 30)))
    a = (1 - level) / 2
    coef = b[0] * np.array([1, 1 / scale, 1 / scale**2])
    curve = pd.DataFrame({"touches": grid, "p": curves[0],
                          "low": np.quantile(curves[1:], a, axis=0),
                          "high": np.quantile(curves[1:], 1 - a, axis=0)})
    peak = float(peaks[0])
    found = bool(np.isfinite(peak))
    inner = peaks[1:][np.isfinite(peaks[1:])]
    lo = hi = np.nan
    if found and len(inner) >= MIN_PEAK_SHARE * draws:
        lo, hi = np.quantile(inner, [a, 1 - a])
        lo, hi = float(min(lo, peak)), float(max(hi, peak))
    return {"peak": peak, "peak_found": found, "low": lo, "high": hi,
            "peak_draws": int(len(inner)), "draws": int(draws),
            "note": "" if found else NO_PEAK, "n": len(n), "coef": tuple(coef),
            "curve": curve}


def touch_results(data, as_of: date, window_days: int, draws: int = 500, seed: int = 0,
                  level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`prospect_frame` as of ``as_of`` and its :func:`ideal_touches` (peaks and
    curves), worked out once per data set and arguments: the quarter's KPIs and the
    acquisition page ask for the same fits (1,000 bootstrap fits per channel by
    default, 2 s at 20,000 accounts). Copies are returned, so no caller changes another's."""
    from kamlib.panels import batch

    def build():
        pros = prospect_frame(data, as_of, window_days)
        return (pros, *ideal_touches(pros, draws=draws, seed=seed, level=level))

    key = ("touch_results", pd.Timestamp(as_of), int(window_days), int(draws), int(seed),
           float(level))
    return tuple(f.copy() for f in batch.cached(data, key, build))  # type: ignore[return-value]


#: channels fitted side by side (threads): the machine's cores, at most 4; the results do
#: not depend on it (each channel's fit has its own random stream)
FIT_THREADS = min(4, os.cpu_count() or 1)

PEAK_COLUMNS = ["channel", "value", "low", "high", "n", "peak_found", "peak_draws", "draws",
                "note"]


def ideal_touches(prospects: pd.DataFrame, draws: int = 500, seed: int = 0,
                  level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per channel: the peak of the touches-conversion curve with its interval, and the
    curves (for plotting). Uses prospects whose window has closed.

    The peaks frame has the columns of :data:`PEAK_COLUMNS`: ``value`` is NaN, with
    ``peak_found`` False and ``note`` "no peak", when the fitted curve has no interior
    peak (see :func:`fit_touch_curve`); ``peak_draws`` of ``draws`` bootstrap fits had one.
    """
    closed = prospects[prospects.window_closed]
    groups = list(closed.groupby("channel", sort=True))
    # each channel's fit has its own seed, so the channels can be fitted side by side:
    # drawing the resamples (most of the time) lets other threads run
    with ThreadPoolExecutor(max_workers=max(1, min(FIT_THREADS, len(groups)))) as pool:
        fits = list(pool.map(lambda job: fit_touch_curve(
            job[1][1].touches, job[1][1].converted, draws=draws, seed=seed + job[0],
            level=level), enumerate(groups)))
    peaks, curves = [], []
    for (ch, _), f in zip(groups, fits, strict=True):
        peaks.append({"channel": ch, "value": f["peak"], "low": f["low"], "high": f["high"],
                      "n": f["n"], "peak_found": f["peak_found"],
                      "peak_draws": f["peak_draws"], "draws": f["draws"], "note": f["note"]})
        curves.append(f["curve"].assign(channel=ch))
    cols = ["channel", "touches", "p", "low", "high"]
    return (pd.DataFrame(peaks, columns=PEAK_COLUMNS),
            pd.concat(curves, ignore_index=True)[cols] if curves else pd.DataFrame(columns=cols))
