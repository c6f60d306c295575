"""The KPI registry: every KPI id of the long table, defined once.

Each id of ``kpis.csv`` has one :class:`KpiSpec` in :data:`REGISTRY`: its title,
unit and direction, what its ``n`` counts, the grains it is computed at, the family
function of :mod:`kamlib.kpis.compute` that produces it, its formula in words and in
symbols, its interval, its references and a worked example. The id lists and the
families of :mod:`kamlib.kpis.compute` are derived from it, and
``docs/kpi-reference.md`` is generated from it::

    python -m kamlib.kpis.registry --write docs/kpi-reference.md

The registry reads nothing and imports nothing of the package, so any layer from
``kpis`` up may use it.

>>> SPECS["nps"].title, SPECS["nps"].unit, SPECS["nps"].higher_is_better
('Net Promoter Score', 'nps', True)
>>> SPECS["logo_churn_rate"].compute
'churn_kpis'
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FAMILY_TITLES",
    "GRAIN_ORDER",
    "REGISTRY",
    "SPECS",
    "THEMES",
    "UNITS",
    "KpiSpec",
    "Theme",
    "families",
    "ids",
    "main",
    "reference_page",
]

FAMILY_TITLES: dict[str, str] = {
    "churn": "Churn",
    "expansion": "Upsell and cross-sell",
    "growth": "Renewal and organic growth",
    "voice": "Customer voice: satisfaction, references, referrals, mentions",
    "outcomes": "Customer outcomes",
    "interaction": "Interaction",
    "acquisition": "Acquisition",
    "team": "Team",
    "survival": "Customer lifetime value and churn risk",
    # -- the book's value bridge
    "bridge": "The book's value bridge",
    # value by acquisition channel (acquisition costs)
    "value": "Value by acquisition channel: CLV, CAC, CLV:CAC and payback",
}
"""The computing families, in the order :func:`kamlib.kpis.compute.compute_kpis` runs
them, with the heading each gets in the reference page."""

UNITS: dict[str, str] = {
    "pct": "share in [0, 1], shown as a percentage",
    "ratio": "ratio, 1 = unchanged (shown as a percentage)",
    "nps": "score from −100 to +100",
    "change_nps": "change in NPS points, from −200 to +200",
    "score": "net share from −1 to +1",
    "money": "amount in the configured currency",
    "number": "count",
    "hours": "hours",
    "days": "days",
    # value by acquisition channel
    "multiple": "multiple (x times), e.g. CLV:CAC",
    "months": "months",
}
"""The value kinds (``unit``), as the report pages format them."""

GRAIN_ORDER = ("company", "segment", "kam", "team", "account", "channel")
"""The grains, in the order of the long table."""

_ALL = ("company", "segment", "kam", "account")

_DIRECTION = {True: "higher is better", False: "lower is better",
              None: "neither direction is better"}

# -- references (each cited in full once) ---------------------------------------------------
_WILSON = ("Wilson EB (1927). Probable inference, the law of succession, and statistical "
           "inference. J Am Stat Assoc 22(158):209-212 (the interval).")
_BOOTSTRAP = ("Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & "
              "Hall, ch. 13 (percentile interval, resampling accounts).")
_REICHHELD = ("Reichheld FF (2003). The one number you need to grow. Harvard Business "
              "Review 81(12):46-54 (the score and its 9-10 / 7-8 / 0-6 classes).")
_ROCKS = ("Rocks B (2016). Interval estimation for the \"net promoter score\". The American "
          "Statistician 70(4):365-372 (adjusted-Wald interval).")
_AGRESTI_CAFFO = ("Agresti A, Caffo B (2000). Simple and effective confidence intervals for "
                  "proportions and differences of proportions result from adding two "
                  "successes and two failures. The American Statistician 54(4):280-288 "
                  "(adjusted Wald for a difference).")
_KAPLAN_MEIER = ("Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete "
                 "observations. J Am Stat Assoc 53(282):457-481 (the estimator).")
_BROOKMEYER = ("Brookmeyer R, Crowley J (1982). A confidence interval for the median "
               "survival time. Biometrics 38(1):29-41 (the median's interval read off the "
               "confidence band).")
_KALBFLEISCH = ("Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure "
                "Time Data, 2nd ed. Wiley (discrete-time survival, S = Π (1 − h)).")
_COX = ("Cox DR (1972). Regression models and life-tables. J R Stat Soc B 34(2):187-220 "
        "(the churn model).")
_GUPTA = ("Gupta S, Hanssens D, Hardie B, Kahn W, Kumar V, Lin N, Ravishanker N, Sriram S "
          "(2006). Modeling customer lifetime value. Journal of Service Research "
          "9(2):139-155 (discounted expected margin).")
_GUPTA_LEHMANN = ("Gupta S, Lehmann DR (2003). Customers as assets. Journal of Interactive "
                  "Marketing 17(1):9-24 (lifetime value from a constant retention rate).")
_REICHHELD_MARKEY = ("Reichheld FF, Markey R (2011). The Ultimate Question 2.0. Harvard "
                     "Business Review Press (the employee Net Promoter Score).")
_HOSMER = ("Hosmer DW, Lemeshow S, Sturdivant RX (2013). Applied Logistic Regression, 3rd "
           "ed. Wiley (logistic regression with a quadratic term).")
_PROJECT = "No standard definition: this project's, with the conventions of docs/kpis.md."


@dataclass(frozen=True)
class KpiSpec:
    """The definition of one KPI id of the long table.

    Attributes
    ----------
    id : the ``kpi`` value in ``kpis.csv``.
    title : the name a reader understands (as the report pages show it).
    unit : the value kind (a key of :data:`UNITS`: pct, ratio, nps, money, ...).
    higher_is_better : direction of a good change; None when neither is better.
    n_counts : what the row's ``n`` counts.
    family : the computing family (a key of :data:`FAMILY_TITLES`).
    grains : the grains it is computed at (:data:`GRAIN_ORDER` order).
    formula : the definition in words.
    maths : the definition in symbols (plain text).
    interval : how ``low`` and ``high`` are computed.
    reference : citations (book, paper or standard, and where).
    compute : the family function of :mod:`kamlib.kpis.compute` that produces it.
    tables : the input tables (and columns) it reads.
    settings : the :class:`kamlib.config.Settings` fields it depends on.
    example : a small case worked by hand.
    n_unit : what ``n`` counts in a table column's words (accounts, responses, ...).
    period_word : how a page names the period of an earlier figure (``"wave"`` for
        survey KPIs: "2026Q1 wave"); empty for a quarter.

    Examples
    --------
    >>> print(SPECS["nps"].doc.splitlines()[0])
    Parameters
    """

    id: str
    title: str
    unit: str
    higher_is_better: bool | None
    n_counts: str
    family: str
    grains: tuple[str, ...]
    formula: str
    maths: str
    interval: str
    reference: tuple[str, ...]
    compute: str
    tables: tuple[str, ...]
    settings: tuple[str, ...]
    example: str
    n_unit: str = "accounts"
    period_word: str = ""

    @property
    def direction(self) -> str:
        """The direction in words.

        Examples
        --------
        >>> SPECS["gap_alert_share"].direction
        'lower is better'
        """
        return _DIRECTION[self.higher_is_better]

    @property
    def doc(self) -> str:
        """The numpydoc-style section of the KPI (Parameters, Returns, References,
        Examples), as the reference page shows it.

        Examples
        --------
        >>> "Returns" in SPECS["grr"].doc
        True
        """
        unit = UNITS[self.unit]
        lines = ["Parameters", "----------",
                 *_wrap(f"data : {', '.join(self.tables)}"),
                 *_wrap("The input tables (and columns) read, up to the quarter's last "
                        "day.", "    "),
                 *_wrap(f"grain : {', '.join(self.grains)}")]
        if self.settings:
            lines += _wrap(f"settings : {', '.join(self.settings)}")
        lines += ["", "Returns", "-------", f"value : {self.unit}",
                  *_wrap(f"{unit[:1].upper()}{unit[1:]}; {self.direction}.", "    "),
                  *_wrap(f"low, high : {self.interval}"),
                  *_wrap(f"n : {self.n_counts}"),
                  "", "References", "----------"]
        for ref in self.reference:
            lines += _wrap(ref)
        lines += ["", "Examples", "--------", *_wrap(self.example)]
        return "\n".join(lines)


def _wrap(text: str, indent: str = "") -> list[str]:
    """``text`` wrapped at 88 columns; continuation lines indented by four spaces."""
    return textwrap.wrap(text, 88, initial_indent=indent,
                         subsequent_indent=indent + "    ", break_on_hyphens=False)


def _spec(id: str, title: str, unit: str, higher_is_better: bool | None, n_counts: str,
          family: str, grains: Sequence[str], formula: str, maths: str, interval: str,
          reference: Sequence[str], compute: str, tables: Sequence[str],
          settings: Sequence[str] = (), example: str = "", n_unit: str = "accounts",
          period_word: str = "") -> KpiSpec:
    return KpiSpec(id, title, unit, higher_is_better, n_counts, family, tuple(grains),
                   formula, maths, interval, tuple(reference), compute, tuple(tables),
                   tuple(settings), example, n_unit, period_word)


_START = "accounts that were customers at the quarter's start"
_END = "accounts that are customers at the quarter's end"

# -- the book's value bridge (kamlib.kpis.value_bridge): one spec per part ------------------
_BRIDGE_INTERVAL = (
    "none: the bridge splits the change of the whole book's CLV between the previous "
    "quarter's end and this one into parts that add up exactly; every account is counted, "
    "none is sampled, so resampling accounts would measure nothing the reader asks about; "
    "the uncertainty of the valuations is clv_total's interval and each account's")
_BRIDGE_TABLES = ("contracts", "invoices.gross_margin", "assignments", "nps_responses",
                  "interactions", "sla_checks", "employee_surveys")
_BRIDGE_SETTINGS = ("discount_rate", "horizon_years", "margin_rate", "grace_days")
_BRIDGE_EXAMPLE = (
    "Discount 10 %, one year: A new with CLV 50; B churned, CLV 30 at the start; C retained, "
    "margin 100 -> 110, survival factor F = S/1.1 from 0.8 to 0.7 (CLV 80 -> 77). Start "
    "30 + 80 = 110; end 50 + 77 = 127 = 110 + 50 + 8 + 0 - 30 + 0 - 11. ")
_BRIDGE_M = ("F_i = Σ_{k=1..H} S_i(t_i + k | t_i) / (1 + d)^k, so CLV_i = m_i F_i; "
             "start = the previous quarter's clv_total, end = this quarter's")
_BRIDGE: tuple[tuple[str, str, bool | None, str, str, str, str], ...] = (
    ("new", "CLV bridge: new accounts", True,
     "accounts valued at the quarter's end and not at its start",
     "CLV at the quarter's end of the accounts that are customers at its end and were not "
     "at its start (won or won back in the quarter), each counted for its group of the end",
     f"new = Σ_(i new) CLV_end,i; {_BRIDGE_M}",
     "new = 50 (A)."),
    ("expansion", "CLV bridge: expansion", True,
     "retained accounts whose margin rose",
     "for the accounts customers at both ends, the rise of their trailing 12-month margin "
     "valued with their survival-discount factor of the start, (m_end − m_start) × F_start, "
     "where positive",
     f"expansion = Σ_(i retained) max(0, (m_end,i − m_start,i) F_start,i); {_BRIDGE_M}",
     "expansion = (110 − 100) × 0.8 = 8 (C)."),
    ("contraction", "CLV bridge: contraction", True,
     "retained accounts whose margin fell",
     "the same where negative: the fall of the margin of the accounts customers at both "
     "ends, valued with their factor of the start (zero or negative)",
     f"contraction = Σ_(i retained) min(0, (m_end,i − m_start,i) F_start,i); {_BRIDGE_M}",
     "contraction = 0 (C's margin rose)."),
    ("churn", "CLV bridge: churn", True,
     "accounts valued at the quarter's start and not at its end",
     "minus the CLV at the quarter's start of the accounts that were customers at its start "
     "and are not at its end (zero or negative), each counted for its group of the start",
     f"churn = − Σ_(i churned) CLV_start,i; {_BRIDGE_M}",
     "churn = −30 (B)."),
    ("transfer", "CLV bridge: accounts moved between groups", None,
     "retained accounts that joined or left the group",
     "for a group, the CLV at the start of the retained accounts that joined it in the "
     "quarter (a book handed over to the KAM) minus that of those that left it; zero for "
     "the company, and for segments while an account keeps its segment",
     f"transfer_g = Σ_(i retained, into g) CLV_start,i − Σ_(i retained, out of g) "
     f"CLV_start,i; {_BRIDGE_M}",
     "transfer = 0 (nobody moved); had C moved from K1 to K2, K1 −80, K2 +80."),
    ("time", "CLV bridge: time and re-estimation", None,
     "retained accounts",
     "the rest of the change of the accounts customers at both ends: the same margin with "
     "the account a quarter older and the churn model refitted on a quarter more of history, "
     "m_end × (F_end − F_start); each retained account's change is exactly expansion + "
     "contraction + time",
     f"time = Σ_(i retained) (CLV_end,i − CLV_start,i) − (m_end,i − m_start,i) F_start,i; "
     f"{_BRIDGE_M}",
     "time = 110 × (0.7 − 0.8) = −11 (C)."),
)

REGISTRY: tuple[KpiSpec, ...] = (
    # ------------------------------------------------------------------ voice
    _spec("reference_rate", "Would be a reference (12 months)", "pct", True,
          "accounts that answered the reference question in the trailing 12 months",
          "voice", _ALL,
          "accounts with a \"would reference\" yes in the trailing 12 months / accounts "
          "that answered the question in them",
          "r = A_yes / A_answered, over answers dated in (as_of − 365 days, as_of]",
          "95 % Wilson score interval", (_WILSON, _PROJECT), "voice_kpis",
          ("nps_responses.would_reference",), ("confidence_level",),
          "Window (2025-09-30, 2026-09-30]: A answered yes, B no, C no (its yes on "
          "2025-09-30 is outside); D never answered -> 1 / 3 = 0.333.",
          n_unit="accounts asked"),
    _spec("referral_acquisition_share", "New accounts that were referred", "pct", True,
          "new accounts of the quarter (first spell ever starting in it; win-backs "
          "excluded)",
          "voice", _ALL,
          "new accounts of the quarter that came through a referral (referred_by set, or "
          "acquisition_channel or heard_about_us saying referral) / new accounts",
          "r = N_referred / N_new", "95 % Wilson score interval", (_WILSON, _PROJECT),
          "voice_kpis",
          ("contracts", "accounts.referred_by", "accounts.acquisition_channel",
           "accounts.heard_about_us"), ("grace_days", "confidence_level"),
          "New in 2026Q3: N1 (referred_by set), N2 (heard about us: referral), N3 (trade "
          "fair); a win-back and an old account do not count -> 2 / 3 = 0.667.",
          n_unit="new accounts"),
    _spec("mention_net_sentiment", "Net sentiment of mentions (−1 to +1)", "score", True,
          "mentions of the quarter", "voice", _ALL,
          "(positive − negative mentions) / mentions of the quarter, a mention being "
          "positive at sentiment ≥ 0.1, negative at ≤ −0.1 and neutral in between. Mentions "
          "without an account count at company grain only; a page that shows groups says "
          "how many are not linked to an account",
          "s = (M₊ − M₋) / M, with M₊ = #{sentiment ≥ 0.1}, M₋ = #{sentiment ≤ −0.1}",
          "95 % adjusted-Wald interval of a net score, scaled to −1..1",
          (_ROCKS, _PROJECT), "voice_kpis", ("mentions",), ("confidence_level",),
          "Sentiments 0.8, 0.1, 0.05 (account A), −0.09, −0.1, −0.7 (B) and 0.5 (no "
          "account): 3 positive, 2 negative, 2 neutral -> (3 − 2) / 7 = 0.143.",
          n_unit="mentions"),
    _spec("nps", "Net Promoter Score", "nps", True, "responses of the quarter", "voice",
          _ALL,
          "100 × (promoters − detractors) / responses of the quarter; scores 9-10 promote, "
          "0-6 detract, 7-8 are passive",
          "NPS = 100 (P − D) / n, P = #{score ≥ 9}, D = #{score ≤ 6}",
          "95 % adjusted-Wald interval (3 pseudo-responses)", (_REICHHELD, _ROCKS),
          "voice_kpis", ("nps_responses",), ("confidence_level",),
          "Scores 10, 8, 6, 7, 9, 7, 8: promoters 10 and 9, detractor 6 -> "
          "100 × (2 − 1) / 7 = 14.3.",
          n_unit="responses", period_word="wave"),
    _spec("nps_account_level", "NPS, one vote per account", "nps", True,
          "accounts with a response in the quarter", "voice", _ALL,
          "NPS with one vote per account: the mean score of its responses in the quarter, "
          "a mean ≥ 9 promoting and a mean < 7 detracting",
          "NPS = 100 (P − D) / n over accounts, P = #{mean ≥ 9}, D = #{mean < 7}",
          "95 % adjusted-Wald interval", (_REICHHELD, _ROCKS, _PROJECT), "voice_kpis",
          ("nps_responses",), ("confidence_level",),
          "Account means A 9 (promoter), B 6.5 (detractor), C 9 (promoter), D 7.5 "
          "(passive) -> 100 × (2 − 1) / 4 = 25.",
          n_unit="accounts", period_word="wave"),
    _spec("nps_change_qoq", "NPS change vs last quarter", "change_nps", True,
          "responses of the quarter", "voice", ("company", "segment", "kam"),
          "the quarter's NPS minus the NPS of the quarter before (empty when either has no "
          "response); not computed per account",
          "Δ = NPS(q) − NPS(q − 1)",
          "95 % interval of the difference, the two adjusted-Wald variances summed",
          (_ROCKS, _AGRESTI_CAFFO), "voice_kpis", ("nps_responses",), ("confidence_level",),
          "2026Q2 scores 10, 9, 3: NPS 100 × (2 − 1) / 3 = 33.3; 2026Q3 scores 10, 8, 6, 5: "
          "100 × (1 − 2) / 4 = −25 -> change −25 − 33.3 = −58.3.",
          n_unit="responses", period_word="wave"),
    _spec("nps_change_yoy", "NPS change vs last year", "change_nps", True,
          "responses of the quarter", "voice", ("company", "segment", "kam"),
          "the quarter's NPS minus the NPS of the same quarter a year before (empty when "
          "either has no response); not computed per account",
          "Δ = NPS(q) − NPS(q − 4)",
          "95 % interval of the difference, the two adjusted-Wald variances summed",
          (_ROCKS, _AGRESTI_CAFFO), "voice_kpis", ("nps_responses",), ("confidence_level",),
          "2025Q3 scores 2, 3, 10: −33.3; 2026Q3: +14.3 -> change 14.3 + 33.3 = +47.6.",
          n_unit="responses", period_word="wave"),
    # ------------------------------------------------------------------ outcomes
    _spec("objectives_met_leading", "Leading objectives met", "pct", True,
          "leading objectives due in the quarter with an actual", "outcomes", _ALL,
          "leading objectives due in the quarter that were met (attainment = actual / "
          "target, or target / actual when lower is better, ≥ 1) / those due and measured; "
          "objectives due without an actual are left out and shown as \"not measured\"",
          "r = #{a ≥ 1} / #{due, measured}, a = actual / target (target / actual when lower "
          "is better)",
          "95 % Wilson score interval", (_WILSON, _PROJECT), "outcome_kpis",
          ("objectives",), ("confidence_level",),
          "Attainments 1.2, 0.99, 5 / 4 = 1.25 (lower is better), 5 / 6 = 0.83 -> 2 / 4 = "
          "0.5.",
          n_unit="objectives"),
    _spec("objectives_met_lagging", "Lagging objectives met", "pct", True,
          "lagging objectives due in the quarter with an actual", "outcomes", _ALL,
          "lagging objectives due in the quarter that were met (attainment ≥ 1, as for the "
          "leading ones) / those due and measured",
          "r = #{a ≥ 1} / #{due, measured}", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "outcome_kpis", ("objectives",), ("confidence_level",),
          "Attainments 50 / 50 = 1 (met) and 2 / 4 = 0.5 (lower is better) -> 1 / 2 = 0.5; "
          "a lower-is-better target of 2 with an actual of 0 is met (2 / 0 = ∞).",
          n_unit="objectives"),
    # ------------------------------------------------------------------ interaction
    _spec("touchpoints_per_account", "Touchpoints per account", "number", True, _END,
          "interaction", _ALL,
          "interactions in the quarter per account that is a customer at the quarter's end",
          "t = Σ touches / N_end", "95 % bootstrap percentile interval over accounts "
          "(never below 0; none for one account)", (_BOOTSTRAP, _PROJECT),
          "interaction_kpis", ("interactions", "contracts"),
          ("bootstrap_draws", "seed", "confidence_level"),
          "Customers at the end A, B, C, D with 3, 2, 3 and 0 touches -> 8 / 4 = 2."),
    _spec("inbound_share", "Inbound share of interactions", "pct", None,
          "accounts (customers at the quarter's end) with an interaction in the quarter",
          "interaction", _ALL,
          "inbound interactions / all interactions in the quarter, over the accounts that "
          "are customers at the quarter's end",
          "s = Σ inbound / Σ touches", "95 % bootstrap percentile interval over accounts",
          (_BOOTSTRAP, _PROJECT), "interaction_kpis", ("interactions.direction", "contracts"),
          ("bootstrap_draws", "seed", "confidence_level"),
          "Inbound A 1 of 3, B 2 of 2, C 1 of 3 (D has no touch) -> 4 / 8 = 0.5, n = 3."),
    _spec("gap_alert_share", "Accounts with a long contact gap", "pct", False, _END,
          "interaction", _ALL,
          "accounts whose longest contact gap exceeds gap_alert_days / accounts; the gap "
          "runs from the last touch before the quarter to the first in it, between touches, "
          "and up to the quarter's last day",
          "r = #{max gap > gap_alert_days} / N_end", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "interaction_kpis", ("interactions", "contracts"),
          ("gap_alert_days", "confidence_level"),
          "Longest gaps A 61, B 60, C 36 days, D no touch at all; over 45 days: A, B, D -> "
          "3 / 4 = 0.75."),
    _spec("resolution_median_hours", "Median time to resolve a request", "hours", False,
          "requests raised in the quarter", "interaction", _ALL,
          "Kaplan-Meier median time to resolve the quarter's requests, unresolved ones "
          "censored at the quarter's end; where the curve lands exactly on 0.5, the "
          "midpoint to the next event time",
          "median = min {t : Ŝ(t) ≤ 0.5}, Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ / nᵢ)",
          "95 % interval read off the log-log Greenwood band",
          (_KAPLAN_MEIER, _BROOKMEYER), "interaction_kpis",
          ("interactions.is_request", "interactions.resolved_at"), ("confidence_level",),
          "Times 4, 8+, 12, 30, 100+ hours (+ censored): Ŝ(4) = 0.8, Ŝ(12) = 0.8 × 2/3 = "
          "0.533, Ŝ(30) = 0.267 -> median 30 h (the plain median would say 12).",
          n_unit="requests"),
    _spec("resolution_within_target", "Requests resolved within target", "pct", True,
          "requests whose target time has passed by the quarter's end", "interaction",
          _ALL,
          "requests whose target time (occurred_at + resolution_target_hours) has passed by "
          "the quarter's end and that were resolved within it / those requests. A recent "
          "request enters the denominator only once its target time has passed, however "
          "fast it was resolved. The quarter ends at the start of the day after as_of: a "
          "request whose target time falls exactly then is due, and one resolved in exactly "
          "the target time is on time",
          "r = #{due, resolved within T} / #{due}, due = occurred_at + T ≤ end",
          "95 % Wilson score interval", (_WILSON, _PROJECT), "interaction_kpis",
          ("interactions.is_request", "interactions.resolved_at"),
          ("resolution_target_hours", "confidence_level"),
          "Target 48 h; due: 4, 12, 30 h and one unresolved 100 h old (one raised 8 h "
          "before the end is not yet due); on time 4, 12, 30 -> 3 / 4 = 0.75.",
          n_unit="requests"),
    # ------------------------------------------------------------------ growth
    _spec("referral_revenue_share", "Revenue from referred accounts", "pct", True,
          "accounts billed in the quarter with a positive net amount", "growth", _ALL,
          "net revenue invoiced in the quarter to referral-acquired accounts / net revenue "
          "invoiced in the quarter, each account's net revenue floored at 0",
          "s = Σ max(R_ref, 0) / Σ max(R, 0), per account",
          "95 % bootstrap percentile interval over accounts", (_BOOTSTRAP, _PROJECT),
          "growth_kpis", ("invoices", "accounts.referred_by", "accounts.heard_about_us",
                          "accounts.acquisition_channel"),
          ("bootstrap_draws", "seed", "confidence_level"),
          "Q3 revenue A 300 (referred), B 200 (heard about us: referral), C 500 − 100 "
          "(credit note) = 400 -> (300 + 200) / 900 = 0.556."),
    _spec("repeat_customer_rate", "Repeat customers", "pct", True,
          "accounts billed in the quarter", "growth", _ALL,
          "accounts billed in the quarter that were billed before / accounts billed in the "
          "quarter",
          "r = #{billed in q and before} / #{billed in q}", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "growth_kpis", ("invoices",), ("confidence_level",),
          "Billed in Q3: A, B, C; billed before as well: A, C -> 2 / 3 = 0.667.",
          n_unit="billed accounts"),
    _spec("sla_compliance", "SLA compliance", "pct", True,
          "SLA checks whose period ends in the quarter", "growth", _ALL,
          "SLA checks met / SLA checks whose measuring period ends in the quarter",
          "r = #{met} / #{checks}", "95 % Wilson score interval", (_WILSON, _PROJECT),
          "growth_kpis", ("sla_checks",), ("confidence_level",),
          "Checks ending in Q3: A met, A missed, B met, C met -> 3 / 4 = 0.75.",
          n_unit="SLA checks"),
    _spec("renewal_rate", "Renewal rate", "pct", True,
          "contracts whose renewal window closes in the quarter", "growth", _ALL,
          "contracts whose renewal window closes in the quarter (end_on + grace_days + 1 "
          "falls in it) and that were renewed / those contracts; a renewal is the contract "
          "naming it in renewal_of, or without that column a contract of the account "
          "starting in (end_on − grace_days, end_on + grace_days + 1]",
          "r = #{renewed} / #{window closes in q}", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "growth_kpis", ("contracts", "contracts.renewal_of"),
          ("grace_days", "confidence_level"),
          "Windows closing in Q3: RA1 (renewed by RA2), RB1 (no successor), RC1 (successor "
          "not named in renewal_of) -> 1 / 3 with renewal_of; 2 / 3 by the date rule.",
          n_unit="contracts up for renewal"),
    _spec("grr", "Gross revenue retention (12 months)", "ratio", True,
          "accounts that were customers 12 months before the quarter's end, with "
          "contracted value then", "growth", _ALL,
          "contracted annual value now, capped at each account's value 12 months ago, of "
          "the accounts that were customers then / their contracted annual value then "
          "(start − contraction − churn) / start",
          "GRR = Σ min(V_now, V_then) / Σ V_then",
          "95 % bootstrap percentile interval over accounts", (_BOOTSTRAP, _PROJECT),
          "growth_kpis", ("contracts",), ("grace_days", "bootstrap_draws", "seed",
                                          "confidence_level"),
          "A..E at 100 a year ago = 500; now A 0 (churned), B 80, C 150, D 100, E 100 -> "
          "(500 − 20 − 100) / 500 = 0.76."),
    _spec("nrr", "Net revenue retention (12 months)", "ratio", True,
          "accounts that were customers 12 months before the quarter's end, with "
          "contracted value then", "growth", _ALL,
          "contracted annual value now of the accounts that were customers 12 months ago / "
          "their contracted annual value then (GRR plus expansion); an account won back "
          "within the 12 months counts with its value at the end",
          "NRR = Σ V_now / Σ V_then",
          "95 % bootstrap percentile interval over accounts", (_BOOTSTRAP, _PROJECT),
          "growth_kpis", ("contracts",), ("grace_days", "bootstrap_draws", "seed",
                                          "confidence_level"),
          "As for GRR, with C's expansion of 50 -> (500 − 20 − 100 + 50) / 500 = 0.86."),
    _spec("sow_growth", "Share-of-wallet growth (year on year)", "pct", True,
          "accounts that were customers 12 months ago and still hold contracted value",
          "growth", _ALL,
          "contracted annual value now / contracted annual value 12 months ago − 1, over "
          "the retained accounts (customers then with value now)",
          "g = Σ V_now / Σ V_then − 1, over accounts with V_now > 0",
          "95 % bootstrap percentile interval over accounts", (_BOOTSTRAP, _PROJECT),
          "growth_kpis", ("contracts",), ("grace_days", "bootstrap_draws", "seed",
                                          "confidence_level"),
          "Retained B 100 -> 80, C 100 -> 150, D and E 100 -> 100 (A churned) -> 430 / 400 "
          "− 1 = 0.075."),
    # ------------------------------------------------------------------ acquisition
    _spec("conversion_rate", "Prospect conversion (latest cohort whose window closed)",
          "pct", True, "prospects of the cohort", "acquisition",
          ("company", "kam", "channel"),
          "the latest quarter cohort whose conversion windows have all closed: prospects "
          "first contacted in it that converted within conversion_window_days / those "
          "prospects; per KAM and channel. With the default 180 days, the 2026Q3 pack shows "
          "the 2026Q1 cohort, and says so",
          "r = #{converted within W} / #{first contact in cohort}",
          "95 % Wilson score interval", (_WILSON, _PROJECT), "acquisition_kpis",
          ("prospects",), ("conversion_window_days", "confidence_level"),
          "2026Q3 with 180 days shows the 2026Q1 cohort: converted after 50 and exactly 180 "
          "days, one after 212 days, one never -> 2 / 4 = 0.5.",
          n_unit="prospects"),
    _spec("time_to_convert_median_days", "Median time to convert", "days", False,
          "prospects of the cohort", "acquisition", ("company",),
          "Kaplan-Meier median days from first contact to conversion in the cohort of "
          "conversion_rate, prospects not converted within the window censored at its end",
          "median = min {t : Ŝ(t) ≤ 0.5}, Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ / nᵢ)",
          "95 % interval read off the log-log Greenwood band",
          (_KAPLAN_MEIER, _BROOKMEYER), "acquisition_kpis", ("prospects",),
          ("conversion_window_days", "confidence_level"),
          "Converted after 10, 20 and 40 days, two not within 180: Ŝ(10) = 0.8, "
          "Ŝ(20) = 0.6, Ŝ(40) = 0.4 -> median 40 days.",
          n_unit="prospects"),
    _spec("ideal_touches", "Ideal number of touches", "number", None,
          "prospects of the channel whose conversion window has closed", "acquisition",
          ("channel",),
          "per channel, the number of touches after which one more no longer raises "
          "conversion: the interior peak of a logistic curve with a quadratic term; empty "
          "(\"no peak\") when the fitted curve has none inside the observed range",
          "logit p(x) = a + b x − c x², peak x* = b / (2c) when c > 0 and x* lies inside "
          "the observed touches",
          "95 % percentile interval of the peaks of the bootstrap fits (the channel's "
          "prospects resampled) that have one, given when at least half of them do",
          (_HOSMER, _BOOTSTRAP, _PROJECT),
          "acquisition_kpis", ("prospects", "prospect_touches"),
          ("conversion_window_days", "bootstrap_draws", "seed", "confidence_level"),
          "1, 2 and 3 touches converting 2, 6 and 2 of 8: logits −ln 3, ln 3, −ln 3, "
          "symmetric about 2 -> ideal number 2.",
          n_unit="prospects"),
    # ------------------------------------------------------------------ expansion
    _spec("upsell_rate", "Upsell rate", "pct", True, _START, "expansion", _ALL,
          "customers at the quarter's start with an upsell invoice in the quarter / "
          "customers at the start (invoice kinds derived when absent)",
          "r = #{upsell in q} / N_start", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "expansion_kpis", ("contracts", "invoices.kind"),
          ("grace_days", "confidence_level"),
          "Customers at the start A, B, C, D; an upsell for A (a new account's upsell does "
          "not count) -> 1 / 4 = 0.25."),
    _spec("cross_sell_rate", "Cross-sell rate", "pct", True, _START, "expansion", _ALL,
          "customers at the quarter's start with a cross-sell invoice in the quarter / "
          "customers at the start",
          "r = #{cross-sell in q} / N_start", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "expansion_kpis", ("contracts", "invoices.kind"),
          ("grace_days", "confidence_level"),
          "Customers at the start A, B, C, D; a cross-sell for B -> 1 / 4 = 0.25."),
    _spec("expansion_revenue", "Expansion revenue (upsell + cross-sell)", "money", True,
          _START, "expansion", _ALL,
          "upsell plus cross-sell invoiced in the quarter to customers at its start; a new "
          "account's first-quarter invoices are new business",
          "E = Σ (upsell + cross-sell), over customers at the start",
          "none (a sum)", (_PROJECT,), "expansion_kpis", ("contracts", "invoices.kind"),
          ("grace_days",),
          "A's upsell 50 + B's cross-sell 30 (invoices before or after the quarter and a new "
          "account's do not count) -> 80."),
    # ------------------------------------------------------------------ team
    _spec("enps", "Employee NPS (eNPS)", "nps", True,
          "answers to the quarter's employee survey", "team", ("company", "kam", "team"),
          "100 × (promoters − detractors) / answers of the quarter's employee survey, per "
          "company, team (account_managers.team) and KAM; a group with fewer than "
          "min_group_size answers (default 5) is suppressed; managers without a team count "
          "at company grain only",
          "eNPS = 100 (P − D) / n, P = #{score ≥ 9}, D = #{score ≤ 6}; empty when "
          "n < min_group_size",
          "95 % adjusted-Wald interval", (_REICHHELD_MARKEY, _ROCKS), "team_kpis",
          ("employee_surveys", "account_managers.team"),
          ("min_group_size", "confidence_level"),
          "Answers 10, 9, 3 | 10, 8, 7 | 9, 9, 9, 7, 2: promoters 6, detractors 2 -> "
          "100 × 4 / 11 = 36.4; the KAMs with 3 answers are suppressed.",
          n_unit="answers", period_word="survey"),
    # ------------------------------------------------------------------ churn
    _spec("logo_churn_rate", "Logo churn (quarter)", "pct", False, _START, "churn", _ALL,
          "customers at the quarter's start whose churn became known in the quarter / "
          "customers at the start; accounts won during the quarter are in neither count",
          "q = #{churn known in q} / N_start", "95 % Wilson score interval",
          (_WILSON, _PROJECT), "churn_kpis", ("contracts",),
          ("grace_days", "confidence_level"),
          "Customers on the start day: A..F; churn known in the quarter: D and E (an "
          "account won and lost in the quarter is in neither count) -> 2 / 6 = 0.333."),
    _spec("logo_churn_rate_annualised", "Logo churn this quarter, as a yearly rate", "pct",
          False, _START, "churn", _ALL,
          "this quarter's logo churn as a yearly rate, 1 − (1 − q)⁴ (each quarter survived "
          "with the same chance)",
          "q_year = 1 − (1 − q)⁴",
          "the quarter's Wilson bounds mapped by the same formula",
          (_KALBFLEISCH, _WILSON), "churn_kpis", ("contracts",),
          ("grace_days", "confidence_level"),
          "q = 1/3 -> 1 − (2/3)⁴ = 1 − 16/81 = 65/81 = 0.802."),
    _spec("revenue_churn_rate", "Revenue churn (quarter)", "pct", False,
          "accounts that were customers at the quarter's start, with contracted value then",
          "churn", _ALL,
          "contracted annual value at the start of the accounts that churned in the quarter "
          "/ contracted annual value at the start",
          "c = Σ_{churned} V_start / Σ V_start",
          "95 % bootstrap percentile interval over accounts", (_BOOTSTRAP, _PROJECT),
          "churn_kpis", ("contracts",),
          ("grace_days", "bootstrap_draws", "seed", "confidence_level"),
          "Value at the start A, B, C, E, F 100 each, D 200 = 700; D and E churn -> "
          "300 / 700 = 0.429."),
    # ------------------------------------------------------------------ survival
    _spec("clv_total", "Customer lifetime value (total)", "money", True, _END, "survival",
          ("company", "segment", "kam"),
          "sum over the accounts alive at the quarter's end of their CLV: trailing "
          "12-month gross margin × the Cox model's survival in each coming year, "
          "discounted, over horizon_years",
          "CLV = Σ_i Σ_{k=1..H} m_i S_i(t_i + k | t_i) / (1 + d)^k",
          "95 % bootstrap percentile interval over accounts", (_COX, _GUPTA, _BOOTSTRAP),
          "survival_kpis", ("contracts", "invoices.gross_margin", "nps_responses",
                            "interactions", "sla_checks", "employee_surveys"),
          ("discount_rate", "horizon_years", "margin_rate", "grace_days", "bootstrap_draws",
           "seed", "confidence_level"),
          "Margins 100 and 50, survival (0.9, 0.8) and (0.5, 0.25) over two years, 10 %: "
          "100 (0.9/1.1 + 0.8/1.21) + 50 (0.5/1.1 + 0.25/1.21) = 147.93 + 33.06 = 180.99."),
    _spec("clv_naive_total", "CLV by the simple formula", "money", None, _END, "survival",
          ("company",),
          "yearly margin of the accounts alive at the quarter's end × average lifetime, "
          "taken as 1 / the share of the customers of 12 months ago lost since (capped at "
          "100 years)",
          "CLV_naive = Σ m_i × min(1 / c₁₂, 100)", "none", (_GUPTA_LEHMANN, _PROJECT),
          "survival_kpis", ("contracts", "invoices.gross_margin"),
          ("margin_rate", "grace_days"),
          "Margins 100, 50 and 0; 1 of the 4 customers of a year ago lost -> "
          "150 × 4 = 600."),
    _spec("churn_risk_next_quarter", "Predicted churn risk, next quarter", "pct", False,
          "accounts alive at the quarter's end (1 per account)", "survival",
          ("company", "segment", "kam", "account"),
          "per account, the Cox churn model's probability of churning in the next quarter "
          "given its tenure; at other grains, the mean over the accounts",
          "r_i = 1 − S_i(t_i + Δ) / S_i(t_i), Δ = the next quarter's days; r̄ = mean r_i",
          "none", (_COX,), "survival_kpis",
          ("contracts", "nps_responses", "interactions", "sla_checks", "employee_surveys",
           "invoices"), ("grace_days",),
          "Next-quarter survival 0.95, 0.90 and 0.97 -> risks 0.05, 0.10, 0.03, mean 0.06."),
    # ------------------------------------------------------------------ the book's value bridge
    *(_spec(f"clv_bridge_{part}", title, "money", better, n_counts, "bridge",
            ("company", "segment", "kam"), formula, maths, _BRIDGE_INTERVAL, (_GUPTA, _PROJECT),
            "bridge_kpis", _BRIDGE_TABLES, _BRIDGE_SETTINGS, _BRIDGE_EXAMPLE + example)
      for part, title, better, n_counts, formula, maths, example in _BRIDGE),
    # ------------------------------------------------------------------ value by acquisition
    # channel (acquisition costs): kamlib.kpis.acquisition_value
    _spec("clv_by_channel", "Mean CLV of the accounts a channel brought", "money", True,
          _END, "value", ("company", "channel"),
          "mean CLV (as in clv_total) of the accounts alive at the quarter's end that the "
          "acquisition channel brought (accounts.acquisition_channel); the company row is the "
          "mean over every account alive",
          "CLV̄_c = (1 / N_c) Σ_{i ∈ c} CLV_i", "95 % bootstrap percentile interval over accounts",
          (_GUPTA, _BOOTSTRAP, _PROJECT), "value_kpis",
          ("accounts.acquisition_channel", "contracts", "invoices.gross_margin"),
          ("discount_rate", "horizon_years", "margin_rate", "bootstrap_draws", "seed",
           "confidence_level"),
          "Event accounts with CLV 100 and 300, one account without a channel at 500 -> event "
          "200, company (100 + 300 + 500) / 3 = 300."),
    _spec("cac", "Customer acquisition cost (12 months)", "money", False,
          "accounts won in the 365 days up to the quarter's end (first contract started)",
          "value", ("company", "kam", "channel"),
          "acquisition costs incurred in the 365 days up to the quarter's end / accounts won "
          "in them (an account is won when its first contract starts); per channel its own "
          "costs and accounts; per KAM the cost rows carrying the KAM's id / the accounts "
          "that KAM won (the KAM of the converted prospect): the KAM's own cost per account "
          "won. No data without costs or without an account won",
          "CAC_g = Σ_{costs of g in (as_of − 365 d, as_of]} amount / #{accounts of g won then}",
          "95 % bootstrap percentile interval: cost rows resampled, the number of accounts "
          "won drawn as Poisson with the observed count",
          (_BOOTSTRAP, _PROJECT), "value_kpis",
          ("acquisition_costs", "contracts", "accounts.acquisition_channel", "prospects"),
          ("bootstrap_draws", "seed", "confidence_level"),
          "Event costs 300, 100 and 200 in the window, event accounts A and B won in it -> "
          "600 / 2 = 300; KAM K1's rows 100 + 200 over A, the one account K1 won -> 300."),
    _spec("clv_to_cac", "CLV:CAC of the accounts won (12 months)", "multiple", True,
          "accounts won in the 365 days up to the quarter's end", "value",
          ("company", "kam", "channel"),
          "mean value of the accounts won in the 365 days up to the quarter's end / cac, an "
          "account's value being the gross margin it has invoiced so far plus its CLV at the "
          "quarter's end (0 when already lost). About 3 is a common rule of thumb, not a "
          "verdict",
          "V_i = M_i(≤ as_of) + CLV_i;  CLV:CAC_g = mean_{i ∈ won_g} V_i / CAC_g",
          "95 % bootstrap percentile interval: accounts won and cost rows resampled, their "
          "number drawn as Poisson",
          (_GUPTA, _BOOTSTRAP, _PROJECT), "value_kpis",
          ("acquisition_costs", "contracts", "invoices.gross_margin", "prospects"),
          ("discount_rate", "horizon_years", "margin_rate", "bootstrap_draws", "seed",
           "confidence_level"),
          "Values 1,200 and 600 of the two accounts won, cac 300 -> 900 / 300 = 3."),
    _spec("payback_months", "Months of margin that repay the CAC", "months", False,
          "accounts won in the 365 days up to the quarter's end", "value",
          ("company", "kam", "channel"),
          "cac / the mean monthly gross margin of the accounts won in the 365 days up to the "
          "quarter's end: the annual value of each one's first contracts × its margin share "
          "(gross margin / amount invoiced, margin_rate without one) / 12",
          "payback_g = CAC_g / mean_{i ∈ won_g} (ACV_i × μ_i / 12)",
          "95 % bootstrap percentile interval, drawn with those of cac",
          (_BOOTSTRAP, _PROJECT), "value_kpis",
          ("acquisition_costs", "contracts", "invoices.gross_margin"),
          ("margin_rate", "bootstrap_draws", "seed", "confidence_level"),
          "First contracts 1,200 and 600 a year at a margin share 0.4 -> 40 and 20 a month, "
          "mean 30; cac 300 -> 300 / 30 = 10 months."),
)
"""Every KPI id of the long table, one spec each: first those from the event tables,
then those from the survival models."""

SPECS: dict[str, KpiSpec] = {s.id: s for s in REGISTRY}
""":data:`REGISTRY` by id."""


def ids(survival: bool | None = None) -> tuple[str, ...]:
    """The KPI ids in registry order; only the survival-model ones (``True``) or only the
    others (``False``).

    Examples
    --------
    >>> ids(survival=True)
    ('clv_total', 'clv_naive_total', 'churn_risk_next_quarter')
    """
    return tuple(s.id for s in REGISTRY
                 if survival is None or (s.family == "survival") == survival)


def families() -> dict[str, str]:
    """Each computing family with the name of its function in :mod:`kamlib.kpis.compute`,
    in the order the families run.

    Examples
    --------
    >>> list(families().items())[:2]
    [('churn', 'churn_kpis'), ('expansion', 'expansion_kpis')]
    """
    out: dict[str, str] = {}
    for fam in FAMILY_TITLES:
        names = {s.compute for s in REGISTRY if s.family == fam}
        if len(names) != 1:
            raise ValueError(f"family {fam!r} must have exactly one function, has {names}")
        out[fam] = names.pop()
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@dataclass(frozen=True)
class Theme:
    """One of the ten KPIs of key account management and the KPI id its card shows.

    Attributes
    ----------
    number : its place among the ten (1-10).
    name : the theme, e.g. "Customer satisfaction".
    kpi : the KPI id shown on the theme's card (its unit and direction are the spec's).
    card_title : the card's title, shorter than the KPI's own title.
    fallback : a KPI id shown instead when ``kpi`` has no value in the quarter.
    secondary : a second KPI id written on one line under the first.

    Examples
    --------
    >>> THEMES[2].label, THEMES[2].kpi
    ('3 · Customer satisfaction', 'nps')
    """

    number: int
    name: str
    kpi: str
    card_title: str
    fallback: str | None = None
    secondary: str | None = None

    @property
    def label(self) -> str:
        """The numbered theme, as the cards show it."""
        return f"{self.number} · {self.name}"


THEMES: tuple[Theme, ...] = (
    Theme(1, "Customer lifetime value", "clv_total", "Customer lifetime value"),
    Theme(2, "Referenceable customers", "reference_rate", "Customers who would be a reference"),
    Theme(3, "Customer satisfaction", "nps", "Net Promoter Score"),
    Theme(4, "Customer outcomes", "objectives_met_leading", "Customer objectives met",
          fallback="objectives_met_lagging"),
    Theme(5, "Interaction", "touchpoints_per_account", "Touchpoints per account",
          secondary="gap_alert_share"),
    Theme(6, "Organic growth", "nrr", "Net revenue retention (12 months)"),
    Theme(7, "Acquisition", "conversion_rate", "Prospects converted"),
    Theme(8, "Upsell, cross-sell, renewal", "upsell_rate", "Accounts with an upsell",
          secondary="renewal_rate"),
    Theme(9, "Employee satisfaction", "enps", "Employee NPS (eNPS)"),
    Theme(10, "Churn", "logo_churn_rate", "Logo churn this quarter"),
)
"""The ten KPIs of key account management, in their usual order: the report's cards."""


def reference_page() -> str:
    """The text of ``docs/kpi-reference.md``, generated from :data:`REGISTRY`.

    Examples
    --------
    >>> reference_page().splitlines()[0]
    '# KPI reference'
    """
    out = ["# KPI reference", "",
           "<!-- Generated from kamlib/kpis/registry.py by "
           "`python -m kamlib.kpis.registry --write docs/kpi-reference.md`; "
           "do not edit by hand. -->", "",
           "Every KPI id of `kpis.csv`, with its definition. Conventions (periods, "
           "grains, customer status, contracted annual value) and the decisions behind the "
           "edge cases are in [kpis.md](kpis.md).", ""]
    out += ["## The ten KPIs of key account management", "",
            "The cards of the report's pages, one KPI id per theme.", "",
            "| theme | KPI id | card | also shown |", "|---|---|---|---|"]
    for t in THEMES:
        also = [f"`{t.fallback}` when it has no value" if t.fallback else "",
                f"`{t.secondary}` under it" if t.secondary else ""]
        out += [f"| {t.label} | `{t.kpi}` | {t.card_title} | {'; '.join(a for a in also if a)} |"]
    out += ["", "## KPIs by family", ""]
    out += [f"- [{title}](#{_anchor(title)})" for title in FAMILY_TITLES.values()]
    out += [""]
    for fam, title in FAMILY_TITLES.items():
        out += [f"## {title}", "",
                f"Computed by `kamlib.kpis.compute.{families()[fam]}`.", ""]
        for s in REGISTRY:
            if s.family != fam:
                continue
            out += [f"### {s.title}", "",
                    "| | |", "|---|---|",
                    f"| id | `{s.id}` |",
                    f"| unit | `{s.unit}`: {UNITS[s.unit]} |",
                    f"| direction | {s.direction} |",
                    f"| n counts | {_cell(s.n_counts)} |",
                    f"| grains | {', '.join(s.grains)} |", "",
                    f"**Formula.** {s.formula[:1].upper()}{s.formula[1:]}.", "",
                    f"**Maths.** `{s.maths}`", "",
                    "```text", s.doc, "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _anchor(title: str) -> str:
    """The GitHub-style anchor of a heading."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the reference page, or write it with ``--write PATH``."""
    parser = argparse.ArgumentParser(prog="python -m kamlib.kpis.registry",
                                     description="Generate the KPI reference page.")
    parser.add_argument("--write", type=Path, metavar="PATH",
                        help="write the page to PATH instead of printing it")
    args = parser.parse_args(argv)
    text = reference_page()
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
