"""A link checker for a rendered quarter: every internal ``href`` of every page must
resolve to a file (or folder) of the pack, and every ``#anchor`` to an ``id`` in the
target page.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     q = pathlib.Path(d) / "2026Q3"; (q / "kam").mkdir(parents=True)
...     _ = (q / "index.html").write_text('<h2 id="a">A</h2><a href="kam/K1.html#a">K1</a>'
...                                       '<a href="accounts/A1.html">A1</a><a href="#b">b</a>')
...     _ = (q / "kam" / "K1.html").write_text('<a href="../index.html#a">back</a>')
...     r = check_links(q)
>>> r.checked, r.missing, r.anchors
(4, [('index.html', 'accounts/A1.html')], [('index.html', '#b'), ('index.html', 'kam/K1.html#a')])
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["LinkReport", "check_links"]

_HREF = re.compile(r'\shref="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')


@dataclass
class LinkReport:
    """The internal links checked and those that do not resolve, as (page, href):
    ``missing`` files and ``anchors`` naming no id of their page."""

    checked: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    anchors: list[tuple[str, str]] = field(default_factory=list)


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        text = page.read_text(encoding="utf-8", errors="replace")
        cache[page] = {html.unescape(i) for i in _ID.findall(text)}
    return cache[page]


def check_links(folder: Path) -> LinkReport:
    """Check every page under ``folder`` (a quarter's folder); links may leave it for
    the index of every quarter next to it."""
    folder = Path(folder).resolve()
    report, ids = LinkReport(), {}
    for page in sorted(folder.rglob("*.html")):
        name = page.relative_to(folder).as_posix()
        for raw in _HREF.findall(page.read_text(encoding="utf-8", errors="replace")):
            href = html.unescape(raw)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:  # http:, mailto:, data: are not the pack's
                continue
            report.checked += 1
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                report.missing.append((name, href))
                continue
            if parts.fragment and target.suffix == ".html":
                known = _ids(target, ids)
                if parts.fragment not in known and unquote(parts.fragment) not in known:
                    report.anchors.append((name, href))
    report.anchors.sort()
    return report
