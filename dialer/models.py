"""The dialer's tables: campaigns, their leads, the DNC lists and every attempt.

On the shared ``cti.db.Base``; ``cti/migrations/versions/0006_dialer.py`` creates exactly
these. ``dialer_attempts`` is the compliance record: one row per dial, never deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cti.db import Base, BigKey, JsonType, UtcDateTime


class CampaignState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class LeadStatus(StrEnum):
    NEW = "new"
    RETRY = "retry"  # due again at ``next_at``
    CALLBACK = "callback"  # an agent asked for a callback at ``next_at``
    DIALLING = "dialling"
    DONE = "done"  # a final disposition
    EXHAUSTED = "exhausted"  # out of attempts
    DNC = "dnc"  # found on a DNC list at dial time
    OPTED_OUT = "opted-out"


class AttemptOutcome(StrEnum):
    LIVE = "answered-live"
    MACHINE = "machine"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    ABANDONED = "abandoned"


class DncSource(StrEnum):
    INTERNAL = "internal"
    NATIONAL = "national"


class DialerCampaign(Base):
    __tablename__ = "dialer_campaigns"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JsonType)
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DialerLead(Base):
    __tablename__ = "dialer_leads"
    __table_args__ = (UniqueConstraint("campaign_id", "phone"),)

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("dialer_campaigns.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    zones: Mapped[str] = mapped_column(String(400), default="")  # IANA zones, ";"-separated
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.NEW.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    callback_agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_row: Mapped[int] = mapped_column(Integer, default=0)


class DialerDnc(Base):
    __tablename__ = "dialer_dnc"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DialerAttempt(Base):
    __tablename__ = "dialer_attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("dialer_campaigns.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("dialer_leads.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    dialled_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ringing_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ring_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    amd_verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seconds_to_agent: Mapped[float | None] = mapped_column(Float, nullable=True)
    cause: Mapped[str] = mapped_column(Text, default="")
    disposition: Mapped[str | None] = mapped_column(String(64), nullable=True)
