"""The most valuable accounts and what marks them, computed when the bundle is built.

- :func:`account_attributes` reads the attributes the accounts table records (industry,
  region, acquisition channel, referrer) once, from the data;
- :func:`most_valuable` ranks the current accounts by lifetime value (CLV) for the whole
  company (``rank``): the CLV page lists the first :data:`TOP_ACCOUNTS`, each scorecard
  the manager's own first :data:`KAM_TOP`;
- :func:`value_results` fits :func:`kamlib.models.value_factors.value_factors` to the
  current accounts and words its main findings (:class:`ValueFactorFacts`).

>>> view = pd.DataFrame({"account_id": ["a", "b"], "name": ["A", "B"], "kam_id": "K1",
...                      "kam_name": "Kira", "clv": [100.0, 300.0], "clv_low": [80.0, 250.0],
...                      "clv_high": [120.0, 360.0], "churn_next_year": [0.1, 0.2]})
>>> clv = pd.DataFrame({"account_id": ["a", "b"], "margin": [40.0, 90.0], "tenure": [730.5, 365.25]})
>>> most_valuable(view, clv)[["rank", "name", "margin", "tenure_years"]].values.tolist()
[[1, 'B', 90.0, 1.0], [2, 'A', 40.0, 2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kamlib.models.value_factors import referred, tenure_band, value_factors

if TYPE_CHECKING:
    from kamlib.report.bundle import Bundle

__all__ = ["ATTRIBUTE_COLUMNS", "KAM_TOP", "TOP_ACCOUNTS", "ValueFactorFacts",
           "account_attributes", "effect_sentence", "factor_frame", "most_valuable",
           "referred_context", "value_results"]

#: accounts the CLV page lists
TOP_ACCOUNTS = 20
#: accounts a scorecard lists
KAM_TOP = 5
#: the optional columns of the accounts table the regression uses
ATTRIBUTE_COLUMNS = ("industry", "region", "acquisition_channel", "referred_by")
_DAYS_PER_YEAR = 365.25
_TOP_COLUMNS = ["rank", "account_id", "name", "segment", "kam_id", "kam_name", "clv", "clv_low",
                "clv_high", "margin", "tenure_years", "churn_next_year", "next_renewal_on"]


@dataclass
class ValueFactorFacts:
    """What the regression of CLV on account attributes was fitted on and found: the
    accounts in the model, those left out with no positive CLV, R² of log CLV, why there
    is no model (``error``), its main findings in words (``findings``) and how the referred
    accounts differ from the others in tenure and segment (``referred_context``)."""

    accounts: int = 0
    zero: int = 0
    r2: float | None = None
    error: str = ""
    findings: list[str] = field(default_factory=list)
    #: how the referred accounts differ from the others (why the raw ratio differs)
    referred_context: str = ""


def account_attributes(data) -> pd.DataFrame:
    """``account_id`` and those of :data:`ATTRIBUTE_COLUMNS` the accounts table has."""
    acc = data.frame("accounts")
    return acc[["account_id", *[c for c in ATTRIBUTE_COLUMNS if c in acc]]] \
        .sort_values("account_id").reset_index(drop=True)


def most_valuable(view: pd.DataFrame, clv: pd.DataFrame | None) -> pd.DataFrame:
    """The current accounts with a lifetime value, largest first, ranked for the company
    (``rank``), with CLV and its interval, trailing 12-month margin, tenure in years,
    churn risk within 12 months with the next renewal (when customers mostly leave) and
    owner; empty without a churn model."""
    if clv is None or len(clv) == 0 or "clv" not in view or view["clv"].isna().all():
        return pd.DataFrame(columns=_TOP_COLUMNS)
    extra = clv[["account_id", *[c for c in ("margin", "tenure") if c in clv]]]
    f = view.dropna(subset=["clv"]).merge(extra, on="account_id", how="left")
    f["tenure_years"] = f["tenure"] / _DAYS_PER_YEAR if "tenure" in f else np.nan
    f = f.sort_values(["clv", "account_id"], ascending=[False, True]).reset_index(drop=True)
    f["rank"] = np.arange(1, len(f) + 1)
    for c in _TOP_COLUMNS:
        if c not in f:
            f[c] = np.nan
    return f[_TOP_COLUMNS]


def factor_frame(clv: pd.DataFrame, attributes: pd.DataFrame) -> pd.DataFrame:
    """One row per account of ``clv`` with what the regression uses: clv, segment,
    industry, region, referred, channel, tenure_band, kam_id (those there are)."""
    f = clv[["account_id", "clv", *[c for c in ("segment", "kam_id", "tenure") if c in clv]]]
    f = f.merge(attributes, on="account_id", how="left") if len(attributes) else f
    channel = f.get("acquisition_channel")
    if channel is not None or "referred_by" in f:
        f["referred"] = referred(f.get("referred_by"), channel)
    if channel is not None:
        f["channel"] = channel
    if "tenure" in f:
        f["tenure_band"] = tenure_band(f["tenure"] / _DAYS_PER_YEAR)
    return f.drop(columns=[c for c in ("acquisition_channel", "referred_by", "tenure")
                           if c in f]).reset_index(drop=True)


def effect_sentence(row: pd.Series | dict) -> str:
    """One effect in words, with its interval and the raw ratio.

    >>> effect_sentence({"attribute": "referred", "attribute_label": "Referred by a customer",
    ...                  "level": "yes", "baseline": "no", "ratio": 1.3, "low": 1.1,
    ...                  "high": 1.6, "raw_ratio": 0.95})
    'Accounts referred by a customer are worth 1.30× (1.10×–1.60×) those not referred, other things equal (raw averages: 0.95×).'
    """
    r = dict(row)
    ratio = f"{r['ratio']:.2f}× ({r['low']:.2f}×–{r['high']:.2f}×)"
    raw = f"raw averages: {r['raw_ratio']:.2f}×"
    if r["attribute"] == "referred":
        return (f"Accounts referred by a customer are worth {ratio} those not referred, "
                f"other things equal ({raw}).")
    what = str(r["attribute_label"]).lower()
    level, base = (str(r[k]).replace("_", " ") for k in ("level", "baseline"))
    return (f"Accounts with {what} {level} are worth {ratio} those with {what} {base}, "
            f"other things equal ({raw}).")


def _findings(effects: pd.DataFrame, most: int = 3) -> list[str]:
    """The referred effect and the largest others whose interval excludes 1 (managers
    left out), in words."""
    e = effects[effects["ratio"].notna() & (effects["attribute"] != "kam_id")]
    ref = e[e["attribute"] == "referred"]
    clear = e[(e["attribute"] != "referred") & ((e["low"] > 1) | (e["high"] < 1))]
    clear = clear.assign(size=np.abs(np.log(clear["ratio"].astype(float)))) \
        .sort_values(["size", "attribute", "level"], ascending=[False, True, True])
    rows = pd.concat([ref, clear.head(most - len(ref)).drop(columns="size")])
    return [effect_sentence(r) for _i, r in rows.iterrows()]


_RECENT = ("under 1 year", "1–3 years")


def referred_context(frame: pd.DataFrame) -> str:
    """How the referred accounts of ``frame`` (:func:`factor_frame`) differ from the others:
    the share that have been customers for under 3 years and the share in the segment
    with the most value; "" without referred accounts or without both groups.

    >>> f = pd.DataFrame({"referred": [True, True, False, False],
    ...                   "tenure_band": ["under 1 year", "6 years or more"] + ["3–6 years"] * 2,
    ...                   "segment": ["strategic", "key", "key", "key"],
    ...                   "clv": [9.0, 1.0, 1.0, 1.0]})
    >>> referred_context(f)
    'Of the referred accounts, 50 % have been customers for under 3 years (of the others 0 %) and 50 % are strategic (of the others 0 %).'
    """
    if "referred" not in frame or frame["referred"].nunique() < 2:
        return ""
    ref = frame["referred"].astype(bool)
    parts = []
    if "tenure_band" in frame:
        recent = frame["tenure_band"].isin(_RECENT)
        parts.append(f"{_pct(recent[ref].mean())} have been customers for under 3 years "
                     f"(of the others {_pct(recent[~ref].mean())})")
    if "segment" in frame and frame["segment"].notna().any():
        top = frame.groupby("segment")["clv"].mean().sort_values(ascending=False).index[0]
        seg = frame["segment"] == top
        parts.append(f"{_pct(seg[ref].mean())} are {str(top).replace('_', ' ')} "
                     f"(of the others {_pct(seg[~ref].mean())})")
    return "Of the referred accounts, " + " and ".join(parts) + "." if parts else ""


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def value_results(b: Bundle, view: pd.DataFrame) -> dict[str, Any]:
    """The bundle fields of the most valuable accounts and what marks them:
    ``most_valuable``, ``value_factors`` (the effects; ``charted`` is False for the
    managers' rows, which the page does not chart) and ``value_factor_facts``."""
    out: dict[str, Any] = {"most_valuable": most_valuable(view, b.clv)}
    if b.clv is None or len(b.clv) == 0:
        out.update(value_factors=pd.DataFrame(), value_factor_facts=ValueFactorFacts(
            error=b.churn_model.error or "No churn model this quarter: no lifetime values."))
        return out
    frame = factor_frame(b.clv, b.account_attributes)
    fit = value_factors(frame)
    if len(fit.effects) == 0:
        facts = ValueFactorFacts(accounts=fit.accounts, zero=fit.zero,
                                 error="Too few accounts with a lifetime value for the model.")
    else:
        facts = ValueFactorFacts(accounts=fit.accounts, zero=fit.zero, r2=fit.r2,
                                 findings=_findings(fit.effects),
                                 referred_context=referred_context(frame))
    effects = fit.effects.assign(charted=fit.effects["attribute"] != "kam_id")
    out.update(value_factors=effects, value_factor_facts=facts)
    return out
