"""The .xlsx backend on real files: what it reads, what it writes, and everything it must leave
alone (charts, images, comments, validations, macros, untouched rows) byte for byte."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from xlsx_parts import add_part as _add_part
from xlsx_parts import macro_copy
from xlsx_parts import parts as _parts
from xlsx_parts import write_parts as _write_parts

from sheetsync.backends.base import Append, Changes, KeyedUpdate, Replace
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.errors import FileFormatError, LockedError, SheetsyncError, WorkbookError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
INVOICES_PART = "xl/worksheets/sheet1.xml"
HEADERS = ["Invoice #", "Customer", "Amount", "Due Date", "Status", "Next Action Date", "Notes"]
X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
    'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" xmlns:xm='
    '"http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" '
    'allowBlank="1"><x14:formula1><xm:f>Team!$A$2:$A$10</xm:f></x14:formula1><xm:sqref>G2:G50'
    "</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>")


# --- building workbooks -----------------------------------------------------------------------

def _to_shared_strings(parts: dict[str, bytes]) -> None:
    """Store the strings openpyxl wrote inline in xl/sharedStrings.xml, as Excel does."""
    strings: dict[str, int] = {}
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        root = etree.fromstring(parts[name])
        for c in root.iter(f"{{{MAIN}}}c"):
            if c.get("t") == "inlineStr":
                text = "".join(c.itertext())
                c.remove(c[0])
                c.set("t", "s")
                etree.SubElement(c, f"{{{MAIN}}}v").text = str(strings.setdefault(text,
                                                                                  len(strings)))
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)
    sst = "".join(f"<si><t>{_esc(s)}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount='
                                     f'"{len(strings)}">{sst}</sst>').encode()
    _add_part(parts, "/xl/sharedStrings.xml",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
              f"{DOC_RELS}/sharedStrings", "sharedStrings.xml", "rIdSst")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _png(path: Path) -> Path:
    from PIL import Image as PILImage

    PILImage.new("RGB", (4, 4), (200, 30, 30)).save(path)
    return path


def rich_workbook(tmp_path: Path, name: str = "tracker.xlsx") -> Path:
    """An AR tracker as a finance team really holds it: chart, image, comment, dropdowns from
    another sheet, conditional formats, column shading, x14 validations, shared strings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    rows = [
        ("INV-1", "Acme", 1200, dt.date(2026, 1, 10), "Sent", None, "first"),
        ("INV-2", "Beta", 300.5, dt.date(2026, 2, 1), None, None, None),
        ("INV-3", "Gamma", 50, dt.date(2026, 2, 5), "Overdue", None, "dup a"),
        ("INV-3", "Gamma", 60, dt.date(2026, 2, 6), "Overdue", None, "dup b"),
        (1001, "Delta", 75, dt.date(2026, 3, 1), None, None, None),
    ]
    for row in rows:
        ws.append(row)
    for r in range(2, 7):
        ws.cell(r, 4).number_format = "yyyy-mm-dd"
        ws.cell(r, 6).number_format = "dd/mm/yyyy"
    shade = PatternFill("solid", fgColor="DDEEFF")
    ws.column_dimensions["E"].fill = shade  # engine column shading: <col style>
    ws["A2"].comment = Comment("Customer asked for a copy", "Ana")
    validation = DataValidation(type="list", formula1="=Team!$A$2:$A$10", allow_blank=True)
    ws.add_data_validation(validation)
    validation.add("E2:E50")
    ws.conditional_formatting.add("C2:C50", CellIsRule(operator="greaterThan", formula=["1000"],
                                                       fill=shade))
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=6), titles_from_data=True)
    ws.add_chart(chart, "J2")
    team = wb.create_sheet("Team")
    for row in [("Name",), ("Ana",), ("Ben",)]:
        team.append(row)
    pic = wb.create_sheet("Pictures")
    pic.add_image(openpyxl.drawing.image.Image(str(_png(tmp_path / "logo.png"))), "B2")
    activity = wb.create_sheet("Activity")
    activity.append(["When", "Invoice #", "Event", "Detail", "By"])
    activity.append([dt.date(2026, 1, 2), "INV-1", "Sent", "by email", "Ana"])
    activity.append([dt.date(2026, 1, 3), "INV-2", "Call", None, "Ben"])
    activity.cell(2, 1).number_format = "yyyy-mm-dd"
    activity.cell(3, 1).number_format = "yyyy-mm-dd"
    for r in (4, 5, 6):  # pre-formatted empty rows below the log
        activity.cell(r, 3).fill = shade
    wb.create_sheet("Aging").append(["old", "report"])
    wb["Aging"].merge_cells("A3:B3")
    wb["Aging"]["A1"].font = Font(bold=True)
    path = tmp_path / name
    wb.save(path)
    parts = _parts(path)
    _to_shared_strings(parts)
    parts[INVOICES_PART] = parts[INVOICES_PART].replace(b"</worksheet>",
                                                        X14_VALIDATION.encode() + b"</worksheet>")
    _write_parts(path, parts)
    return path


def handmade(tmp_path: Path, sheets: list[tuple[str, str, str]], shared: str | None = None,
             workbook_pr: str = "", name: str = "hand.xlsx") -> Path:
    """A workbook written by hand: (sheet name, part path, worksheet XML)."""
    overrides = "".join(
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.worksheet+xml"/>' for _, part, _ in sheets)
    rels = "".join(f'<Relationship Id="rId{i}" Type="{DOC_RELS}/worksheet" Target="/{part}"/>'
                   for i, (_, part, _) in enumerate(sheets, start=1))
    listed = "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, (n, _, _) in enumerate(sheets, start=1))
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>').encode(),
        "_rels/.rels": (f'<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="'
                        f'{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
                        ).encode(),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">{workbook_pr}'
                            f"<sheets>{listed}</sheets></workbook>").encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_RELS}">{rels}</Relationships>'
                                      .encode(),
    }
    for _, part, xml in sheets:
        parts[part] = xml.encode()
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared.encode()
        _add_part(parts, "/xl/sharedStrings.xml", None, f"{DOC_RELS}/sharedStrings",
                  "sharedStrings.xml", "rIdS")
    path = tmp_path / name
    _write_parts(path, parts)
    return path


def _rows(xml: bytes) -> dict[int, bytes]:
    return {int(m[1]): m[0] for m in re.finditer(
        rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)', xml, re.S)}


def _element(xml: bytes, name: str) -> bytes:
    m = re.search(rb"<%s\b.*?</%s>" % (name.encode(), name.encode()), xml, re.S) or \
        re.search(rb"<%s\b[^>]*/>" % name.encode(), xml)
    assert m, name
    return m[0]


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops the x14 extension it cannot read
        return openpyxl.load_workbook(path)


def _values(path: Path, sheet: str) -> list[list[object]]:
    return [[c.value for c in row] for row in _load(path)[sheet].iter_rows()]


def _keyed(rows: dict[tuple[str, int], dict[str, object]], sheet: str = "Invoices",
           headers: tuple[str, ...] = ("Status", "Next Action Date")) -> Changes:
    return Changes(keyed=[KeyedUpdate(sheet, "Invoice #", headers, rows)])  # type: ignore[arg-type]


# --- reading ----------------------------------------------------------------------------------

def test_read_returns_cells_as_stored(tmp_path: Path) -> None:
    raw = XlsxBackend(rich_workbook(tmp_path)).read(["Invoices", "Activity", "Missing"])
    assert raw.sheet_names == ["Invoices", "Team", "Pictures", "Activity", "Aging"]
    assert set(raw.sheets) == {"Invoices", "Activity"}
    inv = raw.sheets["Invoices"]
    assert inv.header == HEADERS
    assert [n for n, _ in inv.rows] == [2, 3, 4, 5, 6]
    assert inv.rows[0][1] == ["INV-1", "Acme", 1200, 46032, "Sent", None, "first"]
    assert inv.rows[1][1][2] == 300.5
    assert inv.rows[4][1][0] == 1001
    assert not raw.date1904


def test_read_handwritten_xml(tmp_path: Path) -> None:
    """Prefixed namespace, missing `r`, rich text, phonetic runs, errors, cached formula values,
    merged cells, date1904, and a sheet part not named sheetN.xml."""
    shared = (f'<sst xmlns="{MAIN}"><si><t>Invoice #</t></si><si><r><rPr><b/></rPr><t>Cust</t>'
              "</r><r><t>omer</t></r><rPh sb=\"0\" eb=\"1\"><t>XX</t></rPh></si>"
              "<si><t xml:space=\"preserve\"> A&amp;B </t></si></sst>")
    sheet = (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
             '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c>'
             '<x:c t="inlineStr"><x:is><x:t>Flag</x:t></x:is></x:c><x:c r="E1" t="inlineStr">'
             "<x:is><x:t>Total</x:t></x:is></x:c></x:row>"
             '<x:row><x:c><x:v>7</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c><x:c t="b"><x:v>1</x:v>'
             '</x:c><x:c r="E2"><x:f>A2*2</x:f><x:v>14</x:v></x:c></x:row>'
             '<x:row r="4"><x:c r="B4" t="e"><x:v>#N/A</x:v></x:c><x:c t="str"><x:f>"x"&amp;"y"'
             '</x:f><x:v>xy</x:v></x:c><x:c r="E4"><x:f>NOW()</x:f></x:c></x:row>'
             '</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A4:A5"/></x:mergeCells>'
             "</x:worksheet>")
    path = handmade(tmp_path, [("Data", "xl/worksheets/data_sheet.xml", sheet)], shared,
                    '<workbookPr date1904="1"/>')
    raw = XlsxBackend(path).read(["data"])  # sheet names match case-insensitively, as in Excel
    data = raw.sheets["data"]
    assert raw.date1904 and data.name == "Data"
    assert data.header == ["Invoice #", "Customer", "Flag", None, "Total"]
    assert data.rows == [(2, [7, " A&B ", True, None, 14]), (4, [None, "#N/A", "xy", None, None])]
    assert data.formulas == {(2, 5), (4, 3), (4, 5)}
    assert data.merged == [(4, 1, 5, 1)]


# --- keyed updates: the byte-for-byte promise -------------------------------------------------

@pytest.mark.parametrize("macro", [False, True], ids=["xlsx", "xlsm"])
def test_keyed_update_touches_only_the_changed_cells(tmp_path: Path, macro: bool) -> None:
    path = rich_workbook(tmp_path)
    if macro:
        path = macro_copy(path)
    before = _parts(path)
    XlsxBackend(path).apply(_keyed({
        ("inv-1", 0): {"Status": "=Overdue", "Next Action Date": dt.date(2026, 3, 2)},
        ("inv-2", 0): {"Status": "Ready"},
        ("inv-3", 1): {"Status": "Disputed", "Next Action Date": None},
    }))
    after = _parts(path)
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {INVOICES_PART}  # existing date styles reused: styles.xml untouched
    old, new = before[INVOICES_PART], after[INVOICES_PART]
    old_rows, new_rows = _rows(old), _rows(new)
    assert [n for n in new_rows] == [1, 2, 3, 4, 5, 6]
    assert {n for n in old_rows if old_rows[n] != new_rows[n]} == {2, 3, 5}
    for element in ("extLst", "dataValidations", "legacyDrawing", "drawing",
                    "conditionalFormatting", "cols"):
        assert _element(old, element) == _element(new, element)
    assert old[old.index(b"</sheetData>"):] == new[new.index(b"</sheetData>"):]
    if macro:
        assert after["xl/vbaProject.bin"] == bytes(range(256)) * 8
    wb = _load(path)
    ws = wb["Invoices"]
    assert ws["E2"].value == "=Overdue" and ws["E2"].data_type == "s"
    assert ws["F2"].value == dt.datetime(2026, 3, 2) and ws["F2"].number_format == "dd/mm/yyyy"
    assert ws["E5"].value == "Disputed" and ws["E4"].value == "Overdue"
    assert ws["E3"].value == "Ready" and ws["E3"].fill.fgColor.rgb.endswith("DDEEFF")  # <col style>
    assert ws["A2"].comment.text == "Customer asked for a copy"


def test_headers_are_found_by_text_and_missing_ones_appended(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append(["  STATUS ", "invoice  #", "Amount"])
    ws["A1"].font = Font(bold=True)
    ws["C1"].fill = PatternFill("solid", fgColor="FFEE00")
    ws.append(["Sent", "INV-9", 10])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    XlsxBackend(path).apply(_keyed({("inv-9", 0): {"Status": "Paid", "Flags": "partial payment",
                                                     "Next Action Date": dt.date(2026, 5, 1)}},
                                   headers=("Status", "Flags", "Next Action Date")))
    assert _values(path, "Invoices") == [
        ["  STATUS ", "invoice  #", "Amount", "Flags", "Next Action Date"],
        ["Paid", "INV-9", 10, "partial payment", dt.datetime(2026, 5, 1)]]
    ws = _load(path)["Invoices"]
    assert ws["D1"].fill.fgColor.rgb == ws["C1"].fill.fgColor.rgb  # header look carried on
    assert ws.dimensions == "A1:E2"


def test_rows_are_matched_by_key_at_write_time(tmp_path: Path) -> None:
    """A person sorts, inserts and deletes rows between read and write."""
    path = rich_workbook(tmp_path)
    backend = XlsxBackend(path)
    backend.read(["Invoices"])
    wb = _load(path)
    ws = wb["Invoices"]
    ws.delete_rows(2)  # INV-1 gone
    ws.insert_rows(3)
    ws["A3"], ws["B3"] = "INV-NEW", "Newco"
    ws.move_range("A5:G6", rows=2)  # second INV-3 and 1001 lower down, a gap above
    wb.save(path)
    backend.apply(_keyed({("inv-1", 0): {"Status": "lost"}, ("inv-3", 0): {"Status": "first"},
                          ("inv-3", 1): {"Status": "second"}, ("1001", 0): {"Status": "num"}}))
    rows = [(r[0], r[4]) for r in _values(path, "Invoices")[1:] if r[0] is not None]
    assert rows == [("INV-2", None), ("INV-NEW", None), ("INV-3", "first"), ("INV-3", "second"),
                    (1001, "num")]


def test_blank_rows_do_not_count_as_occurrences(tmp_path: Path) -> None:
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>Invoice #</t></is></c><c r="B1" '
             't="inlineStr"><is><t>Status</t></is></c></row>'
             '<row r="2"><c r="B2" t="inlineStr"><is><t>no key</t></is></c></row>'
             '<row r="3" s="1" customFormat="1"><c r="A3" s="1"/></row>'
             '<row r="4"><c r="B4" t="inlineStr"><is><t>no key either</t></is></c></row>'
             "</sheetData></worksheet>")
    path = handmade(tmp_path, [("Invoices", "xl/worksheets/sheet1.xml", sheet)])
    XlsxBackend(path).apply(_keyed({("", 1): {"Status": "second blank key"}}, headers=("Status",)))
    raw = XlsxBackend(path).read(["Invoices"]).sheets["Invoices"]
    assert raw.rows == [(2, [None, "no key"]), (4, [None, "second blank key"])]


# --- appends and report sheets ----------------------------------------------------------------

def test_append_goes_after_the_last_used_row_and_reuses_styled_rows(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    before = _parts(path)
    XlsxBackend(path).apply(Changes(appends=[Append("Activity", [
        {"When": dt.date(2026, 4, 1), "Invoice #": "INV-3", "Event": "Reminder", "By": "sheetsync"},
        {"When": dt.date(2026, 4, 2), "Invoice #": "INV-2", "Event": "=1+1", "Channel": "email"},
    ])]))
    after = _parts(path)
    part = "xl/worksheets/sheet4.xml"
    assert {n for n in before if before[n] != after[n]} == {part}
    rows = _rows(after[part])
    assert list(rows) == [1, 2, 3, 4, 5, 6]  # rows 4 and 5 reused, 6 kept, no duplicates
    assert _rows(before[part])[6] == rows[6]
    ws = _load(path)["Activity"]
    assert [c.value for c in ws[1]] == ["When", "Invoice #", "Event", "Detail", "By", "Channel"]
    assert [c.value for c in ws[4]][:6] == [dt.datetime(2026, 4, 1), "INV-3", "Reminder", None,
                                            "sheetsync", None]
    assert ws["C5"].value == "=1+1" and ws["C5"].data_type == "s"
    assert ws["C4"].fill.fgColor.rgb.endswith("DDEEFF")  # the styled cell kept its look
    assert ws["F5"].value == "email"


def test_replace_rewrites_a_report_and_creates_a_missing_one(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    before = _parts(path)
    XlsxBackend(path).apply(Changes(replaces=[
        Replace("Aging", [["Customer", "Total"], ["Acme", Decimal("1200.50")], [None, None],
                          ["Total", 1200.5]]),
        Replace("Review", [["Invoice #", "What is wrong"], ["INV-2", "no owner <&>"]]),
    ]))
    after = _parts(path)
    assert {n for n in before if before[n] != after[n]} == {
        "xl/worksheets/sheet5.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml"}
    assert b"mergeCell" not in after["xl/worksheets/sheet5.xml"]
    wb = _load(path)
    assert wb["Aging"]["A1"].font.b and not wb["Aging"]["B1"].font.b  # the header keeps its look
    assert wb.sheetnames == ["Invoices", "Team", "Pictures", "Activity", "Aging", "Review"]
    assert _values(path, "Aging") == [["Customer", "Total"], ["Acme", 1200.5], [None, None],
                                      ["Total", 1200.5]]
    assert _values(path, "Review") == [["Invoice #", "What is wrong"], ["INV-2", "no owner <&>"]]
    raw = XlsxBackend(path).read(["Review"])
    assert raw.sheets["Review"].header == ["Invoice #", "What is wrong"]


# --- values -----------------------------------------------------------------------------------

def test_values_round_trip(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append(["Invoice #", "A", "B", "C", "D", "E", "F", "G", "H"])
    ws.append(["INV-1", "=SUM(1,2)", "old", 5, None, None, None, None, None])
    ws["C2"].fill = PatternFill("solid", fgColor="FFEE00")
    path = tmp_path / "t.xlsx"
    wb.save(path)
    styles_before = _parts(path)["xl/styles.xml"]
    XlsxBackend(path).apply(_keyed({("inv-1", 0): {
        "A": "plain text", "B": None, "C": True, "D": Decimal("12.50"),
        "E": "bell\x07 tab\t line\r\nnext _x0041_ \U0001F600", "F": dt.datetime(2026, 1, 2, 13, 30),
        "G": dt.date(2026, 1, 2), "H": float("nan")}}, headers=()))
    ws = _load(path)["Invoices"]
    assert [c.value for c in ws[2]] == [
        "INV-1", "plain text", None, True, 12.5,
        # Excel decodes _xHHHH_ in text, so a literal one is stored escaped (openpyxl does not
        # decode it, Excel and our reader do)
        "bell tab\t line\r\nnext _x005F_x0041_ \U0001F600",
        dt.datetime(2026, 1, 2, 13, 30), dt.datetime(2026, 1, 2), "nan"]
    assert ws["C2"].fill.fgColor.rgb.endswith("FFEE00")  # a cleared cell keeps its look
    assert ws["H2"].is_date and ws["G2"].number_format == "yyyy-mm-dd hh:mm"
    assert _parts(path)["xl/styles.xml"] != styles_before  # a date style had to be added
    raw = XlsxBackend(path).read(["Invoices"]).sheets["Invoices"]
    assert raw.rows[0][1][5] == "bell tab\t line\r\nnext _x0041_ \U0001F600"
    assert raw.formulas == set()


def test_date1904_workbooks_get_1904_serials(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Invoices"
    ws.append(["Invoice #", "When"])
    ws.append(["INV-1", None])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    XlsxBackend(path).apply(_keyed({("inv-1", 0): {"When": dt.date(2026, 1, 2)}}, headers=()))
    raw = XlsxBackend(path).read(["Invoices"])
    assert raw.date1904 and raw.sheets["Invoices"].rows[0][1][1] == 44562
    assert _load(path)["Invoices"]["B2"].value == dt.datetime(2026, 1, 2)


def test_overwriting_formulas_drops_calc_chain_and_keeps_shared_formulas_valid(
        tmp_path: Path) -> None:
    sheet = (f'<worksheet xmlns="{MAIN}"><dimension ref="A1:C4"/><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>Invoice #</t></is></c><c r="B1" '
             't="inlineStr"><is><t>Balance</t></is></c><c r="C1" t="inlineStr"><is><t>Double'
             "</t></is></c></row>"
             + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>A{r}*10</f>'
                       f'<v>{r * 10}</v></c><c r="C{r}">{f}<v>{r * 2}</v></c></row>'
                       for r, f in ((2, '<f t="shared" ref="C2:C4" si="0">A2*2</f>'),
                                    (3, '<f t="shared" si="0"/>'), (4, '<f t="shared" si="0"/>')))
             + "</sheetData></worksheet>")
    path = handmade(tmp_path, [("Invoices", "xl/worksheets/sheet1.xml", sheet)])
    parts = _parts(path)
    parts["xl/calcChain.xml"] = f'<calcChain xmlns="{MAIN}"><c r="B2" i="1"/></calcChain>'.encode()
    _add_part(parts, "/xl/calcChain.xml", "application/vnd.openxmlformats-officedocument."
              "spreadsheetml.calcChain+xml", f"{DOC_RELS}/calcChain", "calcChain.xml", "rIdCc")
    _write_parts(path, parts)

    XlsxBackend(path).apply(_keyed({("3", 0): {"Invoice #": 3}}, headers=()))
    assert "xl/calcChain.xml" in _parts(path)  # no formula overwritten: kept

    XlsxBackend(path).apply(_keyed({("2", 0): {"Balance": 5, "Double": 0}}, headers=()))
    parts = _parts(path)
    assert "xl/calcChain.xml" not in parts
    assert b"calcChain" not in parts["[Content_Types].xml"] + parts["xl/_rels/workbook.xml.rels"]
    ws = _load(path)["Invoices"]
    assert [ws["B2"].value, ws["C2"].value, ws["B3"].value] == [5, 0, "=A3*10"]
    assert [ws["C3"].value, ws["C4"].value] == ["=A3*2", "=A4*2"]
    assert b'si="0"' not in parts["xl/worksheets/sheet1.xml"]


# --- unusual XML ------------------------------------------------------------------------------

def test_prefixed_namespace_and_cells_without_r(tmp_path: Path) -> None:
    sheet = (f'<x:worksheet xmlns:x="{MAIN}" xmlns:r="{DOC_RELS}"><x:dimension ref="A1:B3"/>'
             "<x:sheetData>\n"
             '<x:row><x:c t="inlineStr"><x:is><x:t>Invoice #</x:t></x:is></x:c><x:c t="inlineStr">'
             "<x:is><x:t>Status</x:t></x:is></x:c></x:row>\n"
             '<x:row><x:c t="inlineStr"><x:is><x:t>INV-1</x:t></x:is></x:c></x:row>\n'
             '<x:row><x:c t="inlineStr"><x:is><x:t>INV-2</x:t></x:is></x:c><x:c><x:v>5</x:v></x:c>'
             "</x:row>\n</x:sheetData><x:pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" "
             'bottom="0.75" header="0.3" footer="0.3"/></x:worksheet>')
    path = handmade(tmp_path, [("Invoices", "xl/worksheets/sheet1.xml", sheet)])
    XlsxBackend(path).apply(Changes(
        keyed=[KeyedUpdate("Invoices", "Invoice #", ("Status", "Owner"),
                           {("inv-2", 0): {"Status": "Paid", "Owner": "Ana"}})],
        appends=[Append("Invoices", [{"Invoice #": "INV-3", "Status": True,
                                      "Due": dt.date(2026, 1, 5)}])]))
    parts = _parts(path)
    assert b"yyyy-mm-dd" in parts["xl/styles.xml"]  # the workbook had no styles: made for dates
    xml = parts["xl/worksheets/sheet1.xml"]
    root = etree.fromstring(xml)
    assert {el.prefix for el in root.iter()} == {"x"}  # no default-namespace strays
    assert b'<x:dimension ref="A1:D4"/>' in xml
    assert b'\n<x:row><x:c t="inlineStr"><x:is><x:t>INV-1</x:t></x:is></x:c></x:row>\n' in xml
    raw = XlsxBackend(path).read(["Invoices"]).sheets["Invoices"]
    assert raw.header == ["Invoice #", "Status", "Owner", "Due"]
    assert raw.rows == [(2, ["INV-1", None, None, None]), (3, ["INV-2", "Paid", "Ana", None]),
                        (4, ["INV-3", True, None, 46027])]
    assert _values(path, "Invoices")[2:] == [["INV-2", "Paid", "Ana", None],
                                             ["INV-3", True, None, dt.datetime(2026, 1, 5)]]


def test_cells_placed_by_position_keep_their_column(tmp_path: Path) -> None:
    """A cell without `r` is in the column after the one before it: removing or adding a cell
    in front of it must not move it."""
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
             + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in
                       zip("ABCD", ["Invoice #", "Status", "Amount", "Note"], strict=True))
             + '</row><row r="2"><c r="A2" t="inlineStr"><is><t>INV-1</t></is></c><c r="B2" '
             't="inlineStr"><is><t>Sent</t></is></c><c><v>10</v></c></row><row r="3"><c r="A3" '
             't="inlineStr"><is><t>INV-2</t></is></c><c r="B3" t="inlineStr"><is><t>Sent</t></is>'
             '</c><c><v>20</v></c></row></sheetData></worksheet>')
    path = handmade(tmp_path, [("Invoices", "xl/worksheets/sheet1.xml", sheet)])
    XlsxBackend(path).apply(_keyed({("inv-1", 0): {"Status": None},
                                    ("inv-2", 0): {"Status": "Paid", "Note": "x"}},
                                   headers=()))
    assert XlsxBackend(path).read(["Invoices"]).sheets["Invoices"].rows == [
        (2, ["INV-1", None, 10, None]), (3, ["INV-2", "Paid", 20, "x"])]


def test_cells_of_every_shape_read_as_an_xml_parser_reads_them(tmp_path: Path) -> None:
    """Common cells are read by pattern, the rest by lxml: both must give the same values."""
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
             + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{c}</t></is></c>' for c in "ABCDEFGHIJ")
             + '</row><row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> a&amp;b&lt;'
             '&gt;&quot; </t></is></c><c t="b" r="B2"><v>1</v></c><c r=\'C2\' s=\'3\'><v>2</v>'
             '</c><c r="D2" t="d"><v>2026-01-02T03:04:05</v></c><c r="E2"><v>&#49;2</v></c>'
             '<c r="F2" t="inlineStr"><is><t>x\r\ny</t></is></c><c r="G2"><v><![CDATA[4.5]]></v>'
             '</c><c r="H2" t="str"><f>"n"&amp;"o"</f><v>no</v></c><c r="I2" t="e"><v>#REF!</v>'
             '</c><c r="J2"><f t="shared" si="0"/></c></row>\n<row r="3"><c r="A3"><v>1E3</v>'
             '</c><!-- between cells --><c r="B3" t="inlineStr"><is><r><t>ri</t></r><r><rPr><b/>'
             '</rPr><t>ch</t></r></is></c><c r="C3" cm="1"><v>7</v></c><c r="D3" t="d"><v>'
             '2026-01-02</v></c><c r="E3"><v></v></c><c r="F3" t="inlineStr"><is><t>_x0041_</t>'
             '</is></c></row></sheetData></worksheet>')
    path = handmade(tmp_path, [("Data", "xl/worksheets/sheet1.xml", sheet)])
    data = XlsxBackend(path).read(["Data"]).sheets["Data"]
    assert data.rows == [
        (2, [' a&b<>" ', True, 2, dt.datetime(2026, 1, 2, 3, 4, 5), 12, "x\ny", 4.5, "no",
             "#REF!", None]),
        (3, [1000.0, "rich", 7, dt.date(2026, 1, 2), None, "A", None, None, None, None])]
    assert data.formulas == {(2, 8), (2, 10)}


def test_a_row_closed_with_a_space_does_not_swallow_the_next(tmp_path: Path) -> None:
    """`</row >` is sound XML; the row after it is a row of its own (it used to be taken for
    part of the one before, so a keyed update wrote the wrong row and appends doubled a row)."""
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
             'Invoice #</t></is></c><c r="B1" t="inlineStr"><is><t>Status</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>INV-1</t></is></c><c r="B2" '
             't="inlineStr"><is><t>Sent</t></is></c></row >'
             '<row r="3"><c r="A3" t="inlineStr"><is><t>INV-2</t></is></c></row></sheetData>'
             "</worksheet>")
    path = handmade(tmp_path, [("Invoices", "xl/worksheets/sheet1.xml", sheet)])
    XlsxBackend(path).apply(Changes(
        keyed=[KeyedUpdate("Invoices", "Invoice #", ("Status",),
                           {("inv-2", 0): {"Status": "Paid"}})],
        appends=[Append("Invoices", [{"Invoice #": "INV-3"}])]))
    xml = _parts(path)["xl/worksheets/sheet1.xml"]
    assert b'<t>Sent</t></is></c></row ><row r="3">' in xml
    assert [n for n, _ in XlsxBackend(path).read(["Invoices"]).sheets["Invoices"].rows] == [2, 3, 4]
    assert _values(path, "Invoices")[1:] == [["INV-1", "Sent"], ["INV-2", "Paid"], ["INV-3", None]]


def test_parts_are_streamed_in_chunks_of_any_size(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows, cells and tags cut across chunk boundaries read and patch as when read whole."""
    from sheetsync.backends import xlsx_read

    changes = Changes(
        keyed=[KeyedUpdate("Invoices", "Invoice #", ("Status", "Flags"),
                           {("inv-2", 0): {"Status": "Paid", "Flags": "x"},
                            ("inv-3", 1): {"Amount": 61}})],
        appends=[Append("Activity", [{"When": dt.date(2026, 4, 1), "Event": "Call"}])],
        replaces=[Replace("Aging", [["Customer", "Total"], ["Acme", 1]])])
    source = rich_workbook(tmp_path)
    results = []
    for chunk in (1 << 16, 7, 64):
        monkeypatch.setattr(xlsx_read, "CHUNK", chunk)
        path = shutil.copy(source, tmp_path / f"{chunk}.xlsx")
        read = XlsxBackend(path).read(["Invoices", "Activity", "Aging"])
        XlsxBackend(path).apply(changes)
        results.append(({n: (s.header, s.rows, s.merged) for n, s in read.sheets.items()},
                        _parts(path)))
    assert results[1] == results[0] and results[2] == results[0]


def test_a_worksheet_part_without_cells_reads_as_empty(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Odd", "xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"/>')])
    assert XlsxBackend(path).read(["Odd"]).sheets["Odd"].rows == []


# --- safety -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lock", ["~$tracker.xlsx", ".~lock.tracker.xlsx#"])
def test_lock_files_refuse_the_write_unless_forced(tmp_path: Path, lock: str) -> None:
    path = rich_workbook(tmp_path)
    (tmp_path / lock).write_text("ana")
    before = path.read_bytes()
    changes = _keyed({("inv-1", 0): {"Status": "Paid"}})
    with pytest.raises(LockedError, match=r"tracker\.xlsx is open in .*--force"):
        XlsxBackend(path).apply(changes)
    with pytest.raises(LockedError):
        XlsxBackend(path).check_lock()
    assert path.read_bytes() == before
    XlsxBackend(path).read(["Invoices"])  # reading is fine
    XlsxBackend(path, force=True).apply(changes)
    assert _values(path, "Invoices")[1][4] == "Paid"


@pytest.mark.parametrize("content, message", [
    (b"Invoice #,Amount\nINV-1,10\n", "not a readable Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le"),
     "password-protected"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "Workbook".encode("utf-16-le"),
     "old .xls workbook"),
    (None, "no xl/workbook.xml"),
])
def test_files_that_are_not_workbooks(tmp_path: Path, content: bytes | None,
                                      message: str) -> None:
    path = tmp_path / "notes.xlsx"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("word/document.xml", "<w/>")
        content = path.read_bytes()
    else:
        path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message) as info:
        XlsxBackend(path).read(["Invoices"])
    assert "notes.xlsx" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(FileFormatError, match=message):
        XlsxBackend(path).apply(_keyed({("inv-1", 0): {"Status": "x"}}))
    assert path.read_bytes() == content


def test_a_failed_write_leaves_the_original_intact(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = rich_workbook(tmp_path)
    before = path.read_bytes()
    listing = sorted(os.listdir(tmp_path))

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(SheetsyncError, match=r"tracker\.xlsx cannot be saved \(disk full\); the "
                       "file is unchanged"):
        XlsxBackend(path).apply(_keyed({("inv-1", 0): {"Status": "Paid"}}))
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing  # no temp file left behind


def test_mode_is_kept_and_missing_sheets_or_columns_are_clear_errors(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    path.chmod(0o640)
    XlsxBackend(path).apply(_keyed({("inv-1", 0): {"Status": "Paid"}}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with pytest.raises(WorkbookError, match="Customers: there is no such worksheet"):
        XlsxBackend(path).apply(_keyed({("x", 0): {"Status": "y"}}, sheet="Customers"))
    with pytest.raises(WorkbookError, match='Team row 1, column "Invoice #"'):
        XlsxBackend(path).apply(_keyed({("x", 0): {"Status": "y"}}, sheet="Team"))


def test_nothing_is_written_when_no_row_matches(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    XlsxBackend(path).apply(_keyed({("inv-404", 0): {"Status": "Paid"}}))
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_damaged_sheet_xml_is_a_clear_error(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    parts = _parts(path)
    parts[INVOICES_PART] = parts[INVOICES_PART][:-200]  # truncated
    _write_parts(path, parts)
    before = path.read_bytes()
    with pytest.raises(FileFormatError, match=r"tracker\.xlsx is damaged: xl/worksheets/sheet1"):
        XlsxBackend(path).read(["Invoices"])
    with pytest.raises(FileFormatError, match="is damaged"):
        XlsxBackend(path).apply(_keyed({("inv-1", 0): {"Status": "Paid"}}))
    assert path.read_bytes() == before
    assert XlsxBackend(path).read(["Team"]).sheets["Team"].rows == [(2, ["Ana"]), (3, ["Ben"])]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_patched_file(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path)
    XlsxBackend(path).apply(Changes(
        keyed=[KeyedUpdate("Invoices", "Invoice #", ("Status", "Flags"),
                           {("inv-2", 0): {"Status": "Paid", "Flags": "ok"}})],
        replaces=[Replace("Review", [["Invoice #", "Check"], ["INV-2", "fine"]])]))
    out = tmp_path / "out"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "csv", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    assert "INV-2,Beta,300.5,2026-02-01,Paid,,,ok" in (out / "tracker.csv").read_text()
