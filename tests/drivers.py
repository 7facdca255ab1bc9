"""The same scenario on every backend: a driver plays the person editing the workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol

from sheetsync.backends.base import Backend, CellValue
from sheetsync.backends.memory import MemoryBackend
from sheetsync.schema import ACTIVITY, INVOICES, header_key


class Driver(Protocol):
    def target(self) -> Any: ...
    def edit(self, number: str, columns: dict[str, Any]) -> None: ...
    def row(self, number: str) -> dict[str, CellValue]: ...
    def events(self) -> list[tuple[str, str]]: ...
    def activity_count(self) -> int: ...


class MemoryDriver:
    def __init__(self, backend: MemoryBackend, _tmp: Path) -> None:
        self.backend = backend

    def target(self) -> Backend:
        return self.backend

    def _sheet(self, name: str) -> list[list[CellValue]]:
        return self.backend.sheets[name]

    def _index(self, sheet: str, header: str) -> int:
        head = self._sheet(sheet)[0]
        return [header_key(h) for h in head].index(header_key(header))

    def edit(self, number: str, columns: dict[str, Any]) -> None:
        rows = self._sheet(INVOICES)
        row = next(r for r in rows[1:] if r[self._index(INVOICES, "Invoice #")] == number)
        for header, value in columns.items():
            i = self._index(INVOICES, header)
            row.extend([None] * (i + 1 - len(row)))
            row[i] = value

    def row(self, number: str) -> dict[str, CellValue]:
        rows = self._sheet(INVOICES)
        head = [str(h) for h in rows[0]]
        key = self._index(INVOICES, "Invoice #")
        r = next(r for r in rows[1:] if r[key] == number)
        return {h: (r[i] if i < len(r) else None) for i, h in enumerate(head)}

    def events(self) -> list[tuple[str, str]]:
        rows = self._sheet(ACTIVITY)
        inv, ev = self._index(ACTIVITY, "Invoice #"), self._index(ACTIVITY, "Event")
        return [(str(r[inv]), str(r[ev])) for r in rows[1:] if len(r) > ev and r[ev]]

    def activity_count(self) -> int:
        return len(self.events())


class XlsxDriver(MemoryDriver):
    """Writes the tracker to a real .xlsx with openpyxl (as Excel would hold it), syncs the
    file, and reads it back with openpyxl; edits are made with openpyxl too."""

    def __init__(self, backend: MemoryBackend, tmp: Path) -> None:
        import openpyxl

        self.path = tmp / "tracker.xlsx"
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in backend.sheets.items():
            ws = wb.create_sheet(name)
            for r in rows:
                ws.append([_cell(v) for v in r])
        wb.save(self.path)

    def target(self) -> Any:
        return self.path

    def _load(self) -> Any:
        import openpyxl

        return openpyxl.load_workbook(self.path)

    def edit(self, number: str, columns: dict[str, Any]) -> None:
        wb = self._load()
        ws = wb[INVOICES]
        head = {header_key(c.value): c.column for c in ws[1] if c.value}
        for row in ws.iter_rows(min_row=2):
            if row[head[header_key("Invoice #")] - 1].value == number:
                for header, value in columns.items():
                    ws.cell(row[0].row, head[header_key(header)]).value = _cell(value)
        wb.save(self.path)

    def _sheet(self, name: str) -> list[list[CellValue]]:
        wb = self._load()
        return [[_plain(c) for c in r] for r in wb[name].iter_rows(values_only=True)]


def _cell(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def _plain(value: Any) -> CellValue:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value  # type: ignore[no-any-return]


def _xlsx_available() -> bool:
    try:
        import sheetsync.backends.xlsx  # noqa: F401
    except ImportError:
        return False
    return True


DRIVERS: dict[str, Any] = {"memory": MemoryDriver}
if _xlsx_available():
    DRIVERS["xlsx"] = XlsxDriver
