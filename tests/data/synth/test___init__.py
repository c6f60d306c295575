"""The sample generator: determinism, completeness, and agreement with truth.json.

The statistical tests re-derive the generator's covariates from the exported
tables alone, following the definitions written in truth.json. Passing them
shows both that the sample behaves as its truth says and that the truth is
recoverable from data a user would see.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from kamlib.data.contract import TABLES
from kamlib.periods import Quarter


def _hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_kam_synth_is_byte_identical(tmp_path):
    args = [sys.executable, "-m", "kamlib", "synth", "--accounts", "60", "--seed", "11"]
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    subprocess.run([*args, "--out", str(a)], check=True, capture_output=True)
    subprocess.run([*args, "--out", str(b)], check=True, capture_output=True)
    subprocess.run([*args[:-1], "12", "--out", str(c)], check=True, capture_output=True)
    assert _hash(a) == _hash(b)
    assert _hash(a) != _hash(c)  # the seed matters


def test_writes_all_fifteen_tables_and_truth(sample_dir, truth):
    names = {p.name for p in sample_dir.iterdir()}
    assert {f"{t}.csv" for t in TABLES} | {"truth.json"} <= names
    g = truth["generator"]
    assert (g["history_start"], g["history_end"], g["default_quarter"]) == \
        ("2021-01-01", "2026-09-30", "2026Q3")
    assert (g["kams_active"], g["teams"]) == (24, 4)


def test_default_size(sample_dir):
    accounts = pd.read_csv(sample_dir / "accounts.csv")
    kams = pd.read_csv(sample_dir / "account_managers.csv")
    assert 340 <= len(accounts) <= 460
    active = kams[kams.left_on.isna()]
    assert len(active) == 24 and kams.team.nunique() == 4


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def decisions(sample_dir, truth) -> pd.DataFrame:
    """Every renewal decision of the sample with its covariates, from the tables alone."""
    read = lambda t, **kw: pd.read_csv(sample_dir / f"{t}.csv", **kw)  # noqa: E731
    con = read("contracts", parse_dates=["start_on", "end_on"])
    acc = read("accounts")
    inter = read("interactions", usecols=["account_id", "occurred_at"], parse_dates=["occurred_at"])
    resp = read("nps_responses", parse_dates=["responded_on"])
    emp = read("employee_surveys", parse_dates=["responded_on"])
    asg = read("assignments", parse_dates=["from_on", "to_on"])

    renewed = set(con.renewal_of.dropna())
    parent = dict(zip(con.contract_id, con.renewal_of, strict=True))
    depth = {}
    for cid in con.contract_id:  # k = renewal decisions before this one within the spell
        k, p = 0, parent[cid]
        while isinstance(p, str):
            k, p = k + 1, parent[p]
        depth[cid] = k
    first_q = Quarter("2021Q2", 1)
    con = con[(con.end_on >= pd.Timestamp(first_q.start))
              & (con.end_on <= pd.Timestamp("2026-09-30"))].copy()
    con["churn"] = ~con.contract_id.isin(renewed)
    con["k"] = con.contract_id.map(depth).clip(upper=len(truth["churn"][
        "baseline_churn_probability_by_decision"]) - 1)
    con["segment"] = con.account_id.map(dict(zip(acc.account_id, acc.segment, strict=True)))

    days = {a: np.sort(g.occurred_at.values.astype("datetime64[D]"))
            for a, g in inter.groupby("account_id")}
    all_con = read("contracts", parse_dates=["start_on"])
    first_start = all_con.groupby("account_id").start_on.min()
    ref = {k: v["reference"] for k, v in truth["churn"]["hazard_ratios"].items()
           if isinstance(v, dict) and "hr" in v}
    rows = []
    for r in con.itertuples():
        q = Quarter.containing(r.end_on.date(), 1).previous()
        qs, qe = np.datetime64(q.start), np.datetime64(q.end)
        d = days.get(r.account_id, np.array([], "datetime64[D]"))
        before = d[d < qs]
        inq = d[(d >= qs) & (d <= qe)]
        t0 = before[-1] if len(before) else max(qs, np.datetime64(first_start[r.account_id].date()))
        seq = np.r_[t0, inq, qe]
        gap = float(np.diff(seq).astype(int).max())
        lo = pd.Timestamp(q.shift(-3).start)
        hi = pd.Timestamp(q.end)
        sc = resp[(resp.account_id == r.account_id) & resp.responded_on.between(lo, hi)].score
        own = asg[(asg.account_id == r.account_id) & (asg.from_on <= hi)
                  & (asg.to_on.isna() | (asg.to_on >= hi))].kam_id
        es = emp[emp.kam_id.isin(own.tolist()[-1:]) & emp.responded_on.between(lo, hi)].score
        rows.append({"churn": r.churn, "k": r.k, "segment": r.segment,
                     "recent_nps": sc.mean() if len(sc) else ref["recent_nps"],
                     "max_gap_days": gap,
                     "kam_satisfaction": es.mean() if len(es) else ref["kam_satisfaction"]})
    return pd.DataFrame(rows)


def _cloglog_fit(df: pd.DataFrame, truth: dict):
    """Maximum likelihood of the generator's own model; returns (beta, se) by name."""
    hr = truth["churn"]["hazard_ratios"]
    names = ["recent_nps", "max_gap_days", "kam_satisfaction"]
    x = np.column_stack([
        *(pd.get_dummies(df.k, prefix="k").astype(float).values.T),
        *(((df.segment == s).astype(float).values) for s in ("strategic", "mid_market")),
        *((df[n] - hr[n]["reference"]) / (30.0 if n == "max_gap_days" else 1.0) for n in names),
    ])
    y = df.churn.astype(float).values

    def nll(b):
        eta = np.clip(x @ b, -30, 5)
        p = np.clip(1 - np.exp(-np.exp(eta)), 1e-12, 1 - 1e-12)
        return -(y * np.log(p) + (1 - y) * np.log1p(-p)).sum()

    b = optimize.minimize(nll, np.full(x.shape[1], -1.0), method="BFGS").x
    eta = x @ b
    p = 1 - np.exp(-np.exp(eta))
    dp = np.exp(eta - np.exp(eta))
    info = (x * (dp**2 / (p * (1 - p)))[:, None]).T @ x
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    out = list(zip(b[-5:], se[-5:], strict=True))
    return dict(zip(["strategic", "mid_market", *names], out, strict=True))


# ----------------------------------------------------------------------------- truth
def test_mean_nps_by_segment_matches_truth(sample_dir, truth):
    resp = pd.read_csv(sample_dir / "nps_responses.csv")
    acc = pd.read_csv(sample_dir / "accounts.csv")
    mean = resp.merge(acc[["account_id", "segment"]]).groupby("segment").score.mean()
    expected = pd.Series({s: v["nps_mean_score_expected"] for s, v in truth["segments"].items()})
    # survivors are healthier than the stationary average, so allow half a point
    assert (mean - expected).abs().max() < 0.5, (mean, expected)
    assert list(mean.sort_values().index) == list(expected.sort_values().index)


def test_churn_rises_with_gaps_and_falls_with_nps_and_kam_satisfaction(decisions):
    d = decisions
    by_gap = d.groupby(pd.qcut(d.max_gap_days, 3, labels=False)).churn.mean()
    assert by_gap.iloc[2] > by_gap.iloc[0]
    by_nps = d.groupby(pd.qcut(d.recent_nps.rank(method="first"), 3, labels=False)).churn.mean()
    assert by_nps.iloc[0] > by_nps.iloc[2]
    by_sat = d.groupby(pd.qcut(d.kam_satisfaction.rank(method="first"), 3,
                               labels=False)).churn.mean()
    assert by_sat.iloc[0] > by_sat.iloc[2]


def test_generator_hazard_ratios_are_recoverable_from_the_tables(decisions, truth):
    """A cloglog fit on re-derived covariates finds every true hazard ratio (99 % level)."""
    fit = _cloglog_fit(decisions, truth)
    hr = truth["churn"]["hazard_ratios"]
    expected = {
        "recent_nps": np.log(hr["recent_nps"]["hr"]),
        "max_gap_days": np.log(hr["max_gap_days"]["hr"]),
        "kam_satisfaction": np.log(hr["kam_satisfaction"]["hr"]),
        "strategic": np.log(hr["segment"]["strategic"]),
        "mid_market": np.log(hr["segment"]["mid_market"]),
    }
    for name, true in expected.items():
        b, se = fit[name]
        assert abs(b - true) < 2.58 * se, f"{name}: fitted {b:.3f} ± {se:.3f}, truth {true:.3f}"


def test_cohort_retention_rises_with_tenure(decisions, truth):
    """Churn per renewal decision falls with the number of earlier renewals."""
    by_k = decisions.groupby("k").churn.mean()
    assert by_k.iloc[0] > by_k.iloc[-1]
    assert truth["churn"]["baseline_churn_probability_by_decision"] == sorted(
        truth["churn"]["baseline_churn_probability_by_decision"], reverse=True)


def test_prospect_conversion_peaks_inside_the_touch_range(sample_dir, truth):
    pros = pd.read_csv(sample_dir / "prospects.csv")
    touches = pd.read_csv(sample_dir / "prospect_touches.csv")
    own = touches.merge(pros[["prospect_id", "channel"]], on="prospect_id",
                        suffixes=("", "_p"))
    n = own[own.channel == own.channel_p].groupby("prospect_id").size()
    pros["touches"] = pros.prospect_id.map(n).fillna(0)
    closed = pros[pros.converted_on.notna() | pros.lost_on.notna()]
    rate = closed.groupby(pd.cut(closed.touches, [0, 3, 7, 11, 30]), observed=False).apply(
        lambda g: g.converted_on.notna().mean(), include_groups=False)
    # conversion first rises then falls overall (every channel peaks between 2 and 9 touches)
    assert rate.iloc[-1] < rate.max()
    peaks = [v["peak_touches"] for v in truth["acquisition"]["touch_curve"].values()]
    assert len(set(peaks)) > 3 and all(1 <= p <= 12 for p in peaks)
