"""kamlib.report.paths: ids become safe, distinct file names; every page has one path."""

from __future__ import annotations

import re

from kamlib.report.paths import file_names, page_paths


def test_ids_map_to_safe_distinct_file_names():
    # the odd ids of test_report_safety's render, and a formula
    odd = ["../../../../x", "jane.doe", "Öz Ünal", "a/b", "a_b"]
    ids = [*odd, '=HYPERLINK("http://evil.example","click")', "K001", "k001", "CON",
           "x--0123456789", "", "...", "ü" * 200]
    names = file_names(ids)
    assert set(names) == set(ids)
    assert len({n.lower() for n in names.values()}) == len(ids)  # not even by case
    for i, n in names.items():
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", n), (i, n)
    assert names["a_b"] == "a_b" and names["a/b"] != names["a_b"]
    assert names["jane.doe"].startswith("jane-doe--")
    assert names["Öz Ünal"].startswith("Oz-Unal--")
    assert file_names(["K001"]) == {"K001": "K001"}  # plain ids keep their names
    assert file_names(ids) == names  # stable


def test_page_paths_put_scorecards_and_account_pages_in_their_folders():
    p = page_paths(["K2", "K1"], ["A/1", "A1"])
    assert p[["kind", "id"]].values.tolist() == [
        ["kam", "K1"], ["kam", "K2"], ["account", "A/1"], ["account", "A1"]]
    assert p.href.tolist()[:2] == ["kam/K1.html", "kam/K2.html"]
    assert p.href.iloc[3] == "accounts/A1.html"
    assert re.fullmatch(r"accounts/A-1--[0-9a-f]{10}\.html", p.href.iloc[2])
