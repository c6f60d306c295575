"""PDF copies of report pages, printed by headless Chromium.

``kam report --pdf`` prints the executive summary and every scorecard with the
pages' own print stylesheet (A4, no navigation, no split cards). The browser is
Debian's ``chromium`` (``apt-get install chromium``): the setting ``chromium``
(a command name or a path) or, when it is empty, the first of :data:`BROWSERS`
found on ``PATH`` (:func:`find_chromium`).

>>> find_chromium("/no/such/browser")
Traceback (most recent call last):
...
kamlib.errors.ReportError: cannot write PDFs: the browser /no/such/browser (setting chromium) was not found; install Chromium (apt-get install chromium) or set chromium to its path
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kamlib.errors import ReportError

__all__ = ["BROWSERS", "FLAGS", "find_chromium", "print_pdf", "write_pdfs"]

#: Names of Chromium looked up on ``PATH`` when the setting ``chromium`` is empty.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

#: Flags of every run: headless, no sandbox (containers), no network of its own, no
#: header or footer added to the printed pages.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--no-pdf-header-footer")


def find_chromium(setting: str = "") -> str:
    """The path of the Chromium to print with: ``setting`` (a name on ``PATH`` or a
    path), or the first of :data:`BROWSERS` on ``PATH``.

    Raises
    ------
    ReportError : no such browser, saying how to install one.
    """
    if setting:
        found = shutil.which(setting)
        if found is None:
            raise ReportError(f"cannot write PDFs: the browser {setting} (setting chromium) was "
                              "not found; install Chromium (apt-get install chromium) or set "
                              "chromium to its path")
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ReportError("cannot write PDFs: no Chromium found on PATH (looked for "
                      f"{', '.join(BROWSERS)}); install it with apt-get install chromium, or "
                      "set chromium to its path")


def print_pdf(browser: str, page: Path, pdf: Path, timeout: float = 120) -> Path:
    """Print the HTML file ``page`` to ``pdf`` with the browser; returns ``pdf``.

    Raises
    ------
    ReportError : the browser failed or wrote no PDF.
    """
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kam-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
               page.resolve().as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                 check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium took more than {timeout:.0f} s to print "
                              f"{page.name}") from None
        except OSError as exc:
            raise ReportError(f"cannot run Chromium ({browser}): {exc.strerror}") from None
    if run.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = (run.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise ReportError(f"Chromium could not print {page.name} (exit {run.returncode}): "
                          f"{tail[0]}")
    return pdf


def write_pdfs(folder: Path, pages: Iterable[str], setting: str = "") -> list[str]:
    """Print each page (a path of an HTML file under ``folder``) to a PDF next to it,
    same name, ``.pdf``; returns the PDFs' paths relative to ``folder``."""
    browser = find_chromium(setting)
    done = []
    for rel in pages:
        pdf = Path(rel).with_suffix(".pdf")
        print_pdf(browser, folder / rel, folder / pdf)
        done.append(pdf.as_posix())
    return done
