"""Rule tables: one small tracker per case through the pure core, checking engine columns."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import pytest
from builders import CUSTOMER, TODAY, invoice, workbook

from sheetsync.cadence import decide
from sheetsync.calendar import BusinessCalendar
from sheetsync.engine import aging_bucket, plan
from sheetsync.model import CadenceStep
from sheetsync.plan import Plan
from sheetsync.readiness import terms_due_date
from sheetsync.sync import load

DAY = dt.timedelta(days=1)


def run(invoices: list[dict[str, Any]], today: dt.date = TODAY, **kw: Any) -> Plan:
    _raw, tracker = load(workbook(invoices, **kw))
    return plan(tracker, today)


def values(p: Plan, number: str = "INV-1") -> dict[str, Any]:
    o = next(o for o in p.outcomes if o.invoice.number == number)
    return o.engine_values()


def test_the_core_imports_no_io_library() -> None:
    import subprocess

    code = ("import sys, sheetsync.engine, sheetsync.parse; "
            "print(sorted(m for m in ('openpyxl','lxml','click','xlwings','gspread') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("days", "bucket"), [
    (None, "Current"), (0, "Current"), (1, "1-15"), (15, "1-15"), (16, "16-30"), (30, "16-30"),
    (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_aging_buckets(days: int | None, bucket: str) -> None:
    assert aging_bucket(days, (15, 30, 60, 90)) == bucket


def test_custom_aging_bounds_from_settings() -> None:
    p = run([invoice(due=TODAY - 10 * DAY)], settings={"Aging buckets": "7, 14"})
    assert values(p)["Aging"] == "8-14"


@pytest.mark.parametrize(("fields", "status"), [
    ({"Closed As": "Written off", "Dispute": "x"}, "Written off"),
    ({"Closed As": "cancelled"}, "Cancelled"),
    ({"Amount Paid": 1000, "Dispute": "x"}, "Paid"),
    ({"Amount Paid": 1200}, "Paid"),
    ({"Sent On": None}, "Ready"),
    ({"Sent On": None, "PO Number": None, "Billing Email": "bad@@x"}, "Blocked"),
    ({"Sent On": TODAY + DAY}, "Ready"),
    ({"Dispute": "wrong rate", "Hold": "Y"}, "Disputed"),
    ({"Hold": "Y", "Plan": TODAY + 5 * DAY}, "On hold"),
    ({"Plan": TODAY + 5 * DAY, "Promised Date": TODAY}, "Payment plan"),
    ({"Promised Date": TODAY}, "Promised"),
    ({"Promised Date": TODAY - DAY}, "Promise broken"),
])
def test_status_precedence(fields: dict[str, Any], status: str) -> None:
    p = run([invoice(due=TODAY - 3 * DAY, **fields)])
    assert values(p)["Status"] == status


@pytest.mark.parametrize(("due_in", "status"), [(10, "Sent"), (3, "Due soon"), (0, "Due soon"),
                                                (-1, "Overdue")])
def test_open_lane_by_due_date(due_in: int, status: str) -> None:
    p = run([invoice(due=TODAY + due_in * DAY)])
    assert values(p)["Status"] == status


def test_escalation_outranks_overdue_and_names_the_reason() -> None:
    p = run([invoice(due=TODAY - 25 * DAY)])
    v = values(p)
    assert (v["Status"], v["Escalation"]) == ("Escalated", "Account owner")
    assert v["Next Action"].startswith("Decide with Ben Ode")
    assert "25 days overdue" in v["Next Action"]


@pytest.mark.parametrize(("days", "amount", "level"), [
    (2, 1000, None), (21, 1000, "Account owner"), (30, 1000, "Leadership"),
    (2, 10000, "Leadership"),
])
def test_escalation_by_age_and_amount(days: int, amount: int, level: str | None) -> None:
    assert values(run([invoice(due=TODAY - days * DAY, amount=amount)]))["Escalation"] == level


def test_escalation_by_count_of_overdue_invoices() -> None:
    p = run([invoice("A", due=TODAY - 2 * DAY), invoice("B", due=TODAY - 3 * DAY)])
    assert values(p, "A")["Escalation"] == values(p, "B")["Escalation"] == "Account owner"


def test_escalation_when_new_work_is_requested() -> None:
    p = run([invoice(due=TODAY - 2 * DAY)], customers=[dict(CUSTOMER, **{
        "New Work Requested": "Y"})])
    assert values(p)["Escalation"] == "Account owner"


def test_escalation_by_unresponsiveness_counts_contacts_since_last_response() -> None:
    contacts = [{"When": TODAY - n * DAY, "Invoice #": "INV-1", "Event": "Call", "By": "Ana"}
                for n in (1, 2, 3)]
    p = run([invoice(due=TODAY - 2 * DAY, Stage="Day 1")], activity=contacts)
    assert values(p)["Attempts"] == 3
    assert values(p)["Escalation"] == "Account owner"
    p = run([invoice(due=TODAY - 2 * DAY, Stage="Day 1", **{"Last Response": TODAY - 2 * DAY})],
            activity=contacts)
    assert values(p)["Attempts"] == 1
    assert values(p)["Escalation"] is None


def test_paused_lanes_are_not_escalated_by_age_or_amount() -> None:
    p = run([invoice("D", due=TODAY - 50 * DAY, amount=50000, Dispute="x",
                     **{"Dispute Due": TODAY + DAY}),
             invoice("H", due=TODAY - 50 * DAY, amount=50000, Hold="Y"),
             invoice("P", due=TODAY - 50 * DAY, amount=50000, Plan="monthly")])
    assert [values(p, n)["Escalation"] for n in "DHP"] == [None, None, None]


def test_dispute_past_its_due_date_goes_to_leadership() -> None:
    p = run([invoice(due=TODAY - 5 * DAY, Dispute="rate", **{"Dispute Due": TODAY - DAY})])
    assert values(p)["Escalation"] == "Leadership"
    assert values(p)["Status"] == "Disputed"


def test_broken_promise_escalates_to_account_owner_and_drafts_once() -> None:
    p = run([invoice(due=TODAY - 5 * DAY, **{"Promised Date": TODAY - DAY})])
    assert values(p)["Escalation"] == "Account owner"
    assert sorted(d.template for d in p.drafts) == ["internal_escalation", "promise_broken"]


# -- cadence ----------------------------------------------------------------------------------

def _steps(*spec: tuple[str, int, str, Decimal | None]) -> list[CadenceStep]:
    return [CadenceStep("S", n, o, a, n.lower(), "AR owner", m, i) for i, (n, o, a, m) in
            enumerate(spec)]


STEPS = _steps(("Pre", -3, "Email", None), ("D1", 1, "Email", None), ("D7", 7, "Email", None),
               ("D14", 14, "Email", None), ("D14c", 14, "Call", Decimal(2000)))
DUE = dt.date(2026, 11, 1)


@pytest.mark.parametrize(("stage", "elapsed", "fired", "new_stage", "pending"), [
    ("", -5, [], "", "Pre"),
    ("", -3, ["Pre"], "Pre", "D1"),
    ("Pre", -2, [], "Pre", "D1"),
    ("Pre", 1, ["D1"], "D1", "D7"),
    ("", 9, ["D7"], "D7", "D14"),          # a gap: only the latest step fires, no burst
    ("D1", 30, ["D14"], "D14c", None),     # D14 call skipped (balance below its Min Balance)
    ("D7", 14, ["D14"], "D14c", None),
    ("D14c", 60, [], "D14c", None),        # nothing left
    ("Unknown", 1, ["D1"], "D1", "D7"),    # an edited Stage restarts from the age
])
def test_cadence_fires_the_latest_step_once(stage: str, elapsed: int, fired: list[str],
                                            new_stage: str, pending: str | None) -> None:
    d = decide(STEPS, stage, DUE, DUE + elapsed * DAY, Decimal(1000), active=True)
    assert [s.name for s in d.fire] == fired
    assert d.stage == new_stage
    assert (d.pending.name if d.pending else None) == pending


def test_min_balance_met_fires_both_steps_of_the_day() -> None:
    d = decide(STEPS, "D7", DUE, DUE + 14 * DAY, Decimal(5000), active=True)
    assert [s.name for s in d.fire] == ["D14", "D14c"]


def test_paused_cadence_keeps_its_stage() -> None:
    d = decide(STEPS, "D1", DUE, DUE + 20 * DAY, Decimal(5000), active=False)
    assert (d.fire, d.stage, d.pending.name if d.pending else None) == ((), "D1", "D7")


@pytest.mark.parametrize("fields", [{"Dispute": "x"}, {"Hold": "Y"}, {"Plan": "monthly"},
                                    {"Promised Date": TODAY + DAY}, {"Amount Paid": 1000},
                                    {"Closed As": "Written off"}])
def test_no_reminder_reaches_a_paused_or_closed_invoice(fields: dict[str, Any]) -> None:
    p = run([invoice(due=TODAY - 7 * DAY, Stage="Day 1", Status="Overdue", **fields)])
    reminders = [d for d in p.drafts if d.template.startswith(("overdue", "pre_due"))]
    assert reminders == []


def test_courtesy_note_for_a_large_invoice_on_send_day() -> None:
    p = run([invoice(due=TODAY + 30 * DAY, amount=6000, sent=TODAY)],
            activity=[], customers=[CUSTOMER])
    assert [d.template for d in p.drafts] == ["courtesy"]
    assert values(p)["Stage"] == "Courtesy"


def test_courtesy_note_for_a_new_customer_but_not_a_known_payer() -> None:
    paid = invoice("OLD", due=TODAY - 60 * DAY, **{"Amount Paid": 1000})
    small = invoice("NEW", due=TODAY + 30 * DAY, amount=100, sent=TODAY)
    assert [d.template for d in run([small]).drafts] == ["courtesy"]
    assert [d.template for d in run([paid, small]).drafts] == []


def test_blocked_invoice_gets_no_draft_and_a_fix_next_action() -> None:
    p = run([invoice(due=TODAY - 7 * DAY, **{"Billing Email": "ap@@broken"})],
            customers=[dict(CUSTOMER, **{"AP Email": None})])
    v = values(p)
    assert p.drafts == []
    assert "Billing Email" in v["Flags"] and "not a valid email" in v["Flags"]


# -- next action ------------------------------------------------------------------------------

def test_next_action_is_the_next_pending_step_on_a_business_day() -> None:
    # Due Sunday 2026-11-29; Day 7 lands on Sunday 2026-12-06 → Monday 2026-12-07.
    p = run([invoice(due=dt.date(2026, 11, 29))])
    v = values(p)
    assert v["Stage"] == "Day 1"
    assert v["Next Action"] == "Send the Day 7 reminder (overdue_7)"
    assert v["Next Action Date"] == dt.date(2026, 12, 7)
    assert v["Next Action Owner"] == "Ana Reyes"


def test_next_action_skips_holidays_of_the_holiday_country() -> None:
    # Pre-due for a 2026-12-28 due date is 2026-12-25 (Christmas, a Friday) → Monday 28th.
    p = run([invoice(due=dt.date(2026, 12, 28))])
    assert values(p)["Next Action Date"] == dt.date(2026, 12, 28)
    p = run([invoice(due=dt.date(2026, 12, 28))], settings={"Holiday country": "GB"})
    # In GB the 28th is the substitute day for Boxing Day (a Saturday in 2026).
    assert values(p)["Next Action Date"] == dt.date(2026, 12, 29)


def test_business_calendar() -> None:
    us = BusinessCalendar("US")
    assert us.on_or_after(dt.date(2026, 12, 25)) == dt.date(2026, 12, 28)
    assert us.add(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    assert BusinessCalendar().on_or_after(dt.date(2026, 12, 25)) == dt.date(2026, 12, 25)


def test_write_off_review_goes_to_the_finance_lead() -> None:
    v = values(run([invoice(due=TODAY - 130 * DAY, Stage="Day 30", Escalation="Leadership")]))
    assert v["Next Action"] == "Review for write-off (130 days overdue)"
    assert v["Next Action Owner"] == "Fay Lind"


@pytest.mark.parametrize(("terms", "invoice_date", "due"), [
    ("Net 30", dt.date(2026, 1, 10), dt.date(2026, 2, 9)),
    ("net 15", dt.date(2026, 1, 10), dt.date(2026, 1, 25)),
    ("Due on receipt", dt.date(2026, 1, 10), dt.date(2026, 1, 10)),
    ("Net 30 EOM", dt.date(2026, 1, 10), dt.date(2026, 3, 2)),
    ("Net 30 EOM", dt.date(2026, 2, 27), dt.date(2026, 3, 30)),
    ("whenever", dt.date(2026, 1, 10), None),
])
def test_terms(terms: str, invoice_date: dt.date, due: dt.date | None) -> None:
    assert terms_due_date(terms, invoice_date) == due


def test_blank_due_date_comes_from_terms() -> None:
    p = run([invoice(due=None, **{"Due Date": None, "Invoice Date": TODAY - 40 * DAY})])
    assert values(p)["Days Overdue"] == 10


@pytest.mark.parametrize(("fields", "customer", "flag"), [
    ({"Amount": 0}, {}, "Amount is 0"),
    ({"Customer": "Nobody"}, {}, 'customer "Nobody" is not on the Customers sheet'),
    ({"PO Number": None}, {"PO Required": "Y"}, "PO Number is missing"),
    ({"Due Date": TODAY + 99 * DAY}, {}, "does not match terms Net 30"),
    ({"Currency": "XYZ"}, {}, 'currency "XYZ" is not an ISO 4217 code'),
    ({"Invoice Date": "31/31/2026"}, {}, "Invoice Date"),
    ({"Amount Paid": 400}, {}, "partial payment"),
])
def test_readiness_flags(fields: dict[str, Any], customer: dict[str, Any], flag: str) -> None:
    row = invoice(due=TODAY + 10 * DAY)
    row.update(fields)
    p = run([row], customers=[dict(CUSTOMER, **customer)])
    assert flag in (values(p)["Flags"] or "")


def test_duplicate_invoice_numbers_are_both_flagged() -> None:
    p = run([invoice("INV-9"), invoice("inv-9 ")])
    flags = [o.engine_values()["Flags"] for o in p.outcomes]
    assert "also on row 3" in flags[0] and "also on row 2" in flags[1]
    assert {o.invoice.key for o in p.outcomes} == {("inv-9", 0), ("inv-9", 1)}


def test_late_fee_is_proposed_not_charged() -> None:
    p = run([invoice(due=TODAY - 75 * DAY, amount=1000)],
            settings={"Late fee % per month": 1.5, "Late fee grace days": 10})
    v = values(p)
    assert v["Late Fee"] == Decimal("30.00")  # 2 whole months past grace × 1.5 % × 1000
    assert v["Balance"] == Decimal(1000)
    assert any(f.check == "late fee" for f in p.findings)


def test_credit_note_is_not_chased() -> None:
    p = run([invoice(amount=-200, due=TODAY - 20 * DAY)])
    v = values(p)
    assert v["Status"] == "Paid" and v["Days Overdue"] is None and p.drafts == []
    assert v["Next Action"].startswith("Apply this credit note")


def test_payment_seen_between_syncs_is_logged() -> None:
    p = run([invoice(due=TODAY - 3 * DAY, Balance=1000, Status="Overdue",
                     **{"Amount Paid": 400})])
    [entry] = [a for a in p.activity if a["Event"] == "Payment received"]
    assert entry["Detail"] == "400.00 USD received; balance now 600.00"
    p = run([invoice(due=TODAY - 3 * DAY, Balance=1000, **{"Amount Paid": 1000})])
    assert [a["Detail"] for a in p.activity if a["Event"] == "Payment received"] == [
        "1,000.00 USD received; balance settled"]


def test_explain_says_why_and_what_next() -> None:
    from sheetsync.explain import explain

    _raw, tracker = load(workbook([invoice(due=TODAY - 9 * DAY, amount=5000)]))
    text = explain(tracker, TODAY, "inv-1")
    assert "Status: Overdue since 2026-12-04, because 9 days past the due date." in text
    assert "Day 7        2026-12-02  Email    taken today" in text
    assert "Day 1        2026-11-26  Email    passed" in text
    assert "Day 14 call  2026-12-09  Call     pending, only if the balance is at least" in text
    assert "Next: Send the Day 14 reminder (overdue_14), on 2026-12-09, by Ana Reyes." in text
    assert "Today: Email drafted: Day 7: overdue_7 to ap@globex.example" in text


def test_group_emails_make_one_statement_per_customer_and_step() -> None:
    rows = [invoice("A", due=TODAY - 7 * DAY, Stage="Day 1"),
            invoice("B", due=TODAY - 7 * DAY, Stage="Day 1", Currency="EUR"),
            invoice("C", due=TODAY - 7 * DAY, Stage="Day 1", Dispute="wrong"),
            invoice("D", due=TODAY - 1 * DAY)]
    p = run(rows, settings={"Group emails per customer": "Y",
                            "Multiple overdue invoices": 9})
    customer_drafts = sorted(d.template for d in p.drafts if not d.internal)
    assert customer_drafts == ["dispute_ack", "overdue_1", "statement"]
    [statement] = [d for d in p.drafts if d.template == "statement"]
    assert [o.invoice.number for o in statement.outcomes] == ["A", "B"]  # C is disputed
    assert values(p, "A")["Draft"] == values(p, "B")["Draft"] == statement.draft_id
    details = [a["Detail"] for a in p.activity if a["Invoice #"] in ("A", "B")
               and a["Event"] == "Email drafted"]
    assert details == [f"Day 7: statement of overdue_7 to ap@globex.example "
                       f"(draft {statement.draft_id})"] * 2
    p2 = run(rows[:2], settings={"Group emails per customer": "N"})
    assert sorted(d.template for d in p2.drafts if not d.internal) == ["overdue_7"] * 2


def test_statement_lists_each_invoice_with_totals_per_currency() -> None:
    from sheetsync.render import render_draft

    rows = [invoice("A", due=TODAY - 7 * DAY, Stage="Day 1", amount=100),
            invoice("B", due=TODAY - 7 * DAY, Stage="Day 1", amount=250, Currency="EUR"),
            invoice("E", due=TODAY - 7 * DAY, Stage="Day 1", amount=50)]
    backend = workbook(rows, settings={"Group emails per customer": "Y",
                                       "Multiple overdue invoices": 9})
    _raw, tracker = load(backend)
    p = plan(tracker, TODAY)
    [statement] = [d for d in p.drafts if d.template == "statement"]
    body = render_draft(statement, tracker, TODAY).body
    for number in ("A", "B", "E"):
        assert number in body
    assert "€250.00" in body and "$150.00" in body


def test_hold_longer_than_30_days_gets_a_review_row() -> None:
    held = invoice(due=TODAY - 60 * DAY, Hold="Y", Status="On hold",
                   **{"Status Since": TODAY - 31 * DAY})
    p = run([held])
    assert [f.message for f in p.findings if f.check == "hold"] == [
        f"on hold since {TODAY - 31 * DAY}"]
    p = run([dict(held, **{"Status Since": TODAY - 30 * DAY})])
    assert [f for f in p.findings if f.check == "hold"] == []


@pytest.mark.parametrize("fields", [{"Dispute": "x"}, {"Hold": "Y"}, {"Plan": "monthly"},
                                    {"Promised Date": TODAY + DAY}])
def test_no_late_fee_in_a_paused_lane(fields: dict[str, Any]) -> None:
    p = run([invoice(due=TODAY - 75 * DAY, **fields)], settings={"Late fee % per month": 1.5})
    assert values(p)["Late Fee"] is None
