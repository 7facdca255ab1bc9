"""Reading untrusted cells: every accepted form, and refusals that say why."""

import datetime as dt
from decimal import Decimal

import pytest

from sheetsync.values import key_text, parse_amount, parse_date, parse_emails, parse_flag

D = dt.date(2026, 12, 3)


@pytest.mark.parametrize("raw", [
    46359,                      # Excel serial (1900 system)
    46359.75,                   # serial with a time part
    "46359",                    # serial typed as text
    "2026-12-03",
    "12/03/2026",               # month first
    "3/12/26".replace("3/12", "12/3"),  # two-digit year
    "3 Dec 2026",
    "  3   Dec   2026 ",        # text with spaces
    "December 3, 2026",
    dt.datetime(2026, 12, 3, 15, 30),
    D,
])
def test_dates_in_many_forms(raw: object) -> None:
    assert parse_date(raw) == D


def test_day_first_when_month_cannot_be_first() -> None:
    assert parse_date("31/12/2026") == dt.date(2026, 12, 31)


def test_1904_date_system() -> None:
    assert parse_date(44897, date1904=True) == D


@pytest.mark.parametrize("raw", ["2026-02-30", "13/13/2026", "soon", "5", "31 Foo 2026",
                                 True, -3, 9_999_999, "x" * 100])
def test_impossible_dates_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_date(raw)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_date_is_none(raw: object) -> None:
    assert parse_date(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [
    (1234.5, "1234.5"), (1234, "1234"), ("$1,234.50", "1234.50"), ("1.234,50 €", "1234.50"),
    ("1 234,50", "1234.50"), ("(1,234.50)", "-1234.50"), ("-250", "-250"), ("12,5", "12.5"),
    ("1,234,567", "1234567"), ("1.234.567", "1234567"), ("EUR 99", "99"),
    ("CHF 1'234.50", "1234.50"),
])
def test_amounts(raw: object, expected: str) -> None:
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "1-2", "$", "1e400", float("inf"), 1e15, True])
def test_bad_amounts(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("a@b.example", ["a@b.example"]), ("a@b.example; c@d.example", ["a@b.example", "c@d.example"]),
    ("a@b.example, c@d.example", ["a@b.example", "c@d.example"]), ("", []),
])
def test_emails(raw: str, expected: list[str]) -> None:
    assert parse_emails(raw) == expected


@pytest.mark.parametrize("raw", [
    "ap@@broken", "no-at-sign", "a@b.example\r\nBcc: evil@x.example", "Pat <a@b.example>",
    "a@b", "a..b@c.example", "a@b.example\x00",
])
def test_bad_or_injected_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_emails(raw)


@pytest.mark.parametrize(("raw", "expected"), [("Y", True), ("yes", True), ("n", False),
                                               (None, False), ("", False), (1, True)])
def test_flags(raw: object, expected: bool) -> None:
    assert parse_flag(raw) is expected


def test_flag_refuses_other_text() -> None:
    with pytest.raises(ValueError, match="not Y or N"):
        parse_flag("maybe")


@pytest.mark.parametrize(("a", "b"), [(1001.0, "1001"), (" INV-1 ", "inv-1"), ("A  B", "a b")])
def test_keys_match_loosely(a: object, b: object) -> None:
    assert key_text(a) == key_text(b)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("From email", "ar@@x", '"From email" "ar@@x" is not a valid email address'),
    ("Reply-To", "a@b.example\r\nBcc: x@y.example", "cannot have"),
    ("From name", "A\nBcc: x@y.example", "must be one line"),
    ("Due soon days", "soon", '"soon" is not a number'),
    ("Aging buckets", "30, 15", "increasing whole numbers"),
])
def test_settings_that_reach_headers_or_rules_are_validated(name: str, value: str,
                                                            message: str) -> None:
    from sheetsync.errors import WorkbookError
    from sheetsync.settings import parse_settings

    with pytest.raises(WorkbookError, match=r'Settings row 7, column "Value"') as err:
        parse_settings([(7, name, value)])
    assert message in str(err.value)
