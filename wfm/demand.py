"""Demand and teams for the simulator and the staffing search, built from forecasts and
staffing plans; and the interval grid they share (slot length, days of a requirement).

A forecast's handle time includes the queue's wrap-up; a ``Demand``'s (or ``QueueDemand``'s)
talk time does not, since the simulated agent wraps up after each call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from acd.model import QueueConfig
from simulations.scenario import Demand, Group
from wfm.errors import InvalidInput
from wfm.forecast import IntervalForecast, zone
from wfm.staffing import QueueDemand, SkillGroup

SLOT_MINUTES = (15, 30, 60)
DEFAULT_TALK = 180.0  # seconds, for a queue with no calls forecast


@dataclass(frozen=True, slots=True)
class GroupStaffing:
    """A staffing plan from ``staff --groups``: per interval, each queue's forecast and each
    group's agents."""

    starts: list[datetime]
    calls: dict[str, list[float]]  # per queue
    handle: dict[str, list[float]]  # per queue: talk plus wrap-up seconds (0 without calls)
    agents: dict[str, list[int]]  # per group


def plain_queues(names: Sequence[str]) -> list[QueueConfig]:
    """One queue per name, each needing the skill of its own name."""
    return [QueueConfig(name, skills=((name, 1),)) for name in names]


def _demand_field(index: int, name: str) -> str:
    return f"demand.{index}.queue"


def configured(
    queues: Sequence[QueueConfig],
    names: Sequence[str],
    *,
    source: str | None = None,
    field: Callable[[int, str], str] = _demand_field,
) -> dict[str, QueueConfig]:
    """The configuration of every queue by name; a name the queues lack is refused, at the
    place ``field`` gives for its position and name."""
    known = {q.name: q for q in queues}
    for i, name in enumerate(names):
        if name not in known:
            raise InvalidInput(
                f"queue {name!r} is not configured", source=source, field=field(i, name)
            )
    return known


def mean_talk(calls: Sequence[float], handle: Sequence[float], queue: QueueConfig) -> float:
    """Mean talk seconds: the handle time weighted by calls, less the queue's wrap-up."""
    total = sum(calls)
    if not total:
        return DEFAULT_TALK
    mean = sum(c * h for c, h in zip(calls, handle, strict=True)) / total
    return max(mean - queue.wrapup_seconds, 1.0)


def forecast_demand(
    rows: Sequence[IntervalForecast], queue: QueueConfig, patience: float | None
) -> Demand:
    """One queue's demand over a forecast's intervals, at the forecast's mean talk time."""
    calls = [r.calls for r in rows]
    talk = mean_talk(calls, [r.aht for r in rows], queue)
    return Demand(queue.name, tuple(calls), talk, patience=patience)


def plan_demand(
    plan: GroupStaffing, queues: Sequence[QueueConfig], patience: float | None, source: str
) -> tuple[Demand, ...]:
    """Every queue of a staffing plan, each at its own mean talk time."""
    known = configured(queues, list(plan.calls), source=source, field=lambda _, q: f"{q}_calls")
    return tuple(
        Demand(q, tuple(calls), mean_talk(calls, plan.handle[q], known[q]), patience=patience)
        for q, calls in plan.calls.items()
    )


def plan_team(
    plan: GroupStaffing, groups: Sequence[SkillGroup], column: str, source: str
) -> tuple[Group, ...]:
    """The groups' skills with the plan's agents per interval."""
    absent = [g.name for g in groups if g.name not in plan.agents]
    if absent:
        columns = ", ".join(f"{g}_{column}" for g in absent)
        raise InvalidInput(f"has no {columns} column", source=source)
    return tuple(Group(g.name, g.skills, tuple(plan.agents[g.name])) for g in groups)


def default_team(queues: Sequence[QueueConfig], agents: tuple[int, ...]) -> tuple[Group, ...]:
    """One group holding every skill the queues ask for."""
    skills = tuple(sorted({s for q in queues for s in q.skills}))
    return (Group("team", skills or ((queues[0].name, 1),), agents),)


def queue_demand(
    forecasts: dict[str, dict[datetime, IntervalForecast]],
    queues: Sequence[QueueConfig],
    patience: float | None,
) -> list[tuple[str, list[QueueDemand]]]:
    """Each interval's demand on every queue; every queue must be forecast for the same
    intervals."""
    known = {q.name: q for q in queues}
    unknown = sorted(set(forecasts) - set(known))
    if unknown:
        raise InvalidInput(
            f"forecast for {', '.join(unknown)}, which the queues do not configure",
            field="queue",
        )
    starts = sorted({t for by_start in forecasts.values() for t in by_start})
    return [(t.isoformat(), _interval_demand(forecasts, known, t, patience)) for t in starts]


def _interval_demand(
    forecasts: dict[str, dict[datetime, IntervalForecast]],
    known: dict[str, QueueConfig],
    start: datetime,
    patience: float | None,
) -> list[QueueDemand]:
    demand = []
    for name, by_start in sorted(forecasts.items()):
        row = by_start.get(start)
        if row is None:
            raise InvalidInput(
                f"queue {name!r} has no forecast for {start.isoformat()}; "
                "forecast every queue over the same days",
                field="start",
            )
        talk = max(row.aht - known[name].wrapup_seconds, 1.0)
        demand.append(QueueDemand(known[name], row.calls, talk, patience))
    return demand


def slot_minutes(starts: Sequence[datetime]) -> int:
    """The interval length of a grid of starts (30 minutes for a single interval)."""
    if len(starts) < 2:
        return 30
    minutes = round((starts[1] - starts[0]).total_seconds() / 60)
    if minutes not in SLOT_MINUTES:
        raise InvalidInput("intervals must be 15, 30 or 60 minutes apart", field="start")
    return minutes


def by_day(
    required: Sequence[tuple[datetime, int]], slot: int, timezone: str
) -> list[tuple[date, list[int]]]:
    """A requirement per interval, split into local days of ``slot``-minute slots."""
    tz = zone(timezone)
    days: dict[date, list[int]] = {}
    for start, n in required:
        local = start.astimezone(tz)
        need = days.setdefault(local.date(), [0] * (1440 // slot))
        need[(local.hour * 60 + local.minute) // slot] = n
    return sorted(days.items())
