"""Every error sheetsync raises on purpose, in one tree.

    SheetsyncError            anything we raise; the CLI prints str(err) on one line and exits 2
    ├── WorkbookError         the workbook's structure is wrong (missing sheet or required column)
    ├── FileFormatError       the file is not a readable workbook
    ├── LockedError           Excel or LibreOffice holds the file open
    ├── TemplateError         an email template cannot be rendered (names the Templates row)
    └── ConfigError           settings, credentials or command-line values are unusable

Bad *values* inside a row are not errors: they become findings on that row (Flags and Review),
so one bad cell never stops the rest of the tracker from syncing.
"""

from __future__ import annotations


def where(sheet: str, row: int | None = None, column: str | None = None) -> str:
    """`Invoices row 12, column "Due Date"` — the place a message points a person to."""
    text = sheet
    if row is not None:
        text += f" row {row}"
    if column is not None:
        text += f', column "{column}"'
    return text


class SheetsyncError(Exception):
    exit_code = 2


class WorkbookError(SheetsyncError):
    def __init__(self, message: str, sheet: str, row: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(f"{where(sheet, row, column)}: {message}")
        self.sheet, self.row, self.column = sheet, row, column


class FileFormatError(SheetsyncError):
    pass


class LockedError(SheetsyncError):
    pass


class TemplateError(SheetsyncError):
    pass


class ConfigError(SheetsyncError):
    pass
