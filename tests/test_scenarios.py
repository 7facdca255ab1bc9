"""Golden scenarios run day by day, over every backend: drafts appear exactly once, on the
right day; engine columns and Activity events match what SPEC §3 says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import workbook
from drivers import DRIVERS, Driver
from scenarios import SCENARIOS, Scenario

from sheetsync.sync import sync


def _normal(value: Any) -> Any:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, dt.datetime):
        return value.date()
    return None if value == "" else value


@pytest.mark.parametrize("driver_name", sorted(DRIVERS))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario, driver_name: str, tmp_path: Path) -> None:
    backend = workbook(scenario.invoices, customers=scenario.customers,
                       settings=scenario.settings)
    driver: Driver = DRIVERS[driver_name](backend, tmp_path)
    outbox = tmp_path / "outbox"
    seen: set[str] = set()
    for day in scenario.days:
        for number, edits in day.edits.items():
            driver.edit(number, edits)
        activity_before = driver.activity_count()
        result = sync(driver.target(), day.date, outbox=outbox)
        made = {d.request.draft_id for d in result.drafts}
        label = f"{scenario.name}, {day.date}"
        assert made == day.drafts, label
        assert not made & seen, f"{label}: a draft was made twice"
        seen |= made
        assert {p.stem for p in outbox.glob("*.eml")} == seen, label
        for number, columns in day.expect.items():
            row = driver.row(number)
            got = {c: _normal(row.get(c)) for c in columns}
            assert got == {c: _normal(v) for c, v in columns.items()}, label
        events = driver.events()[activity_before:]
        if day.events is not None:
            assert events == day.events, label
        drafted = [e for e in events if e[1].endswith("drafted")]
        # One Activity row per invoice a draft covers (a statement covers several).
        assert len(drafted) >= len(made) and bool(drafted) == bool(made), label
