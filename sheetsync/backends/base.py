"""The one interface every workbook backend (xlsx file, Google Sheets, live Excel) implements.

A backend reads raw cell values and applies `Changes`. It knows nothing about invoices: rows are
addressed by the text of a key column (matched again at write time, so rows that people added,
sorted or deleted while a sync ran are still found) and columns by header text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | None


@dataclass(slots=True)
class RawSheet:
    """One sheet's cells as stored.

    Attributes:
        name: the sheet's title.
        header: row 1, by 0-based column index.
        rows: data rows as (1-based row number, values by 0-based column); fully blank rows
            are left out. Numbers stay numbers (a date cell is its serial number).
        merged: merged ranges as (min_row, min_col, max_row, max_col), 1-based.
        formulas: (row, col) 1-based of cells holding a formula; their value is the cached one.
    """

    name: str
    header: list[CellValue]
    rows: list[tuple[int, list[CellValue]]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: set[tuple[int, int]] = field(default_factory=set)


@dataclass(slots=True)
class RawWorkbook:
    sheets: dict[str, RawSheet]
    sheet_names: list[str]
    date1904: bool = False


RowKey = tuple[str, int]
"""(key text as `values.key_text` gives it, occurrence among rows with that key: 0, 1, …)."""


@dataclass(slots=True)
class KeyedUpdate:
    """Set some columns of rows found by key. Columns in `headers` that the sheet lacks are
    appended at the right with that header text. Value None clears the cell."""

    sheet: str
    key_header: str
    headers: tuple[str, ...]
    rows: dict[RowKey, dict[str, CellValue]]


@dataclass(slots=True)
class Append:
    """Add rows after the last non-blank row, columns matched by header text."""

    sheet: str
    rows: list[dict[str, CellValue]]


@dataclass(slots=True)
class Replace:
    """Rewrite a report sheet's cells whole (row 1 is the header); created when missing."""

    sheet: str
    rows: list[list[CellValue]]


@dataclass(slots=True)
class Changes:
    keyed: list[KeyedUpdate] = field(default_factory=list)
    appends: list[Append] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            any(u.rows for u in self.keyed) or any(a.rows for a in self.appends) or self.replaces
        )


class Backend(Protocol):
    label: str

    def read(self, sheets: Sequence[str]) -> RawWorkbook:
        """Read the named sheets (those absent are simply missing from the result)."""
        ...

    def apply(self, changes: Changes) -> None:
        """Write all changes, atomically where the medium allows."""
        ...
