"""The plots package (kamlib.plots): every plot and the house style exported, and plot
modules that use only public names of each other and no statistics."""

from __future__ import annotations

from kamlib import plots as P

# -- the package ---------------------------------------------------------------------------


PLOT_MODULES = ("style", "kpi", "acquisition", "survival")


def test_plot_modules_use_only_public_names_of_each_other_and_no_statistics():
    import ast
    from pathlib import Path

    import kamlib.plots

    folder = Path(kamlib.plots.__file__).parent
    for name in PLOT_MODULES:
        tree = ast.parse((folder / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kamlib"):
                assert not node.module.startswith("kamlib.stats"), name
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (name, node.module, private)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("kamlib.stats") for a in node.names), name


def test_the_package_exports_every_plot_and_the_house_style():
    import importlib

    for name in PLOT_MODULES:
        mod = importlib.import_module(f"kamlib.plots.{name}")
        assert mod.__doc__ and mod.__all__, name
        assert all(hasattr(mod, n) for n in mod.__all__), name
        if name != "style":  # every plot is in the package; the style's building blocks stay there
            assert set(mod.__all__) <= set(P.__all__), name
    for n in ("PALETTE", "COLORS", "HOUSE", "fmt_money", "shorten", "subplots", "house_style",
              "use_house_style", "savefig_kwargs", "money_formatter", "percent_formatter"):
        assert n in P.__all__ and getattr(P, n) is getattr(importlib.import_module(
            "kamlib.plots.style"), n)
