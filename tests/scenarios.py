"""Golden scenarios: a tracker, edits made by people between days, and what each day's sync
must produce (engine columns, Activity events, drafts). Expectations are written by hand from
SPEC §3, never captured from the code."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from builders import CUSTOMER, invoice

DAY = dt.timedelta(days=1)
MON = dt.date(2026, 11, 30)  # a Monday; scenarios count days from here


@dataclass
class Day:
    """One sync. `edits` are applied by a person before it: {invoice: {column: value}}."""

    offset: int
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)
    expect: dict[str, dict[str, Any]] = field(default_factory=dict)  # invoice -> columns
    drafts: set[str] = field(default_factory=set)     # draft ids made that day, exactly
    events: list[tuple[str, str]] | None = None  # (invoice, event) in order; None: unchecked

    @property
    def date(self) -> dt.date:
        return MON + self.offset * DAY


@dataclass
class Scenario:
    name: str
    invoices: list[dict[str, Any]]
    days: list[Day]
    customers: list[dict[str, Any]] = field(default_factory=lambda: [CUSTOMER])
    settings: dict[str, Any] = field(default_factory=dict)


def at(offset: int) -> dt.date:
    return MON + offset * DAY


def anchored(invoice_number: str, template: str, anchor: str) -> str:
    """The documented draft id of a lane draft: a new dispute or promise gets a new draft."""
    return f"{invoice_number}-{template}-{hashlib.sha1(anchor.encode()).hexdigest()[:8]}"


SCENARIOS = [
    Scenario("cadence without a burst after a gap", [invoice(due=at(-9))], [
        Day(0, expect={"INV-1": {"Status": "Overdue", "Stage": "Day 7", "Days Overdue": 9,
                                 "Aging": "1-15", "Attempts": 1,
                                 "Next Action": "Send the Day 14 reminder (overdue_14)",
                                 "Next Action Date": at(7)}},  # Saturday → Monday
            drafts={"INV-1-overdue_7"},
            events=[("INV-1", "Email drafted"), ("INV-1", "Status changed")]),
        Day(0, drafts=set(), events=[]),  # the same day again: nothing
        Day(1, expect={"INV-1": {"Days Overdue": 10, "Stage": "Day 7"}}, drafts=set()),
        Day(5, expect={"INV-1": {"Stage": "Day 14 call", "Attempts": 2}},
            drafts={"INV-1-overdue_14"},
            events=[("INV-1", "Step skipped"), ("INV-1", "Email drafted")]),
    ]),
    Scenario("pre-due reminder then day 1", [invoice(due=at(4))], [
        Day(0, expect={"INV-1": {"Status": "Sent", "Stage": None,
                                 "Next Action": "Send the Pre-due reminder (pre_due)",
                                 "Next Action Date": at(1)}},
            drafts=set(), events=[("INV-1", "Status changed")]),
        Day(1, expect={"INV-1": {"Status": "Due soon", "Stage": "Pre-due"}},
            drafts={"INV-1-pre_due"}, events=[("INV-1", "Email drafted"),
                                              ("INV-1", "Status changed")]),
        Day(4, expect={"INV-1": {"Status": "Due soon", "Days Overdue": None}}, drafts=set()),
        Day(5, expect={"INV-1": {"Status": "Overdue", "Stage": "Day 1", "Days Overdue": 1,
                                 "Attempts": 2}},
            drafts={"INV-1-overdue_1"}),
    ]),
    Scenario("dispute pauses reminders and resumes without a burst",
             [invoice(due=at(-2), Stage="Day 1")], [
        Day(0, expect={"INV-1": {"Status": "Overdue"}}, drafts=set()),
        Day(1, edits={"INV-1": {"Dispute": "hours billed twice", "Reason": "Billing dispute",
                                "Resolver": "Ben Ode", "Dispute Due": at(8)}},
            expect={"INV-1": {"Status": "Disputed", "Next Action Owner": "Ana Reyes",
                              "Next Action": f"Send the dispute acknowledgement by {at(2)}, "
                              "then resolve: hours billed twice",
                              "Next Action Date": at(2), "Flags": None}},
            drafts={anchored("INV-1", "dispute_ack", "hours billed twice")},
            events=[("INV-1", "Email drafted"), ("INV-1", "Status changed")]),
        Day(6, expect={"INV-1": {"Status": "Disputed", "Stage": "Day 1",
                                 "Next Action": "Resolve dispute: hours billed twice",
                                 "Next Action Owner": "Ben Ode", "Next Action Date": at(8)}},
            drafts=set()),
        Day(7, edits={"INV-1": {"Dispute": None}},
            expect={"INV-1": {"Status": "Overdue", "Stage": "Day 7", "Days Overdue": 9}},
            drafts={"INV-1-overdue_7"}),
    ]),
    Scenario("kept promise", [invoice(due=at(-5), Stage="Day 1")], [
        Day(0, edits={"INV-1": {"Promised Date": at(3)}},
            expect={"INV-1": {"Status": "Promised", "Next Action Date": at(4)}},
            drafts={anchored("INV-1", "promise_confirm", str(at(3)))}),
        Day(3, expect={"INV-1": {"Status": "Promised"}}, drafts=set()),
        Day(4, edits={"INV-1": {"Amount Paid": 1000, "Paid On": at(3)}},
            expect={"INV-1": {"Status": "Paid", "Balance": 0, "Days Overdue": None,
                              "Next Action": None, "Aging": None}},
            drafts=set(), events=[("INV-1", "Payment received"), ("INV-1", "Status changed")]),
    ]),
    Scenario("broken promise escalates once", [invoice(due=at(-5), Stage="Day 1")], [
        Day(0, edits={"INV-1": {"Promised Date": at(1)}}, drafts={
            anchored("INV-1", "promise_confirm", str(at(1)))}),
        Day(2, expect={"INV-1": {"Status": "Promise broken", "Escalation": "Account owner",
                                 "Next Action Owner": "Ben Ode"}},
            drafts={anchored("INV-1", "promise_broken", str(at(1))), "INV-1-escalation-account"},
            events=[("INV-1", "Email drafted"), ("INV-1", "Status changed"),
                    ("INV-1", "Escalated"), ("INV-1", "Escalation drafted")]),
        Day(3, expect={"INV-1": {"Status": "Promise broken"}}, drafts=set()),
    ]),
    Scenario("hold stops all automation", [invoice(due=at(-3), Hold="Y")], [
        Day(0, expect={"INV-1": {"Status": "On hold", "Stage": None,
                                 "Next Action Date": at(30)}}, drafts=set()),
        Day(20, expect={"INV-1": {"Status": "On hold", "Days Overdue": 23}}, drafts=set()),
        Day(21, edits={"INV-1": {"Hold": None}},
            expect={"INV-1": {"Status": "Escalated", "Stage": "Day 21"}},
            drafts={"INV-1-escalation-account"}),
    ]),
    Scenario("payment plan", [invoice(due=at(-10), Plan=at(5))], [
        Day(0, expect={"INV-1": {"Status": "Payment plan",
                                 "Next Action": f"Confirm the instalment due {at(5)}",
                                 "Next Action Date": at(7)}}, drafts=set()),  # Sat → Mon
        Day(5, drafts=set()),
    ]),
    Scenario("partial payment keeps its lifecycle", [invoice(due=at(-1), **{"Amount Paid": 400})], [
        Day(0, expect={"INV-1": {"Status": "Overdue", "Balance": 600,
                                 "Flags": "partial payment"}}, drafts={"INV-1-overdue_1"}),
    ]),
    Scenario("missing PO blocks, then the invoice goes out with a courtesy note",
             [invoice(due=at(30), sent=None, **{"Sent On": None, "PO Number": None,
                                                "Invoice Date": at(0)})], [
        Day(0, expect={"INV-1": {"Status": "Blocked", "Flags":
                                 "PO Number is missing and the customer requires one"}},
            drafts=set()),
        Day(1, edits={"INV-1": {"PO Number": "PO-77"}},
            expect={"INV-1": {"Status": "Ready", "Flags": None,
                              "Next Action": "Send invoice INV-1 to ap@globex.example"}},
            drafts=set()),
        Day(2, edits={"INV-1": {"Sent On": at(2)}},
            expect={"INV-1": {"Status": "Sent", "Stage": "Courtesy", "Attempts": 1}},
            drafts={"INV-1-courtesy"}),
        Day(3, drafts=set()),
    ], customers=[dict(CUSTOMER, **{"PO Required": "Y"})]),
    Scenario("large balance escalates to leadership on day 1",
             [invoice(due=at(-1), amount=12000)], [
        Day(0, expect={"INV-1": {"Status": "Escalated", "Escalation": "Leadership",
                                 "Next Action Owner": "Fay Lind", "Next Action Date": at(2)}},
            drafts={"INV-1-overdue_1", "INV-1-escalation-leadership"}),
        Day(1, expect={"INV-1": {"Next Action Date": at(2)}}, drafts=set()),
        Day(6, edits={"INV-1": {"Amount Paid": 12000}},
            expect={"INV-1": {"Status": "Paid", "Escalation": None}}, drafts=set(),
            events=[("INV-1", "Payment received"), ("INV-1", "Status changed"),
                    ("INV-1", "Escalation cleared")]),
    ]),
    Scenario("closed as written off", [invoice(due=at(-200), Stage="Day 30",
                                                Escalation="Leadership")], [
        Day(0, expect={"INV-1": {"Next Action": "Review for write-off (200 days overdue)"}}),
        Day(1, edits={"INV-1": {"Closed As": "Written off"}},
            expect={"INV-1": {"Status": "Written off", "Next Action": None,
                              "Escalation": None, "Days Overdue": None}},
            drafts=set()),
    ]),
    Scenario("second broken promise goes to leadership", [invoice(due=at(-5), Stage="Day 1")], [
        Day(0, edits={"INV-1": {"Promised Date": at(1)}},
            drafts={anchored("INV-1", "promise_confirm", str(at(1)))}),
        Day(2, expect={"INV-1": {"Status": "Promise broken", "Escalation": "Account owner"}},
            drafts={anchored("INV-1", "promise_broken", str(at(1))),
                    "INV-1-escalation-account"}),
        Day(3, edits={"INV-1": {"Promised Date": at(7)}},
            expect={"INV-1": {"Status": "Promised", "Escalation": None}},
            drafts={anchored("INV-1", "promise_confirm", str(at(7)))}),
        Day(7, edits={"INV-1": {"Amount Paid": 300}},  # part-paid on the day: not kept
            expect={"INV-1": {"Status": "Promised", "Balance": 700}}, drafts=set(),
            events=[("INV-1", "Payment received")]),
        Day(8, expect={"INV-1": {"Status": "Promise broken", "Escalation": "Leadership",
                                 "Next Action Owner": "Fay Lind"}},
            drafts={anchored("INV-1", "promise_broken", str(at(7))),
                    "INV-1-escalation-leadership"}),
    ]),
    Scenario("stalled dispute escalates to the finance lead", [invoice(due=at(-3))], [
        Day(0, edits={"INV-1": {"Dispute": "rate", "Reason": "Billing dispute",
                                "Resolver": "Ben Ode"}},
            expect={"INV-1": {"Status": "Disputed", "Next Action Date": at(1),  # acknowledge first
                              "Flags": "Dispute Due is blank: deadline set to "
                              f"{at(7)}"}},
            drafts={anchored("INV-1", "dispute_ack", "rate")}),
        Day(7, expect={"INV-1": {"Escalation": None, "Next Action Date": at(7)}},
            drafts=set()),
        Day(8, expect={"INV-1": {"Status": "Disputed", "Escalation": "Leadership",
                                 "Next Action Owner": "Fay Lind"}},
            drafts={"INV-1-escalation-leadership"}),
        Day(9, drafts=set()),
    ]),
    Scenario("customer with several overdue invoices escalates each once",
             [invoice("A", due=at(-1)), invoice("B", due=at(1))], [
        Day(0, expect={"A": {"Status": "Overdue", "Escalation": None},
                       "B": {"Status": "Due soon"}},
            drafts={"A-overdue_1", "B-pre_due"}),
        Day(2, expect={"A": {"Status": "Escalated", "Escalation": "Account owner"},
                       "B": {"Status": "Escalated", "Escalation": "Account owner"}},
            drafts={"B-overdue_1", "A-escalation-account", "B-escalation-account"}),
        Day(3, drafts=set()),
        Day(4, edits={"A": {"Amount Paid": 1000}},
            expect={"A": {"Status": "Paid"}, "B": {"Status": "Overdue", "Escalation": None}},
            drafts=set()),
    ]),
    Scenario("statement groups a customer's reminders of the same step",
             [invoice("A", due=at(-6), Stage="Day 1"), invoice("B", due=at(-6), Stage="Day 1"),
              invoice("C", due=at(-6), Stage="Day 1", Hold="Y")], [
        Day(0, drafts=set()),
        Day(1, expect={"A": {"Stage": "Day 7"}, "B": {"Stage": "Day 7"},
                       "C": {"Stage": "Day 1", "Status": "On hold"}},
            drafts={"Globex-statement-overdue_7-"
                    + hashlib.sha1(b"A\nB").hexdigest()[:8]}),
        Day(2, drafts=set()),
    ], settings={"Group emails per customer": "Y", "Multiple overdue invoices": 9}),
    Scenario("late fee proposed after grace, never charged",
             [invoice(due=at(-40), Stage="Day 30", Escalation="Leadership")], [
        Day(0, expect={"INV-1": {"Late Fee": 20, "Balance": 1000}}),
        Day(30, expect={"INV-1": {"Late Fee": 40, "Balance": 1000}}, drafts=set()),
    ], settings={"Late fee % per month": 2, "Late fee grace days": 10}),
    Scenario("a dispute takes an invoice out of escalation, logged",
             [invoice(due=at(-25), Stage="Day 21")], [
        Day(0, expect={"INV-1": {"Status": "Escalated", "Escalation": "Account owner"}},
            drafts={"INV-1-escalation-account"}),
        Day(1, edits={"INV-1": {"Dispute": "not delivered", "Reason": "Billing dispute",
                                "Resolver": "Ben Ode", "Dispute Due": at(10)}},
            expect={"INV-1": {"Status": "Disputed", "Escalation": None,
                              "Next Action": "Send the dispute acknowledgement by "
                              f"{at(2)}, then resolve: not delivered",
                              "Next Action Date": at(2), "Next Action Owner": "Ana Reyes"}},
            drafts={anchored("INV-1", "dispute_ack", "not delivered")},
            events=[("INV-1", "Email drafted"), ("INV-1", "Status changed"),
                    ("INV-1", "Escalation cleared")]),
        Day(3, expect={"INV-1": {"Next Action": "Resolve dispute: not delivered",
                                 "Next Action Date": at(10), "Next Action Owner": "Ben Ode"}},
            drafts=set()),
    ]),
    Scenario("unresponsive customer escalates after three contacts, reset by a reply",
             [invoice(due=at(-1))], [
        Day(0, expect={"INV-1": {"Attempts": 1, "Escalation": None}},
            drafts={"INV-1-overdue_1"}),
        Day(6, expect={"INV-1": {"Attempts": 2, "Escalation": None, "Status": "Overdue"}},
            drafts={"INV-1-overdue_7"}),
        Day(13, expect={"INV-1": {"Attempts": 3, "Escalation": "Account owner",
                                  "Status": "Escalated"}},
            drafts={"INV-1-overdue_14", "INV-1-escalation-account"}),
        Day(14, edits={"INV-1": {"Last Response": at(14)}},
            expect={"INV-1": {"Attempts": 0, "Escalation": None, "Status": "Overdue"}},
            drafts=set(), events=[("INV-1", "Status changed"),
                                  ("INV-1", "Escalation cleared")]),
    ]),
]
