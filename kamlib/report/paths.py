"""Where each page of a quarter's report lives, and how an id becomes a file name.

A quarter's folder holds the theme pages at its top, one scorecard per account
manager in ``kam/`` and one page per current account in ``accounts/``. Ids are
data, so they become file names only through :func:`file_names`, and every link to
a scorecard or an account page comes from :func:`page_paths`.

>>> page_paths(["K1"], ["A 1"])[["kind", "id", "href"]].values.tolist()[0]
['kam', 'K1', 'kam/K1.html']
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from kamlib.errors import ReportError

__all__ = ["ACCOUNT_DIR", "SCORECARD_DIR", "file_names", "page_paths"]

#: the folders of a quarter's scorecards and account pages
SCORECARD_DIR = "kam"
ACCOUNT_DIR = "accounts"

_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_HASHED = re.compile(r".*--[0-9a-f]{10}")
_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])", re.I)  # device names on Windows


def _hashed_name(key: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-")[:32].strip("-") or "page"
    return f"{slug}--{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def file_names(ids: Iterable[str]) -> dict[str, str]:
    """The file name (without suffix) of each id's page (a KAM's scorecard, an
    account's page).

    Ids are data, so they never become paths as they are. An id made of ASCII letters,
    digits, ``_`` and ``-`` keeps its name; any other id gets a slug of its letters and
    digits and a hash of the whole id (``jane.doe`` -> ``jane-doe--<hash>``), so
    ``a/b`` and ``a_b`` never meet. Names are distinct even ignoring case, match
    ``[A-Za-z0-9][A-Za-z0-9_-]*`` and are at most 64 characters long.

    >>> file_names(["K001", "a/b", "a_b"])["a_b"], file_names(["a/b"])["a/b"][:5]
    ('a_b', 'a-b--')
    """
    keys = sorted(set(ids))
    names = {k: k if (_PLAIN_ID.fullmatch(k) and not _HASHED.fullmatch(k)
                      and not _RESERVED.fullmatch(k)) else _hashed_name(k) for k in keys}
    folded: dict[str, list[str]] = {}
    for k, n in names.items():
        folded.setdefault(n.lower(), []).append(k)
    for group in folded.values():
        if len(group) > 1:  # e.g. K001 and k001 on a case-insensitive disk
            for k in group:
                names[k] = _hashed_name(k)
    if len({n.lower() for n in names.values()}) != len(names):  # pragma: no cover - 40-bit clash
        raise ReportError("two ids map to the same file name")
    return names


def page_paths(kam_ids: Iterable[str], account_ids: Iterable[str]) -> pd.DataFrame:
    """The page of each account manager (scorecard) and each account, relative to the
    quarter's folder: columns ``kind`` (``kam`` or ``account``), ``id`` and ``href``.

    Examples
    --------
    >>> p = page_paths(["K1", "a/b"], ["A1"])
    >>> p.href.tolist()[1:]
    ['kam/a-b--c14cddc033.html', 'accounts/A1.html']
    """
    rows = []
    for kind, folder, ids in (("kam", SCORECARD_DIR, kam_ids),
                              ("account", ACCOUNT_DIR, account_ids)):
        for key, stem in sorted(file_names(ids).items()):
            rows.append((kind, key, f"{folder}/{stem}.html"))
    return pd.DataFrame(rows, columns=["kind", "id", "href"])
