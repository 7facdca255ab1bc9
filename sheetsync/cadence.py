"""Which reminder step fires today (SPEC §3, Cadence).

The latest step whose `due + offset <= today` and that comes after the recorded Stage fires once;
earlier steps missed in a gap are not replayed, so a tracker synced after a holiday sends one
reminder, not a burst. Steps sharing the latest offset (Day 14 email and Day 14 call) fire
together. A step whose Min Balance is above the balance is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .model import CadenceStep


@dataclass(frozen=True, slots=True)
class CadenceDecision:
    fire: tuple[CadenceStep, ...]     # steps taken today
    skipped: tuple[CadenceStep, ...]  # reached today but not taken (Min Balance), with no replay
    stage: str                        # the Stage after today
    pending: CadenceStep | None       # the next step still ahead


def _position(steps: list[CadenceStep], stage: str) -> int:
    """Index of the step named by Stage; -1 when none was taken yet (or Stage is unknown)."""
    wanted = stage.strip().casefold()
    if not wanted:
        return -1
    for index in range(len(steps) - 1, -1, -1):
        if steps[index].name.casefold() == wanted:
            return index
    return -1


def decide(steps: list[CadenceStep], stage: str, due: dt.date, today: dt.date,
           balance: Decimal, active: bool) -> CadenceDecision:
    """`active` is False in paused lanes: nothing fires and the Stage stays, so the invoice
    re-enters the cadence later at the step its age calls for."""
    start = _position(steps, stage) + 1
    elapsed = (today - due).days
    reached = [i for i in range(start, len(steps)) if steps[i].offset <= elapsed]
    if not active or not reached:
        pending = steps[start] if start < len(steps) else None
        return CadenceDecision((), (), stage, pending)
    latest_offset = steps[reached[-1]].offset
    today_steps = [steps[i] for i in reached if steps[i].offset == latest_offset]
    fire = tuple(s for s in today_steps
                 if s.min_balance is None or balance >= s.min_balance)
    skipped = tuple(s for s in today_steps if s not in fire)
    last = reached[-1]
    pending = steps[last + 1] if last + 1 < len(steps) else None
    return CadenceDecision(fire, skipped, steps[last].name, pending)


def escalation_offsets(steps: list[CadenceStep]) -> tuple[int | None, int | None]:
    """Days overdue at which this cadence escalates to the account owner and to leadership."""
    account = [s.offset for s in steps if s.action == "Escalate"
               and s.owner_role.casefold() == "account owner"]
    leadership = [s.offset for s in steps if s.action == "Escalate"
                  and s.owner_role.casefold() != "account owner"]
    return (min(account) if account else None, min(leadership) if leadership else None)
