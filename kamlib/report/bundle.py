"""The shared results of one quarter, computed once and read by every notebook.

``kam report`` validates the data and builds a :class:`Bundle` once; each report
notebook then only reads it (``Bundle.load(cache)``), so notebooks never
recompute each other's work. An analyst opening a notebook in JupyterLab without
a cache gets the same bundle built on the fly by :func:`open_bundle`.

Frames are stored as Parquet and small results as JSON, so a bundle is a plain
folder that can be inspected.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.config import Settings, load_settings
from kamlib.periods import Quarter

log = logging.getLogger(__name__)
TREND_QUARTERS = 8
#: Quarters before the reported one that a page may fall back on when a KPI has no
#: observations in it (with the quarter itself: the last 12 months).
LOOKBACK_QUARTERS = 3


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


class Bundle:
    """Read access to a built bundle folder: ``b.frame("kpis")``, ``b.meta``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
        self._frames: dict[str, pd.DataFrame] = {}

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.meta["quarter"], self.meta["settings"]["fiscal_year_start_month"])

    @property
    def settings(self) -> Settings:
        return Settings(**self.meta["settings"])

    def frame(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            p = self.folder / f"{name}.parquet"
            self._frames[name] = pd.read_parquet(p) if p.exists() else pd.DataFrame()
        return self._frames[name].copy()

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        if (self.folder / f"{name}.parquet").exists():
            return self.frame(name)
        raise AttributeError(f"the bundle has no frame {name!r}")

    @property
    def history(self) -> pd.DataFrame:
        """KPI rows of earlier quarters that a page may show when the quarter has none:
        the trend (company and segment grains, 8 quarters) and, for KPIs without
        observations this quarter, the KAM grain of the last 12 months
        (:func:`earlier_kpis`)."""
        parts = [f for f in (self.frame("trend"), self.frame("earlier")) if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.parquet"))


#: names longer than this are shortened with "…" on every page (ids are never shortened)
NAME_MAX = 120


def display_name(name):
    """A name from the data as the pages show it: one line, at most :data:`NAME_MAX`
    characters (see :func:`kamlib.plots.kpi.shorten`); missing stays missing.

    >>> display_name("Kira  Moreau"), display_name("x" * 500)[-3:], display_name(None)
    ('Kira Moreau', 'xx…', None)
    """
    from kamlib.plots.kpi import shorten

    return None if name is None or (isinstance(name, float) and name != name) \
        else shorten(name, NAME_MAX)


def build(data, quarter: Quarter, out: str | Path, settings: Settings | None = None,
          progress: Callable[[str], None] | None = None, source_label: str = "") -> Bundle:
    """Compute everything the report shows for ``quarter`` and store it in ``out``."""
    from kamlib.kpis import acquisition, attention, compare, team
    from kamlib.kpis.compute import Period, compute_kpis
    from kamlib.models import clv, diagnostics, survival
    from kamlib.panels import quarter as panels

    settings = settings or load_settings()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames: dict[str, pd.DataFrame] = {}
    meta: dict = {"quarter": str(quarter), "as_of": quarter.end.isoformat(),
                  "settings": asdict(settings), "source": source_label}

    def step(name):
        if progress:
            progress(name)

    step("KPIs")
    first, _last = _data_first(data, settings)
    p = Period(data, quarter, settings)
    kpis = compute_kpis(data, quarter, settings, period=p)  # p keeps the churn model
    frames["kpis"] = kpis
    step("trends")
    cheap = settings.replace(bootstrap_draws=min(settings.bootstrap_draws, 200))
    trend = []
    family_of: dict[str, str] = {}  # KPI id -> the family that computes it
    for q in Quarter.span(quarter.shift(-(TREND_QUARTERS - 1)), quarter.previous()):
        if q < first:
            continue
        from kamlib.kpis.compute import FAMILIES, frame

        pq = Period(data, q, cheap, grains=("company", "segment"))
        rows = []
        for fam in ("churn", "expansion", "growth", "voice", "outcomes", "interaction", "team"):
            fam_rows = FAMILIES[fam](pq)
            family_of.update((r["kpi"], fam) for r in fam_rows)
            rows += fam_rows
        t = frame(rows)
        trend.append(t[t.grain.isin(["company", "segment"])])
    trend.append(kpis[kpis.grain.isin(["company", "segment"])])
    frames["trend"] = pd.concat(trend, ignore_index=True)
    step("latest figures")
    frames["earlier"] = earlier_kpis(data, quarter, first, settings, kpis, family_of)

    step("KAM comparison")
    # one quarter of churn per KAM is too few events to compare: pool the last four
    window = compare.trailing_window(quarter, first)
    frames["kam_trailing"] = compare.trailing_counts(data, quarter, settings, first=first,
                                                     periods={quarter: p})
    meta["kam_trailing"] = {"quarters": [str(q) for q in window],
                            "label": compare.window_label(window)}

    step("accounts")
    acc = p.accounts.copy()
    gaps = panels.contact_gaps(acc[acc.customer_end], p.interactions, quarter)
    acc = acc.merge(gaps, on="account_id", how="left")
    acc["next_renewal_on"] = acc.account_id.map(attention.next_renewal_on(p.state.renewals))
    frames["accounts"] = acc.assign(name=acc["name"].map(display_name))
    kams = data.frame("account_managers").sort_values("kam_id")
    frames["kams"] = kams.assign(name=kams["name"].map(display_name))
    resp = p.attribute(panels.response_panel(data, quarter))
    frames["responses"] = resp
    if len(resp) == 0:  # no survey this quarter: the latest wave within the last 12 months
        for qq in _lookback(quarter, first):
            pq = Period(data, qq, settings)
            r = pq.attribute(panels.response_panel(data, qq))
            if len(r):
                frames["responses_latest"] = r
                meta["responses_period"] = str(qq)
                break
    if data.has("objectives"):
        from kamlib.kpis.compute import objectives_due

        frames["objectives"] = objectives_due(p)
        # the last eight quarters, for the link between leading and lagging objectives
        hist = [objectives_due(Period(data, qq, settings))
                for qq in Quarter.span(quarter.shift(-7), quarter) if qq >= first]
        frames["objectives_history"] = pd.concat(hist, ignore_index=True)
    if data.has("mentions"):
        t = data.table("mentions")
        t = t.filter((t.occurred_on >= quarter.start) & (t.occurred_on <= quarter.end))
        meta["mentions"] = {"all": int(t.count().execute()),
                            "unlinked": int(t.account_id.isnull().sum().execute() or 0)}
    step("acquisition")
    cohort = acquisition.closed_cohort(quarter, settings.conversion_window_days)
    meta["conversion_cohort"] = {"quarter": str(cohort), "start": cohort.start.isoformat(),
                                 "end": cohort.end.isoformat()}
    pros = acquisition.prospect_frame(data, quarter.end, settings.conversion_window_days)
    peaks, curves = acquisition.ideal_touches(pros, draws=settings.bootstrap_draws,
                                              seed=settings.seed,
                                              level=settings.confidence_level)
    frames["touch_peaks"], frames["touch_curves"] = peaks, curves

    step("survival")
    fit = p.survival
    if fit.fitted:
        model, panel = fit.model, fit.panel
        frames["clv"] = fit.clv
        frames["model_summary"] = model.summary.reset_index()
        frames["ph_check"] = model.ph_check(panel)
        meta["model"] = {"choice": model.choice_, "concordance": model.concordance_,
                         "rows": len(panel), "events": int(panel.event.sum()),
                         "reference_segment": panel.attrs.get("reference_segment")}
        step("backtest")
        try:
            bt = diagnostics.backtest(data, quarter, settings)
            frames["backtest"] = bt.pop("predictions")
            meta["backtest"] = bt
        except Exception as exc:  # too little history for a backtest: say so
            meta["backtest"] = {"error": str(exc)}
        spells = survival.spells_for_km(data, quarter, settings)
        frames["km_segment"] = survival.km_by(spells, "segment", settings.confidence_level)
        frames["km_cohort"] = survival.km_by(spells, "cohort", settings.confidence_level)
        d0 = pd.Timestamp(data.table("interactions").occurred_at.min().execute())
        surv = survival.cohort_survivors(p.state.spells, quarter.end,
                                         first_year=int(d0.year) if not pd.isna(d0) else None)
        frames["cohorts"] = survival.cohort_table(surv)
        if surv:
            try:
                sbg = survival.ShiftedBetaGeometric().fit(list(surv.values()))
                years = np.arange(0, settings.horizon_years + 1)
                seen = max(len(v) for v in surv.values()) - 1
                frames["cohort_fit"] = pd.DataFrame({
                    "year": years, "share": sbg.survival_function(years),
                    "observed": years <= seen})
                meta["sbg"] = {"alpha": sbg.alpha_, "beta": sbg.beta_,
                               "del": sbg.del_(settings.discount_rate)}
            except ValueError as exc:
                meta["sbg"] = {"error": str(exc)}
        meta["clv"] = {"annual_churn": clv.trailing_churn_rate(p.state.spells, quarter)}
    else:
        meta["model"] = {"error": fit.error or "no model"}

    step("team")
    if data.has("employee_surveys"):
        frames["enps_teams"] = team.enps_by_team(data, quarter, settings.min_group_size,
                                                 settings.confidence_level)
        window = [q for q in Quarter.span(quarter.shift(-7), quarter) if q >= first]
        outcomes = team.kam_outcomes(data, window, settings)
        frames["kam_outcomes"] = outcomes
        frames["enps_association"] = team.association(outcomes, settings.confidence_level)
        frames["enps_terciles"] = team.terciles(outcomes, settings.confidence_level)
    step("data quality")
    frames["validation"] = data.summary
    frames["faults"] = data.faults

    for name, df in frames.items():
        df = df.copy()
        for c in df.columns:  # Parquet wants one type per column
            if df[c].dtype == object:
                df[c] = df[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        df.reset_index(drop=True).to_parquet(out / f"{name}.parquet", index=False)
    (out / "meta.json").write_text(json.dumps(_jsonable(meta), indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return Bundle(out)


def _lookback(quarter: Quarter, first: Quarter) -> list[Quarter]:
    """The up to :data:`LOOKBACK_QUARTERS` quarters before ``quarter``, latest first."""
    return [q for q in (quarter.shift(-k) for k in range(1, LOOKBACK_QUARTERS + 1))
            if q >= first]


def earlier_kpis(data, quarter: Quarter, first: Quarter, settings: Settings,
                 kpis: pd.DataFrame, family_of: dict[str, str]) -> pd.DataFrame:
    """KAM-grain rows of earlier quarters for the KPIs without observations this quarter.

    A KPI with no observations in the quarter (NPS in a quarter without a survey
    wave: no row, or a company row with ``n == 0``) is shown on the pages with its
    latest figure within the last 12 months, labelled with that figure's period. The
    trend carries the company and segment grains of earlier quarters; this frame adds
    the KAM grain, so that a scorecard or a table by account manager can show the
    latest wave too. For each such KPI, the up to :data:`LOOKBACK_QUARTERS` previous
    quarters are computed (latest first, only the families that hold the missing
    KPIs) until every one has a figure; only the KAM rows of those KPIs are kept.

    Parameters
    ----------
    kpis : the quarter's long KPI table.
    family_of : KPI id -> name in :data:`kamlib.kpis.compute.FAMILIES`.

    Returns
    -------
    The long KPI table's columns; empty when every KPI has observations this quarter.
    """
    from kamlib.kpis.compute import FAMILIES, Period, frame

    comp = kpis[kpis.grain == "company"]
    observed = comp[comp.value.notna() | (comp.n.fillna(0) > 0)].kpi
    missing = {k for k in family_of if k not in set(observed)}
    out = [kpis.iloc[0:0]]
    for q in _lookback(quarter, first):
        fams = sorted({family_of[k] for k in missing})
        if not fams:
            break
        pq = Period(data, q, settings, grains=("company", "kam"))
        t = frame([r for fam in fams for r in FAMILIES[fam](pq)])
        t = t[t.kpi.isin(missing)]
        out.append(t[t.grain == "kam"])
        found = t[(t.grain == "company") & t.value.notna()].kpi
        missing -= set(found)
    return pd.concat(out, ignore_index=True)


def _data_first(data, settings: Settings) -> tuple[Quarter, Quarter]:
    from kamlib.kpis.compute import data_quarters

    return data_quarters(data, settings)


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
    import kamlib

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

    from kamlib.data.sources import is_url

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
    from kamlib.data.contract import TABLE_LIST
    from kamlib.data.sources import fetch, open_source

    src = open_source(url)
    try:
        parts = [src.raw(t.name).count().name(t.name) for t in TABLE_LIST if src.has(t.name)]
        if not parts:
            return []
        counts = fetch(parts[0].as_table().cross_join(*[p.as_table() for p in parts[1:]]))
        return sorted((k, int(v)) for k, v in counts.iloc[0].items())
    finally:
        src.close()


def open_bundle(data: str, quarter: str, cache: str = "", settings: Settings | None = None
                ) -> Bundle:
    """The bundle for a notebook: read ``cache`` when given, else build one now.

    Without a cache (an analyst opening a notebook in JupyterLab) the bundle is built
    once into ``bundles/<fingerprint>`` in the project's cache folder (``.cache/`` in a
    checkout, else the user's cache folder: :data:`kamlib.config.CACHE_DIR`) and reused
    by the other notebooks until the data, the quarter, the settings or the code change.
    An empty ``data`` means :func:`kamlib.config.default_data` (``$KAM_DATA``, else the
    project's sample), so a notebook runs the same from any working directory.
    """
    from kamlib.config import default_data

    data = data or default_data()
    if cache and (Path(cache) / "meta.json").exists():
        return Bundle(cache)
    import shutil
    import tempfile

    from kamlib.config import CACHE_DIR
    from kamlib.data.sources import display_name, open_source
    from kamlib.data.validate import validate
    from kamlib.kpis.compute import resolve_quarter

    settings = settings or load_settings()
    folder = Path(cache) if cache else \
        CACHE_DIR / "bundles" / _cache_key(data, quarter, settings)
    if (folder / "meta.json").exists():
        log.info("reusing the cached bundle %s", folder)
        return Bundle(folder)
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
    return Bundle(folder)
