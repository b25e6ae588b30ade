"""WFM endpoints for the planner page (supervisors): Erlang, forecast, staff, schedule,
simulate. Bodies are validated by pydantic (errors name the field); each answer is a
``wfm.responses`` model; the work runs in a thread so the event loop keeps serving calls.

The router gets its one service through its own dependency, ``wfm_service``: the wiring hands
it over with ``provide`` once it has built it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from acd.config import Level, QueueSpec, SkillName
from acd.model import QueueConfig
from cti.auth.deps import PrincipalDep
from cti.openapi import AUTHENTICATED, error_responses
from cti.provide import Provided
from cti.roles import Role
from simulations.scenario import Demand, Group
from wfm.erlang import Load
from wfm.forecast import IntervalForecast
from wfm.required import ANSWER_SECONDS, SERVICE_LEVEL, Target
from wfm.responses import (
    ErlangOut,
    ForecastOut,
    QueueEstimateOut,
    ScheduleOut,
    SearchedIntervalOut,
    SimulateOut,
    StaffedIntervalOut,
    StaffGroupsOut,
    StaffOut,
)
from wfm.schedule import ShiftRules
from wfm.service import ForecastOptions, Runs, WfmService
from wfm.staffing import SkillGroup

router = APIRouter(prefix="/api/wfm", tags=["wfm"], responses=error_responses(400, *AUTHENTICATED))


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetBody(_Body):
    service_level: float = Field(SERVICE_LEVEL, ge=0, le=1)
    answer_seconds: float = Field(ANSWER_SECONDS, ge=0, le=3600)
    max_occupancy: float | None = Field(None, gt=0, le=1)
    max_asa: float | None = Field(None, ge=0, le=3600)
    max_abandon: float | None = Field(None, ge=0, le=1)
    patience: float | None = Field(None, gt=0, le=3600, description="mean seconds: Erlang A")
    shrinkage: float = Field(0, ge=0, le=0.9)

    def target(self) -> Target:
        return Target(
            self.service_level,
            self.answer_seconds,
            self.max_occupancy,
            self.max_asa,
            self.max_abandon,
        )


class ErlangBody(TargetBody):
    calls: float = Field(gt=0, le=1e7, description="offered in the interval")
    aht: float = Field(gt=0, le=86400)
    interval_minutes: int = Field(30, ge=1, le=1440)


class IntervalBody(_Body):
    start: AwareDatetime
    calls: float = Field(ge=0, le=1e7)
    aht: float = Field(gt=0, le=86400)


class StaffBody(TargetBody):
    interval_minutes: Literal[15, 30, 60] = 30
    intervals: list[IntervalBody] = Field(min_length=1, max_length=96 * 31)


class ForecastBody(_Body):
    queue: str | None = Field(None, max_length=64)
    start: date
    days: int = Field(7, ge=1, le=62)
    history_days: int = Field(91, ge=7, le=730)
    interval_minutes: Literal[15, 30, 60] = 30
    method: Literal["best", "profile", "holt-winters"] = "best"
    timezone: str = Field("UTC", max_length=64)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")

    def options(self) -> ForecastOptions:
        return ForecastOptions(self.interval_minutes, self.method, self.timezone, self.country)


class RulesBody(_Body):
    lengths_hours: list[float] = Field([4, 6, 8], min_length=1, max_length=8)
    start_step_minutes: int = Field(30, ge=15, le=240)
    earliest_start_hour: float = Field(0, ge=0, le=24)
    latest_end_hour: float = Field(24, ge=0, le=24)
    break_minutes: int = Field(30, ge=0, le=120)
    hourly_cost: float = Field(1, gt=0, le=1000)
    max_agents: int | None = Field(None, ge=1, le=100_000)


class ScheduleBody(_Body):
    slot_minutes: Literal[15, 30, 60] = 30
    required: list[Annotated[int, Field(ge=0, le=100_000)]] = Field(min_length=24, max_length=96)
    rules: RulesBody = RulesBody()


class DemandBody(_Body):
    queue: str = Field(max_length=64)
    calls: list[float] = Field(min_length=1, max_length=96)
    aht: float = Field(gt=0, le=86400)
    patience: float | None = Field(None, gt=0, le=3600)


class SkillGroupBody(_Body):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    skills: dict[SkillName, Level] = Field(min_length=1, max_length=20)

    def levels(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self.skills.items()))


class GroupBody(SkillGroupBody):
    agents: list[Annotated[int, Field(ge=0, le=5000)]] = Field(min_length=1, max_length=96)


class SimulateBody(_Body):
    queues: dict[str, QueueSpec] | None = Field(None, description="default: the live routing")
    demand: list[DemandBody] = Field(min_length=1, max_length=50)
    groups: list[GroupBody] = Field(min_length=1, max_length=50)
    interval_minutes: Literal[15, 30, 60] = 30
    shrinkage: float = Field(0, ge=0, le=0.9)
    replications: int = Field(5, ge=2, le=30)
    seed: int = Field(1, ge=0, le=2**31)

    def runs(self) -> Runs:
        return Runs(self.interval_minutes, self.shrinkage, self.replications, self.seed)


class StaffGroupsBody(TargetBody):
    queues: dict[str, QueueSpec] | None = Field(None, description="default: the live routing")
    demand: list[DemandBody] = Field(min_length=1, max_length=20)
    groups: list[SkillGroupBody] = Field(min_length=1, max_length=20)
    start: AwareDatetime | None = Field(None, description="the first interval's start")
    interval_minutes: Literal[15, 30, 60] = 30
    replications: int = Field(3, ge=2, le=10)
    seed: int = Field(1, ge=0, le=2**31)

    @model_validator(mode="after")
    def _aligned(self) -> StaffGroupsBody:
        sizes = {len(d.calls) for d in self.demand}
        if len(sizes) > 1:
            raise ValueError("every queue's demand must have the same number of intervals")
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError("group names must be unique")
        return self

    def runs(self) -> Runs:
        return Runs(self.interval_minutes, self.shrinkage, self.replications, self.seed)

    def starts(self) -> list[str]:
        count = len(self.demand[0].calls)
        if self.start is None:
            return [f"interval {k}" for k in range(count)]
        step = timedelta(minutes=self.interval_minutes)
        return [(self.start + k * step).isoformat() for k in range(count)]


wfm_service: Provided[WfmService] = Provided("wfm")
provide = wfm_service.provide
WfmDep = Annotated[WfmService, Depends(wfm_service)]


def _configs(queues: dict[str, QueueSpec] | None) -> list[QueueConfig] | None:
    """The routing a body proposes; None runs the live routing."""
    return None if queues is None else [spec.to_config(n) for n, spec in queues.items()]


@router.post("/erlang")
async def erlang(body: ErlangBody, wfm: WfmDep, who: PrincipalDep) -> ErlangOut:
    who.require(Role.SUPERVISOR)
    load = Load(body.calls, body.aht, body.interval_minutes * 60.0)
    answer = await asyncio.to_thread(wfm.erlang, load, body.target(), body.patience, body.shrinkage)
    return ErlangOut.of(load, answer)


@router.post("/forecast")
async def forecast(body: ForecastBody, wfm: WfmDep, who: PrincipalDep) -> ForecastOut:
    who.require(Role.SUPERVISOR)
    fc = await asyncio.to_thread(
        wfm.forecast,
        body.queue,
        body.start,
        body.days,
        history_days=body.history_days,
        options=body.options(),
    )
    return ForecastOut.of(fc)


@router.post("/staff")
async def staff(body: StaffBody, wfm: WfmDep, who: PrincipalDep) -> StaffOut:
    who.require(Role.SUPERVISOR)
    rows = [IntervalForecast(i.start, i.calls, i.aht) for i in body.intervals]
    out = await asyncio.to_thread(
        wfm.staff, rows, body.interval_minutes, body.target(), body.patience, body.shrinkage
    )
    return StaffOut(intervals=[StaffedIntervalOut.model_validate(r) for r in out])


@router.post("/schedule")
async def schedule(body: ScheduleBody, wfm: WfmDep, who: PrincipalDep) -> ScheduleOut:
    who.require(Role.SUPERVISOR)
    rules = ShiftRules(
        **{**body.rules.model_dump(), "lengths_hours": tuple(body.rules.lengths_hours)}
    )
    plan = await asyncio.to_thread(wfm.schedule, body.required, body.slot_minutes, rules)
    return ScheduleOut.model_validate(plan)


@router.post("/simulate")
async def simulate(body: SimulateBody, wfm: WfmDep, who: PrincipalDep) -> SimulateOut:
    who.require(Role.SUPERVISOR)
    demand = [Demand(d.queue, tuple(d.calls), d.aht, patience=d.patience) for d in body.demand]
    groups = [Group(g.name, g.levels(), tuple(g.agents)) for g in body.groups]
    result = await asyncio.to_thread(
        wfm.simulate, _configs(body.queues), demand, groups, body.runs()
    )
    queues = {q: QueueEstimateOut.model_validate(e) for q, e in result.queues.items()}
    return SimulateOut(replications=len(result.runs), calls=result.calls, queues=queues)


@router.post("/staff-groups")
async def staff_groups(body: StaffGroupsBody, wfm: WfmDep, who: PrincipalDep) -> StaffGroupsOut:
    """Agent groups with overlapping skills: agents per group and interval found by running
    the real ACD in SimPy, starting from each queue's Erlang answer."""
    who.require(Role.SUPERVISOR)
    demand = [
        Demand(d.queue, tuple(d.calls), d.aht, patience=d.patience or body.patience)
        for d in body.demand
    ]
    groups = [SkillGroup(g.name, g.levels()) for g in body.groups]
    rows = await asyncio.to_thread(
        wfm.staff_groups,
        _configs(body.queues),
        demand,
        groups,
        body.target(),
        body.starts(),
        body.runs(),
    )
    return StaffGroupsOut(intervals=[SearchedIntervalOut.of(r) for r in rows])
