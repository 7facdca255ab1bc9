"""Next Action, Next Action Date and Next Action Owner: one plain sentence, a business day and a
person for what happens next. Dates are anchored on stable facts (due date, Status Since, the
escalation day) so that the same tracker on the same day always gives the same answer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .model import CadenceStep
from .plan import Outcome
from .schema import CLOSED, Status

if TYPE_CHECKING:
    from .lanes import Lanes

Action = tuple[str, dt.date | None, str]


def next_action(lanes: Lanes, o: Outcome, lane: Status | str, pending: CadenceStep | None,
                call_step: CadenceStep | None, escalated_since: dt.date | None) -> Action:
    p, s, inv = lanes.p, lanes.s, o.invoice
    since = o.status_since or lanes.today
    if o.status in CLOSED:
        if o.status == Status.PAID and o.balance is not None and o.balance < 0:
            return ("Apply this credit note to an open invoice of the customer",
                    p.business(since), p.role_owner("AR owner", o))
        return "", None, ""
    ar_owner = p.role_owner("AR owner", o)
    if o.status == Status.BLOCKED:
        first = o.flags[0] if o.flags else "fix the invoice row"
        return f"Fix before sending: {first}", p.business(since), ar_owner
    if o.status == Status.READY:
        to = ", ".join(inv.billing_emails or (o.customer.ap_emails if o.customer else ()))
        return f"Send invoice {inv.number} to {to}", p.business(since), ar_owner
    if o.days_overdue and o.days_overdue >= s.write_off_review_days and lane not in (
            Status.DISPUTED, Status.PAYMENT_PLAN, Status.PROMISED):
        review_day = o.due + dt.timedelta(days=s.write_off_review_days) if o.due else since
        return (f"Review for write-off ({o.days_overdue} days overdue)",
                p.business(review_day), p.role_owner("Finance lead", o))
    if o.escalation and escalated_since is not None:
        person = p.role_owner("Account owner" if o.escalation == "Account owner"
                              else "Finance lead", o)
        return (f"Decide with {person}: continue service, pause work, adjust terms or offer "
                f"a payment plan ({o.escalation_reason})",
                p.business(escalated_since, s.escalation_decision_days), person)
    if o.status == Status.DISPUTED:
        deadline = lanes._dispute_deadline(o)
        ack_by = p.business(since, s.dispute_ack_days)
        if lanes.today <= ack_by and o.draft and "-dispute_ack-" in o.draft:
            return (f"Send the dispute acknowledgement by {ack_by}, then resolve: "
                    f"{inv.dispute[:200]}", ack_by, ar_owner)
        owner = p.person(inv.resolver) if inv.resolver else ar_owner
        return f"Resolve dispute: {inv.dispute[:200]}", p.business(deadline), owner
    if o.status == Status.ON_HOLD:
        return ("On hold: decide whether to resume collection",
                p.business(since + dt.timedelta(days=30)), ar_owner)
    if o.status == Status.PAYMENT_PLAN:
        day = inv.plan_date or since
        return f"Confirm the instalment due {day.isoformat()}", p.business(day), ar_owner
    if o.status == Status.PROMISED and inv.promised_date is not None:
        return (f"Check that the payment promised for {inv.promised_date.isoformat()} arrived",
                p.business(inv.promised_date + dt.timedelta(days=1)), ar_owner)
    if o.due is None:
        return "", None, ar_owner
    if call_step is not None and (pending is None or pending.offset > call_step.offset):
        contact = lanes._contact(o)
        return (f"Call {contact} about invoice {inv.number} ({call_step.name})",
                p.business(o.due + dt.timedelta(days=call_step.offset)),
                p.role_owner(call_step.owner_role, o))
    if pending is not None:
        day = p.business(o.due + dt.timedelta(days=pending.offset))
        owner = p.role_owner(pending.owner_role, o)
        if pending.action == "Email":
            return f"Send the {pending.name} reminder ({pending.template})", day, owner
        if pending.action == "Call":
            return (f"Call {lanes._contact(o)} about invoice {inv.number} ({pending.name})",
                    day, owner)
        return f"Escalate to the {pending.owner_role.lower()} ({owner})", day, owner
    last = max((step.offset for step in p.cadence_of(o.customer)), default=0)
    return ("Follow up personally: every reminder step is done",
            p.business(o.due + dt.timedelta(days=last + 7)), ar_owner)
