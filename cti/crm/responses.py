"""What the CRM's routes answer, as models, so ``/openapi.json`` documents every answer
(the shapes of ``cti.crm.views``; dates and times are ISO 8601 strings)."""

from __future__ import annotations

from pydantic import BaseModel

from cti.crm.models import Tier


class InteractionOut(BaseModel):
    id: int
    call_id: str
    direction: str
    started_at: str
    queue: str | None
    agent_login: str | None
    outcome: str | None
    disposition: str | None
    notes: str | None


class CustomerOut(BaseModel):
    id: int
    name: str
    phones: list[str]
    email: str | None
    account_number: str | None
    segment: str | None
    tier: Tier
    lifetime_value: float
    churn_risk: float
    consent_marketing_calls: bool
    consent_recording: bool
    customer_since: str | None
    owner_agent: str | None
    open_complaints: int
    recent: list[InteractionOut]


class RefusalOut(BaseModel):
    row: int  # as a spreadsheet counts it: the header is row 1
    field: str
    reason: str


class ImportReportOut(BaseModel):
    created: int
    updated: int
    refused_count: int
    refused: list[RefusalOut]  # the first 1,000


class DataCustomerOut(BaseModel):
    id: int
    name: str
    phones: list[str]
    email: str | None
    account_number: str | None
    segment: str | None
    tier: Tier
    lifetime_value: float
    churn_risk: float
    consent_marketing_calls: bool
    consent_recording: bool
    customer_since: str | None
    owner_agent: str | None
    open_complaints: int


class DataInteractionOut(BaseModel):
    call_id: str
    leg: int
    direction: str
    caller_number: str | None
    dialled_number: str | None
    queue: str | None
    agent_login: str | None
    offered_at: str
    ringing_at: str | None
    answered_at: str | None
    ended_at: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    wrap_seconds: float | None
    outcome: str | None
    disposition: str | None
    notes: str | None
    follow_up: str | None
    ivr_data: dict[str, str]


class CustomerDataOut(BaseModel):
    customer: DataCustomerOut
    interactions: list[DataInteractionOut]


class ErasureOut(BaseModel):
    customer_id: int
    erased_by: str
    erased_at: str
    interactions_anonymised: int
