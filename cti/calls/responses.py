"""What the call-control and PBX routes answer, as models, so ``/openapi.json`` documents
every answer (``CallOut`` is ``cti.calls.views.call_view``'s shape)."""

from __future__ import annotations

from pydantic import BaseModel


class CallOut(BaseModel):
    call_id: str
    leg: int
    direction: str
    phase: str
    caller_number: str | None
    caller_name: str | None
    dialled: str
    queue: str | None
    agent_id: str | None
    offered_at: str | None
    queued_at: str | None
    ringing_at: str | None
    answered_at: str | None
    ended_at: str | None
    on_hold: bool
    outcome: str | None
    ivr: dict[str, str]


class MemberPausedOut(BaseModel):
    status: str
    agent_id: str


class PenaltyOut(BaseModel):
    status: str
    penalty: int
