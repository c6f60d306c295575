"""Templates (kamlib.present.markup): one Jinja2 environment, escaping as html.escape, the
stylesheets and palette, and the templates shipped with the package."""

from __future__ import annotations

import ast
import fnmatch
import html
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


def test_style_is_scoped():
    assert present.STYLE.startswith("<style>") and present.STYLE.endswith("</style>")
    rules = re.findall(r"([^{}]+)\{", present.STYLE[len("<style>"):])
    assert all("kam-" in r for r in rules)
