"""The bad-input corpus of ``tests/corpus`` (see its README): a valid base data set and
one folder per broken export, each overlaid on a copy of the base.

>>> "orphan_cascade" in case_names()
True
>>> load_expect("orphan_cascade")["kind"]
'quarantine'
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "base"
CASES = CORPUS / "cases"
REMOVE = ".remove"


def load_expect(case: str) -> dict:
    """The parsed ``expect.json`` of a case."""
    return json.loads((CASES / case / "expect.json").read_text(encoding="utf-8"))


def case_names() -> list[str]:
    """Every case folder, sorted."""
    return sorted(p.name for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []


def materialise(case: str | None, dest: Path) -> Path:
    """Copy the base data set to ``dest`` and overlay the case folder on it."""
    shutil.copytree(BASE, dest)
    if case is None:
        return dest
    for f in sorted((CASES / case).iterdir()):
        if f.name == "expect.json":
            continue
        if f.name.endswith(REMOVE):
            (dest / f.name[: -len(REMOVE)]).unlink()
        else:
            shutil.copyfile(f, dest / f.name)
    return dest
