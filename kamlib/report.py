"""``kam report``: render a quarter's notebooks into a self-contained HTML report.

Steps (README, "Reports"):

1. validate the data once and write the quarantined rows;
2. build the quarter's bundle once (:mod:`kamlib.bundle`), which every notebook reads;
3. execute the theme notebooks and one scorecard per KAM with papermill, in
   parallel worker processes that each reuse one kernel (:mod:`kamlib.runner`);
4. strip execution metadata, give cells stable ids, export HTML with nbconvert
   (input hidden, images embedded, one template with the same header and footer,
   a table of contents);
5. write ``index.html``, ``kpis.csv``, the executed notebooks and ``manifest.json``;
6. publish: everything is written into a staging folder and swapped into
   ``<out>/<quarter>`` only when all of it succeeded. A failure leaves the previous
   report untouched, keeps the failed notebook under ``<out>/.failed/<quarter>/``
   and names the notebook, the cell and the error.

The same inputs give byte-identical HTML, ``kpis.csv`` and manifest: every random
draw is seeded, nothing reads the clock, and no path or timing is written.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from kamlib import __version__
from kamlib.config import NOTEBOOKS_DIR, PACKAGE_DIR, PROJECT_ROOT, Settings, load_settings
from kamlib.errors import KamError
from kamlib.periods import Quarter
from kamlib.sources import fetch

THEMES = (
    ("executive_summary", "Executive summary"),
    ("clv_churn", "CLV and churn risk"),
    ("customer_voice", "Customer voice"),
    ("engagement_outcomes", "Engagement and outcomes"),
    ("growth_acquisition", "Growth and acquisition"),
    ("team", "Team"),
    ("data_quality", "Data quality"),
)
SCORECARD = "kam_scorecard"
TEMPLATES = PACKAGE_DIR / "templates" / "nbconvert"
QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")

CSS = """
:root{--ink:#222;--muted:#666;--line:#e3e3e3;--brand:#0072B2;--bg:#fafafa}
*{box-sizing:border-box}
body{margin:0;font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:var(--ink);
background:#fff;font-size:15px;line-height:1.5}
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}
.kam-header{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:baseline;
padding:12px 24px;border-bottom:3px solid var(--brand);background:var(--bg)}
.kam-brand{font-weight:bold;font-size:18px}.kam-quarter{color:var(--muted);margin-left:6px}
.kam-nav a{margin-right:14px;font-size:14px;white-space:nowrap}
.kam-page{display:flex;max-width:1220px;margin:0 auto}
.kam-toc{flex:0 0 210px;padding:20px 12px;font-size:13px;position:sticky;top:0;
align-self:flex-start;max-height:100vh;overflow:auto}
.kam-toc ol{list-style:none;padding-left:0;margin:0}.kam-toc li{margin:6px 0}
.kam-toc .toc-title{font-weight:bold;color:var(--muted);margin-bottom:8px}
.kam-main{flex:1;min-width:0;max-width:980px;padding:8px 24px 40px}
.kam-main img{max-width:100%;height:auto}
.kam-footer{border-top:1px solid var(--line);color:var(--muted);font-size:12px;
padding:12px 24px;text-align:center}
.jp-Cell{margin:0}.jp-OutputArea-output{overflow-x:auto}
.jp-RenderedHTMLCommon table{border-collapse:collapse}
a.anchor-link{display:none}
h1{font-size:26px;margin:18px 0 8px}h2{font-size:20px;margin:28px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px}
.kam-list li{margin:4px 0}.kam-grid{columns:3 220px}
@media (max-width:900px){.kam-toc{display:none}}
"""


class ReportError(KamError):
    """A report could not be rendered; the previous report is left in place."""

    exit_code = 1


@dataclass
class Page:
    name: str
    title: str
    notebook: str
    html: str
    parameters: dict


# --------------------------------------------------------------------------- helpers
def fingerprints(source) -> dict[str, str]:
    """sha256 of each input file (folders); for a database, of each table's rows."""
    out: dict[str, str] = {}
    if source.kind == "folder":
        for _name, path in sorted(source.files.items()):
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            out[path.name] = h.hexdigest()
        return out
    for name in sorted(t for t in _table_names() if source.has(t)):
        df = fetch(source.raw(name))
        out[name] = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
    return out


def _table_names():
    from kamlib.contract import TABLES

    return list(TABLES)


def _revision() -> str:
    try:
        r = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
                           capture_output=True, text=True, timeout=10)
        rev = r.stdout.strip()
        if r.returncode != 0 or not rev:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain",
                                "--untracked-files=no", "--", "kamlib", "notebooks"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+modified" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kamlib", "pandas", "numpy", "scipy", "lifelines", "ibis-framework", "duckdb",
                "matplotlib", "seaborn", "papermill", "nbconvert", "nbformat", "ipykernel"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def clean_notebook(path: Path, name: str) -> None:
    """Strip papermill and execution metadata and give cells stable ids, in place."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.execution_count = None
            for o in cell.outputs:
                if "execution_count" in o:
                    o.execution_count = None
    nbformat.write(nb, path)


def export_html(nb_path: Path, out: Path, title: str, quarter: str, nav: list[tuple[str, str]],
                footer: str, home: str) -> None:
    """HTML of an executed notebook: inputs hidden, images embedded, house template, TOC."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = HTMLExporter(template_name="kam", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    resources = {"kam": {"title": f"{title} · {quarter}", "quarter": quarter, "nav": nav,
                         "footer": footer, "home": home, "css": CSS}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    out.write_text(_with_toc(body), encoding="utf-8")


def _with_toc(page: str) -> str:
    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)(?:<a class="anchor-link".*?)?</h2>', page,
                       flags=re.S)
    items = "".join(f'<li><a href="#{hid}">{re.sub(r"<[^>]+>", "", text).strip()}</a></li>'
                    for hid, text in heads)
    toc = f'<div class="toc-title">On this page</div><ol>{items}</ol>' if items else ""
    return page.replace("<!--KAM-TOC-->", toc, 1)


def _page(title: str, quarter: str, nav, footer: str, home: str, body: str) -> str:
    """A page in the report's frame, for the pages that are not notebooks (indexes)."""
    e = html.escape
    links = "".join(f'<a href="{e(h)}">{e(t)}</a>' for h, t in nav)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f'<header class="kam-header"><div class="kam-brand"><a href="{e(home)}">KAM report'
            f'</a> <span class="kam-quarter">{e(quarter)}</span></div>'
            f'<nav class="kam-nav">{links}</nav></header>\n<div class="kam-page">'
            f'<main class="kam-main">\n{body}\n</main></div>\n'
            f'<footer class="kam-footer">{e(footer)}</footer>\n</body>\n</html>\n')


def write_root_index(out: Path) -> None:
    """``<out>/index.html`` listing every rendered quarter, newest first."""
    quarters = sorted((p.name for p in out.iterdir() if p.is_dir() and QUARTER_DIR.match(p.name)
                       and (p / "index.html").exists()), reverse=True)
    items = "".join(f'<li><a href="{q}/index.html">{q}</a></li>' for q in quarters)
    body = ("<h1>Key account management reports</h1>"
            f"<p>{len(quarters)} quarter(s), newest first.</p>"
            f'<ul class="kam-list">{items}</ul>')
    (out / "index.html").write_text(_page("KAM reports", "all quarters", [], "kamlib reports",
                                          "index.html", body), encoding="utf-8")


# --------------------------------------------------------------------------- the run
def render(data: str, quarter: str | None, out: str | Path, jobs: int | None = None,
           kams: list[str] | None = None, settings: Settings | None = None,
           progress: Callable[[str, int, int], None] | None = None,
           timeout: int = 600, notebooks_dir: str | Path | None = None) -> Path:
    """Render one quarter's report into ``<out>/<quarter>``; returns that folder.

    Raises
    ------
    ContractError, SourceError, ParameterError : bad input (nothing is written).
    ReportError : a notebook failed (the previous report is left untouched).

    ``notebooks_dir`` points at another folder of templates (same names), e.g. a
    company's own edition of the pages.
    """
    from kamlib import bundle as bundle_mod
    from kamlib import runner
    from kamlib.kpis import resolve_quarter
    from kamlib.sources import display_name, open_source
    from kamlib.validate import validate

    settings = settings or load_settings()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    def step(msg, i=0, n=0):
        if progress:
            progress(msg, i, n)

    step("validating the data")
    with validate(open_source(data)) as vd:
        q = resolve_quarter(vd, quarter, settings)
        if quarter is None:  # say which quarter and why
            from kamlib.coverage import explain

            step(explain(vd, settings, q))
        label = display_name(data)
        staging = out / f".staging-{q}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            vd.write_quarantine(staging / "quarantine")
            (staging / "quarantine").mkdir(exist_ok=True)
            step("computing the quarter")
            cache = staging / ".bundle"
            b = bundle_mod.build(vd, q, cache, settings, source_label=label,
                                 progress=lambda m: step(f"computing: {m}"))
            prints = fingerprints(vd.source)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    try:
        return _render_pages(b, q, out, staging, cache, label, prints, data, jobs, kams,
                             settings, step, timeout, runner,
                             Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _render_pages(b, q: Quarter, out: Path, staging: Path, cache: Path, label: str,
                  prints: dict, data: str, jobs, kams, settings: Settings, step, timeout,
                  runner, notebooks: Path) -> Path:
    from kamlib.sources import display_name, is_url

    # notebooks read the bundle; a URL is passed masked so no password reaches a page
    data_param = display_name(data) if is_url(data) else str(Path(data).resolve())
    base = {"quarter": str(q), "data": data_param, "cache": str(cache)}
    all_kams = sorted(b.accounts.kam_id.dropna().unique())
    wanted = sorted(kams) if kams else all_kams
    unknown = sorted(set(wanted) - set(b.kams.kam_id))
    if unknown:
        raise ReportError(f"--kam {', '.join(unknown)}: no such account manager in the data")
    names = b.kams.set_index("kam_id")["name"].to_dict()
    tasks, pages = [], []
    for name, title in THEMES:
        pages.append(Page(name, title, f"notebooks/{name}.ipynb", f"{name}.html", dict(base)))
    for k in wanted:
        pages.append(Page(f"{SCORECARD}_{k}", f"Scorecard: {names.get(k, k)}",
                          f"notebooks/kam/{k}.ipynb", f"kam/{k}.html", {**base, "kam_id": k}))
    for pg in pages:
        src = notebooks / (f"{SCORECARD}.ipynb" if pg.name.startswith(SCORECARD)
                           else f"{pg.name}.ipynb")
        tasks.append(runner.Task(pg.name, str(src), str(staging / pg.notebook), pg.parameters,
                                 str(notebooks)))
    done = [0]

    def tick(o):
        done[0] += 1
        step(f"executed {o.name}", done[0], len(tasks))

    outcomes = runner.execute(tasks, jobs=jobs, timeout=timeout, progress=tick)
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

    step("exporting HTML", 0, len(pages))
    rev = _revision()
    footer = (f"Data: {label} · as of {q.end.isoformat()} · kamlib {__version__} · "
              f"revision {rev[:12]}")
    nav = [("index.html", "Overview")] + [(f"{n}.html", t) for n, t in THEMES]
    for i, pg in enumerate(pages):
        nbp = staging / pg.notebook
        clean_notebook(nbp, pg.name)
        depth = "../" if pg.html.startswith("kam/") else ""
        (staging / pg.html).parent.mkdir(parents=True, exist_ok=True)
        export_html(nbp, staging / pg.html, pg.title, str(q),
                    [(depth + h, t) for h, t in nav], footer, depth + "../index.html")
        step("exporting HTML", i + 1, len(pages))
    _write_quarter_index(staging, q, pages, names, wanted, footer, nav)
    b.kpis.to_csv(staging / "kpis.csv", index=False, lineterminator="\n")
    manifest = {
        "quarter": str(q), "as_of": q.end.isoformat(),
        "parameters": {"quarter": str(q), "data": label, "kams": wanted},
        "settings": asdict(settings), "inputs": prints, "versions": _versions(),
        "code_revision": rev, "kamlib_version": __version__,
        "pages": [pg.html for pg in pages], "notebooks": [pg.notebook for pg in pages],
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
    shutil.rmtree(cache)
    return _publish(staging, out / str(q), out)


def _write_quarter_index(staging: Path, q: Quarter, pages, names, kams, footer, nav) -> None:
    e = html.escape
    themes = "".join(f'<li><a href="{p.html}">{e(p.title)}</a></li>' for p in pages
                     if not p.name.startswith(SCORECARD))
    cards = "".join(f'<li><a href="kam/{e(k)}.html">{e(names.get(k, k))}</a> '
                    f'<span class="kam-quarter">{e(k)}</span></li>' for k in kams)
    body = (f"<h1>Key account management report, {q}</h1>"
            f"<p>Figures as of {q.end.isoformat()}. Every rate and score carries a 95 % "
            "interval; small groups are shown with their wide intervals, never ranked bare.</p>"
            f'<h2 id="themes">Themes</h2><ul class="kam-list">{themes}</ul>'
            f'<h2 id="scorecards">Scorecards ({len(kams)} account managers)</h2>'
            f'<ul class="kam-list kam-grid">{cards}</ul>'
            '<h2 id="files">Files</h2><ul class="kam-list">'
            '<li><a href="kpis.csv">kpis.csv</a>: every KPI at every grain</li>'
            '<li><a href="manifest.json">manifest.json</a>: parameters, input fingerprints, '
            'versions</li><li><a href="quarantine/">quarantine/</a>: rows set aside</li></ul>')
    (staging / "index.html").write_text(
        _page(f"KAM report {q}", str(q), nav, footer, "../index.html", body), encoding="utf-8")


def _publish(staging: Path, final: Path, out: Path) -> Path:
    """Swap the staging folder into place; the old report is removed only afterwards."""
    previous = out / f".previous-{final.name}"
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    staging.rename(final)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(out / ".failed" / final.name, ignore_errors=True)
    write_root_index(out)
    return final
