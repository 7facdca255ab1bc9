"""Quality checks for the Review sheet (SPEC §3): what a weekly AR review should catch."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from .model import Finding
from .plan import Outcome
from .schema import CUSTOMERS, INVOICES, Status

if TYPE_CHECKING:
    from .engine import _Planner

ACTIVITY_GAP_DAYS = 14
REPEATEDLY_LATE = 3
HOLD_REVIEW_DAYS = 30


def _finding(o: Outcome, check: str, message: str, fix: str, column: str | None = None
             ) -> Finding:
    return Finding(check, message, fix, INVOICES, o.invoice.row, column,
                   invoice=o.invoice.number, customer=o.invoice.customer,
                   owner=o.next_action_owner)


def quality_findings(planner: _Planner, outcomes: list[Outcome]) -> list[Finding]:
    today = planner.today
    found: list[Finding] = []
    team_names = {member.name for member in planner.t.team.values()}  # owners are spelled so
    for o in outcomes:
        inv = o.invoice
        if o.days_overdue and not o.next_action_owner:
            found.append(_finding(o, "owner", "overdue invoice without an owner",
                                  "Set Owner, the customer's AR Owner or Default AR owner",
                                  "Owner"))
        elif o.next_action_owner and o.next_action_owner not in team_names:
            found.append(_finding(o, "owner", f'"{o.next_action_owner}" is not on the Team '
                                  "sheet", "Add the person to Team or fix the name", "Owner"))
        if o.status == Status.DISPUTED:
            for column, value in (("Reason", inv.reason), ("Resolver", inv.resolver),
                                  ("Dispute Due", inv.dispute_due)):
                if not value:
                    found.append(_finding(o, "dispute", f"dispute without {column}",
                                          f"Fill in {column}", column))
        if o.status == Status.PROMISE_BROKEN:
            found.append(_finding(o, "promise", f"promise to pay by {inv.promised_date} "
                                  "has passed", "Call the customer and record the outcome",
                                  "Promised Date"))
        if o.escalation and o.next_action_date and o.next_action_date < today \
                and o.next_action.startswith("Decide"):
            found.append(_finding(o, "escalation", "escalation is past its decision date "
                                  f"{o.next_action_date}", "Record the decision in Activity "
                                  "and act on it"))
        if o.status == Status.ON_HOLD and isinstance(o.status_since, dt.date) and \
                (today - o.status_since).days > HOLD_REVIEW_DAYS:
            found.append(_finding(o, "hold", f"on hold since {o.status_since}",
                                  "Decide whether to resume collection", "Hold"))
        if o.days_overdue and o.status in (Status.OVERDUE, Status.ESCALATED):
            since = o.last_contact or inv.sent_on
            if since is None or (today - since).days > ACTIVITY_GAP_DAYS:
                found.append(_finding(o, "activity gap", "overdue with no contact in "
                                      f"{ACTIVITY_GAP_DAYS} days", "Contact the customer and "
                                      "log it in Activity"))
        if o.late_fee:
            found.append(_finding(o, "late fee", f"late fee of {o.late_fee} {o.currency} "
                                  "proposed", "Approve and invoice it, or waive it",
                                  "Late Fee"))
    late: dict[str, Counter[str]] = {}
    for o in outcomes:
        inv = o.invoice
        paid_late = inv.paid_on is not None and o.due is not None and inv.paid_on > o.due
        if (o.days_overdue or 0) > 0 or paid_late:
            late.setdefault(inv.customer_key, Counter())[inv.reason or "no reason given"] += 1
    for key, customer in planner.t.customers.items():
        reasons = late.get(key, Counter())
        count = sum(reasons.values())
        if count >= REPEATEDLY_LATE:
            why = ", ".join(f"{r} ×{n}" for r, n in reasons.most_common())
            found.append(Finding(
                "repeatedly late", f"{count} invoices paid late or overdue ({why})",
                "Review terms, ask for a deposit or a payment plan", CUSTOMERS, customer.row,
                customer=customer.name, owner=customer.account_owner))
    return found
