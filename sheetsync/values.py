"""Reading one untrusted cell into a typed value.

Each parser takes a raw cell value and returns the typed value or raises `ValueError` with a short
plain-words reason; `parse` turns that into a finding naming sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from dateutil import parser as dateparser

MAX_TEXT = 2000  # longer text in a field we use (names, emails, disputes) is refused
MAX_AMOUNT = Decimal("1e12")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_MAX_SERIAL = 2958465  # 9999-12-31


def key_text(value: object) -> str:
    """The text rows are matched by: `1001.0` and ` 1001 ` are the same invoice, case ignored."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()).casefold()


def text(value: object) -> str:
    """A cell as display text: numbers without a spurious `.0`, whitespace trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def short_text(value: object) -> str:
    """Text for a field that ends up in a message or email: bounded, single line."""
    s = text(value)
    if len(s) > MAX_TEXT:
        raise ValueError(f"is {len(s):,} characters long (at most {MAX_TEXT:,})")
    return s


def serial_to_date(serial: float, date1904: bool = False) -> dt.date:
    if not 0 < serial <= _MAX_SERIAL:
        raise ValueError(f"{serial:g} is not a date serial number")
    epoch = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH
    return epoch + dt.timedelta(days=int(serial))


def date_to_serial(day: dt.date, date1904: bool = False) -> int:
    return (day - (_EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH)).days


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")
_HAS_YEAR = re.compile(r"\b\d{4}\b")


def parse_date(value: object, date1904: bool = False) -> dt.date | None:
    """Excel serials, ISO dates, `12/03/2026` (month first unless the first part exceeds 12),
    `3 Dec 2026`, `December 3, 2026`. Blank is None; anything else raises ValueError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a date")
    if isinstance(value, (int, float, Decimal)):
        return serial_to_date(float(value), date1904)
    s = " ".join(str(value).split())
    if not s:
        return None
    if len(s) > 40:
        raise ValueError("is not a date")
    try:
        if m := _ISO.match(s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SLASH.match(s):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            year += 2000 if year < 100 else 0
            month, day = (b, a) if a > 12 else (a, b)
            return dt.date(year, month, day)
        if _SERIAL_TEXT.match(s):
            return serial_to_date(float(s), date1904)
        if not _HAS_YEAR.search(s):
            raise ValueError
        parsed: dt.datetime = dateparser.parse(s, default=dt.datetime(2000, 1, 1))
        return parsed.date()
    except (ValueError, OverflowError, dateparser.ParserError):
        raise ValueError(f'"{s}" is not a date (use YYYY-MM-DD)') from None


# An optional sign or parenthesis, a currency symbol or code, the number, a symbol or code after.
_MONEY = re.compile(
    r"\s*(?P<open>[-(])?\s*(?P<pre>[^\d\s.,()'-]{0,4})\s*(?P<minus>-)?\s*"
    r"(?P<num>\d[\d.,'\s\u00a0\u202f]*?)\s*(?P<post>[^\d\s.,()'-]{0,4})\s*(?P<close>[)-])?\s*"
)


def parse_amount(value: object) -> Decimal | None:
    """`1234.5`, `$1,234.50`, `1.234,50 €`, `(1,234.50)` (negative), `CHF 1'234.50`."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value} is not an amount")
    if isinstance(value, (int, float)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        s = str(value).strip()
        if not s:
            return None
        if len(s) > 40:
            raise ValueError("is not an amount")
        m = _MONEY.fullmatch(s)
        if m is None or (m["open"] == "(") != (m["close"] == ")"):
            raise ValueError(f'"{s}" is not an amount')
        negative = bool(m["minus"] or m["open"] == "-" or m["close"] in ("(", ")", "-"))
        digits = re.sub(r"[\s'\u00a0\u202f]", "", m["num"])
        digits = _normalise_separators(digits)
        try:
            amount = Decimal(digits)
        except InvalidOperation:
            raise ValueError(f'"{s}" is not an amount') from None
        amount = -amount if negative else amount
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"{value} is not a plausible amount")
    return amount


def _normalise_separators(s: str) -> str:
    comma, dot = s.rfind(","), s.rfind(".")
    if comma >= 0 and dot >= 0:  # the later one is the decimal separator
        thousands, decimal = (",", ".") if dot > comma else (".", ",")
        return s.replace(thousands, "").replace(decimal, ".")
    if comma >= 0:
        groups = s.split(",")
        if len(groups) > 2 or len(groups[-1]) == 3:  # 1,234 or 1,234,567: thousands
            return s.replace(",", "")
        return s.replace(",", ".")
    if s.count(".") > 1:  # 1.234.567
        return s.replace(".", "")
    return s


def parse_flag(value: object) -> bool:
    s = text(value).casefold()
    if s in ("", "n", "no", "false", "0"):
        return False
    if s in ("y", "yes", "true", "1", "x"):
        return True
    raise ValueError(f'"{text(value)}" is not Y or N')


def parse_int(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a whole number")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f'"{text(value)}" is not a whole number') from None
    if not number.is_integer() or abs(number) > 100_000:
        raise ValueError(f'"{text(value)}" is not a whole number')
    return int(number)


# Conservative on purpose: what we put in a To: header must be a plain address.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def parse_emails(value: object) -> list[str]:
    """One or more addresses separated by `,` or `;`. Control characters (header injection),
    display names and anything not a plain address are refused."""
    raw = text(value)
    if not raw:
        return []
    if len(raw) > 1000 or any(ord(ch) < 32 or ch == "\x7f" for ch in raw):
        raise ValueError("holds characters an email address cannot have")
    parts = [p.strip() for p in re.split(r"[;,]", raw) if p.strip()]
    bad = [p for p in parts if not _EMAIL.match(p) or ".." in p]
    if bad:
        raise ValueError(f'"{bad[0][:80]}" is not a valid email address')
    return parts


def json_value(value: object) -> object:
    """`json.dumps(default=...)` for what a plan holds: amounts as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
