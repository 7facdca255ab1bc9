"""Library entry points, one per command (the CLI is a thin layer over these)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .errors import ConfigError
from .model import Finding
from .report import render_report
from .sync import SyncResult, plan_target, sync

__all__ = ["init", "sync", "check", "report", "explain", "SyncResult"]


def init(path: str | os.PathLike[str], demo: bool = False, today: dt.date | None = None,
         overwrite: bool = False) -> Path:
    """Write a new tracker built from the template (with sample data when `demo`)."""
    from .template import write_template

    target = Path(path)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ConfigError(f"{target}: a tracker file must end in .xlsx")
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} already exists; pass --force to overwrite it")
    write_template(target, demo=demo, today=today or dt.date.today())
    return target


def check(target: str | os.PathLike[str], today: dt.date | None = None) -> list[Finding]:
    return plan_target(target, today)[1].findings


def report(target: str | os.PathLike[str], today: dt.date | None = None,
           fmt: str = "text") -> str:
    tracker, p = plan_target(target, today)
    return render_report(p, tracker.settings, fmt)


def explain(target: str | os.PathLike[str], invoice: str, today: dt.date | None = None) -> str:
    """Plain words on why an invoice has its status and what happens next."""
    from .explain import explain as explain_invoice

    tracker, p = plan_target(target, today)
    return explain_invoice(tracker, p.today, invoice, p)
