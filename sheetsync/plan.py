"""What a sync decided, before anything is written: the result of `engine.plan`.

Every change names the rule that made it, so `--dry-run` and `explain` can say why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from .backends.base import Append, CellValue, Changes, KeyedUpdate, Replace, RowKey
from .model import Customer, Finding, Invoice
from .schema import ACTIVITY, CUSTOMERS, INVOICES, Status, engine_headers


class CellChange(NamedTuple):
    """One engine cell to write (a NamedTuple: a first sync makes ~10 per invoice)."""

    sheet: str
    key: RowKey
    row: int
    column: str
    old: CellValue
    new: CellValue
    rule: str


@dataclass(slots=True)
class Outcome:
    """The engine's view of one invoice for today: every engine column plus the why."""

    invoice: Invoice
    customer: Customer | None
    currency: str
    due: dt.date | None
    balance: Decimal | None
    days_overdue: int | None
    aging: str | None
    status: Status
    status_since: dt.date | None = None
    stage: str = ""
    attempts: int = 0
    next_action: str = ""
    next_action_date: dt.date | None = None
    next_action_owner: str = ""
    escalation: str = ""
    escalation_reason: str = ""
    late_fee: Decimal | None = None
    flags: list[str] = field(default_factory=list)
    draft: str = ""
    blocked: bool = False  # readiness problems stop drafts
    last_contact: dt.date | None = None  # latest customer-facing contact or response
    why: list[str] = field(default_factory=list)  # plain sentences for `explain`

    def engine_values(self) -> dict[str, CellValue]:
        return {
            "Status": self.status.value,
            "Status Since": self.status_since,
            "Balance": self.balance,
            "Days Overdue": self.days_overdue,
            "Aging": self.aging,
            "Stage": self.stage or None,
            "Attempts": self.attempts,
            "Next Action": self.next_action or None,
            "Next Action Date": self.next_action_date,
            "Next Action Owner": self.next_action_owner or None,
            "Escalation": self.escalation or None,
            "Late Fee": self.late_fee,
            "Flags": "; ".join(self.flags) or None,
            "Draft": self.draft or None,
        }


@dataclass(frozen=True, slots=True)
class DraftRequest:
    """An email to draft. Rendering (templates, Babel) happens outside the pure core.

    Attributes:
        draft_id: stable name from invoice and step; the outbox file name and Message-ID local
            part, so a re-run after a crash finds the draft it already made.
        template: key in the Templates sheet; language: the customer's language.
        outcomes: the invoices it is about (several for a statement).
        to, cc: addresses, only ever taken from the workbook.
        internal: True for internal_escalation (to a colleague, not the customer).
        reply_to_draft: the draft id of the previous customer-facing message of the thread.
        extra: template variables beyond invoice/customer/company (escalation, recipient).
        rule: which rule asked for it.
    """

    draft_id: str
    template: str
    language: str
    outcomes: tuple[Outcome, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    internal: bool
    reply_to_draft: str
    extra: dict[str, dict[str, str]]
    rule: str


@dataclass(slots=True)
class Plan:
    today: dt.date
    outcomes: list[Outcome]
    changes: list[CellChange]
    activity: list[dict[str, CellValue]]
    drafts: list[DraftRequest]
    findings: list[Finding]

    def to_changes(self, draft_names: dict[str, str] | None = None) -> Changes:
        """The backend writes. `draft_names` maps draft ids to what the sink called them
        (a Gmail draft id); the outbox keeps the draft id as the name."""
        rows: dict[str, dict[RowKey, dict[str, CellValue]]] = {INVOICES: {}, CUSTOMERS: {}}
        for change in self.changes:
            new = change.new
            if change.column == "Draft" and draft_names and isinstance(new, str):
                new = draft_names.get(new, new)
            rows[change.sheet].setdefault(change.key, {})[change.column] = new
        keyed = [KeyedUpdate(INVOICES, "Invoice #", engine_headers(INVOICES), rows[INVOICES])]
        if rows[CUSTOMERS]:
            keyed.append(
                KeyedUpdate(CUSTOMERS, "Customer", engine_headers(CUSTOMERS), rows[CUSTOMERS]))
        appends = [Append(ACTIVITY, self.activity)] if self.activity else []
        return Changes(keyed=keyed, appends=appends, replaces=list[Replace]())
