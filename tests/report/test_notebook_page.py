"""kamlib.report.render: ``kam report`` renders a quarter reproducibly, safely and readably.

End to end (marked slow): one module-level render of the sample (with an account named
like a script tag and two scorecards, to keep it quick) serves the content checks; a
second render of the same inputs checks byte-identity. The building blocks (scorecard file
names, notebook cleaning, the index of quarters, input fingerprints) are checked on
small hand-made inputs.
"""

from __future__ import annotations

import nbformat

from kamlib.report.notebook_page import clean_notebook, export_html


def test_clean_notebook_strips_run_metadata_and_numbers_the_cells(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1.5}
    params = nbformat.v4.new_code_cell('data = "/tmp/run/data"')
    params.metadata["tags"] = ["injected-parameters"]
    code = nbformat.v4.new_code_cell("1 + 1", execution_count=7)
    code.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=7)]
    code.metadata["execution"] = {"iopub.status.busy": "2026-10-01T10:00:00"}
    nb.cells = [params, code]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    clean_notebook(path, "kam/K 1", parameters={"data": "data"})
    out = nbformat.read(path, as_version=4)
    assert "papermill" not in out.metadata
    # "kam/K 1" -> "kam-K-1": characters outside [A-Za-z0-9_-] become "-"; then the index
    assert [c.id for c in out.cells] == ["kam-K-1-0", "kam-K-1-1"]
    assert 'data = "data"' in out.cells[0].source and "/tmp/run" not in out.cells[0].source
    assert out.cells[1].execution_count is None and "execution" not in out.cells[1].metadata
    assert out.cells[1].outputs[0].execution_count is None


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
