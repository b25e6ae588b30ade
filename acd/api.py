"""ACD endpoints: queues (live and configured), skills, agents, waiting calls, explanations."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from acd.agents import AgentState
from acd.config import Level, QueueSpec, SkillName
from acd.errors import InvalidConfig
from cti.calls import control
from cti.calls.policy import Action, authorise_call
from cti.openapi import AUTHENTICATED, error_responses
from cti.roles import Role
from cti.server import payloads
from cti.server.deps import PrincipalDep, ServicesDep

router = APIRouter(prefix="/api", tags=["acd"], responses=error_responses(400, *AUTHENTICATED))


class StateChange(BaseModel):
    state: Literal["available", "paused", "logged_out"]
    reason: str | None = Field(None, max_length=64)


class SkillsBody(BaseModel):
    skills: dict[SkillName, Level] = Field(max_length=50)


class SkillBody(BaseModel):
    description: str = Field("", max_length=200)


class CallbackBody(BaseModel):
    number: str | None = Field(None, min_length=2, max_length=32, pattern=r"^\+?[0-9 ()\-]+$")


# -- queues ---------------------------------------------------------------------------
@router.get("/queues")
async def queues(svc: ServicesDep, who: PrincipalDep) -> list[dict[str, Any]]:
    return [payloads.snapshot_view(s) for s in svc.centre.acd.snapshots()]


@router.get("/queues/{name}")
async def queue(name: str, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    config = svc.centre.acd.queue(name)
    return {
        "name": name,
        "config": QueueSpec.from_config(config).model_dump(mode="json"),
        "snapshot": payloads.snapshot_view(svc.centre.acd.snapshot(name)),
    }


@router.put("/queues/{name}")
async def put_queue(
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")],
    spec: QueueSpec,
    svc: ServicesDep,
    who: PrincipalDep,
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    config = await svc.routing.put_queue(name, spec)
    return {"name": name, "config": QueueSpec.from_config(config).model_dump(mode="json")}


@router.delete("/queues/{name}", status_code=204)
async def delete_queue(name: str, svc: ServicesDep, who: PrincipalDep) -> None:
    who.require(Role.ADMIN)
    await svc.routing.delete_queue(name)


@router.get("/queues/{name}/script")
async def script(name: str, svc: ServicesDep, who: PrincipalDep) -> dict[str, str]:
    return {"queue": name, "script": svc.centre.acd.queue(name).script}


@router.get("/queues/{name}/intervals")
async def intervals(
    name: str, svc: ServicesDep, who: PrincipalDep, hours: int = Query(24, ge=1, le=24 * 31)
) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    rows = await svc.routing.intervals(name, hours)
    return [payloads.interval_view(name, start, counters) for start, counters in rows]


# -- skills ---------------------------------------------------------------------------
@router.get("/skills")
async def skills(svc: ServicesDep, who: PrincipalDep) -> dict[str, str]:
    return dict(sorted(svc.routing.skills.items()))


@router.put("/skills/{name}", status_code=204)
async def put_skill(name: SkillName, body: SkillBody, svc: ServicesDep, who: PrincipalDep) -> None:
    who.require(Role.SUPERVISOR)
    await svc.routing.put_skill(name, body.description)


@router.delete("/skills/{name}", status_code=204)
async def delete_skill(name: str, svc: ServicesDep, who: PrincipalDep) -> None:
    who.require(Role.ADMIN)
    await svc.routing.delete_skill(name)


# -- agents ---------------------------------------------------------------------------
@router.get("/agents")
async def agents(svc: ServicesDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [_agent(svc, a.agent_id) for a in svc.centre.acd.agents()]


@router.get("/agents/{agent_id}")
async def agent(agent_id: str, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require_self_or(agent_id, Role.SUPERVISOR)
    return _agent(svc, agent_id)


def _agent(svc: ServicesDep, agent_id: str) -> dict[str, Any]:
    view = payloads.agent_view(svc.centre.acd.agent(agent_id))
    view["state_seconds"] = svc.centre.acd.stats.state_seconds(agent_id)
    return view


@router.put("/agents/{agent_id}/state")
async def change_state(
    agent_id: str, body: StateChange, svc: ServicesDep, who: PrincipalDep
) -> dict[str, Any]:
    state = AgentState(body.state)
    agent = await control.change_state(svc.centre, who, agent_id, state, body.reason)
    return payloads.agent_view(agent)


@router.put("/agents/{agent_id}/skills")
async def change_skills(
    agent_id: str, body: SkillsBody, svc: ServicesDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    svc.centre.acd.agent(agent_id)
    svc.routing.check_agent_skills(body.skills)
    await _save_agent_skills(svc, agent_id, tuple(body.skills.items()))
    return payloads.agent_view(svc.centre.set_skills(agent_id, tuple(body.skills.items())))


async def _save_agent_skills(
    svc: ServicesDep, agent_id: str, skills: tuple[tuple[str, int], ...]
) -> None:
    await asyncio.to_thread(svc.directory.set_agent_skills, agent_id, skills)


# -- waiting calls --------------------------------------------------------------------
@router.get("/calls/waiting")
async def waiting(svc: ServicesDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    acd, now = svc.centre.acd, svc.clock.now()
    return [
        {
            "call_id": c.call_id,
            "queue": c.queue,
            "waiting_seconds": now - c.since,
            "priority": c.requirements.priority,
            "score": c.score(now),
            "callback_number": c.callback_number,
            "offered_to": list(acd.offered_to(c.call_id)),
            "caller_number": _caller(svc, c.call_id),
        }
        for c in acd.waiting()
    ]


def _caller(svc: ServicesDep, call_id: str) -> str | None:
    call = svc.centre.calls.get(call_id)
    return call.caller_number if call else None


@router.get("/calls/{call_id}/routing")
async def routing(call_id: str, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return payloads.explanation_view(svc.centre.acd.explain(call_id))


@router.post("/calls/{call_id}/callback")
async def callback(
    call_id: str, body: CallbackBody, svc: ServicesDep, who: PrincipalDep
) -> dict[str, str]:
    call = authorise_call(svc.centre, who, Action.CALLBACK, call_id)
    number = body.number or call.caller_number
    if not number:
        raise InvalidConfig(
            "the caller's number is withheld: give one", details={"field": "number"}
        )
    svc.centre.request_callback(call_id, number)
    return {"status": "callback-requested", "number": number}
