"""Sample data for `sheetsync init --demo`: a small agency's receivables on a given day.

Every date is relative to `today`, so a demo tracker made on any day shows the same lanes: ready
and blocked invoices, each aging bucket, a dispute, promises kept and broken, a payment plan, a
hold, closed and paid invoices, a credit note, and customers writing German and French. Engine
columns are left blank: the first sync fills them. Rows are keyed by header text, so the demo
never depends on column order.
"""

from __future__ import annotations

import datetime as dt

Row = dict[str, object]

# Who is who in the demo; the Team sheet of the template lists the same people.
AR_OWNER = "Maya Patel"
BILLING = "Tom Becker"
ACCOUNT_PRIYA = "Priya Shah"
ACCOUNT_SAM = "Sam Rivera"
OPERATIONS = "Daniel Okafor"
FINANCE = "Laura Chen"

_NET_DAYS = {"Net 30": 30, "Net 15": 15}

# Customer, AP Contact, AP Email, CC, Terms, PO Required, Account Owner, Language, Currency,
# New Work Requested, Notes.
_CUSTOMERS: tuple[tuple[str, str, str, str, str, str, str, str, str, str, str], ...] = (
    ("Northwind Traders", "Dana Brooks", "ap@northwind.example", "", "Net 30", "N",
     ACCOUNT_PRIYA, "en", "USD", "N", "Pays reliably by ACH"),
    ("Globex Corporation", "Rita Alvarez", "payables@globex.example",
     "po@globex.example", "Net 30", "Y", ACCOUNT_PRIYA, "en", "USD", "N",
     "Every invoice needs a PO number"),
    ("Initech LLC", "Peter Gibbons", "ap@initech.example", "", "Net 30 EOM", "N", ACCOUNT_SAM,
     "en", "USD", "N", "Month-end payment run"),
    ("Umbrella Health", "Alice Moreau", "invoices@umbrella.example", "", "Due on receipt", "N",
     ACCOUNT_SAM, "en", "USD", "N", "Card or transfer on receipt"),
    ("Brandt Technik GmbH", "Klaus Brandt", "buchhaltung@brandt.example", "", "Net 30", "N",
     ACCOUNT_PRIYA, "de", "EUR", "N", "Write in German"),
    ("Atelier Lumière SARL", "Camille Laurent", "compta@lumiere.example", "", "Net 15", "N",
     ACCOUNT_SAM, "fr", "EUR", "N", "Write in French"),
    ("Hooli Media", "Gavin Belson", "ap@hooli.example", "", "Net 30", "N", ACCOUNT_PRIYA, "en",
     "USD", "Y", "Wants a new project; invoices overdue"),
    ("Stark Logistics", "Pepper Lane", "finance@stark.example", "", "Net 30", "N", ACCOUNT_SAM,
     "en", "USD", "N", "Large monthly retainers"),
    ("Wayne Ventures", "Lucius Fox", "ap@wayne.example", "", "Net 15", "N", ACCOUNT_PRIYA, "en",
     "USD", "N", "New customer this month"),
    ("Soylent Foods", "Sol Roth", "accounts@soylent.example", "", "Net 30", "N", ACCOUNT_SAM,
     "en", "USD", "N", ""),
    ("Vandelay Industries", "Art Vandelay", "ap@vandelay.example", "", "Net 30", "N",
     ACCOUNT_PRIYA, "en", "USD", "N", "Often pays late"),
)


def customers() -> list[Row]:
    rows: list[Row] = []
    for name, contact, email, cc, terms, po, account, lang, currency, new_work, notes in _CUSTOMERS:
        rows.append({
            "Customer": name, "AP Contact": contact, "AP Email": email, "CC": cc or None,
            "Terms": terms, "PO Required": po, "Account Owner": account, "AR Owner": AR_OWNER,
            "Cadence": "Standard", "Language": lang, "Currency": currency,
            "New Work Requested": new_work, "Notes": notes or None,
        })
    rows[2]["Cadence"] = None  # blank means Standard
    return rows


def _terms(customer: str) -> str:
    return next(c[4] for c in _CUSTOMERS if c[0] == customer)


def invoices(today: dt.date) -> list[Row]:
    """About forty invoices, one or more for every lane of the collections policy."""

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    rows: list[Row] = []

    def add(customer: str, amount: float, *, due: int | None = None, issued: int | None = None,
            sent: int | bool = True, **extra: object) -> None:
        """`due`/`issued` are day offsets from today. With a due offset on Net N terms the
        invoice date is derived so the Due Date matches the terms; with `due=None` the Due
        Date is left blank for the engine to compute."""
        if issued is None:
            if due is None:
                raise ValueError("give due or issued")
            issued = due - _NET_DAYS[_terms(customer)]
        sent_on = day(issued) if sent is True else None if sent is False else day(sent)
        row: Row = {
            "Invoice #": f"INV-{1001 + len(rows)}", "Customer": customer,
            "Invoice Date": day(issued), "Due Date": day(due) if due is not None else None,
            "Amount": amount, "Sent On": sent_on,
        }
        for key, value in extra.items():
            header = _EXTRA[key]
            row[header] = day(value) if header in _DATE_EXTRAS and isinstance(value, int) else value
        rows.append(row)

    north, globex, initech, umbrella = "Northwind Traders", "Globex Corporation", \
        "Initech LLC", "Umbrella Health"
    brandt, lumiere, hooli, stark = "Brandt Technik GmbH", "Atelier Lumière SARL", \
        "Hooli Media", "Stark Logistics"
    wayne, soylent, vandelay = "Wayne Ventures", "Soylent Foods", "Vandelay Industries"

    # Northwind: a good payer with paid history, a current, a due-soon and a ready invoice.
    add(north, 4200, due=-65, paid=4200, paid_on=-63)
    add(north, 3850, due=-30, paid=3850, paid_on=-28)
    add(north, 5200, due=10)
    add(north, 3200, issued=0, sent=False, notes="Ready to send: Due Date left to the terms")
    add(north, 1850, due=2, notes="Due in two days")
    add(north, -450, issued=-10, notes="Credit note for late delivery on INV-1003")
    # Globex requires a PO on every invoice.
    add(globex, 9600, issued=-1, sent=False, notes="Blocked until procurement sends the PO")
    add(globex, 2400, due=-5, po="PO-55812", last_response=-6)
    add(globex, 6300, due=-40, po="PO-55260",
        dispute="Hours billed for the March workshop exceed the approved quote",
        reason="Billing dispute", resolver=ACCOUNT_PRIYA, dispute_due=3, expected=14,
        last_response=-2)
    # Initech pays at month end (Net 30 EOM): Due Dates left blank for the engine.
    add(initech, 2750, issued=-12)
    add(initech, 4100, issued=-50, dispute="Says the signed delivery note is missing",
        reason="Documentation issue", last_response=-4)
    # Umbrella: due on receipt, so its Due Dates stay blank.
    add(umbrella, 1480, issued=-18)
    add(umbrella, 960, issued=-30, paid=960, paid_on=-27)
    # Brandt writes German and pays in EUR: a pre-due and a day-7 reminder.
    add(brandt, 7400, due=3)
    add(brandt, 3150, due=-7)
    add(brandt, 2980, due=-70, paid=2980, paid_on=-60)
    # Atelier Lumière writes French; EUR also written on the invoice.
    add(lumiere, 2200, due=3, currency="EUR")
    add(lumiere, 1640, due=-7, currency="EUR")
    add(lumiere, 3100, due=10, currency="EUR")
    # Hooli: several overdue invoices, a broken promise, and new work requested.
    add(hooli, 3900, due=-18)
    add(hooli, 2100, due=-10, last_response=-20)
    add(hooli, 1750, due=-25, promised=-3, last_response=-9,
        notes="Promised payment on a call; nothing received")
    # Stark: a large invoice sent today, one above the escalation amount, a partial payment.
    add(stark, 18500, issued=0, sent=0, po="SL-7781", notes="Courtesy note due today")
    add(stark, 24000, due=-9, contact="Happy Hogan", email="payables@stark.example")
    add(stark, 8000, due=-12, paid=3000, last_response=-5,
        notes="Paid 3,000 on account; rest after their audit")
    add(stark, 5600, due=-15, paid=5600, paid_on=-3)
    # Wayne: a brand-new customer (no paid invoice yet) invoiced today.
    add(wayne, 2600, issued=-2, sent=0)
    # Soylent: a billing email typo blocks sending; an old invoice; a payment plan.
    add(soylent, 1320, issued=0, sent=False, email="ap@@broken")
    add(soylent, 2890, due=-75)
    add(soylent, 1200, due=-45, owner=AR_OWNER)
    add(soylent, 6000, due=-60, paid=2000, plan=10, expected=40,
        notes="Three monthly instalments agreed")
    # Vandelay: a late payer with a 90+ invoice, one for write-off review and a promise.
    add(vandelay, 5400, due=-100, last_response=-40)
    add(vandelay, 980, due=-150, notes="Ask Finance about writing this off")
    add(vandelay, 4800, due=-170, paid=4800, paid_on=-120)
    add(vandelay, 3300, due=-130, paid=3300, paid_on=-95)
    add(vandelay, 2300, due=-12, promised=5, last_response=-1)
    add(vandelay, 650, due=-370, closed="Written off", notes=f"Write-off approved by {FINANCE}")
    # Closed by people: cancelled, credited; and a hold.
    add(north, 1100, issued=-15, closed="Cancelled", notes="Raised in error")
    add(brandt, 900, due=-20, closed="Credited", notes="Credited in full after a re-quote")
    add(globex, 3300, due=-8, po="PO-55901", hold="Y",
        notes="Contract renewal with legal: no reminders until it is signed")
    add(north, 720, issued=-6, owner=BILLING, last_response=-6,
        notes="Customer asked for a copy; resent")
    return rows


_EXTRA = {
    "paid": "Amount Paid", "paid_on": "Paid On", "po": "PO Number", "contact": "Billing Contact",
    "email": "Billing Email", "owner": "Owner", "reason": "Reason", "dispute": "Dispute",
    "resolver": "Resolver", "dispute_due": "Dispute Due", "expected": "Expected Payment",
    "promised": "Promised Date", "plan": "Plan", "hold": "Hold", "closed": "Closed As",
    "last_response": "Last Response", "notes": "Notes", "currency": "Currency",
}
_DATE_EXTRAS = frozenset({
    "Paid On", "Dispute Due", "Expected Payment", "Promised Date", "Plan", "Last Response",
})


def activity(today: dt.date) -> list[Row]:
    """Rows people wrote themselves: calls and replies the engine reads as contact history."""

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    return [
        {"When": day(-9), "Invoice #": "INV-1022", "Customer": "Hooli Media", "Event": "Call",
         "Detail": f"Spoke to Gavin: payment promised for {day(-3).isoformat()}.",
         "By": AR_OWNER},
        {"When": day(-5), "Invoice #": "INV-1025", "Customer": "Stark Logistics",
         "Event": "Payment", "Detail": "3,000.00 received on account; balance after audit.",
         "By": AR_OWNER},
        {"When": day(-2), "Invoice #": "INV-1009", "Customer": "Globex Corporation",
         "Event": "Customer reply",
         "Detail": "Rita disputes the workshop hours; Priya is checking the timesheets.",
         "By": AR_OWNER},
        {"When": day(-1), "Invoice #": "INV-1036", "Customer": "Vandelay Industries",
         "Event": "Call", "Detail": f"Art promised payment on {day(5).isoformat()}.",
         "By": AR_OWNER},
    ]
