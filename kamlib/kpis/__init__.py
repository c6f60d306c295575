"""The KPI layer: every KPI's definition and its computation, from the panels' frames.

- :mod:`~kamlib.kpis.registry`: one :class:`~kamlib.kpis.registry.KpiSpec` per KPI id
  and the ten themes of the cards (the one home of each definition);
- :mod:`~kamlib.kpis.compute`: the long KPI table of a quarter, by family;
- :mod:`~kamlib.kpis.grains`: rows at the company, segment, KAM and account grains;
- :mod:`~kamlib.kpis.acquisition`, :mod:`~kamlib.kpis.team`,
  :mod:`~kamlib.kpis.objectives`, :mod:`~kamlib.kpis.lifetime`: the themes' own results;
- :mod:`~kamlib.kpis.compare`: managers compared fairly (funnels, shrinkage);
- :mod:`~kamlib.kpis.attention`: the accounts to act on;
- :mod:`~kamlib.kpis.targets`: which target holds for a figure and whether it is met.
"""

__all__: list[str] = []
