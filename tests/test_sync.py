"""The shell around the core: crash safety, writing nothing when nothing changed, Last sync."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import TODAY, invoice, row_of, workbook

from sheetsync.backends.base import Changes
from sheetsync.backends.memory import MemoryBackend
from sheetsync.schema import SETTINGS
from sheetsync.sync import sync

DAY = dt.timedelta(days=1)


class CrashingBackend(MemoryBackend):
    """Dies while writing the workbook, after the drafts were made: a power cut mid-sync."""

    crash = True

    def apply(self, changes: Changes) -> None:
        if self.crash:
            raise OSError("disk went away")
        super().apply(changes)


def test_a_sync_that_crashed_halfway_makes_no_duplicate_draft(tmp_path: Path) -> None:
    source = workbook([invoice("A", due=TODAY - 7 * DAY, Stage="Day 1"),
                       invoice("B", due=TODAY + 3 * DAY)])
    backend = CrashingBackend(source.sheets)
    with pytest.raises(OSError):
        sync(backend, TODAY, outbox=tmp_path)
    made = sorted(p.name for p in tmp_path.glob("*.eml"))
    assert made == ["A-overdue_7.eml", "B-pre_due.eml"]
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.eml")}
    assert row_of(backend, "A")["Stage"] == "Day 1", "the workbook was not written"

    backend.crash = False
    result = sync(backend, TODAY + DAY, outbox=tmp_path)  # even a day later
    assert sorted(result.existing_drafts) == ["A-overdue_7", "B-pre_due"]
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.eml")} == before
    assert row_of(backend, "A")["Draft"] == "A-overdue_7.eml"
    assert row_of(backend, "A")["Stage"] == "Day 7"


def test_nothing_is_written_when_nothing_changed(tmp_path: Path) -> None:
    backend = workbook([invoice(due=TODAY - 7 * DAY)])
    sync(backend, TODAY, outbox=tmp_path)
    writes = backend.applied
    again = sync(backend, TODAY, outbox=tmp_path)
    assert (again.written, backend.applied, again.drafts) == (False, writes, [])


def test_last_sync_is_stamped_wherever_the_setting_column_is(tmp_path: Path) -> None:
    backend = workbook([invoice()])
    rows = backend.sheets[SETTINGS]
    backend.sheets[SETTINGS] = [[r[2], r[1], r[0]] for r in rows] + [[None, None, "Last sync"]]
    sync(backend, TODAY, outbox=tmp_path, drafts="none")
    assert backend.sheets[SETTINGS][-1] == [None, TODAY, "Last sync"]
