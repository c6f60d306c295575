"""Templates: one Jinja2 environment, escaping as html.escape, the stylesheets and palette,
the package facade and the templates shipped with the package."""

from __future__ import annotations

import ast
import fnmatch
import html
import importlib
import re
import tomllib
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

import kamlib
from kamlib import plots, present
from kamlib.present import markup

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(kamlib.__file__).parent
HOSTILE = "<script>alert('x')</script> & \"Co\" 5 % +1 pp"
#: the modules of kamlib.present, by the names of their files
MODULES = ("format", "markup", "rows", "figures", "tables", "cards", "text")


# -- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [HOSTILE, "O'Neil", "", "a\u202eb", 3, 2.5])
def test_templates_escape_as_the_standard_library(text):
    assert markup.escape(text) == html.escape(str(text), quote=True)
    assert markup.render("present/bullets.html.j2", items=[text]) == \
        f'<ul class="kam-list"><li>{markup.units(text)}</li></ul>'


def test_units_stay_with_their_numbers_and_markup_passes_unchanged():
    assert markup.units("5 % and +1 pp <b>") == "5&nbsp;% and +1&nbsp;pp &lt;b&gt;"
    assert markup.units(Markup("<b>5 %</b>")) == "<b>5 %</b>"
    assert markup.escape(Markup("<svg/>")) == "<svg/>"


def test_every_fragment_escapes_names():
    for h in (present.callout(HOSTILE, "alert", title=HOSTILE), present.section_note(HOSTILE),
              present.bullets([HOSTILE]), present.facts([(HOSTILE, HOSTILE)])):
        assert "<script>" not in h and "&lt;script&gt;alert(&#x27;x&#x27;)" in h
        assert "&quot;Co&quot;" in h and "5&nbsp;%" in h


def test_undefined_names_in_a_template_fail():
    with pytest.raises(jinja2.UndefinedError):
        markup.render("present/note.html.j2")


def test_one_environment_builds_all_html():
    """Only kamlib.present.markup makes a Jinja2 environment; present, plots and the
    report's HTML module build no tags in Python strings."""
    makers = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                    node.func, "id", "")) == "Environment":
                makers.append(path.relative_to(PACKAGE).as_posix())
    assert makers == ["present/markup.py"]
    tag = re.compile(r"""f["']<[a-z]""")
    for path in [*PACKAGE.glob("present/*.py"), PACKAGE / "report" / "html.py"]:
        assert not tag.search(path.read_text()), path.name


# -- stylesheets and palette -----------------------------------------------------------------


def test_style_is_the_content_stylesheet_and_uses_the_plots_palette():
    css = markup.stylesheet("content.css")
    style, colors = present.STYLE, plots.COLORS
    assert style == f"<style>\n{css}</style>"
    palette = (present.GOOD, present.BAD, present.MAIN, present.MUTED)
    assert palette == (colors["good"], colors["alert"], colors["main"], colors["muted"])
    assert f".kam-good{{color:{present.GOOD}}}" in css
    assert f".kam-bad{{color:{present.BAD}}}" in css
    assert f".kam-flat{{color:{present.MUTED}}}" in css
    assert f"border-left:4px solid {present.MAIN}" in css


def test_the_two_stylesheets_share_no_rule():
    def selectors(css: str) -> set[str]:
        css = re.sub(r"@media[^{]*\{(.*)\}\s*$", r"\1", css, flags=re.S)
        return {s.strip() for sel in re.findall(r"([^{}]+)\{", css) for s in sel.split(",")}

    page, content = markup.stylesheet("page.css"), markup.stylesheet("content.css")
    assert selectors(page) and selectors(content)
    assert not selectors(page) & selectors(content)


def test_templates_are_package_data():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = py["tool"]["setuptools"]["package-data"]["kamlib"]
    files = [p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "templates").rglob("*")
             if p.is_file()]
    assert {"templates/present/cards.html.j2", "templates/report/page.html.j2",
            "templates/css/page.css", "templates/css/content.css"} <= set(files)
    for f in files:
        assert any(fnmatch.fnmatch(f, pat) for pat in patterns), f


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
