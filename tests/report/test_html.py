"""The report's own HTML: the index pages, the contents and the page stylesheet."""

from __future__ import annotations

from types import SimpleNamespace

import nbformat

from kamlib.periods import Quarter
from kamlib.report import html as H

EVIL = "<script>alert('x')</script> & Co"


def _pages():
    return [SimpleNamespace(html="team.html", title="Team & <co>", kam_id=None),
            SimpleNamespace(html="kam/K1.html", title="", kam_id="K1"),
            SimpleNamespace(html="kam/x--0123456789.html", title="", kam_id="x/<y>")]


def test_quarter_index_lists_themes_scorecards_and_files_escaped():
    h = H.quarter_index(Quarter("2026Q3"), _pages(), {"K1": EVIL}, f"Data: {EVIL}",
                        [("index.html", "Overview"), ("team.html", "Team")])
    assert h.startswith("<!DOCTYPE html>\n") and h.endswith("</html>\n")
    # the one script is the index's own search (links feature), never a name
    assert h.count("<script") == 1 and "<script>alert" not in h
    assert h.count("&lt;script&gt;alert(&#x27;x&#x27;)") == 2
    assert '<li><a href="team.html">Team &amp; &lt;co&gt;</a></li>' in h
    assert '<span class="kam-quarter">x/&lt;y&gt;</span>' in h
    assert "Scorecards (2 account managers with customers in 2026Q3)" in h
    assert "Figures as of 2026-09-30." in h and 'href="kpis.csv"' in h
    assert f"<style>\n{H.PAGE_CSS}</style>" in h
    assert '<nav class="kam-nav"><a href="index.html">Overview</a><a href="team.html">Team</a>' \
        '</nav>' in h


def test_root_index_lists_quarters_in_order():
    h = H.root_index(["2026Q3", "2025Q4"])
    assert "2 quarter(s), newest first." in h
    assert h.index("2026Q3/index.html") < h.index("2025Q4/index.html")
    assert '<a href="index.html">KAM report</a> <span class="kam-quarter">all quarters' in h
    assert '<ul class="kam-list"></ul>' in H.root_index([])


def test_contents_link_every_section_once():
    page = ('<aside><!--KAM-TOC--></aside><h2 id="a-b">A <em>b</em>'
            '<a class="anchor-link" href="#a-b">¶</a></h2><h2 id="c">C</h2><!--KAM-TOC-->')
    h = H.with_toc(page)
    assert h.count('<li><a href="#') == 2 and '<a href="#a-b">A b</a>' in h
    assert h.endswith("<!--KAM-TOC-->")  # only the first mark
    assert H.with_toc("<p>x</p><!--KAM-TOC-->") == "<p>x</p>"


def test_notebook_pages_have_the_frame_and_stylesheet_of_the_indexes(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Churn\n\ntext")])
    nbformat.write(nb, tmp_path / "p.ipynb")
    h = H.notebook_html(tmp_path / "p.ipynb", EVIL, "2026Q3", [("index.html", EVIL)], EVIL,
                        "../index.html")
    assert f"<style>\n{H.PAGE_CSS}</style>" in h
    assert "<script>alert" not in h
    assert '<div class="toc-title">On this page</div>' in h
    index = H.quarter_index(Quarter("2026Q3"), [], {}, "", [])
    for part in ('<header class="kam-header">', '<div class="kam-brand">',
                 '<footer class="kam-footer">'):
        assert part in h and part in index


def test_the_shared_exporter_gives_each_page_what_a_fresh_one_gives(tmp_path):
    """The exporter is made once per process; a page must not depend on the pages
    exported before it (titles, navigation, widgets metadata, outputs)."""
    pages = []
    for i, (head, meta) in enumerate([("Churn", {"language_info": {"name": "python"}}), ("Growth", {})]):
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(f"## {head}\n\ntext {EVIL}"),
            nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output(
                "display_data", data={"text/html": f"<b>{head}</b>"})])], metadata=meta)
        nbformat.write(nb, tmp_path / f"p{i}.ipynb")
        pages.append((tmp_path / f"p{i}.ipynb", head, [("index.html", head)]))

    def export(args):
        path, head, nav = args
        return H.notebook_html(path, head, "2026Q3", nav, f"footer {head}", "../index.html")

    first = [export(p) for p in pages]
    again = [export(p) for p in reversed(pages)][::-1]
    H._exporter.cache_clear()
    fresh = []
    for p in pages:
        fresh.append(export(p))
        H._exporter.cache_clear()
    assert first == again == fresh
    assert "Churn" in first[0] and "Churn" not in first[1]

# -- links: the index's cards, lists and search ------------------------------------------------------
def _index_bundle():
    import pandas as pd
    from bundle_builder import small_bundle

    kpis = pd.DataFrame({"kpi": "logo_churn_rate", "grain": "company", "group": "all",
                         "period": "2026Q3", "value": [0.034], "low": [0.016],
                         "high": [0.068], "n": [208]})
    view = pd.DataFrame({"account_id": ["A2", "A1"], "name": ["Zeta", EVIL],
                         "kam_id": ["K1", "K7"], "kam_name": [EVIL, "Ole"],
                         "segment": ["strategic", "mid_market"], "clv": [2.5e6, 70_000.0],
                         "churn_next_year": [0.069, float("nan")]})
    summary = pd.DataFrame({"kam_id": ["K1"], "name": [EVIL], "team": ["team_b"],
                            "accounts": [14], "clv": [6.3e6]})
    pages = pd.DataFrame({"kind": ["kam", "account", "account"], "id": ["K1", "A1", "A2"],
                          "href": ["kam/K1.html", "accounts/A1.html", "accounts/A2.html"]})
    return small_bundle(kpis=kpis, trend=kpis, account_view=view, kam_summary=summary,
                        pages=pages)


def test_quarter_index_lists_managers_and_accounts_linked_with_cards_and_search():
    b = _index_bundle()
    h = H.quarter_index(Quarter("2026Q3"), [SimpleNamespace(html="kam/K1.html", title="",
                                                            kam_id="K1")],
                        {"K1": EVIL}, "", [], b)
    evil = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co"
    assert "<script>alert" not in h
    # cards: the company's churn with its interval
    assert "Logo churn this quarter" in h and "95&nbsp;% interval 1.6–6.8&nbsp;%" in h
    # managers: name linked, team, accounts, lifetime value of the book (CHF)
    assert f'<a href="kam/K1.html">{evil}</a> <span class="kam-quarter">K1</span>' in h
    assert "<td>Team B</td>" in h and "CHF 6.3M" in h
    # accounts, by name: the name links to its page, the manager to the scorecard when
    # there is one (K7 has none), segment, CLV and risk
    assert h.index(f'<a href="accounts/A1.html">{evil}</a>') < \
        h.index('<a href="accounts/A2.html">Zeta</a>')
    assert f'<a href="kam/K1.html">{evil}</a></td><td>Strategic</td>' in h
    assert "<td>Ole</td><td>Mid market</td>" in h and "6.9&nbsp;%" in h
    assert 'id="accounts"' in h and "Accounts (2 customers at the end of 2026Q3)" in h
    # the search: a box and one small inline script, nothing fetched
    assert '<input type="search" id="kam-search-box"' in h
    assert 'id="kam-search" hidden' in h  # shown by the script, so hidden without it
    assert h.count("<script") == 1 and "<script>\n(function" in h
    assert "src=" not in h.replace('src="data:', "") and "http" not in h.split("<script>")[1]
    assert 'href="kpis.csv"' in h  # the files stay


def test_quarter_index_without_a_bundle_lists_the_scorecards_only():
    h = H.quarter_index(Quarter("2026Q3"), _pages(), {"K1": "Kira"}, "", [])
    assert '<a href="kam/K1.html">Kira</a>' in h and 'id="accounts"' not in h
    assert "Headline figures" not in h


def test_quarter_index_shortens_huge_names_to_one_line():
    b = _index_bundle()
    huge = "Q" * 2**16
    view = b.account_view.assign(kam_name=huge)
    b = type(b)(b.quarter, b.settings, b.as_of, account_view=view, pages=b.pages,
                kam_summary=b.kam_summary)
    h = H.quarter_index(Quarter("2026Q3"), [SimpleNamespace(html="kam/K1.html", title="",
                                                            kam_id="K1")],
                        {"K1": "Kira\n" + huge}, "", [], b)
    assert "Q" * H.NAME_MAX not in h and len(h) < 50_000
    assert f'<a href="kam/K1.html">Kira {"Q" * (H.NAME_MAX - 6)}…</a>' in h
