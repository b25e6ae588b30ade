"""Shift schedules by MILP, and rosters of named agents."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from wfm.errors import InvalidInput
from wfm.roster import roster
from wfm.schedule import ShiftRules, schedule

# 30-minute slots: a morning peak and an afternoon peak, open 08:00-20:00.
DAY = (
    [0] * 16
    + [3, 5, 8, 10, 12, 12, 11, 9, 8, 8, 9, 10, 11, 10, 8, 6, 5, 4, 3, 3, 2, 2, 2, 2]
    + [0] * 8
)


def test_every_interval_is_covered_with_little_overstaffing() -> None:
    plan = schedule(DAY, 30, ShiftRules(earliest_start_hour=8, latest_end_hour=20))
    assert plan.status == "optimal"
    assert plan.under == 0
    assert all(c >= r for c, r in zip(plan.coverage, DAY, strict=True))
    assert plan.over <= 0.15 * sum(DAY)
    assert plan.paid_hours == pytest.approx(sum(plan.coverage) / 2)


def test_long_shifts_get_a_break_away_from_their_ends() -> None:
    plan = schedule(DAY, 30, ShiftRules(lengths_hours=(8.0,), earliest_start_hour=6))
    assert plan.shifts and all(s.break_slot is not None for s in plan.shifts)
    for s in plan.shifts:
        assert s.start_slot + 4 <= s.break_slot <= s.start_slot + s.length_slots - 4 - 1  # type: ignore[operator]


def test_a_headcount_cap_leaves_shortfall_instead_of_failing() -> None:
    plan = schedule(DAY, 30, ShiftRules(max_agents=5))
    assert plan.agents <= 5 and plan.under > 0


def test_bad_requirements_are_refused() -> None:
    with pytest.raises(InvalidInput, match="required"):
        schedule([1] * 10, 30)
    with pytest.raises(InvalidInput, match="start_step_minutes"):
        schedule(DAY, 30, ShiftRules(start_step_minutes=20))


def test_the_roster_names_agents_respecting_days_off_and_rest() -> None:
    plan = schedule(DAY, 30, ShiftRules(earliest_start_hour=8, latest_end_hour=20))
    week = [(date(2025, 5, 12 + d), plan) for d in range(7)]
    names = [f"Agent {i:02d}" for i in range(int(plan.agents * 7 / 5) + 1)]
    rows = roster(week, names, timezone="Europe/London")
    assert len(rows) == 7 * plan.agents  # every shift of the week, each with a name
    assert all(r.agent is not None for r in rows)
    for name in names:
        mine = sorted((r for r in rows if r.agent == name), key=lambda r: r.start)
        assert len(mine) <= 5
        assert len({r.day for r in mine}) == len(mine)
        assert all((b.start - a.end).total_seconds() >= 11 * 3600 for a, b in pairwise(mine))


def test_too_few_agents_leave_shifts_open() -> None:
    plan = schedule(DAY, 30)
    rows = roster([(date(2025, 5, 12), plan)], ["Ann", "Bob"])
    assert sum(r.agent is None for r in rows) == plan.agents - 2
