"""Sixty consecutive daily syncs of the demo tracker, with people editing between days: every
draft appears exactly once, and no reminder reaches a disputed, held, promised, planned, paid
or closed invoice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheetsync.backends.memory import MemoryBackend
from sheetsync.schema import INVOICES, PAUSED, Status, header_key
from sheetsync.sync import sync
from sheetsync.template import build_workbook

START = dt.date(2026, 12, 4)
REMINDERS = ("pre_due", "overdue_", "statement", "courtesy")


def demo_backend() -> MemoryBackend:
    wb = build_workbook(demo=True, today=START)
    sheets = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        while rows and len(rows) > 1 and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()
        sheets[ws.title] = rows
    return MemoryBackend(sheets)


def _edit(backend: MemoryBackend, row_index: int, header: str, value: object) -> None:
    rows = backend.sheets[INVOICES]
    col = [header_key(h) for h in rows[0]].index(header_key(header))
    rows[row_index].extend([None] * (col + 1 - len(rows[row_index])))
    rows[row_index][col] = value


def test_sixty_days_of_daily_syncs(tmp_path: Path) -> None:
    backend = demo_backend()
    seen: dict[str, dt.date] = {}
    for n in range(60):
        today = START + dt.timedelta(days=n)
        if n == 10:  # someone pays the first open invoice, another disputes one
            _edit(backend, 5, "Amount Paid", 10**6)
            _edit(backend, 6, "Dispute", "quantity short")
        if n == 20:
            _edit(backend, 6, "Dispute", None)
            _edit(backend, 7, "Hold", "Y")
        result = sync(backend, today, outbox=tmp_path)
        statuses = {o.invoice.key: o.status for o in result.plan.outcomes}
        for draft in result.drafts:
            draft_id = draft.request.draft_id
            assert draft_id not in seen, f"{draft_id} made on {seen[draft_id]} and {today}"
            seen[draft_id] = today
            if draft.request.template.startswith(REMINDERS):
                for o in draft.request.outcomes:
                    status = statuses[o.invoice.key]
                    assert status not in PAUSED and status not in (
                        Status.PAID, Status.WRITTEN_OFF, Status.CREDITED, Status.CANCELLED), (
                        f"{draft_id} reached a {status} invoice on {today}")
        again = sync(backend, today, outbox=tmp_path)
        assert not again.drafts and not again.plan.changes and not again.plan.activity, today
    assert len(seen) > 40
    assert sorted(p.stem for p in tmp_path.glob("*.eml")) == sorted(seen)
