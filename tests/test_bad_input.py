"""Untrusted cells in a real .xlsx: a bad value is flagged on its row (Flags and Review, naming
the column) while the rest of the tracker still syncs; nothing is dropped or reordered."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sheetsync.api import init
from sheetsync.sync import sync

TODAY = dt.date(2026, 12, 4)
DUE = dt.date(2026, 11, 20)


def _row(ws: Any, values: dict[str, Any]) -> int:
    head = {c.value: c.column for c in ws[1] if c.value}
    row = ws.max_row + 1
    for header, value in values.items():
        ws.cell(row, head[header]).value = value
    return row


def base(**fields: Any) -> dict[str, Any]:
    row = {"Customer": "Globex Corporation", "Invoice Date": DUE - dt.timedelta(30),
           "Due Date": DUE, "Amount": 500, "Sent On": DUE - dt.timedelta(30)}
    row.update(fields)
    return row


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "t.xlsx"
    init(path, demo=False, today=TODAY)
    wb = openpyxl.load_workbook(path)
    _row(wb["Customers"], {"Customer": "Globex Corporation", "AP Email": "ap@globex.example",
                           "Terms": "Net 30", "AR Owner": "Maya Patel"})
    ws = wb["Invoices"]
    rows = [
        base(**{"Invoice #": "GOOD-1"}),
        base(**{"Invoice #": "DATE-TEXT", "Invoice Date": " 21  Oct  2026 ", "Due Date":
                "11/20/2026", "Sent On": "2026-10-21"}),
        base(**{"Invoice #": "DATE-BAD", "Due Date": "2026-02-30"}),
        base(**{"Invoice #": "AMT-US", "Amount": "$1,234.50"}),
        base(**{"Invoice #": "AMT-EU", "Amount": "1.234,50 €"}),
        base(**{"Invoice #": "AMT-BAD", "Amount": "lots"}),
        base(**{"Invoice #": "DUP"}),
        base(**{"Invoice #": "DUP"}),
        base(**{"Invoice #": "WHO", "Customer": "Nobody Ltd"}),
        base(**{"Invoice #": "HUGE", "Notes": "x" * 10_000_000}),
        base(**{"Invoice #": "INJECT", "Notes": "=HYPERLINK(\"http://evil.example\")",
                "PO Number": "=1+1"}),
    ]
    for values in rows:
        _row(ws, values)
    ws.insert_rows(4)  # a blank row in the middle stays blank and in place
    wb.save(path)
    _grow_note(path)
    return path


def _grow_note(path: Path) -> None:
    """openpyxl caps a cell at Excel's 32,767 characters; other writers do not. Put a real
    10 MB string into the file by hand."""
    parts = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            parts[info.filename] = z.read(info)
    [name] = [n for n, data in parts.items() if b"x" * 32767 in data]
    parts[name] = parts[name].replace(b"x" * 32767, b"x" * 10_000_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _read(path: Path) -> tuple[list[list[Any]], dict[str, int]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    head = {c.value: c.column - 1 for c in ws[1] if c.value}
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)], head


def test_bad_values_are_flagged_on_their_row_and_the_rest_syncs(tracker: Path,
                                                                  tmp_path: Path) -> None:
    before_rows, head = _read(tracker)

    sync(tracker, TODAY, outbox=tmp_path / "out")
    rows, head = _read(tracker)
    assert len(rows) == len(before_rows)
    key = head["Invoice #"]
    assert [r[key] for r in rows] == [r[key] for r in before_rows], "no row moved"
    assert rows[2][key] is None and all(v is None for v in rows[2]), "blank row kept blank"
    by_key = {}
    for r in rows:
        if r[key]:
            by_key.setdefault(r[key], []).append(r)

    def col(number: str, header: str, n: int = 0) -> Any:
        return by_key[number][n][head[header]]

    chased = {"Overdue", "Escalated"}  # several overdue invoices escalate the customer
    assert col("GOOD-1", "Status") in chased and col("GOOD-1", "Flags") is None
    assert col("DATE-TEXT", "Status") in chased and col("DATE-TEXT", "Days Overdue") == 14
    assert 'Due Date "2026-02-30" is not a date' in col("DATE-BAD", "Flags")
    assert col("AMT-US", "Balance") == 1234.5 and col("AMT-EU", "Balance") == 1234.5
    assert '"lots" is not an amount' in col("AMT-BAD", "Flags")
    assert "also on row" in col("DUP", "Flags", 0) and "also on row" in col("DUP", "Flags", 1)
    assert 'customer "Nobody Ltd" is not on the Customers sheet' in col("WHO", "Flags")
    assert col("HUGE", "Status") in chased
    assert col("INJECT", "Status") in chased
    # People's cells are never rewritten: the 10 MB note and the formula-like text survive.
    assert len(col("HUGE", "Notes")) == 10_000_000

    assert col("INJECT", "PO Number") == "=1+1"

    review = openpyxl.load_workbook(tracker)["Review"]
    where = [r[6] for r in review.iter_rows(min_row=2, values_only=True)]
    assert any(w and w.endswith(", Due Date") for w in where)
    assert any(w and w.endswith(", Amount") for w in where)


def demo_with_formula(path: Path) -> tuple[Any, dict[str, int]]:
    """A demo tracker whose first Amount is a formula (openpyxl stores no computed value);
    returns the open workbook and the Invoices header columns."""
    init(path, demo=True, today=TODAY)
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    head = {c.value: c.column for c in ws[1] if c.value}
    ws.cell(2, head["Amount"]).value = "=1000+234.5"
    return wb, head


def test_merged_cells_and_formulas_in_input_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb, head = demo_with_formula(path)
    ws = wb["Invoices"]
    ws.merge_cells(start_row=3, start_column=head["Notes"], end_row=4,
                   end_column=head["Notes"])
    wb.save(path)
    sync(path, TODAY, outbox=tmp_path / "out")
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    flags = {r[0].row: r[head["Flags"] - 1].value for r in ws.iter_rows(min_row=2, max_row=4)}
    assert "Amount is a formula with no computed value" in flags[2]
    assert "merged cells" in flags[3] and "merged cells" in flags[4]
    assert ws.cell(2, head["Amount"]).value == "=1000+234.5", "the formula is kept"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by CI")
def test_formula_values_computed_by_a_real_spreadsheet_are_used(tmp_path: Path) -> None:
    path = tmp_path / "src.xlsx"
    wb, head = demo_with_formula(path)
    wb.save(path)
    out = tmp_path / "calc"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir",
                    str(out), str(path)], check=True, capture_output=True, timeout=180)
    calculated = out / "src.xlsx"
    sync(calculated, TODAY, outbox=tmp_path / "out")
    ws = openpyxl.load_workbook(calculated)["Invoices"]
    assert ws.cell(2, head["Balance"]).value == pytest.approx(1234.5 - float(
        ws.cell(2, head["Amount Paid"]).value or 0))
