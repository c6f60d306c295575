"""Customer objectives: two leading ones whose attainment predicts a lagging one.

Each account gets, every January (or when it becomes a customer), two leading
objectives due at the end of Q2 and Q3 and one lagging objective due at the end
of Q4. The lagging one is met with probability
``logistic(intercept + slope * (mean leading attainment - 1))`` (``OBJECTIVE_LINK``).

>>> rng = np.random.Generator(np.random.PCG64(1))
>>> objs = objective_rows()
>>> set_objectives(rng, objs, np.array([0, 1]), np.zeros(2), 2024)
>>> objs.arrays()["indicator"].tolist()  # leading, leading, lagging per account
[0, 0, 0, 0, 1, 1]
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from kamlib.data.synth.columns import Rows, dates, ids, labels, pick
from kamlib.data.synth.parameters import OBJECTIVE_LINK, logistic
from kamlib.data.synth.timeline import day

__all__ = ["LAGGING", "LEADING", "objective_rows", "objectives_table", "set_objectives"]

# (metric, higher is better, target)
LEADING = (("adoption_rate", True, 0.8), ("active_users", True, 500.0),
           ("training_completion", True, 0.9))
LAGGING = (("cost_savings", True, 1_000_000.0), ("time_to_value_days", False, 60.0),
           ("revenue_uplift", True, 0.05))


def objective_rows() -> Rows:
    """An empty buffer of objectives (``actual`` holds the attainment, a ratio to target)."""
    return Rows("account", "indicator", "metric", "target", "actual", "hib", "due")


def set_objectives(rng: np.random.Generator, objs: Rows, accts: np.ndarray,
                   health: np.ndarray, year: int) -> None:
    """Two leading objectives (due end of Q2 and Q3) and one lagging (due end of Q4)."""
    n = len(accts)
    att = rng.normal(0.95 + 0.1 * health[accts][:, None], 0.15, (n, 2))
    p_met = logistic(OBJECTIVE_LINK["intercept"]
                     + OBJECTIVE_LINK["slope_per_unit_attainment"] * (att.mean(axis=1) - 1))
    met = rng.random(n) < p_met
    lag_att = np.where(met, 1.0 + 0.3 * rng.random(n), 0.6 + 0.39 * rng.random(n))
    lead_metric = rng.integers(0, len(LEADING), (n, 2))
    lag_metric = rng.integers(0, len(LAGGING), n)
    for j, due in enumerate((date(year, 6, 30), date(year, 9, 30))):
        objs.add(account=accts, indicator=np.zeros(n, int), metric=lead_metric[:, j],
                 target=np.zeros(n), actual=att[:, j], hib=np.ones(n, bool),
                 due=np.full(n, day(due)))
    objs.add(account=accts, indicator=np.ones(n, int), metric=lag_metric, target=np.zeros(n),
             actual=lag_att, hib=np.ones(n, bool), due=np.full(n, day(date(year, 12, 31))))


def objectives_table(objs: Rows, d_end: int, acc_ids: pa.Array) -> pa.Table:
    """The objectives table; objectives due after ``d_end`` have no actual yet."""
    o = objs.arrays()
    order = np.lexsort((o["indicator"], o["account"], o["due"]))
    o = {k: x[order] for k, x in o.items()}
    lead = o["indicator"] == 0
    names = np.where(lead, np.array([x[0] for x in LEADING])[np.where(lead, o["metric"], 0)],
                     np.array([x[0] for x in LAGGING])[np.where(lead, 0, o["metric"])])
    hib = np.where(lead, True, np.array([x[1] for x in LAGGING])[np.where(lead, 0, o["metric"])])
    target = np.where(lead, np.array([x[2] for x in LEADING])[np.where(lead, o["metric"], 0)],
                      np.array([x[2] for x in LAGGING])[np.where(lead, 0, o["metric"])])
    actual = np.where(hib, target * o["actual"], target / o["actual"])
    actual = np.round(actual, 4)
    measured = o["due"] <= d_end
    return pa.table({
        "objective_id": ids("O", len(names), 6),
        "account_id": pick(acc_ids, o["account"]),
        "indicator": labels(("leading", "lagging"), o["indicator"].astype(int)),
        "metric": pa.array(names.tolist()),
        "target": pa.array(target),
        "actual": pa.array(actual, mask=~measured),
        "higher_is_better": pa.array(hib.astype(bool)),
        "due_on": dates(o["due"]),
    })
