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


def test_the_worker_finishes_each_page_after_its_notebook_and_a_failure_names_it(tmp_path):
    import functools
    import shutil

    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")])
    src = tmp_path / "page.ipynb"
    nbformat.write(nb, src)
    done = tmp_path / "done.ipynb"
    tasks = [
        # after: a copy of the executed notebook, made by the worker that ran it
        runner.Task("ok", str(src), str(tmp_path / "out" / "ok.ipynb"), cwd=str(tmp_path),
                    after=functools.partial(shutil.copy, str(tmp_path / "out" / "ok.ipynb"),
                                            str(done))),
        # an after that fails (the folder does not exist) fails the page
        runner.Task("bad", str(src), str(tmp_path / "out" / "bad.ipynb"), cwd=str(tmp_path),
                    after=functools.partial(shutil.copy, str(src),
                                            str(tmp_path / "missing" / "x.ipynb"))),
    ]
    ok, bad = runner.execute(tasks, jobs=1, stop_on_error=False)
    assert ok.ok and done.exists()
    assert nbformat.read(done, as_version=4).cells[-1].source == "x = 1 + 1"
    assert not bad.ok and bad.name == "bad" and "FileNotFoundError" in bad.error
