"""Raw cells → `Tracker`. Header mapping and value reading happen here, once, for every backend.

Structural problems (a missing sheet or required column, an unusable setting or cadence row) raise
`WorkbookError`. A bad value inside an invoice or customer row becomes a `Finding` on that row, so
the rest of the tracker still syncs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from .backends.base import CellValue, RawSheet, RawWorkbook
from .errors import WorkbookError
from .model import (
    ActivityEntry,
    CadenceStep,
    Customer,
    Finding,
    Invoice,
    TeamMember,
    Template,
    Tracker,
)
from .schema import (
    ACTIONS,
    ACTIVITY,
    CADENCE,
    CUSTOMERS,
    INVOICES,
    OWNER_ROLES,
    SETTINGS,
    SHEET_COLUMNS,
    TEAM,
    TEMPLATES,
    Column,
    Kind,
    header_key,
)
from .settings import Settings, parse_settings
from .values import (
    key_text,
    parse_amount,
    parse_date,
    parse_emails,
    parse_flag,
    parse_int,
    short_text,
    text,
)

REQUIRED_SHEETS = (INVOICES, CUSTOMERS, CADENCE, SETTINGS, TEMPLATES, TEAM, ACTIVITY)


def map_headers(sheet: RawSheet, columns: Sequence[Column]) -> dict[str, int]:
    """Header text → 0-based column index, for the columns of the contract that are present."""
    found: dict[str, int] = {}
    for position, value in enumerate(sheet.header):
        k = header_key(value)
        if k and k not in found:
            found[k] = position
    mapping: dict[str, int] = {}
    for col in columns:
        index = found.get(header_key(col.header))
        if index is not None:
            mapping[col.header] = index
        elif col.required:
            raise WorkbookError(
                f'required column "{col.header}" is missing; add it to the header row',
                sheet.name, 1, col.header,
            )
    return mapping


class _Row:
    """Typed access to one raw row, collecting a Finding for each unreadable cell."""

    __slots__ = ("sheet", "row", "values", "mapping", "problems", "invoice", "date1904")

    def __init__(self, sheet: str, row: int, values: list[CellValue], mapping: dict[str, int],
                 date1904: bool) -> None:
        self.sheet, self.row, self.values, self.mapping = sheet, row, values, mapping
        self.problems: list[Finding] = []
        self.invoice = ""
        self.date1904 = date1904

    def raw(self, header: str) -> CellValue:
        index = self.mapping.get(header)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def get(self, header: str, reader: Callable[[CellValue], Any], blocks: bool = True) -> Any:
        value = self.raw(header)
        if value is None:
            return None
        try:
            return reader(value)
        except ValueError as exc:
            self.problems.append(Finding(
                "unreadable", f"{header} {exc}", f"Correct {header}", self.sheet, self.row,
                header, invoice=self.invoice, blocks=blocks,
            ))
            return None

    def text(self, header: str) -> str:
        return self.get(header, short_text) or ""

    def date(self, header: str, blocks: bool = True) -> Any:
        return self.get(header, lambda v: parse_date(v, self.date1904), blocks)

    def emails(self, header: str) -> tuple[str, ...]:
        return tuple(self.get(header, parse_emails) or ())


def _prev(row: _Row, columns: Sequence[Column]) -> dict[str, CellValue]:
    """Engine columns as last written, read leniently (a person may have typed over them)."""
    prev: dict[str, CellValue] = {}
    for col in columns:
        if not col.engine:
            continue
        value = row.raw(col.header)
        try:
            if col.kind is Kind.DATE:
                value = parse_date(value, row.date1904)
            elif col.kind is Kind.MONEY:
                value = parse_amount(value)
            elif col.kind is Kind.INT:
                value = parse_int(value)
            elif value is not None:
                value = text(value)
        except ValueError:
            value = text(value)
        prev[col.header] = value
    return prev


def _merged_rows(sheet: RawSheet) -> set[int]:
    return {r for (r1, _c1, r2, _c2) in sheet.merged for r in range(max(r1, 2), r2 + 1)}


def parse_invoices(sheet: RawSheet, date1904: bool = False) -> list[Invoice]:
    columns = SHEET_COLUMNS[INVOICES]
    mapping = map_headers(sheet, columns)
    merged = _merged_rows(sheet)
    formulas_by_row: dict[int, list[int]] = {}
    for (f_row, f_col) in sheet.formulas:
        formulas_by_row.setdefault(f_row, []).append(f_col)
    by_index = {i: h for h, i in mapping.items()}
    occurrences: dict[str, int] = {}
    invoices: list[Invoice] = []
    for row_number, values in sheet.rows:
        r = _Row(INVOICES, row_number, values, mapping, date1904)
        number = text(r.raw("Invoice #"))
        key = key_text(number)
        r.invoice = number
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        plan_raw = r.raw("Plan")
        plan_date = None
        if plan_raw is not None:
            try:
                plan_date = parse_date(plan_raw, date1904)
            except ValueError:
                plan_date = None  # free text still means "on a plan"
        customer = r.text("Customer")
        invoice = Invoice(
            row=row_number, key=(key, occurrence), number=number,
            customer=customer, customer_key=key_text(customer),
            invoice_date=r.date("Invoice Date"), due_date=r.date("Due Date"),
            amount=r.get("Amount", parse_amount), currency=r.text("Currency").upper(),
            amount_paid=r.get("Amount Paid", parse_amount), paid_on=r.date("Paid On", False),
            po_number=r.text("PO Number"), billing_contact=r.text("Billing Contact"),
            billing_emails=r.emails("Billing Email"), owner=r.text("Owner"),
            sent_on=r.date("Sent On"), reason=r.text("Reason"), dispute=r.text("Dispute"),
            resolver=r.text("Resolver"), dispute_due=r.date("Dispute Due", False),
            expected_payment=r.date("Expected Payment", False),
            promised_date=r.date("Promised Date", False),
            plan=text(plan_raw)[:200], plan_date=plan_date,
            hold=bool(r.get("Hold", parse_flag, False)), closed_as=r.text("Closed As"),
            last_response=r.date("Last Response", False),
            problems=r.problems, prev=_prev(r, columns),
        )
        if row_number in merged:
            invoice.problems.append(Finding(
                "merged cells", "the row has merged cells", "Unmerge the cells of this row",
                INVOICES, row_number, invoice=number, blocks=True))
        for f_col in formulas_by_row.get(row_number, ()):
            header = by_index.get(f_col - 1)
            if header and (f_col > len(values) or values[f_col - 1] is None):
                invoice.problems.append(Finding(
                    "unreadable", f"{header} is a formula with no computed value",
                    f"Open and save the file in a spreadsheet app, or type the {header}",
                    INVOICES, row_number, header, invoice=number, blocks=True))
        invoices.append(invoice)
    return invoices


def parse_customers(sheet: RawSheet, date1904: bool = False
                    ) -> tuple[dict[str, Customer], list[Finding]]:
    columns = SHEET_COLUMNS[CUSTOMERS]
    mapping = map_headers(sheet, columns)
    customers: dict[str, Customer] = {}
    findings: list[Finding] = []
    for row_number, values in sheet.rows:
        r = _Row(CUSTOMERS, row_number, values, mapping, date1904)
        name = r.text("Customer")
        if not name:
            continue
        k = key_text(name)
        if k in customers:
            findings.append(Finding(
                "duplicate customer", f'"{name}" is listed twice (first on row '
                f"{customers[k].row})", "Keep one row per customer", CUSTOMERS, row_number,
                "Customer", customer=name))
            continue
        customers[k] = Customer(
            name=name, row=row_number, ap_contact=r.text("AP Contact"),
            ap_emails=r.emails("AP Email"), cc=r.emails("CC"), terms=r.text("Terms"),
            po_required=bool(r.get("PO Required", parse_flag)),
            account_owner=r.text("Account Owner"), ar_owner=r.text("AR Owner"),
            cadence=r.text("Cadence"), language=(r.text("Language") or "en").lower(),
            currency=r.text("Currency").upper(),
            new_work=bool(r.get("New Work Requested", parse_flag)),
            problems=tuple(r.problems), prev=_prev(r, columns),
        )
    return customers, findings


def parse_cadences(sheet: RawSheet, settings: Settings) -> dict[str, list[CadenceStep]]:
    mapping = map_headers(sheet, SHEET_COLUMNS[CADENCE])
    named_amounts = {header_key(f.alias): name for name, f in Settings.model_fields.items()
                     if f.annotation is Decimal and f.alias}
    cadences: dict[str, list[CadenceStep]] = {}
    for row_number, values in sheet.rows:
        r = _Row(CADENCE, row_number, values, mapping, False)
        name = r.text("Cadence")
        if not name:
            continue
        offset = r.get("Offset Days", parse_int)
        action = r.text("Action").capitalize()
        role = r.text("Owner Role") or "AR owner"
        min_raw = r.raw("Min Balance")
        min_balance: Decimal | None = None
        if min_raw is not None and text(min_raw):
            setting = named_amounts.get(header_key(min_raw))
            min_balance = (getattr(settings, setting) if setting
                           else r.get("Min Balance", parse_amount))
        problem = next((p.message for p in r.problems), None)
        column: str | None
        if problem is None and offset is None:
            problem, column = "Offset Days is blank", "Offset Days"
        elif problem is None and action not in ACTIONS:
            problem, column = f'Action "{action}" is not one of {", ".join(ACTIONS)}', "Action"
        elif problem is None and header_key(role) not in {header_key(x) for x in OWNER_ROLES}:
            problem, column = (f'Owner Role "{role}" is not one of {", ".join(OWNER_ROLES)}',
                               "Owner Role")
        elif problem is None and action == "Email" and not r.text("Template"):
            problem, column = "an Email step needs a Template", "Template"
        else:
            column = r.problems[0].column if r.problems else None
        if problem is not None:
            raise WorkbookError(problem, CADENCE, row_number, column)
        cadences.setdefault(key_text(name), []).append(CadenceStep(
            cadence=name, name=r.text("Step"), offset=int(offset), action=action,
            template=r.text("Template").lower(), owner_role=role, min_balance=min_balance,
            row=row_number))
    for steps in cadences.values():
        steps.sort(key=lambda s: (s.offset, s.row))
    return cadences


def parse_templates(sheet: RawSheet) -> dict[tuple[str, str], Template]:
    mapping = map_headers(sheet, SHEET_COLUMNS[TEMPLATES])
    templates: dict[tuple[str, str], Template] = {}
    for row_number, values in sheet.rows:
        r = _Row(TEMPLATES, row_number, values, mapping, False)
        key = r.text("Template").lower()
        if key:
            language = (r.text("Language") or "en").lower()
            templates.setdefault((key, language), Template(
                key, language, text(r.raw("Subject")), text(r.raw("Body")), row_number))
    return templates


def parse_team(sheet: RawSheet) -> tuple[dict[str, TeamMember], list[Finding]]:
    mapping = map_headers(sheet, SHEET_COLUMNS[TEAM])
    team: dict[str, TeamMember] = {}
    findings: list[Finding] = []
    for row_number, values in sheet.rows:
        r = _Row(TEAM, row_number, values, mapping, False)
        name = r.text("Name")
        emails = r.emails("Email")
        findings.extend(r.problems)
        if name:
            team.setdefault(key_text(name), TeamMember(
                name, emails[0] if emails else "", r.text("Role"), row_number))
    return team, findings


def parse_activity(sheet: RawSheet, date1904: bool) -> list[ActivityEntry]:
    mapping = map_headers(sheet, SHEET_COLUMNS[ACTIVITY])
    entries = []
    for row_number, values in sheet.rows:
        r = _Row(ACTIVITY, row_number, values, mapping, date1904)
        entries.append(ActivityEntry(
            when=r.date("When"), invoice=key_text(r.raw("Invoice #")),
            event=text(r.raw("Event"))[:200], detail=text(r.raw("Detail"))[:500],
            by=text(r.raw("By"))[:200]))
    return entries


def parse_settings_sheet(sheet: RawSheet) -> Settings:
    mapping = map_headers(sheet, SHEET_COLUMNS[SETTINGS])
    name_i, value_i = mapping["Setting"], mapping["Value"]
    rows = [(n, v[name_i] if name_i < len(v) else None, v[value_i] if value_i < len(v) else None)
            for n, v in sheet.rows]
    return parse_settings(rows)


def parse_workbook(raw: RawWorkbook) -> Tracker:
    for name in REQUIRED_SHEETS:
        if name not in raw.sheets:
            raise WorkbookError(
                f'the sheet "{name}" is missing (sheets found: {", ".join(raw.sheet_names)})',
                name)
    settings = parse_settings_sheet(raw.sheets[SETTINGS])
    team, findings = parse_team(raw.sheets[TEAM])
    customers, customer_findings = parse_customers(raw.sheets[CUSTOMERS], raw.date1904)
    return Tracker(
        settings=settings,
        invoices=parse_invoices(raw.sheets[INVOICES], raw.date1904),
        customers=customers,
        cadences=parse_cadences(raw.sheets[CADENCE], settings),
        templates=parse_templates(raw.sheets[TEMPLATES]),
        team=team, activity=parse_activity(raw.sheets[ACTIVITY], raw.date1904),
        findings=findings + customer_findings, date1904=raw.date1904,
    )
