"""kamlib.present.targets: the line a card or a table shows under a figure with a target."""

from __future__ import annotations

from kamlib.present.targets import goal


def test_the_target_line_says_met_missed_by_or_within_chance():
    assert goal(31.0, 30.0, "met", "nps") == {"text": "Target +30: met", "cls": "kam-good",
                                               "status": "met"}
    # 5 % against at most 2 %: missed by 3 pp, vermillion
    g = goal(0.05, 0.02, "missed", "pct")
    assert (g["text"], g["cls"]) == ("Target 2.0 %: missed by 3.0 pp", "kam-bad")
    # NPS 28 against 30 within chance: grey, not red
    g = goal(28.0, 30.0, "within_chance", "nps")
    assert (g["text"], g["cls"]) == ("Target +30: within chance (2 short)", "kam-flat")
