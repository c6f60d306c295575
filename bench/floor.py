"""The kernel-and-export floor of ``kam report``: N trivial notebooks through the same machinery.

Each notebook holds one cell (``x = 1``); they are executed by the report's runner
(:func:`kamlib.report.runner.execute`: worker processes, one reused kernel each,
papermill injecting the same parameters as the report's) and, as in the report, each
exported by the worker that ran it (:func:`kamlib.report.notebook_page.finish_page`,
the house template).
What a pack costs above this floor is the bundle and what the notebooks do.

Usage: python bench/floor.py N [JOBS] -> one JSON line of timings
(``execute_s``, which includes the export, ``export_s``, now 0, and ``total_s``; seconds
inside the process).
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from kamlib.report import runner
from kamlib.report.notebook_page import finish_page


def main(n: int, jobs: int | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="kam-floor-") as tmp:
        root = Path(tmp)
        src = root / "trivial.ipynb"
        cell = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})
        nb = nbformat.v4.new_notebook(cells=[cell])
        nb.metadata.update(  # as the report's notebooks say it
            kernelspec={"name": "kam", "display_name": "KAM (kamlib)", "language": "python"},
            language_info={"name": "python"})
        nbformat.write(nb, src)
        params = {"quarter": "2026Q3", "data": str(root), "cache": str(root / "cache")}
        tasks = [runner.Task(
            f"page_{i:04d}", str(src), str(root / "nb" / f"page_{i:04d}.ipynb"), dict(params),
            str(root), after=functools.partial(
                finish_page, str(root / "nb" / f"page_{i:04d}.ipynb"),
                str(root / "html" / f"page_{i:04d}.html"), f"page_{i:04d}", params,
                f"page_{i:04d}", "2026Q3", [("index.html", "Overview")], "floor",
                "../index.html")) for i in range(n)]
        t0 = time.perf_counter()
        outcomes = runner.execute(tasks, jobs=jobs)
        t1 = time.perf_counter()
        if any(not o.ok for o in outcomes) or len(outcomes) != n:
            why = [(o.name, o.error) for o in outcomes if not o.ok] or "some did not run"
            raise SystemExit(f"floor notebooks failed: {why}")
        t2 = time.perf_counter()  # the workers exported the pages as they went
    return {"notebooks": n, "execute_s": t1 - t0, "export_s": t2 - t1, "total_s": t2 - t0}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)))
