"""The covariate model of churn risk: a Cox proportional-hazards wrapper.

:class:`ChurnModel` wraps lifelines' ``CoxPHFitter`` with the checks a quarterly
job needs (clear errors instead of a singular matrix) and the predictions CLV
needs. It accepts ordinary survival data (one row per subject) and the
counting-process form that the account panel uses: one row per account and
quarter, with the tenure at the quarter's start as ``entry`` (left truncation)
and the tenure at its end (or at churn) as the duration.

Why Cox and not a Weibull AFT: churn in key accounts happens at renewal dates,
so the baseline hazard is spiky on the tenure scale (peaks at each anniversary).
A Cox model leaves the baseline free and estimates the covariate effects from
the partial likelihood; a Weibull forces a smooth monotone hazard that misfits
those peaks. The criterion is recorded in ``choice_``: Cox is used unless the
proportional-hazards check (scaled Schoenfeld residuals, rank-transformed time)
rejects a covariate at the 1 % level, in which case the report says so.

>>> from lifelines.datasets import load_rossi
>>> m = ChurnModel().fit(load_rossi(), duration_col="week", event_col="arrest")
>>> round(float(m.params_["fin"]), 4)
-0.3794
>>> m
<kamlib.models.cox.ChurnModel: penalizer=0.0, fitted on 432 rows (114 events), 7 covariates, concordance 0.640>
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from kamlib.errors import ModelInputError
from kamlib.models.base import Model

__all__ = ["ChurnModel", "ModelInputError"]


class ChurnModel(Model):
    """Cox proportional-hazards model of churn with input checks.

    Parameters
    ----------
    penalizer : small ridge penalty for numerical stability (0 reproduces R's coxph).

    Attributes (after fit)
    ----------------------
    model_ : the fitted lifelines ``CoxPHFitter``.
    params_ : log hazard ratios.
    summary : lifelines' summary table (coef, exp(coef), intervals, p).
    concordance_ : Harrell's concordance on the training data.
    covariates_ : covariate names in order.
    """

    _fitted_attr = "model_"
    _fit_hint = "call fit(df, duration_col, event_col) first"

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def _params(self) -> dict:
        return {"penalizer": self.penalizer}

    def _fit_description(self) -> str:
        k = len(self.covariates_)
        return (f"fitted on {self.n_rows_} rows ({self.n_events_} events), {k} "
                f"covariate{'s' if k != 1 else ''}, concordance {self.concordance_:.3f}")

    # ------------------------------------------------------------------ checks
    @staticmethod
    def check(df: pd.DataFrame, duration_col: str, event_col: str, covariates: list[str],
              entry_col: str | None = None) -> None:
        """Raise :class:`ModelInputError` naming the column and the problem."""
        cols = [duration_col, event_col, *covariates] + ([entry_col] if entry_col else [])
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ModelInputError(f"columns missing for the churn model: {', '.join(missing)}")
        if len(df) == 0:
            raise ModelInputError("no rows to fit the churn model on")
        for c in cols:
            if not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
                raise ModelInputError(f"column {c} must be numeric, got {df[c].dtype}")
            n_nan = int(df[c].isna().sum())
            if n_nan:
                raise ModelInputError(f"column {c} has {n_nan} missing value(s) (NaN); "
                                      "impute or drop them first")
            if np.isinf(df[c].to_numpy(float)).any():
                raise ModelInputError(f"column {c} has infinite values")
        if (df[duration_col] < 0).any():
            raise ModelInputError(f"column {duration_col} has negative durations "
                                  f"({int((df[duration_col] < 0).sum())} rows)")
        if entry_col and (df[entry_col] > df[duration_col]).any():
            raise ModelInputError(f"{entry_col} is after {duration_col} in "
                                  f"{int((df[entry_col] > df[duration_col]).sum())} rows")
        if not set(pd.unique(df[event_col].astype(float))) <= {0.0, 1.0}:
            raise ModelInputError(f"column {event_col} must be 0/1 (or boolean)")
        if df[event_col].sum() == 0:
            raise ModelInputError(f"no events in {event_col}: the churn model needs at least "
                                  "one churn to estimate anything")
        for c in covariates:
            if df[c].nunique(dropna=True) < 2:
                raise ModelInputError(f"covariate {c} is constant ({df[c].iloc[0]!r}); "
                                      "it carries no information, drop it")

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, duration_col: str, event_col: str,
            covariates: list[str] | None = None, entry_col: str | None = None,
            strata: list[str] | None = None) -> ChurnModel:
        """Fit the model; covariates default to every other numeric column."""
        from kamlib.models.efron import CoxPHFitter  # lifelines', risk sets found once

        reserved = {duration_col, event_col, entry_col, *(strata or [])}
        if covariates is None:
            covariates = [c for c in df.columns if c not in reserved
                          and (pd.api.types.is_numeric_dtype(df[c])
                               or pd.api.types.is_bool_dtype(df[c]))]
        self.check(df, duration_col, event_col, covariates, entry_col)
        cols = [duration_col, event_col, *covariates, *([entry_col] if entry_col else []),
                *(strata or [])]
        data = df[cols].astype({c: float for c in covariates})
        cph = CoxPHFitter(penalizer=self.penalizer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                cph.fit(data, duration_col=duration_col, event_col=event_col,
                        entry_col=entry_col, strata=strata)
            except (ValueError, ArithmeticError) as exc:  # ConvergenceError, LinAlgError
                raise ModelInputError(f"the churn model did not converge: {exc}") from None
        self.model_ = cph
        self.duration_col, self.event_col, self.entry_col = duration_col, event_col, entry_col
        self.covariates_ = list(covariates)
        self.n_rows_, self.n_events_ = len(data), int(data[event_col].sum())
        self.params_ = cph.params_
        self.baseline_ = self._breslow(data)
        self.__dict__.pop("concordance_", None)  # worked out again on first use
        self.choice_ = "Cox proportional hazards (baseline left free: churn peaks at renewals)"
        return self

    @cached_property
    def concordance_(self) -> float:
        """Harrell's concordance on the training data, worked out on first use (a
        pass over every pair of the panel: 0.7 s at 260,000 rows, which the KPIs do
        not need)."""
        self.check_fitted()
        return float(self.model_.concordance_index_)

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' summary table: coef, exp(coef), their intervals, z and p."""
        self.check_fitted()
        return self.model_.summary

    @property
    def hazard_ratios_(self) -> pd.Series:
        self.check_fitted()
        return np.exp(self.params_)

    def ph_check(self, df: pd.DataFrame) -> pd.DataFrame:
        """Proportional-hazards test per covariate; columns covariate, statistic, p.

        Without late entry: lifelines' scaled Schoenfeld residual test (rank time).
        With late entry (the account panel) residuals are not available, so each
        covariate's effect is allowed to drift with log time (``x * log t``) and the
        drift is tested by its Wald statistic (Cox 1972's time-interaction check). A
        small p flags a covariate whose effect changes with tenure.
        """
        from lifelines import CoxPHFitter
        from lifelines.statistics import proportional_hazard_test

        self.check_fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not self.entry_col:
                cols = [self.duration_col, self.event_col, *self.covariates_]
                res = proportional_hazard_test(self.model_, df[cols], time_transform="rank")
                out = res.summary[["test_statistic", "p"]].rename(
                    columns={"test_statistic": "statistic"})
                return out.rename_axis("covariate").reset_index()
            d = df[[self.duration_col, self.event_col, self.entry_col, *self.covariates_]]
            d = d.astype(float).copy()
            log_t = np.log(np.maximum(d[self.duration_col], 1.0))
            inter = {f"{c} x log t": d[c] * (log_t - log_t.mean()) for c in self.covariates_}
            d = d.assign(**inter)
            cph = CoxPHFitter(penalizer=max(self.penalizer, 1e-6)).fit(
                d, self.duration_col, self.event_col, entry_col=self.entry_col)
        z = cph.summary.loc[list(inter), "z"].to_numpy()
        p = cph.summary.loc[list(inter), "p"].to_numpy()
        return pd.DataFrame({"covariate": self.covariates_, "statistic": z**2, "p": p})

    # ------------------------------------------------------------------ predict
    def partial_hazard(self, df: pd.DataFrame) -> np.ndarray:
        """exp((x - mean) beta) for each row of ``df``."""
        self.check_fitted()
        x = df[self.covariates_].astype(float).to_numpy()
        mean = self.model_._norm_mean.to_numpy()
        return np.exp((x - mean) @ self.params_.to_numpy())

    def coefficient_draws(self, draws: int, seed: int) -> np.ndarray:
        """``draws`` x covariates log hazard ratios drawn from the fit's normal
        approximation N(beta, V) (V: lifelines' ``variance_matrix_``), seeded.

        They carry the uncertainty of the hazard ratios into what the model predicts
        (:meth:`survival_draws`); the baseline hazard is held at its estimate.
        """
        self.check_fitted()
        cov = self.model_.variance_matrix_.to_numpy(float)
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.params_.to_numpy(float), cov, size=draws,
                                       method="eigh")

    def survival_draws(self, df: pd.DataFrame, tenure_col: str, horizons: np.ndarray,
                       coefficients: np.ndarray) -> np.ndarray:
        """:meth:`conditional_survival` under each row of ``coefficients`` (draws x
        covariates, e.g. :meth:`coefficient_draws`): an array draws x rows x horizons.
        The baseline cumulative hazard is the fitted one."""
        self.check_fitted()
        t = df[tenure_col].to_numpy(float)[:, None]
        hz = np.asarray(horizons, float)[None, :]
        dh = self.cumulative_hazard(t + hz) - self.cumulative_hazard(t)
        x = df[self.covariates_].astype(float).to_numpy() - self.model_._norm_mean.to_numpy()
        ph = np.exp(np.asarray(coefficients, float) @ x.T)  # draws x rows
        return np.exp(-ph[:, :, None] * dh[None, :, :])

    def survival_draw_chunks(self, df: pd.DataFrame, tenure_col: str, horizons: np.ndarray,
                             coefficients: np.ndarray, chunk: int):
        """:meth:`survival_draws` a block of at most ``chunk`` rows at a time: yields
        ``(rows, block)`` with ``rows`` a slice of ``df``'s positions and ``block`` the
        array draws x len(rows) x horizons, equal bit for bit to
        ``survival_draws(...)[:, rows, :]``, so the memory it needs is bounded by
        ``chunk`` whatever the number of rows.

        Every block uses the same draws. The risk scores ``exp(coefficients @ x.T)``
        (draws x rows, a tenth of the full array for ten horizons) are computed for
        all rows at once, as :meth:`survival_draws` does: a BLAS product of a block
        can differ from the same entries of the whole product in the last bit.

        >>> import numpy as np, pandas as pd
        >>> m = ChurnModel(penalizer=0.1).fit(pd.DataFrame(
        ...     {"t": [1.0, 2, 3, 4, 5], "e": [1, 0, 1, 1, 0], "x": [0.0, 1, 1, 0, 1]}), "t", "e")
        >>> rows = pd.DataFrame({"t": [0.0, 1, 2], "x": [0.0, 1, 1]})
        >>> c = m.coefficient_draws(5, seed=1)
        >>> [(r.start, b.shape) for r, b in m.survival_draw_chunks(rows, "t", np.r_[1.0], c, 2)]
        [(0, (5, 2, 1)), (2, (5, 1, 1))]
        """
        self.check_fitted()
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, got {chunk}")
        t = df[tenure_col].to_numpy(float)[:, None]
        hz = np.asarray(horizons, float)[None, :]
        dh = self.cumulative_hazard(t + hz) - self.cumulative_hazard(t)
        x = df[self.covariates_].astype(float).to_numpy() - self.model_._norm_mean.to_numpy()
        ph = np.asarray(coefficients, float) @ x.T  # draws x rows, as survival_draws
        np.exp(ph, out=ph)
        for i in range(0, len(df), chunk):
            rows = slice(i, min(i + chunk, len(df)))
            block = -ph[:, rows, None] * dh[None, rows, :]
            yield rows, np.exp(block, out=block)

    def _breslow(self, df: pd.DataFrame) -> pd.Series:
        """Breslow baseline cumulative hazard with proper risk sets under late entry.

        H0(t) = sum over event times s <= t of d_s / sum_{j: entry_j < s <= T_j} r_j, with
        r_j = exp((x_j - mean) beta). Rows count as at risk only after their entry, so a
        counting-process panel (many rows per account) is not over-counted.
        """
        r = self.partial_hazard(df)
        stop = df[self.duration_col].to_numpy(float)
        entry = df[self.entry_col].to_numpy(float) if self.entry_col else np.full(len(df), -np.inf)
        ev = df[self.event_col].to_numpy(float) > 0
        times = np.unique(stop[ev])
        o_stop, o_entry = np.argsort(stop), np.argsort(entry)
        cs_stop = np.r_[np.cumsum(r[o_stop][::-1])[::-1], 0.0]
        cs_entry = np.r_[np.cumsum(r[o_entry][::-1])[::-1], 0.0]
        at_stop = cs_stop[np.searchsorted(stop[o_stop], times, side="left")]
        at_entry = cs_entry[np.searchsorted(entry[o_entry], times, side="left")]
        risk = at_stop - at_entry  # rows with entry < s <= stop
        deaths = np.bincount(np.searchsorted(times, stop[ev]), minlength=len(times))
        return pd.Series(np.cumsum(deaths / risk), index=times, name="baseline_cumulative_hazard")

    def baseline(self) -> pd.Series:
        """Baseline cumulative hazard H0(t) at the mean covariates (Breslow, late entry)."""
        self.check_fitted()
        return self.baseline_

    def cumulative_hazard(self, t: np.ndarray, tail_window: float | None = None) -> np.ndarray:
        """H0 at times ``t``, extended past the last observed time with the average hazard
        of the last ``tail_window`` time units (default: the last third of the range)."""
        h = self.baseline()
        times, values = h.index.to_numpy(float), h.to_numpy(float)
        t = np.asarray(t, float)
        last = times.max()
        window = tail_window or last / 3
        lo = np.interp(last - window, times, values)
        rate = (values[-1] - lo) / window if window > 0 else 0.0
        inside = np.interp(np.minimum(t, last), times, values, left=0.0)
        return inside + rate * np.maximum(t - last, 0.0)

    def conditional_survival(self, df: pd.DataFrame, tenure_col: str,
                             horizons: np.ndarray) -> np.ndarray:
        """S(t + h | alive at t) for each row (t from ``tenure_col``) and each horizon h.

        Covariates are held at their latest values. Returns an array rows x horizons.
        """
        self.check_fitted()
        t = df[tenure_col].to_numpy(float)[:, None]
        hz = np.asarray(horizons, float)[None, :]
        dh = self.cumulative_hazard(t + hz) - self.cumulative_hazard(t)
        return np.exp(-self.partial_hazard(df)[:, None] * dh)
