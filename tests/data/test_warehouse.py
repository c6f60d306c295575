"""Loading a contract folder into PostgreSQL (kamlib.data.warehouse): the SQL it writes
and what it refuses before connecting.

The loads themselves, against a real server, are in tests/system/test_postgres.py.
"""

from __future__ import annotations

import pytest

from kamlib.data.contract import TABLES
from kamlib.data.warehouse import column_type, constraints, ddl, load_db, q, target_schema
from kamlib.errors import SourceError


@pytest.mark.parametrize("column, pg", [
    (("contracts", "contract_id"), "text"), (("contracts", "start_on"), "date"),
    (("contracts", "annual_value"), "double precision"),
    (("interactions", "occurred_at"), "timestamp"), (("interactions", "is_request"), "boolean"),
    (("nps_responses", "score"), "bigint"), (("interactions", "direction"), "text"),
])
def test_column_types(column, pg):
    table, name = column
    assert column_type(TABLES[table].column(name)) == pg


def test_identifiers_are_quoted_with_inner_quotes_doubled():
    assert q("accounts") == '"accounts"'
    assert q('a"b') == '"a""b"'


def test_ddl_has_the_columns_present_extras_as_text_and_the_key():
    sql = ddl(TABLES["mentions"], ["mention_id", "occurred_on", "source", "sentiment"],
              ["note"], "crm")
    # account_id was not in the folder: absent; the optional column is nullable
    assert sql == ('CREATE TABLE "crm"."mentions" (\n'
                   '  "mention_id" text NOT NULL,\n'
                   '  "occurred_on" date NOT NULL,\n'
                   '  "source" text NOT NULL,\n'
                   '  "sentiment" double precision NOT NULL,\n'
                   '  "note" text,\n'
                   '  PRIMARY KEY ("mention_id")\n'
                   ')')


def test_constraints_link_loaded_tables_and_index_references_and_view_dates():
    present = {"contracts": ["contract_id", "account_id", "start_on", "end_on", "annual_value",
                             "renewal_of"],
               "accounts": ["account_id", "name", "kam_id", "segment"]}
    sql = constraints(TABLES["contracts"], present, "crm")
    # account_id references a loaded table: a foreign key; renewal_of refers to the same
    # table: an index only; start_on decides the view: an index; sorted by column name
    assert sql == [
        'ALTER TABLE "crm"."contracts" ADD CONSTRAINT "contracts_account_id_fkey" '
        'FOREIGN KEY ("account_id") REFERENCES "crm"."accounts" ("account_id")',
        'CREATE INDEX "contracts_account_id_idx" ON "crm"."contracts" ("account_id")',
        'CREATE INDEX "contracts_renewal_of_idx" ON "crm"."contracts" ("renewal_of")',
        'CREATE INDEX "contracts_start_on_idx" ON "crm"."contracts" ("start_on")',
    ]


def test_no_foreign_key_to_a_table_that_was_not_loaded():
    present = {"mentions": ["mention_id", "account_id", "occurred_on", "source", "sentiment"]}
    sql = constraints(TABLES["mentions"], present, "public")
    assert not any("FOREIGN KEY" in s for s in sql)
    assert sql == [
        'CREATE INDEX "mentions_account_id_idx" ON "public"."mentions" ("account_id")',
        'CREATE INDEX "mentions_occurred_on_idx" ON "public"."mentions" ("occurred_on")',
    ]


def test_target_schema_defaults_to_public():
    assert target_schema("postgresql://kam@localhost/crm") == "public"
    assert target_schema("postgresql://kam@localhost/crm?schema=kam_q3") == "kam_q3"


def test_load_db_refuses_other_engines_and_urls_as_input_before_connecting():
    with pytest.raises(SourceError, match="writes to PostgreSQL .* not duckdb://"):
        load_db("data/sample", "duckdb:///x.duckdb")
    with pytest.raises(SourceError, match="reads a folder of contract files") as exc:
        load_db("postgresql://kam:S3cr3t@127.0.0.1:1/crm", "postgresql://kam@127.0.0.1:1/crm")
    assert "S3cr3t" not in str(exc.value)  # the source is named with its password masked
