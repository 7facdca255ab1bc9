"""Billing readiness (SPEC §3): can this invoice be sent and chased? Each problem is a Finding
that blocks drafts for the invoice and shows in Flags and on the Review sheet."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from babel.numbers import list_currencies

from .model import Customer, Finding, Invoice
from .schema import INVOICES

_NOTHING: frozenset[str | None] = frozenset()
_NET = re.compile(r"^net\s*(\d{1,3})(\s*eom)?$")


def terms_due_date(terms: str, invoice_date: dt.date) -> dt.date | None:
    """`Net 30`, `Net 15`, `Due on receipt`, `Net 30 EOM` (30 days after the end of the
    invoice's month). None when the terms cannot be read."""
    rule = _terms_rule(terms)
    if rule is None:
        return None
    days, end_of_month = rule
    if end_of_month:
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + dt.timedelta(days=days)
    return invoice_date + dt.timedelta(days=days)


@lru_cache(maxsize=64)
def _terms_rule(terms: str) -> tuple[int, bool] | None:
    """(days, counted from the end of the month) for a Terms text, None when unreadable."""
    t = " ".join(terms.casefold().split())
    if t in ("due on receipt", "on receipt", "cod", "net 0"):
        return 0, False
    m = _NET.match(t)
    return (int(m[1]), bool(m[2])) if m else None


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _finding(inv: Invoice, message: str, fix: str, column: str | None) -> Finding:
    return Finding("readiness", message, fix, INVOICES, inv.row, column, invoice=inv.number,
                   customer=inv.customer, blocks=True)


def check_readiness(inv: Invoice, customer: Customer | None, terms: str,
                    by_terms: dt.date | None, currency: str,
                    duplicate_of: int | None) -> list[Finding]:
    """Problems that stop this invoice from being sent or chased (beyond unreadable cells,
    which `parse` already recorded). `by_terms` is the due date the terms give."""
    found: list[Finding] = []
    unreadable = {p.column for p in inv.problems} if inv.problems else _NOTHING
    if not (inv.number and inv.customer and inv.invoice_date and inv.amount is not None):
        for column, value in (("Invoice #", inv.number), ("Customer", inv.customer),
                              ("Invoice Date", inv.invoice_date), ("Amount", inv.amount)):
            if (value is None or value == "") and column not in unreadable:
                found.append(_finding(inv, f"{column} is blank", f"Fill in {column}", column))
    if duplicate_of is not None:
        found.append(_finding(inv, f'Invoice # "{inv.number}" is also on row {duplicate_of}',
                              "Give each invoice its own number", "Invoice #"))
    if inv.customer and customer is None:
        found.append(_finding(inv, f'customer "{inv.customer}" is not on the Customers sheet',
                              "Add the customer to Customers or fix the spelling", "Customer"))
    if inv.amount is not None and inv.amount == 0:
        found.append(_finding(inv, "Amount is 0", "Enter the invoice total", "Amount"))
    if customer is not None:
        if "Billing Email" not in unreadable and not (inv.billing_emails or customer.ap_emails):
            found.append(_finding(
                inv, "no valid billing email",
                "Fill in Billing Email or the customer's AP Email", "Billing Email"))
        if customer.po_required and not inv.po_number:
            found.append(_finding(inv, "PO Number is missing and the customer requires one",
                                  "Ask the customer for the PO and fill in PO Number",
                                  "PO Number"))
    if currency and currency not in known_currencies():
        found.append(_finding(inv, f'currency "{currency}" is not an ISO 4217 code',
                              "Use a code such as USD, EUR or GBP", "Currency"))
    if inv.invoice_date and terms:
        expected = by_terms
        if expected is None:
            found.append(_finding(inv, f'terms "{terms}" cannot be read',
                                  "Use Net 30, Net 15, Due on receipt or Net 30 EOM", None))
        elif inv.due_date and inv.due_date != expected:
            found.append(_finding(
                inv, f"Due Date {inv.due_date.isoformat()} does not match terms {terms} "
                f"({expected.isoformat()})", "Correct the Due Date or the customer's Terms",
                "Due Date"))
    if inv.due_date and inv.invoice_date and inv.due_date < inv.invoice_date:
        found.append(_finding(inv, "Due Date is before Invoice Date", "Correct the dates",
                              "Due Date"))
    return found
