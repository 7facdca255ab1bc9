"""The tracker as immutable values: what `parse` builds from raw cells and `engine.plan` reads.

Nothing here imports a backend, a clock or the file system.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .backends.base import CellValue, RowKey
from .settings import Settings


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in the workbook: errors are data (a readiness or quality check).

    Attributes:
        check: short name of the check, e.g. `readiness`, `dispute`, `activity gap`.
        message: what is wrong, in plain words.
        fix: what a person should do.
        sheet, row, column: where to look.
        invoice, customer, owner: who it concerns.
        blocks: True when it stops drafts for the invoice (billing readiness).
    """

    check: str
    message: str
    fix: str
    sheet: str
    row: int | None = None
    column: str | None = None
    invoice: str = ""
    customer: str = ""
    owner: str = ""
    blocks: bool = False

    @property
    def where(self) -> str:
        if self.row is None:
            return self.sheet
        return f"{self.sheet} row {self.row}" + (f", {self.column}" if self.column else "")


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    email: str
    role: str
    row: int


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    row: int
    ap_contact: str
    ap_emails: tuple[str, ...]
    cc: tuple[str, ...]
    terms: str
    po_required: bool
    account_owner: str
    ar_owner: str
    cadence: str
    language: str
    currency: str
    new_work: bool
    problems: tuple[Finding, ...] = ()
    prev: dict[str, CellValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CadenceStep:
    cadence: str
    name: str
    offset: int
    action: str  # Email, Call, Escalate
    template: str
    owner_role: str
    min_balance: Decimal | None
    row: int


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    language: str
    subject: str
    body: str
    row: int


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    when: dt.date | None
    invoice: str  # key text
    event: str
    detail: str
    by: str


@dataclass(slots=True)
class Invoice:
    """One Invoices row, each human column read into its type (None when blank or unreadable;
    unreadable cells are in `problems`). `prev` holds the engine columns as last written."""

    row: int
    key: RowKey
    number: str
    customer: str
    customer_key: str  # key_text(customer), computed once
    invoice_date: dt.date | None
    due_date: dt.date | None
    amount: Decimal | None
    currency: str
    amount_paid: Decimal | None
    paid_on: dt.date | None
    po_number: str
    billing_contact: str
    billing_emails: tuple[str, ...]
    owner: str
    sent_on: dt.date | None
    reason: str
    dispute: str
    resolver: str
    dispute_due: dt.date | None
    expected_payment: dt.date | None
    promised_date: dt.date | None
    plan: str
    plan_date: dt.date | None
    hold: bool
    closed_as: str
    last_response: dt.date | None
    problems: list[Finding]
    prev: dict[str, CellValue]


@dataclass(slots=True)
class Tracker:
    settings: Settings
    invoices: list[Invoice]
    customers: dict[str, Customer]  # by key_text(name)
    cadences: dict[str, list[CadenceStep]]  # by key_text(cadence), steps sorted by offset
    templates: dict[tuple[str, str], Template]  # (key, language)
    team: dict[str, TeamMember]  # by key_text(name)
    activity: list[ActivityEntry]
    findings: list[Finding] = field(default_factory=list)  # problems outside any invoice row
    date1904: bool = False
