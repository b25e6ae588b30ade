"""PBX-side steering: queue members and call recording, where the PBX has them.

Asterisk (observe mode) keeps its own queue members; these endpoints drive them with
``QueueAdd`` / ``QueueRemove`` / ``QueuePause`` / ``QueuePenalty`` and record calls with
``MixMonitor``. The PBX's refusals ("Unable to remove interface: Not there") come back as
API errors carrying its message. The simulated PBX has no members (Switchboard's ACD routes
by skills) and answers 501.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from cti.auth.deps import PrincipalDep
from cti.calls.policy import Action, authorise, authorise_call
from cti.calls.responses import MemberPausedOut, PenaltyOut
from cti.calls.service import CallCentre
from cti.openapi import AUTHENTICATED, error_responses
from cti.provide import Provided
from cti.roles import Role
from cti.telephony.errors import NotSupported
from cti.telephony.port import QueueMembers, Recording

router = APIRouter(
    prefix="/api", tags=["pbx"], responses=error_responses(400, *AUTHENTICATED, 501, 502)
)


@dataclass(frozen=True, slots=True)
class Pbx:
    """What these routes steer: the call centre's PBX, and which backend it is."""

    centre: CallCentre
    backend: str  # "simulated" or "asterisk": named in a 501


pbx_service: Provided[Pbx] = Provided("calls.pbx")
provide = pbx_service.provide
PbxDep = Annotated[Pbx, Depends(pbx_service)]


class MemberBody(BaseModel):
    agent_id: str = Field(min_length=1, max_length=64)
    penalty: int | None = Field(None, ge=0, le=1000)
    paused: bool | None = None
    reason: str | None = Field(None, max_length=64)


class PauseBody(BaseModel):
    paused: bool
    reason: str | None = Field(None, max_length=64)
    queue: str | None = Field(None, max_length=64)


class PenaltyBody(BaseModel):
    penalty: int = Field(ge=0, le=1000)


class RecordingBody(BaseModel):
    file: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,120}$")


def members(svc: Pbx) -> QueueMembers:
    if not isinstance(svc.centre.port, QueueMembers):
        raise NotSupported(
            "this PBX has no queue members: Switchboard's ACD routes by skills "
            "(PUT /api/agents/{id}/skills)",
            details={"telephony": svc.backend},
        )
    return svc.centre.port


@router.post("/pbx/queues/{queue}/members")
async def add_member(
    queue: str, body: MemberBody, svc: PbxDep, who: PrincipalDep
) -> dict[str, str]:
    who.require(Role.SUPERVISOR)
    await members(svc).queue_add(
        queue, body.agent_id, penalty=body.penalty, paused=body.paused, reason=body.reason
    )
    return {"status": "added", "queue": queue, "agent_id": body.agent_id}


@router.delete("/pbx/queues/{queue}/members/{agent_id}")
async def remove_member(
    queue: str, agent_id: str, svc: PbxDep, who: PrincipalDep
) -> dict[str, str]:
    who.require(Role.SUPERVISOR)
    await members(svc).queue_remove(queue, agent_id)
    return {"status": "removed", "queue": queue, "agent_id": agent_id}


@router.put("/pbx/members/{agent_id}/pause", response_model=MemberPausedOut)
async def pause_member(
    agent_id: str, body: PauseBody, svc: PbxDep, who: PrincipalDep
) -> dict[str, Any]:
    authorise(who, Action.SET_STATE, agent_id, what="state")
    await members(svc).queue_pause(agent_id, body.paused, queue=body.queue, reason=body.reason)
    return {"status": "paused" if body.paused else "unpaused", "agent_id": agent_id}


@router.put("/pbx/queues/{queue}/members/{agent_id}/penalty", response_model=PenaltyOut)
async def penalty(
    queue: str, agent_id: str, body: PenaltyBody, svc: PbxDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    await members(svc).queue_penalty(queue, agent_id, body.penalty)
    return {"status": "penalty-set", "penalty": body.penalty}


def recorder(svc: Pbx) -> Recording:
    if not isinstance(svc.centre.port, Recording):
        raise NotSupported("this PBX does not record calls", details={})
    return svc.centre.port


@router.post("/calls/{call_id}/recording")
async def start_recording(
    call_id: str, body: RecordingBody, svc: PbxDep, who: PrincipalDep
) -> dict[str, str | None]:
    authorise_call(svc.centre, who, Action.RECORD, call_id)
    file = body.file or f"{call_id}.wav"
    monitor = await recorder(svc).mix_monitor_start(call_id, file)
    return {"status": "recording", "file": file, "mix_monitor_id": monitor}


@router.delete("/calls/{call_id}/recording")
async def stop_recording(call_id: str, svc: PbxDep, who: PrincipalDep) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.RECORD, call_id)
    await recorder(svc).mix_monitor_stop(call_id)
    return {"status": "stopped"}
