"""Names that link to their pages (kamlib.present.links): which cells link, where to
(relative to the page's depth), and that names stay escaped."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamlib import present as P
from kamlib.present import links

EVIL = "<script>alert('x')</script> & \"Co\""
PAGES = pd.DataFrame({"kind": ["account", "account", "kam"], "id": ["A1", "a/b", "K1"],
                      "href": ["accounts/A1.html", "accounts/a-b--c14cddc033.html",
                               "kam/K1.html"]})


@pytest.fixture(autouse=True)
def _no_links_after():
    yield
    links.use_pages(None)


def test_hrefs_are_relative_to_the_page_depth():
    links.use_pages(PAGES)  # a theme page, at the top of the quarter's folder
    assert links.href("account", "A1") == "accounts/A1.html"
    links.use_pages(PAGES, depth=1)  # a scorecard, in kam/
    assert links.href("kam", "K1") == "../kam/K1.html"
    assert links.href("account", "a/b") == "../accounts/a-b--c14cddc033.html"
    # no page: no link (an account that is no customer, a manager without a scorecard)
    assert links.href("account", "A9") is None and links.href("kam", None) is None
    assert links.href("kam", float("nan")) is None and links.href("kam", pd.NA) is None
    with pytest.raises(ValueError):
        links.use_pages(PAGES, depth=-1)


def test_which_column_links_by_which_id():
    links.use_pages(PAGES)
    both = {"account_id": "A1", "kam_id": "K1"}
    assert links.cell_href("name", both) == "accounts/A1.html"  # an account's name
    assert links.cell_href("kam_name", both) == "kam/K1.html"
    assert links.cell_href("manager", {"kam_id": "K1"}) == "kam/K1.html"
    assert links.cell_href("name", {"kam_id": "K1"}) == "kam/K1.html"  # a manager's row
    # the row's own account id decides, even when missing: never the manager's page
    assert links.cell_href("name", {"account_id": None, "kam_id": "K1"}) is None
    assert links.cell_href("segment", both) is None and links.cell_href(("a", "b"), both) is None
    links.use_pages(None)
    assert links.cell_href("name", both) is None


def test_a_table_links_names_and_keeps_them_escaped():
    links.use_pages(PAGES, depth=1)
    df = pd.DataFrame({"name": [EVIL, "Plain", "Gone"], "account_id": ["A1", None, "A9"],
                       "kam_name": ["Kira <K>", "Kira <K>", "Ole"],
                       "kam_id": ["K1", "K1", "K7"], "clv": [1.0, 2.0, 3.0]})
    h = P.table(df, [("name", "Account", "text"), ("kam_name", "Manager", "text"),
                     ("clv", "CLV", "money")])
    assert "<script>" not in h
    assert ('<a href="../accounts/A1.html">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; '
            '&amp; &quot;Co&quot;</a>') in h
    assert h.count('<a href="../kam/K1.html">Kira &lt;K&gt;</a>') == 2
    # rows without an id, or whose id has no page, are not linked
    assert ">Plain<" in h and ">Gone<" in h and ">Ole<" in h
    assert h.count("<a ") == 3


def test_kpis_by_manager_link_each_manager_but_not_the_company():
    links.use_pages(PAGES)
    t = pd.DataFrame({"kpi": "upsell_rate", "grain": ["company", "kam", "kam"],
                      "group": ["all", "K1", "K2"], "period": "2026Q3",
                      "value": [0.1, 0.2, 0.3], "low": 0.0, "high": 0.5, "n": [50, 20, 30]})
    h = P.kpi_by_group(t, ["upsell_rate"], "kam", labels={"K1": "Kira", "K2": "Ole"})
    assert '<a href="kam/K1.html">Kira</a>' in h and ">Ole<" in h  # K2: no scorecard
    assert h.count("<a ") == 1
    seg = P.kpi_by_group(t.assign(grain=t.grain.replace({"kam": "segment"})),
                         ["upsell_rate"], "segment")
    assert "<a " not in seg


@given(name=st.text(min_size=1, max_size=30), depth=st.integers(0, 3))
def test_any_name_shows_as_text_inside_its_link(name, depth):
    links.use_pages(PAGES, depth)
    h = P.table(pd.DataFrame({"name": [name], "account_id": ["A1"]}),
                [("name", "Account", "text")])
    href = "../" * depth + "accounts/A1.html"
    assert h.count(f'<a href="{href}">') == 1
    inner = h.split(f'<a href="{href}">', 1)[1].split("</a>", 1)[0]
    assert "<" not in inner and '"' not in inner
