"""What changed, and why: the quarter's changes tested, ranked under a false discovery
rate, and decomposed into what drove them.

Pure frames in, frames out. The inputs are rows of the long KPI table
(``kpi, grain, group, period, value, low, high, n``, :mod:`kamlib.kpis.grains`).

Testing (:func:`changes_between`), one test per kind of KPI:

- **rates** with a Wilson interval (``unit == "pct"``): a two-proportion z-test from
  ``k = round(value * n)`` successes of ``n`` (pooled standard error), with the
  Agresti-Caffo interval of the difference (:func:`two_proportion`; the two can
  disagree at the edge: 10/100 -> 20/100 has p = 0.048 and the interval
  [-0.1, +19.7] pp; the verdict follows the q-value);
- **NPS**: the quarter's own ``nps_change_qoq`` / ``nps_change_yoy`` rows, which are
  :func:`kamlib.stats.nps_difference` of the two waves' answer counts;
- **everything else** (ratios, means, medians, bootstrap shares, eNPS): the difference
  of two independent estimates, each standard error read off its interval, the
  difference's interval ``d -/+ z sqrt(se_0^2 + se_1^2)`` and its p-value
  (:func:`interval_difference`, :func:`kamlib.stats.p_value_from_interval`).

All tested changes of the quarter (every KPI, company, segment and KAM grains, against
the previous quarter and a year before) then go through Benjamini-Hochberg together
(:func:`control_fdr`): a change passes when its q-value is at most ``q`` (10 % by
default), so that among the changes called real, at most 10 % are expected to be
chance.

Drivers (:func:`shift_share`): a pooled figure ``R = sum_g w_g r_g`` (weights
``w_g = n_g / N``) changes by ``R_1 - R_0 = rate effect + mix effect`` with
``rate = sum_g w_g0 (r_g1 - r_g0)`` and ``mix = sum_g (w_g1 - w_g0) r_g1``; each
group's contribution ``w_g1 r_g1 - w_g0 r_g0`` is its share of the change. A group
present in one quarter only counts in the mix.

References: Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a
practical and powerful approach to multiple testing. J R Stat Soc B 57(1):289-300.
Agresti A, Caffo B (2000). The American Statistician 54(4):280-288.

>>> d = two_proportion(10, 100, 20, 100)
>>> round(float(d.change), 2), round(float(d.p), 4)
(0.1, 0.0477)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps

from kamlib.kpis.registry import SPECS
from kamlib.stats import p_value_from_interval

__all__ = ["CHANGE_COLUMNS", "DRIVER_COLUMNS", "NOT_TESTED", "TEST_NAMES", "VERSUS",
           "Difference", "control_fdr", "drivers", "interval_difference", "shift_share",
           "standing_gap", "changes_between", "kind_of_test", "two_proportion",
           "EXPLAINED", "TOP_GROUPS", "what_changed"]

#: the comparisons, by the number of quarters back
VERSUS = {1: "previous quarter", 4: "a year before"}

#: KPIs that are not tested: restatements of another KPI (annualised churn, the NPS
#: changes themselves), sums without an interval, and the model's forecasts
NOT_TESTED = frozenset({"logo_churn_rate_annualised", "nps_change_qoq", "nps_change_yoy",
                        "expansion_revenue", "clv_total", "clv_naive_total",
                        "churn_risk_next_quarter", "ideal_touches"})

#: each test in a few words (the ``test`` column), as the table of changes names it
TEST_NAMES = {"two_proportion": "two proportions",
              "nps_difference": "NPS counts",
              "interval": "intervals"}

CHANGE_COLUMNS = ["kpi", "grain", "group", "versus", "period", "before_period", "before",
                  "now", "change", "relative", "low", "high", "p", "test", "n_before",
                  "n_now"]
DRIVER_COLUMNS = ["group", "w_before", "w_now", "r_before", "r_now", "rate_effect",
                  "mix_effect", "contribution"]

_GRAINS = ("company", "segment", "kam")
_KEY = ["kpi", "grain", "group"]


class Difference(NamedTuple):
    """A change ``now - before`` with its interval and two-sided p-value."""

    change: float
    low: float
    high: float
    p: float


def _z(level: float) -> float:
    return float(sps.norm.ppf(0.5 + level / 2))


def two_proportion(k0: int, n0: int, k1: int, n1: int, level: float = 0.95) -> Difference:
    """The change of a proportion from ``k0/n0`` to ``k1/n1``: pooled two-proportion
    z-test, Agresti-Caffo interval (one success and one failure added to each sample).

    Examples
    --------
    10/100 -> 20/100: d = 0.10; pooled p = 30/200 = 0.15,
    se = sqrt(0.15 * 0.85 * (1/100 + 1/100)) = 0.050498, z = 1.980, p = 0.0477.

    >>> d = two_proportion(10, 100, 20, 100)
    >>> round(float(d.change), 3), round(float(d.p), 4)
    (0.1, 0.0477)

    An empty sample gives NaN:

    >>> bool(np.isnan(two_proportion(0, 0, 1, 10).p))
    True
    """
    if n0 <= 0 or n1 <= 0:
        return Difference(np.nan, np.nan, np.nan, np.nan)
    p0, p1 = k0 / n0, k1 / n1
    pooled = (k0 + k1) / (n0 + n1)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p = 1.0 if se == 0 else float(2 * sps.norm.sf(abs(p1 - p0) / se))
    a0, a1 = (k0 + 1) / (n0 + 2), (k1 + 1) / (n1 + 2)
    se_ac = np.sqrt(a0 * (1 - a0) / (n0 + 2) + a1 * (1 - a1) / (n1 + 2))
    centre, half = a1 - a0, _z(level) * se_ac
    low, high = max(centre - half, -1.0), min(centre + half, 1.0)
    return Difference(p1 - p0, min(low, p1 - p0), max(high, p1 - p0), p)


def interval_difference(before: tuple[float, float, float], now: tuple[float, float, float],
                        level: float = 0.95) -> Difference:
    """The change between two independent estimates given as ``(value, low, high)``:
    each standard error is its interval's width over ``2 z``.

    Examples
    --------
    10 [8, 12] -> 14 [11, 17]: se 1.0204 and 1.5306, se of the change 1.8395,
    interval 4 -/+ 3.6056 = [0.394, 7.606], p = 2 (1 - Phi(4 / 1.8395)) = 0.0297.

    >>> d = interval_difference((10, 8, 12), (14, 11, 17))
    >>> [round(float(x), 4) for x in d]
    [4.0, 0.3944, 7.6056, 0.0297]
    """
    (v0, lo0, hi0), (v1, lo1, hi1) = before, now
    vals = np.array([v0, lo0, hi0, v1, lo1, hi1], dtype=float)
    if not np.isfinite(vals).all() or hi0 < lo0 or hi1 < lo1:
        return Difference(np.nan, np.nan, np.nan, np.nan)
    z = _z(level)
    se = np.hypot((hi0 - lo0) / (2 * z), (hi1 - lo1) / (2 * z))
    d = v1 - v0
    if se == 0:
        return Difference(d, d, d, 1.0 if d == 0 else 0.0)
    return Difference(d, d - z * se, d + z * se,
                      p_value_from_interval(d, d - z * se, d + z * se, level))


def kind_of_test(kpi: str) -> str | None:
    """Which test a KPI's change gets (a key of :data:`TEST_NAMES`), None when untested.

    >>> kind_of_test("upsell_rate"), kind_of_test("nps"), kind_of_test("nrr"), kind_of_test("nps_change_yoy")
    ('two_proportion', 'nps_difference', 'interval', None)
    """
    spec = SPECS.get(kpi)
    if spec is None or kpi in NOT_TESTED:
        return None
    if spec.unit == "pct" and "Wilson" in spec.interval:
        return "two_proportion"
    if kpi == "nps":
        return "nps_difference"
    return "interval"


def changes_between(now: pd.DataFrame, before: pd.DataFrame, versus: int,
                    level: float = 0.95, grains: tuple[str, ...] = _GRAINS,
                    min_n: int = 1) -> pd.DataFrame:
    """Test every change from ``before`` (one earlier quarter's rows) to ``now`` (the
    quarter's rows), KPI by KPI, group by group.

    Parameters
    ----------
    now : the quarter's long KPI rows; for NPS its ``nps_change_qoq`` (``versus`` 1) or
        ``nps_change_yoy`` (``versus`` 4) rows carry the test.
    before : the earlier quarter's rows (same columns).
    versus : quarters back (a key of :data:`VERSUS`).
    min_n : a change is tested only when both figures rest on at least this many
        (``n``; the report passes ``Settings.small_n``): a KAM's figure from two
        accounts swings from one end to the other by chance.

    Returns
    -------
    :data:`CHANGE_COLUMNS`, one row per change that could be tested (both figures and
    the test's p-value known); ``relative`` is the change over the earlier figure.

    Examples
    --------
    Upsell 10 of 100 accounts -> 20 of 100:

    >>> row = lambda q, v, n: {"kpi": "upsell_rate", "grain": "company", "group": "all",
    ...                        "period": q, "value": v, "low": 0.0, "high": 1.0, "n": n}
    >>> t = changes_between(pd.DataFrame([row("Q2", .2, 100)]), pd.DataFrame([row("Q1", .1, 100)]), 1)
    >>> t[["change", "test"]].round(2).values.tolist()
    [[0.1, 'two_proportion']]
    """
    cols = ["kpi", "grain", "group", "period", "value", "low", "high", "n"]
    nps_kpi = "nps_change_qoq" if versus == 1 else "nps_change_yoy"
    nps_rows = now[now.kpi == nps_kpi].set_index(["grain", "group"]) if len(now) else None
    pairs = now[cols].merge(before[cols], on=_KEY, suffixes=("", "_0"))
    pairs = pairs[pairs.grain.isin(grains)]
    out = []
    for r in pairs.itertuples(index=False):
        kind = kind_of_test(r.kpi)
        if kind is None or pd.isna(r.value) or pd.isna(r.value_0) \
                or not min(r.n, r.n_0) >= min_n:
            continue
        if kind == "two_proportion":
            n0, n1 = int(r.n_0), int(r.n)
            d = two_proportion(round(r.value_0 * n0), n0, round(r.value * n1), n1, level)
        elif kind == "nps_difference":
            key = (r.grain, r.group)
            if nps_rows is None or key not in nps_rows.index:
                continue
            ch = nps_rows.loc[key]
            d = Difference(float(ch.value), float(ch.low), float(ch.high),
                           p_value_from_interval(ch.value, ch.low, ch.high, level))
        else:
            d = interval_difference((r.value_0, r.low_0, r.high_0), (r.value, r.low, r.high),
                                    level)
        if pd.isna(d.p):
            continue
        out.append({"kpi": r.kpi, "grain": r.grain, "group": r.group,
                    "versus": VERSUS[versus], "period": r.period, "before_period": r.period_0,
                    "before": r.value_0, "now": r.value, "change": d.change,
                    "relative": d.change / r.value_0 if r.value_0 else np.nan,
                    "low": d.low, "high": d.high, "p": d.p, "test": kind,
                    "n_before": r.n_0, "n_now": r.n})
    return pd.DataFrame(out, columns=CHANGE_COLUMNS)


def control_fdr(changes: pd.DataFrame, q: float = 0.10) -> pd.DataFrame:
    """Benjamini-Hochberg over all the tested ``changes``: adds ``q_value`` (the
    adjusted p-value), ``passed`` (``q_value <= q``) and ``rank`` (1 = most
    convincing: smallest q-value, then smallest p-value, then largest relative move),
    sorted by rank.

    Examples
    --------
    p = 0.01, 0.04, 0.03, 0.20 (m = 4): sorted 0.01, 0.03, 0.04, 0.20 get
    0.01*4/1 = 0.04, 0.03*4/2 = 0.06, 0.04*4/3 = 0.0533, 0.20*4/4 = 0.20; stepping up
    from the largest, min(0.0533, 0.20) = 0.0533 and min(0.06, 0.0533) = 0.0533.

    >>> c = control_fdr(pd.DataFrame({"p": [0.01, 0.04, 0.03, 0.20], "relative": 0.0}))
    >>> c.q_value.round(4).tolist(), c.passed.tolist()
    ([0.04, 0.0533, 0.0533, 0.2], [True, True, True, False])
    """
    out = changes.copy()
    if len(out) == 0:
        return out.assign(q_value=pd.Series(dtype=float), passed=pd.Series(dtype=bool),
                          rank=pd.Series(dtype=int))
    out["q_value"] = sps.false_discovery_control(out.p.to_numpy(dtype=float), method="bh")
    out["passed"] = out.q_value <= q
    size = -out.relative.abs().fillna(0)
    out = out.assign(_size=size).sort_values(["q_value", "p", "_size"], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.drop(columns="_size").reset_index(drop=True)


def shift_share(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """The change of a pooled figure split by group into rate and mix effects.

    Parameters
    ----------
    before, now : one row per group with ``group``, ``n`` (the weight's count) and
        ``value`` (the group's rate), for the earlier quarter and this one.

    Returns
    -------
    :data:`DRIVER_COLUMNS`, one row per group of either quarter, the largest
    ``|contribution|`` first. Their sums satisfy ``rate_effect + mix_effect ==
    contribution == R_now - R_before``. A group in one quarter only has rate effect 0
    (its rate is held at the quarter it has) and all of its change in the mix.

    Examples
    --------
    Segment a: 50 accounts at 10 % -> 60 at 20 %; segment b: 50 at 30 % -> 40 at 30 %.
    R_before = 0.5*0.1 + 0.5*0.3 = 0.20; R_now = 0.6*0.2 + 0.4*0.3 = 0.24.
    rate = 0.5*(0.2-0.1) + 0.5*(0.3-0.3) = 0.05; mix = (0.6-0.5)*0.2 + (0.4-0.5)*0.3 = -0.01;
    0.05 - 0.01 = 0.04 = 0.24 - 0.20.

    >>> b = pd.DataFrame({"group": ["a", "b"], "n": [50, 50], "value": [0.1, 0.3]})
    >>> n = pd.DataFrame({"group": ["a", "b"], "n": [60, 40], "value": [0.2, 0.3]})
    >>> s = shift_share(b, n)
    >>> [round(float(s[c].sum()), 4) for c in ('rate_effect', 'mix_effect', 'contribution')]
    [0.05, -0.01, 0.04]
    """
    def part(f: pd.DataFrame) -> pd.DataFrame:
        f = f[(f.n.fillna(0) > 0) & f.value.notna()]
        total = f.n.sum()
        return pd.DataFrame({"group": f.group.astype(str).to_numpy(),
                             "w": (f.n / total).to_numpy(dtype=float) if total else 0.0,
                             "r": f.value.to_numpy(dtype=float)})

    m = part(before).merge(part(now), on="group", how="outer", suffixes=("_before", "_now"))
    w0, w1 = m.w_before.fillna(0.0), m.w_now.fillna(0.0)
    r0 = m.r_before.fillna(m.r_now)
    r1 = m.r_now.fillna(m.r_before)
    out = pd.DataFrame({"group": m.group, "w_before": w0, "w_now": w1,
                        "r_before": m.r_before, "r_now": m.r_now,
                        "rate_effect": w0 * (r1 - r0), "mix_effect": (w1 - w0) * r1})
    out["contribution"] = out.rate_effect + out.mix_effect
    order = out.contribution.abs().sort_values(ascending=False, kind="mergesort").index
    return out.loc[order, DRIVER_COLUMNS].reset_index(drop=True)


def drivers(before: pd.DataFrame, now: pd.DataFrame, by: str) -> dict:
    """What drove a change, from :func:`shift_share` of its rows ``by`` a grain: the
    rate and mix effects, the group contributing most in the change's direction and
    its share of the change.

    >>> b = pd.DataFrame({"group": ["a", "b"], "n": [50, 50], "value": [0.1, 0.3]})
    >>> n = pd.DataFrame({"group": ["a", "b"], "n": [60, 40], "value": [0.2, 0.3]})
    >>> d = drivers(b, n, "segment")  # a: 0.6*0.2 - 0.5*0.1 = 0.07 of 0.04; b: -0.03
    >>> d["top"], round(d["top_share"], 2), round(d["rate_effect"], 2), d["main"]
    ('a', 1.75, 0.05, 'rate')
    """
    s = shift_share(before, now)
    total = float(s.contribution.sum())
    rate, mix = float(s.rate_effect.sum()), float(s.mix_effect.sum())
    out = {"by": by, "total": total, "rate_effect": rate, "mix_effect": mix,
           "main": "rate" if abs(rate) >= abs(mix) else "mix", "top": None,
           "top_share": np.nan, "table": s}
    if len(s) and total != 0:
        same = s[np.sign(s.contribution) == np.sign(total)]
        if len(same):
            top = same.loc[same.contribution.abs().idxmax()]
            out.update(top=str(top.group), top_share=float(top.contribution) / total)
    return out


def standing_gap(reference: tuple[int, int], group: tuple[int, int], level: float = 0.95
                 ) -> Difference:
    """A standing gap between two groups of the same quarters (not a change over time):
    the two-proportion test of ``group`` (k, n) against ``reference`` (k, n); the change
    is ``group - reference``.

    >>> d = standing_gap((11, 578), (29, 440))  # 29/440 - 11/578 = 0.0659 - 0.0190
    >>> round(float(d.change), 4), bool(d.p < 0.001)
    (0.0469, True)
    """
    return two_proportion(reference[0], reference[1], group[0], group[1], level)


#: the ranked changes explained beyond those that pass (so that the table's top ones
#: have their drivers too)
EXPLAINED = 12
#: groups kept per decomposition in the drivers' table (the largest contributions)
TOP_GROUPS = 10


def _unit_accounts(rows: pd.DataFrame, owners: pd.DataFrame, period: str, grain: str,
                   group: str) -> pd.DataFrame:
    """The account rows of one quarter that belong to a unit (company, a segment, a KAM)."""
    acc = rows[(rows.grain == "account") & (rows.period == period)]
    if grain == "company":
        return acc
    key = "segment" if grain == "segment" else "kam_id"
    own = owners[(owners.period == period) & (owners[key].astype(str) == group)]
    return acc[acc.group.isin(set(own.account_id.astype(str)))]


def what_changed(now: pd.DataFrame, earlier: pd.DataFrame, owners: pd.DataFrame,
                 gaps: pd.DataFrame | None = None, q: float = 0.10, level: float = 0.95,
                 explained: int = EXPLAINED, min_n: int = 1
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every change of the quarter tested, ranked under the false discovery rate ``q``,
    and the drivers of the leading ones.

    Parameters
    ----------
    now : the quarter's long KPI rows (company, segment, KAM and account grains).
    earlier : the same rows of the previous quarter and of a year before (``period``
        tells them apart).
    owners : ``account_id, segment, kam_id, period``: each account's segment and KAM
        in each of those quarters.
    gaps : standing gaps already tested (:data:`CHANGE_COLUMNS`), controlled together
        with the changes.
    min_n : the fewest observations behind a tested figure (:func:`changes_between`).

    Returns
    -------
    changes : :func:`control_fdr` of all tests, with for each explained change (those
        that pass, and the first ``explained`` ranks) ``driver_by`` (segment for a
        company change, account within a segment or KAM), ``driver`` (the group that
        contributes most in the change's direction), ``driver_share`` (its part of the
        change), ``rate_effect``, ``mix_effect``, ``main`` ("rate" or "mix"),
        ``accounts`` and ``owners`` (the three accounts contributing most and their
        KAMs, ``"; "``-joined ids).
    drivers : ``rank, by`` and :data:`DRIVER_COLUMNS`, the :data:`TOP_GROUPS` largest
        contributions of each decomposition.
    """
    cols = ["account_id", "segment", "kam_id", "period"]
    if not set(cols) <= set(owners.columns):  # no owners known: no accounts' owners named
        owners = pd.DataFrame(columns=cols)
    now_period = str(now.period.iloc[0]) if len(now) else ""
    tested = []
    for back in VERSUS:
        before = earlier[earlier.period == _shift_label(now_period, -back)] \
            if len(earlier) and now_period else earlier.iloc[0:0]
        if len(before):
            tested.append(changes_between(now, before, back, level, min_n=min_n))
    if gaps is not None and len(gaps):
        tested.append(gaps[CHANGE_COLUMNS])
    tested = [t for t in tested if len(t)]
    ranked = control_fdr(pd.concat(tested, ignore_index=True) if tested else
                         pd.DataFrame(columns=CHANGE_COLUMNS), q)
    extra = {c: [None] * len(ranked) for c in ("driver_by", "driver", "main", "accounts",
                                               "owners")}
    nums = {c: [np.nan] * len(ranked) for c in ("driver_share", "rate_effect", "mix_effect")}
    table = []
    allrows = pd.concat([now, earlier], ignore_index=True)
    for i, r in ranked.iterrows():
        if not (r.passed or r["rank"] <= explained) or r.versus not in VERSUS.values():
            continue
        mine = allrows[allrows.kpi == r.kpi]
        parts = {}
        if r.grain == "company":
            seg = mine[mine.grain == "segment"]
            parts["segment"] = (seg[seg.period == r.before_period], seg[seg.period == r.period])
        parts["account"] = tuple(_unit_accounts(mine, owners, per, r.grain, r.group)
                                 for per in (r.before_period, r.period))
        first = None
        for by, (b0, b1) in parts.items():
            if not len(b0) and not len(b1):
                continue
            d = drivers(b0, b1, by)
            first = first or d
            table.append(d["table"].head(TOP_GROUPS).assign(rank=r["rank"], by=by))
            if by == "account":
                acc = _leading(d["table"], r.change)
                extra["accounts"][i] = "; ".join(acc)
                extra["owners"][i] = "; ".join(_owners_of(acc, owners, r.period,
                                                          r.before_period))
        if first is not None:
            extra["driver_by"][i], extra["driver"][i] = first["by"], first["top"]
            extra["main"][i] = first["main"]
            nums["driver_share"][i] = first["top_share"]
            nums["rate_effect"][i] = first["rate_effect"]
            nums["mix_effect"][i] = first["mix_effect"]
    ranked = ranked.assign(**extra, **nums)
    cols = ["rank", "by", *DRIVER_COLUMNS]
    drivers_table = pd.concat(table, ignore_index=True)[cols] if table else \
        pd.DataFrame(columns=cols)
    return ranked, drivers_table


def _leading(table: pd.DataFrame, change: float, top: int = 3) -> list[str]:
    """The ``top`` groups contributing most in the direction of ``change``."""
    same = table[np.sign(table.contribution) == np.sign(change)]
    return same.head(top).group.astype(str).tolist()


def _owners_of(accounts: list[str], owners: pd.DataFrame, period: str, before: str
               ) -> list[str]:
    """The KAMs of ``accounts`` in ``period`` (else in ``before``), each once, in order."""
    out: list[str] = []
    for a in accounts:
        for per in (period, before):
            k = owners[(owners.period == per) & (owners.account_id.astype(str) == a)].kam_id
            k = k.dropna()
            if len(k):
                if str(k.iloc[0]) not in out:
                    out.append(str(k.iloc[0]))
                break
    return out


def _shift_label(period: str, k: int) -> str:
    """A quarter label ``k`` quarters away.

    >>> _shift_label("2026Q3", -1), _shift_label("2026Q1", -1), _shift_label("2026Q3", -4)
    ('2026Q2', '2025Q4', '2025Q3')
    """
    year, quarter = int(period[:4]), int(period[-1])
    idx = year * 4 + quarter - 1 + k
    return f"{idx // 4}Q{idx % 4 + 1}"
