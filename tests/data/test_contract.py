"""The data contract's declarations (kamlib.data.contract): shapes, columns, references.

How the checks run on real files is tested in tests/data/test_validate.py and
tests/system/test_corpus.py; here the declarations themselves are checked.
"""

from __future__ import annotations

import re

import pytest

from kamlib.data.contract import (
    DECIMAL,
    ISO_DATE,
    ISO_TIMESTAMP,
    RULES,
    TABLE_LIST,
    TABLES,
    VIEW_DATES,
    Column,
    Order,
)


@pytest.mark.parametrize("text, ok", [
    ("2026-03-22", True), ("2026/03/22", False), ("2026-3-22", False),
    ("2026-03-22T00:00", False), ("20260322", False), (" 2026-03-22", False),
])
def test_iso_date_shape(text, ok):
    assert bool(re.match(ISO_DATE, text)) is ok


@pytest.mark.parametrize("text, ok", [
    ("2026-03-22", True), ("2026-03-22T10:15", True), ("2026-03-22 10:15:30", True),
    ("2026-03-22T10:15:30.123456789", True), ("2026-03-22T10:15:30.1234567890", False),
    ("2026-03-22T10:15Z", True), ("2026-03-22T10:15+02:00", True),
    ("2026-03-22T10:15+0200", True), ("2026-03-22T10:15-05", True),
    ("2026-03-22T10:15+14:00", True), ("2026-03-22T10:15+14:30", False),
    ("2026-03-22T10:15+15", False), ("2026-03-22T10", False), ("2026-03-22Z", False),
])
def test_iso_timestamp_shape_and_offsets_within_14_hours(text, ok):
    assert bool(re.match(ISO_TIMESTAMP, text)) is ok


@pytest.mark.parametrize("text, ok", [
    ("-1500", True), ("0.42", True), (".5", True), ("5.", True), ("+3", True),
    ("1.5E+06", True), ("1e-3", True), ("1_000", False), ("1,000", False),
    ("inf", False), ("nan", False), ("", False), ("1e", False), ("--1", False),
])
def test_decimal_shape(text, ok):
    assert bool(re.match(DECIMAL, text)) is ok


def test_column_rejects_an_unknown_kind_and_optional_columns_may_be_empty():
    with pytest.raises(ValueError, match="unknown column kind 'float'"):
        Column("x", "float")
    assert Column("x", "text", required=False).nullable
    assert not Column("x", "text").nullable
    assert Column("c", "enum", values=("a", "b")).expected == "one of a, b"


def test_order_text_names_the_rule():
    assert Order("start_on", "end_on", strict=True).text == "end_on > start_on"
    assert Order("hired_on", "left_on").text == "left_on >= hired_on"


def test_table_methods():
    contracts = TABLES["contracts"]
    assert contracts.required_columns == ["contract_id", "account_id", "start_on", "end_on",
                                          "annual_value"]
    assert contracts.extras(["contract_id", "note", "end_on", "owner"]) == ["note", "owner"]
    assert [(c.name, t, col) for c, t, col in contracts.refs] == [
        ("account_id", "accounts", "account_id"), ("renewal_of", "contracts", "contract_id")]
    with pytest.raises(KeyError, match="contracts has no column 'price'"):
        contracts.column("price")


def test_fifteen_tables_whose_keys_references_and_orders_name_real_columns():
    assert len(TABLE_LIST) == 15 and list(TABLES) == [t.name for t in TABLE_LIST]
    for t in TABLE_LIST:
        names = [c.name for c in t.columns]
        assert len(set(names)) == len(names), t.name
        if t.key:
            assert t.key in names and not t.column(t.key).nullable, t.name
        for c, parent, pcol in t.refs:
            assert TABLES[parent].key == pcol, (t.name, c.name)  # references name a key
            if c.same:
                assert c.same in names and c.same in [x.name for x in TABLES[parent].columns]
        for o in t.orders:
            kinds = {t.column(o.earlier).kind, t.column(o.later).kind}
            assert kinds <= {"date", "timestamp"}, (t.name, o)


def test_view_dates_are_date_columns_of_every_dated_table():
    # every table but accounts (and the targets, which name their period) has a date
    # that decides what a period sees
    assert set(VIEW_DATES) == set(TABLES) - {"accounts", "targets"}
    for table, col in VIEW_DATES.items():
        assert TABLES[table].column(col).kind in {"date", "timestamp"}
        assert TABLES[table].column(col).required, (table, col)


def test_rules_are_listed_in_the_order_rows_are_checked():
    assert list(RULES)[:2] == ["missing_value", "unparseable_value"]
    assert list(RULES)[-1] == "cross_account_reference"
    assert all(text and text == text.strip() for text in RULES.values())
