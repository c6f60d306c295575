"""The house style (kamlib.plots.style): palette, formatters, short labels, and what
every plot must give: reproducible files, no overlapping text, units on the axes, names
from the data drawn as plain short text."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Text
from plot_builder import BUILDERS, calibration_bins, funnel_data, gaps_data, nps_df, touch_data

from kamlib import plots as P
from kamlib.plots import survival as S

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


# -- names from the data are drawn as plain text ------------------------------------------

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
