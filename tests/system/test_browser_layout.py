"""The report's pages in a real browser (Playwright driving Debian's Chromium): on a
phone (400 px wide) no page is wider than the screen (the navigation wraps, tables
scroll in their own box, charts scale), in print the navigation is hidden, and every
chart is an SVG image with alt text.

A hand-made page (a wide table, a chart, long navigation) is checked quickly; the
sample's pack is checked end to end (slow).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

PHONE = {"width": 400, "height": 800}
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run installs it")
    pytest.skip("no chromium on this machine (apt-get install chromium); CI installs it")


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


def _check(browser, page_file: Path) -> dict:
    """What a page looks like on a phone and in print."""
    page = browser.new_page(viewport=PHONE)
    page.goto(page_file.as_uri())
    seen = {
        "width": page.evaluate("document.documentElement.scrollWidth"),
        "images": page.evaluate("Array.from(document.images).map(i => [i.naturalWidth > 0, "
                                "i.getAttribute('alt') || '', i.src.slice(0, 26), "
                                "i.getBoundingClientRect().right])"),
        "nav_lines": page.evaluate(
            "(() => { const n = document.querySelector('.kam-nav'); if (!n) return 0;"
            " const tops = new Set(Array.from(n.children).map(a => a.offsetTop));"
            " return tops.size; })()"),
    }
    rest = ("Array.from(document.querySelectorAll('tbody.kam-rest'))"
            ".map(e => getComputedStyle(e).display)")
    seen["rest"] = page.evaluate(rest)
    page.emulate_media(media="print")
    seen["print_rest"] = page.evaluate(rest)
    seen["print_nav"] = page.evaluate(
        "Array.from(document.querySelectorAll('.kam-nav, .kam-toc'))"
        ".map(e => getComputedStyle(e).display)")
    page.close()
    return seen


def _chart_page(folder: Path) -> Path:
    """A notebook page with a 14-column table and a chart, exported as the report does."""
    from kamlib import plots, present
    from kamlib.report.html import notebook_html
    from kamlib.report.notebook import figure_html

    wide = pd.DataFrame({f"column_{i}": np.arange(30) * 1000.5 for i in range(14)})
    table = present.table(wide, [(c, f"A long header {c}", "dec1") for c in wide.columns])
    ax = plots.plot_trend(pd.DataFrame({"period": ["2026Q1", "2026Q2", "2026Q3"],
                                        "value": [0.019, 0.021, 0.024]}),
                          ylabel="Logo churn", percent=True)
    chart = figure_html(ax.figure)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    out = [nbformat.v4.new_output("display_data", {"text/html": html, "text/plain": ""})
           for html in (present.STYLE, table, chart)]  # STYLE: as notebook_setup shows it
    cell = nbformat.v4.new_code_cell("", outputs=out)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Churn"), cell])
    nbformat.write(nb, folder / "page.ipynb")
    nav = [(f"p{i}.html", f"Page number {i} of the pack") for i in range(9)]
    page = folder / "page.html"
    page.write_text(notebook_html(folder / "page.ipynb", "Churn", "2026Q3", nav, "kamlib",
                                  "index.html"))
    return page


def test_a_page_fits_a_phone_and_prints_without_navigation(browser, tmp_path):
    seen = _check(browser, _chart_page(tmp_path))
    assert seen["width"] <= PHONE["width"]
    assert seen["nav_lines"] > 1  # the navigation wraps
    (loaded, alt, src, right), = seen["images"]
    assert loaded and src.startswith("data:image/svg+xml") and right <= PHONE["width"]
    assert alt == "Logo churn by quarter, 2026Q1-2026Q3: 1.9% to 2.4%."
    assert seen["print_nav"] == ["none", "none"]
    # the rows after the top 10 are one click away on screen, all printed on paper
    assert seen["rest"] == ["none"] and seen["print_rest"] == ["table-row-group"]


@pytest.fixture(scope="module")
def pack(sample_dir, tmp_path_factory) -> Path:
    from kamlib.report.render import render

    return render(str(sample_dir), "2026Q3", tmp_path_factory.mktemp("pack"), jobs=2,
                  kams=["K001"])


@pytest.mark.slow
def test_no_page_of_the_pack_is_wider_than_a_phone(browser, pack):
    pages = sorted(pack.glob("*.html")) + sorted((pack / "kam").glob("*.html"))
    assert len(pages) >= 10
    for p in pages:
        seen = _check(browser, p)
        name = p.relative_to(pack)
        assert seen["width"] <= PHONE["width"], f"{name} is {seen['width']} px wide"
        assert seen["print_nav"][:1] == ["none"], f"{name} prints its navigation"
        for loaded, alt, src, right in seen["images"]:
            assert loaded and src.startswith("data:image/svg+xml"), name
            assert len(alt) > 20 and "No description" not in alt, (name, alt)
            assert right <= PHONE["width"], name
        # and on a desktop screen: the navigation wraps rather than widen the page
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(p.as_uri())
        wide = page.evaluate("document.documentElement.scrollWidth")
        page.close()
        assert wide <= 1200, f"{name} is {wide} px wide on a 1200 px screen"


# -- account pages: on a phone no wider than the screen, every chart an image with alt text
def _account_page(folder: Path) -> Path:
    """An account page with a 120-character name without spaces, a chart and tables."""
    from bundle_builder import small_bundle

    from kamlib.report.account_pages import write_account_pages

    months = [f"2026-{m:02d}" for m in range(1, 13)]
    b = small_bundle(
        account_view=pd.DataFrame({"account_id": ["A1"], "name": ["N" * 120],
                                   "kam_id": ["K1"], "kam_name": ["Greta"],
                                   "max_gap_days": [50.0]}),
        account_months=pd.DataFrame({"account_id": ["A1"] * 12, "month": months,
                                     "inbound": range(12), "outbound": range(12)}),
        account_contracts=pd.DataFrame({
            "account_id": ["A1"] * 12, "contract_id": [f"C{i:020d}" for i in range(12)],
            "start_on": pd.date_range("2015-01-01", periods=12, freq="YS"),
            "end_on": pd.date_range("2015-12-31", periods=12, freq="YE"),
            "annual_value": [1e6] * 12, "renewal_of": [None] * 12}))
    href, = write_account_pages(b, folder, [(f"p{i}.html", f"Page {i}") for i in range(9)],
                                ["K1"], "kamlib")
    return folder / href


def _svg_labels(browser, page_file: Path) -> list[tuple[str, float]]:
    page = browser.new_page(viewport=PHONE)
    page.goto(page_file.as_uri())
    out = page.evaluate("Array.from(document.querySelectorAll('svg')).map(s => "
                        "[s.getAttribute('aria-label') || '', s.getBoundingClientRect().right])")
    page.close()
    return out


def test_an_account_page_fits_a_phone(browser, tmp_path):
    page = _account_page(tmp_path)
    seen = _check(browser, page)
    assert seen["width"] <= PHONE["width"], seen["width"]
    assert seen["print_nav"][:1] == ["none"]
    charts = _svg_labels(browser, page)
    assert len(charts) == 1
    alt, right = charts[0]
    assert alt.startswith("Touchpoints per month, 2026-01 to 2026-12:") and right <= PHONE["width"]


@pytest.mark.slow
def test_account_pages_of_the_pack_fit_a_phone(browser, pack):
    pages = sorted((pack / "accounts").glob("*.html"))
    assert len(pages) > 100
    for p in pages[:: len(pages) // 8]:
        seen = _check(browser, p)
        assert seen["width"] <= PHONE["width"], f"{p.name} is {seen['width']} px wide"
        for alt, right in _svg_labels(browser, p):
            assert len(alt) > 40 and right <= PHONE["width"], (p.name, alt)


# -- links: the pack as a linked whole -----------------------------------------------------------
@pytest.mark.slow
def test_every_link_of_the_pack_resolves(pack):
    from link_checker import check_links

    r = check_links(pack)
    assert r.checked > 500
    assert r.missing == [], r.missing[:10]
    assert r.anchors == [], r.anchors[:10]
    # the pack renders one scorecard (--kam K001): no page links to another one
    kam_links = {h.rsplit("/", 1)[-1] for p in pack.rglob("*.html")
                 for h in re.findall(r'href="(?:\.\./)?kam/([^"#]+)"', p.read_text())}
    assert kam_links == {"K001.html"}


@pytest.mark.slow
def test_search_the_index_then_follow_a_scorecard_and_an_account(browser, pack):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto((pack / "index.html").as_uri())
    rows = "table[data-kam-list] tbody tr"
    total = page.locator(rows).count()
    assert page.locator("#kam-search").is_visible()  # the script shows the box
    name = page.locator('table[data-kam-list="managers"] a').first.inner_text()
    page.fill("#kam-search-box", name.lower())
    visible = page.locator(f"{rows}:not([hidden])")
    texts = visible.all_inner_texts()
    assert 1 < len(texts) < total  # the manager and the manager's accounts
    assert all(name.lower() in t.lower() for t in texts)
    accounts = page.locator('table[data-kam-list="accounts"] tbody tr:not([hidden])').count()
    assert accounts == len(texts) - 1
    page.fill("#kam-search-box", "")
    assert page.locator(f"{rows}:not([hidden])").count() == total
    # nav: every quarter one click away, and the scorecard of the manager found
    assert page.locator('.kam-nav a:text-is("All quarters")').get_attribute("href") == \
        "../index.html"
    page.click(f'table[data-kam-list="managers"] a:text-is("{name}")')
    assert page.url.endswith("/kam/K001.html")
    link = page.locator('main a[href^="../accounts/"]').first
    href = link.get_attribute("href")
    assert re.fullmatch(r"\.\./accounts/[A-Za-z0-9_-]+\.html", href)
    link.click()
    assert "/accounts/" in page.url
    # the account page names its manager, linked back to the scorecard
    assert page.locator('main a[href="../kam/K001.html"]').count() >= 1
    page.close()
