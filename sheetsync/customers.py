"""The Customers sheet's engine columns: balances, lateness history and a risk grade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from .backends.base import CellValue
from .model import Customer
from .plan import Outcome
from .schema import CLOSED, Status

if TYPE_CHECKING:
    from .engine import _Planner


def days_late(o: Outcome) -> int | None:
    """How late a paid invoice was paid (0 when on time); None when unknown or not paid."""
    if o.status != Status.PAID or o.invoice.paid_on is None or o.due is None:
        return None
    return max(0, (o.invoice.paid_on - o.due).days)


def customer_columns(planner: _Planner, outcomes: list[Outcome]
                     ) -> Iterator[tuple[Customer, dict[str, CellValue]]]:
    today, s = planner.today, planner.s
    by_customer: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_customer.setdefault(o.invoice.customer_key, []).append(o)
    year_ago = today - dt.timedelta(days=365)
    for key, customer in planner.t.customers.items():
        rows = by_customer.get(key, [])
        open_rows = [o for o in rows if o.status not in CLOSED and o.balance and o.balance > 0]
        overdue = [o for o in open_rows if o.days_overdue]
        late = [d for o in rows if (d := days_late(o)) is not None]
        late_12m = sum(
            1 for o in rows if o.due is not None and o.due >= year_ago and (
                (o.days_overdue or 0) > 0 or (days_late(o) or 0) > 0))
        oldest = max((o.days_overdue or 0 for o in overdue), default=0)
        overdue_balance = sum((o.balance or Decimal(0) for o in overdue), Decimal(0))
        avg_late = round(sum(late) / len(late)) if late else None
        if oldest > 60 or overdue_balance >= s.escalation_amount or late_12m >= 3:
            risk = "High"
        elif overdue or (avg_late or 0) > 7:
            risk = "Medium"
        else:
            risk = "Low"
        yield customer, {
            "Open Balance": sum((o.balance or Decimal(0) for o in open_rows), Decimal(0)),
            "Overdue Balance": overdue_balance,
            "Oldest Overdue Days": oldest or None,
            "Avg Days Late": avg_late,
            "Late Invoices (12 months)": late_12m,
            "Risk": risk,
        }
