"""How long each step of a ``kam report`` run took (``kam report --timings FILE``).

The report itself never holds a timing (the same inputs give the same bytes); a run
asked for its timings writes them into a file of their own, outside the report:
the wall time of each stage (checking the data, the bundle and each of its steps,
executing the notebooks, exporting HTML, the account pages, the rest), the number
of pages of each kind, and what one scorecard page and one account page cost.

>>> t = RunTimes(clock=iter([0.0, 0.0, 1.0, 3.0, 3.5, 4.0, 5.5]).__next__)
>>> t.mark("validating the data")
>>> t.mark("computing the quarter")
>>> t.mark("executed kam_scorecard_K1", 1, 2)
>>> t.mark("executed kam_scorecard_K2", 2, 2)
>>> t.mark("writing account pages", 0, 4)
>>> t.mark(DONE)
>>> s = t.summary()
>>> s["stages"]
{'validate': 1.0, 'bundle': 2.0, 'notebooks': 1.0, 'account_pages': 1.5}
>>> s["counts"]["scorecards"], s["per_page"]["scorecard_notebook_s"]
(2, 0.5)
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["DONE", "EXPORTED", "FINISHING", "RunTimes", "SCORECARD_PREFIX", "stage_of"]

#: the last mark of a run (the report published)
DONE = "published"
#: the mark :func:`kamlib.report.render.render` sets after exporting each page
EXPORTED = "exported "
#: the mark of the last writes: the index, kpis.csv, the manifest, publishing
FINISHING = "finishing: index, kpis.csv, manifest, publishing"
#: the page names of the scorecards (``kamlib.report.render.SCORECARD``)
SCORECARD_PREFIX = "kam_scorecard_"

#: a step's message -> its stage, by the message's start (first match wins)
_STAGES = (("validating", "validate"), ("quarter ", "validate"),
           ("computing the quarter", "bundle"), ("computing: ", "bundle"),
           ("executed ", "notebooks"), ("starting the notebooks", "notebooks"), ("exporting HTML", "html"), (EXPORTED, "html"),
           ("writing account pages", "account_pages"), ("printing PDF", "pdf"),
           (FINISHING, "finish"), (DONE, "done"))


def stage_of(message: str) -> str:
    """The stage a step's message belongs to.

    >>> stage_of("computing: KPIs"), stage_of("executed team"), stage_of("odd")
    ('bundle', 'notebooks', 'other')
    >>> stage_of("starting the notebooks")  # waiting for the first kernel's page
    'notebooks'
    """
    for start, stage in _STAGES:
        if message.startswith(start):
            return stage
    return "other"


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


class RunTimes:
    """The marks of one run: each step's message, its ``i`` of ``n`` and when
    (seconds since the recorder was made). A step lasts until the next mark."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self.clock = clock
        self.start = clock()
        self.events: list[dict] = []

    def mark(self, message: str, i: int = 0, n: int = 0) -> None:
        """Note that the step ``message`` starts (or, for ``i`` of ``n``, has got that far)."""
        self.events.append({"at": round(self.clock() - self.start, 4), "step": message,
                            "i": i, "n": n})

    def _spans(self) -> list[tuple[dict, float]]:
        """Each mark with the time until the next one (0 for the last); the first also
        has the time from the recorder's start to it."""
        ev = self.events
        return [(e, (ev[k + 1]["at"] if k + 1 < len(ev) else e["at"])
                 - (e["at"] if k else 0.0)) for k, e in enumerate(ev)]

    def summary(self) -> dict:
        """Stage times, bundle step times, page counts and the cost of one page.

        ``per_page``: a scorecard's notebook is the mean time between a scorecard
        finishing and the notebook finished before it (the workers run in parallel,
        so this is wall time per page at the run's parallelism; a mean, not a median:
        with several workers, pages often finish close together and then wait, and
        the median of those gaps understated the pace by a quarter at 3 workers; ``kam report``'s
        workers export each page right after its notebook, so this includes its
        HTML), its HTML the median export time of a scorecard page when pages are
        exported apart (marked :data:`EXPORTED`); an account page is the account
        pages' stage over their number.
        """
        stages: dict[str, float] = {}
        bundle_steps: dict[str, float] = {}
        notebook_gaps, export_s = [], []
        last_done = None
        for k, (e, span) in enumerate(self._spans()):
            stage = stage_of(e["step"])
            if stage != "done":
                stages[stage] = round(stages.get(stage, 0.0) + span, 4)
            if e["step"].startswith("computing: "):
                name = e["step"].removeprefix("computing: ")
                bundle_steps[name] = round(bundle_steps.get(name, 0.0) + span, 4)
            if e["step"].startswith("executed "):
                if e["step"].startswith("executed " + SCORECARD_PREFIX) and last_done is not None:
                    notebook_gaps.append(e["at"] - last_done)
                last_done = e["at"]
            if e["step"].startswith(EXPORTED + SCORECARD_PREFIX):
                export_s.append(e["at"] - self.events[k - 1]["at"])
        executed = [e for e in self.events if e["step"].startswith("executed ")]
        scorecards = [e for e in executed if e["step"].startswith("executed " + SCORECARD_PREFIX)]
        accounts = max((e["n"] for e in self.events
                        if e["step"].startswith("writing account pages")), default=0)
        nb_s = round(statistics.fmean(notebook_gaps), 4) if notebook_gaps else None
        html_s = _median(export_s)
        total = self.events[-1]["at"] if self.events else 0.0
        return {
            "total_s": total, "stages": stages, "bundle_steps": bundle_steps,
            "counts": {"notebooks": len(executed), "scorecards": len(scorecards),
                       "account_pages": accounts},
            "per_page": {
                "scorecard_notebook_s": nb_s, "scorecard_html_s": html_s,
                # the workers export each page after its notebook: then the notebook's
                # time is the page's, and no export is timed apart
                "scorecard_s": None if nb_s is None else round(nb_s + (html_s or 0.0), 4),
                "account_page_s": round(stages["account_pages"] / accounts, 5)
                if accounts and "account_pages" in stages else None,
            },
        }

    def write(self, path: str | Path) -> Path:
        """The summary and every mark, as JSON, into ``path``."""
        path = Path(path)
        path.write_text(json.dumps({**self.summary(), "events": self.events}, indent=1) + "\n",
                        encoding="utf-8")
        return path
