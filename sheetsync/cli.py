"""`sheetsync` on the command line: a thin click layer over the library.

Exit codes: 0 ok, 1 findings (check), 2 bad input or configuration — always one line naming
sheet, row and column, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click

from .errors import SheetsyncError
from .values import json_value

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _friendly(func: F) -> F:
    """Turn our errors into one line and exit 2; anything unexpected too, without traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SheetsyncError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback for users
            if os.environ.get("SHEETSYNC_DEBUG"):
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (set SHEETSYNC_DEBUG=1 "
                       "for details and please report it)", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _today_option(func: F) -> F:
    return click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        help="Run as if today were this date (YYYY-MM-DD).")(func)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


class _TerminalProgress:
    """Stages and bars on stderr, only when it is a terminal (cron logs stay clean)."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def stage(self, label: str) -> None:
        if self.live:
            click.echo(f"{label}…", err=True)

    def items(self, items: Sequence[T], label: str) -> Iterator[T]:
        if not self.live or len(items) < 20:
            yield from items
            return
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar


@click.group(help="Turn a spreadsheet into a working accounts-receivable collections system.")
@click.version_option(package_name="sheetsync")
def main() -> None:
    pass


@main.command(help="Create a new AR tracker from the template (sample data with --demo).")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--demo", is_flag=True, help="Fill in about 40 sample invoices.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_today_option
@_friendly
def init(path: str, demo: bool, force: bool, today: dt.datetime | None) -> None:
    from . import api

    api.init(path, demo=demo, today=_day(today), overwrite=force)
    click.echo(f"Created {path}" + (" with demo data" if demo else "")
               + f". Next: sheetsync sync {path}")


@main.command(help="Apply today's collections policy: write engine columns, Activity, the "
              "Aging and Review sheets, and draft follow-up emails.")
@click.argument("target")
@_today_option
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--drafts", type=click.Choice(["outbox", "none"]), default="outbox",
              show_default=True, help="Where drafts go.")
@click.option("--outbox", default="outbox", show_default=True, type=click.Path(file_okay=False),
              help="Folder for .eml drafts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--force", is_flag=True, help="Write even if the file looks open in Excel.")
@_friendly
def sync(target: str, today: dt.datetime | None, dry_run: bool, drafts: str, outbox: str,
         as_json: bool, force: bool) -> None:
    from .sync import sync as run_sync

    result = run_sync(target, _day(today), dry_run=dry_run, drafts=drafts, outbox=outbox,
                      force=force, progress=None if as_json else _TerminalProgress())
    p = result.plan
    numbers = {c.key: c.row for c in p.changes}
    if as_json:
        click.echo(json.dumps({
            "target": result.target, "today": result.today.isoformat(), "dry_run": dry_run,
            "written": result.written,
            "changes": [{"sheet": c.sheet, "row": c.row, "key": c.key[0], "column": c.column,
                         "old": c.old, "new": c.new, "rule": c.rule} for c in p.changes],
            "drafts": [{"id": d.request.draft_id, "template": d.request.template,
                        "to": list(d.to), "cc": list(d.cc), "subject": d.subject,
                        "name": result.draft_names.get(d.request.draft_id)}
                       for d in result.drafts],
            "activity": p.activity, "findings": len(p.findings),
            "reports_rewritten": result.reports_rewritten,
            "status": dict(Counter(o.status.value for o in p.outcomes)),
        }, default=json_value, indent=2))
        return
    if dry_run:
        click.echo(f"Dry run for {result.target} as of {result.today}: nothing was written.")
        for c in p.changes:
            click.echo(f"  {c.sheet} row {numbers[c.key]} ({c.key[0] or 'blank'}) {c.column}: "
                       f"{_show(c.old)} -> {_show(c.new)}")
        for d in result.drafts:
            click.echo(f"  draft {d.request.draft_id}.eml ({d.request.template}) to "
                       f"{', '.join(d.to)}: {d.subject}")
        click.echo(f"  {len(p.activity)} Activity rows; report sheets: "
                   f"{', '.join(result.reports_rewritten) or 'unchanged'}")
        return
    _summary(result, outbox, drafts)


def _show(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    return repr(json_value(value)) if isinstance(value, str) else str(json_value(value))


def _summary(result: Any, outbox: str, drafts: str) -> None:
    p = result.plan
    counts = Counter(o.status.value for o in p.outcomes)
    made = len(result.draft_names) - len(result.existing_drafts)
    click.echo(f"Synced {result.target} as of {result.today}: {len(p.outcomes)} invoices.")
    click.echo("  " + ", ".join(f"{n} {s}" for s, n in counts.most_common()))
    where = f" in {outbox}/" if drafts == "outbox" else ""
    click.echo(f"  {len(p.changes)} cells changed, {len(p.activity)} Activity rows, "
               f"{made} new drafts{where}"
               + (f" ({len(result.existing_drafts)} already there)"
                  if result.existing_drafts else "")
               + (f", {len(result.drafts)} drafts not made (--drafts none)"
                  if drafts == "none" and result.drafts else ""))
    click.echo(f"  {len(p.findings)} findings on the Review sheet"
               + ("" if result.written else "; nothing needed writing"))


@main.command(help="List billing-readiness and quality findings; exit 1 when there are any.")
@click.argument("target")
@_today_option
@click.option("--json", "as_json", is_flag=True)
@_friendly
def check(target: str, today: dt.datetime | None, as_json: bool) -> None:
    from .sync import plan_target

    _tracker, p = plan_target(target, _day(today))
    if as_json:
        click.echo(json.dumps([{
            "check": f.check, "message": f.message, "fix": f.fix, "sheet": f.sheet,
            "row": f.row, "column": f.column, "invoice": f.invoice, "customer": f.customer,
            "blocks": f.blocks} for f in p.findings], indent=2))
    else:
        for f in p.findings:
            who = f" [{f.invoice}]" if f.invoice else (f" [{f.customer}]" if f.customer else "")
            click.echo(f"{f.where}{who}: {f.message} — {f.fix}")
        click.echo(f"{len(p.findings)} findings" if p.findings else "No findings.")
    sys.exit(1 if p.findings else 0)


@main.command(help="Aging by customer and bucket with totals.")
@click.argument("target")
@_today_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True)
@_friendly
def report(target: str, today: dt.datetime | None, fmt: str) -> None:
    from .report import render_report
    from .sync import plan_target

    tracker, p = plan_target(target, _day(today))
    click.echo(render_report(p, tracker.settings, fmt), nl=False)




@main.command(help="Explain in plain words why an invoice has its status and what comes next.")
@click.argument("target")
@click.argument("invoice")
@_today_option
@_friendly
def explain(target: str, invoice: str, today: dt.datetime | None) -> None:
    from . import api

    click.echo(api.explain(target, invoice, _day(today)))
