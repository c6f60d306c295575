"""kamlib.present.changes: the wording of what changed (headlines, the within-chance note,
the ranked table), on a small table and on the sample."""

from __future__ import annotations

import pytest
from kpi_builder import small_change_case as _small

from kamlib.kpis import changes as ch
from kamlib.present import changes as pc


def test_headlines_say_how_many_were_tested_and_passed():
    now, earlier, owners = _small()
    ranked, _ = ch.what_changed(now, earlier, owners, q=0.10, min_n=5)
    ranked = ranked.assign(unit=ranked.group.replace({"all": "Company"}),
                           driver_name=ranked.driver, account_names=ranked.accounts,
                           owner_names=ranked.owners)
    html = pc.change_headlines(ranked, 0.10)
    assert "3 changes tested" in html and "2 passed" in html
    assert "Touchpoints per account, company: 35 → 25 on the previous quarter" in html
    assert "the segment S1 contributes most (100.0 % of the change)" in html.replace("&nbsp;", " ")
    assert "a1 (owners: K1" in html and 'href="engagement_outcomes.html"' in html
    none = pc.change_headlines(ranked.assign(passed=False), 0.10)
    assert "No change of the quarter passed" in none
    table = pc.changes_table(ranked, top=2)
    assert "<details" in table and "All 3 tested changes, ranked" in table


@pytest.mark.slow
def test_the_summary_opens_with_the_changes_that_passed(sample_bundle):
    b = sample_bundle
    html = pc.change_headlines(b.changes, b.settings.fdr_q)
    passed = int(b.changes.passed.sum())
    assert f"{len(b.changes):,} changes tested" in html and f"{passed} passed" in html
    assert html.count("<li>") == min(passed, pc.HEADLINES)
    note = pc.within_chance(b.changes)
    assert "Touchpoints per account −17" in note.replace("−16.9", "−17")
    assert len(b.change_drivers) and set(b.change_drivers.by) <= {"segment", "account"}


# -- links -----------------------------------------------------------------------------------------
def test_headlines_link_the_accounts_and_managers_they_name():
    import pandas as pd

    from kamlib.present import links

    now, earlier, owners = _small()
    ranked, _ = ch.what_changed(now, earlier, owners, q=0.10, min_n=5)
    ranked = ranked.assign(unit=ranked.group.replace({"all": "Company"}),
                           driver_name=ranked.driver,
                           account_names=ranked.accounts.replace({"a1": "<b>A1</b>"}),
                           owner_names=ranked.owners.replace({"K1": "Kira"}))
    pages = pd.DataFrame({"kind": ["account", "kam"], "id": ["a1", "K1"],
                          "href": ["accounts/a1.html", "kam/K1.html"]})
    links.use_pages(pages)
    try:
        html = pc.change_headlines(ranked, 0.10)
        items = pc.headline_items(ranked)
    finally:
        links.use_pages(None)
    assert ('<a href="accounts/a1.html">&lt;b&gt;A1&lt;/b&gt;</a> (owners: '
            '<a href="kam/K1.html">Kira</a>).') in html
    assert "<b>" not in html
    # the text without links is the same as before
    import html
    import re

    linked = next(i for i in items if "<a " in i["links"])
    plain = html.unescape(re.sub("<[^>]+>", "", str(linked["links"]))).replace("\xa0", " ")
    assert plain == linked["accounts"]
