"""WFM endpoints for the planner page (supervisors): Erlang, forecast, staff, schedule,
simulate. Bodies are validated by pydantic (errors name the field); the work runs in a
thread so the event loop keeps serving calls."""

from __future__ import annotations

import asyncio
import math
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from acd.config import Level, QueueSpec, SkillName
from cti.auth.service import Role
from cti.openapi import AUTHENTICATED, error_responses
from cti.server.deps import PrincipalDep, ServicesDep
from simulations.replicate import Estimate, QueueEstimate, Replicated
from simulations.scenario import Demand, Group
from wfm.erlang import Load, Metrics
from wfm.forecast import IntervalForecast
from wfm.required import Target
from wfm.schedule import ShiftRules
from wfm.service import WfmService
from wfm.staffing import SkillGroup

router = APIRouter(prefix="/api/wfm", tags=["wfm"], responses=error_responses(400, *AUTHENTICATED))


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetBody(_Body):
    service_level: float = Field(0.8, ge=0, le=1)
    answer_seconds: float = Field(20, ge=0, le=3600)
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


class GroupBody(_Body):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    skills: dict[SkillName, Level] = Field(min_length=1, max_length=20)
    agents: list[Annotated[int, Field(ge=0, le=5000)]] = Field(min_length=1, max_length=96)


class SimulateBody(_Body):
    queues: dict[str, QueueSpec] | None = Field(None, description="default: the live routing")
    demand: list[DemandBody] = Field(min_length=1, max_length=50)
    groups: list[GroupBody] = Field(min_length=1, max_length=50)
    interval_minutes: Literal[15, 30, 60] = 30
    shrinkage: float = Field(0, ge=0, le=0.9)
    replications: int = Field(5, ge=2, le=30)
    seed: int = Field(1, ge=0, le=2**31)


class SkillGroupBody(_Body):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    skills: dict[SkillName, Level] = Field(min_length=1, max_length=20)


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

    def starts(self) -> list[str]:
        count = len(self.demand[0].calls)
        if self.start is None:
            return [f"interval {k}" for k in range(count)]
        step = timedelta(minutes=self.interval_minutes)
        return [(self.start + k * step).isoformat() for k in range(count)]


def _wfm(svc: Any) -> WfmService:
    return svc.wfm  # type: ignore[no-any-return]


@router.post("/erlang")
async def erlang(body: ErlangBody, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    load = Load(body.calls, body.aht, body.interval_minutes * 60.0)
    answer = await asyncio.to_thread(
        _wfm(svc).erlang, load, body.target(), body.patience, body.shrinkage
    )
    need = answer.requirement
    return {
        "erlangs": load.erlangs,
        "agents": need.agents,
        "scheduled": need.scheduled,
        "metrics": metrics_view(need.metrics),
        "curve": [metrics_view(m) for m in answer.curve],
    }


@router.post("/forecast")
async def forecast(body: ForecastBody, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    fc = await asyncio.to_thread(
        _wfm(svc).forecast,
        body.queue,
        body.start,
        body.days,
        history_days=body.history_days,
        interval_minutes=body.interval_minutes,
        method=body.method,
        timezone=body.timezone,
        country=body.country,
    )
    return {
        "queue": fc.queue,
        "method": fc.method,
        "interval_minutes": fc.interval_minutes,
        "backtest": None
        if fc.backtest is None
        else {"days": fc.backtest.days, "wape": fc.backtest.wape},
        "intervals": [
            {"start": r.start.isoformat(), "calls": r.calls, "aht": r.aht} for r in fc.rows
        ],
    }


@router.post("/staff")
async def staff(body: StaffBody, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    rows = [IntervalForecast(i.start, i.calls, i.aht) for i in body.intervals]
    out = await asyncio.to_thread(
        _wfm(svc).staff, rows, body.interval_minutes, body.target(), body.patience, body.shrinkage
    )
    return {
        "intervals": [
            {
                "start": r.start,
                "calls": r.calls,
                "aht": r.aht,
                "agents": r.agents,
                "scheduled": r.scheduled,
                "metrics": metrics_view(r.metrics),
            }
            for r in out
        ]
    }


@router.post("/schedule")
async def schedule(body: ScheduleBody, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    rules = ShiftRules(
        **{**body.rules.model_dump(), "lengths_hours": tuple(body.rules.lengths_hours)}
    )
    plan = await asyncio.to_thread(_wfm(svc).schedule, body.required, body.slot_minutes, rules)
    return {
        "status": plan.status,
        "agents": plan.agents,
        "paid_hours": plan.paid_hours,
        "over": plan.over,
        "under": plan.under,
        "coverage": list(plan.coverage),
        "shifts": [
            {
                "start_slot": s.start_slot,
                "length_slots": s.length_slots,
                "break_slot": s.break_slot,
                "break_slots": s.break_slots,
                "count": s.count,
            }
            for s in plan.shifts
        ],
    }


@router.post("/simulate")
async def simulate(body: SimulateBody, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    queues = None if body.queues is None else [s.to_config(n) for n, s in body.queues.items()]
    demand = [Demand(d.queue, tuple(d.calls), d.aht, patience=d.patience) for d in body.demand]
    groups = [Group(g.name, tuple(sorted(g.skills.items())), tuple(g.agents)) for g in body.groups]
    result = await asyncio.to_thread(
        _wfm(svc).simulate,
        queues,
        demand,
        groups,
        interval_minutes=body.interval_minutes,
        shrinkage=body.shrinkage,
        replications=body.replications,
        seed=body.seed,
    )
    return replicated_view(result)


@router.post("/staff-groups")
async def staff_groups(
    body: StaffGroupsBody, svc: ServicesDep, who: PrincipalDep
) -> dict[str, Any]:
    """Agent groups with overlapping skills: agents per group and interval found by running
    the real ACD in SimPy, starting from each queue's Erlang answer."""
    who.require(Role.SUPERVISOR)
    queues = None if body.queues is None else [s.to_config(n) for n, s in body.queues.items()]
    demand = [
        Demand(d.queue, tuple(d.calls), d.aht, patience=d.patience or body.patience)
        for d in body.demand
    ]
    groups = [SkillGroup(g.name, tuple(sorted(g.skills.items()))) for g in body.groups]
    rows = await asyncio.to_thread(
        _wfm(svc).staff_groups,
        queues,
        demand,
        groups,
        body.target(),
        starts=body.starts(),
        interval_minutes=body.interval_minutes,
        shrinkage=body.shrinkage,
        replications=body.replications,
        seed=body.seed,
    )
    return {
        "intervals": [
            {
                "start": r.start,
                "agents": r.agents,
                "scheduled": r.scheduled,
                "erlang_start": r.erlang_start,
                "candidates_simulated": r.evaluations,
                "queues": {
                    d.queue.name: {
                        "calls": d.calls,
                        **_estimate_view(r.estimates.get(d.queue.name)),
                    }
                    for d in r.demand
                },
            }
            for r in rows
        ]
    }


def metrics_view(m: Metrics) -> dict[str, Any]:
    return {
        "model": m.model,
        "agents": m.agents,
        "erlangs": m.erlangs,
        "p_wait": m.p_wait,
        "service_level": m.service_level,
        "asa": _finite(m.asa),
        "occupancy": m.occupancy,
        "p_abandon": m.p_abandon,
    }


def replicated_view(r: Replicated) -> dict[str, Any]:
    return {
        "replications": len(r.runs),
        "calls": r.calls,
        "queues": {
            q: {
                "offered": e.offered,
                "service_level": _est(e.service_level),
                "asa": _est(e.asa),
                "abandon_rate": _est(e.abandon_rate),
                "occupancy": _est(e.occupancy),
            }
            for q, e in r.queues.items()
        },
    }


def _estimate_view(e: QueueEstimate | None) -> dict[str, Any]:
    if e is None:  # no calls in the interval
        return {"service_level": None, "asa": None, "abandon_rate": None}
    return {
        "service_level": _est(e.service_level),
        "asa": _est(e.asa),
        "abandon_rate": _est(e.abandon_rate),
    }


def _est(e: Estimate) -> dict[str, Any]:
    return {"mean": _finite(e.mean), "ci95": _finite(e.half_width), "n": e.n}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
