"""The notebooks' setup: warnings show once per notebook and never on the HTML pages."""

from __future__ import annotations

import warnings

import nbformat

from kamlib.report.notebook import show_warnings
from kamlib.report.render import export_html


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


def test_the_html_page_leaves_warnings_out(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: look here\n"),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>the figure</p>",
                                                      "text/plain": "figure"}),
        nbformat.v4.new_output("stream", name="stdout", text="printed\n"),
    ]
    quiet = nbformat.v4.new_code_cell("y = 2")
    quiet.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warned\n")]
    nb.cells = [cell, quiet]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "page.html"
    export_html(path, out, "Page", "2026Q3", [], "footer", "index.html")
    page = out.read_text(encoding="utf-8")
    assert "the figure" in page and "printed" in page
    assert "look here" not in page and "warned" not in page and "stderr" not in page
    # a cell with only warnings is a cell without outputs on the page
    assert page.count("jp-mod-noOutputs") == 1
    assert "look here" in path.read_text(encoding="utf-8")  # the notebook keeps it
