"""The shared results of one quarter, computed once and read by every notebook.

``kam report`` validates the data and builds a :class:`Bundle` once; each report
notebook then only reads it (:meth:`Bundle.load`) and shows what it holds: every
figure, list, verdict and model check of a page is computed by :func:`build`, the
notebooks only format and display. An analyst opening a notebook in JupyterLab
without a cache gets the same bundle built on the fly by :func:`open_bundle`.

A bundle is a typed container: named frames (``b.kpis``, ``b.accounts``,
``b.risk_ranking``, ...; a frame a quarter cannot have, such as the churn model's
without a model, is None) and small typed results (:mod:`kamlib.report.facts`).
It is stored as a plain folder that can be inspected: one Parquet file per frame and
``meta.json`` for the rest.

>>> b = Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30),
...            kpis=pd.DataFrame({"kpi": ["nps"], "value": [12.0]}))
>>> float(b.kpis.value.iloc[0]), b.clv is None, b.meta["quarter"]
(12.0, True, '2026Q3')
"""

from __future__ import annotations

import json
import logging
import time
import typing
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

import kamlib
from kamlib.config import CACHE_DIR, Settings, default_data, load_settings
from kamlib.data.sources import display_name, is_url, open_source
from kamlib.data.validate import validate
from kamlib.kpis.compare import KamComparison
from kamlib.kpis.compute import KpiPeriod, resolve_quarter
from kamlib.panels.coverage import data_quarters
from kamlib.panels.raw import row_counts
from kamlib.periods import Quarter
from kamlib.present.rows import quarter_of
from kamlib.present.scorecard import manager_rows
from kamlib.report import account_history, actions, churn_model, themes
from kamlib.report.facts import (
    BacktestFacts,
    CohortModelFacts,
    Comparison,
    ContactGapFacts,
    ConversionCohort,
    DataQualityFacts,
    HeadlineFacts,
    LifetimeFacts,
    Mentions,
    ModelFacts,
    Window,
    from_json,
    to_json,
)
from kamlib.report.pages import page_results
from kamlib.report.value_marks import ValueFactorFacts, account_attributes  # most valuable

__all__ = ["Bundle", "build", "code_hash", "load_once", "open_bundle"]

log = logging.getLogger(__name__)


def _frames() -> Any:
    return field(default_factory=pd.DataFrame)


class ManagerKpis(typing.NamedTuple):
    """A manager's part of the KPI tables (:meth:`Bundle.manager_kpis`)."""

    kpis: pd.DataFrame
    history: pd.DataFrame
    earlier: pd.DataFrame
    changes: pd.DataFrame
    #: the quarter of the whole KPI table (None when it is empty)
    quarter: str | None


@dataclass(eq=False, repr=False)
class Bundle:
    """Everything the report shows for one quarter: named frames and typed results.

    Frames typed ``DataFrame | None`` are None when the quarter cannot have them (no
    churn model, no survey, no employee survey, no objectives); the others are always
    there, maybe empty. ``b.frame(name)`` and ``b.meta`` (the stored ``meta.json``)
    serve code that reads a bundle by name. :meth:`save` and :meth:`load` write and
    read the bundle's folder.
    """

    quarter: Quarter
    settings: Settings
    as_of: date
    source: str = ""

    # -- results --------------------------------------------------------------------------
    #: the trailing quarters over which managers are compared
    window: Window = field(default_factory=Window)
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    #: the quarter of the survey answers shown when the quarter had none
    responses_period: str | None = None
    mentions: Mentions | None = None
    conversion_cohort: ConversionCohort = field(default_factory=ConversionCohort)
    contact_gaps: ContactGapFacts = field(default_factory=ContactGapFacts)
    #: why the link between leading and lagging objectives cannot be shown ("" when it can)
    objective_link_note: str = ""
    churn_model: ModelFacts = field(default_factory=ModelFacts)
    backtest_scores: BacktestFacts = field(default_factory=BacktestFacts)
    cohort_model: CohortModelFacts = field(default_factory=CohortModelFacts)
    lifetime: LifetimeFacts = field(default_factory=LifetimeFacts)
    #: the most managers behind a correlation of satisfaction with customer outcomes
    enps_managers: int = 0
    data_quality: DataQualityFacts = field(default_factory=DataQualityFacts)
    #: the verdicts of the executive summary's sentences
    headline: HeadlineFacts = field(default_factory=HeadlineFacts)

    # -- KPIs --------------------------------------------------------------------------------
    kpis: pd.DataFrame = _frames()
    #: company and segment rows of the eight quarters up to this one
    trend: pd.DataFrame = _frames()
    #: KAM rows of the latest quarter with data for KPIs without data this quarter
    earlier: pd.DataFrame = _frames()

    # -- accounts and managers -------------------------------------------------------------
    accounts: pd.DataFrame = _frames()
    kams: pd.DataFrame = _frames()
    #: one row per current account with what the pages show about it
    account_view: pd.DataFrame = _frames()
    #: the same, the largest lifetime value first (each manager's book on a scorecard)
    books: pd.DataFrame = _frames()
    #: current accounts with a value at risk, ranked for the whole company (``rank``)
    risk_ranking: pd.DataFrame = _frames()
    #: accounts over the contact-gap threshold, most urgent first
    contact_alerts: pd.DataFrame = _frames()
    value_at_risk_kam: pd.DataFrame = _frames()
    value_at_risk_segment: pd.DataFrame = _frames()
    #: one row per manager for the head of a scorecard
    kam_summary: pd.DataFrame = _frames()

    # -- managers compared (long, with a ``kpi`` column; see :meth:`comparison`) ------------
    kam_trailing: pd.DataFrame = _frames()
    kam_funnel: pd.DataFrame = _frames()
    kam_funnel_limits: pd.DataFrame = _frames()
    kam_shrunk: pd.DataFrame = _frames()

    # -- customer voice ----------------------------------------------------------------------
    responses: pd.DataFrame = _frames()
    responses_latest: pd.DataFrame | None = None
    #: answers (detractors, passives, promoters) of the latest wave by segment, by manager
    nps_segment: pd.DataFrame = _frames()
    nps_kam: pd.DataFrame = _frames()

    # -- objectives --------------------------------------------------------------------------
    objectives: pd.DataFrame | None = None
    objectives_history: pd.DataFrame | None = None
    #: objectives due this quarter below 80 % of target, with account and manager
    objectives_short: pd.DataFrame = _frames()
    #: lagging objectives met by how many leading ones were met the year before
    objective_link: pd.DataFrame = _frames()

    # -- acquisition -------------------------------------------------------------------------
    touch_peaks: pd.DataFrame = _frames()
    touch_curves: pd.DataFrame = _frames()
    # -- value by acquisition channel: why CAC, CLV:CAC and payback have no figure ("" when
    #: they have one; kamlib.report.acquisition_value)
    acquisition_costs_note: str = ""
    #: one row per acquisition channel: conversion, ideal touches, mean CLV, CAC, CLV:CAC
    #: and payback, the company first
    channel_value: pd.DataFrame = _frames()

    # -- churn model (None without a model) ---------------------------------------------------
    clv: pd.DataFrame | None = None
    #: hazard ratios, indexed by covariate
    model_summary: pd.DataFrame | None = None
    ph_check: pd.DataFrame | None = None
    #: the backtest's predictions per account, their calibration in risk groups, and its
    #: measures (model against benchmark)
    backtest: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    backtest_measures: pd.DataFrame | None = None
    km_segment: pd.DataFrame | None = None
    km_cohort: pd.DataFrame | None = None
    km_recent_cohorts: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None
    cohort_fit: pd.DataFrame | None = None

    # -- accounts to act on: risk drivers, next steps, renewal calendar ---------------------
    #: each current account's risk drivers (None without a churn model)
    risk_drivers: pd.DataFrame | None = None
    #: requests raised in the quarter still open at its end, per account
    open_requests: pd.DataFrame | None = None
    #: contracts awaiting renewal at the quarter's end
    renewals_pending: pd.DataFrame | None = None
    #: contracts whose renewal window opens next quarter, with owner and risk
    renewal_calendar: pd.DataFrame = _frames()

    # -- team (None without employee surveys) -------------------------------------------------
    enps_teams: pd.DataFrame | None = None
    kam_outcomes: pd.DataFrame | None = None
    enps_association: pd.DataFrame | None = None
    enps_terciles: pd.DataFrame | None = None

    # -- What changed (kamlib.kpis.changes) ----------------------------------------------------
    #: KAM and account rows of the previous quarter and of a year before
    change_rows: pd.DataFrame = _frames()
    #: each account's segment and KAM in those quarters and in this one (``period``)
    change_owners: pd.DataFrame = _frames()
    #: every tested change, ranked (``rank``), with its test, p- and q-value and ``passed``
    changes: pd.DataFrame = _frames()
    #: the drivers of the ranked changes: one row per change (``rank``) and group
    change_drivers: pd.DataFrame = _frames()
    #: standing gaps between groups of the same quarters (not changes over time)
    change_gaps: pd.DataFrame = _frames()

    # -- scorecard: each manager's objectives below target ------------------------------------
    #: objectives due this quarter below their target (attainment under 100 %), with
    #: account and manager, the furthest short first
    objectives_below_target: pd.DataFrame = _frames()

    # -- account pages (kamlib.report.account_history): each current account's history ------
    account_profile: pd.DataFrame = _frames()
    account_contracts: pd.DataFrame = _frames()
    account_quarters: pd.DataFrame = _frames()
    account_months: pd.DataFrame = _frames()
    account_answers: pd.DataFrame = _frames()
    account_sales: pd.DataFrame = _frames()
    account_requests: pd.DataFrame = _frames()

    # -- the book's value bridge (kamlib.kpis.value_bridge) -------------------------------------
    #: the bridge of the company, each segment and each KAM from the CLV at the quarter's
    #: start to the CLV at its end: ``grain``, ``group``, ``step`` (start, the parts, end),
    #: ``value``, ``n``; empty without a churn model at either end
    value_bridge: pd.DataFrame = _frames()
    #: the same, one row per group (``grain``, ``group``, ``name``) and a column per step
    value_bridge_groups: pd.DataFrame = _frames()
    #: why there is no bridge ("" when there is one)
    value_bridge_note: str = ""

    # -- links -------------------------------------------------------------------------------
    #: the pages names link to: ``kind`` (``kam``, ``account``), ``id`` and ``href`` relative
    #: to the quarter's folder (:func:`kamlib.report.paths.page_paths`): a scorecard per
    #: manager the report renders one for, a page per current account
    pages: pd.DataFrame = _frames()

    # -- data quality ------------------------------------------------------------------------
    validation: pd.DataFrame = _frames()
    faults: pd.DataFrame = _frames()
    rules: pd.DataFrame = _frames()

    # -- most valuable accounts and what marks them (kamlib.report.value_marks) ---------------
    #: current accounts by lifetime value, largest first, ranked for the company (``rank``)
    most_valuable: pd.DataFrame = _frames()
    #: the attributes the accounts table records (industry, region, channel, referrer)
    account_attributes: pd.DataFrame = _frames()
    #: each attribute level's factor on lifetime value against its baseline, with the raw ratio
    value_factors: pd.DataFrame = _frames()
    value_factor_facts: ValueFactorFacts = field(default_factory=ValueFactorFacts)

    # -- reading ---------------------------------------------------------------------------
    @classmethod
    def frame_names(cls) -> tuple[str, ...]:
        """The names of every frame a bundle can hold."""
        return tuple(f.name for f in fields(cls) if "DataFrame" in str(f.type))

    @property
    def names(self) -> list[str]:
        """The frames this bundle holds (not None), sorted."""
        return sorted(n for n in self.frame_names() if getattr(self, n) is not None)

    def frame(self, name: str) -> pd.DataFrame:
        """A copy of frame ``name``; an empty frame when the bundle has none by that name."""
        f = getattr(self, name) if name in self.frame_names() else None
        return f.copy() if f is not None else pd.DataFrame()

    def rows(self, name: str, head: int | None = None, **where: Any) -> pd.DataFrame:
        """The rows of frame ``name`` whose columns equal ``where``, in the frame's order,
        the first ``head`` of them (all when None).

        >>> b = Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30),
        ...            risk_ranking=pd.DataFrame({"kam_id": ["K1", "K2", "K1"], "rank": [1, 2, 3]}))
        >>> b.rows("risk_ranking", kam_id="K1")["rank"].tolist(), len(b.rows("risk_ranking", head=2))
        ([1, 3], 2)
        """
        f = self.frame(name)
        for col, value in where.items():
            f = f[f[col] == value] if col in f else f.iloc[0:0]
        return f if head is None else f.head(head)

    def comparison(self, kpi: str):
        """The comparison of the managers on ``kpi`` (a :class:`kamlib.kpis.compare.KamComparison`:
        funnel table with each ``manager``'s name, limits, shrunken rates by name)."""

        facts = self.comparisons.get(kpi, Comparison(kpi=kpi))

        def part(name: str) -> pd.DataFrame:
            f = self.rows(name, kpi=kpi)
            return f.drop(columns="kpi").reset_index(drop=True) if len(f) else pd.DataFrame()

        target = facts.target if facts.target is not None else float("nan")
        return KamComparison(kpi, target, part("kam_funnel"), part("kam_funnel_limits"),
                             part("kam_shrunk"), facts.dispersion)

    def manager_kpis(self, kam_id: str, items: Iterable[str]) -> ManagerKpis:
        """The KPI tables a scorecard reads, narrowed to the rows about ``items`` for
        manager ``kam_id`` or the whole company
        (:func:`kamlib.present.scorecard.manager_rows`), and the KPI table's quarter.

        >>> b = Bundle(Quarter("2026Q3"), Settings(), date(2026, 9, 30),
        ...            kpis=pd.DataFrame({"kpi": "nps", "grain": ["kam", "kam", "company"],
        ...                               "group": ["K1", "K2", "all"], "period": "2026Q3"}))
        >>> m = b.manager_kpis("K1", ["nps"])
        >>> m.kpis.group.tolist(), m.quarter
        (['K1', 'all'], '2026Q3')
        """
        items = list(items)
        return ManagerKpis(*(manager_rows(f, items, kam_id) for f in
                             (self.kpis, self.history, self.change_rows, self.changes)),
                           quarter=quarter_of(self.kpis))

    @property
    def kam_names(self) -> dict[str, str]:
        """kam id -> the manager's name as the pages show it."""
        if len(self.kams) == 0:
            return {}
        return dict(zip(self.kams.kam_id, self.kams.name, strict=True))

    @property
    def history(self) -> pd.DataFrame:
        """KPI rows of earlier quarters that a page may show when the quarter has none:
        the trend (company and segment grains, 8 quarters) and, for KPIs without
        observations this quarter, the KAM grain of the last 12 months
        (:func:`kamlib.report.themes.earlier_kpis`)."""
        parts = [f for f in (self.trend, self.earlier) if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def meta(self) -> dict[str, Any]:
        """Everything but the frames as plain JSON values (the bundle's ``meta.json``):
        ``quarter``, ``as_of``, ``settings``, ``source`` and each result by field name."""
        out: dict[str, Any] = {"quarter": str(self.quarter), "as_of": self.as_of.isoformat(),
                               "settings": asdict(self.settings), "source": self.source}
        out.update((f.name, to_json(getattr(self, f.name))) for f in fields(self)
                   if f.name not in out and f.name not in self.frame_names())
        return out

    def __repr__(self) -> str:
        rows = [f"  {n}: {len(getattr(self, n)):,} rows" for n in self.names]
        return (f"Bundle {self.quarter} (as of {self.as_of}), {len(rows)} frames:\n"
                + "\n".join(rows))

    # -- storing ---------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the bundle into ``folder``: ``<frame>.parquet`` per frame, ``meta.json``.

        Parquet wants one type per column: object columns are stored as text (missing
        values stay missing). A frame keeps its index only when the index is named (the model
        summary's covariates).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.frame_names():
            df = getattr(self, name)
            path = folder / f"{name}.parquet"
            if df is None:
                path.unlink(missing_ok=True)
                continue
            _write_parquet(df, path)
        (folder / "meta.json").write_text(
            json.dumps(self.meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Bundle:
        """The bundle stored in ``folder`` by :meth:`save`."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        settings = Settings(**meta["settings"])
        hints = typing.get_type_hints(cls)
        kwargs: dict[str, Any] = {
            "quarter": Quarter(meta["quarter"], settings.fiscal_year_start_month),
            "settings": settings, "as_of": date.fromisoformat(meta["as_of"]),
            "source": meta.get("source", "")}
        for f in fields(cls):
            if f.name in kwargs:
                continue
            if f.name in cls.frame_names():
                path = folder / f"{f.name}.parquet"
                if path.exists():
                    kwargs[f.name] = pd.read_parquet(path)
            elif f.name in meta:
                kwargs[f.name] = from_json(hints[f.name], meta[f.name])
        return cls(**kwargs)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    df = df.copy()
    for c in df.columns:  # Parquet wants one type per column
        if df[c].dtype == object:
            df[c] = _as_texts(df[c])
    if df.index.name is None:
        df.reset_index(drop=True).to_parquet(path, index=False)
    else:
        df.to_parquet(path, index=True)


def _as_texts(col: pd.Series) -> pd.Series:
    """:func:`_as_text` of every value of an object column; a column of text and missing
    values (most of them) only has its missing values made None, without a call per value.

    >>> _as_texts(pd.Series(["a", None, float("nan")], dtype=object)).tolist()
    ['a', None, None]
    >>> _as_texts(pd.Series(["a", 3], dtype=object)).tolist()
    ['a', '3']
    """
    if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        return col.where(col.notna(), None)
    return col.map(_as_text)


def _as_text(v: Any) -> str | None:
    """A value of a column of mixed types as text; missing (None, NaN, NaT) stays missing.

    >>> _as_text(3), _as_text(float("nan")), _as_text("x")
    ('3', None, 'x')
    """
    if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)):
        return None
    return v if isinstance(v, str) else str(v)


# -- building ----------------------------------------------------------------------------------
def build(data, quarter: Quarter, out: str | Path, settings: Settings | None = None,
          progress: Callable[[str], None] | None = None, source_label: str = "") -> Bundle:
    """Compute everything the report shows for ``quarter`` and store it in ``out``.

    Parameters
    ----------
    data : a :class:`~kamlib.data.validate.ValidatedData`.
    quarter : the reported quarter.
    out : the bundle's folder (created).
    settings : the rules behind the figures; default :class:`~kamlib.config.Settings`
        (this function reads no config file: pass ``load_settings()`` for ``kam.toml``).
    progress : told the name of each step.
    source_label : how the pages name the data.

    The results of each theme (KPIs and trends, managers compared, accounts and
    surveys, acquisition, the churn model, the team, data quality) are stored first;
    the pages' lists, tables and verdicts (:func:`kamlib.report.pages.page_results`) are
    then computed from the stored frames, exactly as a page reads them. Returns the
    bundle as stored.
    """

    settings = settings if settings is not None else Settings()
    step = progress or (lambda _name: None)
    first, _last = data_quarters(data, settings)
    p = KpiPeriod(data, quarter, settings)
    results: dict[str, Any] = {}
    step("KPIs")
    results.update(themes.kpi_frames(data, quarter, first, settings, p, step))
    step("KAM comparison")
    results.update(themes.trailing_frames(data, quarter, first, settings, p))
    step("accounts")
    results.update(themes.account_frames(data, quarter, first, settings, p))
    step("acquisition")
    results.update(themes.acquisition_frames(data, quarter, settings))
    step("survival")
    frames, model, scores, cohort_model, lifetime = churn_model.model_frames(
        data, quarter, settings, p, step)
    results.update(frames, churn_model=model, backtest_scores=scores,
                   cohort_model=cohort_model, lifetime=lifetime)
    # -- the book's value bridge: the previous quarter's churn model is fitted by the KPIs
    results.update(themes.value_bridge_frames(p))
    # -- accounts to act on: risk drivers, open requests, contracts awaiting renewal
    step("accounts to act on")
    results.update(actions.action_frames(data, quarter, settings, p))
    step("team")
    results.update(themes.team_frames(data, quarter, first, settings))
    step("what changed")  # What changed: the comparison quarters' KAM and account rows
    results.update(themes.change_frames(data, quarter, first, settings, p))
    # -- account pages: each current account's history, for all accounts at once
    step("account pages")
    results.update(account_history.history_frames(data, quarter, settings, p))
    # -- most valuable accounts: the attributes what marks them is fitted on
    results.update(account_attributes=account_attributes(data))
    step("data quality")
    results.update(validation=data.summary, faults=data.faults)
    Bundle(quarter, settings, quarter.end, source_label, **results).save(out)
    step("pages")
    stored = Bundle.load(out)
    replace(stored, **page_results(stored)).save(out)
    return Bundle.load(out)


_CODE_HASH: str | None = None


def code_hash(files: Iterable[Path] | None = None) -> str:
    """sha256 of the kamlib package's code: each ``.py`` file's path inside the
    package and contents (computed once per process for the installed package).

    A bundle cached by a notebook is reused only by the same code, so after an edit
    of any module JupyterLab computes afresh instead of serving stale results.
    """
    import hashlib

    global _CODE_HASH
    if files is None and _CODE_HASH is not None:
        return _CODE_HASH

    root = Path(kamlib.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(files if files is not None else root.rglob("*.py")):
        body = Path(f).read_bytes()
        name = Path(f).relative_to(root).as_posix() if Path(f).is_relative_to(root) \
            else Path(f).name
        h.update(f"{name}\0{len(body)}\0".encode())
        h.update(body)
    digest = h.hexdigest()
    if files is None:
        _CODE_HASH = digest
    return digest


def _cache_key(data: str, quarter: str, settings: Settings) -> str:
    """Fingerprint of what a bundle depends on: the data (paths, sizes, mtimes; for a
    database the URL and each table's row count), the quarter, the settings and the
    code (:func:`code_hash`).

    Row counts catch new and deleted rows in a warehouse; an edit that keeps every
    count equal is not seen, so delete ``.cache/bundles`` after correcting data in
    place (``kam report`` never uses this cache: it always computes afresh)."""
    import hashlib


    h = hashlib.sha256(f"{quarter}|{asdict(settings)}|{code_hash()}".encode())
    if is_url(data):
        h.update(data.encode())
        h.update(repr(_row_counts(data)).encode())
    else:
        for f in sorted(Path(data).resolve().glob("*")):
            st = f.stat()
            h.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _row_counts(url: str) -> list[tuple[str, int]]:
    """Rows per contract table at a database URL, in one query."""
    return row_counts(url)


#: the names of the frames of a bundle
_FRAME_NAMES = frozenset(Bundle.frame_names())

#: the bundle this process read last, by its folder and the files' stamps
_LOADED: dict[tuple, Bundle] = {}


def _stamp(folder: Path) -> tuple:
    """The folder and every file's name, size and modification time: any rewrite of
    the bundle (``b.save``) changes it."""
    folder = folder.resolve()
    files = sorted((p.name, st.st_size, st.st_mtime_ns)
                   for p in folder.iterdir() if p.is_file() for st in [p.stat()])
    return (str(folder), tuple(files))


def load_once(folder: str | Path) -> Bundle:
    """:meth:`Bundle.load`, read once per process: ``kam report`` runs many notebooks in
    one kernel, and each opens the same bundle. Each call gets its own copy (results
    copied at once, each frame when first read: :class:`_CopiedOnRead`), so a notebook
    that changes what it was given cannot change what the next one reads; a rewritten
    bundle is read again.

    >>> import tempfile
    >>> from kamlib.periods import Quarter
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = Bundle(quarter=Quarter("2026Q3"), settings=Settings(), as_of=date(2026, 9, 30),
    ...            kpis=pd.DataFrame({"kpi": ["nps"]})).save(d)
    >>> a, b = load_once(d), load_once(d)
    >>> a is b, a.kpis.equals(b.kpis), a.kpis is b.kpis
    (False, True, False)
    """
    import copy

    key = _stamp(Path(folder))
    if key not in _LOADED:
        _LOADED.clear()  # one bundle at a time: a run reads one
        _LOADED[key] = Bundle.load(folder)
    b = _LOADED[key]
    mine = _CopiedOnRead(**{f.name: (getattr(b, f.name) if f.name in _FRAME_NAMES
                                     else copy.deepcopy(getattr(b, f.name)))
                            for f in fields(Bundle) if f.init})
    mine.__dict__["_shared"] = {n: getattr(b, n) for n in _FRAME_NAMES
                                if getattr(b, n) is not None}
    mine.__dict__["_positions"] = b.__dict__.setdefault("_positions", {})
    return mine


def _rows_at(f: pd.DataFrame, index: dict, name: str, items: list[str],
             kam_id: str) -> pd.DataFrame:
    """:func:`~kamlib.present.scorecard.manager_rows` of the shared frame ``f``, from its
    positions by group (worked out at the first call for these ``items``, kept in
    ``index``): the same rows in the same order, as a frame of the caller's own."""
    import numpy as np

    if len(f) == 0 or not {"kpi", "grain", "group"} <= set(f.columns):
        return f.copy()
    key = (name, tuple(items))
    if key not in index:
        group = f["group"].astype(str).to_numpy()
        grain = f["grain"].to_numpy()
        keep = f["kpi"].isin(items).to_numpy()
        company = np.flatnonzero(keep & (grain == "company") & (group == "all"))
        kam = np.flatnonzero(keep & (grain == "kam"))
        by_group = {g: kam[at] for g, at in
                    pd.Series(kam).groupby(group[kam], sort=False).indices.items()}
        index[key] = (company, by_group)
    company, by_group = index[key]
    at = by_group.get(str(kam_id))
    return f.iloc[company if at is None else np.sort(np.concatenate([company, at]))]


class _CopiedOnRead(Bundle):
    """A bundle handed out by :func:`load_once`: each frame is copied from the shared
    read when the notebook first reads it, so a page pays (in time and memory) for the
    frames it reads, not for all of them, and what it changes stays its own.

    >>> shared = pd.DataFrame({"kpi": ["nps"]})
    >>> b = _CopiedOnRead(Quarter("2026Q3"), Settings(), date(2026, 9, 30), kpis=shared)
    >>> b.__dict__["_shared"] = {"kpis": shared}
    >>> b.kpis is shared, b.kpis is b.kpis
    (False, True)
    >>> b.kpis.loc[0, "kpi"] = "nrr"
    >>> shared.kpi.tolist(), b.kpis.kpi.tolist()
    (['nps'], ['nrr'])
    """

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in _FRAME_NAMES and value is not None and \
                object.__getattribute__(self, "__dict__").get("_shared", {}).get(name) is value:
            value = value.copy()
            object.__setattr__(self, name, value)
        return value

    def manager_kpis(self, kam_id: str, items: Iterable[str]) -> ManagerKpis:
        # a long table the notebook has not read is still the shared one: its rows for
        # the manager are found from positions worked out once per process (a scorecard
        # would otherwise scan 800,000 rows at 20,000 accounts); a table read is the
        # notebook's own, maybe changed, and is narrowed as it is now
        items = list(items)
        mine = self.__dict__
        shared = mine.get("_shared", {})
        index = mine.get("_positions")

        def rows(name: str) -> pd.DataFrame:
            f = object.__getattribute__(self, name)
            if f is None or index is None or shared.get(name) is not f:
                return manager_rows(getattr(self, name), items, kam_id)
            return _rows_at(f, index, name, items, kam_id)

        kpis = object.__getattribute__(self, "kpis")
        if index is not None and kpis is not None and shared.get("kpis") is kpis:
            if ("quarter",) not in index:
                index[("quarter",)] = quarter_of(kpis)
            quarter = index[("quarter",)]
        else:
            quarter = quarter_of(self.kpis)
        return ManagerKpis(rows("kpis"), manager_rows(self.history, items, kam_id),
                           rows("change_rows"), rows("changes"), quarter=quarter)

    def frame(self, name: str) -> pd.DataFrame:
        # a copy anyway: no need to keep one first
        f = object.__getattribute__(self, name) if name in _FRAME_NAMES else None
        return f.copy() if f is not None else pd.DataFrame()


def open_bundle(data: str, quarter: str, cache: str = "", settings: Settings | None = None
                ) -> Bundle:
    """The bundle for a notebook: read ``cache`` when given, else build one now.

    This is the notebooks' entry (through :func:`kamlib.report.notebook.notebook_setup`):
    without ``settings`` it reads the project's settings (``kam.toml``,
    :func:`kamlib.config.load_settings`), as ``kam report`` does.

    Without a cache (an analyst opening a notebook in JupyterLab) the bundle is built
    once into ``bundles/<fingerprint>`` in the project's cache folder (``.cache/`` in a
    checkout, else the user's cache folder: :data:`kamlib.config.CACHE_DIR`) and reused
    by the other notebooks until the data, the quarter, the settings or the code change.
    An empty ``data`` means :func:`kamlib.config.default_data` (``$KAM_DATA``, else the
    project's sample), so a notebook runs the same from any working directory.
    """

    data = data or default_data()
    if cache and (Path(cache) / "meta.json").exists():
        return load_once(cache)
    import shutil
    import tempfile


    settings = settings if settings is not None else load_settings()
    folder = Path(cache) if cache else \
        CACHE_DIR / "bundles" / _cache_key(data, quarter, settings)
    if (folder / "meta.json").exists():
        log.info("reusing the cached bundle %s", folder)
        return Bundle.load(folder)
    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        with validate(open_source(data), settings=settings) as vd:
            q = resolve_quarter(vd, quarter or None, settings)
            build(vd, q, tmp, settings, source_label=display_name(data))
        try:
            tmp.rename(folder)  # another notebook may have finished first: keep its copy
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("built the bundle %s in %.1f s", folder, time.perf_counter() - started)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Bundle.load(folder)
