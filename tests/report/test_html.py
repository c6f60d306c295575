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
