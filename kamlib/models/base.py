"""What every model of kamlib shares: ``fit`` returns the model, a not-fitted guard,
a ``summary`` and a ``repr`` that tells the class, its key parameters and whether it
is fitted.

A model names the attribute that :meth:`Model.fit` sets (``_fitted_attr``), says
how to fit it (``_fit_hint``), and may describe its parameters and its fit for the
``repr``:

>>> class Mean(Model):
...     _fitted_attr = "mean_"
...     _fit_hint = "call fit(values)"
...     def fit(self, values):
...         self.mean_ = sum(values) / len(values)
...         return self
...     @property
...     def summary(self):
...         self.check_fitted()
...         return {"mean": self.mean_}
...     def _fit_description(self):
...         return f"mean={self.mean_:g}"
>>> Mean()
<kamlib.models.base.Mean: not fitted>
>>> Mean().fit([1, 2, 3])
<kamlib.models.base.Mean: mean=2>
>>> Mean().summary
Traceback (most recent call last):
...
kamlib.errors.NotFittedError: this Mean is not fitted: call fit(values)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Self

from kamlib.errors import NotFittedError

__all__ = ["Model"]


class Model(ABC):
    """Base class of kamlib's models (see the module's docstring)."""

    #: the attribute :meth:`fit` sets; the model counts as fitted once it exists
    _fitted_attr: str = "params_"
    #: how to fit the model, for the message of :class:`~kamlib.errors.NotFittedError`
    _fit_hint: str = "call fit(...) first"

    @abstractmethod
    def fit(self, *args: Any, **kwargs: Any) -> Self:
        """Estimate the model from data and return it (``self``)."""

    @property
    @abstractmethod
    def summary(self) -> Any:
        """The fitted parameters with their uncertainty, as a table."""

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` (or another way of setting the parameters) has run."""
        return hasattr(self, self._fitted_attr)

    def check_fitted(self) -> None:
        """Raise :class:`~kamlib.errors.NotFittedError` unless the model is fitted."""
        if not self.is_fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted: {self._fit_hint}")

    def _params(self) -> dict[str, Any]:
        """The settings that define the model, shown in the ``repr``."""
        return {}

    def _fit_description(self) -> str:
        """What the ``repr`` says about a fitted model."""
        return "fitted"

    def __repr__(self) -> str:
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        parts = [f"{k}={v!r}" for k, v in self._params().items()]
        parts.append(self._fit_description() if self.is_fitted else "not fitted")
        return f"<{name}: {', '.join(parts)}>"
