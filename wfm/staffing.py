"""Staffing per interval: Erlang where it holds, a simulation search where skills interact.

``staff_intervals`` applies Erlang C (or Erlang A, given a mean patience) to each interval of
a forecast. ``simulate_staffing`` is for several queues served by agent groups with
overlapping skills, where no formula holds: it starts from each group's Erlang answer for its
home queue (the first skill it holds that a queue needs), then runs the real ACD in SimPy
(common random numbers across candidates) and greedily adds an agent to the group of the
queue furthest below target, or removes one from the group with the most slack while every
target still holds. ``staff_skills`` runs that search for every interval of a day; each
interval is searched as a steady state at its own demand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from acd.model import QueueConfig
from simulations.replicate import QueueEstimate, Replicated, replicate
from simulations.scenario import Demand, Group, Scenario
from wfm.erlang import Load, Metrics
from wfm.errors import InvalidInput
from wfm.forecast import IntervalForecast
from wfm.required import Target, required_agents, with_shrinkage

MAX_SEARCH_STEPS = 60


@dataclass(frozen=True, slots=True)
class StaffRow:
    start: str  # ISO 8601 interval start
    calls: float
    aht: float
    agents: int  # on the phones
    scheduled: int  # with shrinkage
    metrics: Metrics


def staff_intervals(
    rows: Sequence[IntervalForecast],
    interval_seconds: float,
    target: Target,
    *,
    patience: float | None = None,
    shrinkage: float = 0.0,
) -> list[StaffRow]:
    out = []
    for row in rows:
        need = required_agents(
            Load(row.calls, row.aht, interval_seconds),
            target,
            patience=patience,
            shrinkage=shrinkage,
        )
        out.append(
            StaffRow(
                row.start.isoformat(), row.calls, row.aht, need.agents, need.scheduled, need.metrics
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class QueueDemand:
    """One queue's demand in the interval being staffed."""

    queue: QueueConfig
    calls: float  # per interval
    aht: float  # talk seconds
    patience: float | None = None


@dataclass(frozen=True, slots=True)
class SkillGroup:
    name: str
    skills: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class SearchResult:
    erlang_start: dict[str, int]
    agents: dict[str, int]
    estimates: Replicated
    steps: tuple[tuple[dict[str, int], dict[str, float]], ...]  # (staffing, SL per queue)


def home_queue(group: SkillGroup, queues: Sequence[QueueConfig]) -> str:
    held = dict(group.skills)
    for skill, level in group.skills:
        for q in queues:
            if q.skills and q.skills[0][0] == skill and level >= q.skills[0][1]:
                return q.name
    for q in queues:
        if all(held.get(s, 0) >= lvl for s, lvl in q.skills):
            return q.name
    raise InvalidInput(f"group {group.name!r} serves no queue", field="groups")


def erlang_start(
    demand: Sequence[QueueDemand], groups: Sequence[SkillGroup], interval: float, target: Target
) -> dict[str, int]:
    """Each queue's Erlang answer, shared among the groups whose home it is."""
    queues = [d.queue for d in demand]
    homes = {g.name: home_queue(g, queues) for g in groups}
    start: dict[str, int] = {}
    for d in demand:
        need = required_agents(
            Load(d.calls, d.aht + d.queue.wrapup_seconds, interval), target, patience=d.patience
        ).agents
        members = [g for g in groups if homes[g.name] == d.queue.name]
        for i, g in enumerate(members):
            start[g.name] = need // len(members) + (i < need % len(members))
    return {g.name: start.get(g.name, 0) for g in groups}


def simulate_staffing(
    demand: Sequence[QueueDemand],
    groups: Sequence[SkillGroup],
    target: Target,
    *,
    interval: float = 1800.0,
    replications: int = 5,
    intervals: int = 4,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SearchResult:
    """Fewest agents per group meeting ``target`` in every queue, by simulation."""
    start = erlang_start(demand, groups, interval, target)
    homes = {g.name: home_queue(g, [d.queue for d in demand]) for g in groups}
    staffing, steps = dict(start), []
    best: tuple[dict[str, int], Replicated] | None = None
    tried: set[tuple[int, ...]] = set()
    for step in range(MAX_SEARCH_STEPS):
        key = tuple(staffing[g.name] for g in groups)
        if key in tried:
            break
        tried.add(key)
        result = _evaluate(demand, groups, staffing, interval, intervals, replications, seed)
        levels = {q: e.service_level.mean for q, e in result.queues.items()}
        steps.append((dict(staffing), levels))
        if progress is not None:
            progress(step + 1)
        short = {
            q: target.service_level - sl for q, sl in levels.items() if sl < target.service_level
        }
        if short:
            worst = max(short, key=short.__getitem__)
            grow = [g for g in groups if homes[g.name] == worst] or list(groups)
            staffing[min(grow, key=lambda g: staffing[g.name]).name] += 1
            continue
        best = (dict(staffing), result)
        slack = sorted(groups, key=lambda g: -levels[homes[g.name]])
        cut = next((g for g in slack if staffing[g.name] > 0), None)
        if cut is None:
            break
        staffing[cut.name] -= 1
    if best is None:
        best = (dict(staffing), result)
    return SearchResult(start, best[0], best[1], tuple(steps))


def _evaluate(
    demand: Sequence[QueueDemand],
    groups: Sequence[SkillGroup],
    staffing: dict[str, int],
    interval: float,
    intervals: int,
    replications: int,
    seed: int,
) -> Replicated:
    scenario = Scenario(
        queues=tuple(d.queue for d in demand),
        demand=tuple(
            Demand(d.queue.name, (d.calls,) * (intervals + 1), d.aht, patience=d.patience)
            for d in demand
        ),
        groups=tuple(
            Group(g.name, g.skills, (staffing[g.name],) * (intervals + 1)) for g in groups
        ),
        interval=interval,
        warmup=interval,  # the first interval fills the system; it is not counted
    )
    return replicate(scenario, replications, seed)


@dataclass(frozen=True, slots=True)
class SkillStaffRow:
    """One interval of a multi-skill staffing plan."""

    start: str  # ISO 8601 interval start
    demand: tuple[QueueDemand, ...]
    erlang_start: dict[str, int]  # per group
    agents: dict[str, int]  # per group, on the phones
    scheduled: dict[str, int]  # per group, with shrinkage
    estimates: dict[str, QueueEstimate]  # per queue, at ``agents``; empty when no calls
    evaluations: int  # staffing candidates simulated


def staff_skills(
    intervals: Sequence[tuple[str, Sequence[QueueDemand]]],
    groups: Sequence[SkillGroup],
    target: Target,
    *,
    interval: float = 1800.0,
    shrinkage: float = 0.0,
    replications: int = 5,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[SkillStaffRow]:
    """``simulate_staffing`` for each ``(start, demand)`` interval of a day.

    An interval with no calls needs nobody and is not simulated; intervals with the same
    demand (to a tenth of a call and a second of handle time) share one search.
    """
    if not groups:
        raise InvalidInput("at least one agent group is needed", field="groups")
    if not 0 <= shrinkage <= 0.95:
        raise InvalidInput("must be between 0 and 0.95", field="shrinkage")
    done: dict[tuple[tuple[str, float, float, float | None], ...], SkillStaffRow] = {}
    out = []
    for i, (start, demand) in enumerate(intervals):
        busy = tuple(d for d in demand if d.calls > 0)
        key = tuple((d.queue.name, round(d.calls, 1), round(d.aht), d.patience) for d in busy)
        if not busy:
            none = {g.name: 0 for g in groups}
            row = SkillStaffRow(start, tuple(demand), none, none, none, {}, 0)
        elif key in done:
            row = _moved(done[key], start, tuple(demand))
        else:
            found = simulate_staffing(
                busy, groups, target, interval=interval, replications=replications, seed=seed
            )
            row = SkillStaffRow(
                start,
                tuple(demand),
                found.erlang_start,
                found.agents,
                {g: with_shrinkage(n, shrinkage) for g, n in found.agents.items()},
                dict(found.estimates.queues),
                len(found.steps),
            )
            done[key] = row
        out.append(row)
        if progress is not None:
            progress(i + 1)
    return out


def _moved(row: SkillStaffRow, start: str, demand: tuple[QueueDemand, ...]) -> SkillStaffRow:
    return SkillStaffRow(
        start, demand, row.erlang_start, row.agents, row.scheduled, row.estimates, 0
    )
