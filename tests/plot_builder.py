"""Made-up data for the plot tests, and one figure of each plot (:data:`BUILDERS`) for
the checks every plot must pass (reproducible files, no overlapping text, units).

>>> trend_df(k=4, gap=None).period.tolist()
['2024Q1', '2024Q2', '2024Q3', '2024Q4']
>>> sorted(BUILDERS)[:3]
['clv_hist', 'funnel', 'gaps']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib import plots as P
from kamlib.plots.survival import plot_clv_distribution


def trend_df(k: int = 8, gap: int | None = 3) -> pd.DataFrame:
    periods = [f"{2024 + i // 4}Q{i % 4 + 1}" for i in range(k)]
    v = np.linspace(0.70, 0.80, k)
    if gap is not None:
        v[gap] = np.nan
    return pd.DataFrame({"period": periods, "value": v, "low": v - 0.03, "high": v + 0.03})


def funnel_data(target: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    n = rng.integers(20, 300, 20).astype(float)
    rate = np.full(20, target) + rng.normal(0, 0.01, 20)
    rate[2], n[2] = 0.55, 250  # far below
    rate[5], n[5] = 0.98, 200  # far above
    rate[6], n[6] = 0.56, 240  # close to group 2: labels must not collide
    df = pd.DataFrame({"group": [f"Team {i:02d}" for i in range(20)], "n": n, "rate": rate})
    grid = np.linspace(10, 320, 120)
    se = np.sqrt(target * (1 - target) / grid)
    lim = pd.DataFrame({"n": grid, "low_95": target - 1.96 * se, "high_95": target + 1.96 * se,
                        "low_99_8": target - 3.09 * se, "high_99_8": target + 3.09 * se})
    return df, lim


CHANNELS = ["cold_call", "email", "face_to_face", "event", "referral"]


def touch_data(channels=CHANNELS) -> tuple[pd.DataFrame, pd.DataFrame]:
    t = np.arange(1, 13, dtype=float)
    rows, peaks = [], []
    for i, ch in enumerate(channels):
        m = 3.0 + i
        p = 0.05 + 0.1 * np.exp(-((t - m) / 3) ** 2)
        rows.append(pd.DataFrame({"channel": ch, "touches": t, "p": p, "low": p * 0.8,
                                  "high": p * 1.2}))
        peaks.append({"channel": ch, "value": m, "low": m - 1, "high": m + 1.5})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(peaks)


def nps_df() -> pd.DataFrame:
    return pd.DataFrame({"group": ["All", "Strategic", "Key", "Empty"],
                         "detractors": [20, 5, 30, 0], "passives": [30, 15, 30, 0],
                         "promoters": [50, 30, 40, 0]})


def gaps_data() -> np.ndarray:
    return np.random.default_rng(2).gamma(3, 10, 300)


def calibration_bins(pred: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Risk bins of equal counts with each bin's observed churn and its Wilson interval:
    the input of plot_calibration (the models compute it for the report)."""
    from kamlib.stats.intervals import wilson

    f = pred.copy()
    f["bin"] = pd.qcut(f.p_model.rank(method="first"), min(bins, len(f)), labels=False)
    g = f.groupby("bin").agg(p=("p_model", "mean"), k=("churned", "sum"),
                             n=("churned", "size")).reset_index(drop=True)
    g["observed"] = g.k / g.n
    est = [wilson(int(k), int(n)) for k, n in zip(g.k, g.n, strict=True)]
    g["low"], g["high"] = [e.low for e in est], [e.high for e in est]
    return g


def bridge_steps() -> pd.DataFrame:
    """A book's value bridge (the sample's 2026Q3 company bridge, rounded)."""
    return pd.DataFrame({
        "step": ["start", "new", "expansion", "contraction", "churn", "transfer", "time",
                 "end"],
        "value": [126.45e6, 0.19e6, 4.83e6, -1.44e6, -2.68e6, 0.0, -7.94e6, 119.41e6],
        "n": [208, 5, 167, 34, 7, 0, 201, 206]})


BUILDERS = {
    "trend": lambda: P.plot_trend(trend_df(), title="Retention", ylabel="Retained", percent=True),
    "trend_money": lambda: P.plot_trend(trend_df(gap=None).assign(
        value=lambda d: d.value * 1e6, low=lambda d: d.low * 1e6, high=lambda d: d.high * 1e6),
        ylabel="Average CLV", currency="EUR"),
    "funnel": lambda: P.plot_funnel(*funnel_data()[:1], 0.8, limits=funnel_data()[1],
                                    highlight=["Team 10"], note="Over-dispersion allowed for"),
    "touch_grid": lambda: P.plot_touch_curve(*touch_data()),
    "touch_one_ax": lambda: P.plot_touch_curve(*touch_data(), ax=P.subplots()[1]),
    "gaps": lambda: P.plot_gap_distribution(gaps_data(), 45),
    "nps": lambda: P.plot_nps_bars(nps_df()),
    "clv_hist": lambda: plot_clv_distribution(pd.DataFrame(
        {"clv": np.exp(np.random.default_rng(1).normal(12.5, 1.2, 206))})),
    # the book's value bridge
    "value_bridge": lambda: P.plot_value_bridge(bridge_steps()),
}
