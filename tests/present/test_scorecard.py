"""A manager's scorecard (kamlib.present.scorecard): the name as the title, and each of
the manager's figures against last quarter, a year before and the target, with the
change's arrow coloured only when it is beyond chance."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.present.scorecard import (
    NO_TARGET,
    change_cell,
    scorecard_head,
    scorecard_kpis,
    target_cell,
)

NAN = float("nan")
EVIL = "<script>alert('x')</script> & Co"


def _row(kpi, grain, group, period, value, low, high, n, target=NAN, status=""):
    return {"kpi": kpi, "grain": grain, "group": group, "period": period, "value": value,
            "low": low, "high": high, "n": n, "target": target, "status": status}


def _kpis():
    return pd.DataFrame([
        # upsell: the manager 4 of 20 = 20.0 %, target 15 % (met); company 12 %, target 10 %
        _row("upsell_rate", "kam", "K1", "2026Q3", 0.20, 0.08, 0.42, 20, 0.15, "met"),
        _row("upsell_rate", "company", "all", "2026Q3", 0.12, 0.09, 0.15, 400, 0.10, "met"),
        # churn: the manager 3 of 20 = 15.0 %, no target of theirs
        _row("logo_churn_rate", "kam", "K1", "2026Q3", 0.15, 0.05, 0.36, 20),
        _row("logo_churn_rate", "company", "all", "2026Q3", 0.03, 0.02, 0.05, 400, 0.03,
             "met"),
    ])


def _earlier():
    return pd.DataFrame([
        _row("upsell_rate", "kam", "K1", "2026Q2", 0.10, 0.03, 0.30, 20),
        _row("upsell_rate", "kam", "K1", "2025Q3", 0.25, 0.11, 0.47, 20),
        _row("logo_churn_rate", "kam", "K1", "2026Q2", 0.05, 0.01, 0.24, 20),
        # no churn figure a year before
    ]).drop(columns=["target", "status"])


def _changes():
    # the tests of the What changed section for K1: upsell against last quarter passed
    # (q = 0.03), against a year before it did not (q = 0.60); churn rose beyond chance
    return pd.DataFrame({
        "kpi": ["upsell_rate", "upsell_rate", "logo_churn_rate"],
        "grain": "kam", "group": "K1",
        "versus": ["previous quarter", "a year before", "previous quarter"],
        "passed": [True, False, True], "q_value": [0.03, 0.60, 0.08]})


def _soup(h: str) -> BeautifulSoup:
    """The table's HTML, its no-break spaces (between a number and its unit) as spaces."""
    return BeautifulSoup(h.replace("&nbsp;", " "), "html.parser")


def _cells(h: str) -> dict[str, list]:
    soup = _soup(h)
    out = {}
    for tr in soup.find("tbody").find_all("tr"):
        tds = tr.find_all("td")
        for folded in tds[0].find_all("details"):  # the KPI's definition under its name
            folded.extract()
        out[tds[0].get_text(" ", strip=True)] = tds[1:]
    return out


def test_each_figure_against_last_quarter_a_year_before_and_the_target():
    h = scorecard_kpis(_kpis(), ["upsell_rate", "logo_churn_rate"], "K1", "Greta Berg",
                       earlier=_earlier(), changes=_changes())
    soup = _soup(h)
    heads = [th.get_text(" ", strip=True) for th in soup.find_all("th")]
    assert heads == ["", "Greta Berg", "Company", "KPI", "Value (95 % interval)", "Target",
                     "Last quarter, 2026Q2", "A year before, 2025Q3", "Value (95 % interval)"]
    cells = _cells(h)
    value, target, last, year, company = cells["Upsell rate"]
    # the figure, its interval and, under them, what it rests on
    assert value.get_text(" ", strip=True) == "20.0 % (8.0–42.0 %) 20 accounts"
    # 20.0 - 15.0: met, in green
    assert target.get_text(" ", strip=True) == "15.0 % met"
    assert [x["class"] for x in target.find_all("span")] == [["kam-move", "kam-good"]]
    # 10.0 % -> 20.0 %: +10.0 pp, up, beyond chance and higher is better: green and bold
    move = last.find("span")
    assert last.get_text(" ", strip=True) == "10.0 % ▲ +10.0 pp"
    assert "kam-good" in move["class"] and move.find("strong") is not None
    assert move["title"] == "beyond chance (q = 0.03)"
    # 25.0 % -> 20.0 %: −5.0 pp, down, within chance: grey, not bold
    move = year.find("span")
    assert year.get_text(" ", strip=True) == "25.0 % ▼ −5.0 pp"
    assert "kam-flat" in move["class"] and move.find("strong") is None
    assert move["title"] == "within chance (q = 0.60)"
    assert company.get_text(" ", strip=True) == \
        "12.0 % (9.0–15.0 %) Target 10.0 %: met 400 accounts"


def test_a_rise_of_churn_beyond_chance_is_bad_and_a_missing_year_says_no_data():
    cells = _cells(scorecard_kpis(_kpis(), ["upsell_rate", "logo_churn_rate"], "K1", "Greta",
                                  earlier=_earlier(), changes=_changes()))
    value, target, last, year, *_ = cells["Logo churn (quarter)"]
    assert target.get_text(strip=True) == NO_TARGET
    assert target.find("span")["class"] == ["kam-muted"]
    # 5.0 % -> 15.0 %: +10.0 pp; lower is better, so a rise beyond chance is vermillion
    assert last.get_text(" ", strip=True) == "5.0 % ▲ +10.0 pp"
    assert "kam-bad" in last.find("span")["class"]
    assert year.get_text(strip=True) == "no data" and year.find("span") is None


def test_an_untested_change_is_grey_and_says_so():
    cells = _cells(scorecard_kpis(_kpis(), ["upsell_rate"], "K1", "Greta",
                                  earlier=_earlier(), changes=None))
    _v, _t, last, *_ = cells["Upsell rate"]
    move = last.find("span")
    assert "kam-flat" in move["class"] and move["title"] == "not tested"


def test_without_any_target_of_the_manager_the_column_is_left_out():
    h = scorecard_kpis(_kpis(), ["logo_churn_rate"], "K1", EVIL, earlier=_earlier())
    soup = _soup(h)
    assert "Target" not in [th.get_text(strip=True) for th in soup.find_all("th")]
    assert soup.find("th", class_="kam-group")["colspan"] == "3"  # value, 2 changes
    assert "No target is set for" in h
    assert "<script>" not in h and "&lt;script&gt;" in h


def test_a_figure_from_an_earlier_quarter_is_tagged_and_gets_no_arrow():
    # no survey in 2026Q3: the manager's NPS is that of the 2026Q2 wave (+20, 30 answers)
    kpis = pd.DataFrame([_row("nps", "kam", "K1", "2026Q3", NAN, NAN, NAN, 0),
                         _row("nps", "company", "all", "2026Q3", 5.0, -2.0, 12.0, 300)])
    history = pd.DataFrame([_row("nps", "kam", "K1", "2026Q2", 20.0, -5.0, 45.0, 30)])
    earlier = pd.DataFrame([_row("nps", "kam", "K1", "2026Q2", 20.0, -5.0, 45.0, 30),
                            _row("nps", "kam", "K1", "2025Q3", 0.0, -30.0, 30.0, 25)])
    h = scorecard_kpis(kpis, ["nps"], "K1", "Greta", earlier=earlier, history=history)
    value, last, year, *_ = _cells(h)["Net Promoter Score"]
    assert value.get_text(" ", strip=True) == "+20 (−5 to +45) 2026Q2 wave 30 responses"
    assert last.get_text(strip=True) == "+20" and year.get_text(strip=True) == "0"
    assert last.find("span") is None and year.find("span") is None
    assert "No data in 2026Q3" in h


def test_target_cell_by_hand():
    # NPS 28 against 30 with the interval reaching it: within chance, 30 - 28 = 2 short
    assert target_cell(28.0, 30.0, "within_chance", "nps") == {
        "text": "+30", "status": "within chance (2 short)", "cls": "kam-flat"}


def test_the_head_is_the_name_escaped():
    h = scorecard_head(EVIL, "Account manager scorecard · Team A")
    assert h.startswith('<h1 class="kam-name">&lt;script&gt;')
    assert "Account manager scorecard · Team A" in h


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.sampled_from([True, False, None]),
       st.one_of(st.none(), st.booleans()))
def test_only_a_change_beyond_chance_is_coloured_and_the_arrow_follows_the_sign(
        now, before, hib, passed):
    test = None if passed is None else {"passed": passed, "q_value": 0.05}
    c = change_cell(now, before, "pct", hib, test)
    if c["cls"] != "kam-flat":
        assert passed and hib is not None
        assert (c["cls"] == "kam-good") == ((now > before) == hib)
    if c["change"].startswith("▲"):
        assert now > before
    elif c["change"].startswith("▼"):
        assert now < before
    else:  # rounds to 0.0 pp: no arrow, no colour
        assert abs(now - before) < 0.0005 and c["cls"] == "kam-flat"
    assert c["strong"] == (bool(passed) and c["change"][0] in "▲▼")


def test_each_kpi_is_defined_where_it_appears():
    h = scorecard_kpis(_kpis(), ["upsell_rate"], "K1", "Greta Berg", earlier=_earlier(),
                       changes=_changes())
    folded = _soup(h).find("tbody").find("details", class_="kam-def")
    assert folded.summary.get_text() == "Definition"
    assert "customers at the quarter's start with an upsell invoice" in folded.get_text()


_GROUPS = st.sampled_from(["K1", "K2", "all", "", " K1", None, float("nan"), 1, "K1\u00e9"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["nps", "nrr", "upsell_rate"]),
                          st.sampled_from(["kam", "company", "account", None]), _GROUPS),
                max_size=30),
       st.sampled_from(["K1", "K2", "all", "1"]))
def test_narrowing_keeps_exactly_the_managers_and_the_companys_rows(rows, kam_id):
    # the numpy comparison in manager_rows selects what the pandas definition selects, in order,
    # whatever the groups hold (missing values, numbers, look-alike strings)
    from kamlib.present.scorecard import manager_rows

    f = pd.DataFrame(rows, columns=["kpi", "grain", "group"], dtype=object)
    f.index = [f"r{i}" for i in range(len(f))]
    group = f["group"].astype(str)
    want = f[f["kpi"].isin(["nps", "nrr"]) & (((f["grain"] == "kam") & (group == kam_id))
                                              | ((f["grain"] == "company") & (group == "all")))]
    pd.testing.assert_frame_equal(manager_rows(f, ["nps", "nrr"], kam_id), want)
