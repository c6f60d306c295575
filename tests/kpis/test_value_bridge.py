"""The book's value bridge (kamlib.kpis.value_bridge): a case worked by hand, and the
parts adding up at every grain for any book (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.kpis.value_bridge import (
    PARTS,
    STEPS,
    account_bridge,
    bridge_steps,
    kpi_id,
    survival_factor,
)

approx = pytest.approx


def _frame(rows):
    """A CLV frame as the churn model's run gives it: two years of survival."""
    return pd.DataFrame(rows, columns=["account_id", "segment", "kam_id", "margin", "s_1",
                                       "s_2"])


def _value(steps, step, grain="company", group="all"):
    r = steps[(steps.grain == grain) & (steps.group == group) & (steps.step == step)]
    assert len(r) == 1
    return r.iloc[0]


# ------------------------------------------------------------------------------- by hand
@pytest.fixture(scope="module")
def three():
    """N new, X churned, R retained with a higher margin (and handed from K1 to K2);
    discount 10 %, two years."""
    start = _frame([("X", "s1", "K1", 110.0, 1.0, 0.0),   # F = 1/1.1, CLV 100
                    ("R", "s1", "K1", 100.0, 0.88, 0.605)])
    end = _frame([("N", "s2", "K2", 55.0, 1.0, 0.0),      # F = 1/1.1, CLV 50
                  ("R", "s1", "K2", 120.0, 0.77, 0.484)])
    return account_bridge(start, end, 0.10)


def test_each_account_in_one_status_with_its_parts(three):
    a = three.set_index("account_id")
    assert a.status.to_dict() == {"N": "new", "R": "retained", "X": "churned"}
    # R: F_start = 0.88/1.1 + 0.605/1.21 = 0.8 + 0.5 = 1.3, CLV 130;
    #    F_end = 0.77/1.1 + 0.484/1.21 = 0.7 + 0.4 = 1.1, CLV 120 x 1.1 = 132
    assert a.loc["R", "factor_start"] == approx(1.3)
    assert a.loc["R", "factor_end"] == approx(1.1)
    # expansion (120 - 100) x 1.3 = 26; time 132 - 130 - 26 = -24 = 120 x (1.1 - 1.3)
    assert a.loc["R", "expansion"] == approx(26)
    assert a.loc["R", "contraction"] == 0
    assert a.loc["R", "time"] == approx(-24)
    assert a.loc["N", "new"] == approx(50)       # 55 / 1.1
    assert a.loc["X", "churn"] == approx(-100)   # - 110 / 1.1
    parts = a[["new", "expansion", "contraction", "churn", "time"]].sum(axis=1)
    assert (a.clv_start + parts).to_numpy() == approx(a.clv_end.to_numpy())


def test_the_bridge_of_the_hand_made_book(three):
    s = bridge_steps(three)
    # company: start X 100 + R 130 = 230; + new 50 + expansion 26 - churn 100 - time 24
    # = 182 = N 50 + R 132
    want = {"start": 230, "new": 50, "expansion": 26, "contraction": 0, "churn": -100,
            "transfer": 0, "time": -24, "end": 182}
    got = s[s.grain == "company"].set_index("step").value
    assert list(got.index) == list(STEPS)
    assert got.to_dict() == approx(want)
    assert _value(s, "time").n == 1 and _value(s, "start").n == 2
    # K1: start 230, churn -100, R leaves for K2 at its start value 130 -> end 0
    assert _value(s, "transfer", "kam", "K1").value == approx(-130)
    assert _value(s, "end", "kam", "K1").value == approx(0)
    # K2: start 0, N new 50, R joins at 130 and changes by 26 - 24 -> end 182
    k2 = s[(s.grain == "kam") & (s.group == "K2")].set_index("step").value
    assert k2.to_dict() == approx({"start": 0, "new": 50, "expansion": 26, "contraction": 0,
                                   "churn": 0, "transfer": 130, "time": -24, "end": 182})
    assert _value(s, "transfer", "kam", "K2").n == 1
    # segments: s1 (X, R) and s2 (N); R keeps s1, so no transfer
    assert _value(s, "end", "segment", "s1").value == approx(132)
    assert _value(s, "transfer", "segment", "s1").value == 0


def test_a_lower_margin_is_a_contraction():
    start = _frame([("R", "s", "K", 100.0, 1.0, 0.0)])  # no discount: F = 1, CLV 100
    end = _frame([("R", "s", "K", 80.0, 1.0, 0.0)])     # CLV 80
    a = account_bridge(start, end, 0.0)
    # (80 - 100) x 1 = -20, time 0
    assert (a.contraction[0], a.expansion[0], a.time[0]) == (approx(-20), 0, approx(0))


def test_survival_factor_reads_the_yearly_columns_in_order():
    f = pd.DataFrame({"s_2": [0.8], "s_1": [0.9], "s_10": [0.0], "segment": ["x"]})
    # 0.9/1.1 + 0.8/1.21 = 0.81818 + 0.66116; s_10 adds nothing
    assert survival_factor(f, 0.10)[0] == approx(0.9 / 1.1 + 0.8 / 1.21)


def test_kpi_ids():
    assert [kpi_id(p) for p in PARTS] == [
        "clv_bridge_new", "clv_bridge_expansion", "clv_bridge_contraction", "clv_bridge_churn",
        "clv_bridge_transfer", "clv_bridge_time"]
    with pytest.raises(ValueError, match="unknown part"):
        kpi_id("start")


def test_an_empty_quarter_has_a_zero_bridge():
    s = bridge_steps(account_bridge(_frame([]), _frame([]), 0.1))
    assert (s.value == 0).all() and list(s.step) == list(STEPS)


# ------------------------------------------------------------------------------- property
_ids = [f"A{i}" for i in range(12)]
_account = st.tuples(st.sampled_from(["s1", "s2"]), st.sampled_from(["K1", "K2", "K3", None]),
                     st.floats(-50, 1e6), st.floats(0, 1), st.floats(0, 1))


@st.composite
def _books(draw):
    start = draw(st.dictionaries(st.sampled_from(_ids), _account, max_size=12))
    end = draw(st.dictionaries(st.sampled_from(_ids), _account, max_size=12))
    rate = draw(st.sampled_from([0.0, 0.08, 0.25]))
    return ([(k, *v) for k, v in sorted(start.items())],
            [(k, *v) for k, v in sorted(end.items())], rate)


@settings(max_examples=150, deadline=None)
@given(_books())
def test_the_parts_add_up_at_every_grain(book):
    start_rows, end_rows, rate = book
    start, end = _frame(start_rows), _frame(end_rows)
    a = account_bridge(start, end, rate)
    s = bridge_steps(a)
    tol = 1e-9 * max(1.0, float(s.value.abs().max()))
    for (grain, group), g in s.groupby(["grain", "group"]):
        v = g.set_index("step").value
        assert v["start"] + v[list(PARTS)].sum() == approx(v["end"], abs=tol), (grain, group)
        assert v["new"] >= 0 and v["expansion"] >= 0
        assert v["contraction"] <= 0 and v["churn"] <= 0
    company = s[s.grain == "company"].set_index("step").value
    # the start and end are the two runs' CLV totals; the company moves nothing
    clv = lambda f: (np.clip(f.margin, 0, None) * survival_factor(f, rate)).sum()  # noqa: E731
    assert company["start"] == approx(clv(start), abs=tol)
    assert company["end"] == approx(clv(end), abs=tol)
    assert company["transfer"] == 0
    # the segments (every account has one) add up to the company, step by step
    seg = s[s.grain == "segment"].groupby("step").value.sum().reindex(STEPS, fill_value=0)
    for step in STEPS:
        assert seg[step] == approx(company[step], abs=tol), step
    # transfers between KAMs cancel out when every account has a KAM at both ends
    if not pd.concat([start.kam_id, end.kam_id]).isna().any():
        kam = s[s.grain == "kam"].groupby("step").value.sum().reindex(STEPS, fill_value=0)
        for step in STEPS:
            assert kam[step] == approx(company[step], abs=tol), step
