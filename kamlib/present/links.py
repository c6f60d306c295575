"""Names that link to their pages: an account's name to its page, a manager's name to
the scorecard.

The report's pages (a frame with ``kind`` ``kam`` or ``account``, ``id`` and ``href``
relative to the quarter's folder, as the bundle's ``pages`` holds it) are set once per
notebook with :func:`use_pages`, with the depth of the page in the quarter's folder (a
theme page is at its top, depth 0; a scorecard one level down, depth 1). A table
(:func:`kamlib.present.tables.table`) then links a cell when its column shows a name
(:data:`NAME_COLUMNS`) and its row carries the id the name belongs to; a row without
an id, or an id without a page, stays plain text. The links are written by the
templates, so names stay escaped.

>>> pages = pd.DataFrame({"kind": ["account", "kam"], "id": ["A1", "K1"],
...                       "href": ["accounts/A1.html", "kam/K1.html"]})
>>> use_pages(pages, depth=1)
>>> href("account", "A1"), href("kam", "K9"), cell_href("kam_name", {"kam_id": "K1"})
('../accounts/A1.html', None, '../kam/K1.html')
>>> use_pages(None)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from kamlib.present.markup import render

__all__ = ["NAME_COLUMNS", "LinkContext", "cell_href", "current", "href", "linked_text",
           "name_pieces", "use_pages"]

#: The columns that show a name, each with the id columns it may link by, in order:
#: ``(id column, kind of page)``. ``name`` is an account's name when the row has an
#: ``account_id``, else a manager's when it has a ``kam_id`` (the scorecards' head).
NAME_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "name": (("account_id", "account"), ("kam_id", "kam")),
    "account_name": (("account_id", "account"),),
    "account": (("account_id", "account"),),
    "kam_name": (("kam_id", "kam"),),
    "manager": (("kam_id", "kam"),),
    "owner": (("kam_id", "kam"),),
    "owner_name": (("kam_id", "kam"),),
}


@dataclass(frozen=True)
class LinkContext:
    """The pages a page links to, by (kind, id), and how deep the page sits."""

    hrefs: Mapping[tuple[str, str], str] = field(default_factory=dict)
    depth: int = 0

    def href(self, kind: str, key: Any) -> str | None:
        """The link from this page to the page of ``key`` of ``kind``; None without one."""
        if key is None or (pd.api.types.is_scalar(key) and pd.isna(key)):
            return None
        target = self.hrefs.get((kind, str(key)))
        return None if target is None else "../" * self.depth + target


_CONTEXT = LinkContext()


def use_pages(pages: pd.DataFrame | None, depth: int = 0) -> None:
    """Link names to ``pages`` (columns ``kind``, ``id``, ``href``) from a page ``depth``
    folders below the quarter's folder; None links nothing.

    >>> use_pages(pd.DataFrame({"kind": ["kam"], "id": ["K1"], "href": ["kam/K1.html"]}))
    >>> href("kam", "K1")
    'kam/K1.html'
    >>> use_pages(None); href("kam", "K1") is None
    True
    """
    global _CONTEXT
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    if pages is None or len(pages) == 0:
        _CONTEXT = LinkContext(depth=depth)
        return
    hrefs = {(str(k), str(i)): str(h) for k, i, h in
             zip(pages["kind"], pages["id"], pages["href"], strict=True)}
    _CONTEXT = LinkContext(hrefs, depth)


def current() -> LinkContext:
    """The link context set by the last :func:`use_pages`."""
    return _CONTEXT


def href(kind: str, key: Any) -> str | None:
    """The link to the page of ``key`` (``kind`` ``kam`` or ``account``), relative to
    the page being written; None when there is no such page."""
    return _CONTEXT.href(kind, key)


def cell_href(column: Any, row: Mapping[str, Any]) -> str | None:
    """The link of the cell of ``column`` in ``row``: the page of the id the row carries
    for the name the column shows (:data:`NAME_COLUMNS`); None otherwise.

    >>> use_pages(pd.DataFrame({"kind": ["account", "kam"], "id": ["A1", "K1"],
    ...                         "href": ["accounts/A1.html", "kam/K1.html"]}))
    >>> cell_href("name", {"account_id": "A1", "kam_id": "K1"}), cell_href("name", {"kam_id": "K1"})
    ('accounts/A1.html', 'kam/K1.html')
    >>> cell_href("segment", {"account_id": "A1"})
    >>> cell_href("name", {"account_id": None, "kam_id": "K1"}) is None  # not the manager's
    True
    >>> use_pages(None)
    """
    if not isinstance(column, str) or not _CONTEXT.hrefs:
        return None
    for id_column, kind in NAME_COLUMNS.get(column, ()):
        if id_column in row:  # the row's own id decides, even when it is missing
            return href(kind, row[id_column])
    return None


def _absent(x: Any) -> bool:
    return x is None or x == "" or (pd.api.types.is_scalar(x) and pd.isna(x))


def name_pieces(ids: Any, names: Any, kind: str, sep: str = "; ") -> list[dict[str, Any]]:
    """``names`` (text joined by ``sep``, or a list) as pieces of text, each linking to
    the page of its id in ``ids`` (joined or listed the same way) when there is one.
    When the two do not pair up (a name holding ``sep``), the names stay one plain
    piece.

    >>> use_pages(pd.DataFrame({"kind": ["kam"], "id": ["K1"], "href": ["kam/K1.html"]}))
    >>> [p["href"] for p in name_pieces("K1; K2", "Kira; Ole", "kam")]
    ['kam/K1.html', None, None]
    >>> name_pieces("K1", "Kira; Ole", "kam")
    [{'text': 'Kira; Ole', 'href': None}]
    >>> use_pages(None)
    """
    if _absent(names) if not isinstance(names, list) else not names:
        return []
    names_ = names if isinstance(names, list) else str(names).split(sep)
    ids_ = ids if isinstance(ids, list) else [] if _absent(ids) else str(ids).split(sep)
    if len(ids_) != len(names_):
        return [{"text": sep.join(map(str, names_)), "href": None}]
    out: list[dict[str, Any]] = []
    for i, (key, name) in enumerate(zip(ids_, names_, strict=True)):
        if i:
            out.append({"text": sep, "href": None})
        out.append({"text": str(name), "href": href(kind, key)})
    return out


def linked_text(pieces: list[Any]) -> Markup:
    """Pieces of text (plain strings or dicts with ``text`` and ``href``) as markup, each
    piece with an ``href`` a link; the text is escaped and keeps numbers with their
    units (``25&nbsp;%``).

    >>> print(linked_text(["At risk: ", {"text": "<A>", "href": "accounts/A.html"}, " 5 %"]))
    At risk: <a href="accounts/A.html">&lt;A&gt;</a> 5&nbsp;%
    """
    items = [p if isinstance(p, dict) else {"text": p, "href": None} for p in pieces]
    return Markup(render("present/linked.html.j2", pieces=items))
