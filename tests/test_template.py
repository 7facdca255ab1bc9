"""The shipped tracker template: the workbook contract, the rules it ships, and the demo data."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetsync import schema
from sheetsync.template import (
    AGING_REPORT_HEADERS,
    DEFAULT_SETTINGS,
    ENGINE_NOTE,
    SHEET_ORDER,
    build_workbook,
    write_template,
)
from sheetsync.values import parse_emails

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "ar_tracker.xlsx"
TODAY = dt.date(2026, 5, 13)  # a Wednesday


@pytest.fixture(scope="module")
def committed() -> Workbook:
    return load_workbook(TEMPLATE)


@pytest.fixture(scope="module")
def demo() -> Workbook:
    return build_workbook(demo=True, today=TODAY)


def header(ws: Worksheet) -> list[Any]:
    return [c.value for c in ws[1] if c.value is not None]


def records(ws: Worksheet) -> list[dict[str, Any]]:
    names = [c.value for c in ws[1]]
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if any(v is not None for v in row):
            out.append({str(k): v for k, v in zip(names, row, strict=False) if k})
    return out


def as_date(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


# --- structure ---------------------------------------------------------------------------------

def test_sheets_in_contract_order(committed: Workbook) -> None:
    assert committed.sheetnames == list(SHEET_ORDER)
    assert set(schema.SHEET_COLUMNS) | {schema.AGING, schema.REVIEW} == set(SHEET_ORDER)


@pytest.mark.parametrize("sheet", list(schema.SHEET_COLUMNS))
def test_headers_match_schema_in_order(committed: Workbook, sheet: str) -> None:
    assert header(committed[sheet]) == [c.header for c in schema.SHEET_COLUMNS[sheet]]


def test_report_sheet_headers(committed: Workbook) -> None:
    assert header(committed[schema.AGING]) == list(AGING_REPORT_HEADERS)
    assert AGING_REPORT_HEADERS[2:] == ("Current", "1-15", "16-30", "31-60", "61-90", "90+",
                                        "Total")
    assert header(committed[schema.REVIEW]) == list(schema.REVIEW_HEADERS)
    for name in (schema.AGING, schema.REVIEW):
        assert "rewrites" in committed[name]["A1"].comment.text


@pytest.mark.parametrize("sheet", list(schema.SHEET_COLUMNS))
def test_layout_frozen_bold_widths(committed: Workbook, sheet: str) -> None:
    ws = committed[sheet]
    assert ws.freeze_panes in ("A2", "B2")
    for idx, col in enumerate(schema.SHEET_COLUMNS[sheet], start=1):
        cell = ws.cell(row=1, column=idx)
        assert cell.font.b, col.header
        assert ws.column_dimensions[cell.column_letter].width >= col.width


def test_autofilter_on_list_sheets(committed: Workbook) -> None:
    for name in (schema.INVOICES, schema.CUSTOMERS, schema.ACTIVITY):
        assert committed[name].auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize("sheet", [schema.INVOICES, schema.CUSTOMERS])
def test_engine_columns_shaded_and_explained(committed: Workbook, sheet: str) -> None:
    ws = committed[sheet]
    for idx, col in enumerate(schema.SHEET_COLUMNS[sheet], start=1):
        head, body = ws.cell(row=1, column=idx), ws.cell(row=300, column=idx)
        letter = head.column_letter
        if col.engine:
            assert head.comment is not None and head.comment.text == ENGINE_NOTE
            assert head.fill.fill_type == "solid" and body.fill.fill_type == "solid"
            assert ws.column_dimensions[letter].fill.fill_type == "solid"
        else:
            assert head.comment is None and head.fill.fill_type is None, col.header


def test_number_formats(committed: Workbook) -> None:
    ws = committed[schema.INVOICES]
    for idx, col in enumerate(schema.INVOICE_COLUMNS, start=1):
        letter = ws.cell(row=1, column=idx).column_letter
        want = {schema.Kind.DATE: "yyyy-mm-dd", schema.Kind.MONEY: "#,##0.00"}.get(col.kind)
        if want:
            assert ws.cell(row=2, column=idx).number_format == want, col.header
            assert ws.column_dimensions[letter].number_format == want, col.header


def dropdowns(ws: Worksheet) -> dict[str, str]:
    """Header → list source, for validations that cover the column's first data row."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for cell in ws[1]:
            if f"{cell.column_letter}2" in dv.sqref:
                out[str(cell.value)] = str(dv.formula1)
    return out


@pytest.mark.parametrize(("sheet", "column", "source"), [
    (schema.INVOICES, "Reason", "Administrative delay"),
    (schema.INVOICES, "Hold", '"Y,N"'),
    (schema.INVOICES, "Closed As", '"Written off,Credited,Cancelled"'),
    (schema.INVOICES, "Owner", "Team!$A$2:$A$50"),
    (schema.INVOICES, "Resolver", "Team!$A$2:$A$50"),
    (schema.INVOICES, "Customer", "Customers!$A$2:$A$500"),
    (schema.CUSTOMERS, "PO Required", '"Y,N"'),
    (schema.CUSTOMERS, "New Work Requested", '"Y,N"'),
    (schema.CUSTOMERS, "Terms", "Net 30 EOM"),
    (schema.CUSTOMERS, "Cadence", "Cadence!$A$2:$A$100"),
    (schema.CUSTOMERS, "Account Owner", "Team!$A$2:$A$50"),
    (schema.CUSTOMERS, "AR Owner", "Team!$A$2:$A$50"),
    (schema.TEAM, "Role", "Operations lead"),
    (schema.CADENCE, "Action", '"Email,Call,Escalate"'),
    (schema.CADENCE, "Owner Role", '"AR owner,Account owner,Finance lead"'),
])
def test_dropdowns(committed: Workbook, sheet: str, column: str, source: str) -> None:
    assert source in dropdowns(committed[sheet])[column]


def test_customer_dropdown_accepts_new_names(committed: Workbook) -> None:
    for dv in committed[schema.INVOICES].data_validations.dataValidation:
        if "Customers!" in str(dv.formula1):
            assert not dv.showErrorMessage
        else:
            assert dv.showErrorMessage


def test_invoice_conditional_formats(committed: Workbook) -> None:
    ws = committed[schema.INVOICES]
    letters = {c.value: c.column_letter for c in ws[1]}
    formulas = [f for cf in ws.conditional_formatting for r in cf.rules for f in r.formula]
    for bucket in ("Current", "1-15", "16-30", "31-60", "61-90", "90+"):
        assert f'${letters["Aging"]}2="{bucket}"' in formulas
    for status in ("Overdue", "Escalated", "Disputed"):
        assert any(f'${letters["Status"]}2="{status}"' in f for f in formulas)


# --- shipped rules -----------------------------------------------------------------------------

def test_settings_defaults(committed: Workbook) -> None:
    rows = records(committed[schema.SETTINGS])
    assert [(r["Setting"], r.get("Value")) for r in rows] == [(n, v) for n, v, _ in
                                                               DEFAULT_SETTINGS]
    values = {n: v for n, v, _ in DEFAULT_SETTINGS}
    assert values["Aging buckets"] == "15, 30, 60, 90"
    assert values["Courtesy amount"] == 5000 and values["Late fee % per month"] == 0
    assert values["Last sync"] is None
    team = {r["Name"] for r in records(committed[schema.TEAM])}
    assert {values["Default AR owner"], values["Finance lead"]} <= team
    assert all(note for _, _, note in DEFAULT_SETTINGS)


def test_team_covers_every_role(committed: Workbook) -> None:
    rows = records(committed[schema.TEAM])
    assert {r["Role"] for r in rows} == set(schema.ROLES)
    for r in rows:
        assert parse_emails(r["Email"])[0].endswith("@acme.example")


def test_standard_cadence(committed: Workbook) -> None:
    rows = records(committed[schema.CADENCE])
    got = [(r["Cadence"], r["Step"], r["Offset Days"], r["Action"], r.get("Template"),
            r["Owner Role"], r.get("Min Balance")) for r in rows]
    assert [g[1:4] for g in got] == [
        ("Pre-due", -3, "Email"), ("Day 1", 1, "Email"), ("Day 7", 7, "Email"),
        ("Day 14", 14, "Email"), ("Day 14 call", 14, "Call"), ("Day 21", 21, "Escalate"),
        ("Day 30", 30, "Escalate"),
    ]
    assert {g[0] for g in got} == {"Standard"}
    assert [g[4] for g in got[:5]] == ["pre_due", "overdue_1", "overdue_7", "overdue_14", None]
    assert got[4][6] == "Material amount" and got[5][5] == "Account owner"
    assert got[6][5] == "Finance lead"


# --- email templates ---------------------------------------------------------------------------

def sample_invoice(number: str, days_overdue: int) -> dict[str, Any]:
    return {
        "number": number, "date": "2026-04-01", "due_date": "2026-05-01",
        "amount": "$1,200.00", "balance": "$1,000.00", "amount_paid": "$200.00",
        "currency": "USD", "days_overdue": days_overdue, "po_number": "",
        "promised_date": "2026-05-20", "dispute": "Wrong rate", "plan": "",
    }


def context(key: str, contact_name: str = "Dana") -> dict[str, Any]:
    """Exactly the documented variables (extras only for the templates that get them)."""
    ctx: dict[str, Any] = {
        "invoice": sample_invoice("INV-1", 12),
        "customer": {"name": "Northwind Traders"},
        "contact": {"name": contact_name, "email": "ap@northwind.example"},
        "owner": {"name": "Maya Patel", "email": "maya.patel@acme.example"},
        "company": {"name": "Acme Studio Ltd", "from_name": "Acme AR",
                    "from_email": "ar@acme.example", "reply_to": "ar@acme.example",
                    "payment_instructions": "Pay by transfer."},
        "today": "2026-05-13",
    }
    if key == "statement":
        ctx["invoices"] = [sample_invoice("INV-1", 12), sample_invoice("INV-2", 0)]
        ctx["totals"] = ["$2,000.00", "€300.00"]
    if key == "internal_escalation":
        ctx["recipient"] = {"name": "Priya Shah"}
        ctx["escalation"] = {"level": "Account owner", "reason": "21 days overdue",
                             "decision_date": "2026-05-15"}
    return ctx


def template_rows() -> Iterator[dict[str, Any]]:
    yield from records(load_workbook(TEMPLATE)[schema.TEMPLATES])


def test_every_key_has_english_and_no_unknown_keys() -> None:
    rows = list(template_rows())
    assert {r["Template"] for r in rows if r["Language"] == "en"} == set(schema.TEMPLATE_KEYS)
    assert {r["Template"] for r in rows} == set(schema.TEMPLATE_KEYS)
    pairs = [(r["Template"], r["Language"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    for key in ("pre_due", "overdue_7"):
        assert {(key, "de"), (key, "fr")} <= set(pairs)


@pytest.mark.parametrize("row", list(template_rows()),
                         ids=lambda r: f'{r["Template"]}-{r["Language"]}')
@pytest.mark.parametrize("contact_name", ["Dana", ""])
def test_template_renders_with_documented_context(row: dict[str, Any],
                                                  contact_name: str) -> None:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    ctx = context(row["Template"], contact_name)
    subject = env.from_string(row["Subject"]).render(ctx)
    body = env.from_string(row["Body"]).render(ctx)
    assert "\n" not in subject and not subject.lower().startswith("re:")
    assert "INV-1" in subject + body
    assert "{{" not in body and "{%" not in body and "  " not in subject
    assert body.strip() == body and "\n\n\n" not in body
    if row["Template"] == "statement":
        assert "INV-2" in body and "$2,000.00, €300.00" in body


# --- demo data ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def invoices(demo: Workbook) -> list[dict[str, Any]]:
    return records(demo[schema.INVOICES])


def test_demo_sizes_and_keys(demo: Workbook, invoices: list[dict[str, Any]]) -> None:
    customers = records(demo[schema.CUSTOMERS])
    assert 35 <= len(invoices) <= 45 and 9 <= len(customers) <= 12
    numbers = [r["Invoice #"] for r in invoices]
    assert len(numbers) == len(set(numbers))
    assert {r["Customer"] for r in invoices} == {c["Customer"] for c in customers}
    assert all(r.get(h) is None for r in invoices for h in schema.engine_headers(schema.INVOICES))
    assert all(r.get(h) is None for r in customers
               for h in schema.engine_headers(schema.CUSTOMERS))
    activity = records(demo[schema.ACTIVITY])
    assert activity and {a["Invoice #"] for a in activity} <= set(numbers)


def test_demo_emails_are_example_addresses(demo: Workbook) -> None:
    addresses = [r["AP Email"] for r in records(demo[schema.CUSTOMERS])]
    addresses += [r["CC"] for r in records(demo[schema.CUSTOMERS]) if r.get("CC")]
    addresses += [r["Billing Email"] for r in records(demo[schema.INVOICES])
                  if r.get("Billing Email")]
    bad = [a for a in addresses if a == "ap@@broken"]
    assert len(bad) == 1
    assert all(a.endswith(".example") for a in addresses if a not in bad)


def test_demo_dates_move_with_today() -> None:
    later = records(build_workbook(demo=True, today=TODAY + dt.timedelta(days=10))
                    [schema.INVOICES])
    now = records(build_workbook(demo=True, today=TODAY)[schema.INVOICES])
    for a, b in zip(now, later, strict=True):
        assert as_date(b["Invoice Date"]) - as_date(a["Invoice Date"]) == dt.timedelta(days=10)


def due(row: dict[str, Any]) -> int | None:
    d = as_date(row.get("Due Date"))
    return None if d is None else (TODAY - d).days


def open_sent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("Sent On") and not r.get("Closed As")
            and not r.get("Amount Paid") and r["Amount"] > 0 and not r.get("Dispute")
            and not r.get("Hold") and not r.get("Plan") and not r.get("Promised Date")]


def test_demo_exercises_every_lane(demo: Workbook, invoices: list[dict[str, Any]]) -> None:
    customers = {c["Customer"]: c for c in records(demo[schema.CUSTOMERS])}
    unsent = [r for r in invoices if not r.get("Sent On") and not r.get("Closed As")]
    po_customers = {n for n, c in customers.items() if c["PO Required"] == "Y"}
    assert any(r["Customer"] in po_customers and not r.get("PO Number") for r in unsent)
    assert any(r.get("Billing Email") == "ap@@broken" for r in unsent)
    assert any(r["Customer"] not in po_customers and not r.get("Billing Email")
               for r in unsent)  # ready
    days = [due(r) for r in open_sent(invoices) if due(r) is not None]
    assert any(d is not None and d < -3 for d in days)  # current
    assert -2 in days  # due soon
    for low, high in ((1, 15), (16, 30), (31, 60), (61, 90), (91, 10_000), (120, 10_000)):
        assert any(d is not None and low <= d <= high for d in days), (low, high)
    assert any(0 < (r.get("Amount Paid") or 0) < r["Amount"] for r in invoices)  # partial
    disputes = [r for r in invoices if r.get("Dispute")]
    assert any(r.get("Reason") and r.get("Resolver") and r.get("Dispute Due") for r in disputes)
    assert any(not r.get("Resolver") for r in disputes)
    promised = [as_date(r["Promised Date"]) for r in invoices if r.get("Promised Date")]
    assert any(p > TODAY for p in promised) and any(p < TODAY for p in promised)
    assert any(r.get("Plan") for r in invoices)
    assert any(r.get("Hold") == "Y" for r in invoices)
    assert any(r.get("Amount Paid") == r["Amount"] and r.get("Paid On") for r in invoices)
    closed = {r.get("Closed As") for r in invoices}
    assert {"Written off", "Cancelled"} <= closed
    assert any(r["Amount"] < 0 for r in invoices)  # credit note
    assert any(r["Amount"] >= 5000 and as_date(r.get("Sent On")) == TODAY for r in invoices)
    assert sum(1 for r in invoices if r.get("Due Date") is None) >= 3


def test_demo_customers_cover_the_variants(demo: Workbook) -> None:
    customers = records(demo[schema.CUSTOMERS])
    assert {"de", "fr"} <= {c["Language"] for c in customers}
    assert "EUR" in {c["Currency"] for c in customers}
    assert any(c["PO Required"] == "Y" for c in customers)
    assert any(c["New Work Requested"] == "Y" for c in customers)
    assert {"Net 30 EOM", "Due on receipt"} <= {c["Terms"] for c in customers}
    names = {r["Name"] for r in records(demo[schema.TEAM])}
    for c in customers:
        assert {c["Account Owner"], c["AR Owner"]} <= names


def test_new_customer_without_history_is_invoiced_today(invoices: list[dict[str, Any]]) -> None:
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for r in invoices:
        by_customer.setdefault(r["Customer"], []).append(r)
    assert any(not any(r.get("Paid On") for r in rows)
               and any(as_date(r.get("Sent On")) == TODAY for r in rows)
               for rows in by_customer.values())


# --- reproducible build ------------------------------------------------------------------------

def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()
                if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"}


def test_rebuild_matches_committed_template(tmp_path: Path) -> None:
    rebuilt = write_template(tmp_path / "ar_tracker.xlsx")
    want, got = parts(TEMPLATE), parts(rebuilt)
    assert any(n.startswith("xl/worksheets/sheet") for n in want)
    assert got == want, "run scripts/build_template.py and commit templates/ar_tracker.xlsx"
    assert rebuilt.read_bytes() == TEMPLATE.read_bytes()


def test_demo_workbook_saves_and_reopens(tmp_path: Path) -> None:
    path = write_template(tmp_path / "demo.xlsx", demo=True, today=TODAY)
    wb = load_workbook(path)
    assert wb.sheetnames == list(SHEET_ORDER)
    assert wb[schema.INVOICES]["C2"].number_format == "yyyy-mm-dd"
