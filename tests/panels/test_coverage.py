"""The default quarter: the latest complete quarter the bulk of the activity covers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from kamlib.config import Settings
from kamlib.data.sources import open_source
from kamlib.data.validate import validate
from kamlib.kpis.compute import resolve_quarter
from kamlib.panels import coverage
from kamlib.panels.coverage import activity_end, data_quarters
from kamlib.periods import Quarter

REPO = Path(__file__).resolve().parents[2]


def _days(start: date, n: int, step: int = 1, per_day: int = 1) -> list[date]:
    return [start + timedelta(days=i * step) for i in range(n) for _ in range(per_day)]


def test_a_single_far_future_row_never_moves_the_end():
    dense = _days(date(2024, 1, 1), 1004, per_day=50)  # to 2026-09-30, 50 a day
    assert activity_end(dense).last == date(2026, 9, 30)
    end = activity_end([*dense, date(2062, 3, 1)])
    assert end.last == date(2026, 9, 30) and end.ignored == 1
    assert activity_end([*dense, *[date(2062, 3, 1)] * 20]).last == date(2026, 9, 30)


def test_the_last_days_of_sparse_activity_count():
    """Weekly activity that crosses a quarter's end covers that quarter, and a tiny data
    set keeps its latest rows unless one stands far apart."""
    weekly = _days(date(2025, 1, 3), 40, step=7)  # ... 2025-09-19, 2025-09-26, 2025-10-03
    assert activity_end(weekly).last == weekly[-1]
    assert activity_end([date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)]).last == \
        date(2023, 3, 1)
    assert activity_end([date(2023, 1, 1), date(2023, 2, 1), date(2062, 3, 1)]).last == \
        date(2023, 2, 1)


def test_far_future_rows_do_not_move_the_default_quarter(sample_copy):
    """One NPS response, one invoice and one interaction dated 2062 are valid rows
    (plausible dates, outside every real quarter's view); the default stays 2026Q3."""
    for name, row in (("nps_responses", {"response_id": "R_FUTURE", "responded_on": "2062-03-01"}),
                      ("invoices", {"invoice_id": "I_FUTURE", "issued_on": "2062-03-01"}),
                      ("interactions", {"interaction_id": "E_FUTURE",
                                        "occurred_at": "2062-03-01T10:00:00",
                                        "resolved_at": ""})):
        p = sample_copy / f"{name}.csv"
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        pd.concat([df, df.iloc[[0]].assign(**row)]).to_csv(p, index=False)
    s = Settings()
    with validate(open_source(sample_copy)) as vd:
        assert vd.faults.empty
        assert str(resolve_quarter(vd, None, s)) == "2026Q3"
        first, last = data_quarters(vd, s)
        assert str(last) == "2026Q3" and first <= Quarter("2021Q1", 1)


def test_kpis_without_quarter_say_which_quarter_and_why(tmp_path):
    """``kam kpis`` without --quarter prints the chosen quarter and the reason on stderr."""
    from corpus_cases import materialise

    folder = materialise("far_future_response", tmp_path / "data")
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    r = subprocess.run([sys.executable, "-m", "kamlib", "kpis", "--data", str(folder),
                        "--out", str(tmp_path / "k.csv")], capture_output=True, text=True,
                       env=env, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "quarter 2023Q1 (latest complete quarter of the data:" in r.stderr
    assert "activity runs to 2023-04-04" in r.stderr
    assert "for 2023Q1" in r.stdout


Q = Quarter("2026Q3")


def test_the_activity_end_is_computed_when_asked_and_passed_on(sample_data):
    """No result is kept on the data object: a caller computes the end once and hands
    it to the functions that need it."""
    end = coverage.data_end(sample_data)
    assert not hasattr(sample_data, "memo")
    first, last = coverage.data_quarters(sample_data, Settings(), end)
    assert (first, last) == coverage.data_quarters(sample_data, Settings())
    moved = coverage.ActivityEnd(last=date(2025, 12, 31), bulk=date(2025, 12, 31), ignored=0,
                                 latest=None)
    assert coverage.data_quarters(sample_data, Settings(), moved)[1] == Quarter("2025Q4")
    assert "activity runs to 2025-12-31" in coverage.explain(sample_data, Settings(), end=moved)
    assert coverage.explain(sample_data, Settings(), "2026Q3", end) == \
        coverage.explain(sample_data, Settings(), Q)
    assert pd.Timestamp(coverage.first_interaction(sample_data)) == \
        pd.to_datetime(sample_data.frame("interactions").occurred_at).min()
