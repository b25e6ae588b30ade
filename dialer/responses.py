"""What the dialer's endpoints answer (each declares one of these as its response model)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from dialer.campaign import CampaignSpec


class CampaignOut(BaseModel):
    id: int
    name: str
    state: str
    spec: CampaignSpec
    safe_harbour_text: str
    started_at: datetime | None


class StatusOut(BaseModel):
    campaign: str
    state: str
    mode: str
    dialling: bool
    reason: str  # why it dials, or why it does not (no agents, outside the window, ...)
    in_flight: int
    agents_ready: int  # with a line ready: free or busy
    agents_free: int
    agents_busy: int  # on a campaign call or its wrap-up
    abandoned: int  # in the current regulatory period
    live_answers: int
    abandonment_rate: float
    limit: float
    abandon_rule: str
    period_start: datetime | None  # the current regulatory period's start
    leads: dict[str, int]  # by status
    leads_left: int  # new, due again, callbacks and dialling now
    attempts_24h: dict[str, int]  # by outcome
    attempts_period: dict[str, int]  # by outcome, in the current regulatory period
    live_rate: float  # of the period's ended attempts, answered by a person
    machine_rate: float
    talk_share: float  # of staffed agent time, on campaign calls (talk and wrap)
    calls_per_agent_hour: float  # calls connected per staffed agent-hour
    at: float  # clock seconds


class RefusalOut(BaseModel):
    row: int
    field: str
    reason: str
    detail: str


class UploadOut(BaseModel):
    file: str
    rows: int
    loaded: int
    refused_count: int
    refused: list[RefusalOut]


class DncImportOut(BaseModel):
    file: str
    rows: int
    added: int
    refused_count: int
    refused: list[RefusalOut]


class LeadOut(BaseModel):
    id: int
    phone: str
    name: str
    account: str | None
    fields: dict[str, Any]
    zones: list[str]
    status: str
    attempts: int
    next_at: datetime | None
    callback_agent: str | None
    disposition: str | None


class PreviewOut(BaseModel):
    lead: int
    dialled: bool
    attempt_id: str | None


class DispositionOut(BaseModel):
    lead: int
    disposition: str
    status: str | None = None
    next_at: str | None = None
    callback_agent: str | None = None


class DncOut(BaseModel):
    phone: str
    source: str
    reason: str
    added_at: datetime


class RemovedOut(BaseModel):
    removed: bool


class PreviewCampaignOut(BaseModel):
    name: str
    queue: str
    script: str
