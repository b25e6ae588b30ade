"""The planner's service: what the API and the CLI call. Wired once with the call log (none
for the CLI, which reads files), the clock, the live routing configuration and the limits on
simulation work per request."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from acd.model import QueueConfig
from cti.clock import Clock
from cti.crm.calllog import CallLog
from simulations.replicate import Replicated, replicate
from simulations.scenario import Demand, Group, Scenario
from wfm.demand import by_day, configured, slot_minutes
from wfm.erlang import Load, Metrics
from wfm.errors import InvalidInput
from wfm.forecast import Forecast, IntervalForecast, Method, forecast
from wfm.history import CallRecord, calls_from_log
from wfm.replay import DayCall, ReplayReport, replay_day
from wfm.required import Requirement, Target, required_agents, service_level_curve
from wfm.schedule import Schedule, ShiftRules, schedule
from wfm.staffing import (
    MAX_SEARCH_STEPS,
    QueueDemand,
    SkillGroup,
    SkillStaffRow,
    StaffRow,
    staff_intervals,
    staff_skills,
)

MAX_SIMULATED_CALLS = 200_000  # per request, over all replications
MAX_SEARCH_CALLS = 1_000_000  # per staffing search request, at a typical ten candidates
TYPICAL_CANDIDATES = 10
SEARCH_RUN_INTERVALS = 5  # each candidate simulates a warm-up and four intervals

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ErlangAnswer:
    requirement: Requirement
    curve: list[Metrics]


@dataclass(frozen=True, slots=True)
class Limits:
    """How many calls one request may have simulated (the API's guard; the CLI has none)."""

    simulated_calls: float = MAX_SIMULATED_CALLS  # over all replications
    search_calls: float = MAX_SEARCH_CALLS  # per staffing search, at a typical ten candidates


API_LIMITS = Limits()
UNLIMITED = Limits(math.inf, math.inf)


@dataclass(frozen=True, slots=True)
class ForecastOptions:
    interval_minutes: int = 30
    method: Method = "best"
    timezone: str = "UTC"
    country: str | None = None


DEFAULT_FORECAST = ForecastOptions()


@dataclass(frozen=True, slots=True)
class Runs:
    """How a simulation runs: interval length, shrinkage, replications and the first seed."""

    interval_minutes: int = 30
    shrinkage: float = 0.0
    replications: int = 5
    seed: int = 1


DEFAULT_RUNS = Runs()
SEARCH_RUNS = Runs(replications=3)


class WfmService:
    def __init__(
        self,
        call_log: CallLog | None,
        clock: Clock,
        queues: Callable[[], Sequence[QueueConfig]] = tuple,
        limits: Limits = API_LIMITS,
    ) -> None:
        self._call_log = call_log
        self._clock = clock
        self._queues = queues
        self._limits = limits

    def erlang(
        self, load: Load, target: Target, patience: float | None, shrinkage: float
    ) -> ErlangAnswer:
        need = required_agents(load, target, patience=patience, shrinkage=shrinkage)
        low = max(1, need.agents - 10)
        curve = service_level_curve(
            load, target.answer_seconds, range(low, need.agents + 11), patience
        )
        return ErlangAnswer(need, curve)

    def history(self, queue: str | None, days: int) -> list[CallRecord]:
        if self._call_log is None:
            raise InvalidInput("no call log is connected", field="queue")
        until = datetime.fromtimestamp(self._clock.now(), UTC)
        return calls_from_log(self._call_log, until - timedelta(days=days), until, queue)

    def forecast(
        self,
        queue: str | None,
        start: date,
        days: int,
        *,
        history_days: int = 91,
        options: ForecastOptions = DEFAULT_FORECAST,
    ) -> Forecast:
        """A forecast from the call log's last ``history_days``."""
        return self.forecast_calls(self.history(queue, history_days), queue, start, days, options)

    def forecast_calls(
        self,
        records: Sequence[CallRecord],
        queue: str | None,
        start: date,
        days: int,
        options: ForecastOptions = DEFAULT_FORECAST,
    ) -> Forecast:
        """A forecast of ``queue`` (every queue together when None) from a call history."""
        mine = [r for r in records if queue is None or r.queue == queue]
        return forecast(
            mine,
            start,
            days,
            interval_minutes=options.interval_minutes,
            method=options.method,
            timezone=options.timezone,
            country=options.country,
            queue=queue,
        )

    def staff(
        self,
        rows: Sequence[IntervalForecast],
        interval_minutes: int,
        target: Target,
        patience: float | None,
        shrinkage: float,
    ) -> list[StaffRow]:
        return staff_intervals(
            rows, interval_minutes * 60.0, target, patience=patience, shrinkage=shrinkage
        )

    def schedule(self, required: Sequence[int], slot_minutes: int, rules: ShiftRules) -> Schedule:
        return schedule(required, slot_minutes, rules)

    def schedule_days(
        self,
        required: Sequence[tuple[datetime, int]],
        rules: ShiftRules,
        timezone: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[tuple[date, Schedule]]:
        """Shifts for each local day of a requirement per interval; ``progress(done, days)``."""
        slot = slot_minutes([start for start, _ in required])
        days = by_day(required, slot, timezone)
        plans = []
        for day, need in days:
            plans.append((day, schedule(need, slot, rules)))
            if progress is not None:
                progress(len(plans), len(days))
        return plans

    def simulate(
        self,
        queues: Sequence[QueueConfig] | None,
        demand: Sequence[Demand],
        groups: Sequence[Group],
        runs: Runs = DEFAULT_RUNS,
        progress: Progress | None = None,
    ) -> Replicated:
        """The real ACD on SimPy; ``queues`` None runs the live routing."""
        configs = self._configs(queues)
        configured(configs, [d.queue for d in demand])
        expected = sum(sum(d.calls) for d in demand) * runs.replications
        if expected > self._limits.simulated_calls:
            limit = f"{self._limits.simulated_calls:,.0f}"
            raise InvalidInput(
                f"{expected:,.0f} calls in all replications; the limit is {limit}", field="demand"
            )
        interval = runs.interval_minutes * 60.0
        scenario = Scenario(
            configs, tuple(demand), tuple(groups), interval, shrinkage=runs.shrinkage
        )
        return replicate(scenario, runs.replications, runs.seed, progress)

    def staff_groups(
        self,
        queues: Sequence[QueueConfig] | None,
        demand: Sequence[Demand],
        groups: Sequence[SkillGroup],
        target: Target,
        starts: Sequence[str],
        runs: Runs = SEARCH_RUNS,
    ) -> list[SkillStaffRow]:
        """Agents per group and interval by simulation search, each queue's demand at one
        talk time (``Demand.aht``) over the intervals ``starts`` name."""
        known = configured(self._configs(queues), [d.queue for d in demand])
        intervals = [
            (start, [QueueDemand(known[d.queue], d.calls[k], d.aht, d.patience) for d in demand])
            for k, start in enumerate(starts)
        ]
        return self.staff_intervals_by_group(intervals, groups, target, runs)

    def staff_intervals_by_group(
        self,
        intervals: Sequence[tuple[str, Sequence[QueueDemand]]],
        groups: Sequence[SkillGroup],
        target: Target,
        runs: Runs = SEARCH_RUNS,
        progress: Progress | None = None,
    ) -> list[SkillStaffRow]:
        """Agents per group for each ``(start, demand)`` interval (``staff_skills``), at two
        replications or more per candidate."""
        self._check_search(intervals, runs.replications)
        return staff_skills(
            intervals,
            groups,
            target,
            interval=runs.interval_minutes * 60.0,
            shrinkage=runs.shrinkage,
            replications=max(2, runs.replications),
            seed=runs.seed,
            progress=progress,
        )

    def replay(
        self,
        calls: Sequence[DayCall],
        queues: Sequence[QueueConfig],
        groups: Sequence[Group],
        runs: Runs = DEFAULT_RUNS,
        progress: Progress | None = None,
    ) -> ReplayReport:
        """A recorded day re-run against a proposed routing and staffing."""
        return replay_day(
            calls,
            queues,
            groups,
            interval=runs.interval_minutes * 60.0,
            replications=runs.replications,
            seed=runs.seed,
            progress=progress,
        )

    def _configs(self, queues: Sequence[QueueConfig] | None) -> tuple[QueueConfig, ...]:
        return tuple(queues if queues is not None else self._queues())

    def _check_search(
        self, intervals: Sequence[tuple[str, Sequence[QueueDemand]]], replications: int
    ) -> None:
        distinct = {tuple(round(d.calls, 1) for d in demand) for _, demand in intervals}
        per_candidate = SEARCH_RUN_INTERVALS * replications * TYPICAL_CANDIDATES
        expected = sum(sum(calls) for calls in distinct) * per_candidate
        if expected > self._limits.search_calls:
            raise InvalidInput(
                f"about {expected:,.0f} simulated calls (up to {MAX_SEARCH_STEPS} candidates "
                f"per interval); the limit is {self._limits.search_calls:,.0f}: fewer "
                "replications or intervals",
                field="demand",
            )
