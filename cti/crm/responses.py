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
