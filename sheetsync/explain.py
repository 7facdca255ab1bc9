"""`sheetsync explain`: why an invoice has its status, what the cadence did and what is next,
in plain words. Built from the plan's outcome and the Activity log, so it says what the sync
itself would do."""

from __future__ import annotations

import datetime as dt

from .engine import plan as make_plan
from .errors import WorkbookError
from .model import Tracker
from .plan import Outcome, Plan
from .schema import INVOICES, PAUSED, Status
from .values import key_text

_STATUS_REASONS = {
    Status.PAID: "the balance is settled",
    Status.READY: "it has not been sent yet and nothing blocks it",
    Status.BLOCKED: "it cannot be sent or chased until the problems below are fixed",
    Status.DISPUTED: "the Dispute column is filled",
    Status.ON_HOLD: "Hold is Y",
    Status.PAYMENT_PLAN: "the Plan column is filled",
    Status.PROMISED: "the customer promised to pay and the date has not passed",
    Status.PROMISE_BROKEN: "the promised date passed without full payment",
    Status.DUE_SOON: "the due date is within the Due soon days",
    Status.SENT: "it was sent and is not yet due",
}


def explain(tracker: Tracker, today: dt.date, number: str, the_plan: Plan | None = None) -> str:
    p = the_plan or make_plan(tracker, today)
    wanted = key_text(number)
    matches = [o for o in p.outcomes if o.invoice.key[0] == wanted]
    if not matches:
        raise WorkbookError(f'no invoice "{number}"', INVOICES, None, "Invoice #")
    return "\n\n".join(_one(tracker, p, o) for o in matches)


def _status_reason(o: Outcome) -> str:
    if o.status == Status.ESCALATED:
        return f"escalated to {o.escalation}: {o.escalation_reason}"
    if o.status == Status.OVERDUE:
        return f"{o.days_overdue} days past the due date"
    return _STATUS_REASONS.get(o.status, f"Closed As is {o.status}")


def _one(tracker: Tracker, p: Plan, o: Outcome) -> str:
    inv = o.invoice
    lines = [f"{inv.number} ({inv.customer or 'no customer'}), {INVOICES} row {inv.row}"]
    since = f" since {o.status_since}" if o.status_since else ""
    lines.append(f"Status: {o.status}{since}, because {_status_reason(o)}.")
    if o.escalation and o.status != Status.ESCALATED:
        lines.append(f"Escalation: {o.escalation}, because {o.escalation_reason}.")
    if o.balance is not None:
        due = f", due {o.due}" if o.due else ""
        late = f" ({o.days_overdue} days overdue, aging {o.aging})" if o.days_overdue else ""
        lines.append(f"Balance: {o.balance:,.2f} {o.currency}{due}{late}.")
    if o.flags:
        lines.append("Flags: " + "; ".join(o.flags) + ".")
    lines.extend(_cadence(tracker, p, o))
    lines.append(f"Attempts: {o.attempts} customer contacts since the last response"
                 + (f" ({inv.last_response})." if inv.last_response else "."))
    today_events = [a for a in p.activity if key_text(a["Invoice #"]) == inv.key[0]]
    for event in today_events:
        lines.append(f"Today: {event['Event']}: {event['Detail']}")
    if o.next_action:
        lines.append(f"Next: {o.next_action}, on {o.next_action_date}, by "
                     f"{o.next_action_owner or 'nobody (set an owner)'}.")
    else:
        lines.append("Next: nothing; the invoice is closed.")
    return "\n".join(lines)


def _cadence(tracker: Tracker, p: Plan, o: Outcome) -> list[str]:
    if o.due is None or o.balance is None or o.balance <= 0:
        return []
    customer = o.customer
    name = (customer.cadence if customer and customer.cadence else "Standard")
    steps = tracker.cadences.get(key_text(name)) or next(iter(tracker.cadences.values()), [])
    if not steps:
        return []
    skipped = {e.detail.split(":")[0].casefold() for e in tracker.activity
               if e.invoice == o.invoice.key[0] and e.event == "Step skipped"}
    fired_today = {str(d.rule).split(" (")[0].casefold() for d in p.drafts
                   if o in d.outcomes}
    stage = o.stage.casefold()
    reached = True
    lines = [f"Cadence {name} (stage: {o.stage or 'none yet'}):"]
    if o.status in PAUSED:
        lines.append(f"  reminders are paused while the invoice is {o.status}.")
    for step in steps:
        day = o.due + dt.timedelta(days=step.offset)
        key = step.name.casefold()
        if key in fired_today:
            state = "taken today"
        elif key in skipped:
            state = "skipped (balance below Min Balance)"
        elif reached and stage:
            state = "passed"
        else:
            state = "pending"
            if step.min_balance is not None:
                state += f", only if the balance is at least {step.min_balance:,.2f}"
        if key == stage:
            reached = False
        lines.append(f"  {step.name:<12} {day}  {step.action:<8} {state}")
    return lines
