"""What the ACD's routes answer, as models, so ``/openapi.json`` documents every answer.

Each mirrors a view in ``acd.views`` (the board and the desktops are pushed the same
shapes)."""

from __future__ import annotations

from pydantic import BaseModel

from acd.agents import AgentState
from acd.config import QueueSpec
from acd.stats import QueueSnapshot


class AgentOut(BaseModel):
    agent_id: str
    name: str
    state: AgentState
    since: str | None
    call_id: str | None
    queue: str | None
    pause_reason: str | None
    pending_pause: str | None
    skills: dict[str, int]
    calls_taken: int


class AgentDetailOut(AgentOut):
    state_seconds: dict[str, float]


class QueueOut(BaseModel):
    name: str
    config: QueueSpec
    snapshot: QueueSnapshot


class QueueConfigOut(BaseModel):
    name: str
    config: QueueSpec


class ScriptOut(BaseModel):
    queue: str
    script: str


class IntervalOut(BaseModel):
    queue: str
    start: str | None
    offered: int
    answered: int
    answered_in_sl: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    answer_wait_total: float
    handle_seconds: float
    busy_seconds: float
    staffed_seconds: float
    service_level: float | None
    service_level_all: float | None
    abandon_rate: float | None
    asa: float | None
    aht: float | None
    occupancy: float | None


class RequirementsOut(BaseModel):
    skills: dict[str, int]
    alternatives: dict[str, int]
    language: str | None


class PassedOverOut(BaseModel):
    id: str
    reason: str


class DecisionOut(BaseModel):
    at: str | None
    rule: str
    chosen: list[str]
    passed_over: list[PassedOverOut]


class BlockedOut(BaseModel):
    agent_id: str
    reason: str


class NowOut(BaseModel):
    eligible_available: list[str]
    blocked: list[BlockedOut]


class ExplanationOut(BaseModel):
    call_id: str
    queue: str
    queues: list[str]
    waiting_seconds: float
    score: float
    priority: int
    requirements: RequirementsOut
    reasons: list[str]
    offered_to: list[str]
    decisions: list[DecisionOut]
    now: NowOut
    summary: str


class WaitingCallOut(BaseModel):
    call_id: str
    queue: str
    waiting_seconds: float
    priority: int
    score: float
    callback_number: str | None
    offered_to: list[str]
    caller_number: str | None


class CallbackOut(BaseModel):
    status: str
    number: str


class AlertOut(BaseModel):
    kind: str
    agent_id: str
    call_id: str
    at: str | None
    failures: int
    retry_at: str | None
    message: str
