"""The planner's service: what the API (and the CLI) call. Wired once with the database's
session factory, the clock and the live routing configuration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from acd.model import QueueConfig
from cti.clock import Clock
from simulations.replicate import Replicated, replicate
from simulations.scenario import Demand, Group, Scenario
from wfm.calls import CallRecord, calls_from_db
from wfm.erlang import Load, Metrics
from wfm.errors import InvalidInput
from wfm.forecast import Forecast, IntervalForecast, Method, forecast
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


@dataclass(frozen=True, slots=True)
class ErlangAnswer:
    requirement: Requirement
    curve: list[Metrics]


class WfmService:
    def __init__(
        self,
        sessions: sessionmaker[Session] | None,
        clock: Clock,
        queues: Callable[[], Sequence[QueueConfig]] = tuple,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._queues = queues

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
        if self._sessions is None:
            raise InvalidInput("no call log is connected", field="queue")
        until = datetime.fromtimestamp(self._clock.now(), UTC)
        return calls_from_db(self._sessions, until - timedelta(days=days), until, queue)

    def forecast(
        self,
        queue: str | None,
        start: date,
        days: int,
        *,
        history_days: int = 91,
        interval_minutes: int = 30,
        method: Method = "best",
        timezone: str = "UTC",
        country: str | None = None,
    ) -> Forecast:
        records = self.history(queue, history_days)
        return forecast(
            records,
            start,
            days,
            interval_minutes=interval_minutes,
            method=method,
            timezone=timezone,
            country=country,
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

    def simulate(
        self,
        queues: Sequence[QueueConfig] | None,
        demand: Sequence[Demand],
        groups: Sequence[Group],
        *,
        interval_minutes: int = 30,
        shrinkage: float = 0.0,
        replications: int = 5,
        seed: int = 1,
    ) -> Replicated:
        configs = tuple(queues if queues is not None else self._queues())
        known = {q.name for q in configs}
        for i, d in enumerate(demand):
            if d.queue not in known:
                raise InvalidInput(
                    f"queue {d.queue!r} is not configured", field=f"demand.{i}.queue"
                )
        expected = sum(sum(d.calls) for d in demand) * replications
        if expected > MAX_SIMULATED_CALLS:
            raise InvalidInput(
                f"{expected:,.0f} calls in all replications; the limit is {MAX_SIMULATED_CALLS:,}",
                field="demand",
            )
        scenario = Scenario(
            configs, tuple(demand), tuple(groups), interval_minutes * 60.0, shrinkage=shrinkage
        )
        return replicate(scenario, replications, seed)

    def staff_groups(
        self,
        queues: Sequence[QueueConfig] | None,
        demand: Sequence[Demand],
        groups: Sequence[SkillGroup],
        target: Target,
        *,
        starts: Sequence[str],
        interval_minutes: int = 30,
        shrinkage: float = 0.0,
        replications: int = 3,
        seed: int = 1,
    ) -> list[SkillStaffRow]:
        """Agents per group and interval by simulation search (``staff_skills``)."""
        configs = {q.name: q for q in (queues if queues is not None else self._queues())}
        for i, d in enumerate(demand):
            if d.queue not in configs:
                raise InvalidInput(
                    f"queue {d.queue!r} is not configured", field=f"demand.{i}.queue"
                )
        distinct = {tuple(round(d.calls[k], 1) for d in demand) for k in range(len(starts))}
        # each candidate simulates a warm-up and four intervals (see simulate_staffing)
        expected = sum(sum(c) for c in distinct) * 5 * replications * TYPICAL_CANDIDATES
        if expected > MAX_SEARCH_CALLS:
            raise InvalidInput(
                f"about {expected:,.0f} simulated calls (up to {MAX_SEARCH_STEPS} candidates "
                f"per interval); the limit is {MAX_SEARCH_CALLS:,}: fewer replications or "
                "intervals",
                field="demand",
            )
        intervals = [
            (
                start,
                [QueueDemand(configs[d.queue], d.calls[k], d.aht, d.patience) for d in demand],
            )
            for k, start in enumerate(starts)
        ]
        return staff_skills(
            intervals,
            groups,
            target,
            interval=interval_minutes * 60.0,
            shrinkage=shrinkage,
            replications=replications,
            seed=seed,
        )
