"""Account pages (kamlib.report.account_pages) rendered from a hand-made bundle of 2026Q3:

- ``A1`` (Greta's) with a full history: two contracts, revenue in two quarters, touches,
  answers, an open request, objectives and an upsell, and a churn model's figures;
- ``x/<b>"'é`` (a hostile id and name, no manager's scorecard), with no history at all.
"""

from __future__ import annotations

import html.parser
import re

import numpy as np
import pandas as pd
import pytest
from bundle_builder import small_bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.errors import ReportError
from kamlib.report import account_pages as ap
from kamlib.report.paths import page_paths

HOSTILE_ID = "x/<b>\"'é"
HOSTILE_NAME = "<script>alert('x')</script> & \"Sons\" / Ünïcode"
NAV = [("index.html", "Overview"), ("team.html", "Team")]
QUARTERS = ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
MONTHS = [f"2025-{m}" for m in ("10", "11", "12")] + [f"2026-{m:02d}" for m in range(1, 10)]


def _view() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["A1", HOSTILE_ID], "name": ["Acme Corp", HOSTILE_NAME],
        "segment": ["enterprise", "mid_market"], "kam_id": ["K1", "K<9>"],
        "kam_name": ["Greta", "Hans <H>"], "acv_end": [120_000.0, 5_000.0],
        "max_gap_days": [74.0, np.nan], "days_since_last_touch": [3.0, np.nan],
        "next_renewal_on": pd.to_datetime(["2026-12-31", None]),
        "churn_next_quarter": [0.052, np.nan], "churn_next_year": [0.21, np.nan],
        "clv": [300_000.0, np.nan], "clv_low": [240_000.0, np.nan],
        "clv_high": [360_000.0, np.nan], "value_at_risk": [25_200.0, np.nan],
        "remaining_years": [4.2, np.nan]})


def _history() -> dict[str, pd.DataFrame]:
    rev = [0, 0, 0, 0, 0, 0, 1000.0, 2500.0]
    return {
        "account_profile": pd.DataFrame({
            "account_id": ["A1", HOSTILE_ID], "industry": ["retail", None],
            "region": ["north", None],
            "customer_since": pd.to_datetime(["2024-01-01", "2026-01-01"])}),
        "account_contracts": pd.DataFrame({
            "account_id": ["A1", "A1"], "contract_id": ["C1", "C2"],
            "start_on": pd.to_datetime(["2024-01-01", "2025-01-01"]),
            "end_on": pd.to_datetime(["2024-12-31", "2026-12-31"]),
            "annual_value": [100_000.0, 120_000.0], "renewal_of": [None, "C1"]}),
        "account_quarters": pd.DataFrame({
            "account_id": ["A1"] * 8 + [HOSTILE_ID] * 8, "quarter": QUARTERS * 2,
            "revenue": rev + [0.0] * 8, "gross_margin": [0] * 6 + [400.0, np.nan] + [0.0] * 8,
            "invoices": [0] * 6 + [1, 2] + [0] * 8}),
        "account_months": pd.DataFrame({
            "account_id": ["A1"] * 12 + [HOSTILE_ID] * 12, "month": MONTHS * 2,
            "inbound": [1] * 12 + [0] * 12, "outbound": [0] * 11 + [5] + [0] * 12}),
        "account_answers": pd.DataFrame({
            "account_id": ["A1"], "responded_on": pd.to_datetime(["2026-08-01"]),
            "score": [4], "group": ["detractor"], "contact_role": ["executive_sponsor"],
            "would_reference": pd.array([False], dtype="boolean")}),
        "account_sales": pd.DataFrame({
            "account_id": ["A1"], "issued_on": pd.to_datetime(["2026-07-01"]),
            "kind": ["upsell"], "product_line": ["platform"], "amount": [900.0]}),
        "account_requests": pd.DataFrame({
            "account_id": ["A1"], "raised_on": pd.to_datetime(["2026-09-20"]),
            "age_days": [10], "channel": ["email"]}),
    }


def _bundle(model: bool = True, **kw):
    ranking = pd.DataFrame({"account_id": ["A1", HOSTILE_ID], "rank": [1, 2],
                            "drivers": ["contact gap 74 days, NPS 4", "none above the average "
                                        "account"],
                            "next_step": ["schedule contact", "review account plan"]})
    objectives = pd.DataFrame({
        "objective_id": ["O1", "O2"], "account_id": ["A1", "A1"],
        "indicator": ["leading", "lagging"], "metric": ["active_users", "cost_savings"],
        "target": [500.0, 1000.0], "actual": [600.0, 800.0],
        "due_on": pd.to_datetime(["2026-09-30", "2026-06-30"]), "met": [1, 0]})
    fields = dict(account_view=_view(), risk_ranking=ranking, objectives_history=objectives,
                  kams=pd.DataFrame({"kam_id": ["K1"], "name": ["Greta"]}), **_history())
    if model:
        fields["clv"] = pd.DataFrame({"account_id": ["A1"], "clv": [300_000.0]})
    return small_bundle(**{**fields, **kw})


@pytest.fixture(scope="module")
def pages():
    return ap.account_pages(_bundle(), NAV, ["K1"], "Data: test")


def _page(pages, account_id: str) -> str:
    href = page_paths([], [account_id]).href.iloc[0]
    return pages[href]


def test_one_page_per_current_account_named_by_page_paths(pages):
    assert sorted(pages) == sorted(page_paths([], ["A1", HOSTILE_ID]).href)
    assert "accounts/A1.html" in pages
    assert all(re.fullmatch(r"accounts/[A-Za-z0-9][A-Za-z0-9_-]*\.html", h) for h in pages)


def test_hostile_names_and_ids_are_escaped(pages):
    page = _page(pages, HOSTILE_ID)
    assert "<script>" not in page and 'x/<b>"' not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Sons&quot;" in page
    assert "Ünïcode" in page and "x/&lt;b&gt;&quot;&#x27;é" in page
    assert "Hans &lt;H&gt;" in page


def test_links_to_the_scorecard_the_overview_and_the_pages(pages):
    page = _page(pages, "A1")
    assert '<a href="../kam/K1.html">Greta</a>' in page
    assert '<a href="../index.html">Report overview</a>' in page
    assert '<a href="../team.html">Team</a>' in page and 'href="../../index.html"' in page
    # a manager without a scorecard is named without a link
    hostile = _page(pages, HOSTILE_ID)
    assert "Hans &lt;H&gt;" in hostile and "../kam/" not in hostile


def test_a_full_page_shows_every_section(pages):
    page = _page(pages, "A1")
    text = re.sub(r"<[^>]+>", " ", page)
    for words in ("Churn risk, next quarter", "5.2&nbsp;%", "21.0&nbsp;%",
                  "Risk drivers:", "contact gap 74 days, NPS 4", "schedule contact",
                  "C1", "first contract", "2026-12-31", "detractor", "Executive sponsor",
                  "Active users", "platform", "10 days", "74 days", "45 days",
                  "CHF 300k (CHF 240k–360k)", "95 % interval"):
        assert words in text, words
    # the longest gap (74 days) is over the threshold (45 days): said in a callout
    assert "74 days, is over the alert threshold of 45 days." in page
    assert page.count('<svg class="kam-bars"') == 2


def test_charts_carry_real_alt_text(pages):
    page = _page(pages, "A1")
    labels = re.findall(r'<svg class="kam-bars"[^>]*aria-label="([^"]+)"', page)
    # revenue: 1000 in 2026Q2, 2500 in 2026Q3, margin 400 then unknown
    assert labels[0].startswith("Revenue and gross margin by quarter, 2024Q4 to 2026Q3: revenue")
    assert "EUR 2.5k" in labels[0] or "CHF 2.5k" in labels[0]
    # touches: 12 inbound + 5 outbound = 17; the most in 2026-09 (1 + 5 = 6)
    assert labels[1] == ("Touchpoints per month, 2025-10 to 2026-09: 17 in all (12 inbound, "
                         "5 outbound); fewest 1 (2025-10), most 6 (2026-09).")


def test_empty_sections_say_so(pages):
    page = _page(pages, HOSTILE_ID)
    for words in ("No contract on record.", "No invoice in the last 8 quarters.",
                  "No survey answer in the last 8 quarters.",
                  "No touchpoint in the last 12 months.",
                  "No request raised this quarter is still open.",
                  "No objective due in the last 8 quarters.",
                  "No upsell or cross-sell invoice on record."):
        assert words in page, words
    assert "<svg" not in page and "<table" not in page


def test_without_a_churn_model_it_says_so():
    pages = ap.account_pages(_bundle(model=False), NAV, ["K1"], "")
    page = pages["accounts/A1.html"]
    assert "No churn model this quarter" in page and "Churn risk, next quarter" not in page


class _Tags(html.parser.HTMLParser):
    """Open elements, checking that each closes in order (void elements excepted)."""

    VOID = {"meta", "br", "input", "img", "link", "hr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_pages_are_well_formed_html(pages):
    for href, page in pages.items():
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
        parser = _Tags()
        parser.feed(page)
        assert parser.errors == [] and parser.stack == [], href
        assert page.count("<h1>") == 1


def test_same_bundle_same_bytes(pages):
    assert ap.account_pages(_bundle(), NAV, ["K1"], "Data: test") == pages


def test_write_account_pages(tmp_path):
    seen = []
    hrefs = ap.write_account_pages(_bundle(), tmp_path, NAV, ["K1"], "",
                                   progress=lambda i, n: seen.append((i, n)))
    assert len(hrefs) == 2 and hrefs[0] == "accounts/A1.html"  # in account id order
    assert all((tmp_path / h).is_file() for h in hrefs) and seen[-1] == (2, 2)


@pytest.mark.parametrize("jobs", [2, 3])
def test_pages_shared_among_processes_are_the_pages_one_writes(tmp_path, jobs):
    """Forked writers (each every ``jobs``-th page) write the same files with the same
    bytes, return the same order and count every page."""
    one, many = tmp_path / "one", tmp_path / "many"
    b = _bundle()
    alone = ap.write_account_pages(b, one, NAV, ["K1"], "")
    seen = []
    shared = ap.write_account_pages(b, many, NAV, ["K1"], "", jobs=jobs, parallel_from=1,
                                    progress=lambda i, n: seen.append((i, n)))
    assert shared == alone
    files = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(many).as_posix() for p in many.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (many / f).read_bytes() for f in files)
    assert seen[-1] == (2, 2) and all(n == 2 and 0 <= i <= 2 for i, n in seen)


def test_a_writer_process_that_fails_fails_the_pages(tmp_path, monkeypatch):
    real = ap.account_context

    def broken(b, view, *args):
        if view["account_id"] == HOSTILE_ID:  # the second page: the forked writer's
            raise ValueError("boom")
        return real(b, view, *args)

    monkeypatch.setattr(ap, "account_context", broken)
    with pytest.raises(ReportError, match="failed in 1 of the 2 processes"):
        ap.write_account_pages(_bundle(), tmp_path, NAV, ["K1"], "", jobs=2, parallel_from=1)


def test_no_current_account_no_page():
    assert ap.account_pages(small_bundle(), NAV, [], "") == {}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=12),
       st.booleans())
def test_bars_stay_inside_the_chart(values, stacked):
    svg = ap.bar_chart([str(i) for i in range(len(values))],
                       [("a", "#000", values), ("b", "#111", values[::-1])], "alt",
                       stacked=stacked)
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"',
                       svg)
    assert len(rects) == 2 * len(values)
    for x, y, w, h in map(lambda r: tuple(map(float, r)), rects):
        assert x >= 0 and x + w <= 560.1 and y >= 0 and y + h <= 150


def test_a_new_account_s_revenue_starts_when_it_became_a_customer():
    # A1 became a customer on 2026-05-01: 2024Q4-2026Q1 ended before and had no invoice
    profile = _history()["account_profile"].assign(
        customer_since=pd.to_datetime(["2026-05-01", "2026-01-01"]))
    page = ap.account_pages(_bundle(account_profile=profile), NAV, ["K1"], "")[
        "accounts/A1.html"]
    label = re.search(r'aria-label="(Revenue[^"]+)"', page).group(1)
    assert label.startswith("Revenue and gross margin by quarter, 2026Q2 to 2026Q3:")
    assert ">2026Q1<" not in page and ">2026Q2<" in page and page.count("<rect") == 4 + 24
