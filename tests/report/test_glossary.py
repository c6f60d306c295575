"""kamlib.report.glossary: the glossary of the Methods and checks page, from the KPI
registry and the statistical terms the pages use."""

from __future__ import annotations

from kamlib.kpis.registry import REGISTRY
from kamlib.report.glossary import kpi_glossary, stat_glossary


def test_every_kpi_is_in_the_glossary_once_with_its_registry_definition():
    g = kpi_glossary()
    assert len(g) == len(REGISTRY) and g.iloc[:, 0].is_unique
    text = g.to_string()
    for spec in REGISTRY:  # the registry is the one source of each definition
        assert spec.title in text


def test_the_statistical_terms_the_pages_use_are_defined_once():
    g = stat_glossary()
    assert list(g.columns) == ["term", "meaning"] and g.term.is_unique
    for term in ("95 % interval", "Within chance", "False discovery rate (FDR)", "Hazard ratio",
                 "Shrinkage", "Funnel limits", "Concordance", "Brier score"):
        assert term in set(g.term), term
    assert g.meaning.str.len().min() > 20  # every term has a real definition
