"""Sentences and text blocks (kamlib.present.text): names escaped, and the headlines of
the sample's bundle."""

from __future__ import annotations

import pytest

from kamlib import present

EVIL = "<script>alert('x')</script> & Co"
HOSTILE = "<script>alert('x')</script> & \"Co\" 5 % +1 pp"


def test_names_are_escaped_in_text_blocks():
    for h in (present.callout(EVIL, "alert", title=EVIL), present.section_note(EVIL),
              present.bullets([EVIL]), present.facts([(EVIL, EVIL)])):
        assert "<script>" not in h and "&lt;script&gt;" in h


@pytest.mark.slow
def test_headlines_for_the_sample_bundle(sample_bundle):
    lines = present.headlines(sample_bundle)
    assert 3 <= len(lines) <= 6
    assert all(s.endswith(".") for s in lines)
    assert any(s.startswith("Logo churn was") and "95 % interval" in s for s in lines)
    assert lines == present.headlines(sample_bundle)


def test_every_fragment_escapes_names():
    for h in (present.callout(HOSTILE, "alert", title=HOSTILE), present.section_note(HOSTILE),
              present.bullets([HOSTILE]), present.facts([(HOSTILE, HOSTILE)])):
        assert "<script>" not in h and "&lt;script&gt;alert(&#x27;x&#x27;)" in h
        assert "&quot;Co&quot;" in h and "5&nbsp;%" in h


# -- links -----------------------------------------------------------------------------------------
def test_the_value_at_risk_headline_links_the_accounts_it_names():
    import pandas as pd
    from bundle_builder import small_bundle

    from kamlib.present import links
    from kamlib.report.facts import HeadlineFacts

    facts = HeadlineFacts(value_at_risk=100.0, value_at_risk_of_clv=0.1,
                          top_accounts=[HOSTILE, "Bolt, Inc"], top_account_ids=["a", "b"],
                          top_share=0.8)
    b = small_bundle(headline=facts, kpis=pd.DataFrame(
        columns=["kpi", "grain", "group", "period", "value", "low", "high", "n"]))
    links.use_pages(pd.DataFrame({"kind": ["account"], "id": ["a"],
                                  "href": ["accounts/a.html"]}))
    try:
        line, = [s for s in present.headlines(b) if s.startswith("Value at risk")]
    finally:
        links.use_pages(None)
    h = present.bullets([line])
    assert "<script>" not in h
    assert '(<a href="accounts/a.html">&lt;script&gt;alert(&#x27;x&#x27;)' in h
    # names and ids come as lists, so a name holding the separator still pairs with its
    # id; b has no page, so it stays text
    assert h.count("<a ") == 1 and "), Bolt, Inc).</li>" in h.replace("</a>", ")")
    assert "80&nbsp;% of it sits in 2 accounts" in h
    # without pages (a notebook opened alone) the sentence is plain text
    plain = [s for s in present.headlines(b) if s.startswith("Value at risk")][0]
    assert "<a " not in plain
