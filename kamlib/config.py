"""Paths and settings, in one place.

Settings have defaults here and can be overridden by a project config file,
``kam.toml`` at the project root: the checkout's root, or the working directory
outside a checkout (or the file named by ``$KAM_CONFIG``)::

    [settings]
    fiscal_year_start_month = 4   # fiscal year starts in April
    grace_days = 45
    currency = "USD"

and ``[targets]`` gives company-wide targets by KPI id (see :attr:`Settings.targets`)::

    [targets]
    nps = 30
    logo_churn_rate = 0.02

``[settings]`` and ``[targets]`` are the only sections; anything else in the file,
and a value of the wrong type or range, is a :class:`~kamlib.errors.ConfigError`
naming the file and the key.

>>> s = Settings()
>>> s.grace_days, s.discount_rate, s.currency
(30, 0.1, 'EUR')
>>> s.replace(grace_days=10).grace_days
10
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import kamlib
from kamlib.errors import ConfigError

__all__ = [
    "CACHE_DIR", "CHECKOUT", "CONFIG_FILE", "DATA_DIR", "NOTEBOOKS_DIR", "PACKAGE_DIR",
    "PROJECT_ROOT", "REPORTS_DIR", "SAMPLE_DIR", "SECTIONS", "SOURCE_ROOT", "Settings",
    "default_data", "find_checkout", "is_checkout", "load_settings",
]


def is_checkout(folder: Path) -> bool:
    """Whether ``folder`` is a kamlib source checkout (its pyproject.toml names kamlib)."""
    try:
        meta = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return meta.get("project", {}).get("name") == "kamlib"


def find_checkout(start: Path) -> Path | None:
    """The kamlib checkout holding ``start`` (the folder itself or a parent), or None."""
    return next((d for d in (start, *start.parents) if is_checkout(d)), None)


def _cwd() -> Path:
    try:
        return Path.cwd()
    except OSError:  # the working directory was removed
        return Path.home()


def _user_cache() -> Path:
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs comes with Jupyter
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "kamlib"
    return Path(user_cache_dir("kamlib", appauthor=False))


# Where things live (README, "Where files go"). The code and its report notebooks come
# from the package; the data, reports, settings and caches belong to the project:
# $KAM_HOME, else the checkout holding the working directory, else the checkout the
# code runs from (an editable install); outside any checkout the working directory is
# the project and the caches go to the user's cache folder, never into the install.
PACKAGE_DIR = Path(kamlib.__file__).resolve().parent
#: the checkout this code was imported from; None for an installed wheel
SOURCE_ROOT = PACKAGE_DIR.parent if is_checkout(PACKAGE_DIR.parent) else None
_home = os.environ.get("KAM_HOME")
CHECKOUT = Path(_home).resolve() if _home else find_checkout(_cwd()) or SOURCE_ROOT
PROJECT_ROOT = CHECKOUT or _cwd()
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REPORTS_DIR = PROJECT_ROOT / "reports"
CONFIG_FILE = PROJECT_ROOT / "kam.toml"
CACHE_DIR = PROJECT_ROOT / ".cache" if CHECKOUT else _user_cache()
#: the report notebooks: shipped in the wheel, or the checkout's notebooks/
NOTEBOOKS_DIR = PACKAGE_DIR / "notebooks" if (PACKAGE_DIR / "notebooks").is_dir() \
    else (SOURCE_ROOT or PACKAGE_DIR.parent) / "notebooks"


def default_data() -> str:
    """The data a notebook reads when its ``data`` parameter is empty: ``$KAM_DATA``,
    else the project's ``data/sample``, wherever the notebook is run from."""
    return os.environ.get("KAM_DATA") or str(SAMPLE_DIR)
#: The sections a config file may have; every setting goes under ``[settings]``, the
#: company-wide KPI targets under ``[targets]``.
SECTIONS = ("settings", "targets")


@dataclass(frozen=True)
class Settings:
    """Every tunable number of the analytics, with its default.

    Attributes
    ----------
    fiscal_year_start_month : first month of the fiscal year (1 = January).
    grace_days : renewal window after a contract's ``end_on``; a successor
        contract starting within it keeps the customer (see README, "Customer status").
    discount_rate : yearly discount rate for CLV.
    horizon_years : CLV horizon.
    gap_alert_days : an account whose longest contact gap exceeds this is flagged.
    resolution_target_hours : requests resolved within this count as on time.
    conversion_window_days : a prospect converting within this of first contact counts.
    currency : ISO code shown next to money.
    confidence_level : level of every interval.
    small_n : groups with a denominator below this are flagged, never ranked.
    min_group_size : eNPS groups with fewer answers are suppressed for anonymity.
    margin_rate : gross margin rate assumed when invoices carry no ``gross_margin``.
    seed : seed for every random draw (bootstraps); reports are reproducible.
    bootstrap_draws : number of bootstrap resamples.
    max_money : the largest plausible amount of money (absolute value) in a cell;
        beyond it the row is set aside as ``out_of_range``.
    renewal_notice_days : a contract's renewal window opens this many days before its
        ``end_on`` (the renewal calendar lists the windows opening next quarter).
    fdr_q : the false discovery rate of "What changed": the quarter's changes pass
        when their Benjamini-Hochberg q-value is at most this (default 0.10).
    targets : company-wide KPI targets, KPI id -> target in the KPI's unit (shares
        as fractions: ``logo_churn_rate = 0.02`` is 2 %); default none. They apply to
        the company grain when the ``targets`` table has nothing more specific
        (:mod:`kamlib.kpis.targets`, which also checks that the ids are KPI ids).
    chromium : the browser ``kam report --pdf`` prints with, a command name or a path;
        empty (the default) looks for ``chromium`` on ``PATH``.
    """

    fiscal_year_start_month: int = 1
    grace_days: int = 30
    discount_rate: float = 0.10
    horizon_years: int = 10
    gap_alert_days: int = 45
    resolution_target_hours: float = 48.0
    conversion_window_days: int = 180
    currency: str = "EUR"
    confidence_level: float = 0.95
    small_n: int = 10
    min_group_size: int = 5
    margin_rate: float = 0.35
    seed: int = 20260930
    bootstrap_draws: int = 1000
    max_money: float = 1e12
    # -- accounts to act on: the renewal calendar
    renewal_notice_days: int = 90
    # -- What changed (kamlib.kpis.changes)
    fdr_q: float = 0.10
    # -- targets: company-wide defaults, KPI id -> target (kamlib.kpis.targets)
    targets: Mapping[str, float] = field(default_factory=dict, hash=False)
    # print/PDF feature: the browser that prints the PDFs
    chromium: str = ""

    def __post_init__(self) -> None:
        bad = self._type_faults()
        if not bad:
            checks = [
                (1 <= self.fiscal_year_start_month <= 12, "fiscal_year_start_month must be 1..12"),
                (0 <= self.grace_days <= 366, "grace_days must be 0..366"),
                (0 <= self.discount_rate < 1, "discount_rate must be in [0, 1)"),
                (1 <= self.horizon_years <= 50, "horizon_years must be 1..50"),
                (self.gap_alert_days > 0, "gap_alert_days must be positive"),
                (self.resolution_target_hours > 0, "resolution_target_hours must be positive"),
                (self.conversion_window_days > 0, "conversion_window_days must be positive"),
                (0.5 < self.confidence_level < 1, "confidence_level must be in (0.5, 1)"),
                (self.small_n >= 1, "small_n must be >= 1"),
                (self.min_group_size >= 1, "min_group_size must be >= 1"),
                (self.seed >= 0, "seed must be >= 0"),
                (self.bootstrap_draws >= 10, "bootstrap_draws must be >= 10"),
                (0 <= self.margin_rate <= 1, "margin_rate must be in [0, 1]"),
                (0 < self.max_money < 1e300, "max_money must be positive and finite"),
                (0 <= self.renewal_notice_days <= 366, "renewal_notice_days must be 0..366"),
                (0 < self.fdr_q < 1, "fdr_q must be in (0, 1)"),
                (1 <= len(self.currency) <= 10 and self.currency.strip() == self.currency
                 and self.currency.isprintable(),
                 "currency must be a short code such as EUR (1 to 10 characters, no spaces "
                 "around it)"),
            ]
            bad = [msg for ok, msg in checks if not ok]
        if bad:
            raise ConfigError("invalid settings: " + "; ".join(bad))

    def _type_faults(self) -> list[str]:
        """One message per setting of the wrong type; whole numbers given for
        fractional settings become floats."""
        bad = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "targets":
                bad += self._target_faults()
            elif f.type == "str":
                if not isinstance(v, str):
                    bad.append(f"{f.name} must be a text such as \"EUR\", got {v!r}")
            elif isinstance(v, bool) or not isinstance(v, numbers.Real):
                kind = "a whole number" if f.type == "int" else "a number"
                bad.append(f"{f.name} must be {kind}, got {v!r}")
            elif f.type == "int":
                if not isinstance(v, numbers.Integral):
                    bad.append(f"{f.name} must be a whole number, got {v!r}")
                else:
                    object.__setattr__(self, f.name, int(v))
            elif math.isinf(v):
                bad.append(f"{f.name} must be a finite number, got {v!r}")
            else:
                object.__setattr__(self, f.name, float(v))
        return bad

    def _target_faults(self) -> list[str]:
        """One message per target that is not a finite number under a text key; the
        targets are kept as a plain dict of floats (KPI ids are checked where the
        targets are resolved, :mod:`kamlib.kpis.targets`)."""
        if not isinstance(self.targets, Mapping):
            return [f"targets must be a table of KPI id = number, got {self.targets!r}"]
        bad, clean = [], {}
        for k, v in self.targets.items():
            if not isinstance(k, str):
                bad.append(f"targets: the key {k!r} must be a KPI id")
            elif isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                bad.append(f"targets.{k} must be a finite number, got {v!r}")
            else:
                clean[k] = float(v)
        object.__setattr__(self, "targets", clean)
        return bad

    def replace(self, **changes) -> Settings:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _did_you_mean(word: str, options: list[str], fmt: str = "{}") -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {fmt.format(close[0])}?)" if close else ""


def _layout_faults(raw: dict) -> list[str]:
    """Keys outside ``[settings]``, unknown sections and unknown settings."""
    allowed = ", ".join(f"[{s}]" for s in SECTIONS)
    bad = []
    for key, value in raw.items():
        if key in SECTIONS:
            continue
        if isinstance(value, dict):
            bad.append(f"[{key}] is not a section of the config"
                       f"{_did_you_mean(key, list(SECTIONS), '[{}]')}; allowed: {allowed}")
        else:
            bad.append(f"{key} is outside [settings]; every setting goes under [settings] "
                       f"(allowed: {allowed})")
    if not isinstance(raw.get("targets", {}), dict):
        bad.append(f"targets must be a section [targets], not a value; allowed: {allowed}")
    table = raw.get("settings", {})
    if not isinstance(table, dict):
        return [*bad, f"settings must be a section [settings], not a value; allowed: {allowed}"]
    if "targets" in table:
        bad.append("targets is a section of its own: write [targets] with one KPI id = "
                   "number per line, not targets under [settings]")
    known = [f.name for f in fields(Settings) if f.name != "targets"]
    unknown = sorted(set(table) - set(known))
    if unknown:
        named = ", ".join(f"{k}{_did_you_mean(k, known)}" for k in unknown)
        bad.append(f"unknown setting(s) {named}; known settings: {', '.join(known)}")
    return bad


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Settings from ``path``, ``$KAM_CONFIG`` or ``kam.toml``; defaults if none exists.

    A file named by ``path`` or ``$KAM_CONFIG`` must exist (an empty ``KAM_CONFIG``
    counts as unset). Keys outside ``[settings]`` and ``[targets]``, other sections,
    unknown settings and values of the wrong type or range are errors naming the
    file and the key, so a typo never passes silently. ``[targets]`` becomes
    :attr:`Settings.targets`.
    """
    env = os.environ.get("KAM_CONFIG")
    candidate = Path(path or env or CONFIG_FILE)
    named_by = "" if path is not None or not env else " (named by $KAM_CONFIG)"
    if not candidate.exists():
        if path is not None or env:
            raise ConfigError(f"config file not found: {candidate}{named_by}")
        return Settings()
    try:
        raw = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{candidate}{named_by}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{candidate}{named_by}: cannot be read: "
                          f"{exc.strerror or type(exc).__name__}") from None
    bad = _layout_faults(raw)
    if bad:
        raise ConfigError(f"{candidate}{named_by}: " + "; ".join(bad))
    try:
        return Settings(**raw.get("settings", {}), targets=raw.get("targets", {}))
    except ConfigError as exc:
        raise ConfigError(f"{candidate}{named_by}: {exc}") from None
