"""``kam report``: render a quarter's notebooks into a self-contained HTML report.

Steps (README, "Reports"):

1. validate the data once and write the quarantined rows;
2. build the quarter's bundle once (:mod:`kamlib.report.bundle`), which every notebook reads;
3. execute the theme notebooks and one scorecard per KAM with papermill, in
   parallel worker processes that each reuse one kernel (:mod:`kamlib.report.runner`);
4. strip execution metadata, give cells stable ids, export HTML with nbconvert
   (input hidden, images embedded, one template with the same header and footer,
   a table of contents);
5. write ``index.html``, ``kpis.csv``, the executed notebooks and ``manifest.json``;
6. publish: everything is written into a staging folder of this run and swapped
   into ``<out>/<quarter>`` only when all of it succeeded. A failure leaves the
   previous report untouched, keeps the failed notebook under
   ``<out>/.failed/<quarter>/`` and names the notebook, the cell and the error.

One run at a time writes into an output folder: a run holds an exclusive lock on
``<out>/.lock`` from its first write to its publication, and another run waits for
it (up to ``wait`` seconds). Whatever a killed run left behind (its staging folder)
is removed by the next run that holds the lock. The swap into place is atomic, so
``<out>/<quarter>`` is always one run's complete output.

KAM ids are data: they name scorecard files only through
:func:`kamlib.report.paths.file_names`.

The same inputs give byte-identical HTML, ``kpis.csv`` and manifest: every random
draw is seeded, nothing reads the clock, and no path or timing is written (the
executed notebooks name the data as :func:`kamlib.data.sources.display_name` does).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from kamlib import __version__
from kamlib.config import NOTEBOOKS_DIR, SOURCE_ROOT, Settings
from kamlib.data.contract import TABLES
from kamlib.data.sources import display_name, engine_errors, is_url, open_source
from kamlib.data.validate import validate
from kamlib.errors import BusyError, OutputError, ParameterError, ReportError
from kamlib.kpis.compute import resolve_quarter
from kamlib.panels import raw as raw_panels
from kamlib.panels.coverage import explain
from kamlib.periods import Quarter
from kamlib.report import bundle as bundle_mod
from kamlib.report import pdf as pdf_mod
from kamlib.report import runner
from kamlib.report.account_pages import write_account_pages
from kamlib.report.html import quarter_index, root_index
from kamlib.report.notebook_page import finish_page
from kamlib.report.output import write_csv, write_quarantine, write_text
from kamlib.report.pages import link_pages
from kamlib.report.paths import file_names
from kamlib.report.timings import DONE, FINISHING, RunTimes

__all__ = ["DEFAULT_WAIT", "NAV_LINKS", "PDF_THEME", "SCORECARD", "THEMES", "OutputLock", "Page", "fingerprints", "render", "write_root_index"]

THEMES = (
    ("executive_summary", "Executive summary"),
    ("clv_churn", "CLV and churn risk"),
    ("customer_voice", "Customer voice"),
    ("engagement_outcomes", "Engagement and outcomes"),
    ("growth_acquisition", "Growth and acquisition"),
    ("team", "Team"),
    ("data_quality", "Data quality"),
    # print/methods feature: model internals and the glossary
    ("methods", "Methods and checks"),
)
log = logging.getLogger(__name__)
SCORECARD = "kam_scorecard"

#: -- links: the navigation's entries after the theme pages, relative to the quarter's
#: folder: the index's lists of scorecards and accounts, and the index of every quarter
NAV_LINKS = [("index.html#scorecards", "Scorecards"), ("index.html#accounts", "Accounts"),
             ("../index.html", "All quarters")]

#: The theme page ``kam report --pdf`` prints besides the scorecards.
PDF_THEME = "executive_summary"
QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")


@dataclass
class Page:
    name: str
    title: str
    notebook: str
    html: str
    parameters: dict
    kam_id: str | None = None


# --------------------------------------------------------------------------- helpers
def fingerprints(source) -> dict[str, str]:
    """sha256 of each input file (folders); for a database, of each table's rows."""
    out: dict[str, str] = {}
    if source.kind == "folder":
        for name, path in sorted(source.files.items()):
            out[path.name] = source.digest(name)  # read once with the check cache's key
        return out
    for name in sorted(t for t in _table_names() if source.has(t)):
        df = raw_panels.table_rows(source, name)
        out[name] = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
    return out


def _table_names():
    return list(TABLES)


def _revision() -> str:
    """The git commit of the checkout the code runs from ("unknown" for an installed
    wheel: its version is in the manifest)."""
    if SOURCE_ROOT is None:
        return "unknown"
    try:
        r = subprocess.run(["git", "-C", str(SOURCE_ROOT), "rev-parse", "HEAD"],
                           capture_output=True, text=True, timeout=10)
        rev = r.stdout.strip()
        if r.returncode != 0 or not rev:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(SOURCE_ROOT), "status", "--porcelain",
                                "--untracked-files=no", "--", "kamlib", "notebooks"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+modified" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kamlib", "pandas", "numpy", "scipy", "lifelines", "ibis-framework", "duckdb",
                "matplotlib", "papermill", "nbconvert", "nbformat", "ipykernel"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_root_index(out: Path) -> None:
    """``<out>/index.html`` listing every rendered quarter, newest first."""
    quarters = sorted((p.name for p in out.iterdir() if p.is_dir() and QUARTER_DIR.match(p.name)
                       and (p / "index.html").exists()), reverse=True)
    write_text(out / "index.html", root_index(quarters))


# --------------------------------------------------------------------------- one run at a time
DEFAULT_WAIT = 600.0


class OutputLock:
    """An exclusive ``flock`` on ``<out>/.lock``, held from a run's first write to its
    publication. The kernel releases it when the process dies, even by SIGKILL, so a
    killed run never blocks the next one. (On network file systems ``flock`` may be
    local to one machine.)"""

    def __init__(self, out: Path, wait: float = DEFAULT_WAIT,
                 notify: Callable[[str], None] | None = None):
        self.out, self.wait, self.notify = out, wait, notify
        self.path = out / ".lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror}") from None
        deadline = time.monotonic() + max(0.0, self.wait)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                os.close(fd)
                raise BusyError(
                    f"another report is being written into {self.out} (it holds "
                    f"{self.path}); gave up after waiting {self.wait:g} s: run again later or "
                    "pass a longer --wait")
            if not told and self.notify:
                self.notify(f"waiting for another report into {self.out}… "
                            f"(up to {self.wait:g} s)")
                told = True
            time.sleep(min(0.5, left))

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _clean_stale(out: Path) -> None:
    """Remove what killed runs left behind; only called while holding the lock."""
    for p in out.glob(".staging-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".previous-*"):  # a swap by two renames that was cut short
        final = out / p.name.removeprefix(".previous-")
        if QUARTER_DIR.match(final.name) and not final.exists():
            p.rename(final)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".index.html.*"):  # an index being written
        p.unlink(missing_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where
    the system or the file system cannot."""
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(e, os.strerror(e), str(b))


def _unknown_kams(kams: Iterable[str], known: Iterable[str]) -> None:
    known = sorted(set(known))
    unknown = sorted(set(kams) - set(known))
    if unknown:
        few = ", ".join(known[:5]) + (f", … ({len(known)} in all)" if len(known) > 5 else "")
        raise ParameterError(f"--kam {', '.join(unknown)}: no such account manager in the "
                             f"data (its ids: {few or 'none'})")


def _check_kams_early(source, kams: list[str]) -> None:
    """Unknown ``--kam`` ids fail at once, before the data is checked (the check after
    it still applies: an id may name a quarantined row)."""
    try:
        known = raw_panels.kam_ids(source)
    except engine_errors():
        return
    if known is None:
        return  # the check of the data reports it
    _unknown_kams(kams, known)


def _write_failed(exc: BaseException, out: Path) -> OutputError | None:
    """The message for an error while writing into ``out``; None when it is not one."""
    if isinstance(exc, OutputError):
        why = exc.reason
    else:
        name = getattr(exc, "filename", None)
        if name and out != Path(name).resolve() and out not in Path(name).resolve().parents:
            return None  # e.g. reading the data
        why = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
    return OutputError(f"could not write the report into {out}: {why}; nothing was "
                       "published, the previous report is kept", exit_code=1)


# --------------------------------------------------------------------------- the run
def render(data: str, quarter: str | None, out: str | Path, jobs: int | None = None,
           kams: list[str] | None = None, settings: Settings | None = None,
           progress: Callable[[str, int, int], None] | None = None,
           timeout: int = 600, notebooks_dir: str | Path | None = None,
           strict: bool = False, wait: float = DEFAULT_WAIT,
           notify: Callable[[str], None] | None = None, pdf: bool = False,
           account_pages: bool = True, timings: str | Path | None = None) -> Path:
    """Render one quarter's report into ``<out>/<quarter>``; returns that folder.

    With ``pdf``, the executive summary and every scorecard are also printed to PDF
    next to their pages (:mod:`kamlib.report.pdf`; needs Chromium, checked first).

    Timing feature: ``account_pages=False`` skips the account pages (a quicker run;
    the links to them then lead nowhere). ``timings`` names a JSON file (outside the
    report) to write the wall time of each step into, once the report is published
    (:mod:`kamlib.report.timings`); the report itself never holds a timing.

    Raises
    ------
    ContractError, SourceError, ParameterError : bad input (nothing is written).
    StrictModeError : ``strict`` and some rows break the contract (nothing is written).
    BusyError : another run held ``<out>/.lock`` for more than ``wait`` seconds.
    OutputError : ``out`` cannot be written, or writing failed (e.g. a full disk).
    ReportError : a notebook failed (the previous report is left untouched).

    ``notebooks_dir`` points at another folder of templates (same names), e.g. a
    company's own edition of the pages. ``notify`` is told when the run waits for
    another one writing into ``out``.
    """
    settings = settings if settings is not None else Settings()
    # print/PDF feature: find the browser before any work
    browser = pdf_mod.find_chromium(settings.chromium) if pdf else None
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write the report into {out}: it is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write the report into {out}: {exc.strerror}") from None

    started = time.perf_counter()
    times = RunTimes() if timings is not None else None  # timing feature

    def step(msg, i=0, n=0):
        # the log (kam -v) times each step; nothing timed reaches the report
        if times is not None:
            times.mark(msg, i, n)
        at = time.perf_counter() - started
        if n:
            log.debug("%s (%d/%d) at %.1f s", msg, i, n, at)
        else:
            log.info("%s (at %.1f s)", msg, at)
        if progress:
            progress(msg, i, n)

    step("validating the data")
    source = open_source(data)
    if kams:
        try:
            _check_kams_early(source, kams)
        except BaseException:
            source.close()
            raise
    lock = OutputLock(out, wait, notify)
    staging: Path | None = None
    workers: runner.Workers | None = None
    try:
        with validate(source, strict=strict, settings=settings) as vd:
            q = resolve_quarter(vd, quarter, settings)
            if quarter is None:  # say which quarter and why
                step(explain(vd, settings, q))
            label = display_name(data)
            lock.acquire()
            _clean_stale(out)
            staging = Path(tempfile.mkdtemp(prefix=f".staging-{q}-", dir=out))
            os.chmod(staging, 0o755)
            # the notebooks' workers start their kernels while the bundle is built
            # (no more of them than notebooks, when the scorecards are named)
            workers = runner.Workers(min(jobs or runner.default_jobs(),
                                         len(THEMES) + len(kams)) if kams else jobs,
                                     cwd=os.getcwd())
            write_quarantine(vd, staging / "quarantine")
            (staging / "quarantine").mkdir(exist_ok=True)
            step("computing the quarter")
            cache = staging / ".bundle"
            b = bundle_mod.build(vd, q, cache, settings, source_label=label,
                                 progress=lambda m: step(f"computing: {m}"))
            prints = fingerprints(vd.source)
        # the panels computing the bundle cached for the data go with it, and the
        # memory they held goes back to the system before the notebooks start (at
        # 20,000 accounts the report's process then holds 0.8 GB instead of 1.3 GB)
        del vd
        _give_back_memory()
        final = _render_pages(b, q, out, staging, cache, label, prints, data, jobs, kams,
                              settings, step, timeout, runner,
                              Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS_DIR,
                              browser, account_pages, times, workers)
        if times is not None:  # timing feature: after publishing, outside the report
            times.mark(DONE)
            times.write(timings)
        return final
    except (OSError, OutputError) as exc:
        failed = _write_failed(exc, out) if lock.fd is not None else None
        if failed is None:
            raise
        raise failed from None
    finally:
        if workers is not None:
            workers.close()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.release()


def _give_back_memory() -> None:
    """Collect garbage and have the C allocator return its free memory to the system
    (glibc's ``malloc_trim``; elsewhere only the collection): freed blocks between
    live ones otherwise stay with the process."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(AttributeError, OSError):  # not glibc: the collection only
        ctypes.CDLL(None).malloc_trim(0)


def _inside(folder: Path, path: Path) -> Path:
    if folder.resolve() not in path.resolve().parents:  # file_names makes this impossible
        raise ReportError(f"refusing to write outside the report: {path}")
    return path


def _render_pages(b, q: Quarter, out: Path, staging: Path, cache: Path, label: str,
                  prints: dict, data: str, jobs, kams, settings: Settings, step, timeout,
                  runner, notebooks: Path, browser: str | None = None,
                  account_pages: bool = True, times: RunTimes | None = None,
                  workers: runner.Workers | None = None) -> Path:
    # notebooks read the bundle; a URL is passed masked so no password reaches a page
    data_param = label if is_url(data) else str(Path(data).resolve())
    base = {"quarter": str(q), "data": data_param, "cache": str(cache)}
    # what the published notebooks show: no path of this machine, no temporary folder
    shown = {"quarter": str(q), "data": label, "cache": ""}
    all_kams = sorted(b.accounts.kam_id.dropna().unique())
    wanted = sorted(set(kams)) if kams else all_kams
    _unknown_kams(wanted, b.kams.kam_id)
    if kams:  # -- links: names link only to the scorecards this run renders
        b = replace(b, pages=link_pages(b, b.account_view, wanted))
        b.save(cache)
    names = b.kams.set_index("kam_id")["name"].to_dict()
    stems = file_names(wanted)
    tasks, pages = [], []
    for name, title in THEMES:
        pages.append(Page(name, title, f"notebooks/{name}.ipynb", f"{name}.html", dict(base)))
    for k in wanted:
        # scorecard: the page is titled with the manager's name
        pages.append(Page(f"{SCORECARD}_{stems[k]}", str(names.get(k, k)),
                          f"notebooks/kam/{stems[k]}.ipynb", f"kam/{stems[k]}.html",
                          {**base, "kam_id": k}, kam_id=k))
    rev = _revision()
    footer = (f"Data: {label} · as of {q.end.isoformat()} · kamlib {__version__} · "
              f"revision {rev[:12]}")
    nav = [("index.html", "Overview")] + [(f"{n}.html", t) for n, t in THEMES]
    nav += NAV_LINKS  # -- links: scorecards, accounts and every quarter one click away
    for pg in pages:
        src = notebooks / (f"{SCORECARD}.ipynb" if pg.kam_id is not None
                           else f"{pg.name}.ipynb")
        depth = "../" if pg.html.startswith("kam/") else ""
        nb_path = str(_inside(staging, staging / pg.notebook))
        # the worker that ran the notebook cleans it and exports its page
        after = functools.partial(
            finish_page, nb_path, str(_inside(staging, staging / pg.html)), pg.name,
            {**shown, **({"kam_id": pg.kam_id} if pg.kam_id else {})}, pg.title, str(q),
            [(depth + h, t) for h, t in nav], footer, depth + "../index.html")
        # the kernels work in the caller's folder (never inside an installed package)
        tasks.append(runner.Task(pg.name, str(src), nb_path, pg.parameters, os.getcwd(),
                                 after=after))
    done = [0]

    def tick(o):
        done[0] += 1
        step(f"executed {o.name}", done[0], len(tasks))

    step("starting the notebooks")
    outcomes = runner.execute(tasks, jobs=jobs, timeout=timeout, progress=tick, workers=workers)
    bad = [o for o in outcomes if not o.ok]
    if bad or len(outcomes) < len(tasks):
        o = bad[0] if bad else None
        failed_dir = out / ".failed" / str(q)
        shutil.rmtree(failed_dir, ignore_errors=True)
        failed_dir.mkdir(parents=True)
        msg = "a notebook did not finish"
        if o is not None:
            if Path(o.output_path).exists():
                shutil.copy(o.output_path, failed_dir / Path(o.output_path).name)
            cell = f"cell {o.cell}" if o.cell is not None else "before any cell"
            src = f" ({o.cell_source})" if o.cell_source else ""
            msg = (f"notebook {o.name} failed at {cell}{src}: {o.error}; the executed "
                   f"notebook is kept in {failed_dir}; the previous report was not changed")
        raise ReportError(msg)

    # -- account pages: one page per current account, from one template (no notebook)
    def pages_written(i: int, n: int) -> None:
        if i == n or i % 50 == 0:
            step("writing account pages", i, n)

    # as many processes as CPUs (or fewer --jobs) share them when they are many
    cpus = runner.usable_cpus()
    account_html = (write_account_pages(b, staging, nav, wanted, footer, progress=pages_written,
                                        jobs=min(jobs or cpus, cpus))
                    if account_pages else [])
    if times is not None:  # timing feature
        times.mark(FINISHING)
    _write_quarter_index(staging, q, pages, names, footer, nav, b)
    # print/PDF feature: the executive summary and the scorecards as PDF
    pdfs = []
    if browser is not None:
        printed = [pg.html for pg in pages if pg.kam_id is not None or pg.name == PDF_THEME]
        for i, html in enumerate(printed):
            step("printing PDF", i, len(printed))
            pdfs.append(pdf_mod.print_pdf(browser, staging / html,
                                          _inside(staging, staging / html).with_suffix(".pdf"))
                        .relative_to(staging).as_posix())
        step("printing PDF", len(printed), len(printed))
        if times is not None:  # timing feature
            times.mark(FINISHING)
    write_csv(b.kpis, staging / "kpis.csv")
    manifest = {
        "quarter": str(q), "as_of": q.end.isoformat(),
        "parameters": {"quarter": str(q), "data": label, "kams": wanted},
        "settings": asdict(settings), "inputs": prints, "versions": _versions(),
        "code_revision": rev, "kamlib_version": __version__,
        "pages": [pg.html for pg in pages] + account_html,  # with the account pages
        "notebooks": [pg.notebook for pg in pages],
    }
    if pdfs:  # print/PDF feature
        manifest["pdfs"] = pdfs
    write_text(staging / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(cache)
    return _publish(staging, out / str(q), out)


def _write_quarter_index(staging: Path, q: Quarter, pages, names, footer, nav,
                         b=None) -> None:
    write_text(staging / "index.html", quarter_index(q, pages, names, footer, nav, b))


def _publish(staging: Path, final: Path, out: Path) -> Path:
    """Put the staging folder in place of ``final`` in one atomic step.

    Where the system can, the two folders are exchanged (``final`` is never missing,
    not even for an instant) and the old report, now in the staging folder, is removed.
    Elsewhere the old report is renamed aside first; a run killed in between leaves it
    as ``.previous-<quarter>``, which the next run puts back (:func:`_clean_stale`).
    """
    if final.exists():
        if not _exchange(staging, final):
            previous = out / f".previous-{final.name}"
            shutil.rmtree(previous, ignore_errors=True)
            final.rename(previous)
            staging.rename(final)
            staging = previous
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(final)
    shutil.rmtree(out / ".failed" / final.name, ignore_errors=True)
    write_root_index(out)
    return final
