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
edge of the range. A bootstrap over prospects, done as a batch of weighted fits,
gives the band and the interval of the peak, from the fits that have an interior
peak (reported only when at least half of them do).

>>> import numpy as np
>>> n = np.repeat(np.arange(1, 11), 50)
>>> y = (np.random.default_rng(0).random(len(n)) < 1 / (1 + np.exp(-(-3 + n - 0.1 * n**2))))
>>> fit = fit_touch_curve(n, y, draws=50, seed=1)
>>> 3.5 < fit["peak"] < 6.5
True
"""

from __future__ import annotations

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


def _irls(x: np.ndarray, y: np.ndarray, w: np.ndarray, iters: int = 50,
          ridge: float = 1e-4) -> np.ndarray:
    """Weighted logistic regression for a batch of weight vectors ``w`` (B x n).

    Each step works in two B x n buffers made once, in place: the same operations in
    the same order as ``p = 1 / (1 + exp(-clip(b x')))``, ``w p (1 - p)`` and ``w (y -
    p)`` written out, so the same bits, without a fresh array (and its page faults)
    per operation: at 20,000 accounts the arrays are 500 draws by 15,000 prospects
    (60 MB each). ``1 - p`` is made a block of draws at a time, and ``w (y - p)`` in
    the buffer of ``w p (1 - p)`` once that has been used.
    """
    k = x.shape[1]
    b = np.zeros((w.shape[0], k))
    eye = ridge * np.eye(k)
    xx = (x[:, :, None] * x[:, None, :]).reshape(len(x), k * k)  # x_i x_j per row
    xt = x.T
    p, wt = np.empty(w.shape), np.empty(w.shape)
    block = 16  # draws at a time for 1 - p: 16 x n
    q = np.empty((min(block, len(w)), w.shape[1]))
    for _ in range(iters):
        np.matmul(b, xt, out=p)  # eta
        np.clip(p, -30, 30, out=p)
        np.negative(p, out=p)
        np.exp(p, out=p)
        np.add(1, p, out=p)
        np.divide(1, p, out=p)  # p = 1 / (1 + exp(-eta))
        np.multiply(w, p, out=wt)
        for i in range(0, len(w), block):
            part = slice(i, i + block)
            one_minus = q[:len(wt[part])]
            np.subtract(1, p[part], out=one_minus)
            wt[part] *= one_minus  # w * p * (1 - p)
        h = (wt @ xx).reshape(-1, k, k) + eye  # X' W X for every draw in one product
        np.subtract(y, p, out=wt)
        np.multiply(w, wt, out=wt)  # w * (y - p)
        g = wt @ x - ridge * b
        step = np.linalg.solve(h, g[..., None])[..., 0]
        b += step
        if np.abs(step).max() < 1e-8:
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
    x = _design(n / scale)
    rng = np.random.default_rng(seed)
    w = np.empty((draws + 1, len(n)))  # the fit itself, then the bootstrap's counts
    w[0] = 1
    w[1:] = rng.multinomial(len(n), np.full(len(n), 1 / len(n)), size=draws)
    b = _irls(x, y, w)
    peaks = _peak(b, lo_n / scale, 1.0) * scale
    xg = _design(grid / scale)
    curves = 1 / (1 + np.exp(-np.clip(b @ xg.T, -30, 30)))
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
    acquisition page ask for the same fits (500 bootstrap fits per channel, 15 s at
    20,000 accounts). Copies are returned, so no caller changes another's."""
    from kamlib.panels import batch

    def build():
        pros = prospect_frame(data, as_of, window_days)
        return (pros, *ideal_touches(pros, draws=draws, seed=seed, level=level))

    key = ("touch_results", pd.Timestamp(as_of), int(window_days), int(draws), int(seed),
           float(level))
    return tuple(f.copy() for f in batch.cached(data, key, build))  # type: ignore[return-value]


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
    peaks, curves = [], []
    for i, (ch, g) in enumerate(closed.groupby("channel", sort=True)):
        f = fit_touch_curve(g.touches, g.converted, draws=draws, seed=seed + i, level=level)
        peaks.append({"channel": ch, "value": f["peak"], "low": f["low"], "high": f["high"],
                      "n": f["n"], "peak_found": f["peak_found"],
                      "peak_draws": f["peak_draws"], "draws": f["draws"], "note": f["note"]})
        curves.append(f["curve"].assign(channel=ch))
    cols = ["channel", "touches", "p", "low", "high"]
    return (pd.DataFrame(peaks, columns=PEAK_COLUMNS),
            pd.concat(curves, ignore_index=True)[cols] if curves else pd.DataFrame(columns=cols))
