"""The ACD's tables: queues with their routing configuration, the skill catalogue, and
per-queue interval statistics.

On the shared ``cti.db.Base``; only ``acd.store`` reads and writes them. The hand-written
migrations in ``cti/migrations/versions`` create exactly these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cti.db import Base, JsonType


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
