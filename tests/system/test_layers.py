"""The layers of kamlib, enforced with import-linter.

Lowest first, a module imports only from its own layer or lower ones:

    base (config, errors, periods) < data < panels < stats < models < kpis < plots
    < present < report

and only the data layer, the panels and the report may import Ibis or
``kamlib.data.sources``: everything else takes pandas frames from the panels.
"""

from __future__ import annotations

from importlinter import cli as lint

LAYERS = ("kamlib.report", "kamlib.present", "kamlib.plots", "kamlib.kpis", "kamlib.models",
          "kamlib.stats", "kamlib.panels", "kamlib.data",
          "kamlib.config : kamlib.errors : kamlib.periods")
"""Highest first; ``:`` joins the base modules into one layer (they may import each other)."""
NO_ENGINE = ("kamlib.config", "kamlib.errors", "kamlib.periods", "kamlib.stats",
             "kamlib.models", "kamlib.kpis", "kamlib.plots", "kamlib.present")
"""The modules that never touch the engine themselves."""
ENGINE = ("ibis", "kamlib.data.sources")


def _lines(*items: str) -> str:
    return "".join(f"\n    {i}" for i in items)


CONFIG = f"""
[importlinter]
root_package = kamlib
include_external_packages = True

[importlinter:contract:layers]
name = a module imports only from its own layer or lower ones
type = layers
layers ={_lines(*LAYERS)}

[importlinter:contract:engine]
name = only kamlib.data, kamlib.panels and kamlib.report query the engine
type = forbidden
source_modules ={_lines(*NO_ENGINE)}
forbidden_modules ={_lines(*ENGINE)}
allow_indirect_imports = True
"""


def test_the_layers_hold(tmp_path, capsys):
    config = tmp_path / "importlinter.ini"
    config.write_text(CONFIG)
    code = lint.lint_imports(config_filename=str(config), no_cache=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out
