"""ACD endpoints: queue snapshots, agents, agent state changes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from acd.agents import AgentState
from cti.auth.service import Role
from cti.server import payloads
from cti.server.deps import PrincipalDep, ServicesDep

router = APIRouter(prefix="/api", tags=["acd"])


class StateChange(BaseModel):
    state: Literal["available", "paused", "logged_out"]
    reason: str | None = Field(None, max_length=64)


@router.get("/queues")
async def queues(svc: ServicesDep, who: PrincipalDep) -> list[dict[str, Any]]:
    return [payloads.snapshot_view(s) for s in svc.centre.acd.snapshots()]


@router.get("/agents")
async def agents(svc: ServicesDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [payloads.agent_view(a) for a in svc.centre.acd.agents()]


@router.get("/agents/{agent_id}")
async def agent(agent_id: str, svc: ServicesDep, who: PrincipalDep) -> dict[str, Any]:
    who.require_self_or(agent_id, Role.SUPERVISOR)
    return payloads.agent_view(svc.centre.acd.agent(agent_id))


@router.put("/agents/{agent_id}/state")
async def change_state(
    agent_id: str, body: StateChange, svc: ServicesDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require_self_or(agent_id, Role.SUPERVISOR)
    agent = svc.centre.set_agent_state(agent_id, AgentState(body.state), body.reason)
    return payloads.agent_view(agent)
