"""The panels: every query of the checked data, returning small pandas frames.

One module per topic: :mod:`~kamlib.panels.quarter` (a quarter's account panels),
:mod:`~kamlib.panels.period` (a quarter's panels, built once), :mod:`~kamlib.panels.customers`
(spells and renewals from contracts), :mod:`~kamlib.panels.coverage` (how far the data
reaches), :mod:`~kamlib.panels.money`, :mod:`~kamlib.panels.monthly`,
:mod:`~kamlib.panels.surveys`, :mod:`~kamlib.panels.mentions`,
:mod:`~kamlib.panels.outcomes`, :mod:`~kamlib.panels.prospects`,
:mod:`~kamlib.panels.invoices` (invoice kinds), :mod:`~kamlib.panels.targets` (the
KPI targets) and :mod:`~kamlib.panels.raw` (the source before its check).
"""

__all__: list[str] = []
