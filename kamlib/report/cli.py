"""The ``kam`` command line.

Exit codes: 0 success; 1 unexpected error; 2 bad input (structural contract
faults, bad source or settings, bad arguments); 3 row faults under ``--strict``.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kamlib import __version__
from kamlib.config import REPORTS_DIR, SAMPLE_DIR, load_settings
from kamlib.errors import KamError, first_line

__all__ = ["app", "progress_columns", "run"]

DEFAULT_SEED = 8  # kamlib.data.synth.DEFAULT_SEED, repeated to keep `kam --help` fast

app = typer.Typer(
    help="Key account management analytics: validate data, compute KPIs, render reports.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DataOpt = Annotated[str, typer.Option(
    "--data", "-d", help="Folder of contract CSV/Parquet files, or a database URL.")]


def _errors() -> tuple[type[BaseException], ...]:
    """What a command reports as a one-line error instead of a traceback: kamlib's own
    errors, and an engine or driver failing mid-run (a dropped connection, say)."""
    from kamlib.data.sources import engine_errors

    return (KamError, *engine_errors())


def _fail(exc: BaseException) -> None:
    from rich.text import Text

    from kamlib.data.sources import mask_url

    err.quiet = False  # -q silences progress, never errors
    if isinstance(exc, KamError):
        msg, code = str(exc), exc.exit_code
    else:
        msg, code = f"the data source failed: {type(exc).__name__}: {first_line(exc)}", 1
    # the message may quote raw cell values: never interpret it as markup
    err.print(Text("error: ", style="bold red") + Text(mask_url(msg)), highlight=False,
              soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"kamlib {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show kamlib's log: each step and how long it took.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bars or notes; errors and results only.")] = False,
) -> None:
    """Key account management analytics."""
    _logging(verbose, quiet)


def _logging(verbose: bool, quiet: bool) -> None:
    """``-v``: kamlib's info and debug log on stderr; ``-q``: no progress output."""
    import logging

    from rich.logging import RichHandler

    log = logging.getLogger("kamlib")
    log.handlers = [h for h in log.handlers if not getattr(h, "_kam_cli", False)]
    handler = RichHandler(console=err, show_path=False, markup=False, rich_tracebacks=False,
                          log_time_format="%H:%M:%S")
    handler._kam_cli = True
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    log.propagate = False
    err.quiet = quiet and not verbose


@app.command()
def validate(
    data: DataOpt = str(SAMPLE_DIR),
    strict: Annotated[bool, typer.Option(help="Fail (exit 3) when any row breaks the contract.")] = False,
    quarantine: Annotated[Path | None, typer.Option(
        help="Write the quarantined rows, one CSV per table, into this folder.")] = None,
) -> None:
    """Check the data against the contract and print rows read, used and quarantined."""
    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate as run
    from kamlib.report.output import write_quarantine

    try:
        settings = load_settings()
        with run(open_source(data), strict=strict, settings=settings) as vd:
            print_summary(vd)
            if quarantine is not None and len(vd.faults):
                paths = write_quarantine(vd, quarantine)
                out.print(f"quarantined rows written to {quarantine} ({len(paths)} file(s))")
    except _errors() as exc:
        _fail(exc)


#: the width of a table printed into a file or a pipe, where nothing wraps it
PIPE_WIDTH = 160


def _print_wide(table: Table) -> None:
    """Print ``table`` on stdout; into a file or a pipe (80 columns by default) at
    :data:`PIPE_WIDTH`, so a long file name (``kam_sample.acquisition_costs``) stays on
    one line and can be searched for."""
    if out.is_terminal:
        out.print(table)
    else:  # a console's own width caps what it prints, so a wider one prints it
        Console(file=out.file, width=max(out.width, PIPE_WIDTH)).print(table)


def print_summary(vd) -> None:
    """Print the per-table summary and the row faults by rule."""
    t = Table(title=Text(f"Data contract check: {vd.source.location}"), title_justify="left")
    for col, just in (("table", "left"), ("file", "left"), ("read", "right"),
                      ("used", "right"), ("quarantined", "right")):
        t.add_column(col, justify=just)
    for r in vd.summary.itertuples():
        q = f"[yellow]{r.rows_quarantined:,}[/]" if r.rows_quarantined else "0"
        t.add_row(r.table, Text(r.file), f"{r.rows_read:,}", f"{r.rows_used:,}", q)
    _print_wide(t)
    ok = bool((vd.summary.rows_read == vd.summary.rows_used + vd.summary.rows_quarantined).all())
    out.print(f"rows read = rows used + rows quarantined: {'holds' if ok else 'BROKEN'} "
              "for every table")
    if len(vd.faults):
        f = Table(title="Quarantined rows by rule", title_justify="left")
        for col in ("file", "rule", "rows", "first row", "rule detail"):
            f.add_column(col)
        for r in vd.faults.itertuples():
            missing = r.first_row is None or r.first_row != r.first_row  # None or NaN
            first = "" if missing else f"row {int(r.first_row)}"
            f.add_row(Text(r.file), r.rule, f"{r.rows:,}", first, Text(r.detail))
        _print_wide(f)
    else:
        out.print("no row breaks the contract")


@app.command()
def kpis(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    quarter: Annotated[str | None, typer.Option(
        "--quarter", "-q", help="Fiscal quarter, e.g. 2026Q3 (default: latest complete).")] = None,
    data: DataOpt = str(SAMPLE_DIR),
    strict: Annotated[bool, typer.Option(help="Fail (exit 3) when any row breaks the contract.")] = False,
) -> None:
    """Compute every KPI for a quarter and write the long KPI table (kpi, grain, group,
    period, value, low, high, n, target, status). Text cells that a spreadsheet would run as a formula
    start with ' in the file."""
    from kamlib.report.output import OutputError, check_target, write_csv

    t0 = time.perf_counter()
    try:
        check_target(out_file)  # an unusable --out fails before any work
    except OutputError as exc:
        _fail(exc)
    from kamlib.kpis.compute import compute_kpis

    try:
        with _quarter_data(data, quarter, strict) as (vd, q, settings), \
                err.status("computing KPIs") as status:
            table = compute_kpis(vd, q, settings,
                                 progress=lambda f: status.update(f"computing KPIs: {f}"))
        write_csv(table, out_file)
    except _errors() as exc:
        _fail(exc)
    out.print(f"wrote {out_file}: {table.kpi.nunique()} KPIs, {len(table):,} rows for {q} "
              f"in {time.perf_counter() - t0:.1f} s")


@contextmanager
def _quarter_data(data: str, quarter: str | None, strict: bool):
    """The checked data, the quarter to compute (told on stderr why, when it was not
    given) and the settings of ``kam.toml``, for ``kam kpis`` and ``kam export``; the
    count of quarantined rows is noted."""
    from kamlib.data.sources import open_source
    from kamlib.data.validate import validate
    from kamlib.kpis.compute import resolve_quarter

    settings = load_settings()
    with validate(open_source(data), strict=strict, settings=settings) as vd:
        q = resolve_quarter(vd, quarter, settings)
        if quarter is None:  # say which quarter and why
            from kamlib.panels.coverage import explain

            err.print(Text(explain(vd, settings, q)), highlight=False, soft_wrap=True)
        n_q = int(vd.summary.rows_quarantined.sum())
        if n_q:
            err.print(f"note: {n_q:,} row(s) quarantined; `kam validate` lists them")
        yield vd, q, settings


@app.command()
def report(
    quarter: Annotated[str | None, typer.Option(
        "--quarter", "-q", help="Fiscal quarter, e.g. 2026Q3 (default: latest complete).")] = None,
    data: DataOpt = str(SAMPLE_DIR),
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Reports folder.")] = REPORTS_DIR,
    kam: Annotated[list[str] | None, typer.Option(
        "--kam", help="Only these KAMs' scorecards (repeat the option); default: all.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes (default: one more than the CPUs).")] = None,
    timeout: Annotated[int, typer.Option(help="Seconds a notebook cell may run.")] = 600,
    strict: Annotated[bool, typer.Option(
        help="Fail (exit 3) when any row breaks the contract; nothing is published.")] = False,
    wait: Annotated[float, typer.Option(
        min=0, help="Seconds to wait while another report is being written into --out "
                    "(then exit 2); 0 fails at once.")] = 600,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also print the executive summary and each scorecard to PDF "
                      "(needs Chromium: apt-get install chromium).")] = False,
    # -- timing feature: skip the account pages, write each step's time into a file
    account_pages: Annotated[bool, typer.Option(
        "--account-pages/--no-account-pages",
        help="Write one page per current account (--no-account-pages: a quicker run; the "
             "links to account pages then lead nowhere).")] = True,
    timings: Annotated[Path | None, typer.Option(
        "--timings", help="Write the wall time of each step (checking, computing, "
                          "notebooks, HTML, account pages) as JSON into this file, "
                          "outside the report.")] = None,
) -> None:
    """Render a quarter's HTML report: theme pages, one scorecard per KAM, kpis.csv,
    executed notebooks and manifest.json, published only when everything succeeded.
    One report at a time is written into an --out folder; another run waits for it."""
    from rich.progress import Progress

    from kamlib.report.render import render

    t0 = time.perf_counter()
    try:
        settings = load_settings()
        with Progress(*progress_columns(), console=err, transient=False) as bar:
            tasks: dict[str, int] = {}

            def progress(msg: str, i: int, n: int) -> None:
                if msg.startswith("quarter "):  # the default quarter and why: a line of its own
                    bar.console.print(Text(msg), highlight=False, soft_wrap=True)
                    return
                key = "pages" if msg.startswith("executed") else (
                    "html" if msg.startswith("exporting") else "prep")
                if key != "prep" and "prep" in tasks:  # checking and computing are over
                    bar.update(tasks.pop("prep"), description="checked and computed the quarter",
                               total=1, completed=1, count="done")
                label = {"pages": "executing notebooks", "html": "exporting HTML"}.get(key, msg)
                if key not in tasks:
                    tasks[key] = bar.add_task(label, total=n or None, count="")
                bar.update(tasks[key], completed=i, total=n or None, count=f"{i}/{n}" if n else "",
                           description=label if key != "prep" else msg)

            final = render(data, quarter, out_dir, jobs=jobs, kams=kam or None,
                           settings=settings, progress=progress, timeout=timeout,
                           strict=strict, wait=wait, pdf=pdf, account_pages=account_pages,
                           timings=timings, notify=lambda m: err.print(Text(m), highlight=False,
                                                      soft_wrap=True))
    except _errors() as exc:
        _fail(exc)
    pages = len(list(final.glob("*.html"))) + len(list(final.glob("kam/*.html")))
    accounts = len(list(final.glob("accounts/*.html")))
    size = sum(p.stat().st_size for p in final.rglob("*.html")) / 1e6
    out.print(f"report {final.name} written to {final} ({pages} pages and {accounts} account "
              f"pages, {size:.1f} MB of HTML) in {time.perf_counter() - t0:.1f} s")


def progress_columns() -> tuple:
    """The columns of ``kam report``'s progress bars: what is being done, the bar, how
    many of how many, the time it has taken and the time it should still take (rich
    estimates it from the recent pace; ``-:--:--`` while unknown).

    >>> [type(c).__name__ for c in progress_columns()][-2:]
    ['TimeElapsedColumn', 'TimeRemainingColumn']
    """
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(), TimeRemainingColumn())


# -- BI export feature (kam export) -------------------------------------------------------------
@app.command()
def export(
    out_file: Annotated[Path, typer.Option(
        "--out", "-o", help="File to write; its suffix names the format: .xlsx, .parquet "
                            "(a folder of that name holding one <table>.parquet per table) "
                            "or .duckdb. An existing one is replaced.")],
    quarter: Annotated[str | None, typer.Option(
        "--quarter", "-q", help="Fiscal quarter, e.g. 2026Q3 (default: latest complete).")] = None,
    data: DataOpt = str(SAMPLE_DIR),
    strict: Annotated[bool, typer.Option(help="Fail (exit 3) when any row breaks the contract.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", help="Print nothing on success (errors still are).")] = False,
) -> None:
    """Write a quarter's tables for BI tools (Excel, Metabase, Superset, Power BI):
    kpis (every KPI at every grain, with target and status), accounts (one row per
    current account: owner, CLV, churn risk, value at risk, risk drivers, next step,
    next renewal), kam_scorecards (one row per account manager, their KPIs side by side)
    and renewal_calendar (contracts whose renewal window opens next quarter).

    Examples:
      kam export --out kam-2026Q3.xlsx                  one sheet per table
      kam export --quarter 2026Q2 --out bi/kam.parquet  a folder of Parquet files
      kam export --data /exports/2026-10 --out kam.duckdb   open it in Metabase or Superset

    The file is written whole or not at all; kam.toml settings apply as for kam report.
    """
    from kamlib.report.export import check_export_target

    t0 = time.perf_counter()
    try:
        check_export_target(out_file)  # an unusable --out fails before any work
    except KamError as exc:
        _fail(exc)
    import tempfile

    from kamlib.data.sources import display_name
    from kamlib.report import bundle as bundle_mod
    from kamlib.report.export import export_format, export_tables, write_export

    try:
        with _quarter_data(data, quarter, strict) as (vd, q, settings), \
                tempfile.TemporaryDirectory(prefix="kam-export-") as cache, \
                err.status("computing the quarter") as status:
            b = bundle_mod.build(vd, q, cache, settings, source_label=display_name(data),
                                 progress=lambda m: status.update(f"computing: {m}"))
        tables = export_tables(b)
        write_export(tables, out_file)
    except _errors() as exc:
        _fail(exc)
    if quiet:
        return
    t = Table(title=f"{q} as {export_format(out_file)}", title_justify="left")
    for col in ("table", "rows", "columns"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for name, df in tables.items():
        t.add_row(name, f"{len(df):,}", f"{len(df.columns)}")
    out.print(t)
    out.print(f"wrote {out_file}: {len(tables)} tables, "
              f"{sum(len(df) for df in tables.values()):,} rows for {q} "
              f"in {time.perf_counter() - t0:.1f} s")


@app.command("load-db")
def load_db(
    url: Annotated[str, typer.Option(
        "--url", help="Target database: postgresql://user:password@host:port/db?schema=name "
                      "(the schema is created when missing; default public), or Spark: "
                      "sc://host:15002/?schema=name, spark+local:///warehouse?schema=name.")],
    data: Annotated[str, typer.Option(
        "--data", "-d", help="Folder of contract CSV/Parquet files to load.")] = str(SAMPLE_DIR),
    replace: Annotated[bool, typer.Option(
        help="Drop the contract tables already in the schema and load over them.")] = False,
) -> None:
    """Load a contract folder into a PostgreSQL schema (typed tables, keys, indexes) or a
    Spark schema (Parquet tables).

    The folder is checked first; quarantined rows are kept in quarantine_<table>.
    Afterwards `--data <the same URL>` works wherever `--data <folder>` does.
    """
    from kamlib.data.sources import mask_url
    from kamlib.data.warehouse import load_db as run

    t0 = time.perf_counter()
    try:
        with err.status("checking the folder against the contract") as status:
            summary = run(data, url, replace=replace, settings=load_settings(),
                          progress=lambda t: status.update(f"loading {t}"))
    except _errors() as exc:
        _fail(exc)
    t = Table(title=Text(f"Loaded into {mask_url(url)}"), title_justify="left")
    for col in ("table", "rows loaded", "quarantined (kept in quarantine_<table>)", "seconds"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for r in summary.itertuples():
        t.add_row(r.table, f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}", f"{r.seconds:.2f}")
    out.print(t)
    out.print(f"loaded {int(summary.rows_loaded.sum()):,} rows into {len(summary)} tables "
              f"in {time.perf_counter() - t0:.1f} s")


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the tables into.")],
    accounts: Annotated[int, typer.Option(min=10, help="Number of accounts (about).")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = DEFAULT_SEED,
) -> None:
    """Generate realistic sample data with a known truth (writes truth.json too)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kamlib.data.synth import synthesize

    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, i: int, n: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=n)
            bar.update(tasks[stage], completed=i + (stage == "simulating"))

        truth = synthesize(out_dir, accounts=accounts, seed=seed, progress=progress)
    obs = truth["churn"]["observed"]
    out.print(f"wrote {out_dir} ({accounts} accounts requested, seed {seed}) in "
              f"{time.perf_counter() - t0:.1f} s; {obs['decisions']} renewal decisions, "
              f"{obs['churns']} churns; default quarter {truth['generator']['default_quarter']}")


def run() -> None:  # pragma: no cover - console entry point used by `python -m kamlib`
    app(prog_name="kam")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
