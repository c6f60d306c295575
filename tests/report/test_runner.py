"""The report's notebooks run in a kernel of the interpreter running `kam report`."""

from __future__ import annotations

import sys

from kamlib.report import runner


def test_default_kernel_is_this_interpreter_whatever_is_registered():
    km = runner.kernel_manager()
    spec = km.kernel_spec
    assert spec.argv[0] == sys.executable
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]
    assert runner.kernel_manager(None).kernel_spec.argv[0] == sys.executable


def test_a_named_kernel_is_looked_up_as_registered():
    km = runner.kernel_manager("some-registered-kernel")
    assert km.kernel_name == "some-registered-kernel"
