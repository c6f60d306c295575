"""The order of the generator's steps (kamlib.data.synth.simulate): a whole small
business, reproducible from its seed."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc
import pytest

from kamlib.data.contract import TABLE_LIST
from kamlib.data.synth.parameters import SynthConfig
from kamlib.data.synth.simulate import generate


@pytest.fixture(scope="module")
def small():
    seen = []
    tables, truth = generate(SynthConfig(accounts=20, seed=3),
                             progress=lambda stage, i, n: seen.append((stage, i, n)))
    return tables, truth, seen


def test_every_contract_table_with_its_columns(small):
    tables, _, _ = small
    assert set(tables) == {t.name for t in TABLE_LIST}
    for t in TABLE_LIST:
        assert tables[t.name].column_names == [c.name for c in t.columns], t.name
        if t.key:  # keys are unique
            col = tables[t.name][t.key]
            assert len(pc.unique(col)) == len(col), t.name


def test_progress_is_reported_once_per_quarter(small):
    _, _, seen = small
    # 2021Q1 .. 2026Q3 is 23 quarters
    assert seen == [("simulating", i, 23) for i in range(23)]


def test_the_truth_counts_the_renewal_decisions_of_the_contracts(small):
    tables, truth, _ = small
    c = tables["contracts"].to_pandas()
    end = dict(zip(c.contract_id, c.end_on, strict=True))
    prev_end = c.renewal_of.dropna().map(end)
    obs = truth["churn"]["observed"]
    # a decision that is not a churn is a renewal of a contract ending in the history
    # (the legacy chains before 2021 are renewals without a decision)
    assert obs["decisions"] - obs["churns"] == (prev_end >= date(2021, 1, 1)).sum()
    assert obs["decisions"] > 0


def test_the_same_seed_gives_the_same_tables_and_another_does_not(small):
    tables, _, _ = small
    again, _ = generate(SynthConfig(accounts=20, seed=3))
    other, _ = generate(SynthConfig(accounts=20, seed=4))
    assert all(tables[n].equals(again[n]) for n in tables)
    assert not all(tables[n].equals(other[n]) for n in tables)


# -- the value of referred accounts: a known multiplier, recorded in the truth ------------
def test_referred_accounts_money_is_the_multiplier_times_and_nothing_else_moves(small,
                                                                                monkeypatch):
    import numpy as np

    from kamlib.data.synth import simulate

    tables, truth, _ = small
    assert truth["value"]["referred_multiplier"] == 1.3
    monkeypatch.setattr(simulate, "REFERRED_VALUE", 1.0)
    plain, _ = generate(SynthConfig(accounts=20, seed=3))
    acc = tables["accounts"].to_pandas()
    ref = set(acc.account_id[acc.referred_by.notna() | (acc.acquisition_channel == "referral")])
    assert ref  # seed 3 has referred accounts
    for name, col in (("contracts", "annual_value"), ("invoices", "amount")):
        a, b = tables[name].to_pandas(), plain[name].to_pandas()
        is_ref = a.account_id.isin(ref)
        # referred: 1.3 x the plain value (rounded to cents); the others unchanged
        assert np.allclose(a[col][is_ref], 1.3 * b[col][is_ref], atol=0.02), name
        assert a[col][~is_ref].equals(b[col][~is_ref]), name
    for name in tables:  # every other table is the same
        if name not in ("contracts", "invoices"):
            assert tables[name].equals(plain[name]), name
