"""Small trackers as plain data, for rule tables and scenario tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sheetsync.backends.base import CellValue
from sheetsync.backends.memory import MemoryBackend
from sheetsync.schema import (
    ACTIVITY,
    CADENCE,
    CUSTOMERS,
    INVOICES,
    SETTINGS,
    SHEET_COLUMNS,
    TEAM,
    TEMPLATES,
)
from sheetsync.template_emails import EMAIL_TEMPLATES

TODAY = dt.date(2026, 12, 4)  # a Friday

STANDARD = [
    ("Standard", "Pre-due", -3, "Email", "pre_due", "AR owner", None),
    ("Standard", "Day 1", 1, "Email", "overdue_1", "AR owner", None),
    ("Standard", "Day 7", 7, "Email", "overdue_7", "AR owner", None),
    ("Standard", "Day 14", 14, "Email", "overdue_14", "AR owner", None),
    ("Standard", "Day 14 call", 14, "Call", None, "AR owner", "Material amount"),
    ("Standard", "Day 21", 21, "Escalate", None, "Account owner", None),
    ("Standard", "Day 30", 30, "Escalate", None, "Finance lead", None),
]

TEAM_ROWS = [
    ("Ana Reyes", "ana@acme.example", "AR owner"),
    ("Ben Ode", "ben@acme.example", "Account owner"),
    ("Fay Lind", "fay@acme.example", "Finance lead"),
]

SETTINGS_ROWS = {
    "Company name": "Acme", "From name": "Acme AR", "From email": "ar@acme.example",
    "Default currency": "USD", "Default terms": "Net 30", "Default AR owner": "Ana Reyes",
    "Finance lead": "Fay Lind", "Timezone": "UTC", "Holiday country": "US",
}

CUSTOMER = {"Customer": "Globex", "AP Contact": "Pat", "AP Email": "ap@globex.example",
            "Terms": "Net 30", "Account Owner": "Ben Ode", "AR Owner": "Ana Reyes"}


def table(sheet: str, rows: list[dict[str, Any]]) -> list[list[CellValue]]:
    headers = [c.header for c in SHEET_COLUMNS[sheet]]
    extra = [h for r in rows for h in r if h not in headers]
    headers += list(dict.fromkeys(extra))
    return [list(headers)] + [[r.get(h) for h in headers] for r in rows]


def invoice(number: str = "INV-1", *, due: dt.date | None = None, amount: float = 1000,
            sent: dt.date | None = None, **fields: Any) -> dict[str, Any]:
    """An invoice sent 30 days before `due` (default: due today)."""
    due = due or TODAY
    row = {"Invoice #": number, "Customer": "Globex", "Invoice Date": due - dt.timedelta(30),
           "Due Date": due, "Amount": amount,
           "Sent On": sent or (due - dt.timedelta(30))}
    row.update(fields)
    return row


def workbook(invoices: list[dict[str, Any]], *, customers: list[dict[str, Any]] | None = None,
             settings: dict[str, Any] | None = None, activity: list[dict[str, Any]] | None = None,
             cadence: list[tuple[Any, ...]] | None = None) -> MemoryBackend:
    s = dict(SETTINGS_ROWS, **(settings or {}))
    cadence_rows = [dict(zip([c.header for c in SHEET_COLUMNS[CADENCE]], r, strict=True))
                    for r in (cadence or STANDARD)]
    return MemoryBackend({
        INVOICES: table(INVOICES, invoices),
        CUSTOMERS: table(CUSTOMERS, customers if customers is not None else [CUSTOMER]),
        CADENCE: table(CADENCE, cadence_rows),
        SETTINGS: [["Setting", "Value", "Notes"]] + [[k, v, None] for k, v in s.items()],
        TEMPLATES: [["Template", "Language", "Subject", "Body"]]
        + [list(t) for t in EMAIL_TEMPLATES],
        TEAM: [["Name", "Email", "Role"]] + [list(t) for t in TEAM_ROWS],
        ACTIVITY: table(ACTIVITY, activity or []),
    })


def column(backend: MemoryBackend, sheet: str, header: str) -> list[CellValue]:
    rows = backend.sheets[sheet]
    index = [str(h) for h in rows[0]].index(header)
    return [r[index] if index < len(r) else None for r in rows[1:]]


def row_of(backend: MemoryBackend, number: str) -> dict[str, CellValue]:
    rows = backend.sheets[INVOICES]
    head = [str(h) for h in rows[0]]
    for r in rows[1:]:
        if r and r[0] == number:
            return dict(zip(head, r + [None] * (len(head) - len(r)), strict=True))
    raise KeyError(number)
