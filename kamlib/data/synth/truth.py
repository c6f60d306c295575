"""``truth.json``: every parameter of the simulation a model could be asked to recover.

Every true effect is defined on a quantity the exported data itself shows (see
``truth["churn"]["covariates"]``), so a model fitted on the tables can recover it
fairly.

>>> round(expected_score(7.0, 1e-9), 6)  # no noise: every answer is the mean
7.0
>>> 5.0 < expected_score(7.5, 3.0) < 7.5  # clipping at 10 pulls a noisy mean down
True
"""

from __future__ import annotations

import math

import numpy as np

from kamlib import __version__
from kamlib.data.synth.parameters import (
    BASE_CHURN,
    HAZARD_RATIOS,
    OBJECTIVE_LINK,
    REFERRED_VALUE,
    SEASON,
    SEGMENT,
    SEGMENTS,
    TOUCH_PEAK,
    TOUCH_PEAK_P,
    SynthConfig,
)
from kamlib.periods import Quarter

__all__ = ["expected_score", "truth"]


def expected_score(mu: float, sd: float) -> float:
    """E[clip(round(N(mu, sd)), 0, 10)], the mean NPS answer a segment should show."""
    from scipy.stats import norm

    k = np.arange(11)
    lo = np.where(k == 0, -np.inf, k - 0.5)
    hi = np.where(k == 10, np.inf, k + 0.5)
    p = norm.cdf(hi, mu, sd) - norm.cdf(lo, mu, sd)
    return float((k * p).sum())


def truth(cfg: SynthConfig, peak_curve: dict, dec: dict) -> dict:
    """The truth of a data set: its generator, the true parameters and what was observed."""

    h_sd = math.sqrt(0.6**2 + 0.3**2 / (1 - 0.9**2))
    score_sd = math.sqrt((1.3 * h_sd) ** 2 + 1.3**2)
    n_dec = len(dec["churn"])
    return {
        "generator": {"kamlib_version": __version__, "accounts_requested": cfg.accounts,
                      "seed": cfg.seed, "history_start": cfg.start.isoformat(),
                      "history_end": cfg.end.isoformat(),
                      "default_quarter": str(Quarter.containing(cfg.end, 1)),
                      "kams_active": cfg.n_kams, "teams": cfg.n_teams},
        "grace_days": 30,
        "churn": {
            "model": ("At each contract end the account churns with probability "
                      "1 - exp(-exp(log(-log(1 - p0[k])) + log(HR_segment) "
                      "+ sum_j log(HR_j) * (x_j - ref_j) / unit_j)), a grouped proportional-"
                      "hazards model: the hazard ratios are Cox hazard ratios."),
            "decision_time": "the contract's end_on; a renewal continues the spell",
            "baseline_churn_probability_by_decision": list(BASE_CHURN),
            "baseline_note": ("p0[k] for the k-th renewal decision of a spell (k = 0 is the "
                              "first contract's end; the last value applies to later ones)"),
            "hazard_ratios": {
                **{k: {"hr": hr, "unit": unit, "reference": ref}
                   for k, (hr, unit, ref) in HAZARD_RATIOS.items()},
                "segment": {"reference": "enterprise",
                            **{s: SEGMENT[s]["hr"] for s in SEGMENTS}},
            },
            "covariates": {
                "measured_on": ("the fiscal quarter before the quarter holding the contract's "
                                "end_on (Q below); decisions before 2021-04-01 use the "
                                "reference values"),
                "recent_nps": ("mean score of the account's nps_responses with responded_on "
                               "in the four quarters ending with Q; the reference value "
                               "when there is none"),
                "max_gap_days": ("longest stretch in days within Q between consecutive "
                                 "interaction dates of the account, starting from its last "
                                 "interaction before Q (or from the later of Q's start and the "
                                 "spell start) and ending at Q's last day"),
                "kam_satisfaction": ("mean score of the employee_surveys of the account's "
                                     "owner at the end of Q, over the four quarters ending "
                                     "with Q; the reference value when there is none"),
            },
            "observed": {"decisions": n_dec, "churns": int(dec["churn"].sum()),
                         "churn_share": round(float(dec["churn"].mean()), 4) if n_dec else None},
            "winback_probability": 0.08,
        },
        "segments": {
            s: {"share": SEGMENT[s]["share"], "median_annual_value": SEGMENT[s]["value"],
                "gross_margin_rate": SEGMENT[s]["margin"],
                "nps_mean_score_expected": round(expected_score(SEGMENT[s]["nps_mu"],
                                                                 score_sd), 3),
                "interactions_per_month_median": SEGMENT[s]["rate"],
                "churn_hazard_ratio": SEGMENT[s]["hr"]}
            for s in SEGMENTS
        },
        "acquisition": {
            "model": ("a prospect converts with probability 1 / (1 + exp(-(a + b n - c n^2))) "
                      "where n is the number of its touches in its own channel; the peak "
                      "is at n = b / (2 c)"),
            "conversion_within_days": 180,
            "touch_curve": {ch: {"peak_touches": TOUCH_PEAK[ch],
                                 "peak_probability": TOUCH_PEAK_P[ch],
                                 "a": round(a, 6), "b": round(b, 6), "c": c}
                            for ch, (a, b, c) in peak_curve.items()},
        },
        "objectives": {
            "model": ("a lagging objective is met with probability "
                      "1 / (1 + exp(-(intercept + slope * (mean leading attainment - 1)))) "
                      "where the mean is over the account's two leading objectives of the "
                      "same year"),
            **OBJECTIVE_LINK,
        },
        "expansion": {
            "upsell_monthly_probability": "1 / (1 + exp(-(-4.0 + 0.9 * health)))",
            "cross_sell_monthly_probability": "1 / (1 + exp(-(-4.6 + 0.9 * health)))",
            "note": "health is latent; recent NPS is its observable proxy",
        },
        "value": {
            "model": ("every contract value and invoice of an account the accounts table shows "
                      "as referred (referred_by set, or acquisition_channel referral) is "
                      "referred_multiplier times what it would otherwise be; nothing else "
                      "about the account changes, so its margin, and its lifetime value at "
                      "equal churn risk, are that many times those of a like account"),
            "referred_multiplier": REFERRED_VALUE,
        },
        "interactions": {"seasonality_by_month": SEASON.tolist(),
                         "neglect_rate_multiplier": 0.04},
    }
