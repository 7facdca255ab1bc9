"""Collection metrics against hand-computed examples (see sheetsync/metrics.py for formulas)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from builders import TODAY, workbook

from sheetsync.engine import plan
from sheetsync.metrics import compute
from sheetsync.report import aging_rows
from sheetsync.sync import load


def row(number: str, issued: dt.date, amount: int, **fields: Any) -> dict[str, Any]:
    return {"Invoice #": number, "Customer": "Globex", "Invoice Date": issued,
            "Amount": amount, "Sent On": issued, **fields}


ROWS = [
    row("A", dt.date(2026, 11, 20), 1000),                        # current
    row("B", dt.date(2026, 10, 20), 2000),                        # 15 days overdue
    row("C", dt.date(2026, 10, 10), 3000,
        **{"Amount Paid": 3000, "Paid On": dt.date(2026, 11, 15)}),  # paid after Nov 4
    row("D", dt.date(2026, 9, 1), 500),                           # 64 days overdue
]


def test_metrics_match_a_hand_computed_example() -> None:
    _raw, tracker = load(workbook(ROWS))
    [m] = compute(plan(tracker, TODAY).outcomes, TODAY)
    # AR = 1000 + 2000 + 500; overdue = 2500 → 71.4 %.
    assert (m.currency, m.total_ar, m.overdue_percent) == ("USD", 3500, Decimal("71.4"))
    # Countback: Nov 5–Dec 4 sales 1000 (30 days, 2500 left); Oct 6–Nov 4 sales 5000 covers
    # the rest: 30 + 30 × 2500 / 5000 = 45.
    assert m.dso == Decimal("45.0")
    # AR on Nov 4 = B 2000 + C 3000 (paid later) + D 500 = 5500; sales since = 1000;
    # CEI = (5500 + 1000 − 3500) / (5500 + 1000 − 1000) = 54.5 %.
    assert m.cei == Decimal("54.5")
    # ADD = 45 − 1000 / 1000 × 30 = 15.
    assert m.add == Decimal("15.0")


def test_aging_sheet_names_each_formula() -> None:
    _raw, tracker = load(workbook(ROWS))
    rows = aging_rows(plan(tracker, TODAY), tracker.settings)
    measures = {r[0]: r for r in rows if r and r[0] in (
        "Total AR", "Overdue %", "DSO (countback)", "CEI (30 days)", "Average days delinquent")}
    assert len(measures) == 5
    assert all(isinstance(r[3], str) and len(r[3]) > 10 for r in measures.values())
    globex = next(r for r in rows if r[0] == "Globex")
    assert globex[:8] == ["Globex", "USD", 1000, 2000, 0, 0, 500, 0]
