"""Group emails per customer (Settings "Group emails per customer" = Y): the reminders one
customer is due for at the same step become one `statement` email listing every invoice, its
balance and days overdue, with totals per currency."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .ids import slug
from .plan import DraftRequest

if TYPE_CHECKING:
    from .engine import _Planner

# Only cadence reminders are grouped; lane emails (dispute, promise) stay about one invoice.
GROUPED = ("pre_due", "overdue_")


def group_statements(planner: _Planner) -> None:
    groups: dict[tuple[str, str], list[DraftRequest]] = {}
    for draft in planner.drafts:
        if not draft.internal and draft.template.startswith(GROUPED):
            customer = draft.outcomes[0].invoice.customer_key
            groups.setdefault((customer, draft.template), []).append(draft)
    replaced: dict[str, str] = {}
    for (_customer, template), drafts in groups.items():
        if len(drafts) < 2:
            continue
        outcomes = tuple(o for d in drafts for o in d.outcomes)
        numbers = sorted(o.invoice.number for o in outcomes)
        # The same invoices at the same step give the same id on any day: crash-safe.
        digest = hashlib.sha1("\n".join(numbers).encode()).hexdigest()[:8]
        draft_id = f"{slug(outcomes[0].invoice.customer)}-statement-{template}-{digest}"
        first = drafts[0]
        to = tuple(dict.fromkeys(a for d in drafts for a in d.to))
        statement = DraftRequest(draft_id, "statement", first.language, outcomes, to, first.cc,
                                 False, "", {}, f"statement for {template}")
        for d in drafts:
            replaced[d.draft_id] = draft_id
        planner.drafts = [d for d in planner.drafts if d.draft_id not in replaced]
        planner.drafts.append(statement)
        for o in outcomes:
            o.draft = draft_id
    if replaced:
        for entry in planner.activity:
            detail = str(entry.get("Detail") or "")
            for old, new in replaced.items():
                if detail.endswith(f"(draft {old})"):
                    entry["Detail"] = detail.replace(f"(draft {old})", f"(draft {new})")
                    entry["Detail"] = str(entry["Detail"]).replace(": ", ": statement of ", 1)
                    break
