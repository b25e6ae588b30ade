"""What ``/api/audit`` answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="the login that acted (or tried to log in)")
    role: str | None = Field(description="the actor's role then; null for a failed log-in")
    action: str = Field(description="'PUT /api/queues/{name}', 'WS /ws/agent set_state', …")
    path: str = Field(description="the request's path, or the websocket's")
    target: dict[str, str] = Field(description="the path's parameters: which queue, agent, …")
    status: int = Field(description="the HTTP status answered (websockets: 200 or the error's)")
    outcome: str = Field(description="ok, refused or failed")
    address: str = Field(description="the client's address")


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None = Field(description="pass as ?before= for the next, older page")
