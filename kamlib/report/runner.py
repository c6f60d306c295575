"""Execute report notebooks with papermill, in parallel worker processes.

Each worker process starts ONE Jupyter kernel and runs all its notebooks in it,
through a papermill engine (``kam-reuse``) that hands papermill's notebook client
an already running kernel. A kernel start plus imports costs seconds; reusing it
makes the overhead per page a fraction of that. Notebooks are independent (each
sets every variable it uses and reads only the precomputed bundle), so sharing a
kernel in sequence does not change their results.

A failed notebook is saved with its error, and the failure names the notebook,
the cell (number and first line) and the error.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kamlib.config import SOURCE_ROOT

__all__ = ["KERNEL_NAME", "THIS_PYTHON", "WARM_IMPORTS", "Outcome", "Task", "Workers",
           "default_jobs", "execute", "kernel_manager", "usable_cpus"]

#: the kernel named in the notebooks (``make venv`` registers it for JupyterLab and the
#: papermill command); ``kam report`` does not need it, see :func:`kernel_manager`
KERNEL_NAME = "kam"
#: the name under which :func:`kernel_manager` starts this interpreter's kernel
THIS_PYTHON = "kam-this-python"
_KM = None  # the worker's kernel manager, started on first use


def kernel_manager(kernel_name: str | None = THIS_PYTHON):
    """A kernel manager for ``kernel_name``, or (None or :data:`THIS_PYTHON`) for THIS
    interpreter.

    By default the report's notebooks run in a kernel of the Python running
    ``kam report``, so they import the same kamlib and libraries, whatever kernels are
    registered (a plain ``pip install`` registers none; a ``kam`` kernel registered by
    another environment would run other code).
    """

    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    if kernel_name and kernel_name != THIS_PYTHON:
        return AsyncKernelManager(kernel_name=kernel_name)

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"],
                              display_name="Python (kam report)", language="python")

    return AsyncKernelManager(kernel_name=THIS_PYTHON, kernel_spec_manager=ThisInterpreter())


@dataclass
class Task:
    """One notebook to execute."""

    name: str
    input_path: str
    output_path: str
    parameters: dict = field(default_factory=dict)
    cwd: str = ""
    #: run in the worker once the notebook has run (e.g. export its page); picklable
    after: Callable[[], None] | None = None


@dataclass
class Outcome:
    name: str
    output_path: str
    ok: bool
    cell: int | None = None
    cell_source: str = ""
    error: str = ""


def _engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class ReusedKernelEngine(NBClientEngine):
        """papermill's nbclient engine, running every notebook in the worker's kernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            from jupyter_core.utils import run_sync

            if _KM is None or not run_sync(_KM.is_alive)():
                _start_kernel(kernel_name, kwargs.get("cwd") or os.getcwd())
            kwargs = remove_args(["input_path", "timeout", "startup_timeout", "cwd"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log_output=log_output,
                                 stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=_KM, **final)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    return ReusedKernelEngine


def _start_kernel(kernel_name: str | None, cwd: str):
    """Start the worker's kernel (:data:`_KM`) in ``cwd``."""
    from jupyter_core.utils import run_sync

    global _KM
    _KM = kernel_manager(kernel_name)
    # the kernel imports the same kamlib as this process: a checkout's code
    # is put first on its path (an installed kamlib is found where it is)
    env = dict(os.environ)
    if SOURCE_ROOT is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(SOURCE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    # the kernel's own start-up chatter would clutter the command's output
    # no input history: the kernel would write every cell of every page to
    # its SQLite file, which nobody reads back
    run_sync(_KM.start_kernel)(cwd=cwd, stderr=subprocess.DEVNULL, env=env,
                               extra_arguments=["--HistoryManager.enabled=False"])
    return _KM


#: what the report's notebooks import first, imported by a kernel started ahead of them
#: (as a statement that binds no name: the notebooks' namespace stays as they left it)
WARM_IMPORTS = ("matplotlib.pyplot", "kamlib.present", "kamlib.plots", "kamlib.plots.survival",
                "kamlib.report.notebook", "kamlib.report.pages")


def _warm(kernel_name: str | None, cwd: str) -> None:
    """Start the worker's kernel and have it import what the notebooks import, and
    compile the page exporter's templates, before any notebook arrives.

    Only a head start: whatever fails here is left for the first notebook to meet
    (and report), since an initializer that raises would be restarted forever.
    """
    from jupyter_core.utils import run_sync

    from kamlib.report import html

    try:
        html._exporter()
        import papermill  # noqa: F401  (what running a notebook imports)

        km = _start_kernel(kernel_name, cwd)
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=60)
            code = f"[__import__(m) for m in {list(WARM_IMPORTS)!r}] and None"
            run_sync(kc.execute_interactive)(code, silent=True, store_history=False,
                                             timeout=120)
        finally:
            kc.stop_channels()
    except Exception:  # noqa: BLE001 - a head start only (see above)
        return


def _run(task: Task, kernel_name: str | None, timeout: int) -> Outcome:
    import logging

    import nbformat
    import papermill as pm
    import zmq
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException, PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    if "kam-reuse" not in papermill_engines._engines:
        papermill_engines.register("kam-reuse", _engine())
    try:
        pm.execute_notebook(task.input_path, task.output_path, parameters=task.parameters,
                            kernel_name=kernel_name or THIS_PYTHON, engine_name="kam-reuse",
                            cwd=task.cwd or None, progress_bar=False,
                            request_save_on_cell_execute=False, execution_timeout=timeout)
        if task.after is not None:
            task.after()
        return Outcome(task.name, task.output_path, True)
    except PapermillExecutionError as exc:
        index, src = _failed_cell(task.output_path)
        return Outcome(task.name, task.output_path, False, index, src,
                       f"{exc.ename}: {exc.evalue}")
    except (PapermillException, RuntimeError, OSError, ValueError, KeyError,
            nbformat.ValidationError, zmq.ZMQBaseError) as exc:
        # a dead kernel (RuntimeError), a timeout (TimeoutError, an OSError), a missing
        # kernel (KeyError), an unreadable notebook (ValueError, ValidationError), ...
        return Outcome(task.name, task.output_path, False, None, "",
                       f"{type(exc).__name__}: {exc}")


def _failed_cell(path: str) -> tuple[int | None, str]:
    """Number (1-based, among the template's cells) and first line of the failed cell.

    The saved notebook holds the error output; papermill's injected parameters cell
    and its error banners are not counted, so the number matches the cell a user sees
    in the template.
    """
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.ValidationError):  # it only helps the message
        return None, ""
    n = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        n += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            lines = [ln for ln in cell.source.splitlines() if ln.strip()]
            return n, (lines[0][:120] if lines else "")
    return None, ""


def _worker(args: tuple[Task, str, int]) -> Outcome:
    return _run(*args)


def _shutdown() -> None:
    global _KM
    if _KM is not None:
        from jupyter_core.utils import run_sync

        run_sync(_KM.shutdown_kernel)(now=True)
        _KM = None


def default_jobs() -> int:
    """Worker processes when none are asked for: one more than the CPUs this process may
    use.

    A job is a worker and its kernel taking turns (the worker waits while the kernel runs
    a notebook, the kernel waits while the worker exports the page), so as many jobs as
    CPUs leave them partly idle. On 2 CPUs, a scorecard at 20,000 accounts took 0.44 s
    with 2 jobs and 0.31 s with 3 (marginal cost over 48 to 96 pages); each job holds
    one more copy of the bundle in its kernel.

    >>> default_jobs() == usable_cpus() + 1
    True
    """
    return usable_cpus() + 1


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Workers:
    """Worker processes started ahead of their notebooks, for :func:`execute`.

    Each worker starts its kernel and imports what the notebooks import while the
    caller still computes what they read: ``kam report`` starts them before it builds
    the bundle, so the seconds a kernel takes to start are spent alongside that work.
    Closing (or leaving the ``with`` block) before :func:`execute` took them stops
    the workers and their kernels.

    >>> with Workers(1, warm=False) as w:
    ...     w.jobs
    1
    """

    def __init__(self, jobs: int | None = None, kernel_name: str | None = None,
                 cwd: str | None = None, warm: bool = True):
        self.jobs = max(1, jobs or default_jobs())
        self.kernel_name = kernel_name
        args = (kernel_name, cwd or os.getcwd()) if warm else ()
        self.pool = mp.get_context("spawn").Pool(self.jobs, initializer=_init_worker,
                                                 initargs=args)

    def take(self):
        """The pool, for :func:`execute` (once)."""
        pool, self.pool = self.pool, None
        if pool is None:
            raise RuntimeError("these workers have run their notebooks already")
        return pool

    def close(self) -> None:
        """Stop workers :func:`execute` never took (their kernels exit with them)."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.terminate()
            pool.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def execute(tasks: Iterable[Task], jobs: int | None = None, kernel_name: str | None = None,
            timeout: int = 600, progress: Callable[[Outcome], None] | None = None,
            stop_on_error: bool = True, workers: Workers | None = None) -> list[Outcome]:
    """Run ``tasks`` in ``jobs`` worker processes (default: :func:`default_jobs`), or in
    ``workers`` started before (then their jobs and kernel apply).

    Returns the outcomes in task order. With ``stop_on_error`` the remaining tasks
    are cancelled at the first failure. ``kernel_name`` None runs the notebooks in
    this interpreter (:func:`kernel_manager`).
    """
    tasks = list(tasks)
    for t in tasks:
        Path(t.output_path).parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Outcome] = {}
    if workers is not None:
        kernel_name, pool = workers.kernel_name, workers.take()
    else:
        jobs = max(1, min(jobs or default_jobs(), len(tasks) or 1))
        pool = mp.get_context("spawn").Pool(jobs, initializer=_init_worker)
    failed = False
    try:
        it = pool.imap_unordered(_worker, [(t, kernel_name, timeout) for t in tasks])
        for out in it:
            results[out.name] = out
            if progress:
                progress(out)
            if not out.ok and stop_on_error:
                failed = True
                break
    finally:
        if failed:
            pool.terminate()  # kernels exit with their parent (they poll its pid)
        else:
            pool.close()  # workers exit normally and shut their kernels down
        pool.join()
    return [results[t.name] for t in tasks if t.name in results]


def _init_worker(kernel_name: str | None = None, cwd: str | None = None) -> None:
    """Set up a worker: Ctrl-C is the parent's to handle, the kernel is shut down when
    the worker exits, and (given ``cwd``) the kernel starts now (:func:`_warm`)."""
    import atexit
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # papermill and nbconvert import nbformat, which imports jsonschema, which imports
    # rfc3987_syntax where it is installed (JupyterLab's dependencies install it) only
    # to check "iri" strings, which no notebook's schema asks for; that import builds a
    # parser and takes about 1 s of a worker's start
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    atexit.register(_shutdown)
    from multiprocessing.util import Finalize

    Finalize(None, _shutdown, exitpriority=10)
    if cwd is not None:
        _warm(kernel_name, cwd)
