"""The workbook contract: sheet names, headers, which columns people own and which the engine owns.

Columns are found by header text, compared case- and space-insensitively (`header_key`), never by
position. Everything else in the package refers to columns through the constants defined here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum

INVOICES = "Invoices"
CUSTOMERS = "Customers"
CADENCE = "Cadence"
SETTINGS = "Settings"
TEMPLATES = "Templates"
TEAM = "Team"
ACTIVITY = "Activity"
AGING = "Aging"
REVIEW = "Review"


class Kind(Enum):
    """How a column's cells are read."""

    TEXT = "text"
    DATE = "date"
    MONEY = "money"
    INT = "int"
    FLAG = "flag"  # Y/N


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    engine: bool = False
    width: int = 14


def header_key(text: object) -> str:
    """`Invoice #`, `invoice  #` and ` INVOICE#` all name the same column."""
    return re.sub(r"\s+", "", str(text or "")).casefold()


T, D, M, N, F = Kind.TEXT, Kind.DATE, Kind.MONEY, Kind.INT, Kind.FLAG

INVOICE_COLUMNS: tuple[Column, ...] = (
    Column("Invoice #", T, required=True, width=12),
    Column("Customer", T, required=True, width=22),
    Column("Invoice Date", D, required=True, width=12),
    Column("Due Date", D, width=12),
    Column("Amount", M, width=12),
    Column("Currency", T, width=9),
    Column("Amount Paid", M, width=12),
    Column("Paid On", D, width=12),
    Column("PO Number", T, width=12),
    Column("Billing Contact", T, width=16),
    Column("Billing Email", T, width=24),
    Column("Owner", T, width=14),
    Column("Sent On", D, width=12),
    Column("Reason", T, width=20),
    Column("Dispute", T, width=20),
    Column("Resolver", T, width=14),
    Column("Dispute Due", D, width=12),
    Column("Expected Payment", D, width=12),
    Column("Promised Date", D, width=12),
    Column("Plan", D, width=12),
    Column("Hold", F, width=7),
    Column("Closed As", T, width=12),
    Column("Last Response", D, width=12),
    Column("Notes", T, width=28),
    # Engine columns: every sync writes these and nothing else on this sheet.
    Column("Status", T, engine=True, width=14),
    Column("Status Since", D, engine=True, width=12),
    Column("Balance", M, engine=True, width=12),
    Column("Days Overdue", N, engine=True, width=8),
    Column("Aging", T, engine=True, width=8),
    Column("Stage", T, engine=True, width=10),
    Column("Attempts", N, engine=True, width=8),
    Column("Next Action", T, engine=True, width=40),
    Column("Next Action Date", D, engine=True, width=12),
    Column("Next Action Owner", T, engine=True, width=14),
    Column("Escalation", T, engine=True, width=14),
    Column("Late Fee", M, engine=True, width=10),
    Column("Flags", T, engine=True, width=36),
    Column("Draft", T, engine=True, width=30),
)

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("Customer", T, required=True, width=22),
    Column("AP Contact", T, width=16),
    Column("AP Email", T, width=26),
    Column("CC", T, width=20),
    Column("Terms", T, width=12),
    Column("PO Required", F, width=8),
    Column("Account Owner", T, width=14),
    Column("AR Owner", T, width=14),
    Column("Cadence", T, width=11),
    Column("Language", T, width=9),
    Column("Currency", T, width=9),
    Column("New Work Requested", F, width=10),
    Column("Notes", T, width=28),
    Column("Open Balance", M, engine=True, width=13),
    Column("Overdue Balance", M, engine=True, width=13),
    Column("Oldest Overdue Days", N, engine=True, width=10),
    Column("Avg Days Late", N, engine=True, width=9),
    Column("Late Invoices (12 months)", N, engine=True, width=10),
    Column("Risk", T, engine=True, width=8),
)

CADENCE_COLUMNS: tuple[Column, ...] = (
    Column("Cadence", T, required=True, width=12),
    Column("Step", T, required=True, width=12),
    Column("Offset Days", N, required=True, width=9),
    Column("Action", T, required=True, width=10),
    Column("Template", T, width=14),
    Column("Owner Role", T, width=14),
    Column("Min Balance", T, width=16),
)

SETTINGS_COLUMNS: tuple[Column, ...] = (
    Column("Setting", T, required=True, width=30),
    Column("Value", T, required=True, width=34),
    Column("Notes", T, width=70),
)

TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column("Template", T, required=True, width=18),
    Column("Language", T, required=True, width=9),
    Column("Subject", T, required=True, width=44),
    Column("Body", T, required=True, width=90),
)

TEAM_COLUMNS: tuple[Column, ...] = (
    Column("Name", T, required=True, width=18),
    Column("Email", T, required=True, width=28),
    Column("Role", T, required=True, width=16),
)

ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("When", D, required=True, width=12),
    Column("Invoice #", T, required=True, width=12),
    Column("Customer", T, width=22),
    Column("Event", T, required=True, width=16),
    Column("Detail", T, width=70),
    Column("By", T, width=12),
)

AGING_HEADERS: tuple[str, ...] = ("Customer", "Currency")  # bucket columns follow, then Total
REVIEW_HEADERS: tuple[str, ...] = (
    "Invoice #", "Customer", "Owner", "Check", "What is wrong", "What to do", "Where",
)

SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    INVOICES: INVOICE_COLUMNS,
    CUSTOMERS: CUSTOMER_COLUMNS,
    CADENCE: CADENCE_COLUMNS,
    SETTINGS: SETTINGS_COLUMNS,
    TEMPLATES: TEMPLATE_COLUMNS,
    TEAM: TEAM_COLUMNS,
    ACTIVITY: ACTIVITY_COLUMNS,
}

# Sheets a sync reads. Aging and Review are produced, never read.
INPUT_SHEETS: tuple[str, ...] = (INVOICES, CUSTOMERS, CADENCE, SETTINGS, TEMPLATES, TEAM, ACTIVITY)


def engine_headers(sheet: str) -> tuple[str, ...]:
    return tuple(c.header for c in SHEET_COLUMNS[sheet] if c.engine)


class Status(StrEnum):
    READY = "Ready"
    BLOCKED = "Blocked"
    SENT = "Sent"
    DUE_SOON = "Due soon"
    OVERDUE = "Overdue"
    PROMISED = "Promised"
    PROMISE_BROKEN = "Promise broken"
    PAYMENT_PLAN = "Payment plan"
    DISPUTED = "Disputed"
    ON_HOLD = "On hold"
    ESCALATED = "Escalated"
    PAID = "Paid"
    WRITTEN_OFF = "Written off"
    CREDITED = "Credited"
    CANCELLED = "Cancelled"


CLOSED_AS = ("Written off", "Credited", "Cancelled")
REASONS = (
    "Administrative delay",
    "Customer process delay",
    "Documentation issue",
    "Billing dispute",
    "Cash constraint",
    "Relationship risk",
)
TERMS = ("Net 30", "Net 15", "Due on receipt", "Net 30 EOM")
ROLES = ("Billing owner", "AR owner", "Account owner", "Operations lead", "Finance lead")
OWNER_ROLES = ("AR owner", "Account owner", "Finance lead")
ACTIONS = ("Email", "Call", "Escalate")
TEMPLATE_KEYS = (
    "courtesy", "pre_due", "overdue_1", "overdue_7", "overdue_14", "promise_confirm",
    "promise_broken", "dispute_ack", "statement", "internal_escalation",
)
# Statuses whose invoices get no customer-facing reminders (SPEC §3).
PAUSED = frozenset({
    Status.DISPUTED, Status.ON_HOLD, Status.PAYMENT_PLAN, Status.PROMISED,
})
CLOSED = frozenset({Status.PAID, Status.WRITTEN_OFF, Status.CREDITED, Status.CANCELLED})
