"""Writing a synthetic data set (kamlib.data.synth.write)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from kamlib.data.contract import TABLE_LIST
from kamlib.data.synth.write import synthesize, write_dataset


def test_csv_files_with_a_header_text_quoted_and_missing_values_empty(tmp_path):
    t = pa.table({"id": ["A1", "A2"], "name": ["Nor, Vex", None], "value": [1.5, 2.0]})
    paths = write_dataset({"zeta": t, "alpha": t.slice(0, 0)}, {"b": 1, "a": [1, 2]}, tmp_path)
    assert [p.name for p in paths] == ["alpha.csv", "zeta.csv", "truth.json"]  # sorted
    assert (tmp_path / "alpha.csv").read_bytes() == b"id,name,value\n"
    # text is quoted (pyarrow's "needed" style), numbers are not, a missing name is empty
    assert (tmp_path / "zeta.csv").read_bytes() == \
        b'id,name,value\n"A1","Nor, Vex",1.5\n"A2",,2\n'
    text = (tmp_path / "truth.json").read_text()
    assert text.endswith("}\n") and text.index('"a"') < text.index('"b"')  # keys sorted
    assert json.loads(text) == {"a": [1, 2], "b": 1}


def test_synthesize_reports_progress_and_refuses_tiny_sets(tmp_path):
    seen = []
    truth = synthesize(tmp_path / "out", accounts=10, seed=2,
                       progress=lambda stage, i, n: seen.append((stage, i, n)))
    assert truth["generator"]["accounts_requested"] == 10
    assert seen[-2:] == [("writing", 0, 1), ("writing", 1, 1)]
    # one file per table of the data contract, targets included
    written = {p.stem for p in (tmp_path / "out").glob("*.csv")}
    assert written == {t.name for t in TABLE_LIST}
    with pytest.raises(ValueError, match="at least 10"):
        synthesize(tmp_path / "tiny", accounts=9)
