"""kamlib.report.pdf: ``kam report --pdf`` prints pages to A4 PDFs with headless Chromium.

The PDFs are read back with poppler's ``pdfinfo`` and ``pdftotext`` (Debian's
poppler-utils, which .ci/run installs): their page count, their text, and that the
print stylesheet left the navigation out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kamlib.errors import ReportError
from kamlib.periods import Quarter
from kamlib.report import pdf
from kamlib.report.html import quarter_index


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI: .ci/run installs it")
        pytest.skip(f"no {tool} on this machine (apt-get install "
                    f"{'chromium' if tool == 'chromium' else 'poppler-utils'})")
    return path


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def _size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return re.search(r"^Page size:.*\((\w+)\)", info.stdout, re.M).group(1)


def _text(path: Path) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True)
    return " ".join(run.stdout.split())


def test_a_missing_browser_is_named_with_how_to_install_it(monkeypatch):
    with pytest.raises(ReportError, match=r"/no/such/chromium .*apt-get install chromium"):
        pdf.find_chromium("/no/such/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ReportError, match="no Chromium found on PATH"):
        pdf.find_chromium()


def test_render_checks_the_browser_before_any_work(tmp_path):
    from kamlib.config import Settings
    from kamlib.report.render import render

    with pytest.raises(ReportError, match="cannot write PDFs"):
        render("/no/such/data", None, tmp_path / "out", pdf=True,
               settings=Settings(chromium="/no/such/chromium"))
    assert not (tmp_path / "out").exists()


def test_a_page_prints_on_a4_without_its_navigation(tmp_path):
    _need("chromium"), _need("pdftotext")
    page = tmp_path / "index.html"
    nav = [("a.html", "Navigation link one"), ("b.html", "Navigation link two")]
    page.write_text(quarter_index(Quarter("2026Q3"), [], {}, "Footer words", nav))
    out = pdf.write_pdfs(tmp_path, ["index.html"])
    assert out == ["index.pdf"]
    printed = tmp_path / "index.pdf"
    assert _pages(printed) == 1 and _size(printed) == "A4"
    text = _text(printed)
    assert "KAM report 2026Q3" in text
    assert "Navigation link" not in text and "Footer words" not in text


@pytest.mark.slow
def test_kam_report_pdf_prints_the_summary_and_each_scorecard(sample_dir, tmp_path):
    _need("chromium"), _need("pdftotext")
    from kamlib.report.render import render

    final = render(str(sample_dir), "2026Q3", tmp_path, jobs=2, kams=["K001"], pdf=True)
    summary = final / "executive_summary.pdf"
    cards = list((final / "kam").glob("*.pdf"))
    assert summary.exists() and len(cards) == 1
    assert not (final / "clv_churn.pdf").exists()  # theme pages other than the summary: HTML only
    assert 2 <= _pages(summary) <= 8 and _size(summary) == "A4"
    text = _text(summary)
    assert "Executive summary" in text and "The ten KPIs of key account management" in text
    card = _text(cards[0])
    assert "Scorecard" in card or "scorecard" in card
    import json

    assert json.loads((final / "manifest.json").read_text())["pdfs"] == [
        "executive_summary.pdf", cards[0].relative_to(final).as_posix()]
