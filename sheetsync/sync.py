"""The shell around the pure core: open → read → parse → plan → render → draft → write.

Order matters for crash safety: drafts are made (idempotently, by draft id) before the workbook
is written, so a sync that died halfway and runs again finds its drafts and makes no duplicate.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .backends.base import Backend, CellValue, Changes, KeyedUpdate, RawSheet, RawWorkbook, Replace
from .engine import plan as make_plan
from .errors import ConfigError, WorkbookError
from .mail.base import Sink
from .model import Tracker
from .parse import map_headers, parse_workbook
from .plan import DraftRequest, Plan
from .render import RenderedDraft, render_draft
from .report import aging_rows, review_rows
from .schema import AGING, INPUT_SHEETS, REVIEW, SETTINGS, SHEET_COLUMNS, header_key
from .settings import Settings
from .values import text

T = TypeVar("T")


class Progress(Protocol):
    """What a long sync reports as it goes (the CLI draws it on a terminal)."""

    def stage(self, label: str) -> None: ...

    def items(self, items: Sequence[T], label: str) -> Iterable[T]: ...


@dataclass(slots=True)
class SyncResult:
    """What a sync did (or, with dry_run, would do)."""

    target: str
    today: dt.date
    plan: Plan
    drafts: list[RenderedDraft]
    draft_names: dict[str, str] = field(default_factory=dict)
    existing_drafts: list[str] = field(default_factory=list)
    reports_rewritten: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    dry_run: bool = False
    written: bool = False


Target = str | os.PathLike[str] | Backend


def open_backend(target: Target, force: bool = False) -> Backend:
    """An `.xlsx` / `.xlsm` path, or a ready backend object (library use, tests)."""
    if not isinstance(target, (str, os.PathLike)):
        return target
    name = os.fspath(target)
    if name.startswith(("https://docs.google.com/", "gsheet:")):
        raise ConfigError("Google Sheets targets need the Google backend, which is not "
                          "installed in this version; use an .xlsx file")
    path = Path(name)
    if not path.exists():
        raise ConfigError(f"{name}: no such file (create one with `sheetsync init {name}`)")
    from .backends.xlsx import XlsxBackend

    return XlsxBackend(path, force=force)


def today_in(settings: Settings) -> dt.date:
    try:
        zone = ZoneInfo(settings.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkbookError(f'Timezone "{settings.timezone}" is not a time zone name such as '
                            "America/New_York", SETTINGS, None, "Value") from None
    return dt.datetime.now(zone).date()


def load(backend: Backend, with_reports: bool = False) -> tuple[RawWorkbook, Tracker]:
    wanted = INPUT_SHEETS + ((AGING, REVIEW) if with_reports else ())
    raw = backend.read(wanted)
    return raw, parse_workbook(raw)


def plan_target(target: Target, today: dt.date | None = None
                ) -> tuple[Tracker, Plan]:
    """Read and plan without writing anything (check, report, explain)."""
    backend = open_backend(target, force=True)
    _raw, tracker = load(backend)
    day = today or today_in(tracker.settings)
    return tracker, make_plan(tracker, day)


def sync(target: Target, today: dt.date | None = None, *,
         dry_run: bool = False, drafts: str = "outbox", outbox: str | os.PathLike[str] = "outbox",
         force: bool = False, sink: Sink | None = None,
         progress: Progress | None = None) -> SyncResult:
    backend = open_backend(target, force=force)
    check_lock = getattr(backend, "check_lock", None)
    if check_lock is not None and not dry_run:
        check_lock()
    if progress is not None:
        progress.stage(f"Reading {backend.label}")
    raw, tracker = load(backend, with_reports=True)
    for name in INPUT_SHEETS:  # parsed now; only the report sheets and Settings are needed
        if name != SETTINGS:
            raw.sheets.pop(name, None)
    day = today or today_in(tracker.settings)
    if progress is not None:
        progress.stage(f"Planning {len(tracker.invoices):,} invoices")
    the_plan = make_plan(tracker, day)
    requests: Iterable[DraftRequest] = the_plan.drafts
    if progress is not None:
        requests = progress.items(the_plan.drafts, "Rendering drafts")
    rendered = [render_draft(request, tracker, day) for request in requests]
    result = SyncResult(backend.label, day, the_plan, rendered, dry_run=dry_run)

    reports = {sheet: rows for sheet, rows in (
        (AGING, aging_rows(the_plan, tracker.settings)), (REVIEW, review_rows(the_plan)))
        if not _same_sheet(raw.sheets.get(sheet), rows)}
    result.reports_rewritten = list(reports)
    stamp = day if tracker.settings.last_sync != day and _has_setting(
        raw.sheets[SETTINGS], "Last sync") else None
    if dry_run:
        result.changes = _changes(the_plan, reports, {}, stamp)
        return result

    if drafts != "none" and rendered:
        if sink is None:
            sink = _make_sink(drafts, outbox, tracker.settings)
        items: Iterable[RenderedDraft] = rendered
        if progress is not None:
            items = progress.items(rendered, f"Drafting to {sink.name}")
        for draft in items:
            draft_id = draft.request.draft_id
            if sink.find(draft_id) is not None:
                result.existing_drafts.append(draft_id)
            prior = sink.find(draft.request.reply_to_draft) \
                if draft.request.reply_to_draft else None
            result.draft_names[draft_id] = sink.create(draft, prior, day)
        sink.flush()
    result.changes = _changes(the_plan, reports, result.draft_names, stamp)
    if result.changes:
        if progress is not None:
            progress.stage(f"Writing {backend.label}")
        backend.apply(result.changes)
        result.written = True
    return result


def _changes(the_plan: Plan, reports: dict[str, list[list[CellValue]]],
             draft_names: dict[str, str], stamp: dt.date | None) -> Changes:
    """`stamp`: the date for Settings' Last sync row, when it has one that is out of date."""
    changes = the_plan.to_changes(draft_names)
    changes.replaces = [Replace(sheet, rows) for sheet, rows in reports.items()]
    if stamp is not None:
        changes.keyed.append(KeyedUpdate(SETTINGS, "Setting", ("Value",),
                                         {("last sync", 0): {"Value": stamp}}))
    return changes


def _make_sink(kind: str, outbox: str | os.PathLike[str], settings: Settings) -> Sink:
    if kind == "outbox":
        from .mail.outbox import OutboxSink

        return OutboxSink(outbox, settings.from_email)
    raise ConfigError(f'--drafts {kind}: this version drafts to "outbox" or "none"')


def _norm(value: CellValue) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            return str(Decimal(str(value)).normalize())
        except InvalidOperation:
            return str(value)
    return text(value)


def _has_setting(sheet: RawSheet, name: str) -> bool:
    column = map_headers(sheet, SHEET_COLUMNS[SETTINGS])["Setting"]
    return any(len(values) > column and header_key(values[column]) == header_key(name)
               for _n, values in sheet.rows)


def _same_sheet(sheet: RawSheet | None, rows: list[list[CellValue]]) -> bool:
    """Whether a report sheet already shows `rows` (blank rows are not read back)."""
    if sheet is None:
        return False
    current = [sheet.header] + [values for _n, values in sheet.rows]
    wanted = [r for r in rows if any(v not in (None, "") for v in r)]
    if len(current) != len(wanted):
        return False

    def trim(row: list[CellValue]) -> list[str]:
        out = [_norm(v) for v in row]
        while out and out[-1] == "":
            out.pop()
        return out

    return all(trim(a) == trim(b) for a, b in zip(current, wanted, strict=True))
