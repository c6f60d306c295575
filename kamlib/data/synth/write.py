"""Writing a data set: one CSV per table and ``truth.json``, byte for byte reproducible.

>>> import tempfile
>>> import pyarrow as pa
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_dataset({"t": pa.table({"x": [1, 2]})}, {"a": 1}, folder)]
['t.csv', 'truth.json']
>>> (Path(folder) / "t.csv").read_text()
'x\\n1\\n2\\n'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from kamlib.data.synth.parameters import DEFAULT_SEED, SynthConfig
from kamlib.data.synth.simulate import generate

__all__ = ["synthesize", "write_dataset"]


def write_dataset(tables: dict[str, pa.Table], truth: dict, out: str | Path) -> list[Path]:
    """Write each table as ``<name>.csv`` and ``truth.json`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed", batch_size=65536)
    written = []
    for name in sorted(tables):
        p = out / f"{name}.csv"
        with open(p, "wb") as fh:
            fh.write((",".join(tables[name].column_names) + "\n").encode())
            pacsv.write_csv(tables[name], fh, opts)
        written.append(p)
    p = out / "truth.json"
    p.write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(p)
    return written


def synthesize(out: str | Path, accounts: int = 400, seed: int = DEFAULT_SEED,
               progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Generate a data set into ``out`` and return its truth.

    >>> import tempfile
    >>> truth = synthesize(tempfile.mkdtemp(), accounts=30, seed=3)
    >>> truth["generator"]["default_quarter"]
    '2026Q3'
    """
    if accounts < 10:
        raise ValueError("accounts must be at least 10")
    tables, truth = generate(SynthConfig(accounts=accounts, seed=seed), progress)
    if progress:
        progress("writing", 0, 1)
    write_dataset(tables, truth, out)
    if progress:
        progress("writing", 1, 1)
    return truth
