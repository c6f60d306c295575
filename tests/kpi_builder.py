"""Tiny hand-made data sets for the KPI tests.

A :class:`DataSet` collects rows of the contract tables as plain dicts and writes
them as one CSV per table. Each test states only what matters (a few accounts,
their contracts, a few interactions); everything else is filled with minimal
valid rows:

* a KAM or an account that a row refers to is created on the fly (KAM ``K1``,
  segment ``s1`` unless said otherwise);
* the required event tables (invoices, interactions, nps_responses, prospects,
  prospect_touches) may stay empty: they are written with a header only;
* ``contracts`` must have rows; if a test gives none, one contract of a filler
  account that churned long ago (``ZZ_FILL``, 2000) is written;
* optional tables (assignments, mentions, objectives, sla_checks,
  employee_surveys) are left out when they have no rows, unless asked for;
* optional columns are written empty unless a row sets them; ``drop`` removes a
  column from a file altogether (e.g. ``invoices.kind`` to have kinds derived).

>>> ds = DataSet()
>>> ds.contract("A1", "2025-01-01", "2026-12-31", 100)
'C1'
>>> sorted(ds.rows)[:3]
['account_managers', 'accounts', 'acquisition_costs']
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.config import Settings
from kamlib.data.contract import TABLE_LIST, TABLES
from kamlib.kpis.grains import frame
from kamlib.periods import Quarter

REQUIRED_EMPTY_OK = ("invoices", "interactions", "nps_responses", "prospects",
                     "prospect_touches")
FAST = Settings(bootstrap_draws=20, seed=7)
"""Cheap bootstraps for tests (the minimum allowed is 10 draws)."""


def _s(v) -> str:
    """A cell as CSV text (None -> empty, bools as true/false)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class DataSet:
    """Rows of the 13 contract tables, written as a data folder by :meth:`write`.

    ``prefix`` is put in front of every auto-generated id (contracts, invoices,
    ...), so two data sets with different prefixes and different account ids can
    be merged (:meth:`merged`) without clashes.
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.rows: dict[str, list[dict]] = {t.name: [] for t in TABLE_LIST}
        self.drop: dict[str, set[str]] = {}
        self.force: set[str] = set()  # optional tables written even when empty
        self._ids = {t.name: itertools.count(1) for t in TABLE_LIST}

    # ------------------------------------------------------------------ helpers
    def _id(self, table: str, letter: str) -> str:
        return f"{self.prefix}{letter}{next(self._ids[table])}"

    def add(self, table: str, **row) -> dict:
        """Append a raw row (any columns) to ``table``; returns it."""
        self.rows[table].append(row)
        return row

    def kam(self, kam_id: str, name: str | None = None, team: str | None = None,
            hired_on: str = "2015-01-01", **kw) -> str:
        for r in self.rows["account_managers"]:
            if r["kam_id"] == kam_id:
                r.update({k: v for k, v in dict(team=team, **kw).items() if v is not None})
                return kam_id
        self.add("account_managers", kam_id=kam_id, name=name or f"KAM {kam_id}", team=team,
                 hired_on=hired_on, **kw)
        return kam_id

    def account(self, account_id: str, kam: str = "K1", segment: str = "s1", **kw) -> str:
        """Create (or update) an account; ``kw`` sets optional columns such as
        ``referred_by``, ``heard_about_us``, ``acquisition_channel``."""
        self.kam(kam)
        for r in self.rows["accounts"]:
            if r["account_id"] == account_id:
                r.update(dict(kam_id=kam, segment=segment, **kw))
                return account_id
        self.add("accounts", account_id=account_id, name=f"Account {account_id}", kam_id=kam,
                 segment=segment, **kw)
        return account_id

    def _ensure_account(self, account_id: str | None) -> None:
        if account_id is not None and not any(r["account_id"] == account_id
                                              for r in self.rows["accounts"]):
            self.account(account_id)

    # ------------------------------------------------------------------ tables
    def contract(self, account: str, start: str, end: str, value: float = 100.0,
                 cid: str | None = None, renewal_of: str | None = None) -> str:
        self._ensure_account(account)
        cid = cid or self._id("contracts", "C")
        self.add("contracts", contract_id=cid, account_id=account, start_on=start, end_on=end,
                 annual_value=value, renewal_of=renewal_of)
        return cid

    def assignment(self, account: str, kam: str, from_on: str, to_on: str | None = None):
        self._ensure_account(account)
        self.kam(kam)
        self.add("assignments", account_id=account, kam_id=kam, from_on=from_on, to_on=to_on)

    def invoice(self, account: str, issued: str, amount: float, product_line: str = "core",
                kind: str | None = None, iid: str | None = None) -> str:
        self._ensure_account(account)
        iid = iid or self._id("invoices", "I")
        self.add("invoices", invoice_id=iid, account_id=account, issued_on=issued,
                 amount=amount, product_line=product_line, kind=kind)
        return iid

    def touch(self, account: str, at: str, direction: str = "outbound", channel: str = "email",
              is_request: bool | None = None, resolved_at: str | None = None) -> str:
        """An interaction; ``at`` may be a date (midnight) or an ISO timestamp."""
        self._ensure_account(account)
        i = self._id("interactions", "E")
        self.add("interactions", interaction_id=i, account_id=account, occurred_at=at,
                 direction=direction, channel=channel, is_request=is_request,
                 resolved_at=resolved_at)
        return i

    def request(self, account: str, at: str, resolved_at: str | None = None) -> str:
        return self.touch(account, at, "inbound", "email", is_request=True,
                          resolved_at=resolved_at)

    def response(self, account: str, on: str, score: int,
                 would_reference: bool | None = None) -> str:
        self._ensure_account(account)
        r = self._id("nps_responses", "R")
        self.add("nps_responses", response_id=r, account_id=account, responded_on=on,
                 score=score, would_reference=would_reference)
        return r

    def mention(self, account: str | None, on: str, sentiment: float,
                source: str = "web") -> str:
        self._ensure_account(account)
        m = self._id("mentions", "M")
        self.add("mentions", mention_id=m, account_id=account, occurred_on=on, source=source,
                 sentiment=sentiment)
        return m

    def prospect(self, kam: str, first_contact: str, channel: str = "email",
                 converted_on: str | None = None, pid: str | None = None, **kw) -> str:
        self.kam(kam)
        pid = pid or self._id("prospects", "P")
        self.add("prospects", prospect_id=pid, kam_id=kam, first_contact_on=first_contact,
                 channel=channel, converted_on=converted_on, **kw)
        return pid

    def prospect_touch(self, prospect: str, at: str, channel: str = "email") -> str:
        t = self._id("prospect_touches", "T")
        self.add("prospect_touches", touch_id=t, prospect_id=prospect, occurred_at=at,
                 channel=channel)
        return t

    def objective(self, account: str, indicator: str, target: float, actual: float | None,
                  due: str, higher_is_better: bool | None = None, metric: str = "m") -> str:
        self._ensure_account(account)
        o = self._id("objectives", "O")
        self.add("objectives", objective_id=o, account_id=account, indicator=indicator,
                 metric=metric, target=target, actual=actual,
                 higher_is_better=higher_is_better, due_on=due)
        return o

    def sla(self, account: str, period_end: str, met: bool, sla: str = "uptime") -> str:
        self._ensure_account(account)
        s = self._id("sla_checks", "S")
        self.add("sla_checks", check_id=s, account_id=account, period_end=period_end, sla=sla,
                 met=met)
        return s

    def survey(self, kam: str, on: str, score: int) -> str:
        self.kam(kam)
        r = self._id("employee_surveys", "Q")
        self.add("employee_surveys", response_id=r, kam_id=kam, responded_on=on, score=score)
        return r

    # ------------------------------------------------------------------ output
    # acquisition costs
    def acquisition_cost(self, on: str, channel: str, amount: float, kam: str | None = None,
                         cid: str | None = None) -> str:
        """A row of the optional ``acquisition_costs`` table."""
        if kam is not None:
            self.kam(kam)
        cid = cid or self._id("acquisition_costs", "AC")
        self.add("acquisition_costs", cost_id=cid, incurred_on=on, channel=channel,
                 amount=amount, kam_id=kam)
        return cid

    def merged(self, other: DataSet) -> DataSet:
        """A data set holding the rows of both (ids must not clash)."""
        out = DataSet(prefix=self.prefix + other.prefix + "m")
        for name in out.rows:
            seen = set()
            key = TABLES[name].key
            for r in self.rows[name] + other.rows[name]:
                k = r.get(key) if key else None
                if k is not None and k in seen:
                    continue  # shared KAMs, e.g. K1 in both
                seen.add(k)
                out.rows[name].append(dict(r))
        out.drop = {t: set(c) for t, c in self.drop.items()}
        out.force = set(self.force)
        return out

    def write(self, folder: str | Path, shuffle: random.Random | None = None) -> Path:
        """Write the data folder; ``shuffle`` (a Random) permutes every file's rows."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rows = {k: [dict(r) for r in v] for k, v in self.rows.items()}
        if not rows["contracts"]:
            rows["accounts"].append(dict(account_id="ZZ_FILL", name="filler", kam_id="K1",
                                         segment="s1"))
            rows["contracts"].append(dict(contract_id="ZZ_C", account_id="ZZ_FILL",
                                          start_on="2000-01-01", end_on="2000-12-31",
                                          annual_value=1))
        if not rows["accounts"]:
            rows["accounts"].append(dict(account_id="ZZ_FILL", name="filler", kam_id="K1",
                                         segment="s1"))
        if not any(r["kam_id"] == "K1" for r in rows["account_managers"]) and any(
                r.get("kam_id") == "K1" for r in rows["accounts"]):
            rows["account_managers"].append(dict(kam_id="K1", name="KAM K1",
                                                 hired_on="2015-01-01"))
        for table in TABLE_LIST:
            data = rows[table.name]
            if table.optional and not data and table.name not in self.force:
                continue
            cols = [c.name for c in table.columns
                    if c.name not in self.drop.get(table.name, set())]
            extra = sorted({k for r in data for k in r} - set(cols)
                           - {c.name for c in table.columns})
            if shuffle is not None:
                data = list(data)
                shuffle.shuffle(data)
            with open(folder / f"{table.name}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(cols + extra)
                for r in data:
                    w.writerow([_s(r.get(c)) for c in cols + extra])
        return folder

    def load(self, folder: str | Path, shuffle: random.Random | None = None):
        """Write, validate and return the ``ValidatedData``; fails if any row was set
        aside (a test's data must be valid)."""
        from kamlib.data.sources import open_source
        from kamlib.data.validate import validate

        data = validate(open_source(self.write(folder, shuffle)))
        assert data.faults.empty, data.faults.to_string()
        return data


# ---------------------------------------------------------------------- running KPIs
def period(data, quarter: str = "2026Q3", settings: Settings = FAST):
    """The quarter's panels as ``compute_kpis`` builds them (a
    :class:`kamlib.kpis.compute.KpiPeriod`, which also fits the churn model when asked)."""
    from kamlib.kpis.compute import KpiPeriod

    return KpiPeriod(data, Quarter(quarter, settings.fiscal_year_start_month), settings)


RATE_FAMILIES = ("churn", "expansion", "growth", "voice", "outcomes", "interaction",
                 "acquisition", "team")
"""The families of docs/kpis.md rates and scores (``kamlib.kpis.compute.FAMILIES`` may hold more,
e.g. the survival models, which these tests leave to their own tests)."""


def kpis(data, quarter: str = "2026Q3", families=RATE_FAMILIES, settings: Settings = FAST
         ) -> pd.DataFrame:
    """The long KPI table of some families for one quarter, as ``compute_kpis`` builds
    it (one shared :class:`kamlib.kpis.compute.KpiPeriod`, rows in the table's stable order)."""
    from kamlib.kpis.compute import FAMILIES

    p = period(data, quarter, settings)
    rows = []
    for name in families:
        rows += FAMILIES[name](p)
    return frame(rows)


def pick(table: pd.DataFrame, kpi: str, grain: str = "company", group: str = "all"
         ) -> pd.Series:
    """The one row of ``kpi`` at ``grain``/``group`` (raises if absent or repeated)."""
    sub = table[(table.kpi == kpi) & (table.grain == grain) & (table.group == group)]
    assert len(sub) == 1, f"{kpi}/{grain}/{group}: {len(sub)} rows\n{table[table.kpi == kpi]}"
    return sub.iloc[0]


def groups_of(table: pd.DataFrame, kpi: str, grain: str) -> list[str]:
    return sorted(table[(table.kpi == kpi) & (table.grain == grain)].group)


# ---------------------------------------------------------------------- renewals
RENEWAL_AS_OF = "2026-09-30"  # end of 2026Q3; next quarter 2026-10-01 .. 2026-12-31


def renewal_contracts() -> pd.DataFrame:
    """Nine contracts around the renewal window of 2026Q4 (the tests of the renewal
    calendar and of the accounts-to-act-on block)."""
    rows = [  # contract, account, start, end, value, renewal_of
        ("c1", "A", "2025-01-01", "2026-12-31", 100.0, None),  # opens 12-31 - 90 d = 10-02: in
        ("c2", "B", "2026-04-01", "2027-03-31", 300.0, None),  # opens 2026-12-31: in (last day)
        ("c3", "C", "2026-04-02", "2027-04-01", 400.0, None),  # opens 2027-01-01: out
        ("c4", "D", "2026-01-01", "2026-12-30", 50.0, None),   # opens 2026-10-01: in (first day)
        ("c5", "E", "2026-01-01", "2026-12-29", 60.0, None),   # opens 2026-09-30: already open
        ("c6", "F", "2026-01-01", "2026-12-31", 70.0, None),   # renewed early by c7: out
        ("c7", "F", "2026-09-01", "2027-08-31", 80.0, "c6"),   # opens 2027-06-02: out
        ("c8", "G", "2025-07-01", "2026-06-30", 90.0, None),   # lapsed (window closed 07-31)
        ("c9", "H", "2026-11-01", "2026-12-31", 10.0, None),   # starts after as_of: not seen
    ]
    f = pd.DataFrame(rows, columns=["contract_id", "account_id", "start_on", "end_on",
                                    "annual_value", "renewal_of"])
    return f.assign(start_on=pd.to_datetime(f.start_on), end_on=pd.to_datetime(f.end_on))


# ---------------------------------------------------------------------- what changed
def change_row(kpi, grain, group, period, value, n, low=np.nan, high=np.nan):
    """One row of a KPI table (the tests of what changed)."""
    return {"kpi": kpi, "grain": grain, "group": group, "period": period, "value": value,
            "low": low, "high": high, "n": n}


def small_change_case():
    """Touchpoints of two quarters that fall in segment s1 only, driven by account a1 of K1:
    (rows now, rows before, owners)."""
    rows = []
    # touchpoints fall in segment s1 only; account a1 of K1 drives it
    for per, s1, a1 in (("2026Q2", 40.0, 60.0), ("2026Q3", 20.0, 20.0)):
        rows += [change_row("touchpoints_per_account", "company", "all", per, (s1 + 30) / 2, 20,
                      (s1 + 30) / 2 - 2, (s1 + 30) / 2 + 2),
                 change_row("touchpoints_per_account", "segment", "s1", per, s1, 10, s1 - 3, s1 + 3),
                 change_row("touchpoints_per_account", "segment", "s2", per, 30.0, 10, 27, 33)]
        rows += [change_row("touchpoints_per_account", "account", "a1", per, a1, 1)]
        rows += [change_row("touchpoints_per_account", "account", f"x{i}", per, 30.0, 1)
                 for i in range(3)]
    f = pd.DataFrame(rows)
    owners = pd.DataFrame({"account_id": ["a1", "x0", "x1", "x2"] * 2,
                           "segment": ["s1", "s1", "s2", "s2"] * 2,
                           "kam_id": ["K1", "K2", "K2", "K2"] * 2,
                           "period": ["2026Q2"] * 4 + ["2026Q3"] * 4})
    return f[f.period == "2026Q3"], f[f.period == "2026Q2"], owners


# ---------------------------------------------------------------------- targets
def target_rows(*rows) -> pd.DataFrame:
    """A targets table from (kpi, grain, group, period, target, direction) tuples."""
    return pd.DataFrame(rows, columns=["kpi", "grain", "group", "period", "target",
                                       "direction"])


# ---------------------------------------------------------------------- retention
def retention_dataset() -> DataSet:
    """Six accounts for GRR, NRR and share-of-wallet growth at 2026Q3: A churned, B
    contracted 100 -> 80, C expanded 100 -> 150, D and E flat at 100, F new (1000)."""
    ds = DataSet()
    ds.contract("A", "2025-01-01", "2025-12-31", 100)  # churned (last day 2026-01-30)
    ds.contract("B", "2025-01-01", "2025-12-31", 100)  # contracted to 80
    ds.contract("B", "2026-01-01", "2026-12-31", 80)
    ds.contract("C", "2025-01-01", "2025-12-31", 100)  # expanded to 150
    ds.contract("C", "2026-01-01", "2026-12-31", 150)
    for a in "DE":  # flat
        ds.contract(a, "2025-01-01", "2025-12-31", 100)
        ds.contract(a, "2026-01-01", "2026-12-31", 100)
    ds.contract("F", "2026-03-01", "2027-02-28", 1000)  # not a customer 12 months before
    return ds
