"""The Aging and Review sheets, and `sheetsync report` in text, JSON and CSV (same content)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from .backends.base import CellValue
from .metrics import FORMULAS, compute, receivable
from .plan import Plan
from .schema import REVIEW_HEADERS
from .settings import Settings
from .values import json_value

TOP_OVERDUE = 10


def bucket_labels(settings: Settings) -> list[str]:
    bounds = settings.aging_buckets
    labels, low = ["Current"], 1
    for bound in bounds:
        labels.append(f"{low}-{bound}")
        low = bound + 1
    labels.append(f"{bounds[-1]}+")
    return labels


def build_report(plan: Plan, settings: Settings) -> dict[str, Any]:
    """Everything the Aging sheet and `report` show, as plain data."""
    labels = bucket_labels(settings)
    rows: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(labels, Decimal(0)))
    reasons: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for o in plan.outcomes:
        if receivable(o) and o.aging:
            rows[(o.invoice.customer, o.currency)][o.aging] += o.balance or Decimal(0)
            if o.days_overdue:
                reasons[(o.invoice.reason or "(no reason given)", o.currency)].append(
                    o.balance or Decimal(0))
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(labels, Decimal(0)))
    for (_customer, currency), buckets in rows.items():
        for label, amount in buckets.items():
            totals[currency][label] += amount
    ordered = sorted(rows.items(), key=lambda item: (item[0][1], item[0][0].casefold()))
    overdue = sorted((o for o in plan.outcomes if receivable(o) and o.days_overdue),
                     key=lambda o: (-(o.days_overdue or 0), -(o.balance or 0)))
    return {
        "as_of": plan.today.isoformat(),
        "buckets": labels,
        "customers": [{"customer": c, "currency": cur, **b, "total": sum(b.values(), Decimal(0))}
                      for (c, cur), b in ordered],
        "totals": [{"currency": cur, **b, "total": sum(b.values(), Decimal(0))}
                   for cur, b in sorted(totals.items())],
        "metrics": [{"measure": name, "currency": m.currency, "value": value,
                     "formula": FORMULAS[name]}
                    for m in compute(plan.outcomes, plan.today) for name, value in m.rows()],
        "top_overdue": [{"invoice": o.invoice.number, "customer": o.invoice.customer,
                         "currency": o.currency, "balance": o.balance,
                         "days_overdue": o.days_overdue, "status": str(o.status),
                         "owner": o.next_action_owner} for o in overdue[:TOP_OVERDUE]],
        "delays_by_reason": [{"reason": r, "currency": cur, "invoices": len(v),
                              "balance": sum(v, Decimal(0))}
                             for (r, cur), v in sorted(reasons.items())],
    }


def aging_rows(plan: Plan, settings: Settings) -> list[list[CellValue]]:
    report = build_report(plan, settings)
    labels: list[str] = report["buckets"]
    rows: list[list[CellValue]] = [["Customer", "Currency", *labels, "Total"]]
    for r in report["customers"]:
        rows.append([r["customer"], r["currency"], *(r[k] for k in labels), r["total"]])
    for t in report["totals"]:
        rows.append(["Total", t["currency"], *(t[k] for k in labels), t["total"]])
    rows += [[], ["Measure", "Currency", "Value", "How it is computed"]]
    rows += [[m["measure"], m["currency"], m["value"], m["formula"]] for m in report["metrics"]]
    # Counts sit in column B: the template formats columns C onwards as amounts.
    rows += [[], ["Top overdue", "Days overdue", "Currency", "Balance", "Status", "Owner",
                  "Customer"]]
    rows += [[t["invoice"], t["days_overdue"], t["currency"], t["balance"], t["status"],
              t["owner"], t["customer"]] for t in report["top_overdue"]]
    rows += [[], ["Delays by reason", "Overdue invoices", "Currency", "Overdue balance"]]
    rows += [[d["reason"], d["invoices"], d["currency"], d["balance"]]
             for d in report["delays_by_reason"]]
    rows += [[], ["As of", report["as_of"]]]
    return rows


def review_rows(plan: Plan) -> list[list[CellValue]]:
    owners = {o.invoice.row: o.next_action_owner for o in plan.outcomes}
    rows: list[list[CellValue]] = [list(REVIEW_HEADERS)]
    for f in plan.findings:
        owner = f.owner or (owners.get(f.row, "") if f.row and f.invoice else "")
        rows.append([f.invoice, f.customer, owner, f.check, f.message, f.fix, f.where])
    return rows


def render_report(plan: Plan, settings: Settings, fmt: str) -> str:
    report = build_report(plan, settings)
    if fmt == "json":
        return json.dumps(report, default=json_value, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in aging_rows(plan, settings):
            writer.writerow(["" if v is None else v for v in row])
        return out.getvalue()
    return _text(report)


def _text(report: dict[str, Any]) -> str:
    labels: list[str] = report["buckets"]
    width = max([len("Customer")] + [len(r["customer"]) for r in report["customers"]])
    head = f"{'Customer':<{width}}  Cur " + "".join(f"{k:>12}" for k in [*labels, "Total"])
    lines = [f"Aging as of {report['as_of']}", head, "-" * len(head)]
    for r in report["customers"] + [dict(t, customer="TOTAL") for t in report["totals"]]:
        lines.append(f"{r['customer']:<{width}}  {r['currency']:<3} " + "".join(
            f"{r[k]:>12,.2f}" for k in [*labels, "total"]))
    lines += ["", "Measures"]
    for m in report["metrics"]:
        value = "n/a" if m["value"] is None else f"{m['value']:,}"
        lines.append(f"  {m['measure']:<24} {m['currency']:<3} {value:>14}   {m['formula']}")
    lines += ["", "Top overdue"]
    for t in report["top_overdue"]:
        lines.append(f"  {t['invoice']:<12} {t['customer'][:24]:<24} {t['currency']:<3} "
                     f"{t['balance']:>12,.2f} {t['days_overdue']:>5} days  {t['status']:<14} "
                     f"{t['owner']}")
    lines += ["", "Delays by reason"]
    for d in report["delays_by_reason"]:
        lines.append(f"  {d['reason']:<26} {d['currency']:<3} {d['invoices']:>4} invoices "
                     f"{d['balance']:>12,.2f}")
    return "\n".join(lines) + "\n"
