"""The notebooks' setup (kamlib.report.notebook): each warning shows once per notebook."""

from __future__ import annotations

import warnings

import nbformat

from kamlib.report.notebook import show_warnings


def test_each_warning_shows_once_and_deprecations_stay_hidden():
    with warnings.catch_warnings(record=True) as seen:
        show_warnings()
        for _ in range(3):
            warnings.warn("too few accounts for the curve", UserWarning, stacklevel=1)
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["too few accounts for the curve"]


def test_a_notebook_shown_again_shows_its_warnings_again():
    """In a kernel shared by several notebooks, a warning already shown by one notebook
    shows again in the next (the setup forgets what was shown)."""
    def page():
        warnings.warn("the churn model did not converge", RuntimeWarning, stacklevel=1)

    with warnings.catch_warnings(record=True) as seen:
        show_warnings()
        page()
        page()
        show_warnings()
        page()
    assert len(seen) == 2


def test_a_kernel_shows_figures_as_svg_images_with_alt_text():
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "from kamlib.report.notebook import show_svg_charts\n"
                                  "show_svg_charts()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2])\n"
                                  "ax.set_title('Two points')\nplt.show()")])
    NotebookClient(nb, timeout=120).execute()
    (out,) = nb.cells[1].outputs
    assert "image/png" not in out.data and "image/svg+xml" not in out.data
    html = out.data["text/html"]
    assert 'src="data:image/svg+xml;base64,' in html and 'alt="Two points."' in html


# -- links -----------------------------------------------------------------------------------------
def test_the_setup_links_names_from_the_page_depth(tmp_path):
    import pandas as pd
    from bundle_builder import small_bundle

    from kamlib.present import links
    from kamlib.report.notebook import notebook_setup

    pages = pd.DataFrame({"kind": ["kam", "account"], "id": ["K1", "a"],
                          "href": ["kam/K1.html", "accounts/a.html"]})
    small_bundle(pages=pages).save(tmp_path)
    try:
        b = notebook_setup("", "", str(tmp_path), depth=1)  # a scorecard, in kam/
        assert len(b.pages) == 2 and links.href("account", "a") == "../accounts/a.html"
        notebook_setup("", "", str(tmp_path))  # a theme page
        assert links.href("kam", "K1") == "kam/K1.html"
    finally:
        links.use_pages(None)
