"""A full `sheetsync sync` on a tracker that holds a chart, an image, comments, a cross-sheet
dropdown, an x14 extension list and (in the .xlsm copy) macros: every part the sync has no
business with comes out byte for byte, and inside the sheets it writes only sheetData moves."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from PIL import Image as PILImage
from xlsx_parts import VBA_PROJECT, macro_copy, parts, write_parts

from sheetsync.api import init
from sheetsync.cli import main

TODAY = "2026-12-04"
X14 = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
       b'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
       b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation '
       b'type="list" allowBlank="1"><x14:formula1><xm:f>Team!$A$2:$A$50</xm:f></x14:formula1>'
       b"<xm:sqref>L2:L500</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
       b"</extLst>")
# Sheets a sync writes: engine columns, Activity rows, report sheets, Settings' Last sync.
WRITTEN = {"Invoices", "Customers", "Activity", "Aging", "Review", "Settings"}


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name → part name, read from the workbook and its relationships."""
    p = parts(path)
    rels = dict(re.findall(rb'Id="([^"]+)"[^>]*Target="([^"]+)"', p["xl/_rels/workbook.xml.rels"])
                + [(b, a) for a, b in re.findall(rb'Target="([^"]+)"[^>]*Id="([^"]+)"',
                                                  p["xl/_rels/workbook.xml.rels"])])
    out = {}
    for name, rid in re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"',
                                p["xl/workbook.xml"]):
        target = rels[rid].decode().lstrip("/")
        out[name.decode()] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def rich_tracker(tmp_path: Path) -> Path:
    path = tmp_path / "rich.xlsx"
    init(path, demo=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=20), titles_from_data=True)
    ws.add_chart(chart, "AN2")
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    wb["Customers"].add_image(Image(io.BytesIO(buf.getvalue())), "V2")
    ws["X2"].comment = Comment("Customer asked for a copy by post", "Ana")
    wb.save(path)
    content = parts(path)
    invoices = sheet_parts(path)["Invoices"]
    content[invoices] = content[invoices].replace(b"</worksheet>", X14 + b"</worksheet>")
    write_parts(path, content)
    return path


def without_cells(xml: bytes) -> bytes:
    xml = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"", xml, flags=re.S)
    return re.sub(rb"<dimension [^>]*/>", b"", xml)


# openpyxl (used here only to inspect the result) warns that it would drop the x14 list.
@pytest.mark.filterwarnings("ignore:Data Validation extension is not supported")
@pytest.mark.parametrize("macro", [False, True], ids=["xlsx", "xlsm"])
def test_sync_keeps_everything_it_does_not_own(tmp_path: Path, macro: bool) -> None:
    path = rich_tracker(tmp_path)
    if macro:
        path = macro_copy(path)
    before = parts(path)
    names = sheet_parts(path)
    assert any(n.startswith("xl/charts/") for n in before)
    assert any(n.startswith("xl/media/") for n in before)
    result = CliRunner().invoke(main, ["sync", str(path), "--today", TODAY, "--outbox",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    after = parts(path)
    assert list(after) == list(before), "no part added, dropped or reordered"
    written = {names[s] for s in WRITTEN}
    for name, data in before.items():
        if name in written:
            assert after[name] != data, f"{name} should have been synced"
            assert without_cells(after[name]) == without_cells(data), name
        else:
            assert after[name] == data, f"{name} changed"
    assert X14 in after[names["Invoices"]]
    if macro:
        assert after["xl/vbaProject.bin"] == VBA_PROJECT
    wb = openpyxl.load_workbook(path)
    assert wb["Invoices"]["X2"].comment.text == "Customer asked for a copy by post"
    assert any(c.value == "Status" for c in wb["Invoices"][1])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by CI")
def test_libreoffice_reads_a_synced_tracker(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    CliRunner().invoke(main, ["sync", str(path), "--today", TODAY, "--drafts", "none"])
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(out),
                    str(path)], check=True, capture_output=True, timeout=180)
    text = (out / "rich.csv").read_text(encoding="latin-1")  # LibreOffice's default CSV
    assert "Invoice #" in text and "Escalated" in text and "Overdue" in text
