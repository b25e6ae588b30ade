"""The IVR's tables: flows, their versions, and one row per call that went through a flow.

They live on the shared ``cti.db.Base`` so that one metadata (and one Alembic history)
covers the schema; ``cti/migrations/versions/0003_ivr.py`` creates exactly these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cti.db import Base, BigKey, JsonType, UtcDateTime


class IvrFlow(Base):
    __tablename__ = "ivr_flows"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    active_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IvrFlowVersion(Base):
    __tablename__ = "ivr_flow_versions"

    name: Mapped[str] = mapped_column(ForeignKey("ivr_flows.name"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    valid: Mapped[bool] = mapped_column(Boolean)
    errors: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IvrSession(Base):
    __tablename__ = "ivr_sessions"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    flow: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seconds: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_node: Mapped[str] = mapped_column(String(140))
    path: Mapped[list[str]] = mapped_column(JsonType, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
