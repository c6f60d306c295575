"""Values in their units, as the pages print them: shares, money, NPS, intervals.

Missing values (None, NaN, infinities, text) print as :data:`NA` (``"n/a"``);
negative numbers get a true minus sign and never a negative zero; shares are
shown in % and their changes in percentage points.

>>> pct(0.0268), money(9_130_000, "EUR"), interval(0.012, 0.057, "pct")
('2.7 %', 'EUR 9.1M', '1.2–5.7 %')
>>> print(signed(-6.4, "nps"), signed(0.013, "pct"), pct(float("nan")))
−6 +1.3 pp n/a
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from kamlib.plots.style import fmt_money

__all__ = [
    "ACRONYMS",
    "DASH",
    "MINUS",
    "NA",
    "NO_DATA",
    "NUMERIC_KINDS",
    "fmt",
    "formatter",
    "interval",
    "label",
    "missing",
    "money",
    "number",
    "pct",
    "signed",
    "whole_points",
]

NA = "n/a"
NO_DATA = "no data"
MINUS = "\u2212"
DASH = "\u2013"

#: Value kinds whose numbers are right-aligned in tables.
NUMERIC_KINDS = frozenset({"pct", "ratio", "nps", "money", "number", "int", "hours", "days",
                           "score", "p", "dec1", "dec2", "dec3", "change_pct", "change_nps",
                           "change_money"})

#: Words written in capitals (or their own way) by :func:`label`.
ACRONYMS = {"nps": "NPS", "enps": "eNPS", "sla": "SLA", "kam": "KAM", "clv": "CLV",
            "id": "ID", "csv": "CSV", "grr": "GRR", "nrr": "NRR"}


def missing(x: Any) -> bool:
    """True for None, NaN, infinities and anything that is not a number.

    Examples
    --------
    >>> missing(None), missing(float("nan")), missing("3"), missing(True), missing(0)
    (True, True, True, True, False)
    """
    if x is None or isinstance(x, bool | str):
        return True
    try:
        v = float(x)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(v)


def _fixed(v: float, digits: int, sign: bool = False, sep: bool = False) -> str:
    """``v`` with ``digits`` decimals, a true minus sign and no negative zero."""
    text = f"{abs(v):,.{digits}f}" if sep else f"{abs(v):.{digits}f}"
    zero = float(text.replace(",", "")) == 0
    if v < 0 and not zero:
        return MINUS + text
    if sign and v > 0 and not zero:
        return "+" + text
    return text


def pct(x: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage with a space before ``%``.

    A positive share too small to show at ``digits`` reads ``"< 0.1 %"`` rather
    than a misleading zero.

    Parameters
    ----------
    x : share (0.25 is 25 %); None or NaN give ``"n/a"``.
    digits : decimals.

    Examples
    --------
    >>> pct(0.0268), pct(1.0311, 0), pct(None), pct(0.0003)
    ('2.7 %', '103 %', 'n/a', '< 0.1 %')
    >>> print(pct(-0.052))
    −5.2 %
    """
    if missing(x):
        return NA
    v = 100 * float(x)
    if 0 < v < 0.5 * 10 ** -digits:
        return f"< {10 ** -digits:.{digits}f} %"
    return f"{_fixed(v, digits)} %"


def money(x: Any, currency: str = "EUR") -> str:
    """Money in short form with the currency first: ``"EUR 9.1M"``, ``"EUR 350k"``.

    One decimal below 10 of the unit (k, M, B), none above, as the plot labels of
    :func:`kamlib.plots.style.fmt_money`; negative amounts get a leading minus sign.

    Examples
    --------
    >>> money(9_130_000), money(350_000, "USD"), money(420), money(float("nan"))
    ('EUR 9.1M', 'USD 350k', 'EUR 420', 'n/a')
    >>> print(money(-1_500))
    −EUR 1.5k
    """
    if missing(x):
        return NA
    v = float(x)
    text = fmt_money(abs(v), currency)
    return MINUS + text if v < 0 and text != fmt_money(0.0, currency) else text


def number(x: Any, digits: int | None = None) -> str:
    """A plain number with thousands separators.

    Whole numbers and numbers of 100 or more get no decimals, numbers below 1 two,
    others one, unless ``digits`` says otherwise.

    Examples
    --------
    >>> number(33.68), number(1179), number(1234.5), number(0.443), number(2.345, 2)
    ('33.7', '1,179', '1,234', '0.44', '2.35')
    >>> number(None)
    'n/a'
    """
    if missing(x):
        return NA
    v = float(x)
    if digits is None:
        digits = 0 if (v == round(v) or abs(v) >= 100) else (2 if abs(v) < 1 else 1)
    return _fixed(v, digits, sep=True)


def _score(x: float, sign: bool = True) -> str:
    return _fixed(float(x), 2, sign=sign)


def whole_points(x: float) -> str:
    """A signed number in whole points, as NPS values are shown.

    Examples
    --------
    >>> print(whole_points(7.4), whole_points(-38.1), whole_points(0.2))
    +7 −38 0
    """
    return _fixed(float(x), 0, sign=True)


def fmt(x: Any, kind: str = "number", currency: str = "EUR") -> str:
    """One value in the unit of its ``kind``.

    Kinds: ``pct`` and ``ratio`` (shares shown in %), ``nps`` (−100..100, signed
    whole points), ``money``, ``number`` (decimals by size), ``dec1`` / ``dec2`` /
    ``dec3`` (fixed decimals), ``int``, ``hours``, ``days``, ``score`` (−1..1, two
    decimals), ``p`` (a p-value), ``change_pct`` / ``change_nps`` / ``change_money``
    (differences, see :func:`signed`), ``bool``, ``date``, ``label`` (a code shown
    with :func:`label`) and ``text``.

    Examples
    --------
    >>> fmt(0.875, "pct"), fmt(1.031, "ratio"), fmt(17.83, "hours"), fmt(4, "days")
    ('87.5 %', '103.1 %', '17.8 h', '4 days')
    >>> fmt(0.0004, "p"), fmt(0.2134, "p"), fmt(True, "bool"), fmt("a & b", "text")
    ('< 0.001', '0.21', 'yes', 'a & b')
    >>> fmt(3, "dec1"), fmt(0.08464, "dec3"), fmt("mid_market", "label")
    ('3.0', '0.085', 'Mid market')
    """
    if kind == "text":
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
    if kind == "label":
        return label(x)
    if kind == "bool":
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return NA
        return "yes" if bool(x) else "no"
    if kind == "date":
        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return NA
        return str(pd.Timestamp(x).date())
    if kind.startswith("change_"):
        return signed(x, kind[len("change_"):], currency)
    if missing(x):
        return NA
    v = float(x)
    if kind in ("pct", "ratio"):
        return pct(v)
    if kind == "nps":
        return whole_points(v)
    if kind == "money":
        return money(v, currency)
    if kind == "int":
        return _fixed(v, 0, sep=True)
    if kind == "hours":
        return f"{number(v, 1 if abs(v) < 100 else 0)} h"
    if kind == "days":
        d = _fixed(v, 0, sep=True)
        return f"{d} day" if d == "1" else f"{d} days"
    if kind == "score":
        return _score(v)
    if kind in ("dec1", "dec2", "dec3"):
        return number(v, int(kind[-1]))
    if kind == "p":
        return "< 0.001" if v < 0.001 else (f"{v:.3f}" if v < 0.01 else f"{v:.2f}")
    return number(v)


def interval(low: Any, high: Any, kind: str = "pct", currency: str = "EUR") -> str:
    """A 95 % interval in the unit of ``kind``; ``"n/a"`` when a bound is missing.

    Ranges that cross zero or use signed scales read ``"a to b"``, others ``"a–b"``
    with the unit once at the end.

    Examples
    --------
    >>> interval(0.0123, 0.0572, "pct"), interval(171e6, 245e6, "money")
    ('1.2–5.7 %', 'EUR 171M–245M')
    >>> print(interval(-6.4, 9.9, "nps"), "|", interval(30.9, 36.5, "number"))
    −6 to +10 | 30.9–36.5
    >>> interval(float("nan"), 0.3, "pct")
    'n/a'
    """
    if missing(low) or missing(high):
        return NA
    lo, hi = float(low), float(high)
    if kind in ("pct", "ratio"):
        a, b = _fixed(100 * lo, 1), _fixed(100 * hi, 1)
        return f"{a} to {b} %" if lo < 0 else f"{a}{DASH}{b} %"
    if kind in ("nps", "change_nps"):
        return f"{whole_points(lo)} to {whole_points(hi)}"
    if kind == "score":
        return f"{_score(lo)} to {_score(hi)}"
    if kind in ("money", "change_money"):
        if lo < 0:
            return f"{money(lo, currency)} to {money(hi, currency)}"
        b = money(hi, currency)
        b = b[len(currency) + 1:] if b.startswith(currency + " ") else b
        return f"{money(lo, currency)}{DASH}{b}"
    if kind == "change_pct":
        return f"{signed(lo, 'pct')} to {signed(hi, 'pct')}"
    unit = {"hours": " h", "days": " days"}.get(kind, "")
    digits = 0 if kind == "days" else (int(kind[-1]) if kind in ("dec1", "dec2", "dec3")
                                       else None)
    a, b = number(lo, digits), number(hi, digits)
    return f"{a} to {b}{unit}" if lo < 0 else f"{a}{DASH}{b}{unit}"


def signed(x: Any, kind: str = "number", currency: str = "EUR") -> str:
    """A change with its sign: percentage points for shares, whole points for NPS.

    Examples
    --------
    >>> signed(0.0134, "pct"), signed(7.4, "nps"), signed(1.2e6, "money"), signed(0, "pct")
    ('+1.3 pp', '+7', '+EUR 1.2M', '0.0 pp')
    >>> print(signed(-2.06, "number"), "|", signed(-0.5, "hours"), "|", signed(None, "pct"))
    −2.1 | −0.5 h | n/a
    """
    if missing(x):
        return NA
    v = float(x)
    if kind in ("pct", "ratio"):
        return f"{_fixed(100 * v, 1, sign=True)} pp"
    if kind == "nps":
        return whole_points(v)
    if kind == "score":
        return _score(v)
    if kind == "money":
        text = money(abs(v), currency)
        if text == money(0.0, currency):
            return text
        return ("+" if v > 0 else MINUS) + text
    digits = 0 if kind == "days" else (1 if abs(v) < 100 else 0)
    unit = {"hours": " h", "days": " days"}.get(kind, "")
    return _fixed(v, digits, sign=True, sep=True) + unit


def label(name: Any) -> str:
    """A code turned into words: ``"mid_market"`` -> ``"Mid market"``, ``"team_a"`` ->
    ``"Team A"``.

    Examples
    --------
    >>> label("face_to_face"), label("team_a"), label("all"), label(None)
    ('Face to face', 'Team A', 'All', '')
    >>> label("nps_responses"), label("sla_checks")
    ('NPS responses', 'SLA checks')
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    words = str(name).replace("_", " ").split(" ")
    if len(words) > 1 and len(words[-1]) == 1:
        words[-1] = words[-1].upper()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text if words and words[0] in ACRONYMS.values() else text[:1].upper() + text[1:]


def formatter(kind: str, currency: str = "EUR") -> Callable[[Any], str]:
    """A one-argument function formatting values of ``kind`` (e.g. for plot labels).

    Examples
    --------
    >>> print(formatter("nps")(-38.1), formatter("pct")(0.514))
    −38 51.4 %
    """
    return partial(fmt, kind=kind, currency=currency)

