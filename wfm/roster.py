"""From shifts to a roster of named agents over one or more days.

Greedy and explainable: each day's shift instances, earliest first, go to the agent who may
work it (not already working that day, under ``max_days``, rested ``min_rest_hours`` since
their last shift) and has the fewest days and hours so far, preferring one who started at the same
time the day before (stable rhythms). A shift nobody may take is left *open*, which says how
many more people the plan needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wfm.errors import InvalidInput
from wfm.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Assignment:
    agent: str | None  # None: open, nobody could take it
    day: date
    start: datetime
    end: datetime
    break_start: datetime | None
    break_end: datetime | None

    @property
    def paid_hours(self) -> float:
        hours = (self.end - self.start).total_seconds() / 3600
        if self.break_start is not None and self.break_end is not None:
            hours -= (self.break_end - self.break_start).total_seconds() / 3600
        return hours


@dataclass(slots=True)
class _Person:
    name: str
    days: int = 0
    hours: float = 0.0
    last_end: datetime | None = None
    last_start: time | None = None
    on: set[date] = field(default_factory=set)


def default_names(schedules: Sequence[tuple[date, Schedule]]) -> list[str]:
    """Enough people for the busiest day: its agents, or seven days' worth on five-day
    weeks when the plan spans several days."""
    busiest = max(plan.agents for _, plan in schedules)
    needed = math.ceil(busiest * 7 / 5) if len(schedules) > 1 else busiest
    return [f"Agent {i:03d}" for i in range(1, needed + 1)]


def roster(
    schedules: Sequence[tuple[date, Schedule]],
    agents: Sequence[str],
    *,
    timezone: str = "UTC",
    max_days: int = 5,
    min_rest_hours: float = 11.0,
) -> list[Assignment]:
    if len(set(agents)) != len(agents):
        raise InvalidInput("agent names must be unique", field="agents")
    tz = ZoneInfo(timezone)
    people = [_Person(name) for name in agents]
    out: list[Assignment] = []
    for day, plan in sorted(schedules, key=lambda item: item[0]):
        for start, end, brk in _instances(day, plan, tz):
            person = _pick(people, day, start, min_rest_hours, max_days)
            out.append(
                Assignment(
                    person.name if person else None,
                    day,
                    start,
                    end,
                    brk[0] if brk else None,
                    brk[1] if brk else None,
                )
            )
            if person is not None:
                person.days += 1
                person.hours += out[-1].paid_hours
                person.last_end, person.last_start = end, start.timetz()
                person.on.add(day)
    return out


def _instances(
    day: date, plan: Schedule, tz: ZoneInfo
) -> list[tuple[datetime, datetime, tuple[datetime, datetime] | None]]:
    midnight = datetime.combine(day, time(0), tz)
    step = timedelta(minutes=plan.slot_minutes)
    out = []
    for s in sorted(plan.shifts, key=lambda s: (s.start_slot, s.length_slots)):
        brk = None
        if s.break_slot is not None:
            brk = (midnight + s.break_slot * step, midnight + (s.break_slot + s.break_slots) * step)
        for _ in range(s.count):
            out.append(
                (
                    midnight + s.start_slot * step,
                    midnight + (s.start_slot + s.length_slots) * step,
                    brk,
                )
            )
    return out


def _pick(
    people: list[_Person], day: date, start: datetime, rest: float, max_days: int
) -> _Person | None:
    def allowed(p: _Person) -> bool:
        rested = p.last_end is None or (start - p.last_end).total_seconds() >= rest * 3600
        return day not in p.on and p.days < max_days and rested

    candidates = [p for p in people if allowed(p)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.days, p.last_start != start.timetz(), p.hours, p.name))


def agents_needed(assignments: Sequence[Assignment]) -> int:
    """How many more named agents the open shifts call for (at least one per open shift a day)."""
    per_day: dict[date, int] = {}
    for a in assignments:
        if a.agent is None:
            per_day[a.day] = per_day.get(a.day, 0) + 1
    return max(per_day.values(), default=0)
