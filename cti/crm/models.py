"""The CRM's tables: customers and their phones, the call log, and agent accounts with skills.

These ORM classes stay inside ``cti.crm``; services hand frozen dataclasses out. The accounts
(``Agent``, ``AgentSkill``) are here because ``cti.crm.directory.Directory``, their one reader
and writer, is: the server hands its accounts to the ACD and to ``cti.auth``, which never
touch the tables. The routing tables are ``acd.models``; all share ``cti.db.Base``. The
hand-written migrations in ``cti/migrations/versions`` create exactly this schema, and a test
compares the two.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cti.db import Base, BigKey, JsonType, UtcDateTime


class Tier(StrEnum):
    STANDARD = "standard"
    GOLD = "gold"
    VIP = "vip"


class Outcome(StrEnum):
    """How one queue leg ended: the one vocabulary of ``interactions.outcome``.

    The call model (``cti.calls.model``) decides it, the call log stores its value (the
    column accepts others the PBX may report), and WFM reads it back from the database or a
    CSV. Stored values never change; a new outcome is a new member.
    """

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"
    VOICEMAIL = "voicemail"  # sent to voicemail (overflow or transfer); the call ends there
    MISSED = "missed"  # ended before it reached a queue or an agent
    CONTAINED = "contained"  # the IVR served the caller and ended the call (self-service)
    FAILED = "failed"  # an outbound leg the network could not complete
    BUSY = "busy"  # an outbound leg that found the line busy
    PBX_LOST = "pbx-lost"  # the PBX went away (crashed, killed, restarted) during the leg


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("tier IN ('standard', 'gold', 'vip')", name="tier"),
        CheckConstraint("churn_risk >= 0 AND churn_risk <= 1", name="churn_risk"),
        CheckConstraint("lifetime_value >= 0", name="lifetime_value"),
        CheckConstraint("open_complaints >= 0", name="open_complaints"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    account_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    segment: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16), server_default=text("'standard'"))
    lifetime_value: Mapped[float] = mapped_column(
        Numeric(12, 2, asdecimal=False), server_default=text("0")
    )
    churn_risk: Mapped[float] = mapped_column(Float, server_default=text("0"))
    consent_marketing_calls: Mapped[bool] = mapped_column(server_default=false())
    consent_recording: Mapped[bool] = mapped_column(server_default=false())
    customer_since: Mapped[date | None] = mapped_column(Date)
    owner_agent: Mapped[str | None] = mapped_column(String(64), index=True)
    open_complaints: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    phones: Mapped[list[CustomerPhone]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by="CustomerPhone.id",
        lazy="selectin",
    )


class CustomerPhone(Base):
    """One number of one customer; not unique, since a household may share a line."""

    __tablename__ = "customer_phones"
    __table_args__ = (UniqueConstraint("customer_id", "e164"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20), index=True)
    label: Mapped[str | None] = mapped_column(String(16))

    customer: Mapped[Customer] = relationship(back_populates="phones")


class Interaction(Base):
    """One queue leg of one call; a transferred call has several legs under one call_id.

    ``leg_key`` is the leg's identity as reported (``cti.crm.calllog.leg_key``): writing the
    same leg again finds its row, and another conversation on the same call id (a call
    queued again) gets a row of its own, numbered after the call's last leg."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("call_id", "leg"),
        UniqueConstraint("leg_key"),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
        CheckConstraint("leg >= 0", name="leg"),
        Index(None, "customer_id", "offered_at"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    leg: Mapped[int] = mapped_column(Integer)
    leg_key: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(8))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    dialled_number: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_login: Mapped[str | None] = mapped_column(String(64), index=True)
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ringing_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    wrap_seconds: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    ivr_data: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    rang_agents: Mapped[list[str]] = mapped_column(JsonType, default=list)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16), server_default=text("'agent'"))
    password_hash: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(server_default=true())
    # bumped to revoke every token issued before: logout, new password, new role, disabling
    token_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent",
        cascade="all, delete-orphan",
        order_by="AgentSkill.skill",
        lazy="selectin",
    )


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (CheckConstraint("level >= 1 AND level <= 5", name="level"),)

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)

    agent: Mapped[Agent] = relationship(back_populates="skills")
