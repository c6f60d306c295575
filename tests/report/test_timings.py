"""kamlib.report.timings: the wall time of each step of a report run, from its marks.

A hand-made clock gives every mark its time, so each figure is known exactly.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kamlib.report.timings import DONE, EXPORTED, FINISHING, RunTimes, stage_of


def _run(marks: list[tuple[str, int, int, float]]) -> RunTimes:
    """A recorder whose clock reads 0 when it is made, then each mark's time."""
    clock = iter([0.0, *(at for *_, at in marks)]).__next__
    t = RunTimes(clock=clock)
    for msg, i, n, _at in marks:
        t.mark(msg, i, n)
    return t


RUN = [  # a run with two theme pages, two scorecards and four account pages
    ("validating the data", 0, 0, 0.0),
    ("computing the quarter", 0, 0, 2.0),
    ("computing: KPIs", 0, 0, 2.5),
    ("computing: trends", 0, 0, 6.5),
    ("executed team", 1, 4, 9.0),
    ("executed methods", 2, 4, 10.0),
    ("executed kam_scorecard_K1", 3, 4, 10.5),
    ("executed kam_scorecard_K2", 4, 4, 11.5),
    ("exporting HTML", 0, 4, 11.5),
    (EXPORTED + "team", 0, 0, 12.0),
    ("exporting HTML", 1, 4, 12.0),
    (EXPORTED + "methods", 0, 0, 12.5),
    ("exporting HTML", 2, 4, 12.5),
    (EXPORTED + "kam_scorecard_K1", 0, 0, 12.75),
    ("exporting HTML", 3, 4, 12.75),
    (EXPORTED + "kam_scorecard_K2", 0, 0, 13.25),
    ("exporting HTML", 4, 4, 13.25),
    ("writing account pages", 0, 4, 13.25),
    ("writing account pages", 4, 4, 14.25),
    (FINISHING, 0, 0, 14.25),
    (DONE, 0, 0, 15.0),
]


def test_stages_add_up_the_time_between_marks():
    s = _run(RUN).summary()
    # validate 0 -> 2; bundle 2 -> 9 (0.5 + 4 + 2.5); notebooks 9 -> 11.5;
    # html 11.5 -> 13.25; account pages 13.25 -> 14.25; finish 14.25 -> 15
    assert s["stages"] == {"validate": 2.0, "bundle": 7.0, "notebooks": 2.5, "html": 1.75,
                           "account_pages": 1.0, "finish": 0.75}
    assert sum(s["stages"].values()) == s["total_s"] == 15.0
    assert s["bundle_steps"] == {"KPIs": 4.0, "trends": 2.5}


def test_page_counts_and_the_cost_of_one_page():
    s = _run(RUN).summary()
    assert s["counts"] == {"notebooks": 4, "scorecards": 2, "account_pages": 4}
    # scorecard notebooks finished 0.5 s (10 -> 10.5) and 1 s (10.5 -> 11.5) after the
    # notebook before them: mean 0.75; their HTML took 0.25 (12.5 -> 12.75) and 0.5
    # (12.75 -> 13.25): median 0.375; a scorecard page 0.75 + 0.375 = 1.125 s
    p = s["per_page"]
    assert p["scorecard_notebook_s"] == 0.75 and p["scorecard_html_s"] == 0.375
    assert p["scorecard_s"] == 1.125
    assert p["account_page_s"] == 0.25  # 1 s for 4 pages


def test_the_cost_of_a_scorecard_is_the_pace_of_the_run_not_the_typical_gap():
    """Three workers often finish pages close together: 1.2 s for 3 pages is 0.4 s a
    page, although the typical gap between two of them is 0.1 s."""
    s = _run([("validating the data", 0, 0, 0.0), ("executed team", 1, 4, 1.0),
              ("executed kam_scorecard_K1", 2, 4, 1.1), ("executed kam_scorecard_K2", 3, 4, 1.2),
              ("executed kam_scorecard_K3", 4, 4, 2.2), (DONE, 0, 0, 3.0)]).summary()
    assert s["per_page"]["scorecard_notebook_s"] == 0.4


def test_a_run_without_scorecards_or_account_pages_has_no_cost_per_page():
    s = _run([("validating the data", 0, 0, 0.0), ("executed team", 1, 1, 3.0),
              (DONE, 0, 0, 4.0)]).summary()
    assert s["per_page"] == {"scorecard_notebook_s": None, "scorecard_html_s": None,
                             "scorecard_s": None, "account_page_s": None}
    assert s["stages"] == {"validate": 3.0, "notebooks": 1.0}


def test_messages_map_to_stages():
    assert stage_of("quarter 2026Q3: the latest complete quarter") == "validate"
    assert stage_of("computing: backtest") == "bundle"
    assert stage_of(EXPORTED + "kam_scorecard_K1") == "html"
    assert stage_of("printing PDF") == "pdf"
    assert stage_of(FINISHING) == "finish"


def test_write_holds_the_summary_and_every_mark(tmp_path):
    path = _run(RUN).write(tmp_path / "t.json")
    got = json.loads(path.read_text())
    assert got["total_s"] == 15.0 and len(got["events"]) == len(RUN)
    assert got["events"][1] == {"at": 2.0, "step": "computing the quarter", "i": 0, "n": 0}


@given(st.lists(st.tuples(st.sampled_from(["validating the data", "computing: KPIs",
                                           "executed team", "executed kam_scorecard_K1",
                                           "exporting HTML", "writing account pages"]),
                          st.integers(0, 1000)), min_size=1, max_size=30))
def test_stage_times_always_add_up_to_the_run(steps):
    """Whatever the marks, the stages share the run's time between them exactly."""
    at, marks = 0, []
    for msg, gap_ms in steps:
        at += gap_ms
        marks.append((msg, 0, 0, at / 1000))
    marks.append((DONE, 0, 0, at / 1000 + 1))
    s = _run(marks).summary()
    assert abs(sum(s["stages"].values()) - s["total_s"]) < 1e-6
    assert all(v >= 0 for v in s["stages"].values())
