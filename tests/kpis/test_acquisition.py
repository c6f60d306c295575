"""Conversion cohorts, prospects' touches and the ideal number of touches
(kamlib.kpis.acquisition) on hand-made data.

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_builder import DataSet

from kamlib.kpis.acquisition import closed_cohort, fit_touch_curve, ideal_touches, prospect_frame
from kamlib.periods import Quarter

approx = pytest.approx


# =========================================================================== cohorts
@pytest.mark.parametrize("window, cohort", [
    (0, "2026Q3"),  # 09-30 + 0 <= 09-30
    (1, "2026Q2"),  # Q3: 09-30 + 1 > 09-30; Q2: 06-30 + 1 = 07-01
    (92, "2026Q2"),  # 06-30 + 92 = 09-30, still closed on the last day
    (93, "2026Q1"),  # 06-30 + 93 = 10-01 > 09-30; 03-31 + 93 = 07-02
    (180, "2026Q1"),  # 03-31 + 180 = 09-27
])
def test_closed_cohort_is_the_latest_quarter_whose_windows_closed(window, cohort):
    assert closed_cohort(Quarter("2026Q3", 1), window) == Quarter(cohort, 1)


# =========================================================================== prospects
def test_prospect_frame_counts_own_channel_touches_inside_the_window(tmp_path):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    # P1: 2026-01-10 + 180 days = 07-09, closed by as_of; converted after 50 days
    # (21 days of January + 28 of February + 1); own-channel touches before conversion: 2
    p1 = ds.prospect("K1", "2026-01-10", "email", "2026-03-01")
    for day, ch in (("2026-01-12", "email"), ("2026-01-15", "cold_call"),
                    ("2026-02-20", "email"), ("2026-03-05", "email")):
        ds.prospect_touch(p1, f"{day}T10:00:00", ch)
    # P2: 2026-05-01 + 180 = 10-28, still open; the touch after as_of is not seen
    p2 = ds.prospect("K1", "2026-05-01", "event")
    for day in ("2026-05-02", "2026-09-29", "2026-10-05"):
        ds.prospect_touch(p2, f"{day}T10:00:00", "event")
    # P3: 2025-10-01 + 180 = 2026-03-30; converted on 05-01, too late; the touch of
    # 04-01 is after its window
    p3 = ds.prospect("K1", "2025-10-01", "email", "2026-05-01")
    for day in ("2025-10-02", "2026-04-01"):
        ds.prospect_touch(p3, f"{day}T10:00:00", "email")
    ds.prospect("K1", "2026-10-05", "email")  # first contact after as_of: not in the frame
    with ds.load(tmp_path) as data:
        f = prospect_frame(data, date(2026, 9, 30), 180).set_index("prospect_id")
    assert list(f.index) == [p1, p2, p3]
    assert f.touches.to_dict() == {p1: 2, p2: 2, p3: 1}
    assert f.converted.to_dict() == {p1: True, p2: False, p3: False}
    assert f.window_closed.to_dict() == {p1: True, p2: False, p3: True}
    assert f.loc[p1, "days_to_convert"] == 50


# =========================================================================== ideal touches
def _touch_table(converted_of_8: tuple[int, int, int]):
    """8 prospects at each of 1, 2, 3 touches, ``converted_of_8[i]`` of them converted."""
    n, y = [], []
    for touches, k in zip((1, 2, 3), converted_of_8, strict=True):
        n += [touches] * 8
        y += [1] * k + [0] * (8 - k)
    return n, y


def test_ideal_touches_hand_made_interior_peak():
    # three touch values: the quadratic logit is saturated, so the fit reproduces the
    # shares 2/8, 6/8, 2/8: logits -ln 3, ln 3, -ln 3, symmetric about 2 -> peak
    # b / (2c) = 2 (up to the tiny ridge)
    f = fit_touch_curve(*_touch_table((2, 6, 2)), draws=200, seed=3)
    assert f["peak_found"] and f["peak"] == approx(2.0, abs=0.01)
    # the interval comes from the fits with an interior peak only: strictly inside
    # (1, 3), never an edge of the range
    assert 1 < f["low"] <= f["peak"] <= f["high"] < 3
    assert f["peak_draws"] >= 0.5 * f["draws"] and f["note"] == ""


def test_ideal_touches_no_peak_when_the_curve_still_rises_at_the_edge():
    # shares 1/8, 4/8, 6/8: logits -ln 7 = -1.946, 0, ln 3 = 1.099; second difference
    # -0.847 = -2c -> c = 0.424, slope at 1.5 is 1.946 = b - 2c * 1.5 -> b = 3.217;
    # n* = b / (2c) = 3.80, beyond the largest observed 3 touches: no ideal number
    # (the old code reported the edge, 3.0)
    f = fit_touch_curve(*_touch_table((1, 4, 6)), draws=200, seed=3)
    assert math.isnan(f["peak"]) and not f["peak_found"] and f["note"] == "no peak"
    assert math.isnan(f["low"]) and math.isnan(f["high"])


@settings(max_examples=40, deadline=None)
@given(shares=st.lists(st.integers(0, 8), min_size=3, max_size=6), seed=st.integers(0, 99))
def test_property_ideal_touches_is_never_an_edge(shares, seed):
    n, y = [], []
    for touches, k in enumerate(shares, start=1):
        n += [touches] * 8
        y += [1] * k + [0] * (8 - k)
    f = fit_touch_curve(n, y, draws=40, seed=seed)
    lo, hi = 1, len(shares)
    if f["peak_found"]:
        assert lo < f["peak"] < hi
        if not math.isnan(f["low"]):
            assert lo < f["low"] <= f["peak"] <= f["high"] < hi
    else:
        assert math.isnan(f["peak"]) and math.isnan(f["low"]) and math.isnan(f["high"])


def test_too_few_prospects_or_touch_values_give_no_fit():
    # 9 prospects (< 10); then 10 with a single conversion (< 2); then one touch value
    for n, y in (([1, 2, 3] * 3, [1, 0, 1] * 3), (list(range(1, 11)), [1] + [0] * 9),
                 ([2] * 12, [1, 0] * 6)):
        f = fit_touch_curve(n, y, draws=20, seed=0)
        assert f["note"] == "too few prospects" and not f["peak_found"]
        assert f["draws"] == 0 and f["n"] == len(n) and math.isnan(f["peak"])


def test_ideal_touches_uses_closed_windows_only_one_row_per_channel():
    n, y = _touch_table((2, 6, 2))
    closed = pd.DataFrame({"channel": "email", "touches": n, "converted": y,
                           "window_closed": True})
    still_open = closed.assign(channel="event", window_closed=False)
    peaks, curves = ideal_touches(pd.concat([closed, still_open]), draws=200, seed=3)
    # the event prospects' windows are open: no row for event; email is the first
    # channel, so it is fitted with the seed itself
    assert peaks.channel.tolist() == ["email"] and set(curves.channel) == {"email"}
    alone = fit_touch_curve(n, y, draws=200, seed=3)
    row = peaks.iloc[0]
    assert (row.value, row.low, row.high, row.n) == (alone["peak"], alone["low"],
                                                     alone["high"], 24)
    assert curves.touches.tolist() == [1.0, 2.0, 3.0]  # the grid spans the touches seen


def _irls_written_out(x, y, w, iters=50, ridge=1e-4):
    """The batched Newton step as its formulas read, one row per prospect."""
    import numpy as np

    k = x.shape[1]
    b = np.zeros((w.shape[0], k))
    xx = (x[:, :, None] * x[:, None, :]).reshape(len(x), k * k)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(b @ x.T, -30, 30)))
        h = ((w * p * (1 - p)) @ xx).reshape(-1, k, k) + ridge * np.eye(k)
        g = (w * (y - p)) @ x - ridge * b
        step = np.linalg.solve(h, g[..., None])[..., 0]
        b += step
        if np.abs(step).max() < 1e-8:
            break
    return b


def _prospects(n, top, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    t = rng.integers(0, top + 1, n).astype(float)
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(float)
    return t, y, rng


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 400), st.integers(1, 60), st.integers(1, 15), st.integers(0, 2**31))
def test_the_fit_on_cells_is_the_fit_on_prospects(n, draws, top, seed):
    """Prospects with the same touches and outcome add the same term to the likelihood:
    the fit on (touches, converted) cells weighted by each resample's counts is the
    fit on the resampled prospects themselves, to rounding."""
    import numpy as np

    from kamlib.kpis.acquisition import _cells, _design, _irls

    t, y, rng = _prospects(n, top, seed)
    scale = max(t.max(), 1.0)
    w = np.vstack([np.ones(n), rng.multinomial(n, np.full(n, 1 / n), size=draws)])
    cn, cy, cell = _cells(t, y)
    on_cells = np.stack([np.bincount(cell, weights=row, minlength=len(cn)) for row in w])
    got = _irls(_design(cn / scale), cy, on_cells)
    want = _irls_written_out(_design(t / scale), y, w)
    # a saturated or separated resample has a flat likelihood; compare fitted logits
    grid = _design(np.unique(t) / scale)
    assert np.allclose(got @ grid.T, want @ grid.T, rtol=1e-6, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(10, 300), st.integers(2, 40), st.integers(1, 12), st.integers(0, 2**31))
def test_each_resample_fit_is_the_fit_of_that_resample_alone(n, draws, top, seed):
    """Bit for bit: the batch changes nothing, so neither does the number of draws
    or how BLAS splits work among threads."""
    import numpy as np

    from kamlib.kpis.acquisition import _cells, _design, _irls, _resample_counts

    t, y, rng = _prospects(n, top, seed)
    cn, cy, cell = _cells(t, y)
    w = _resample_counts(rng, cell, len(cn), draws)
    x = _design(cn / max(t.max(), 1.0))
    batch = _irls(x, cy, w)
    for j in (0, 1, draws):
        assert np.array_equal(batch[j], _irls(x, cy, w[j:j + 1])[0])


@pytest.mark.parametrize("block", [1, 7, 64, 500])
def test_resample_counts_are_the_one_call_multinomial_summed_in_cells(block):
    import numpy as np

    from kamlib.kpis.acquisition import _cells, _resample_counts

    t, y, _ = _prospects(257, 9, 11)
    cn, _, cell = _cells(t, y)
    got = _resample_counts(np.random.default_rng(5), cell, len(cn), 100, block=block)
    once = np.random.default_rng(5).multinomial(257, np.full(257, 1 / 257), size=100)
    want = np.stack([np.bincount(cell, weights=row, minlength=len(cn))
                     for row in np.vstack([np.ones(257), once])])
    assert np.array_equal(got, want)
    assert (got.sum(axis=1) == 257).all()  # every resample holds every prospect's place


def test_touch_fits_do_not_depend_on_the_blas_threads():
    """The same bits with one BLAS thread and with several (the earlier fit, a matrix
    product over the prospects, moved in the 14th digit with the thread count)."""
    import subprocess
    import sys

    code = ("import numpy as np; from kamlib.kpis.acquisition import fit_touch_curve as f;"
            "r = np.random.default_rng(1); n = r.integers(1, 12, 3000);"
            "y = r.random(3000) < 1 / (1 + np.exp(-(-3 + n - 0.1 * n ** 2)));"
            "d = f(n, y, draws=200, seed=2);"
            "print(repr((d['peak'], d['low'], d['high'], d['coef'],"
            " d['curve'].to_numpy().tolist())))")
    out = set()
    for threads in ("1", "2", "4"):
        env = {**__import__("os").environ, "OPENBLAS_NUM_THREADS": threads,
               "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        out.add(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                               capture_output=True, text=True).stdout)
    assert len(out) == 1 and "nan" not in next(iter(out))


def test_touch_results_fit_once_per_data_set_and_hand_out_copies(tmp_path, monkeypatch):
    """The quarter's KPIs and the acquisition page ask for the same fits: they are made
    once, and what one caller changes the next does not see."""
    from kamlib.kpis import acquisition

    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    for i in range(30):  # closed windows, 1 to 3 email touches, some converted
        p = ds.prospect("K1", "2025-10-01", "email", "2025-11-01" if i % 3 == 0 else None)
        for t in range(1 + i % 3):
            ds.prospect_touch(p, f"2025-10-{2 + t:02d}T10:00:00", "email")
    calls = []
    fit = acquisition.ideal_touches
    monkeypatch.setattr(acquisition, "ideal_touches",
                        lambda *a, **k: calls.append(1) or fit(*a, **k))
    with ds.load(tmp_path) as data:
        pros, peaks, curves = acquisition.touch_results(data, date(2026, 9, 30), 180, draws=20)
        want = fit(acquisition.prospect_frame(data, date(2026, 9, 30), 180), draws=20)
        pros["touches"] = -1
        peaks["value"] = -1.0
        again = acquisition.touch_results(data, date(2026, 9, 30), 180, draws=20)
        other = acquisition.touch_results(data, date(2026, 9, 30), 180, draws=20, seed=1)
    assert len(calls) == 2  # once for each seed
    assert (again[0].touches >= 0).all() and len(again[0]) == 30
    pd.testing.assert_frame_equal(again[1], want[0])
    pd.testing.assert_frame_equal(again[2], want[1])
    assert len(other[1]) == 1
