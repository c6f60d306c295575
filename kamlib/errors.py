"""The small exception hierarchy of kamlib.

Every error a user can cause derives from :class:`KamError`; the command line
turns it into a one-line message and a documented exit code, never a traceback.
"""

from __future__ import annotations

__all__ = [
    "BusyError",
    "ConfigError",
    "ContractError",
    "InsufficientHistory",
    "KamError",
    "ModelInputError",
    "NotFittedError",
    "OutputError",
    "ParameterError",
    "ReportError",
    "SourceError",
    "StrictModeError",
    "first_line",
]


class KamError(Exception):
    """Base class of every error kamlib raises on purpose."""

    exit_code = 1


class ConfigError(KamError):
    """A setting or a config file is invalid."""

    exit_code = 2


class ParameterError(KamError):
    """A command-line parameter is invalid for the data (e.g. a quarter outside it)."""

    exit_code = 2


class SourceError(KamError):
    """The data source cannot be opened (bad path, bad URL, unreachable server)."""

    exit_code = 2


class ContractError(KamError):
    """The input breaks the data contract.

    ``faults`` holds one human-readable message per fault, each naming the
    file (or table), the column and the rule.
    """

    exit_code = 2

    def __init__(self, faults: list[str], title: str = "the data breaks the contract"):
        self.faults = list(faults)
        msg = f"{title} ({len(self.faults)} fault{'s' if len(self.faults) != 1 else ''}):\n"
        msg += "\n".join(f"  - {f}" for f in self.faults)
        super().__init__(msg)


class StrictModeError(ContractError):
    """Row faults found while running with ``--strict``."""

    exit_code = 3


class ModelInputError(KamError, ValueError):
    """The data cannot support the model (no events, constant covariate, NaN, ...)."""

    exit_code = 2


class InsufficientHistory(ModelInputError):
    """Too little history for a backtest of the churn model: e.g. no churn, or too few
    accounts, in the quarters it scores."""


class NotFittedError(KamError, RuntimeError):
    """A model was asked for a prediction or a summary before it was fitted."""


class ReportError(KamError):
    """A report could not be rendered; the previous report is left in place."""

    exit_code = 1


class BusyError(KamError):
    """Another run holds the output folder's lock for longer than we wait."""

    exit_code = 2


class OutputError(KamError):
    """An output cannot be written: an unusable path (exit 2), or a failure while
    writing, such as a full disk (exit 1)."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message  # what went wrong, without the path
        if exit_code is not None:
            self.exit_code = exit_code


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type name when it has none.

    >>> first_line(ValueError("bad value\\nmore detail"))
    'bad value'
    >>> first_line(KeyError())
    'KeyError'
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
