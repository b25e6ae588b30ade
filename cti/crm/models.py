"""The tables: customers and their phones, the call log, agents with skills, and queues.

These ORM classes stay inside ``cti.crm``; services hand frozen dataclasses out. The
hand-written migration in ``cti/migrations/versions`` creates exactly this schema, and a
test compares the two.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere, JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")
#: A 64-bit key on PostgreSQL; SQLite only auto-increments a plain INTEGER primary key.
BigKey = BigInteger().with_variant(Integer(), "sqlite")


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


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (
        CheckConstraint("service_level_seconds > 0", name="service_level_seconds"),
        CheckConstraint("wrapup_seconds >= 0", name="wrapup_seconds"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    required_skills: Mapped[list[str]] = mapped_column(JsonType, default=list)
    service_level_seconds: Mapped[int] = mapped_column(Integer)
    wrapup_seconds: Mapped[int] = mapped_column(Integer)
    #: The ACD's routing configuration for this queue (``acd.config.QueueSpec``), if edited.
    routing: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)


class Skill(Base):
    """The skill catalogue: queues and agents may only name skills listed here."""

    __tablename__ = "skills"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class QueueInterval(Base):
    """Per-queue statistics for one 15-minute interval (``start`` is epoch seconds, UTC)."""

    __tablename__ = "queue_intervals"

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    start: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    overflowed: Mapped[int] = mapped_column(Integer, default=0)
    answer_wait_total: Mapped[float] = mapped_column(Float, default=0.0)
    handle_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    busy_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    staffed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
