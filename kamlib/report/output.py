"""Writing what kamlib hands over: CSV files meant for spreadsheets, output paths.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (CSV injection). Every CSV that kamlib writes for
people to open (``kpis.csv``, the quarantined rows) goes through
:func:`write_csv`, which prefixes such text cells with ``'``. Numbers stay numbers:
a numeric column is never touched, and neither is a text cell that is a plain
number such as ``-0.5``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kamlib.errors import OutputError

__all__ = ["RISKY_START", "check_target", "neutralise", "neutralised", "write_csv", "write_quarantine", "write_text"]

RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


if TYPE_CHECKING:
    import pandas as pd


def neutralise(cell):
    """A text cell that a spreadsheet would run, made inert with a leading ``'``.

    >>> neutralise("=1+2"), neutralise("-0.5"), neutralise(-0.5), neutralise("a=b")
    ("'=1+2", '-0.5', -0.5, 'a=b')
    """
    if isinstance(cell, str) and cell.startswith(RISKY_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell neutralised (a copy; numeric columns untouched)."""
    import pandas as pd

    text = [c for c in df.columns
            if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])]
    if not text:
        return df
    out = df.copy()
    for c in text:
        out[c] = out[c].map(neutralise, na_action="ignore")
    return out


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_target(path: str | os.PathLike) -> Path:
    """Fail at once (exit 2) when a file cannot be written at ``path``.

    The parent folder is created; for a new or regular file a throwaway file is
    created beside it. Devices such as ``/dev/stdout`` are written as they are.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if path.exists() and not path.is_file():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_why(exc)}") from None
    return path


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed into
    place; devices are written directly). Raises :class:`OutputError` (exit 1)."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"could not write {path}: {_why(exc)}", exit_code=1,
                          reason=_why(exc)) from None


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:  # read once: setting it back and forth races with other threads
        mask = os.umask(0o022)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as a CSV for spreadsheets: neutralised, no index, ``\\n`` lines."""
    write_text(path, neutralised(df).to_csv(index=False, lineterminator="\n"))
    return Path(path)


def write_quarantine(vd, folder: str | os.PathLike) -> list[Path]:
    """One CSV per table with quarantined rows (:meth:`ValidatedData.quarantine`),
    written with :func:`write_csv`; returns the paths."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {folder}: {_why(exc)}") from None
    tables = vd.faults["table"].unique() if len(vd.faults) else []
    return [write_csv(vd.quarantine(name), folder / f"{name}.csv") for name in tables]
