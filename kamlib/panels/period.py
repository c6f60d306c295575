"""One quarter's shared panels, each built once: the context every KPI family reads.

>>> from kamlib.config import Settings
>>> p = Period(data=None, quarter="2026Q3", settings=Settings())
>>> p.label, p.quarter.end
('2026Q3', datetime.date(2026, 9, 30))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import pandas as pd

from kamlib.config import Settings
from kamlib.panels import quarter as panels
from kamlib.panels.invoices import derive_kinds
from kamlib.periods import Quarter, as_quarter

__all__ = ["GRAINS", "Period"]

GRAINS = ("company", "segment", "kam", "account")
"""The grains a period's KPIs are computed at by default (see :mod:`kamlib.kpis.grains`)."""


@dataclass
class Period:
    """Everything the KPI families share for one quarter; each piece is built once.

    ``quarter`` may be a label such as ``"2026Q3"`` (read with the settings' fiscal
    start month).
    """

    data: object
    quarter: Quarter
    settings: Settings
    cache: dict = field(default_factory=dict)
    grains: tuple[str, ...] = GRAINS  # e.g. ("company", "segment") for cheap trend quarters

    def __post_init__(self) -> None:
        self.quarter = as_quarter(self.quarter, self.settings.fiscal_year_start_month)

    @property
    def label(self) -> str:
        return str(self.quarter)

    @cached_property
    def state(self) -> panels.ContractState:
        return panels.contract_state(self.data, self.quarter, self.settings)

    @cached_property
    def accounts(self) -> pd.DataFrame:
        """Accounts that were customers at some time in the period (panels.account_frame)."""
        return panels.account_frame(self.data, self.quarter, self.settings, self.state)

    @cached_property
    def attribution(self) -> pd.DataFrame:
        """Every account with its segment and the KAM credited for the period."""
        acc = self.data.frame("accounts")
        owners = panels.owners_as_of(self.data, self.quarter.start - timedelta(days=1),
                                     self.quarter.end)  # worked out once per day
        out = acc[["account_id", "segment", "acquisition_channel", "referred_by",
                   "heard_about_us"]].copy()
        out["kam_id"] = out.account_id.map(owners)
        return out

    def attribute(self, df: pd.DataFrame) -> pd.DataFrame:
        """Add segment and kam_id to a frame keyed by account_id."""
        return df.merge(self.attribution[["account_id", "segment", "kam_id"]],
                        on="account_id", how="left")

    @cached_property
    def interactions(self) -> pd.DataFrame:
        # batched panels: served from (or added to) the data set's interaction batches
        return panels.interaction_panels(self.data, [self.quarter])[self.quarter]

    @cached_property
    def invoices(self) -> pd.DataFrame:
        if self.data.has_column("invoices", "kind"):  # batched panels: every quarter at once
            return panels.invoice_panels(self.data, [self.quarter])[self.quarter]
        kinds = None
        if not self.data.has_column("invoices", "kind"):
            inv = self.data.frame("invoices")
            inv["issued_on"] = pd.to_datetime(inv["issued_on"])
            inv = inv[inv.issued_on <= pd.Timestamp(self.quarter.end)]
            r = self.state.renewals
            renewed_by = dict(zip(r.contract_id[r.renewed], r.renewed_by[r.renewed], strict=True))
            kinds = derive_kinds(inv, self.state.contracts, renewed_by)
        return panels.invoice_panel(self.data, self.quarter, kinds)
