"""Collection metrics for the Aging sheet and `sheetsync report`, per currency.

    DSO (countback)   Walk back 30-day periods from today, subtracting each period's sales
                      from today's AR; full periods count 30 days, the last one the fraction
                      of its sales still unpaid. Period sales = Amount of invoices dated in it.
    CEI (30 days)     (AR 30 days ago + sales since − AR now)
                      / (AR 30 days ago + sales since − current (not overdue) AR now) × 100.
                      AR 30 days ago is rebuilt from the rows: invoices dated before then,
                      less payments whose Paid On is before then.
    ADD               Average days delinquent = DSO − best possible DSO, where best possible
                      DSO = current AR / sales of the last 30 days × 30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .plan import Outcome
from .schema import CLOSED, Status

PERIOD = 30
MAX_PERIODS = 24

FORMULAS = {
    "Total AR": "sum of open balances of sent invoices",
    "Overdue %": "overdue AR / total AR × 100",
    "DSO (countback)": "today's AR counted back against each 30-day period's sales",
    "CEI (30 days)": "(AR 30 days ago + sales − AR now) / (AR 30 days ago + sales − current "
                     "AR now) × 100",
    "Average days delinquent": "DSO − current AR / last 30 days' sales × 30",
}


@dataclass(frozen=True, slots=True)
class Metrics:
    currency: str
    total_ar: Decimal
    overdue_percent: Decimal
    dso: Decimal | None
    cei: Decimal | None
    add: Decimal | None

    def rows(self) -> list[tuple[str, Decimal | None]]:
        return [("Total AR", self.total_ar), ("Overdue %", self.overdue_percent),
                ("DSO (countback)", self.dso), ("CEI (30 days)", self.cei),
                ("Average days delinquent", self.add)]


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


def receivable(o: Outcome) -> bool:
    """Issued, open and positive: what AR counts (credit notes and unsent work are not AR)."""
    return (o.status not in CLOSED and o.status not in (Status.READY, Status.BLOCKED)
            and o.balance is not None and o.balance > 0)


def _sales(outcomes: list[Outcome], start: dt.date, end: dt.date) -> Decimal:
    """Invoiced in (start, end]."""
    return sum((o.invoice.amount or Decimal(0) for o in outcomes
                if o.invoice.invoice_date and start < o.invoice.invoice_date <= end
                and (o.invoice.amount or 0) > 0 and o.status != Status.CANCELLED), Decimal(0))


def _ar_at(outcomes: list[Outcome], day: dt.date) -> Decimal:
    total = Decimal(0)
    for o in outcomes:
        inv = o.invoice
        if not inv.invoice_date or inv.invoice_date > day or not inv.amount or inv.amount <= 0:
            continue
        if inv.sent_on is None or o.status == Status.CANCELLED:
            continue
        paid = inv.amount_paid or Decimal(0)
        paid_before = paid if inv.paid_on is not None and inv.paid_on <= day else Decimal(0)
        total += max(inv.amount - paid_before, Decimal(0))
    return total


def compute(outcomes: list[Outcome], today: dt.date) -> list[Metrics]:
    by_currency: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_currency.setdefault(o.currency, []).append(o)
    result = []
    for currency, rows in sorted(by_currency.items()):
        open_rows = [o for o in rows if receivable(o)]
        total = sum((o.balance or Decimal(0) for o in open_rows), Decimal(0))
        if not total and not any(o.invoice.amount for o in rows):
            continue
        overdue = sum((o.balance or Decimal(0) for o in open_rows if o.days_overdue),
                      Decimal(0))
        current = total - overdue
        dso = _countback(rows, total, today)
        start = today - dt.timedelta(days=PERIOD)
        sales = _sales(rows, start, today)
        begin = _ar_at(rows, start)
        denominator = begin + sales - current
        cei = _q((begin + sales - total) * 100 / denominator) if denominator > 0 else None
        add = _q(dso - current / sales * PERIOD) if dso is not None and sales > 0 else None
        result.append(Metrics(currency, total, _q(overdue * 100 / total) if total else
                              Decimal(0), dso, cei, add))
    return result


def _countback(rows: list[Outcome], total: Decimal, today: dt.date) -> Decimal | None:
    remaining, days = total, Decimal(0)
    if not total:
        return Decimal(0)
    for k in range(MAX_PERIODS):
        end = today - dt.timedelta(days=PERIOD * k)
        sales = _sales(rows, end - dt.timedelta(days=PERIOD), end)
        if sales >= remaining:
            return _q(days + PERIOD * remaining / sales)
        remaining -= sales
        days += PERIOD
    return None  # AR older than two years of sales: not a meaningful DSO
