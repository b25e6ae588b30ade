"""ACD endpoints: queues (live and configured), skills, interval statistics, and why a call
is routed as it is. The agents and the waiting calls are the call centre's
(``cti.calls.floor_api``): acting on them goes through its authorisation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from acd.config import QueueSpec, SkillName
from acd.responses import ExplanationOut, IntervalOut, QueueConfigOut, QueueOut, ScriptOut
from acd.service import RoutingService
from acd.stats import QueueSnapshot
from acd.views import explanation_view, interval_view, snapshot_view
from cti.auth.deps import PrincipalDep
from cti.openapi import AUTHENTICATED, error_responses
from cti.provide import Provided
from cti.roles import Role

router = APIRouter(prefix="/api", tags=["acd"], responses=error_responses(400, *AUTHENTICATED))

routing_service: Provided[RoutingService] = Provided("acd.routing")
provide = routing_service.provide
RoutingDep = Annotated[RoutingService, Depends(routing_service)]


class SkillBody(BaseModel):
    description: str = Field("", max_length=200)


# -- queues ---------------------------------------------------------------------------
@router.get("/queues", response_model=list[QueueSnapshot])
async def queues(service: RoutingDep, who: PrincipalDep) -> list[dict[str, Any]]:
    return [snapshot_view(s) for s in service.acd.snapshots()]


@router.get("/queues/{name}", response_model=QueueOut)
async def queue(name: str, service: RoutingDep, who: PrincipalDep) -> dict[str, Any]:
    config = service.acd.queue(name)
    return {
        "name": name,
        "config": QueueSpec.from_config(config).model_dump(mode="json"),
        "snapshot": snapshot_view(service.acd.snapshot(name)),
    }


@router.put("/queues/{name}", response_model=QueueConfigOut)
async def put_queue(
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")],
    spec: QueueSpec,
    service: RoutingDep,
    who: PrincipalDep,
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    config = await service.put_queue(name, spec)
    return {"name": name, "config": QueueSpec.from_config(config).model_dump(mode="json")}


@router.delete("/queues/{name}", status_code=204)
async def delete_queue(name: str, service: RoutingDep, who: PrincipalDep) -> None:
    who.require(Role.ADMIN)
    await service.delete_queue(name)


@router.get("/queues/{name}/script")
async def script(name: str, service: RoutingDep, who: PrincipalDep) -> ScriptOut:
    return ScriptOut(queue=name, script=service.acd.queue(name).script)


@router.get("/queues/{name}/intervals", response_model=list[IntervalOut])
async def intervals(
    name: str, service: RoutingDep, who: PrincipalDep, hours: int = Query(24, ge=1, le=24 * 31)
) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    rows = await service.intervals(name, hours)
    return [interval_view(name, start, counters) for start, counters in rows]


# -- skills ---------------------------------------------------------------------------
@router.get("/skills")
async def skills(service: RoutingDep, who: PrincipalDep) -> dict[str, str]:
    return dict(sorted(service.skills.items()))


@router.put("/skills/{name}", status_code=204)
async def put_skill(
    name: SkillName, body: SkillBody, service: RoutingDep, who: PrincipalDep
) -> None:
    who.require(Role.SUPERVISOR)
    await service.put_skill(name, body.description)


@router.delete("/skills/{name}", status_code=204)
async def delete_skill(name: str, service: RoutingDep, who: PrincipalDep) -> None:
    who.require(Role.ADMIN)
    await service.delete_skill(name)


@router.get("/calls/{call_id}/routing", response_model=ExplanationOut)
async def routing(call_id: str, service: RoutingDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return explanation_view(service.acd.explain(call_id))
