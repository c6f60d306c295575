"""The small exception hierarchy of kamlib.

Every error a user can cause derives from :class:`KamError`; the command line
turns it into a one-line message and a documented exit code, never a traceback.
"""

from __future__ import annotations


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


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type name when it has none.

    >>> first_line(ValueError("bad value\\nmore detail"))
    'bad value'
    >>> first_line(KeyError())
    'KeyError'
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
