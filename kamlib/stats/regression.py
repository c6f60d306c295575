"""A log-linear regression with heteroskedasticity-robust (HC1) standard errors.

The effects of account attributes on lifetime value are multiplicative: a referred
account is worth 1.3 times another, not 30,000 more. :func:`log_linear` fits ordinary
least squares to ``log(y)``,

    log y_i = x_i' b + e_i,

so ``exp(b_j)`` is the factor by which attribute ``j`` multiplies ``y`` other things
equal (the ratio of geometric means; of means too when the spread of ``e`` is the same
at every level). Its standard errors are White's sandwich with the small-sample factor
``n / (n - p)`` (HC1, MacKinnon and White 1985), which stays valid when the spread
differs between levels, and the 95 % interval is ``exp(b_j ± t_{n-p} se_j)``.

It is the simplest sound choice here: a closed form (no iterations to converge), exact
when the effects are exactly multiplicative, and robust to the unequal spreads lifetime
values have. A gamma model with log link estimates the ratio of arithmetic means
instead; the two agree when the log-scale spread is equal across levels.

>>> import numpy as np
>>> x = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
>>> fit = log_linear(np.exp([0.0, 2.0, 1.0, 3.0]), x, ["intercept", "b"])
>>> round(float(fit.coef[1]), 6), round(float(fit.se[1] ** 2), 6)  # means 1 and 2; HC1 = 2
(1.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["LogLinearFit", "estimable_columns", "log_linear"]


@dataclass(frozen=True)
class LogLinearFit:
    """OLS of ``log y`` on ``x``: coefficients, their HC1 covariance, ``n`` and ``p``.

    ``ratios()`` gives each term's multiplicative effect with its interval.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    cov: np.ndarray
    n: int
    r2: float

    @property
    def p(self) -> int:
        """The number of coefficients."""
        return len(self.coef)

    @property
    def se(self) -> np.ndarray:
        """The HC1 standard errors of the coefficients."""
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))

    def ratios(self, level: float = 0.95) -> pd.DataFrame:
        """Per term: ``ratio = exp(b)``, ``low``/``high`` = ``exp(b ± t se)`` (t with
        ``n - p`` degrees of freedom), ``se`` (of ``b``), indexed by ``term``.

        >>> x = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
        >>> r = log_linear(np.exp([0.0, 0.0, 1.0, 1.0]), x, ["c", "b"]).ratios()
        >>> round(float(r.loc["b", "ratio"]), 4), round(float(r.loc["b", "low"]), 4)
        (2.7183, 2.7183)
        """
        dof = max(self.n - self.p, 1)
        t = float(sps.t.ppf(0.5 + level / 2, dof))
        return pd.DataFrame({"ratio": np.exp(self.coef), "low": np.exp(self.coef - t * self.se),
                             "high": np.exp(self.coef + t * self.se), "se": self.se},
                            index=pd.Index(self.names, name="term"))


def estimable_columns(x: np.ndarray, tol: float = 1e-9) -> list[int]:
    """The columns of ``x`` kept, left to right, each adding to the rank of those before
    (a column that is a combination of earlier ones, e.g. a level every account of which
    also has another attribute's level, cannot be estimated apart from them).

    >>> estimable_columns(np.array([[1.0, 1.0, 2.0], [1.0, 0.0, 2.0], [1.0, 1.0, 2.0]]))
    [0, 1]
    """
    x = np.asarray(x, float)
    kept: list[int] = []
    for j in range(x.shape[1]):
        trial = kept + [j]
        if np.linalg.matrix_rank(x[:, trial], tol=tol * max(1.0, np.abs(x).max())) == len(trial):
            kept.append(j)
    return kept


def log_linear(y: np.ndarray, x: np.ndarray, names: Sequence[str]) -> LogLinearFit:
    """OLS of ``log(y)`` on the columns of ``x`` (include a constant column yourself).

    Parameters
    ----------
    y : positive outcomes (raises ``ValueError`` on a value <= 0 or missing).
    x : the design, rows x columns, full column rank (see :func:`estimable_columns`).
    names : one name per column.

    Returns
    -------
    :class:`LogLinearFit` with the HC1 covariance
    ``n / (n - p) (X'X)^-1 X' diag(e^2) X (X'X)^-1``.
    """
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    if not np.all(np.isfinite(y)) or np.any(y <= 0):
        raise ValueError("log_linear needs positive, finite outcomes")
    n, p = x.shape
    if len(names) != p or len(y) != n:
        raise ValueError("one name per column and one outcome per row are needed")
    if n <= p:
        raise ValueError(f"{n} rows cannot estimate {p} coefficients")
    ly = np.log(y)
    xtx_inv = np.linalg.inv(x.T @ x)
    coef = xtx_inv @ x.T @ ly
    e = ly - x @ coef
    meat = (x * (e ** 2)[:, None]).T @ x
    cov = xtx_inv @ meat @ xtx_inv * n / (n - p)
    tss = float(((ly - ly.mean()) ** 2).sum())
    r2 = 1 - float((e ** 2).sum()) / tss if tss > 0 else 1.0
    return LogLinearFit(tuple(names), coef, cov, n, r2)
