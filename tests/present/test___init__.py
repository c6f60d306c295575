"""The presentation package (kamlib.present): it re-exports every name a notebook uses,
each module has a docstring and an __all__, and no module computes statistics."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import kamlib
from kamlib import present

PACKAGE = Path(kamlib.__file__).parent
#: the modules of kamlib.present, by the names of their files
MODULES = ("format", "markup", "rows", "figures", "tables", "cards", "text", "scorecard")


# -- the package -----------------------------------------------------------------------------


def test_the_package_re_exports_every_module_name_a_notebook_uses():
    for name in present.__all__:
        assert hasattr(present, name), name
    for name in ("table", "kpi_cards", "kpi_table", "kpi_by_group", "STYLE", "fmt", "pct",
                 "money", "number", "label", "formatter", "callout", "section_note", "facts",
                 "bullets", "headlines", "card_notes",
                 "cards", "wave_title", "latest_responses", "latest", "KPI_INFO", "KPI_CARDS"):
        assert name in present.__all__, name
    assert callable(present.cards) and present.cards("nps")[0].kpi == "nps"


def test_every_module_has_a_docstring_and_all():
    for name in MODULES:
        mod = importlib.import_module(f"kamlib.present.{name}")
        assert mod.__doc__ and mod.__all__, name
        assert all(hasattr(mod, n) for n in mod.__all__), name


def _stats_imports(node: ast.AST) -> list[ast.AST]:
    def names(n):
        return [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]

    return [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            and any(m.startswith("kamlib.stats") for m in names(n))]


def test_only_objective_link_uses_statistics():
    for name in MODULES:
        tree = ast.parse((PACKAGE / "present" / f"{name}.py").read_text())
        inside = [n for f in tree.body if isinstance(f, ast.FunctionDef)
                  and f.name == "objective_link" for n in _stats_imports(f)]
        assert len(_stats_imports(tree)) == len(inside), name
