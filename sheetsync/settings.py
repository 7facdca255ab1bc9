"""The Settings sheet as a typed, validated object.

Each setting is one row (Setting | Value | Notes). Unknown settings are ignored, missing ones take
the defaults below, and a value that cannot be read is a `WorkbookError` naming its row — settings
steer every rule, so guessing would be worse than stopping.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .backends.base import CellValue
from .errors import WorkbookError
from .schema import SETTINGS, header_key
from .values import parse_amount, parse_date, parse_emails, parse_flag, text


class Settings(BaseModel):
    """Attributes mirror the Settings sheet rows; `alias` is the Setting text."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    company_name: str = Field("", alias="Company name")
    from_name: str = Field("", alias="From name")
    from_email: str = Field("", alias="From email")
    reply_to: str = Field("", alias="Reply-To")
    default_currency: str = Field("USD", alias="Default currency")
    default_terms: str = Field("Net 30", alias="Default terms")
    default_ar_owner: str = Field("", alias="Default AR owner")
    finance_lead: str = Field("", alias="Finance lead")
    timezone: str = Field("UTC", alias="Timezone")
    holiday_country: str = Field("", alias="Holiday country")
    aging_buckets: tuple[int, ...] = Field((15, 30, 60, 90), alias="Aging buckets")
    due_soon_days: int = Field(3, alias="Due soon days", ge=0, le=365)
    courtesy_amount: Decimal = Field(Decimal(5000), alias="Courtesy amount", ge=0)
    material_amount: Decimal = Field(Decimal(2000), alias="Material amount", ge=0)
    escalation_amount: Decimal = Field(Decimal(10000), alias="Escalation amount", ge=0)
    multiple_overdue_invoices: int = Field(2, alias="Multiple overdue invoices", ge=1)
    unresponsive_attempts: int = Field(3, alias="Unresponsive attempts", ge=1)
    dispute_window_days: int = Field(5, alias="Dispute window business days", ge=0, le=365)
    dispute_ack_days: int = Field(1, alias="Dispute acknowledge business days", ge=0, le=365)
    escalation_decision_days: int = Field(2, alias="Escalation decision business days", ge=0)
    late_fee_percent: Decimal = Field(Decimal(0), alias="Late fee % per month", ge=0, le=100)
    late_fee_grace_days: int = Field(0, alias="Late fee grace days", ge=0)
    write_off_review_days: int = Field(120, alias="Write-off review days", ge=1)
    group_emails: bool = Field(False, alias="Group emails per customer")
    payment_instructions: str = Field("", alias="Payment instructions")
    last_sync: dt.date | None = Field(None, alias="Last sync")

    @field_validator("from_email", "reply_to")
    @classmethod
    def _address(cls, value: str) -> str:
        """These go into email headers: one plain address or nothing."""
        addresses = parse_emails(value)
        if len(addresses) > 1:
            raise ValueError("must be a single email address")
        return addresses[0] if addresses else ""

    @field_validator("from_name", "company_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ord(ch) < 32 for ch in value) or len(value) > 200:
            raise ValueError("must be one line of at most 200 characters")
        return value

    @field_validator("aging_buckets", mode="before")
    @classmethod
    def _buckets(cls, value: object) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            return tuple(int(v) for v in value)
        parts = [p for p in text(value).replace(";", ",").split(",") if p.strip()]
        bounds = tuple(int(float(p)) for p in parts)
        if not bounds or list(bounds) != sorted(set(bounds)) or bounds[0] < 1:
            raise ValueError("must be increasing whole numbers of days, like 15, 30, 60, 90")
        return bounds


_FIELDS = {header_key(f.alias): name for name, f in Settings.model_fields.items() if f.alias}
_ALIASES = {name: f.alias for name, f in Settings.model_fields.items()}


def parse_settings(rows: list[tuple[int, CellValue, CellValue]]) -> Settings:
    """`rows` are (row number, Setting cell, Value cell)."""
    values: dict[str, object] = {}
    where_row: dict[str, int] = {}
    for row, name, value in rows:
        field = _FIELDS.get(header_key(name))
        if field is None or value is None or text(value) == "":
            continue
        where_row[field] = row
        try:
            values[field] = _coerce(field, value)
        except ValueError as exc:
            raise WorkbookError(f"{text(name)} {exc}", SETTINGS, row, "Value") from None
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        name = _ALIASES.get(field, field)
        msg = first["msg"].removeprefix("Value error, ")
        raise WorkbookError(f'"{name}" {msg}', SETTINGS, where_row.get(field), "Value") from None


def _coerce(field: str, value: CellValue) -> object:
    annotation = Settings.model_fields[field].annotation
    if annotation is Decimal:
        return parse_amount(value)
    if annotation is bool:
        return parse_flag(value)
    if annotation == dt.date | None:
        return parse_date(value)
    if annotation is int:
        s = text(value)
        try:
            number = float(s)
        except ValueError:
            raise ValueError(f'"{s}" is not a number') from None
        if not number.is_integer():
            raise ValueError(f'"{s}" is not a whole number')
        return int(number)
    if annotation is str:
        return text(value)
    return value
