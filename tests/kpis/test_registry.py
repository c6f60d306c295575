"""The KPI registry (kamlib.kpis.registry): one entry per KPI id, in step with the code,
the report pages and the generated reference page, and a hand-worked example for each id.

Every id has a hand-worked assertion: the cases below (tiny hand-made tables run through
the real family functions, the arithmetic in the comments) or, for the ids that
``test_compute.py`` already works by hand, the test there named in :data:`HAND_WORKED`.
The reporting quarter is 2026Q3 (as_of 2026-09-30), grace_days 30.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kpi_builder import FAST, DataSet, period, pick, retention_dataset

from kamlib.config import Settings
from kamlib.data.contract import (
    DETRACTOR_MAX,
    PROMOTER_MIN,
    TABLES,
    is_detractor,
    is_passive,
    is_promoter,
)
from kamlib.kpis import compute
from kamlib.kpis.grains import frame
from kamlib.kpis.registry import (
    FAMILY_TITLES,
    GRAIN_ORDER,
    REGISTRY,
    SPECS,
    THEMES,
    UNITS,
    families,
    reference_page,
)

approx = pytest.approx
ROOT = Path(__file__).resolve().parents[2]
COMPUTE_TESTS = Path(__file__).with_name("test_compute.py")
"""The hand-worked tests of :mod:`kamlib.kpis.compute` that :data:`POINTERS` names."""
IDS = [s.id for s in REGISTRY]


# =========================================================================== the entries
@pytest.mark.parametrize("kpi", IDS)
def test_one_entry_per_id(kpi):
    assert sum(s.id == kpi for s in REGISTRY) == 1
    assert SPECS[kpi].id == kpi


def test_the_id_lists_are_the_registry():
    assert tuple(IDS) == compute.ALL_IDS
    assert compute.SURVIVAL_IDS == ("clv_total", "clv_naive_total", "churn_risk_next_quarter")
    assert set(compute.KPI_IDS) == {s.id for s in REGISTRY if s.family != "survival"}
    assert list(compute.FAMILIES) == list(FAMILY_TITLES)
    assert {name: f.__name__ for name, f in compute.FAMILIES.items()} == families()


def test_the_pages_read_titles_units_directions_and_cards_from_the_registry():
    from kamlib.present import KPI_CARDS, KPI_INFO

    assert list(KPI_INFO) == list(IDS)
    for kpi, info in KPI_INFO.items():
        s = SPECS[kpi]
        assert (info.title, info.kind, info.higher_is_better, info.n_unit, info.period_word) == (
            s.title, s.unit, s.higher_is_better, s.n_unit, s.period_word)
    assert [c.kpi for c in KPI_CARDS] == [t.kpi for t in THEMES]
    assert [t.number for t in THEMES] == list(range(1, 11))
    for card, theme in zip(KPI_CARDS, THEMES, strict=True):
        assert (card.title, card.kind, card.higher_is_better, card.theme) == (
            theme.card_title, SPECS[theme.kpi].unit, SPECS[theme.kpi].higher_is_better,
            theme.label)
        assert {theme.fallback, theme.secondary} - {None} <= set(SPECS)


@pytest.mark.parametrize("kpi", IDS)
def test_entry_is_complete_and_consistent(kpi):
    s = SPECS[kpi]
    for f in dataclasses.fields(s):
        if f.name not in ("higher_is_better", "settings", "period_word"):
            assert getattr(s, f.name), f"{kpi}: {f.name} is empty"
    assert s.unit in UNITS and s.family in FAMILY_TITLES
    assert s.higher_is_better in (True, False, None)
    assert s.grains == tuple(g for g in GRAIN_ORDER if g in s.grains)  # known, in order
    assert getattr(compute, s.compute) is compute.FAMILIES[s.family]
    for t in s.tables:  # "table" or "table.column" of the data contract
        name, _, col = t.partition(".")
        assert name in TABLES, t
        assert not col or col in {c.name for c in TABLES[name].columns}, t
    assert set(s.settings) <= {f.name for f in dataclasses.fields(Settings)}
    for section in ("Parameters", "Returns", "References", "Examples"):
        assert f"{section}\n{'-' * len(section)}" in s.doc


def test_registry_imports_nothing_of_the_upper_layers():
    tree = ast.parse((ROOT / "kamlib" / "kpis" / "registry.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in imported
                if m and m.startswith(("kamlib.plots", "kamlib.present", "kamlib.report"))]


def test_the_reference_page_is_generated_from_the_registry():
    """docs/kpi-reference.md is regenerated with
    ``python -m kamlib.kpis.registry --write docs/kpi-reference.md``."""
    page = (ROOT / "docs" / "kpi-reference.md").read_text(encoding="utf-8")
    assert page == reference_page()
    for s in REGISTRY:
        assert f"| id | `{s.id}` |" in page


def test_kpis_md_links_to_the_reference_page():
    assert "(kpi-reference.md)" in (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")


# =========================================================================== NPS classes
def test_nps_classes_on_pandas_numpy_and_ibis():
    import ibis

    assert (PROMOTER_MIN, DETRACTOR_MAX) == (9, 6)
    scores = list(range(11))
    s = pd.Series(scores)
    # whole scores: 0-6 detract, 7-8 passive, 9-10 promote (the four old copies' rule)
    assert is_detractor(s).tolist() == [x <= 6 for x in scores]
    assert is_passive(s).tolist() == [7 <= x <= 8 for x in scores]
    assert is_promoter(s).tolist() == [x >= 9 for x in scores]
    # mean scores (one vote per account): a mean below 7 detracts, 9 and above promote
    means = np.array([6.5, 6.99, 7.0, 8.5, 8.99, 9.0])
    assert is_detractor(means).tolist() == [True, True, False, False, False, False]
    assert is_passive(means).tolist() == [False, False, True, True, True, False]
    assert is_promoter(means).tolist() == [False, False, False, False, False, True]
    # the same counts from an Ibis column, computed by the engine
    t = ibis.memtable(pd.DataFrame({"score": scores}))
    got = t.aggregate(p=is_promoter(t.score).sum(), x=is_passive(t.score).sum(),
                      d=is_detractor(t.score).sum()).execute().iloc[0]
    assert (got.p, got.x, got.d) == (2, 2, 7)


# =========================================================================== hand-worked
# Ids whose hand-worked example is a test of test_compute.py.
POINTERS = {
    "logo_churn_rate": "test_logo_churn_excludes_accounts_acquired_in_the_period",
    "logo_churn_rate_annualised": "test_logo_churn_excludes_accounts_acquired_in_the_period",
    "revenue_churn_rate": "test_revenue_churn",
    "upsell_rate": "test_upsell_cross_sell_and_expansion_revenue",
    "cross_sell_rate": "test_upsell_cross_sell_and_expansion_revenue",
    "expansion_revenue": "test_upsell_cross_sell_and_expansion_revenue",
    "renewal_rate": "test_renewal_inside_grace_is_a_renewal_not_a_churn",
    "grr": "test_grr_and_nrr_on_five_accounts",
    "nrr": "test_grr_and_nrr_on_five_accounts",
    "repeat_customer_rate": "test_repeat_customers_referral_revenue_and_sla",
    "referral_revenue_share": "test_repeat_customers_referral_revenue_and_sla",
    "sla_compliance": "test_repeat_customers_referral_revenue_and_sla",
    "nps": "test_nps_response_and_account_level",
    "nps_account_level": "test_nps_response_and_account_level",
    "nps_change_yoy": "test_nps_change_yoy_sign",
    "reference_rate": "test_reference_rate_trailing_twelve_months",
    "referral_acquisition_share": "test_referral_acquisition_share",
    "mention_net_sentiment": "test_mention_net_sentiment",
    "objectives_met_leading": "test_objectives_met_leading_and_lagging_apart",
    "objectives_met_lagging": "test_objectives_met_leading_and_lagging_apart",
    "touchpoints_per_account": "test_touchpoints_inbound_share_and_contact_gaps",
    "inbound_share": "test_touchpoints_inbound_share_and_contact_gaps",
    "gap_alert_share": "test_touchpoints_inbound_share_and_contact_gaps",
    "resolution_median_hours": "test_resolution_median_is_kaplan_meier_with_censoring_at_as_of",
    "resolution_within_target":
        "test_resolution_median_is_kaplan_meier_with_censoring_at_as_of",
    "conversion_rate": "test_conversion_rate_of_the_closed_cohort",
    "enps": "test_enps_suppresses_small_groups",
}


def _test_source(name: str) -> str | None:
    """The source of the test function ``name`` of :data:`COMPUTE_TESTS` (None if absent)."""
    text = COMPUTE_TESTS.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(text, node)
    return None


def _table(data, families_, quarter="2026Q3", settings=FAST) -> pd.DataFrame:
    p = period(data, quarter, settings)
    return frame([r for fam in families_ for r in compute.FAMILIES[fam](p)])


@pytest.fixture(scope="module")
def retention(tmp_path_factory):
    ds = retention_dataset()
    with ds.load(tmp_path_factory.mktemp("retention")) as data:
        yield _table(data, ["growth"])


def check_sow_growth(t):
    r = pick(t, "sow_growth")
    # customers on 2025-09-30: A..E at 100; retained (value now > 0): B 80, C 150, D 100,
    # E 100 (A churned, F was no customer then) -> 430 / 400 - 1 = 0.075 over 4 accounts
    assert (r.value, r.n) == (approx(0.075), 4)
    assert pick(t, "sow_growth", "account", "C").value == approx(0.5)  # 150 / 100 - 1


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    ds = DataSet()
    for a in "ABC":
        ds.contract(a, "2025-01-01", "2027-12-31")
    for a, on, score in (("A", "2026-04-10", 10), ("B", "2026-05-10", 9),
                         ("C", "2026-06-10", 3),  # 2026Q2
                         ("A", "2026-07-10", 10), ("B", "2026-08-10", 8),
                         ("C", "2026-08-20", 6), ("C", "2026-09-10", 5)):  # 2026Q3
        ds.response(a, on, score)
    with ds.load(tmp_path_factory.mktemp("waves")) as data:
        yield _table(data, ["voice"])


def check_nps_change_qoq(t):
    r = pick(t, "nps_change_qoq")
    # 2026Q2: 10, 9 promote, 3 detracts -> 100 * (2 - 1) / 3 = 33.33
    # 2026Q3: 10 promotes, 8 passive, 6 and 5 detract -> 100 * (1 - 2) / 4 = -25
    # change = -25 - 33.33 = -58.33, n = the quarter's 4 responses
    assert (r.value, r.n) == (approx(-25 - 100 / 3), 4)
    assert r.low <= r.value <= r.high
    assert pick(t, "nps_change_qoq", "segment", "s1").value == approx(-25 - 100 / 3)
    assert not (t[t.kpi == "nps_change_qoq"].grain == "account").any()


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    # cohort 2026Q1 (window 180 days closed by as_of): first contact 2026-01-10
    for converted in ("2026-01-20", "2026-01-30", "2026-02-19", None, None):
        ds.prospect("K1", "2026-01-10", "email", converted)
    with ds.load(tmp_path_factory.mktemp("cohort")) as data:
        yield _table(data, ["acquisition"])


def check_time_to_convert_median_days(t):
    r = pick(t, "time_to_convert_median_days")
    # days 10, 20, 40 and two censored at 180: S(10) = 4/5 = 0.8, S(20) = 0.8 * 3/4 = 0.6,
    # S(40) = 0.6 * 2/3 = 0.4 <= 0.5 -> median 40 days over 5 prospects
    assert (r.value, r.n) == (approx(40), 5)
    assert pick(t, "conversion_rate").value == approx(3 / 5)  # the same cohort


@pytest.fixture(scope="module")
def touch_curve(tmp_path_factory):
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2026-12-31")
    # 8 prospects each at 1, 2 and 3 touches, converting 2, 6 and 2 of them; first
    # contact 2025-10-01 (window closed by as_of), converted on day 30, after the touches
    for touches, k in zip((1, 2, 3), (2, 6, 2), strict=True):
        for i in range(8):
            p = ds.prospect("K1", "2025-10-01", "email", "2025-10-31" if i < k else None)
            for j in range(touches):
                ds.prospect_touch(p, f"2025-10-{2 + j:02d}", "email")
    with ds.load(tmp_path_factory.mktemp("touch_curve")) as data:
        yield _table(data, ["acquisition"])


def check_ideal_touches(t):
    r = pick(t, "ideal_touches", "channel", "email")
    # shares 2/8, 6/8, 2/8: the quadratic logit is saturated and reproduces them, logits
    # -ln 3, ln 3, -ln 3, symmetric about 2 touches -> peak b / (2c) = 2 (up to the
    # fit's tiny ridge), over 24 prospects
    assert r.value == approx(2.0, abs=0.01)
    assert r.n == 24


class _GivenSurvival:
    """A churn model whose conditional survival is given by hand: S(t + Δ | t) at the
    next quarter's end and after one and two years, per account."""

    S = {"A": (0.95, 0.9, 0.8), "B": (0.90, 0.5, 0.25), "D": (0.97, 0.9, 0.8)}

    def conditional_survival(self, snap, col, times):
        if len(times) == 3:  # the next quarter (92 days) and the two yearly points
            return np.array([self.S[a] for a in snap.account_id])
        return np.ones((len(snap), len(times)))  # the grid for the remaining lifetime

    def coefficient_draws(self, draws, seed):
        return None

    def survival_draws(self, snap, col, years, draws):
        """One draw: the yearly survival itself (the CLV interval collapses on the CLV)."""
        return np.array([[self.S[a][1:] for a in snap.account_id]])

    def survival_draw_chunks(self, snap, col, years, draws, chunk):
        yield slice(0, len(snap)), self.survival_draws(snap, col, years, draws)


@pytest.fixture(scope="module")
def survival_table(tmp_path_factory):
    """The survival family with the Cox fit replaced by :class:`_GivenSurvival` (the fit
    has its own tests against R): everything after it runs as in a report."""
    from kamlib.models import survival

    ds = DataSet()
    ds.account("A", kam="K1", segment="s1")
    ds.account("B", kam="K1", segment="s2")
    ds.account("C", kam="K2", segment="s1")
    ds.account("D", kam="K2", segment="s1")
    for a in "ABD":
        ds.contract(a, "2024-01-01", "2027-12-31")
    ds.contract("C", "2024-01-01", "2026-01-31")  # churn known 2026-03-03
    ds.invoice("A", "2026-08-01", 200)  # margin 0.5 * 200 = 100
    ds.invoice("B", "2026-08-01", 100)  # margin 50
    settings = Settings(bootstrap_draws=20, seed=7, horizon_years=2, discount_rate=0.10,
                        margin_rate=0.5)
    snap = pd.DataFrame({"account_id": ["A", "B", "D"], "tenure": [1003, 1003, 1003]})
    with ds.load(tmp_path_factory.mktemp("survival")) as data, pytest.MonkeyPatch.context() as mp:
        mp.setattr(survival, "fit_churn_model", lambda *a, **k: (_GivenSurvival(), None))
        mp.setattr(survival, "snapshot", lambda *a, **k: snap)
        mp.setattr(survival, "align", lambda s, panel: s)
        yield _table(data, ["survival"], settings=settings)


def check_clv_total(t):
    r = pick(t, "clv_total")
    # A: 100 * (0.9 / 1.1 + 0.8 / 1.21) = 81.818 + 66.116 = 147.934
    # B: 50 * (0.5 / 1.1 + 0.25 / 1.21) = 22.727 + 10.331 = 33.058;  D: margin 0 -> 0
    # total 180.992 over the 3 accounts alive at as_of
    a = 100 * (0.9 / 1.1 + 0.8 / 1.21)
    b = 50 * (0.5 / 1.1 + 0.25 / 1.21)
    assert (r.value, r.n) == (approx(a + b), 3)
    assert pick(t, "clv_total", "segment", "s1").value == approx(a)  # A + D
    assert pick(t, "clv_total", "kam", "K1").value == approx(a + b)  # A + B


def check_clv_naive_total(t):
    r = pick(t, "clv_naive_total")
    # customers on 2025-09-30: A, B, C, D; C's churn became known since -> 1/4 a year,
    # lifetime 4 years; margins 100 + 50 + 0 = 150 -> 150 * 4 = 600
    assert (r.value, r.n) == (approx(600), 3)


def check_churn_risk_next_quarter(t):
    # 1 - S at the next quarter's end: A 0.05, B 0.10, D 0.03; mean 0.06
    assert pick(t, "churn_risk_next_quarter", "account", "B").value == approx(0.10)
    r = pick(t, "churn_risk_next_quarter")
    assert (r.value, r.n) == (approx(0.06), 3)
    assert pick(t, "churn_risk_next_quarter", "segment", "s1").value == approx(0.04)


# -- value by acquisition channel (acquisition costs) -----------------------------------------
@pytest.fixture(scope="module")
def acquisition_value(tmp_path_factory):
    """The value family on a hand-made book, with each account's CLV given by hand (the
    churn model has its own tests): as_of 2026-09-30, window (2025-09-30, 2026-09-30]."""
    from kamlib.kpis.lifetime import SurvivalFit

    ds = DataSet()
    ds.account("A", kam="K1", acquisition_channel="event")
    ds.account("B", kam="K2", acquisition_channel="event")
    ds.account("O", kam="K1", acquisition_channel="email")
    ds.contract("A", "2026-01-10", "2026-12-31", value=1200)  # won in the window
    ds.contract("B", "2026-03-01", "2027-02-28", value=600)  # won in the window
    ds.contract("O", "2024-01-01", "2027-12-31", value=900)  # won before it
    ds.prospect("K1", "2025-11-01", "event", "2026-01-05", account_id="A")
    for iid, a, on, amount, margin in (("I1", "A", "2026-02-01", 1000, 400),
                                       ("I2", "B", "2026-03-01", 500, 200)):
        ds.add("invoices", invoice_id=iid, account_id=a, issued_on=on, amount=amount,
               gross_margin=margin, product_line="core")
    ds.acquisition_cost("2025-09-30", "event", 999)  # the window's open end: left out
    ds.acquisition_cost("2026-01-05", "event", 300)
    ds.acquisition_cost("2026-01-06", "event", 100, kam="K1")
    ds.acquisition_cost("2026-02-10", "event", 200, kam="K1")
    clv = pd.DataFrame({"account_id": ["A", "B", "O"], "clv": [800.0, 400.0, 500.0]})
    with ds.load(tmp_path_factory.mktemp("acquisition_value")) as data:
        p = period(data)
        p.__dict__["survival"] = SurvivalFit(model=object(), clv=clv)  # CLV given by hand
        yield frame(compute.FAMILIES["value"](p))


def check_clv_by_channel(t):
    # alive at as_of: A 800, B 400 (event), O 500 (email) -> event (800 + 400) / 2 = 600,
    # email 500, company (800 + 400 + 500) / 3 = 566.67
    assert (pick(t, "clv_by_channel", "channel", "event").value,
            pick(t, "clv_by_channel", "channel", "event").n) == (approx(600), 2)
    assert pick(t, "clv_by_channel", "channel", "email").value == approx(500)
    assert pick(t, "clv_by_channel").value == approx(1700 / 3)


def check_cac(t):
    # costs in the window 300 + 100 + 200 = 600 (999 on 2025-09-30 is outside it); A and B
    # won in it -> 600 / 2 = 300. KAM K1: its rows 100 + 200 over A, the one account K1 won
    # (its prospect's KAM) -> 300. O was won before the window.
    r = pick(t, "cac")
    assert (r.value, r.n) == (approx(300), 2)
    assert r.low <= r.value <= r.high
    assert pick(t, "cac", "channel", "event").value == approx(300)
    assert (pick(t, "cac", "kam", "K1").value, pick(t, "cac", "kam", "K1").n) == (approx(300), 1)
    assert "K2" not in set(t[(t.kpi == "cac") & (t.grain == "kam")].group)  # no K2 cost row


def check_clv_to_cac(t):
    # value = margin invoiced so far + CLV at as_of: A 400 + 800 = 1200, B 200 + 400 = 600;
    # mean 900 / cac 300 = 3; K1: 1200 / 300 = 4
    assert pick(t, "clv_to_cac").value == approx(3.0)
    assert pick(t, "clv_to_cac", "kam", "K1").value == approx(4.0)


def check_payback_months(t):
    # margin share 400 / 1000 = 200 / 500 = 0.4; first contracts 1200 and 600 a year ->
    # 1200 * 0.4 / 12 = 40 and 600 * 0.4 / 12 = 20 a month, mean 30 -> 300 / 30 = 10 months;
    # K1: 300 / 40 = 7.5
    assert pick(t, "payback_months").value == approx(10.0)
    assert pick(t, "payback_months", "kam", "K1").value == approx(7.5)


# Ids worked by hand here: (fixture with the KPI table, check).
CASES = {
    "sow_growth": ("retention", check_sow_growth),
    "nps_change_qoq": ("waves", check_nps_change_qoq),
    "time_to_convert_median_days": ("cohort", check_time_to_convert_median_days),
    "ideal_touches": ("touch_curve", check_ideal_touches),
    "clv_total": ("survival_table", check_clv_total),
    "clv_naive_total": ("survival_table", check_clv_naive_total),
    "churn_risk_next_quarter": ("survival_table", check_churn_risk_next_quarter),
    # value by acquisition channel (acquisition costs)
    "clv_by_channel": ("acquisition_value", check_clv_by_channel),
    "cac": ("acquisition_value", check_cac),
    "clv_to_cac": ("acquisition_value", check_clv_to_cac),
    "payback_months": ("acquisition_value", check_payback_months),
}


# -- the book's value bridge: the survival family of two quarters, the fit given by hand ----
class _BridgeSurvival:
    """A churn model whose survival is given by hand per quarter: S at the next quarter's
    end and after one year, per account (horizon one year)."""

    S = {"2026Q2": {"B": (0.99, 1.0), "C": (0.99, 0.88), "D": (0.99, 0.99)},
         "2026Q3": {"A": (0.99, 1.0), "C": (0.99, 0.77), "D": (0.99, 0.99)}}

    def __init__(self, quarter):
        self.s = self.S[str(quarter)]

    def conditional_survival(self, snap, col, times):
        if len(times) == 2:  # the next quarter and one year
            return np.array([self.s[a] for a in snap.account_id])
        return np.ones((len(snap), len(times)))  # the grid for the remaining lifetime

    def coefficient_draws(self, draws, seed):
        return None

    def survival_draws(self, snap, col, years, draws):
        return np.array([[[self.s[a][1]] for a in snap.account_id]])

    def survival_draw_chunks(self, snap, col, years, draws, chunk):
        yield slice(0, len(snap)), self.survival_draws(snap, col, years, draws)


@pytest.fixture(scope="module")
def bridge_table(tmp_path_factory):
    """A new in 2026Q3, B churned, C retained with a higher margin, D retained and handed
    from K1 to K2; the bridge family with the fits of 2026Q2 and 2026Q3 given by hand."""
    from kamlib.models import survival

    ds = DataSet()
    for a in "ABCD":
        ds.account(a, kam="K1", segment="s1")
    ds.contract("A", "2026-08-01", "2027-07-31")
    ds.contract("B", "2024-01-01", "2026-05-31")  # a customer till 2026-06-30, not after
    ds.contract("C", "2024-01-01", "2027-12-31")
    ds.contract("D", "2024-01-01", "2027-12-31")
    # a quarter credits the KAM owning the account the day before it starts: K1 for
    # 2026Q2 (2026-03-31), K2 for 2026Q3 (2026-06-30)
    ds.assignment("D", "K1", "2024-01-01", "2026-05-14")
    ds.assignment("D", "K2", "2026-05-15")
    ds.invoice("A", "2026-08-15", 110)  # margin 0.5 x 110 = 55 at 2026Q3
    ds.invoice("B", "2026-01-15", 66)  # margin 33 at 2026Q2
    ds.invoice("C", "2025-12-01", 200)  # margin 100 in both quarters' 12 months
    ds.invoice("C", "2026-08-01", 20)  # + 10 in 2026Q3's
    ds.invoice("D", "2025-12-01", 110)  # margin 55 in both
    settings = Settings(bootstrap_draws=20, seed=7, horizon_years=1, discount_rate=0.10,
                        margin_rate=0.5)
    snaps = {"2026Q2": ["B", "C", "D"], "2026Q3": ["A", "C", "D"]}
    with ds.load(tmp_path_factory.mktemp("bridge")) as data, \
            pytest.MonkeyPatch.context() as mp:
        mp.setattr(survival, "fit_churn_model",
                   lambda data, quarter, s, **k: (_BridgeSurvival(quarter), None))
        mp.setattr(survival, "snapshot", lambda data, quarter, s: pd.DataFrame(
            {"account_id": snaps[str(quarter)], "tenure": 1000}))
        mp.setattr(survival, "align", lambda s, panel: s)
        yield _table(data, ["survival", "bridge"], settings=settings)


def check_clv_bridge(t):
    # F = S_1 / 1.1. 2026Q2: B 33 x 1/1.1 = 30, C 100 x 0.88/1.1 = 80, D 55 x 0.99/1.1 = 49.5
    # (start 159.5); 2026Q3: A 55 x 1/1.1 = 50, C 110 x 0.77/1.1 = 77, D 49.5 (end 176.5).
    # new 50 (A); churn -30 (B); C: expansion (110 - 100) x 0.8 = 8, time 110 x (0.7 - 0.8)
    # = -11; D: nothing changed but its KAM. 159.5 + 50 + 8 + 0 - 30 + 0 - 11 = 176.5.
    want = {"new": (50, 1), "expansion": (8, 1), "contraction": (0, 0), "churn": (-30, 1),
            "transfer": (0, 0), "time": (-11, 2)}
    for part, (value, n) in want.items():
        r = pick(t, f"clv_bridge_{part}")
        assert (r.value, r.n) == (approx(value, abs=1e-9), n), part
        assert np.isnan(r.low) and np.isnan(r.high)
    # K1's start is B + C + D = 159.5 (its 2026Q2 clv_total); D leaves it for K2 at 49.5
    assert pick(t, "clv_bridge_transfer", "kam", "K1").value == approx(-49.5)
    assert pick(t, "clv_bridge_transfer", "kam", "K2").value == approx(49.5)
    assert pick(t, "clv_bridge_time", "kam", "K2").value == approx(0, abs=1e-9)
    assert pick(t, "clv_bridge_new", "segment", "s1").value == approx(50)
    assert pick(t, "clv_total").value == approx(176.5)  # the end: this quarter's clv_total
    # K1 ends with A + C = 127 = 159.5 + 50 + 8 - 30 - 49.5 - 11
    k1 = sum(pick(t, f"clv_bridge_{p}", "kam", "K1").value
             for p in ("new", "expansion", "contraction", "churn", "transfer", "time"))
    assert 159.5 + k1 == approx(pick(t, "clv_total", "kam", "K1").value) == approx(127)


CASES.update({f"clv_bridge_{part}": ("bridge_table", check_clv_bridge)
              for part in ("new", "expansion", "contraction", "churn", "transfer", "time")})
HAND_WORKED = {**POINTERS, **CASES}


def test_every_id_has_exactly_one_hand_worked_example():
    assert not set(POINTERS) & set(CASES)
    assert set(HAND_WORKED) == set(SPECS)


@pytest.mark.parametrize("kpi", IDS)
def test_hand_worked_example(kpi, request):
    if kpi in CASES:
        fixture, check = CASES[kpi]
        check(request.getfixturevalue(fixture))
        return
    # a hand-worked test of test_compute.py: it must exist and assert on this id's row
    src = _test_source(POINTERS[kpi])
    assert src is not None, f"{POINTERS[kpi]} is no test of {COMPUTE_TESTS.name}"
    assert re.search(rf'pick\([^\n]*"{kpi}"', src), f"{POINTERS[kpi]} does not pick {kpi}"
    assert "# " in src and "assert" in src  # worked in comments, asserted


# =========================================================================== the families
@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """A little of every table, so that each family emits each of its ids."""
    ds = DataSet()
    ds.kam("K1", team="north")
    ds.kam("K2", team="south")
    ds.account("A", kam="K1", segment="s1")
    ds.account("B", kam="K2", segment="s2")
    ds.account("C", kam="K1", segment="s1")
    ds.account("N", kam="K2", segment="s2", referred_by="A",
               acquisition_channel="referral")  # acquisition costs: won in the window
    ds.contract("A", "2025-01-01", "2027-12-31")
    ds.contract("B", "2025-01-01", "2027-12-31")
    ds.contract("C", "2025-07-01", "2026-06-15")  # window closes in Q3, churns
    ds.contract("N", "2026-08-01", "2027-07-31")  # a new logo in Q3
    ds.invoice("A", "2026-01-10", 100, kind="repeat")
    ds.invoice("A", "2026-08-01", 50, kind="upsell")
    ds.invoice("B", "2026-08-15", 30, "addon", kind="cross_sell")
    ds.touch("A", "2026-07-10", "inbound")
    ds.request("A", "2026-08-01T08:00:00", "2026-08-01T12:00:00")
    ds.request("B", "2026-08-02T08:00:00")
    for a, on, score, ref in (("A", "2025-08-01", 8, None), ("A", "2026-05-01", 9, None),
                              ("B", "2026-05-02", 6, None), ("A", "2026-08-01", 10, True),
                              ("B", "2026-08-02", 5, False)):
        ds.response(a, on, score, would_reference=ref)
    ds.mention("A", "2026-08-01", 0.5)
    ds.mention(None, "2026-08-02", -0.5)
    ds.objective("A", "leading", 100, 120, "2026-08-31")
    ds.objective("B", "lagging", 100, 90, "2026-08-31")
    ds.sla("A", "2026-07-31", True)
    ds.acquisition_cost("2026-07-20", "referral", 500, kam="K2")  # acquisition costs
    for kam in ("K1", "K2"):
        for score in (10, 9, 8, 6, 3):
            ds.survey(kam, "2026-08-15", score)
        for i in range(12):  # cohort 2026Q1, closed by as_of
            p = ds.prospect(kam, "2026-01-10", "email", "2026-02-09" if i % 3 == 0 else None)
            for j in range(1 + i % 4):
                ds.prospect_touch(p, f"2026-01-{11 + j:02d}", "email")
    with ds.load(tmp_path_factory.mktemp("everything")) as data:
        p = period(data)
        yield {fam: frame(compute.FAMILIES[fam](p)) for fam in compute.FAMILIES
               if fam != "survival"}


@pytest.mark.parametrize("fam", [f for f in FAMILY_TITLES if f != "survival"])
def test_each_family_emits_exactly_its_registry_ids(fam, everything):
    assert set(everything[fam].kpi) == {s.id for s in REGISTRY if s.family == fam}


@pytest.mark.parametrize("kpi", [s.id for s in REGISTRY if s.family != "survival"])
def test_grains_are_those_of_the_registry(kpi, everything):
    t = everything[SPECS[kpi].family]
    assert set(t[t.kpi == kpi].grain) == set(SPECS[kpi].grains)


def test_survival_ids_and_grains(survival_table):
    t = survival_table
    assert set(t.kpi) == {s.id for s in REGISTRY if s.family == "survival"}
    for kpi in set(t.kpi):
        assert set(t[t.kpi == kpi].grain) == set(SPECS[kpi].grains), kpi
