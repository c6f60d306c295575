"""The synthetic acquisition costs (kamlib.data.synth.costs): drawn from a recorded truth,
from a stream of their own, and valid."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.data.synth import SynthConfig, costs, generate


def test_the_truth_is_recorded(truth):
    t = truth["acquisition_costs"]
    assert t["cost_per_won_account"] == costs.COST_PER_WON
    assert t["accounts_with_costs"] > 50


def test_costs_are_rows_of_the_contract(sample_dir):
    f = pd.read_csv(sample_dir / "acquisition_costs.csv")
    assert f.cost_id.is_unique and (f.amount >= 0).all()
    assert set(f.channel) <= set(costs.COST_PER_WON)
    assert 0 < f.kam_id.notna().mean() < 1  # part of the rows name a KAM


def test_mean_cost_per_account_won_is_near_its_truth(sample_dir):
    """Over the whole history every account won through a channel has its costs: the mean
    per channel is near the true mean (Gamma shape 4: a relative sd of 0.5 / sqrt(n))."""
    f = pd.read_csv(sample_dir / "acquisition_costs.csv", parse_dates=["incurred_on"])
    c = pd.read_csv(sample_dir / "contracts.csv", parse_dates=["start_on"])
    a = pd.read_csv(sample_dir / "accounts.csv").set_index("account_id")
    first = c.groupby("account_id").start_on.min()
    won = first[first >= "2021-01-01"]
    n = a.loc[won.index].acquisition_channel.value_counts()
    mean = f.groupby("channel").amount.sum() / n
    for ch, true in costs.COST_PER_WON.items():
        if n.get(ch, 0) >= 8:
            assert mean[ch] == pytest.approx(true, rel=4 * 0.5 / n[ch] ** 0.5), ch


def test_costs_leave_every_other_table_unchanged(monkeypatch):
    cfg = SynthConfig(accounts=30, seed=3)
    a, _ = generate(cfg)
    monkeypatch.setattr(costs, "STREAM", costs.STREAM + 1)
    monkeypatch.setattr("kamlib.data.synth.simulate.acquisition_costs", costs.acquisition_costs)
    b, _ = generate(cfg)
    assert set(a) == set(b) and "acquisition_costs" in a
    for name in a:
        if name != "acquisition_costs":
            assert a[name].equals(b[name]), name
    assert not a["acquisition_costs"].equals(b["acquisition_costs"])  # its own stream
