"""The exception hierarchy (kamlib.errors): exit codes and messages a user sees."""

from __future__ import annotations

import pytest

from kamlib.errors import (
    ConfigError,
    ContractError,
    KamError,
    ParameterError,
    SourceError,
    StrictModeError,
    first_line,
)


@pytest.mark.parametrize("cls, code", [
    (KamError, 1), (ConfigError, 2), (ParameterError, 2), (SourceError, 2),
    (ContractError, 2), (StrictModeError, 3),
])
def test_every_error_is_a_kam_error_with_its_exit_code(cls, code):
    assert issubclass(cls, KamError) and cls.exit_code == code


def test_contract_error_lists_its_faults_and_counts_them():
    one = ContractError(["contracts.csv: end_on is empty in row 3"])
    assert one.faults == ["contracts.csv: end_on is empty in row 3"]
    assert str(one) == ("the data breaks the contract (1 fault):\n"
                        "  - contracts.csv: end_on is empty in row 3")
    two = StrictModeError(["a", "b"], title="rows were set aside")
    assert str(two) == "rows were set aside (2 faults):\n  - a\n  - b"
    assert isinstance(two, ContractError)


def test_contract_error_keeps_its_own_copy_of_the_faults():
    faults = ["a"]
    err = ContractError(faults)
    faults.append("b")
    assert err.faults == ["a"]


def test_first_line_of_messages():
    assert first_line(SourceError("cannot open x\ndetails")) == "cannot open x"
    assert first_line(ValueError("  padded  ")) == "padded"
    assert first_line(RuntimeError()) == "RuntimeError"  # no message: the type's name
    assert first_line(ContractError(["a"])) == "the data breaks the contract (1 fault):"
