"""The most valuable accounts and what marks them (kamlib.report.value_marks): the ranked
list on a hand-made bundle, the regression's frame and words, a bundle without a churn
model, and the recovery of the sample data's known effect on three seeds (slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bundle_builder import small_bundle

from kamlib.report.bundle import Bundle
from kamlib.report.value_marks import (
    KAM_TOP,
    TOP_ACCOUNTS,
    ValueFactorFacts,
    effect_sentence,
    factor_frame,
    most_valuable,
    referred_context,
    value_results,
)

VIEW = pd.DataFrame({
    "account_id": ["a", "b", "c", "d"], "name": ["Acme", "Bolt", "Cleo", "Dune"],
    "segment": ["key", "mid", "key", "mid"], "kam_id": ["K1", "K1", "K2", "K2"],
    "kam_name": ["Kira", "Kira", "Ole", "Ole"], "clv": [500.0, 900.0, 900.0, np.nan],
    "clv_low": [400.0, 700.0, 800.0, np.nan], "clv_high": [650.0, 1100.0, 990.0, np.nan],
    "churn_next_year": [0.1, 0.3, 0.2, 0.5]})
CLV = pd.DataFrame({"account_id": ["a", "b", "c"], "clv": [500.0, 900.0, 900.0],
                    "margin": [120.0, 300.0, 250.0], "tenure": [3652.5, 365.25, 730.5],
                    "segment": ["key", "mid", "key"], "kam_id": ["K1", "K1", "K2"]})


def test_most_valuable_ranks_by_clv_with_margin_tenure_and_owner():
    top = most_valuable(VIEW, CLV)
    # d has no CLV; b and c tie at 900 and are ordered by account id
    assert top.account_id.tolist() == ["b", "c", "a"]
    assert top["rank"].tolist() == [1, 2, 3]
    # tenure: 365.25 days = 1 year, 730.5 = 2, 3652.5 = 10
    assert top.tenure_years.tolist() == pytest.approx([1.0, 2.0, 10.0])
    assert top.margin.tolist() == [300.0, 250.0, 120.0]
    assert top[["kam_id", "kam_name"]].values.tolist()[0] == ["K1", "Kira"]
    assert top[["clv_low", "clv_high"]].values.tolist()[0] == [700.0, 1100.0]
    # a manager's own list keeps the company's ranks
    b = small_bundle(most_valuable=top)
    assert b.rows("most_valuable", kam_id="K2")["rank"].tolist() == [2]
    assert TOP_ACCOUNTS == 20 and KAM_TOP == 5


def test_without_a_churn_model_the_list_is_empty_and_the_facts_say_why():
    b = small_bundle()  # no churn model: clv is None
    out = value_results(b, VIEW.assign(clv=np.nan))
    assert len(out["most_valuable"]) == 0 and "rank" in out["most_valuable"]
    assert len(out["value_factors"]) == 0
    assert out["value_factor_facts"].error


def test_factor_frame_derives_referred_channel_and_tenure_band():
    attrs = pd.DataFrame({"account_id": ["a", "b", "c"], "industry": ["x", "y", None],
                          "acquisition_channel": [None, "referral", "event"],
                          "referred_by": ["c", None, None]})
    f = factor_frame(CLV, attrs)
    assert f.referred.tolist() == [True, True, False]  # a: referrer named; b: the channel
    assert f.channel.tolist()[1:] == ["referral", "event"]
    assert f.tenure_band.tolist() == ["6 years or more", "1–3 years", "1–3 years"]
    assert "referred_by" not in f and "tenure" not in f


def test_referred_context_counts_recent_and_top_segment_shares():
    # referred: a (under 1 year, strategic), b (1–3 years, key); others: c (6+, strategic),
    # d (3–6, key), e (6+, key). Recent: 2 of 2 referred = 100 %, 0 of 3 others = 0 %.
    # Strategic has the highest mean CLV (500 vs 100): 1 of 2 = 50 %, 1 of 3 = 33 %.
    f = pd.DataFrame({"referred": [True, True, False, False, False],
                      "tenure_band": ["under 1 year", "1–3 years", "6 years or more",
                                      "3–6 years", "6 years or more"],
                      "segment": ["strategic", "key", "strategic", "key", "key"],
                      "clv": [500.0, 100.0, 500.0, 100.0, 100.0]})
    assert referred_context(f) == (
        "Of the referred accounts, 100 % have been customers for under 3 years (of the "
        "others 0 %) and 50 % are strategic (of the others 33 %).")
    assert referred_context(f.assign(referred=False)) == ""


def test_effect_sentence_of_another_attribute():
    s = effect_sentence({"attribute": "segment", "attribute_label": "Segment",
                         "level": "strategic", "baseline": "enterprise", "ratio": 4.1,
                         "low": 3.3, "high": 5.1, "raw_ratio": 3.84})
    assert s == ("Accounts with segment strategic are worth 4.10× (3.30×–5.10×) those with "
                 "segment enterprise, other things equal (raw averages: 3.84×).")


def test_the_facts_survive_a_save_and_load(tmp_path):
    facts = ValueFactorFacts(accounts=10, zero=1, r2=0.5, findings=["x"], referred_context="y")
    small_bundle(value_factor_facts=facts).save(tmp_path)
    assert Bundle.load(tmp_path).value_factor_facts == facts


# -- the known effect of the sample data, recovered ---------------------------------------
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """Per seed: the truth's multiplier of referred accounts and the model's row for them
    (400 accounts each: about 220 current ones, 20–30 of them referred)."""
    import json

    import kamlib
    from kamlib.data.synth import synthesize
    from kamlib.kpis.compute import KpiPeriod
    from kamlib.kpis.lifetime import fit_survival
    from kamlib.models.value_factors import value_factors
    from kamlib.report.value_marks import account_attributes

    out = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"synth{seed}")
        synthesize(folder, accounts=400, seed=seed)
        truth = json.loads((folder / "truth.json").read_text())
        s = kamlib.Settings()
        with kamlib.validate(kamlib.open_source(folder), settings=s) as data:
            q = kamlib.resolve_quarter(data, None, s)
            fit = fit_survival(KpiPeriod(data, q, s))
            effects = value_factors(factor_frame(fit.clv, account_attributes(data))).effects
        row = effects[(effects.attribute == "referred") & (effects.level == "yes")].iloc[0]
        out[seed] = (truth["value"]["referred_multiplier"], row)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_referred_multiplier_lies_in_its_interval(recovered, seed):
    truth, row = recovered[seed]
    # seeds 1, 2, 3 gave 1.46 (0.99–2.14), 1.11 (0.68–1.83), 1.47 (0.95–2.26) against 1.3
    assert truth == 1.3
    assert row.low <= truth <= row.high, (row.ratio, row.low, row.high)
    assert row.baseline == "no" and row.n >= 15
