"""An in-memory workbook: the shipped double for tests and the reference semantics every other
backend's contract tests are held to."""

from __future__ import annotations

from collections.abc import Sequence

from ..schema import header_key
from ..values import key_text
from .base import Append, CellValue, Changes, KeyedUpdate, RawSheet, RawWorkbook, Replace


class MemoryBackend:
    """`sheets` maps a sheet name to its rows (row 1 first) as lists of cell values."""

    def __init__(self, sheets: dict[str, list[list[CellValue]]], label: str = "memory") -> None:
        self.sheets = {name: [list(r) for r in rows] for name, rows in sheets.items()}
        self.label = label
        self.applied = 0

    def read(self, sheets: Sequence[str]) -> RawWorkbook:
        out: dict[str, RawSheet] = {}
        for name in sheets:
            rows = self.sheets.get(name)
            if rows is None:
                continue
            header = list(rows[0]) if rows else []
            data = [(i + 1, list(r)) for i, r in enumerate(rows) if i > 0
                    and any(v not in (None, "") for v in r)]
            out[name] = RawSheet(name, header, data)
        return RawWorkbook(out, list(self.sheets))

    def apply(self, changes: Changes) -> None:
        for update in changes.keyed:
            self._keyed(update)
        for append in changes.appends:
            self._append(append)
        for replace in changes.replaces:
            self._replace(replace)
        self.applied += 1

    def _column(self, rows: list[list[CellValue]], header: str) -> int:
        if not rows:
            rows.append([])
        head = rows[0]
        for index, value in enumerate(head):
            if header_key(value) == header_key(header):
                return index
        while head and head[-1] in (None, ""):
            head.pop()
        head.append(header)
        return len(head) - 1

    @staticmethod
    def _set(row: list[CellValue], index: int, value: CellValue) -> None:
        while len(row) <= index:
            row.append(None)
        row[index] = value

    def _keyed(self, update: KeyedUpdate) -> None:
        rows = self.sheets[update.sheet]
        columns = {h: self._column(rows, h) for h in update.headers}
        key_index = self._column(rows, update.key_header)
        seen: dict[str, int] = {}
        for row in rows[1:]:
            if not any(v not in (None, "") for v in row):
                continue
            key = key_text(row[key_index] if key_index < len(row) else None)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            values = update.rows.get((key, occurrence))
            for header, value in (values or {}).items():
                index = columns.get(header)
                self._set(row, index if index is not None else self._column(rows, header), value)

    def _append(self, append: Append) -> None:
        rows = self.sheets.setdefault(append.sheet, [[]])
        while len(rows) > 1 and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()
        for values in append.rows:
            row: list[CellValue] = []
            for header, value in values.items():
                self._set(row, self._column(rows, header), value)
            rows.append(row)

    def _replace(self, replace: Replace) -> None:
        self.sheets[replace.sheet] = [list(r) for r in replace.rows]
