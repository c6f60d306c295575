"""Truth recovery over many synthetic data sets: how often the churn model's 95 % intervals
cover the generator's hazard ratios (truth.json), judged against Binomial(m*c, 0.95).

    python bench/truth_coverage.py [--seeds 1-8] [--accounts 400]

The CI test (tests/models/test_survival.py) runs the sample and two small data sets; this
sweep runs more seeds at the sample's size and prints each coefficient's coverage,
the total, and the 0.1 % and 1 % quantiles of Binomial(m*c, 0.95).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from scipy.stats import binom

from kamlib.config import Settings
from kamlib.data.sources import open_source
from kamlib.data.synth import synthesize
from kamlib.data.validate import validate
from kamlib.models import diagnostics, survival
from kamlib.periods import Quarter


def seeds(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-8")
    ap.add_argument("--accounts", type=int, default=400)
    args = ap.parse_args()
    rows = []
    for seed in seeds(args.seeds):
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            truth = synthesize(tmp, accounts=args.accounts, seed=seed)
            with validate(open_source(Path(tmp))) as vd:
                model, panel = survival.fit_churn_model(vd, Quarter("2026Q3", 1), Settings())
            cov = diagnostics.truth_coverage(model, panel, json.loads(json.dumps(truth)))
        cov["seed"] = seed
        rows.append(cov)
        print(f"seed {seed}: {int(cov.covered.sum())}/{len(cov)} covered, "
              f"{int(panel.event.sum())} churns, {time.perf_counter() - t0:.0f} s", flush=True)
    res = pd.concat(rows, ignore_index=True)
    print(res.groupby("coef").covered.agg(["sum", "size"]).to_string())
    n, k = len(res), int(res.covered.sum())
    print(f"covered {k} of {n}; Binomial({n}, 0.95): mean {0.95 * n:.1f}, "
          f"0.1 % quantile {binom.ppf(0.001, n, 0.95):.0f}, 1 % quantile "
          f"{binom.ppf(0.01, n, 0.95):.0f}")


if __name__ == "__main__":
    main()
