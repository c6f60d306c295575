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


def _probe_notebook(tmp_path):
    """A notebook that writes what its kernel holds: which of the warm imports it has,
    which of their names its namespace binds, and its working folder."""
    import nbformat

    code = ("import json, os, sys\n"
            f"out = {{'warm': [m for m in {list(runner.WARM_IMPORTS)!r} if m in sys.modules],\n"
            "       'names': [n for n in ('matplotlib', 'kamlib', 'm') if n in globals()],\n"
            "       'cwd': os.getcwd()}\n"
            f"open({str(tmp_path / 'probe.json')!r}, 'w').write(json.dumps(out))")
    src = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), src)
    return src


def test_workers_started_ahead_hand_their_notebooks_a_kernel_that_has_imported(tmp_path):
    import json

    src = _probe_notebook(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    with runner.Workers(1, cwd=str(work)) as w:
        [out] = runner.execute([runner.Task("probe", str(src), str(tmp_path / "o.ipynb"),
                                            cwd=str(work))], workers=w)
        assert w.pool is None  # taken: closing now stops nothing
    assert out.ok, out.error
    seen = json.loads((tmp_path / "probe.json").read_text())
    # the kernel imported what the pages import before the notebook came, bound no
    # name in the notebook's namespace, and works in the folder it was given
    assert seen == {"warm": list(runner.WARM_IMPORTS), "names": [], "cwd": str(work)}


def test_a_kernel_not_started_ahead_has_not_imported(tmp_path):
    import json

    src = _probe_notebook(tmp_path)
    [out] = runner.execute([runner.Task("probe", str(src), str(tmp_path / "o.ipynb"),
                                        cwd=str(tmp_path))], jobs=1)
    assert out.ok, out.error
    assert "kamlib.report.notebook" not in json.loads((tmp_path / "probe.json").read_text())["warm"]


def test_workers_never_used_stop_with_their_kernels(tmp_path):
    import time

    import psutil
    import pytest

    w = runner.Workers(2, cwd=str(tmp_path))
    procs = [psutil.Process(p.pid) for p in w.pool._pool]
    deadline = time.monotonic() + 60
    kernels: list = []
    while time.monotonic() < deadline and len(kernels) < 2:  # both kernels started
        kernels = [c for p in procs for c in p.children()]
        time.sleep(0.2)
    assert len(kernels) == 2
    w.close()
    w.close()  # twice is harmless
    gone, alive = psutil.wait_procs(procs + kernels, timeout=30)
    assert not alive, alive
    with pytest.raises(RuntimeError, match="run their notebooks already"):
        w.take()
