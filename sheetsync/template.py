"""The canonical AR tracker workbook: every sheet and header of the contract, styled for people.

`build_workbook` makes the tracker in memory (with `demo=True`, sample data from `demo`);
`write_template` saves it byte-for-byte reproducibly, so the committed `templates/ar_tracker.xlsx`
can be diffed and regenerated. The shipped rules (Settings, Standard cadence, email templates,
sample team) are module constants so the engine and the Google Sheets initialiser reuse them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from sheetsync import demo as demo_data
from sheetsync import schema
from sheetsync.schema import Column, Kind
from sheetsync.template_emails import EMAIL_TEMPLATES

SHEET_ORDER: tuple[str, ...] = (
    schema.INVOICES, schema.CUSTOMERS, schema.AGING, schema.REVIEW, schema.ACTIVITY,
    schema.CADENCE, schema.TEMPLATES, schema.SETTINGS, schema.TEAM,
)
AGING_BUCKETS: tuple[str, ...] = ("Current", "1-15", "16-30", "31-60", "61-90", "90+")
AGING_REPORT_HEADERS: tuple[str, ...] = (*schema.AGING_HEADERS, *AGING_BUCKETS, "Total")

ENGINE_NOTE = "Written by sheetsync on every sync — edits here are overwritten."
REPORT_NOTE = "sheetsync rewrites this sheet on every sync — edits here are lost."
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
INT_FORMAT = "0"
STYLED_ROWS = 500  # data rows pre-formatted, so values written by the engine look right
VALIDATED_ROWS = 1000
FIXED_TIME = dt.datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

DEFAULT_SETTINGS: tuple[tuple[str, object, str], ...] = (
    ("Company name", "Acme Studio Ltd", "Your company as customers know it; used in emails."),
    ("From name", "Acme Studio Accounts", "Sender name on drafted emails."),
    ("From email", "ar@acme.example", "Address drafts are sent from (for Gmail: the account "
     "you authorised)."),
    ("Reply-To", "ar@acme.example", "Where customer replies go. Blank = From email."),
    ("Default currency", "USD", "ISO code used when neither the invoice nor the customer "
     "sets one."),
    ("Default terms", "Net 30", "Terms for customers whose Terms cell is blank."),
    ("Default AR owner", demo_data.AR_OWNER, "Chases invoices with no Owner whose customer has "
     "no AR Owner (a Team name)."),
    ("Finance lead", demo_data.FINANCE, "Gets leadership escalations and write-off reviews "
     "(a Team name)."),
    ("Timezone", "America/New_York", "Decides what \"today\" is for every sync "
     "(e.g. Europe/London)."),
    ("Holiday country", "US", "Holidays of this country (ISO code) are skipped when "
     "dating next actions."),
    ("Aging buckets", "15, 30, 60, 90", "Upper bounds in days overdue; the last bucket is "
     "open-ended (90+)."),
    ("Due soon days", 3, "An invoice due within this many days shows as Due soon."),
    ("Courtesy amount", 5000, "Invoices of at least this amount get a courtesy note on the "
     "day they are sent."),
    ("Material amount", 2000, "Smallest balance worth a phone call (Cadence Min Balance "
     "\"Material amount\")."),
    ("Escalation amount", 10000, "An overdue balance of at least this amount goes to "
     "leadership."),
    ("Multiple overdue invoices", 2, "A customer with this many overdue invoices goes to the "
     "account owner."),
    ("Unresponsive attempts", 3, "Reminders without any reply before the account owner is "
     "brought in."),
    ("Dispute window business days", 5, "Time to resolve a dispute when Dispute Due is "
     "left blank."),
    ("Dispute acknowledge business days", 1, "Time to acknowledge a new dispute to the "
     "customer."),
    ("Escalation decision business days", 2, "Time the escalated colleague has to decide "
     "what happens next."),
    ("Late fee % per month", 0, "Monthly fee proposed on overdue balances for "
     "approval; 0 = off. Never auto-added."),
    ("Late fee grace days", 30, "Days overdue before a late fee is proposed."),
    ("Write-off review days", 120, "Invoices this many days overdue go to the Finance lead "
     "for write-off review."),
    ("Group emails per customer", "N", "Y = one email per customer and step listing its "
     "invoices; N = one per invoice."),
    ("Payment instructions", "Please pay by bank transfer to Acme Studio Ltd, Example Bank, "
     "account 12345678, routing 000000000, quoting the invoice number.",
     "Added to customer emails as {{ company.payment_instructions }}."),
    ("Last sync", None, "Written by sheetsync: when the last sync ran."),
)

TEAM_ROWS: tuple[tuple[str, str, str], ...] = (
    (demo_data.AR_OWNER, "maya.patel@acme.example", "AR owner"),
    (demo_data.BILLING, "tom.becker@acme.example", "Billing owner"),
    (demo_data.ACCOUNT_PRIYA, "priya.shah@acme.example", "Account owner"),
    (demo_data.ACCOUNT_SAM, "sam.rivera@acme.example", "Account owner"),
    (demo_data.OPERATIONS, "daniel.okafor@acme.example", "Operations lead"),
    (demo_data.FINANCE, "laura.chen@acme.example", "Finance lead"),
)

# Cadence, Step, Offset Days, Action, Template, Owner Role, Min Balance.
CADENCE_ROWS: tuple[tuple[str, str, int, str, str | None, str, str | None], ...] = (
    ("Standard", "Pre-due", -3, "Email", "pre_due", "AR owner", None),
    ("Standard", "Day 1", 1, "Email", "overdue_1", "AR owner", None),
    ("Standard", "Day 7", 7, "Email", "overdue_7", "AR owner", None),
    ("Standard", "Day 14", 14, "Email", "overdue_14", "AR owner", None),
    ("Standard", "Day 14 call", 14, "Call", None, "AR owner", "Material amount"),
    ("Standard", "Day 21", 21, "Escalate", "internal_escalation", "Account owner", None),
    ("Standard", "Day 30", 30, "Escalate", "internal_escalation", "Finance lead", None),
)

_BOLD = Font(name="Calibri", size=11, bold=True)
_NOTE_FONT = Font(name="Calibri", size=11, italic=True, color="808080")
_ENGINE_FILL = PatternFill("solid", fgColor="F2F2F2")
_ENGINE_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_CENTRED = frozenset({"Currency", "Language", "Aging", "Stage"})
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_FORMATS = {Kind.DATE: DATE_FORMAT, Kind.MONEY: MONEY_FORMAT, Kind.INT: INT_FORMAT}
_WRAPPED = {schema.SETTINGS: ("Value", "Notes"), schema.TEMPLATES: ("Subject", "Body"),
            schema.ACTIVITY: ("Detail",)}
_AGING_FILLS = (("Current", "C6EFCE"), ("1-15", "FFF9C4"), ("16-30", "FFE680"),
                ("31-60", "FFC78E"), ("61-90", "FFB3B3"), ("90+", "F07070"))
_ALERT_STATUSES = ("Overdue", "Escalated", "Promise broken")
YES_NO = ("Y", "N")
TEAM_NAMES = "Team!$A$2:$A$50"


# The demo switches on late-fee proposals so its Review sheet shows that lane too.
DEMO_SETTINGS: dict[str, object] = {"Late fee % per month": 1.5}


def build_workbook(demo: bool = False, today: dt.date | None = None) -> Workbook:
    """A new tracker: the contract's sheets in order, the shipped rules, and (with `demo`)
    sample customers, invoices and activity dated relative to `today`."""
    today = today or dt.date.today()
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {name: wb.create_sheet(name) for name in SHEET_ORDER}
    inv_rows = demo_data.invoices(today) if demo else []
    cust_rows = demo_data.customers() if demo else []
    act_rows = demo_data.activity(today) if demo else []

    _table(sheets[schema.INVOICES], schema.INVOICE_COLUMNS, inv_rows, prepared=True)
    _table(sheets[schema.CUSTOMERS], schema.CUSTOMER_COLUMNS, cust_rows, prepared=True)
    _table(sheets[schema.ACTIVITY], schema.ACTIVITY_COLUMNS, act_rows, prepared=True)
    _report(sheets[schema.AGING], AGING_REPORT_HEADERS, widths=(26, 9), rest=12)
    _report(sheets[schema.REVIEW], schema.REVIEW_HEADERS,
            widths=(12, 22, 14, 22, 50, 50, 22), rest=14)
    _table(sheets[schema.CADENCE], schema.CADENCE_COLUMNS, _rows(schema.CADENCE_COLUMNS,
                                                                 CADENCE_ROWS))
    _table(sheets[schema.TEMPLATES], schema.TEMPLATE_COLUMNS,
           _rows(schema.TEMPLATE_COLUMNS, EMAIL_TEMPLATES))
    settings = DEFAULT_SETTINGS if not demo else tuple(
        (name, DEMO_SETTINGS.get(name, value), note) for name, value, note in DEFAULT_SETTINGS)
    _table(sheets[schema.SETTINGS], schema.SETTINGS_COLUMNS,
           _rows(schema.SETTINGS_COLUMNS, settings))
    _table(sheets[schema.TEAM], schema.TEAM_COLUMNS, _rows(schema.TEAM_COLUMNS, TEAM_ROWS))

    for name in (schema.INVOICES, schema.CUSTOMERS, schema.ACTIVITY):
        ws = sheets[name]
        ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{STYLED_ROWS + 1}"
    sheets[schema.INVOICES].freeze_panes = "B2"  # keep Invoice # in view when scrolling right
    sheets[schema.CUSTOMERS].freeze_panes = "B2"
    _validations(sheets)
    _invoice_colours(sheets[schema.INVOICES])
    _settings_touches(sheets[schema.SETTINGS])
    _row_heights(sheets[schema.TEMPLATES], {"Subject": 48, "Body": 108})
    _row_heights(sheets[schema.SETTINGS], {"Value": 36, "Notes": 84})
    for name in (schema.AGING, schema.REVIEW):
        sheets[name].sheet_properties.tabColor = "BFBFBF"

    wb.properties.creator = "sheetsync"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def write_template(path: str | os.PathLike[str], demo: bool = False,
                   today: dt.date | None = None) -> Path:
    """Save a new tracker to `path` (atomically). Without demo data the bytes depend only on
    this code, so rebuilding the committed template changes nothing."""
    target = Path(path)
    data = workbook_bytes(build_workbook(demo=demo, today=today))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private; a tracker is an ordinary document.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes with fixed timestamps (openpyxl stamps the save time otherwise)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # not save_workbook: it stamps the time
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _rows(columns: Sequence[Column], data: Sequence[Sequence[object]]) -> list[dict[str, object]]:
    return [dict(zip((c.header for c in columns), values, strict=True)) for values in data]


def _table(ws: Worksheet, columns: Sequence[Column], rows: Sequence[Mapping[str, object]],
           prepared: bool = False) -> None:
    """Header row, column widths and styles, then the rows. `prepared` pre-formats the first
    STYLED_ROWS data rows of formatted and engine columns: cells written later into those rows
    (by the engine or a person) keep the date/money format and the engine shading."""
    for idx, col in enumerate(columns, start=1):
        fmt, align = _FORMATS.get(col.kind), _alignment(ws.title, col)
        head = ws.cell(row=1, column=idx, value=col.header)
        head.font, head.border = _BOLD, _HEADER_BORDER
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal=align.horizontal)
        dim = ws.column_dimensions[get_column_letter(idx)]
        dim.width = _width(col, () if prepared else [r.get(col.header) for r in rows])
        dim.alignment = align
        if fmt:
            dim.number_format = fmt
        if col.engine:
            head.fill = _ENGINE_HEADER_FILL
            head.comment = Comment(ENGINE_NOTE, "sheetsync", width=220, height=60)
            dim.fill = _ENGINE_FILL
        styled = prepared and (fmt is not None or col.engine)
        for r in range(2, max(len(rows) + 1, STYLED_ROWS + 1 if styled else 1) + 1):
            value = rows[r - 2].get(col.header) if r - 2 < len(rows) else None
            if value is None and not styled:
                continue
            cell = ws.cell(row=r, column=idx, value=value)
            cell.alignment = align
            if fmt:
                cell.number_format = fmt
            if col.engine:
                cell.fill = _ENGINE_FILL
    lines = max(_header_lines(c.header, ws.column_dimensions[get_column_letter(i)].width)
                for i, c in enumerate(columns, start=1))
    ws.row_dimensions[1].height = max(30, 15 * lines + 2)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    if ws.title not in (schema.INVOICES, schema.CUSTOMERS):  # wide lists print full size
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _alignment(sheet: str, col: Column) -> Alignment:
    """Short codes, dates and counts centred so they do not run into their neighbours."""
    if col.header in _WRAPPED.get(sheet, ()):
        return _WRAP_TOP
    if col.kind in (Kind.DATE, Kind.INT, Kind.FLAG) or col.header in _CENTRED:
        return Alignment(horizontal="center", vertical="top")
    return _TOP


def _header_lines(text: str, width: float) -> int:
    """Lines a bold header wraps to in a column `width` characters wide (words kept whole)."""
    lines, used = 1, 0.0
    for word in text.split():
        need = len(word) * 0.95  # bold Calibri letters, in digit-width units
        if used and used + 0.5 + need > width:
            lines, used = lines + 1, need
        else:
            used += need + (0.5 if used else 0)
    return lines


def _width(col: Column, values: Sequence[object]) -> float:
    """The schema width, widened so no header word breaks and shipped rule text (not user
    data) shows whole."""
    longest_word = max(len(word) for word in col.header.split())
    shipped = [len(str(v)) for v in values if isinstance(v, str) and "\n" not in v]
    width = max(col.width, longest_word * 1.2 + 2)
    if shipped and col.header not in ("Value", "Notes", "Subject", "Body"):
        width = max(width, min(40, max(shipped) + 2))
    return float(round(width))


def _report(ws: Worksheet, headers: Sequence[str], widths: Sequence[int], rest: int) -> None:
    for idx, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=idx, value=header)
        cell.font, cell.alignment, cell.border = _BOLD, _HEADER_ALIGN, _HEADER_BORDER
        cell.fill = _ENGINE_HEADER_FILL
        dim = ws.column_dimensions[get_column_letter(idx)]
        dim.width = widths[idx - 1] if idx <= len(widths) else rest
        if idx > len(widths):  # the engine's new cells take the column style: amounts
            dim.number_format = MONEY_FORMAT
    ws["A1"].comment = Comment(REPORT_NOTE, "sheetsync", width=220, height=60)
    ws["A2"] = REPORT_NOTE
    ws["A2"].font = _NOTE_FONT
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _letter(ws: Worksheet, header: str) -> str:
    for cell in ws[1]:
        if cell.value == header:
            return str(get_column_letter(cell.column))
    raise KeyError(f"{ws.title}!{header}")


def _dropdown(ws: Worksheet, header: str, source: Sequence[str] | str,
              strict: bool = True) -> None:
    """A list dropdown on a column's data rows. `source` is the choices, or a range formula.
    With `strict` off, people may type a value that is not (yet) in the list."""
    formula = source if isinstance(source, str) else '"' + ",".join(source) + '"'
    letter = _letter(ws, header)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                        showErrorMessage=strict, errorTitle=header,
                        error=f"Pick a {header} from the list.")
    dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    ws.add_data_validation(dv)


def _validations(sheets: Mapping[str, Worksheet]) -> None:
    inv, cust = sheets[schema.INVOICES], sheets[schema.CUSTOMERS]
    _dropdown(inv, "Customer", "Customers!$A$2:$A$500", strict=False)
    _dropdown(inv, "Reason", schema.REASONS)
    _dropdown(inv, "Hold", YES_NO)
    _dropdown(inv, "Closed As", schema.CLOSED_AS)
    _dropdown(inv, "Owner", TEAM_NAMES)
    _dropdown(inv, "Resolver", TEAM_NAMES)
    _dropdown(cust, "PO Required", YES_NO)
    _dropdown(cust, "New Work Requested", YES_NO)
    _dropdown(cust, "Terms", schema.TERMS)
    _dropdown(cust, "Cadence", "Cadence!$A$2:$A$100")
    _dropdown(cust, "Account Owner", TEAM_NAMES)
    _dropdown(cust, "AR Owner", TEAM_NAMES)
    _dropdown(sheets[schema.TEAM], "Role", schema.ROLES)
    _dropdown(sheets[schema.CADENCE], "Action", schema.ACTIONS)
    _dropdown(sheets[schema.CADENCE], "Owner Role", schema.OWNER_ROLES)


def _invoice_colours(ws: Worksheet) -> None:
    """Aging buckets coloured green→red; whole rows tinted for alerts and disputes. Rules on the
    Aging cell come first so its colour wins over the row tint."""
    aging, status = _letter(ws, "Aging"), _letter(ws, "Status")
    for label, colour in _AGING_FILLS:
        fill = PatternFill("solid", start_color=colour, end_color=colour)
        ws.conditional_formatting.add(
            f"{aging}2:{aging}{VALIDATED_ROWS}",
            FormulaRule(formula=[f'${aging}2="{label}"'], fill=fill))
    whole = f"A2:{get_column_letter(ws.max_column)}{VALIDATED_ROWS}"
    alert = ",".join(f'${status}2="{s}"' for s in _ALERT_STATUSES)
    red = PatternFill("solid", start_color="FCE4E4", end_color="FCE4E4")
    purple = PatternFill("solid", start_color="E8DFF5", end_color="E8DFF5")
    ws.conditional_formatting.add(whole, FormulaRule(formula=[f"OR({alert})"], fill=red))
    ws.conditional_formatting.add(whole, FormulaRule(formula=[f'${status}2="Disputed"'],
                                                     fill=purple))


def _settings_touches(ws: Worksheet) -> None:
    """Dropdowns on the settings that name a choice, and Last sync shaded as engine-written."""
    choices: dict[str, Sequence[str] | str] = {
        "Default terms": schema.TERMS, "Default AR owner": TEAM_NAMES,
        "Finance lead": TEAM_NAMES, "Group emails per customer": YES_NO,
    }
    for row in range(2, ws.max_row + 1):
        name, value = ws.cell(row=row, column=1).value, ws.cell(row=row, column=2)
        value.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        if name in choices:
            src = choices[str(name)]
            formula = src if isinstance(src, str) else '"' + ",".join(src) + '"'
            dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                                showErrorMessage=True, error="Pick a value from the list.")
            dv.add(value.coordinate)
            ws.add_data_validation(dv)
        if name == "Last sync":
            value.fill = _ENGINE_FILL
            value.number_format = DATE_FORMAT  # the sync writes a date here
            value.comment = Comment(ENGINE_NOTE, "sheetsync", width=220, height=60)


def _row_heights(ws: Worksheet, chars_per_line: Mapping[str, int]) -> None:
    """Explicit heights for wrapped text: Excel does not grow rows on open, LibreOffice does.
    `chars_per_line` is roughly how many characters of each wrapped column fit on a line."""
    headers = [c.value for c in ws[1]]
    for row in range(2, ws.max_row + 1):
        lines = 1
        for header, per_line in chars_per_line.items():
            text = str(ws.cell(row=row, column=headers.index(header) + 1).value or "")
            lines = max(lines, sum(max(1, -(-len(part) // per_line))
                                   for part in text.split("\n")))
        if lines > 1:
            ws.row_dimensions[row].height = min(409, 14.5 * lines + 4)
