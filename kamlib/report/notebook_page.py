"""One executed notebook made into its published form: the notebook cleaned of the
run's metadata, and its HTML page.

:func:`finish_page` does both for one page. ``kam report`` hands it to the worker that
executed the notebook (:class:`kamlib.report.runner.Task` ``after``), so the pages are
exported in parallel, each as soon as its notebook has run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kamlib.report.html import notebook_html

__all__ = ["clean_notebook", "export_html", "finish_page"]


def _cell_prefix(name: str) -> str:
    """A page name as the stem of nbformat cell ids (``[a-zA-Z0-9-_]``, 64 at most).

    >>> _cell_prefix("kam_scorecard_K 1/é")
    'kam_scorecard_K-1--'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:56]


def clean_notebook(path: Path, name: str, parameters: dict | None = None) -> None:
    """Strip papermill and execution metadata and give cells stable ids, in place.

    ``parameters`` replace the ones papermill injected (what the published notebook
    shows instead of the paths the run used).
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    prefix = _cell_prefix(name)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{prefix}-{i}"
        if parameters is not None and "injected-parameters" in cell.metadata.get("tags", []):
            from papermill.translators import translate_parameters

            cell.source = translate_parameters("python", "python", parameters, "Parameters")
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.execution_count = None
            for o in cell.outputs:
                if "execution_count" in o:
                    o.execution_count = None
    nbformat.write(nb, path)


def export_html(nb_path: Path, out: Path, title: str, quarter: str, nav: list[tuple[str, str]],
                footer: str, home: str) -> None:
    """HTML of an executed notebook: inputs hidden, images embedded, house template, TOC."""
    out.write_text(notebook_html(nb_path, title, quarter, nav, footer, home), encoding="utf-8")


def finish_page(notebook: str, html: str, name: str, parameters: dict, title: str,
                quarter: str, nav: Sequence[tuple[str, str]], footer: str, home: str) -> None:
    """Clean the executed ``notebook`` (showing ``parameters``) and export it to ``html``."""
    clean_notebook(Path(notebook), name, parameters)
    Path(html).parent.mkdir(parents=True, exist_ok=True)
    export_html(Path(notebook), Path(html), title, quarter, list(nav), footer, home)
