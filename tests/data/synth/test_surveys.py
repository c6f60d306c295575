"""NPS and employee surveys of the synthetic-data generator (kamlib.data.synth.surveys),
with fixed draws worked out by hand."""

from __future__ import annotations

import numpy as np
from synth_builder import FixedRng, book, staff

from kamlib.data.contract import TABLES
from kamlib.data.synth import surveys
from kamlib.data.synth.columns import ids
from kamlib.data.synth.timeline import month_days

MS, ME = month_days(2021, 3)


def test_nps_answers_follow_segment_and_health():
    b = book(owner=[0, 0], health=[0.5, -3.0])
    srv = surveys.Surveys()
    # 1 + round(1.2) = 2 invitations per account; the third invitation is not answered
    # (0.9 > 0.7); the others: "would reference" drawn below logistic((score - 8.5) 1.5),
    # then "not asked" below 0.2
    rng = FixedRng(uniforms=[[0.1, 0.1, 0.9, 0.1], [0.1, 0.5, 0.1], [0.5, 0.1, 0.5]])
    surveys.nps_survey(rng, srv, b, np.array([0, 1]), np.array([ME, ME]), MS)
    r = srv.resp.arrays()
    assert r["account"].tolist() == [0, 0, 1]
    # enterprise mean 7.5 + 1.3 health: 8.15 -> 8 and 3.6 -> 4
    assert r["score"].tolist() == [8, 8, 4]
    # score 8: logistic(-0.75) = 0.32 > 0.1 -> yes; 0.5 -> no, then not asked (0.1 < 0.2)
    assert r["ref"].tolist() == [1, -1, 0]
    assert (r["day"] == MS).all()
    t = surveys.nps_table(srv, ids("A", 2, 5))
    assert t.column_names == [c.name for c in TABLES["nps_responses"].columns]
    assert t["would_reference"].to_pylist() == [True, None, False]
    assert set(t["contact_role"].to_pylist()) == {"executive"}


def test_kams_employed_all_quarter_end_month_answer_with_their_mood():
    s = staff(sat=[7.6, 5.0, 8.0], hired=[0, 0, MS + 3])  # KAM 2 joins during the month
    srv = surveys.Surveys()
    surveys.employee_survey(FixedRng(), srv, s, MS, ME)  # 0.5 < 0.9: all answer
    e = srv.esurv.arrays()
    assert e["kam"].tolist() == [0, 1]
    assert e["score"].tolist() == [8, 5]  # round(7.6), round(5.0)
    # dimensions round(3 + 0.4 (sat - 7)): 3.24 -> 3 and 2.2 -> 2
    assert e["workload"].tolist() == [3, 2] and e["growth"].tolist() == [3, 2]
    t = surveys.employee_table(srv, ids("K", 3, 3))
    assert t.column_names == [c.name for c in TABLES["employee_surveys"].columns]
    assert t["kam_id"].to_pylist() == ["K001", "K002"]
