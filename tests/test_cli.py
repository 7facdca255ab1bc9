"""The command line through click's CliRunner, on real .xlsx files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.cli import main

TODAY = "2026-12-04"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.xlsx"
    code, out, err = run("init", str(path), "--demo", "--today", TODAY)
    assert code == 0, err
    assert "Created" in out
    return path


def test_every_command_has_help() -> None:
    for command in main.commands.values():
        assert command.help, command.name
        code, out, _ = run(command.name or "", "--help")
        assert code == 0 and "Usage:" in out


def test_init_refuses_to_overwrite(demo: Path) -> None:
    before = digest(demo)
    code, _, err = run("init", str(demo))
    assert code == 2 and "already exists" in err
    assert digest(demo) == before


def test_sync_end_to_end_then_idempotent(demo: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "out"
    code, out, err = run("sync", str(demo), "--today", TODAY, "--outbox", str(outbox))
    assert code == 0, err
    assert f"Synced demo.xlsx as of {TODAY}" in out
    drafts = sorted(p.name for p in outbox.glob("*.eml"))
    assert drafts, "the demo should draft reminders"
    wb = openpyxl.load_workbook(demo)
    assert len(wb["Activity"]["A"]) > 5
    assert wb["Review"].max_row > 1 and wb["Aging"].max_row > 1
    before = digest(demo)
    code, out, err = run("sync", str(demo), "--today", TODAY, "--outbox", str(outbox))
    assert code == 0, err
    assert "0 cells changed, 0 Activity rows, 0 new drafts" in out
    assert digest(demo) == before, "a second sync the same day must not touch the file"
    assert sorted(p.name for p in outbox.glob("*.eml")) == drafts


def test_dry_run_writes_nothing_and_lists_cells_and_drafts(demo: Path, tmp_path: Path) -> None:
    before = digest(demo)
    outbox = tmp_path / "out"
    code, out, err = run("sync", str(demo), "--today", TODAY, "--dry-run", "--outbox",
                         str(outbox))
    assert code == 0, err
    assert digest(demo) == before and not outbox.exists()
    assert "nothing was written" in out
    assert "Invoices row 2 (" in out and "Status: (blank) -> " in out
    assert ".eml (overdue_" in out


def test_sync_json_is_machine_readable(demo: Path, tmp_path: Path) -> None:
    code, out, _ = run("sync", str(demo), "--today", TODAY, "--json", "--drafts", "none")
    assert code == 0
    data = json.loads(out)
    assert data["today"] == TODAY and data["written"] is True
    assert {"sheet", "row", "key", "column", "old", "new", "rule"} <= set(data["changes"][0])
    assert data["drafts"] and all(d["name"] is None for d in data["drafts"])
    assert sum(data["status"].values()) >= 40


def test_check_exits_1_with_findings_naming_the_place(demo: Path) -> None:
    code, out, _ = run("check", str(demo), "--today", TODAY)
    assert code == 1
    assert "Invoices row " in out and "not a valid email address" in out
    assert "PO Number is missing" in out


def test_check_exits_0_on_a_clean_tracker(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    run("init", str(path))
    code, out, _ = run("check", str(path), "--today", TODAY)
    assert (code, out.strip()) == (0, "No findings.")


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_report_formats(demo: Path, fmt: str) -> None:
    code, out, err = run("report", str(demo), "--today", TODAY, "--format", fmt)
    assert code == 0, err
    if fmt == "json":
        data = json.loads(out)
        assert data["buckets"][0] == "Current" and data["customers"] and data["totals"]
        usd = next(t for t in data["totals"] if t["currency"] == "USD")
        assert usd["total"] == pytest.approx(sum(
            r["total"] for r in data["customers"] if r["currency"] == "USD"))
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0][:3] == ["Customer", "Currency", "Current"]
        assert any(r and r[0] == "Total" for r in rows)
        assert any(r and r[0] == "DSO (countback)" for r in rows)
    else:
        assert out.startswith(f"Aging as of {TODAY}") and "TOTAL" in out
        assert "DSO (countback)" in out and "Top overdue" in out


@pytest.mark.parametrize(("setup", "message"), [
    ("missing_file", "no such file"),
    ("not_a_workbook", "not"),
    ("missing_sheet", 'the sheet "Team" is missing'),
    ("missing_column", 'Invoices row 1, column "Invoice Date": required column'),
    ("bad_setting", 'Settings row'),
])
def test_structural_problems_exit_2_with_one_line_and_leave_the_file(
        demo: Path, tmp_path: Path, setup: str, message: str) -> None:
    target = demo
    if setup == "missing_file":
        target = tmp_path / "nope.xlsx"
    elif setup == "not_a_workbook":
        target = tmp_path / "notes.xlsx"
        target.write_text("just text")
    else:
        wb = openpyxl.load_workbook(demo)
        if setup == "missing_sheet":
            del wb["Team"]
        elif setup == "missing_column":
            wb["Invoices"].cell(1, 3).value = "Invoiced"
        else:
            ws = wb["Settings"]
            row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Due soon days")
            row[1].value = "soon"
        wb.save(demo)
    before = target.read_bytes() if target.exists() else None
    for command in ("sync", "check", "report"):
        code, out, err = run(command, str(target), "--today", TODAY)
        assert code == 2, (command, out, err)
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    if before is not None:
        assert target.read_bytes() == before


def test_locked_file_is_refused_unless_forced(demo: Path, tmp_path: Path) -> None:
    lock = demo.parent / f".~lock.{demo.name}#"
    lock.write_text("someone,host")
    before = digest(demo)
    code, _, err = run("sync", str(demo), "--today", TODAY, "--outbox", str(tmp_path / "o"))
    assert code == 2 and "LibreOffice" in err
    assert digest(demo) == before
    code, _, err = run("sync", str(demo), "--today", TODAY, "--force", "--outbox",
                       str(tmp_path / "o"))
    assert code == 0, err
    assert zipfile.is_zipfile(demo)


def test_explain_names_status_steps_and_next_action(demo: Path) -> None:
    code, out, err = run("explain", str(demo), "INV-1005", "--today", TODAY)
    assert code == 0, err
    assert out.startswith("INV-1005 (") and "Status: " in out and "Cadence Standard" in out
    assert "Next: " in out
    code, _, err = run("explain", str(demo), "NOPE-1", "--today", TODAY)
    assert code == 2 and 'no invoice "NOPE-1"' in err
