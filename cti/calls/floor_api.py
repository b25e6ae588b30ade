"""The floor's endpoints: agents (their state and skills) and the calls waiting for one.
They act through the call centre, so an agent's state change and a callback are authorised
like every other call action (``cti.calls.policy``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from acd.agents import AgentState
from acd.config import Level, SkillName
from acd.errors import InvalidConfig
from acd.responses import AgentDetailOut, AgentOut, AlertOut, CallbackOut, WaitingCallOut
from acd.views import agent_view, alert_view
from cti.auth.deps import PrincipalDep
from cti.calls import control
from cti.calls.floor import Floor
from cti.calls.policy import Action, authorise_call
from cti.openapi import AUTHENTICATED, error_responses
from cti.provide import Provided
from cti.roles import Role

router = APIRouter(prefix="/api", tags=["acd"], responses=error_responses(400, *AUTHENTICATED))

floor_service: Provided[Floor] = Provided("calls.floor")
provide = floor_service.provide
FloorDep = Annotated[Floor, Depends(floor_service)]


class StateChange(BaseModel):
    state: Literal["available", "paused", "logged_out"]
    reason: str | None = Field(None, max_length=64)


class SkillsBody(BaseModel):
    skills: dict[SkillName, Level] = Field(max_length=50)


class CallbackBody(BaseModel):
    number: str | None = Field(None, min_length=2, max_length=32, pattern=r"^\+?[0-9 ()\-]+$")


# -- agents ---------------------------------------------------------------------------
@router.get("/agents", response_model=list[AgentDetailOut])
async def agents(floor: FloorDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [_agent(floor, a.agent_id) for a in floor.centre.acd.agents()]


@router.get("/agents/{agent_id}", response_model=AgentDetailOut)
async def agent(agent_id: str, floor: FloorDep, who: PrincipalDep) -> dict[str, Any]:
    who.require_self_or(agent_id, Role.SUPERVISOR)
    return _agent(floor, agent_id)


def _agent(floor: Floor, agent_id: str) -> dict[str, Any]:
    view = agent_view(floor.centre.acd.agent(agent_id))
    view["state_seconds"] = floor.centre.acd.stats.state_seconds(agent_id)
    return view


@router.put("/agents/{agent_id}/state", response_model=AgentOut)
async def change_state(
    agent_id: str, body: StateChange, floor: FloorDep, who: PrincipalDep
) -> dict[str, Any]:
    state = AgentState(body.state)
    agent = await control.change_state(floor.centre, who, agent_id, state, body.reason)
    return agent_view(agent)


@router.put("/agents/{agent_id}/skills", response_model=AgentOut)
async def change_skills(
    agent_id: str, body: SkillsBody, floor: FloorDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return agent_view(await floor.change_skills(agent_id, body.skills))


# -- alerts ---------------------------------------------------------------------------
@router.get("/alerts", response_model=list[AlertOut])
async def alerts(floor: FloorDep, who: PrincipalDep) -> list[dict[str, Any]]:
    """What needs a supervisor: agents whose phone fails before it can ring."""
    who.require(Role.SUPERVISOR)
    return [alert_view(a) for a in floor.centre.alerts.values()]


# -- waiting calls --------------------------------------------------------------------
@router.get("/calls/waiting", response_model=list[WaitingCallOut])
async def waiting(floor: FloorDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    acd, now = floor.centre.acd, floor.centre.clock.now()
    return [
        {
            "call_id": c.call_id,
            "queue": c.queue,
            "waiting_seconds": now - c.since,
            "priority": c.requirements.priority,
            "score": c.score(now),
            "callback_number": c.callback_number,
            "offered_to": list(acd.offered_to(c.call_id)),
            "caller_number": _caller(floor, c.call_id),
        }
        for c in acd.waiting()
    ]


def _caller(floor: Floor, call_id: str) -> str | None:
    call = floor.centre.calls.get(call_id)
    return call.caller_number if call else None


@router.post("/calls/{call_id}/callback")
async def callback(
    call_id: str, body: CallbackBody, floor: FloorDep, who: PrincipalDep
) -> CallbackOut:
    call = authorise_call(floor.centre, who, Action.CALLBACK, call_id)
    number = body.number or call.caller_number
    if not number:
        raise InvalidConfig(
            "the caller's number is withheld: give one", details={"field": "number"}
        )
    floor.centre.request_callback(call_id, number)
    return CallbackOut(status="callback-requested", number=number)
