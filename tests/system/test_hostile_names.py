"""End-to-end: names that look like maths or are huge render as plain, short chart text.

One ``kam report`` of the sample with one scorecard, where a manager is named
``Kira $\\x$ Moreau`` (mathtext with an unknown symbol), one of her accounts
``Acme $5 and $10`` (two dollars) and another manager has a 1 MB name.
"""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

KIRA = r"Kira $\x$ Moreau"
ACME = "Acme $5 and $10"
HUGE = "Q" * 2**20


def test_report_with_hostile_names_succeeds_with_bounded_charts(sample_copy, tmp_path):
    from typer.testing import CliRunner

    from kamlib.report.cli import app

    kams = pd.read_csv(sample_copy / "account_managers.csv", dtype=str, keep_default_na=False)
    kams.loc[kams.kam_id == "K001", "name"] = KIRA
    kams.loc[kams.kam_id == "K002", "name"] = HUGE
    kams.to_csv(sample_copy / "account_managers.csv", index=False)
    acc = pd.read_csv(sample_copy / "accounts.csv", dtype=str, keep_default_na=False)
    acc.loc[acc.account_id == acc[acc.kam_id == "K001"].account_id.iloc[0], "name"] = ACME
    acc.to_csv(sample_copy / "accounts.csv", index=False)

    out = tmp_path / "reports"
    # no --quarter: the report says which quarter it chose and why
    result = CliRunner().invoke(app, ["report", "--data", str(sample_copy), "--out", str(out),
                                      "--kam", "K001"])
    assert result.exit_code == 0, result.output
    assert "quarter 2026Q3 (latest complete quarter of the data" in \
        " ".join(result.output.split())

    report = out / "2026Q3"
    pages = sorted(report.glob("*.html")) + sorted(report.glob("kam/*.html"))
    assert (report / "kam" / "K001.html") in pages
    sizes = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for i, data in enumerate(re.findall(r'src="data:image/png;base64,([^"]+)"', text)):
            with Image.open(io.BytesIO(base64.b64decode(data))) as im:
                sizes[f"{page.name}#{i}"] = im.size
        # charts are SVG: their size in points, as pixels at the figures' 100 dpi
        for i, data in enumerate(re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', text)):
            head = base64.b64decode(data)[:2000].decode("utf-8", "replace")
            w, h = (float(re.search(rf'<svg[^>]*\b{a}="([\d.]+)pt"', head).group(1))
                    for a in ("width", "height"))
            sizes[f"{page.name}#svg{i}"] = (w * 100 / 72, h * 100 / 72)
    # the manager charts (NPS, funnels, value at risk) carry both names
    assert len(sizes) >= 10 and any(k.startswith("K001.html") for k in sizes)
    too_big = {k: s for k, s in sizes.items() if s[0] > 2000 or s[1] > 3000}
    assert not too_big, too_big
    # the 1 MB name is shortened on the pages too, not only in the charts
    heavy = {p.name: p.stat().st_size for p in pages if p.stat().st_size > 1_500_000}
    assert not heavy, heavy
    assert "Q" * 200 not in (report / "index.html").read_text(encoding="utf-8")
