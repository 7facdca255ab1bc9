"""The Aging and Review sheets, and `sheetsync report` in text, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from .backends.base import CellValue
from .plan import Outcome, Plan
from .schema import CLOSED, REVIEW_HEADERS, Status
from .settings import Settings


def bucket_labels(settings: Settings) -> list[str]:
    bounds = settings.aging_buckets
    labels, low = ["Current"], 1
    for bound in bounds:
        labels.append(f"{low}-{bound}")
        low = bound + 1
    labels.append(f"{bounds[-1]}+")
    return labels


def _receivable(o: Outcome) -> bool:
    """Issued, open and positive: what aging counts (credit notes and unsent work are not AR)."""
    return (o.status not in CLOSED and o.status not in (Status.READY, Status.BLOCKED)
            and o.balance is not None and o.balance > 0)


def aging_table(plan: Plan, settings: Settings) -> dict[str, Any]:
    labels = bucket_labels(settings)
    rows: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(labels, Decimal(0)))
    for o in plan.outcomes:
        if _receivable(o) and o.aging:
            rows[(o.invoice.customer, o.currency)][o.aging] += o.balance or Decimal(0)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(labels, Decimal(0)))
    for (_customer, currency), buckets in rows.items():
        for label, amount in buckets.items():
            totals[currency][label] += amount
    ordered = sorted(rows.items(), key=lambda item: (item[0][1], item[0][0].casefold()))
    return {
        "buckets": labels,
        "customers": [
            {"customer": c, "currency": cur, **{k: v for k, v in b.items()},
             "total": sum(b.values(), Decimal(0))} for (c, cur), b in ordered],
        "totals": [
            {"currency": cur, **b, "total": sum(b.values(), Decimal(0)),
             "overdue_percent": _percent(sum((v for k, v in b.items() if k != "Current"),
                                             Decimal(0)),
                                         sum(b.values(), Decimal(0)))}
            for cur, b in sorted(totals.items())],
    }


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def aging_rows(plan: Plan, settings: Settings) -> list[list[CellValue]]:
    table = aging_table(plan, settings)
    labels: list[str] = table["buckets"]
    rows: list[list[CellValue]] = [["Customer", "Currency", *labels, "Total"]]
    for r in table["customers"]:
        rows.append([r["customer"], r["currency"], *(r[k] for k in labels), r["total"]])
    for t in table["totals"]:
        rows.append(["Total", t["currency"], *(t[k] for k in labels), t["total"]])
    rows.append([])
    rows.append(["Measure", "Currency", "Value"])
    for t in table["totals"]:
        rows.append(["Total AR", t["currency"], t["total"]])
        rows.append(["Overdue %", t["currency"], t["overdue_percent"]])
    rows.append(["As of", plan.today.isoformat()])
    return rows


def review_rows(plan: Plan) -> list[list[CellValue]]:
    owners = {o.invoice.row: o.next_action_owner for o in plan.outcomes}
    rows: list[list[CellValue]] = [list(REVIEW_HEADERS)]
    for f in plan.findings:
        owner = f.owner or (owners.get(f.row, "") if f.row and f.invoice else "")
        rows.append([f.invoice, f.customer, owner, f.check, f.message, f.fix, f.where])
    return rows


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    return value


def render_report(plan: Plan, settings: Settings, fmt: str) -> str:
    table = aging_table(plan, settings)
    labels: list[str] = table["buckets"]
    if fmt == "json":
        return json.dumps(table, default=_plain, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["customer", "currency", *labels, "total"])
        for r in table["customers"]:
            writer.writerow([r["customer"], r["currency"], *(r[k] for k in labels), r["total"]])
        for t in table["totals"]:
            writer.writerow(["TOTAL", t["currency"], *(t[k] for k in labels), t["total"]])
        return out.getvalue()
    width = max([len("Customer")] + [len(r["customer"]) for r in table["customers"]])
    head = f"{'Customer':<{width}}  Cur " + "".join(f"{k:>12}" for k in [*labels, "Total"])
    lines = [f"Aging as of {plan.today.isoformat()}", head, "-" * len(head)]
    for r in table["customers"]:
        lines.append(f"{r['customer']:<{width}}  {r['currency']:<3} " + "".join(
            f"{r[k]:>12,.2f}" for k in labels) + f"{r['total']:>12,.2f}")
    for t in table["totals"]:
        lines.append(f"{'TOTAL':<{width}}  {t['currency']:<3} " + "".join(
            f"{t[k]:>12,.2f}" for k in labels) + f"{t['total']:>12,.2f}"
            + f"   overdue {t['overdue_percent']}%")
    return "\n".join(lines) + "\n"
