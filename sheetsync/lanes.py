"""Per-invoice decisions: status lane, cadence, attempts, escalation, next action, drafts.

The order follows SPEC §3: the lane is found first (closed, paid, not sent, disputed, held, on a
plan, promised), the cadence runs only in the open lane, attempts count the contacts since the
last response, escalation is evaluated most severe first, and the Next Action describes what is
pending next.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from .cadence import decide, escalation_offsets
from .ids import anchor as anchor_of
from .ids import slug
from .model import CadenceStep
from .plan import DraftRequest, Outcome
from .schema import CLOSED, CLOSED_AS, PAUSED, Status

if TYPE_CHECKING:
    from .engine import _Planner

# Activity events that count as a customer-facing contact (engine drafts and people's own rows).
CONTACT_EVENTS = frozenset({
    "email drafted", "email", "email sent", "call", "called", "call made", "letter", "visit",
    "meeting",
})
EMAIL_DRAFTED, ESCALATION_DRAFTED = "Email drafted", "Escalation drafted"
_DRAFT_IN_DETAIL = re.compile(r"\(draft ([^)]+)\)\s*$")
_RANK = {"": 0, "account owner": 1, "leadership": 2}
_LEVEL_IDS = {"Account owner": "account", "Leadership": "leadership"}  # in draft ids
_OPEN = "open"  # the lane with a running cadence: Sent, Due soon, Overdue, Escalated
COURTESY_GRACE_DAYS = 3
# Entering these lanes drafts one email to the customer.
_ENTRY_DRAFTS: dict[str, str] = {
    Status.DISPUTED: "dispute_ack", Status.PROMISED: "promise_confirm",
    Status.PROMISE_BROKEN: "promise_broken",
}


class Lanes:
    def __init__(self, planner: _Planner, outcomes: list[Outcome]) -> None:
        self.p, self.s, self.today = planner, planner.s, planner.today
        self.lane: dict[int, Status | str] = {}
        self.overdue_count: dict[str, int] = {}
        self.has_paid: set[str] = set()
        # Per-cadence lookups, computed once per run rather than once per invoice.
        self._names: dict[int, dict[str, CadenceStep]] = {}
        self._escalate_at: dict[int, tuple[int | None, int | None]] = {}
        for o in outcomes:
            lane = self._lane(o)
            self.lane[id(o)] = lane
            ckey = o.invoice.customer_key
            if lane == _OPEN and o.days_overdue:
                self.overdue_count[ckey] = self.overdue_count.get(ckey, 0) + 1
            if lane == Status.PAID and o.invoice.amount and o.invoice.amount > 0:
                self.has_paid.add(ckey)

    def _lane(self, o: Outcome) -> Status | str:
        inv = o.invoice
        if inv.closed_as:
            for value in CLOSED_AS:
                if value.casefold() == inv.closed_as.casefold():
                    return Status(value)
            o.flags.append(f'Closed As "{inv.closed_as}" is not one of {", ".join(CLOSED_AS)}')
        if o.balance is None:
            return Status.BLOCKED
        if o.balance <= 0:
            return Status.PAID
        if inv.sent_on is None or inv.sent_on > self.today:
            return Status.BLOCKED if o.blocked else Status.READY
        if inv.dispute:
            return Status.DISPUTED
        if inv.hold:
            return Status.ON_HOLD
        if inv.plan:
            return Status.PAYMENT_PLAN
        if inv.promised_date is not None:
            return Status.PROMISED if inv.promised_date >= self.today else Status.PROMISE_BROKEN
        return _OPEN

    # -- one invoice --------------------------------------------------------------------------

    def decide(self, o: Outcome) -> None:
        inv, p = o.invoice, self.p
        prev_status = str(inv.prev.get("Status") or "")
        prev_stage = str(inv.prev.get("Stage") or "")
        prev_level = str(inv.prev.get("Escalation") or "")
        o.draft = str(inv.prev.get("Draft") or "")
        lane = self.lane[id(o)]
        if lane in CLOSED:  # a closed invoice is no longer receivable, however old
            o.days_overdue = o.aging = None
        history = p.history.get(inv.key[0], [])
        steps: list[CadenceStep] = p.cadence_of(o.customer)
        if inv.amount_paid and o.balance is not None and o.balance > 0:
            o.flags.append("partial payment")
        prev_balance = inv.prev.get("Balance")
        if isinstance(prev_balance, (int, float, Decimal)) and o.balance is not None \
                and o.balance < prev_balance:
            paid = Decimal(str(prev_balance)) - o.balance
            p.log(o, "Payment received", f"{paid:,.2f} {o.currency} received; balance "
                  + ("settled" if o.balance <= 0 else f"now {o.balance:,.2f}"))
        if lane == Status.DISPUTED:
            if inv.dispute_due is None:
                o.flags.append("Dispute Due is blank: deadline set to "
                               f"{self._dispute_deadline(o).isoformat()}")
            if not inv.resolver:
                o.flags.append("dispute has no Resolver")
            if not inv.reason:
                o.flags.append("dispute has no Reason")

        # Cadence: only the open lane is chased. Paused lanes keep their Stage, so they come
        # back at the step their age calls for; a broken promise is a person's call.
        o.stage = prev_stage
        call_step: CadenceStep | None = None
        pending: CadenceStep | None = None
        drafted_today = 0
        entering = lane != _OPEN and prev_status != str(lane)
        chase = lane == _OPEN
        if o.due is not None and o.balance is not None and o.balance > 0 and lane not in (
                Status.READY, Status.BLOCKED):
            decision = decide(steps, prev_stage, o.due, self.today, o.balance,
                              chase and not o.blocked)
            if decision:
                o.stage, pending = decision.stage, decision.pending
                for step in decision.skipped:
                    p.log(o, "Step skipped", f"{step.name}: balance below Min Balance "
                          f"{step.min_balance}")
                    o.why.append(f"{step.name} was skipped: balance is below its Min Balance.")
                for step in decision.fire:
                    o.why.append(f"{step.name} fired: {step.offset:+d} days from the due date.")
                    if step.action == "Email":
                        drafted_today += self._customer_draft(o, step.template, step.name,
                                                              history)
                    elif step.action == "Call":
                        call_step = step
                        p.log(o, "Call due", f"{step.name}: call {self._contact(o)}")
        if call_step is None and o.stage:
            taken = self._steps_by_name(steps).get(o.stage.casefold())
            call_step = taken if taken and taken.action == "Call" else None

        # Courtesy note for large invoices and new customers, once, while not yet due.
        if (lane == _OPEN and not prev_stage and o.stage == "" and not o.blocked
                and not o.days_overdue and self._courtesy_due(o)):
            o.stage = "Courtesy"
            o.why.append("Courtesy note: a large invoice or a customer's first.")
            drafted_today += self._customer_draft(o, "courtesy", "Courtesy", history)

        # Lane entry drafts (dispute acknowledgement, promise confirmation, broken promise).
        template = _ENTRY_DRAFTS.get(str(lane))
        if entering and template and not o.blocked:
            anchor = inv.dispute if lane == Status.DISPUTED else str(inv.promised_date)
            drafted_today += self._customer_draft(o, template, str(lane), history, anchor)

        o.attempts = drafted_today
        contacts = [self.today] if drafted_today else []
        if history:
            o.attempts += self._attempts(history, inv.last_response)
            contacts += [e.when for e in history
                         if e.when and e.event.casefold() in CONTACT_EVENTS]
        if inv.last_response:
            contacts.append(inv.last_response)
        o.last_contact = max(contacts, default=None)
        level, reason = self._escalation(o, lane, history, steps, prev_status)
        o.escalation, o.escalation_reason = level, reason
        o.status = self._status(o, lane, level)
        o.status_since = (self.today if prev_status != o.status
                          or inv.prev.get("Status Since") is None
                          else inv.prev.get("Status Since"))  # type: ignore[assignment]
        if prev_status != o.status:
            p.log(o, "Status changed", f"{prev_status or 'new'} → {o.status}")
        since = self._escalation_change(o, prev_level, level, reason, history)
        self._late_fee(o)
        self._next_action(o, lane, pending, call_step, since)

    # -- pieces -------------------------------------------------------------------------------

    def _steps_by_name(self, steps: list[CadenceStep]) -> dict[str, CadenceStep]:
        found = self._names.get(id(steps))
        if found is None:
            found = self._names[id(steps)] = {s.name.casefold(): s for s in steps}
        return found

    def _offsets(self, steps: list[CadenceStep]) -> tuple[int | None, int | None]:
        found = self._escalate_at.get(id(steps))
        if found is None:
            found = self._escalate_at[id(steps)] = escalation_offsets(steps)
        return found

    def _courtesy_due(self, o: Outcome) -> bool:
        """On the send date; a few days' grace so a weekend without syncs does not lose it."""
        sent = o.invoice.sent_on
        if sent is None or (self.today - sent).days > COURTESY_GRACE_DAYS:
            return False
        amount = o.invoice.amount or Decimal(0)
        return amount >= self.s.courtesy_amount or o.invoice.customer_key \
            not in self.has_paid

    def _contact(self, o: Outcome) -> str:
        c = o.customer
        return o.invoice.billing_contact or (c.ap_contact if c else "") or "the customer's AP"

    def _recipients(self, o: Outcome) -> tuple[tuple[str, ...], tuple[str, ...]]:
        c = o.customer
        to = o.invoice.billing_emails or (c.ap_emails if c else ())
        return to, (c.cc if c else ())

    def _customer_draft(self, o: Outcome, template: str, step: str, history: list,  # type: ignore[type-arg]
                        anchor: str = "") -> int:
        to, cc = self._recipients(o)
        if not to or o.blocked:
            return 0
        draft_id = f"{slug(o.invoice.number)}-{template}"
        if anchor:  # a new dispute or promise gets its own draft, a re-run the same one
            draft_id += "-" + anchor_of(anchor)
        previous = next((m[1] for e in reversed(history) if e.event == EMAIL_DRAFTED
                         and (m := _DRAFT_IN_DETAIL.search(e.detail))), "")
        if not previous and o.draft and "-escalation-" not in o.draft:
            previous = o.draft.removesuffix(".eml")
        c = o.customer
        self.p.add_draft(DraftRequest(
            draft_id, template, c.language if c else "en", (o,), to, cc, False, previous, {},
            f"{step} ({template})"))
        self.p.log(o, EMAIL_DRAFTED, f"{step}: {template} to {', '.join(to)} (draft {draft_id})")
        o.draft = draft_id
        return 1

    def _attempts(self, history: list, last_response: dt.date | None) -> int:  # type: ignore[type-arg]
        return sum(1 for e in history if e.event.casefold() in CONTACT_EVENTS
                   and (last_response is None or (e.when is not None and e.when > last_response)))

    def _escalation(self, o: Outcome, lane: Status | str, history: list,  # type: ignore[type-arg]
                    steps: list[CadenceStep], prev_status: str) -> tuple[str, str]:
        s, days = self.s, o.days_overdue or 0
        if lane == Status.DISPUTED:
            deadline = self._dispute_deadline(o)
            if deadline < self.today:
                return "Leadership", f"dispute past its due date {deadline.isoformat()}"
            return "", ""
        if lane == Status.PROMISE_BROKEN:
            broken = sum(1 for e in history if e.event == "Status changed"
                         and e.detail.endswith("→ Promise broken"))
            broken += prev_status != Status.PROMISE_BROKEN.value
            if broken >= 2:
                return "Leadership", "second broken promise"
            return "Account owner", f"promise to pay by {o.invoice.promised_date} was broken"
        if lane != _OPEN or days < 1:
            return "", ""
        account_at, leadership_at = self._offsets(steps)
        balance = o.balance or Decimal(0)
        ckey = o.invoice.customer_key
        if leadership_at is not None and days >= leadership_at:
            return "Leadership", f"{days} days overdue"
        if balance >= s.escalation_amount:
            return "Leadership", f"balance {balance} is at least the Escalation amount"
        if account_at is not None and days >= account_at:
            return "Account owner", f"{days} days overdue"
        if self.overdue_count.get(ckey, 0) >= s.multiple_overdue_invoices:
            return "Account owner", f"the customer has {self.overdue_count[ckey]} overdue invoices"
        if o.attempts >= s.unresponsive_attempts:
            return "Account owner", f"{o.attempts} contacts without a response"
        if o.customer is not None and o.customer.new_work:
            return "Account owner", "new work requested while invoices are overdue"
        return "", ""

    def _dispute_deadline(self, o: Outcome) -> dt.date:
        if o.invoice.dispute_due is not None:
            return o.invoice.dispute_due
        since = o.invoice.prev.get("Status Since")
        start = since if isinstance(since, dt.date) and o.invoice.prev.get(
            "Status") == Status.DISPUTED.value else self.today
        return self.p.business(start, self.s.dispute_window_days)

    def _status(self, o: Outcome, lane: Status | str, level: str) -> Status:
        if isinstance(lane, Status):
            return lane
        if level:
            return Status.ESCALATED
        if o.days_overdue:
            return Status.OVERDUE
        if o.due is not None and 0 <= (o.due - self.today).days <= self.s.due_soon_days:
            return Status.DUE_SOON
        return Status.SENT

    def _escalation_change(self, o: Outcome, prev: str, level: str, reason: str,
                           history: list) -> dt.date | None:  # type: ignore[type-arg]
        if not level and not prev:  # most invoices, most days
            return None
        p = self.p
        if _RANK.get(level.casefold(), 0) > _RANK.get(prev.casefold(), 0):
            person = p.role_owner("Account owner" if level == "Account owner"
                                  else "Finance lead", o)
            email = p.email_of(person)
            p.log(o, "Escalated", f"{level}: {reason}")
            o.why.append(f"Escalated to {level} ({person}): {reason}.")
            if not email:
                o.flags.append(f"cannot draft the escalation: {person or 'nobody'} has no "
                               "email on Team")
            else:
                draft_id = f"{slug(o.invoice.number)}-escalation-{_LEVEL_IDS[level]}"
                decision = p.business(self.today, self.s.escalation_decision_days)
                p.add_draft(DraftRequest(
                    draft_id, "internal_escalation", "en", (o,), (email,), (), True, "",
                    {"recipient": {"name": person, "email": email}, "escalation": {
                        "level": level, "reason": reason, "decision_date": str(decision)}},
                    f"escalation to {level}"))
                p.log(o, ESCALATION_DRAFTED, f"internal_escalation to {email} "
                      f"(draft {draft_id})")
                o.draft = draft_id
            return self.today
        if _RANK.get(level.casefold(), 0) < _RANK.get(prev.casefold(), 0):
            p.log(o, "Escalation cleared" if not level else "Escalation lowered",
                  f"{prev} → {level or 'none'}")
        if not level:
            return None
        when = next((e.when for e in reversed(history) if e.event == "Escalated" and e.when),
                    None)
        since = o.invoice.prev.get("Status Since")
        return when or (since if isinstance(since, dt.date) else self.today)

    def _late_fee(self, o: Outcome) -> None:
        rate = self.s.late_fee_percent
        # No fee while a dispute, hold, plan or promise is being honoured.
        if not rate or not o.days_overdue or o.balance is None or o.status in PAUSED:
            return
        months = (o.days_overdue - self.s.late_fee_grace_days) // 30
        if months >= 1:
            o.late_fee = (o.balance * rate / 100 * months).quantize(
                Decimal("0.01"), ROUND_HALF_UP)

    def _next_action(self, o: Outcome, lane: Status | str, pending: CadenceStep | None,
                     call_step: CadenceStep | None, escalated_since: dt.date | None) -> None:
        from .next_action import next_action

        o.next_action, o.next_action_date, o.next_action_owner = next_action(
            self, o, lane, pending, call_step, escalated_since)
