"""Plots: what each draws, empty and missing input, units, overlaps, reproducible files."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from kamlib import plots as P  # noqa: E402
from kamlib.plots.survival import plot_clv_distribution  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- made-up data ------------------------------------------------------------------


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
}


# -- house style and files ------------------------------------------------------------


def test_house_style_is_scoped_and_global_switch_applies_it():
    before = mpl.rcParams["svg.hashsalt"]
    with P.house_style():
        assert mpl.rcParams["svg.hashsalt"] == "kamlib"
        assert mpl.rcParams["svg.fonttype"] == "path"
        assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert tuple(mpl.rcParams["figure.figsize"]) == (8.0, 4.5)
    assert mpl.rcParams["svg.hashsalt"] == before
    with mpl.rc_context():
        P.use_house_style()
        assert mpl.rcParams["svg.hashsalt"] == "kamlib"
    assert mpl.rcParams["svg.hashsalt"] == before


def test_palette_is_okabe_ito_and_used_for_the_cycle():
    assert len(P.PALETTE) == 8 and len(set(P.PALETTE)) == 8
    assert P.HOUSE["axes.prop_cycle"].by_key()["color"] == list(P.PALETTE)


def test_savefig_kwargs_drop_dates_and_versions():
    assert P.savefig_kwargs() == {"metadata": {"Date": None, "Creator": None}}
    assert P.savefig_kwargs("png")["metadata"]["Software"] is None
    assert P.savefig_kwargs("pdf")["metadata"]["CreationDate"] is None


def _save(build, fmt: str, path) -> bytes:
    with P.house_style():
        ax = build()
        ax.figure.savefig(path, format=fmt, **P.savefig_kwargs(fmt))
    plt.close(ax.figure)
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_files_are_byte_identical(name, fmt, tmp_path):
    """Two figures built and saved independently give the same bytes."""
    first = _save(BUILDERS[name], fmt, tmp_path / f"a.{fmt}")
    second = _save(BUILDERS[name], fmt, tmp_path / f"b.{fmt}")
    assert first == second
    if fmt == "svg":
        assert b"<dc:date>" not in first
        assert b"<text" not in first  # glyphs embedded as paths
    else:
        assert b"Software" not in first and b"Matplotlib" not in first


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_same_figure_saved_twice_is_identical(name, tmp_path):
    """Drawing again (e.g. shown in a notebook, then saved) changes nothing."""
    ax = BUILDERS[name]()
    with P.house_style():
        for fmt in ("svg", "png"):
            a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
            ax.figure.savefig(a, **P.savefig_kwargs(fmt))
            ax.figure.savefig(b, **P.savefig_kwargs(fmt))
            assert a.read_bytes() == b.read_bytes()


# -- layout checks shared by all plots -------------------------------------------------


def _texts(fig) -> list[Text]:
    """Every text that is drawn (tick labels only where the axis shows a tick)."""
    tick_labels, shown = set(), []
    for a in fig.axes:
        for axis in (a.xaxis, a.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels |= {id(tick.label1), id(tick.label2)}
                if lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    shown += [tick.label1, tick.label2]
    seen, out = set(), []
    for t in [*fig.findobj(Text), *shown]:
        if id(t) in seen or (id(t) in tick_labels and t not in shown):
            continue
        seen.add(id(t))
        if t.get_visible() and t.get_text().strip():
            out.append(t)
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_no_text_overlaps_and_all_text_inside_the_figure(name):
    ax = BUILDERS[name]()
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    texts = _texts(fig)
    boxes = [(t, t.get_window_extent(r)) for t in texts]
    fig_box = fig.bbox
    for t, b in boxes:
        assert b.x0 >= fig_box.x0 - 1 and b.x1 <= fig_box.x1 + 1, t.get_text()
        assert b.y0 >= fig_box.y0 - 1 and b.y1 <= fig_box.y1 + 1, t.get_text()
    for (t1, b1), (t2, b2) in itertools.combinations(boxes, 2):
        w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
        h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
        assert w <= 1 or h <= 1, f"{t1.get_text()!r} overlaps {t2.get_text()!r}"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_axis_labels_carry_units_and_titles_exist(name):
    ax = BUILDERS[name]()
    fig = ax.figure
    labels = [a.get_xlabel() for a in fig.axes] + [a.get_ylabel() for a in fig.axes]
    labels += [t.get_text() for t in (fig._supylabel, fig._supxlabel) if t is not None]
    labels = [s for s in labels if s and s != "Quarter"]
    assert labels
    assert all("(" in s and s.endswith(")") for s in labels), labels
    titles = [ax.get_title(loc="left")] + ([fig._suptitle.get_text()] if fig._suptitle else [])
    assert any(titles)


# -- plot_trend ---------------------------------------------------------------------


def test_trend_draws_line_band_and_last_value():
    ax = P.plot_trend(trend_df(), title="Retention", ylabel="Retained accounts", percent=True)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 1
    line = ax.lines[0]
    assert line.get_marker() == "o"
    assert np.isnan(line.get_ydata()[3])  # the gap stays a gap
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    assert bands[0].get_alpha() < 0.5 and bands[0].get_zorder() < line.get_zorder()
    assert ax.get_ylabel() == "Retained accounts (%)"
    assert ax.get_title(loc="left") == "Retention"
    assert [t.get_text() for t in ax.texts] == ["80.0%"]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [f"{2024 + i // 4}Q{i % 4 + 1}" for i in range(8)]
    assert ax.yaxis.get_major_formatter().format_ticks([0.7, 0.75, 0.8]) == ["70%", "75%", "80%"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Estimate", "95 % interval"]


def test_trend_money_and_plain_units():
    df = trend_df(gap=None).assign(value=lambda d: d.value * 1e6)
    ax = P.plot_trend(df[["period", "value"]], ylabel="Average CLV", currency="EUR")
    assert ax.get_ylabel() == "Average CLV (EUR)"
    assert ax.texts[-1].get_text() == "EUR 800k"
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no band columns
    ax = P.plot_trend(trend_df(gap=None), ylabel="Resolution time (hours)")
    assert ax.get_ylabel() == "Resolution time (hours)"


def test_trend_thins_many_period_labels_but_keeps_the_last():
    ax = P.plot_trend(trend_df(k=30, gap=None), ylabel="Rate (%)", percent=True)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) <= 12
    assert labels[-1] == "2031Q2"


def test_trend_accepts_quarter_objects_and_given_axes():
    from kamlib.periods import Quarter

    df = trend_df(k=3, gap=None).assign(period=lambda d: [Quarter(p) for p in d.period])
    _fig, ax0 = plt.subplots()
    ax = P.plot_trend(df, ax=ax0, ylabel="Share (%)", percent=True)
    assert ax is ax0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2", "2024Q3"]


@pytest.mark.parametrize("df", [
    pd.DataFrame(columns=["period", "value", "low", "high"]),
    pd.DataFrame({"period": ["2025Q1", "2025Q2"], "value": [np.nan, np.nan],
                  "low": [np.nan, np.nan], "high": [np.nan, np.nan]}),
    pd.DataFrame({"period": ["2025Q1"], "value": [0.5], "low": [np.nan], "high": [np.nan]}),
])
def test_trend_empty_or_missing(df):
    ax = P.plot_trend(df, ylabel="Share", percent=True)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_funnel --------------------------------------------------------------------


def test_funnel_draws_target_limits_and_labels_outliers_only():
    df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim, title="Renewal rate by KAM")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 5  # target + 2 x 95 % + 2 x 99.8 %
    target = ax.lines[0]
    assert list(target.get_ydata()) == [0.8, 0.8]
    styles = [ln.get_linestyle() for ln in ax.lines[1:]]
    assert styles.count("--") == 2 and styles.count("-") == 2
    assert sorted(t.get_text() for t in ax.texts) == ["Team 02", "Team 05", "Team 06"]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in scatters) == len(df)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["Company rate 80.0%", "95 % limits", "99.8 % limits"]
    assert "Outside 99.8 % limits" in legend
    assert ax.get_ylabel() == "Rate (%)" and "(count)" in ax.get_xlabel()
    lo, hi = ax.get_ylim()
    assert 0 <= lo < 0.55 and 0.98 < hi <= 1


def test_funnel_outlier_labels_do_not_overlap():
    df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


def test_funnel_highlight_note_and_no_limits():
    df, _lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, highlight=["Team 10"], note="Over-dispersion allowed for",
                       percent=True)
    labels = [t.get_text() for t in ax.texts if "dispersion" not in t.get_text()]
    assert labels == ["Team 10"]  # nothing is outside without limits
    assert len(ax.lines) == 1
    notes = [c for c in ax.get_children() if isinstance(c, Text) and "dispersion" in c.get_text()]
    assert len(notes) == 1
    assert "Highlighted" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("df", [
    pd.DataFrame(columns=["group", "n", "rate"]),
    pd.DataFrame({"group": ["A", "B"], "n": [np.nan, 10], "rate": [0.5, np.nan]}),
])
def test_funnel_empty_or_missing(df):
    _df, lim = funnel_data()
    ax = P.plot_funnel(df, 0.8, limits=lim)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_touch_curve ----------------------------------------------------------------


def test_touch_small_multiples_one_panel_per_channel():
    curve, peaks = touch_data()
    ax = P.plot_touch_curve(curve, peaks, title="Touches")
    fig = ax.figure
    assert isinstance(ax, Axes) and ax is fig.axes[0]
    assert [a.get_title(loc="left") for a in fig.axes] == \
        ["Cold call", "Email", "Face to face", "Event", "Referral"]
    for a, (_i, pk) in zip(fig.axes, peaks.iterrows(), strict=True):
        assert sum(isinstance(c, PolyCollection) for c in a.collections) == 1  # the band
        marker = [ln for ln in a.lines if ln.get_marker() == "D"]
        assert len(marker) == 1
        x, y = marker[0].get_xdata()[0], marker[0].get_ydata()[0]
        part = curve[curve.channel == pk.channel]
        assert x == pk.value and y == pytest.approx(np.interp(x, part.touches, part.p))
    assert fig._suptitle.get_text() == "Touches"
    assert fig.axes[0].get_ylim()[0] == 0


def test_touch_on_given_axes_draws_all_channels_in_distinct_colours():
    curve, peaks = touch_data()
    _fig, ax0 = plt.subplots()
    ax = P.plot_touch_curve(curve, peaks, ax=ax0)
    assert ax is ax0 and len(ax.figure.axes) == 1
    curves = [ln for ln in ax.lines if ln.get_label() in
              {"Cold call", "Email", "Face to face", "Event", "Referral"}]
    assert len(curves) == len(CHANNELS)
    assert len({ln.get_color() for ln in curves}) == len(CHANNELS)
    assert ax.get_ylabel() == "Conversion probability (%)"


def test_touch_without_peaks_or_band_and_empty():
    curve, _peaks = touch_data(["email"])
    ax = P.plot_touch_curve(curve[["channel", "touches", "p"]])
    assert len(ax.lines) == 1 and not ax.collections
    ax = P.plot_touch_curve(pd.DataFrame(columns=["channel", "touches", "p", "low", "high"]))
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()


# -- plot_gap_distribution ------------------------------------------------------------


def test_gap_histogram_threshold_line_and_share():
    gaps = pd.Series([5, 10, 20, 30, 44, 46, 60, 90, np.nan, 120, 200])
    ax = P.plot_gap_distribution(gaps, threshold=45, title="Gaps")
    assert isinstance(ax, Axes)
    vlines = [ln for ln in ax.lines if list(ln.get_xdata()) == [45, 45]]
    assert len(vlines) == 1
    assert ax.texts[0].get_text() == \
        "Alert threshold 45 days\n50% of accounts above (5 of 10)"
    assert sum(p.get_height() for p in ax.patches) == 10
    alert = [p for p in ax.patches if p.get_x() >= 45]
    assert alert and all(p.get_facecolor() == mpl.colors.to_rgba(P.COLORS["alert"])
                         for p in alert)
    assert any(abs(p.get_x() - 45) < 1e-9 for p in ax.patches)  # a bin edge on the threshold
    assert ax.get_xlabel().endswith("(days)") and ax.get_ylabel() == "Accounts (count)"


def test_gap_small_share_keeps_a_decimal():
    ax = P.plot_gap_distribution(np.r_[np.full(199, 10.0), 50.0], 45)
    assert "0.5% of accounts above (1 of 200)" in ax.texts[0].get_text()


@pytest.mark.parametrize("gaps", [[], np.array([np.nan, np.nan]), pd.Series(dtype=float)])
def test_gap_empty(gaps):
    ax = P.plot_gap_distribution(gaps, 45)
    assert [list(ln.get_xdata()) for ln in ax.lines] == [[45, 45]]
    ax.figure.canvas.draw()


# -- plot_nps_bars ------------------------------------------------------------------


def test_nps_bars_stack_to_100_percent_in_given_order():
    df = nps_df()
    ax = P.plot_nps_bars(df, title="NPS")
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 3 * len(df)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(df.group)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first group on top
    ends = {}
    for p in ax.patches:
        y = round(p.get_y() + p.get_height() / 2)
        ends[y] = max(ends.get(y, 0), p.get_x() + p.get_width())
    assert ends[0] == pytest.approx(1) and ends[3] == 0  # the empty group draws nothing
    right = [t.get_text() for t in ax.texts if "NPS" in t.get_text() or "answers" in t.get_text()]
    assert right == ["NPS +30  n=100", "NPS +50  n=50", "NPS +10  n=100", "no answers"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["Detractors (0–6)", "Passives (7–8)", "Promoters (9–10)"]
    colors = [mpl.colors.to_hex(ax.patches[i * len(df)].get_facecolor()) for i in range(3)]
    assert colors == [P.COLORS["detractors"].lower(), P.COLORS["passives"].lower(),
                      P.COLORS["promoters"].lower()]
    assert ax.get_xlabel() == "Share of respondents (%)"


def test_nps_rounding_and_signs():
    df = pd.DataFrame({"group": ["a", "b", "c"], "detractors": [3, 5, 1],
                       "passives": [0, 0, 0], "promoters": [5, 3, 1]})
    ax = P.plot_nps_bars(df)
    texts = [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")]
    # 25 exactly, -25, 0: half away from zero, a real minus, no sign on zero
    assert texts == ["NPS +25  n=8", "NPS \u221225  n=8", "NPS 0  n=2"]


def test_nps_empty():
    ax = P.plot_nps_bars(pd.DataFrame(columns=["group", "detractors", "passives", "promoters"]))
    assert isinstance(ax, Axes) and not ax.patches
    ax.figure.canvas.draw()


# -- money -------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "text"), [
    (1_234_567, "EUR 1.2M"), (350_000, "EUR 350k"), (1_500, "EUR 1.5k"), (999, "EUR 999"),
    (999_960, "EUR 1M"), (12_300_000, "EUR 12M"), (-2_500_000, "EUR -2.5M"), (0, "EUR 0"),
    (0.4, "EUR 0.4"), (3.2e9, "EUR 3.2B"), (np.nan, "n/a"),
])
def test_fmt_money(x, text):
    assert P.fmt_money(x) == text


def test_money_formatter_shares_unit_and_decimals():
    f = P.money_formatter("USD")
    assert f.format_ticks([0, 250_000, 500_000]) == ["USD 0", "USD 250k", "USD 500k"]
    assert f.format_ticks([1e6, 2e6, 3e6]) == ["USD 1M", "USD 2M", "USD 3M"]
    assert f.format_ticks([-1e6, 0, 1e6]) == ["USD \u22121M", "USD 0", "USD 1M"]
    assert P.money_formatter()(1_500_000) == "EUR 1.5M"  # outside an axis


def test_count_axes_have_whole_number_ticks():
    for name in ("gaps", "clv_hist"):
        ax = BUILDERS[name]()
        ax.figure.canvas.draw()
        ticks = ax.get_yticks()
        assert np.allclose(ticks, np.round(ticks)), (name, ticks)


def test_clv_median_label_sits_above_the_bars():
    ax = BUILDERS["clv_hist"]()
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text().startswith("median EUR"))
    top_bar = max(p.get_window_extent(r).y1 for p in ax.patches)
    assert label.get_window_extent(r).y0 >= top_bar


# -- names from the data are drawn as plain text ------------------------------------------

from kamlib.plots import survival as S  # noqa: E402

HUGE = "Z" * 2**20  # a 1 MB name
#: hostile names, each with the text it must show as (one line, at most 40 characters;
#: the huge one is cut to 40 on axes, to 24 in legends)
HOSTILE = {
    r"Kira $\x$ Moreau": r"Kira $\x$ Moreau",  # mathtext: "Unknown symbol"
    "Acme $5 and $10": "Acme $5 and $10",  # two dollars: drawn as maths, mangled
    "Line one\nLine two": "Line one Line two",
    "شركة النور 🚀": "شركة النور 🚀",
    HUGE: None,
}
HOSTILE_TITLE = "Acme $5 and $10 " + HUGE


def _hostile_km() -> pd.DataFrame:
    t = np.arange(0, 6, dtype=float)
    return pd.concat([pd.DataFrame({"group": g, "time": t, "survival": 1 - 0.05 * (i + 1) * t / 5,
                                    "low": 0.8 - 0.05 * t, "high": 1.0, "at_risk": 50 - 5 * t})
                      for i, g in enumerate(HOSTILE)], ignore_index=True)


def _hostile_forest() -> pd.DataFrame:
    return pd.DataFrame({"exp(coef)": [0.5, 0.8, 1.0, 1.5, 2.0],
                         "exp(coef) lower 95%": [0.3, 0.6, 0.8, 1.2, 1.4],
                         "exp(coef) upper 95%": [0.8, 1.1, 1.3, 1.9, 2.9]}, index=list(HOSTILE))


def _hostile_funnel() -> Axes:
    df, lim = funnel_data()
    df.loc[:4, "group"] = list(HOSTILE)
    return P.plot_funnel(df, 0.8, limits=lim, highlight=list(HOSTILE), title=HOSTILE_TITLE,
                         note=HOSTILE_TITLE, target_label=HOSTILE_TITLE)


def _hostile_touch(ax=None) -> Axes:
    curve, peaks = touch_data(list(HOSTILE))
    return P.plot_touch_curve(curve, peaks, ax=ax, title=HOSTILE_TITLE)


HOSTILE_BUILDERS = {
    "trend": lambda: P.plot_trend(pd.DataFrame({"period": list(HOSTILE), "value": np.arange(5.0),
                                                "low": np.arange(5.0) - 1, "high": 5.0}),
                                  title=HOSTILE_TITLE, ylabel="Value (count)",
                                  band_label="Acme $5 and $10"),
    "funnel": _hostile_funnel,
    "touch_grid": _hostile_touch,
    "touch_one_ax": lambda: _hostile_touch(plt.subplots()[1]),
    "gaps": lambda: P.plot_gap_distribution(gaps_data(), 45, title=HOSTILE_TITLE),
    "nps": lambda: P.plot_nps_bars(nps_df().iloc[[0, 1, 2, 0, 1]].assign(group=list(HOSTILE)),
                                   title=HOSTILE_TITLE),
    # axes made outside the house style: their title was created before the plot ran
    "nps_given_ax": lambda: P.plot_nps_bars(
        nps_df().iloc[[0, 1, 2, 0, 1]].assign(group=list(HOSTILE)), ax=plt.subplots()[1],
        title=HOSTILE_TITLE),
    "km": lambda: S.plot_km(_hostile_km(), title=HOSTILE_TITLE),
    "km_given_ax": lambda: S.plot_km(_hostile_km(), ax=plt.subplots()[1], title=HOSTILE_TITLE),
    "forest": lambda: S.plot_forest(_hostile_forest(), title=HOSTILE_TITLE),
    "forest_labels": lambda: S.plot_forest(_hostile_forest().rename(index=lambda s: f"c{len(s)}"),
                                           labels={f"c{len(s)}": s for s in HOSTILE}),
    "calibration": lambda: S.plot_calibration(calibration_bins(pd.DataFrame(
        {"p_model": np.linspace(0.05, 0.6, 50), "churned": np.arange(50) % 3 == 0})),
        title=HOSTILE_TITLE),
    "clv_hist": lambda: S.plot_clv_distribution(pd.DataFrame({"clv": np.geomspace(1e3, 1e6, 40)}),
                                                title=HOSTILE_TITLE),
    "value_at_risk": lambda: S.plot_value_at_risk(pd.DataFrame(
        {"group": list(HOSTILE), "value_at_risk": [5e4, 4e4, 3e4, 2e4, 1e4],
         "clv": [5e5, 4e5, 3e5, 2e5, 1e5]}), title=HOSTILE_TITLE),
    "cohorts": lambda: S.plot_cohort_retention(pd.DataFrame(
        {"cohort": np.repeat(list(HOSTILE), 3), "year": np.tile([0, 1, 2], 5),
         "share": np.tile([1.0, 0.8, 0.7], 5)}), title=HOSTILE_TITLE),
}
#: plots whose data values are not names: only the title is hostile
TITLE_ONLY = {"gaps", "calibration", "clv_hist"}
#: period labels are cut to 12 characters, and long ones thinned to every other period
SHOWN = {"trend": {r"Kira $\x$ M…", "Line one Li…", "Z" * 11 + "…", "Acme $5 and $10"}}


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # no rocket in DejaVu Sans
@pytest.mark.parametrize("name", sorted(HOSTILE_BUILDERS))
def test_hostile_names_are_drawn_as_literal_short_text(name, tmp_path):
    """``$`` is a dollar sign, never maths; long names end in an ellipsis; the image stays
    a sane size. Saved with the default rcParams (mathtext on), as a caller might."""
    from PIL import Image

    ax = HOSTILE_BUILDERS[name]()
    fig = ax.figure
    # the notebooks' inline backend crops to the drawn text ("tight")
    fig.savefig(tmp_path / "f.png", bbox_inches="tight", **P.savefig_kwargs("png"))
    with Image.open(tmp_path / "f.png") as im:
        width, height = im.size
    assert width < 3000 and height < 3000, (width, height)
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    for t in texts:
        assert not t.get_usetex(), t.get_text()[:60]
        assert t._preprocess_math(t.get_text()) == (t.get_text(), False), t.get_text()[:60]
        lines = t.get_text().splitlines()
        assert len(lines) <= 4 and max(map(len, lines)) <= 80, t.get_text()[:60]
    r = fig.canvas.get_renderer()
    for a in fig.axes:  # long names squeeze the plot: its tick labels must still fit
        for labels in (a.get_xticklabels(), a.get_yticklabels()):
            boxes = [t.get_window_extent(r) for t in labels if t.get_visible() and t.get_text()]
            for b1, b2 in itertools.combinations(boxes, 2):
                w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
                h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
                assert w <= 1 or h <= 1, [t.get_text() for t in labels]
    drawn = {t.get_text() for t in texts}
    if name not in TITLE_ONLY:
        expected = SHOWN.get(name, {s for s in HOSTILE.values() if s})
        missing = [shown for shown in expected if shown not in drawn]
        assert not missing, sorted(s[:60] for s in drawn)
        assert {"Z" * 39 + "…", "Z" * 23 + "…", "Z" * 11 + "…"} & drawn, sorted(drawn)
    if name != "forest_labels":
        heads = [ax.get_title(loc="left"), fig._suptitle.get_text() if fig._suptitle else ""]
        title = [s for s in heads if s.startswith("Acme $5 and $10 ZZZ")]
        assert len(title) == 1 and len(title[0]) == 80 and title[0].endswith("…"), heads


def test_shorten_makes_one_short_line():
    assert P.shorten("  Line one\n\tLine two  ") == "Line one Line two"
    assert P.shorten("Acme $5 and $10") == "Acme $5 and $10"
    assert P.shorten("x" * 41) == "x" * 39 + "…"
    assert P.shorten("x" * 40) == "x" * 40
    assert P.shorten("abc def ghi", limit=8) == "abc def…"
    assert P.shorten(HUGE, limit=80) == "Z" * 79 + "…"
    assert P.shorten("a\u202eb\x00c") == "ab c"  # bidi overrides dropped, controls are spaces
    assert P.shorten(None) == "" and P.shorten(2026) == "2026"


def test_house_style_turns_maths_off():
    assert P.HOUSE["text.parse_math"] is False and P.HOUSE["text.usetex"] is False


# -- calibration: drawn from precomputed bins ----------------------------------------------


def test_calibration_draws_each_bin_at_its_observed_share_with_its_interval():
    pred = pd.DataFrame({"p_model": np.linspace(0.05, 0.6, 50),
                         "churned": np.arange(50) % 3 == 0})
    bins = calibration_bins(pred)
    ax = S.plot_calibration(bins, ici=0.0123, e50=0.01)
    points = next(line for line in ax.lines if line.get_marker() == "o")
    assert np.allclose(points.get_xdata(), bins.p) and np.allclose(points.get_ydata(), bins.observed)
    bars = next(c for c in ax.collections if len(c.get_segments()) == len(bins))
    for seg, lo, hi in zip(bars.get_segments(), bins.low, bins.high, strict=True):
        assert np.allclose(sorted(seg[:, 1]), [lo, hi])
    assert "Accounts in 5 risk groups (95 % interval)" in [
        t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.get_text() == "ICI 0.012   E50 0.010" for t in ax.texts)


def test_calibration_of_predictions_instead_of_bins_says_what_it_needs():
    pred = pd.DataFrame({"p_model": [0.1, 0.2], "churned": [0, 1]})
    with pytest.raises(ValueError, match="calibration_bins.*no column high, low, observed, p"):
        S.plot_calibration(pred)


def test_calibration_without_bins_says_so():
    empty = calibration_bins(pd.DataFrame({"p_model": [0.1], "churned": [0]})).iloc[:0]
    for bins in (None, empty):
        ax = S.plot_calibration(bins)
        assert [t.get_text() for t in ax.texts] == ["No data"]


# -- the package ---------------------------------------------------------------------------


PLOT_MODULES = ("style", "kpi", "acquisition", "survival")


def test_plot_modules_use_only_public_names_of_each_other_and_no_statistics():
    import ast
    from pathlib import Path

    import kamlib.plots

    folder = Path(kamlib.plots.__file__).parent
    for name in PLOT_MODULES:
        tree = ast.parse((folder / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kamlib"):
                assert not node.module.startswith("kamlib.stats"), name
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (name, node.module, private)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("kamlib.stats") for a in node.names), name


def test_the_package_exports_every_plot_and_the_house_style():
    import importlib

    for name in PLOT_MODULES:
        mod = importlib.import_module(f"kamlib.plots.{name}")
        assert mod.__doc__ and mod.__all__, name
        assert all(hasattr(mod, n) for n in mod.__all__), name
        if name != "style":  # every plot is in the package; the style's building blocks stay there
            assert set(mod.__all__) <= set(P.__all__), name
    for n in ("PALETTE", "COLORS", "HOUSE", "fmt_money", "shorten", "subplots", "house_style",
              "use_house_style", "savefig_kwargs", "money_formatter", "percent_formatter"):
        assert n in P.__all__ and getattr(P, n) is getattr(importlib.import_module(
            "kamlib.plots.style"), n)
