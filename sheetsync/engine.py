"""The pure core: `plan(tracker, today) -> Plan`.

No clock, no files, no network: everything is recomputed from the rows each time, with the engine
columns as the only memory (Stage, Status, Escalation, Draft …) and the Activity log as history.
A second run on the same day with no edits therefore plans nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import replace

from .backends.base import CellValue
from .calendar import BusinessCalendar, check_country
from .customers import customer_columns
from .ids import slug
from .lanes import Lanes
from .model import ActivityEntry, CadenceStep, Customer, Finding, Invoice, Tracker
from .plan import CellChange, DraftRequest, Outcome, Plan
from .quality import quality_findings
from .readiness import check_readiness, terms_due_date
from .schema import CUSTOMERS, INVOICES, SETTINGS, Status
from .statements import group_statements
from .values import key_text

__all__ = ["aging_bucket", "plan", "slug"]

ENGINE_BY = "sheetsync"


def plan(tracker: Tracker, today: dt.date) -> Plan:
    # A run allocates a few dozen objects per invoice and makes no reference cycles; pausing
    # the cyclic collector stops it from rescanning the whole tracker many times over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Planner(tracker, today).run()
    finally:
        if enabled:
            gc.enable()


def aging_bucket(days_overdue: int | None, bounds: tuple[int, ...]) -> str:
    if not days_overdue or days_overdue < 1:
        return "Current"
    low = 1
    for bound in bounds:
        if days_overdue <= bound:
            return f"{low}-{bound}"
        low = bound + 1
    return f"{bounds[-1]}+"


class _Planner:
    def __init__(self, tracker: Tracker, today: dt.date) -> None:
        self.t, self.s, self.today = tracker, tracker.settings, today
        self.findings: list[Finding] = list(tracker.findings)
        problem = check_country(self.s.holiday_country)
        if problem:
            self.findings.append(Finding("settings", f"Holiday country {problem}",
                                         "Correct Holiday country", SETTINGS))
        self.calendar = BusinessCalendar("" if problem else self.s.holiday_country)
        self.history: dict[str, list[ActivityEntry]] = {}
        for entry in tracker.activity:
            self.history.setdefault(entry.invoice, []).append(entry)
        self.activity: list[dict[str, CellValue]] = []
        self._people: dict[str, str] = {}
        self._emails: dict[str, str] = {}
        self._owners: dict[tuple[str, str, str], str] = {}
        self._warned: set[str] = set()
        self.drafts: list[DraftRequest] = []
        self.changes: list[CellChange] = []
        default = tracker.cadences.get("standard")
        self.default_cadence = default if default is not None else next(
            iter(tracker.cadences.values()), [])

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> Plan:
        rows_by_key: dict[str, list[int]] = {}
        for inv in self.t.invoices:
            rows_by_key.setdefault(inv.key[0], []).append(inv.row)
        outcomes = [self._basics(inv, rows_by_key[inv.key[0]]) for inv in self.t.invoices]
        lanes = Lanes(self, outcomes)
        for outcome in outcomes:
            lanes.decide(outcome)
        if self.s.group_emails:
            group_statements(self)
        for outcome in outcomes:
            self._diff(INVOICES, outcome.invoice.key, outcome.invoice.row,
                       outcome.invoice.prev, outcome.engine_values(), outcome.why)
        for customer, values in customer_columns(self, outcomes):
            self._diff(CUSTOMERS, (key_text(customer.name), 0), customer.row, customer.prev,
                       values, [])
        self.findings.extend(quality_findings(self, outcomes))
        return Plan(self.today, outcomes, self.changes, self.activity, self.drafts,
                    self.findings)

    def _basics(self, inv: Invoice, same_key_rows: list[int]) -> Outcome:
        customer = self.t.customers.get(inv.customer_key) if inv.customer else None
        terms = (customer.terms if customer else "") or self.s.default_terms
        currency = inv.currency or (customer.currency if customer else "") \
            or self.s.default_currency
        by_terms = terms_due_date(terms, inv.invoice_date) if inv.invoice_date else None
        due = inv.due_date or by_terms
        balance = None if inv.amount is None else inv.amount - (inv.amount_paid or 0)
        duplicate_of = None
        if inv.key[0] and len(same_key_rows) > 1:
            duplicate_of = next(r for r in same_key_rows if r != inv.row)
        problems = [replace(p, customer=inv.customer) if not p.customer else p
                    for p in inv.problems] if inv.problems else []
        problems += check_readiness(inv, customer, terms, by_terms, currency, duplicate_of)
        days = None
        if due is not None and balance is not None and balance > 0 and inv.sent_on is not None:
            days = (self.today - due).days if self.today > due else None
        open_ = balance is not None and balance > 0
        outcome = Outcome(
            invoice=inv, customer=customer, currency=currency, due=due, balance=balance,
            days_overdue=days, aging=aging_bucket(days, self.s.aging_buckets) if open_ else None,
            status=Status.SENT, blocked=any(p.blocks for p in problems),
            flags=[p.message for p in problems],
        )
        self.findings.extend(problems)
        return outcome

    # -- helpers the lanes use ----------------------------------------------------------------

    def business(self, day: dt.date, days: int = 0) -> dt.date:
        return self.calendar.add(day, days)

    def person(self, name: str) -> str:
        """The Team spelling of a name (the name as typed when not on Team)."""
        spelled = self._people.get(name)
        if spelled is None:
            member = self.t.team.get(key_text(name))
            spelled = self._people[name] = member.name if member else name
        return spelled

    def email_of(self, name: str) -> str:
        email = self._emails.get(name)
        if email is None:
            member = self.t.team.get(key_text(name))
            email = self._emails[name] = member.email if member else ""
        return email

    def role_owner(self, role: str, outcome: Outcome) -> str:
        """The person who holds `role` (AR owner, Account owner, Finance lead) for an invoice:
        the invoice's Owner, else the customer's, else the Settings default."""
        c = outcome.customer
        key = (role, outcome.invoice.owner, c.name if c else "")
        found = self._owners.get(key)
        if found is None:
            ar = outcome.invoice.owner or (c.ar_owner if c else "") or self.s.default_ar_owner
            r = role.casefold()
            if r == "account owner":
                found = self.person((c.account_owner if c else "") or ar)
            elif r == "finance lead":
                found = self.person(self.s.finance_lead or ar)
            else:
                found = self.person(ar)
            self._owners[key] = found
        return found

    def cadence_of(self, customer: Customer | None) -> list[CadenceStep]:
        if customer and customer.cadence:
            steps = self.t.cadences.get(key_text(customer.cadence))
            if steps is not None:
                return steps
            if customer.name not in self._warned:
                self._warned.add(customer.name)
                self.findings.append(Finding(
                    "cadence", f'Cadence "{customer.cadence}" is not on the Cadence sheet; '
                    "the Standard cadence is used", "Fix the name or add the cadence",
                    CUSTOMERS, customer.row, "Cadence", customer=customer.name))
        return self.default_cadence

    def log(self, outcome: Outcome, event: str, detail: str) -> None:
        self.activity.append({
            "When": self.today, "Invoice #": outcome.invoice.number,
            "Customer": outcome.invoice.customer, "Event": event, "Detail": detail,
            "By": ENGINE_BY,
        })

    def add_draft(self, draft: DraftRequest) -> None:
        self.drafts.append(draft)

    # -- writing only what changed ------------------------------------------------------------

    def _diff(self, sheet: str, key: tuple[str, int], row: int, prev: dict[str, CellValue],
              new: dict[str, CellValue], why: list[str]) -> None:
        rule = why[0] if why else "recomputed"
        append = self.changes.append  # the hot loop of a first sync: ~9 changes per invoice
        make = tuple.__new__  # what CellChange(...) does, minus a Python-level call
        for column, value in new.items():
            old = prev.get(column)
            # Decimal, int and float compare by value, so a Balance read back as a float
            # equals the Decimal we computed; blank and None are the same cell.
            if old != value and not ((old is None or old == "") and (value is None
                                                                     or value == "")):
                append(make(CellChange, (sheet, key, row, column, old, value, rule)))

