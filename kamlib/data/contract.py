"""The data contract (v1), written once, declaratively.

Each input table is a :class:`Table` of :class:`Column` objects. Code elsewhere
refers to tables and columns by these names; :mod:`kamlib.data.validate` compiles
the declarations into checks that run inside the engine (DuckDB, PostgreSQL…).

Column kinds
------------
``id``         non-empty string (trimmed)
``text``       free text (names, segments, product lines)
``enum``       lowercase snake_case value from ``values`` (case and spaces are normalised)
``date``       ISO ``YYYY-MM-DD`` (nothing else: no ``2026/03/22``, no time, no ``epoch``)
``timestamp``  ISO 8601 ``YYYY-MM-DD[THH:MM[:SS[.f]]]`` with an optional offset (``Z``,
               ``+HH:MM``, ``+HHMM`` or ``+HH``) within ±14:00; naive means UTC
``number``     plain decimal number, optionally with an exponent (``-1500``, ``0.42``,
               ``1.5E+06``); no ``1_000``, no thousands separators, no ``inf``/``nan``
``integer``    whole number (scores), written as a number
``bool``       true/false, yes/no, 1/0, t/f, y/n

Text-like cells (``id``, ``text``, ``enum``) must not hold a NUL byte.

>>> TABLES["contracts"].key
'contract_id'
>>> [c.name for c in TABLES["nps_responses"].columns if c.required]
['response_id', 'account_id', 'responded_on', 'score']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DECIMAL", "DIRECTIONS", "INDICATORS", "INTERACTION_CHANNELS", "INVOICE_KINDS",
    "ISO_DATE", "ISO_TIMESTAMP", "MAX_MONEY", "PLAUSIBLE_FIRST_DAY", "PLAUSIBLE_LAST_DAY",
    "PROSPECT_CHANNELS", "RULES", "TABLES", "TABLE_LIST", "TARGET_DIRECTIONS", "TARGET_GRAINS",
    "TARGET_KPIS", "VIEW_DATES", "Column", "Order", "Table",
]

PLAUSIBLE_FIRST_DAY = "1900-01-01"
PLAUSIBLE_LAST_DAY = "2100-12-31"

# The shapes a cell must have before it is converted (anchored regular expressions,
# the same for every engine). The conversion itself then checks the calendar.
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_OFFSET = r"(Z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)"
ISO_TIMESTAMP = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
                 + _OFFSET + "?)?$")
DECIMAL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
MAX_MONEY = 1e12
"""Default bound on the absolute value of money (``Settings.max_money``)."""

DIRECTIONS = ("inbound", "outbound")
INTERACTION_CHANNELS = ("email", "call", "meeting", "video", "chat", "other")
PROSPECT_CHANNELS = (
    "cold_call", "email", "face_to_face", "event", "referral", "inbound_web", "partner", "other",
)
INVOICE_KINDS = ("new", "repeat", "upsell", "cross_sell", "renewal")
INDICATORS = ("leading", "lagging")

# -- targets (the optional ``targets`` table) -------------------------------------------------
TARGET_DIRECTIONS = ("higher", "lower", "at_least", "at_most")
"""How a target is judged: ``higher`` (the value must reach it: higher is better) or
``lower`` (the value must stay at or below it); ``at_least`` and ``at_most`` are
accepted for them. Empty means the KPI's own direction
(``kamlib.kpis.registry.SPECS[kpi].higher_is_better``)."""
TARGET_GRAINS = ("company", "segment", "kam", "team", "account", "channel")
"""The grains a target may be set at (``kamlib.kpis.registry.GRAIN_ORDER``)."""
TARGET_KPIS = (
    "clv_naive_total", "clv_total", "churn_risk_next_quarter", "conversion_rate",
    "cross_sell_rate", "enps", "expansion_revenue", "gap_alert_share", "grr", "ideal_touches",
    "inbound_share", "logo_churn_rate", "logo_churn_rate_annualised", "mention_net_sentiment",
    "nps", "nps_account_level", "nps_change_qoq", "nps_change_yoy", "nrr",
    "objectives_met_lagging", "objectives_met_leading", "reference_rate",
    "referral_acquisition_share", "referral_revenue_share", "renewal_rate",
    "repeat_customer_rate", "resolution_median_hours", "resolution_within_target",
    "revenue_churn_rate", "sla_compliance", "sow_growth", "time_to_convert_median_days",
    "touchpoints_per_account", "upsell_rate",
    # acquisition costs: value by channel, CAC, CLV:CAC, payback
    "cac", "clv_by_channel", "clv_to_cac", "payback_months",
    # the book's value bridge
    "clv_bridge_churn", "clv_bridge_contraction", "clv_bridge_expansion", "clv_bridge_new",
    "clv_bridge_time", "clv_bridge_transfer",
)
"""The KPI ids a target may name: the ids of ``kamlib.kpis.registry.REGISTRY`` (the data
layer may not import the KPIs, so they are listed here; a test holds the two equal)."""


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``required`` means the column must exist; ``nullable`` means a row may
    leave it empty. ``ref`` is ``"table.column"`` for a foreign key; ``same`` names a
    column that the referenced row must share (a renewal continues a contract of the
    same account). ``low``/``high`` bound numeric values (inclusive); ``money`` bounds
    the absolute value by the ``max_money`` setting.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    ref: str | None = None
    money: bool = False
    same: str | None = None

    def __post_init__(self) -> None:
        kinds = {"id", "text", "enum", "date", "timestamp", "number", "integer", "bool"}
        if self.kind not in kinds:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if not self.required and not self.nullable:
            object.__setattr__(self, "nullable", True)  # optional columns may be empty

    @property
    def expected(self) -> str:
        """What a value must look like, for error messages."""
        return {
            "id": "a non-empty identifier",
            "text": "text",
            "enum": "one of " + ", ".join(self.values),
            "date": "a date YYYY-MM-DD",
            "timestamp": "an ISO 8601 timestamp (offset within ±14:00)",
            "number": "a decimal number",
            "integer": "a whole number",
            "bool": "true/false (or yes/no, 1/0)",
        }[self.kind]


@dataclass(frozen=True)
class Order:
    """A row rule ``earlier <op> later`` between two columns (skipped when either is empty)."""

    earlier: str
    later: str
    strict: bool = False

    @property
    def text(self) -> str:
        return f"{self.later} {'>' if self.strict else '>='} {self.earlier}"


@dataclass(frozen=True)
class Table:
    """One table of the contract."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    optional: bool = False
    must_have_rows: bool = False
    orders: tuple[Order, ...] = ()
    doc: str = ""

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def extras(self, columns) -> list[str]:
        """The given column names that the contract does not declare, in their order."""
        known = {c.name for c in self.columns}
        return [c for c in columns if c not in known]

    @property
    def refs(self) -> list[tuple[Column, str, str]]:
        """(column, parent table, parent column) for every foreign key."""
        return [(c, *c.ref.split(".")) for c in self.columns if c.ref]


def _t(name, *cols, key=None, optional=False, must_have_rows=False, orders=(), doc=""):
    return Table(name, tuple(cols), key, optional, must_have_rows, tuple(orders), doc)


C = Column
_SCORE = {"low": 0, "high": 10}
_DIM = {"low": 1, "high": 5}

TABLE_LIST: tuple[Table, ...] = (
    _t("account_managers",
       C("kam_id", "id"), C("name", "text"), C("team", "text", required=False),
       C("region", "text", required=False), C("hired_on", "date"),
       C("left_on", "date", required=False),
       key="kam_id", must_have_rows=True, orders=[Order("hired_on", "left_on")],
       doc="The key account managers (KAMs)."),
    _t("accounts",
       C("account_id", "id"), C("name", "text"),
       C("kam_id", "id", ref="account_managers.kam_id"), C("segment", "text"),
       C("industry", "text", required=False), C("region", "text", required=False),
       C("acquisition_channel", "enum", required=False, values=PROSPECT_CHANNELS),
       C("referred_by", "id", required=False, ref="accounts.account_id"),
       C("heard_about_us", "text", required=False),
       key="account_id", must_have_rows=True,
       doc="Customer accounts; kam_id is the current owner."),
    _t("assignments",
       C("account_id", "id", ref="accounts.account_id"),
       C("kam_id", "id", ref="account_managers.kam_id"),
       C("from_on", "date"), C("to_on", "date", required=False),
       optional=True, orders=[Order("from_on", "to_on")],
       doc="Ownership history; without it the current owner is used for every period."),
    _t("contracts",
       C("contract_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("start_on", "date"), C("end_on", "date"),
       C("annual_value", "number", low=0, money=True),
       C("renewal_of", "id", required=False, ref="contracts.contract_id", same="account_id"),
       key="contract_id", must_have_rows=True, orders=[Order("start_on", "end_on", strict=True)],
       doc="The source of truth for customer status, tenure and churn."),
    _t("invoices",
       C("invoice_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("issued_on", "date"), C("amount", "number", money=True),
       C("gross_margin", "number", required=False, money=True), C("product_line", "text"),
       C("kind", "enum", required=False, values=INVOICE_KINDS),
       key="invoice_id", doc="Billing; credit notes have a negative amount."),
    _t("interactions",
       C("interaction_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("kam_id", "id", required=False), C("occurred_at", "timestamp"),
       C("direction", "enum", values=DIRECTIONS), C("channel", "enum", values=INTERACTION_CHANNELS),
       C("is_request", "bool", required=False), C("resolved_at", "timestamp", required=False),
       key="interaction_id", orders=[Order("occurred_at", "resolved_at")],
       doc="Every touchpoint with an account."),
    _t("nps_responses",
       C("response_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("responded_on", "date"), C("score", "integer", **_SCORE),
       C("would_reference", "bool", required=False), C("contact_role", "text", required=False),
       key="response_id", doc="Answers to the 0-10 recommendation question."),
    _t("mentions",
       C("mention_id", "id"), C("account_id", "id", required=False, ref="accounts.account_id"),
       C("occurred_on", "date"), C("source", "text"), C("sentiment", "number", low=-1, high=1),
       key="mention_id", optional=True, doc="Social and press mentions."),
    _t("prospects",
       C("prospect_id", "id"), C("kam_id", "id", ref="account_managers.kam_id"),
       C("first_contact_on", "date"), C("channel", "enum", values=PROSPECT_CHANNELS),
       C("heard_about_us", "text", required=False),
       C("referred_by", "id", required=False, ref="accounts.account_id"),
       C("converted_on", "date", required=False),
       C("account_id", "id", required=False, ref="accounts.account_id"),
       C("lost_on", "date", required=False),
       key="prospect_id", orders=[Order("first_contact_on", "converted_on"),
                                  Order("first_contact_on", "lost_on")],
       doc="The acquisition pipeline."),
    _t("prospect_touches",
       C("touch_id", "id"), C("prospect_id", "id", ref="prospects.prospect_id"),
       C("occurred_at", "timestamp"), C("channel", "enum", values=PROSPECT_CHANNELS),
       key="touch_id", doc="One row per outreach touchpoint to a prospect."),
    _t("objectives",
       C("objective_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("indicator", "enum", values=INDICATORS), C("metric", "text"), C("target", "number"),
       C("actual", "number", required=False), C("higher_is_better", "bool", required=False),
       C("due_on", "date"),
       key="objective_id", optional=True, doc="The customer's own goals."),
    _t("sla_checks",
       C("check_id", "id"), C("account_id", "id", ref="accounts.account_id"),
       C("period_end", "date"), C("sla", "text"), C("met", "bool"),
       key="check_id", optional=True, doc="One row per SLA per measuring period."),
    _t("employee_surveys",
       C("response_id", "id"), C("kam_id", "id", ref="account_managers.kam_id"),
       C("responded_on", "date"), C("score", "integer", **_SCORE),
       C("workload", "integer", required=False, **_DIM),
       C("recognition", "integer", required=False, **_DIM),
       C("growth", "integer", required=False, **_DIM),
       key="response_id", optional=True, doc="KAM engagement survey (eNPS question 0-10)."),
    # -- targets: what each KPI should reach (kamlib.kpis.targets resolves and judges them)
    _t("targets",
       C("kpi", "enum", values=TARGET_KPIS), C("grain", "enum", values=TARGET_GRAINS),
       C("group", "id"), C("period", "text", required=False), C("target", "number"),
       C("direction", "enum", required=False, values=TARGET_DIRECTIONS),
       optional=True,
       doc="Targets per KPI, grain and group (group 'all' for the company); an empty "
           "period means every period, an empty direction the KPI's own."),
    # -- acquisition costs: what winning new accounts cost (kamlib.kpis.acquisition_value)
    _t("acquisition_costs",
       C("cost_id", "id"), C("incurred_on", "date"),
       C("channel", "enum", values=PROSPECT_CHANNELS),
       C("amount", "number", low=0, money=True),
       C("kam_id", "id", required=False, ref="account_managers.kam_id"),
       key="cost_id", optional=True,
       doc="Sales and marketing spend to win new accounts, per acquisition channel (the "
           "channels of prospects); kam_id names the KAM whose own effort it was."),
)

TABLES: dict[str, Table] = {t.name: t for t in TABLE_LIST}

# Rules a row can break, in the order they are checked (a row is quarantined
# under the first rule it breaks).
RULES = {
    "missing_value": "a required value is empty",
    "unparseable_value": "a value does not parse as the column's type",
    "not_in_domain": "a value is not one of the allowed values",
    "out_of_range": "a number is outside its allowed range (money: beyond ±max_money)",
    "implausible_date": f"a date is before {PLAUSIBLE_FIRST_DAY} or after {PLAUSIBLE_LAST_DAY}",
    "dates_out_of_order": "two dates of a row are in the wrong order",
    "duplicate_key": "the primary key appears more than once (every copy is set aside)",
    "orphan_reference": "a reference points to a row that does not exist (or was set aside)",
    "cross_account_reference": "a reference names a row of another account "
                               "(renewal_of must name a contract of the same account)",
}

# Tables whose dates decide what is inside a period's view (rows dated after
# ``as_of`` are outside the view, not faults).
VIEW_DATES = {
    "account_managers": "hired_on",
    "assignments": "from_on",
    "contracts": "start_on",
    "invoices": "issued_on",
    "interactions": "occurred_at",
    "nps_responses": "responded_on",
    "mentions": "occurred_on",
    "prospects": "first_contact_on",
    "prospect_touches": "occurred_at",
    "objectives": "due_on",
    "sla_checks": "period_end",
    "employee_surveys": "responded_on",
    "acquisition_costs": "incurred_on",  # acquisition costs
}

# -- the 0-10 recommendation scale (nps_responses.score, employee_surveys.score) ------------
PROMOTER_MIN = 9
"""The lowest score of a promoter: 9-10 promote."""
DETRACTOR_MAX = 6
"""The highest score of a detractor: 0-6 detract, 7-8 are passive."""


def is_promoter(score):
    """Whether a score on the 0-10 scale is a promoter's (``score >= PROMOTER_MIN``).

    Element-wise on a pandas Series, a numpy array or an Ibis column (the result is of
    the same kind), or on a single number. A mean score (one vote per account) is
    classed by the same half-open bins: 9 and above promote.

    Examples
    --------
    >>> import pandas as pd
    >>> is_promoter(pd.Series([10, 9, 8.5, 6])).tolist()
    [True, True, False, False]
    """
    return score >= PROMOTER_MIN


def is_detractor(score):
    """Whether a score on the 0-10 scale is a detractor's (``score < DETRACTOR_MAX + 1``).

    Element-wise like :func:`is_promoter`. The bin is half-open so that a mean score
    such as 6.5 detracts (for whole scores it is 0-6).

    Examples
    --------
    >>> import pandas as pd
    >>> is_detractor(pd.Series([0, 6, 6.5, 7])).tolist()
    [True, True, True, False]
    """
    return score < DETRACTOR_MAX + 1


def is_passive(score):
    """Whether a score on the 0-10 scale is passive: neither promoter nor detractor
    (7-8 for whole scores, ``7 <= score < 9`` for a mean).

    Examples
    --------
    >>> import pandas as pd
    >>> is_passive(pd.Series([6, 7, 8.5, 9])).tolist()
    [False, True, True, False]
    """
    return (score >= DETRACTOR_MAX + 1) & (score < PROMOTER_MIN)
