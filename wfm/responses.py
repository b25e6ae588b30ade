"""What the WFM endpoints answer: one pydantic model per response (so ``/openapi.json``
documents each), read from the service's results by attribute. Figures that are not finite
(an ASA with too few agents, a confidence interval from one run) are ``null``."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from simulations.replicate import QueueEstimate
from wfm.erlang import Load
from wfm.forecast import Forecast
from wfm.service import ErlangAnswer
from wfm.staffing import SkillStaffRow


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


Finite = Annotated[float | None, BeforeValidator(_finite)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MetricsOut(_Out):
    model: Literal["erlang-c", "erlang-a"]
    agents: int
    erlangs: float
    p_wait: float
    service_level: float
    asa: Finite
    occupancy: float
    p_abandon: float


class ErlangOut(_Out):
    erlangs: float
    agents: int
    scheduled: int
    metrics: MetricsOut
    curve: list[MetricsOut]

    @classmethod
    def of(cls, load: Load, answer: ErlangAnswer) -> ErlangOut:
        need = answer.requirement
        return cls(
            erlangs=load.erlangs,
            agents=need.agents,
            scheduled=need.scheduled,
            metrics=MetricsOut.model_validate(need.metrics),
            curve=[MetricsOut.model_validate(m) for m in answer.curve],
        )


class BacktestOut(_Out):
    days: int
    wape: dict[str, float]


class IntervalOut(_Out):
    start: str  # ISO 8601, with the forecast's offset
    calls: float
    aht: float


class ForecastOut(_Out):
    queue: str | None
    method: str
    interval_minutes: int
    backtest: BacktestOut | None
    intervals: list[IntervalOut]

    @classmethod
    def of(cls, fc: Forecast) -> ForecastOut:
        rows = [IntervalOut(start=r.start.isoformat(), calls=r.calls, aht=r.aht) for r in fc.rows]
        return cls(
            queue=fc.queue,
            method=fc.method,
            interval_minutes=fc.interval_minutes,
            backtest=fc.backtest,
            intervals=rows,
        )


class StaffedIntervalOut(IntervalOut):
    agents: int  # on the phones
    scheduled: int  # shrinkage included
    metrics: MetricsOut


class StaffOut(_Out):
    intervals: list[StaffedIntervalOut]


class ShiftOut(_Out):
    start_slot: int
    length_slots: int
    break_slot: int | None
    break_slots: int
    count: int


class ScheduleOut(_Out):
    status: str
    agents: int
    paid_hours: float
    over: int
    under: int
    coverage: list[int]
    shifts: list[ShiftOut]


class EstimateOut(_Out):
    """A simulated figure's mean over the replications and its 95% half-width."""

    mean: Finite
    ci95: Finite = Field(validation_alias=AliasChoices("ci95", "half_width"))
    n: int


class QueueEstimateOut(_Out):
    offered: float
    service_level: EstimateOut
    asa: EstimateOut
    abandon_rate: EstimateOut
    occupancy: EstimateOut


class SimulateOut(_Out):
    replications: int
    calls: int
    queues: dict[str, QueueEstimateOut]


class SearchedQueueOut(_Out):
    """One queue in one interval of a staffing search; no estimates without calls."""

    calls: float
    service_level: EstimateOut | None = None
    asa: EstimateOut | None = None
    abandon_rate: EstimateOut | None = None

    @classmethod
    def of(cls, calls: float, e: QueueEstimate | None) -> SearchedQueueOut:
        if e is None:
            return cls(calls=calls)
        return cls(
            calls=calls,
            service_level=EstimateOut.model_validate(e.service_level),
            asa=EstimateOut.model_validate(e.asa),
            abandon_rate=EstimateOut.model_validate(e.abandon_rate),
        )


class SearchedIntervalOut(_Out):
    start: str
    agents: dict[str, int]
    scheduled: dict[str, int]
    erlang_start: dict[str, int]
    candidates_simulated: int
    queues: dict[str, SearchedQueueOut]

    @classmethod
    def of(cls, r: SkillStaffRow) -> SearchedIntervalOut:
        queues = {
            d.queue.name: SearchedQueueOut.of(d.calls, r.estimates.get(d.queue.name))
            for d in r.demand
        }
        return cls(
            start=r.start,
            agents=r.agents,
            scheduled=r.scheduled,
            erlang_start=r.erlang_start,
            candidates_simulated=r.evaluations,
            queues=queues,
        )


class StaffGroupsOut(_Out):
    intervals: list[SearchedIntervalOut]
