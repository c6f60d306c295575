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

    The columns dropped are those that end a dependency: column ``j`` is a combination
    of earlier columns exactly when some vector ``v`` with ``x v = 0`` has its last
    non-zero entry at ``j``. The null vectors come from one decomposition of the whole
    design (QR, then a rank-revealing QR of its small ``R``; diagonal entries up to
    ``tol`` times the largest entry of ``x``, when that is above 1, count as zero), and
    are brought to echelon form
    from the last column up, whose leading entries name the dropped columns. One
    decomposition in all, where testing the rank of each growing set of columns took
    one decomposition per column (hours with one level per account manager at 20,000
    accounts).

    >>> estimable_columns(np.array([[1.0, 1.0, 2.0], [1.0, 0.0, 2.0], [1.0, 1.0, 2.0]]))
    [0, 1]
    """
    from scipy import linalg

    x = np.asarray(x, float)
    k = x.shape[1]
    if x.size == 0:
        return []
    limit = tol * max(1.0, float(np.abs(x).max()))
    r = linalg.qr(x, mode="r")[0] if x.shape[0] > k else x  # x v = 0 exactly when r v = 0
    # the null space of r: what the row space of r (the columns of r', found by a
    # rank-revealing QR with column pivoting) leaves out
    q2, r2, _ = linalg.qr(r.T, pivoting=True)
    rank = int((np.abs(np.diag(r2)) > limit).sum())
    null = q2[:, rank:].copy()  # k x d: a basis of the null space
    dropped: list[int] = []
    free = list(range(null.shape[1]))
    for j in range(k - 1, -1, -1):  # echelon form from the last column up
        if not free:
            break
        c = max(free, key=lambda i: abs(null[j, i]))
        if abs(null[j, c]) <= 1e-8 * np.abs(null[:, c]).max():
            continue  # no dependency ends at column j
        dropped.append(j)
        free.remove(c)
        for i in free:  # the others no longer reach column j
            null[:, i] -= null[j, i] / null[j, c] * null[:, c]
    return [j for j in range(k) if j not in set(dropped)]


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
