"""The report layer: builds a quarter's bundle, runs the notebooks and publishes the pages.

- :mod:`~kamlib.report.bundle`: the typed :class:`~kamlib.report.bundle.Bundle`, built
  once per quarter (with :mod:`~kamlib.report.themes`, :mod:`~kamlib.report.churn_model`,
  :mod:`~kamlib.report.pages`, :mod:`~kamlib.report.accounts`,
  :mod:`~kamlib.report.comparisons`; typed results in :mod:`~kamlib.report.facts`);
- :mod:`~kamlib.report.notebook`: the notebooks' one setup call;
- :mod:`~kamlib.report.runner`: papermill in worker processes, one kernel each;
- :mod:`~kamlib.report.render` and :mod:`~kamlib.report.html`: ``kam report``, the pages;
- :mod:`~kamlib.report.output`: safe files (CSV neutralising, atomic writes);
- :mod:`~kamlib.report.cli`: the ``kam`` command line.

The submodules are imported on use, so that ``kam --help`` stays quick.
"""

__all__: list[str] = []
