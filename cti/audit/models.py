"""The audit log's table: one row per login attempt or supervisor/admin action, never updated.

``action`` is the operation as the authorisation policy names it (``PUT /api/queues/{name}``,
``WS /ws/agent set_state``, ``auth.login``); ``target`` holds the path's parameters (which
queue, which agent), never a request body, so no password or note is copied here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cti.db import Base, BigKey, JsonType, UtcDateTime


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(200), index=True)
    path: Mapped[str] = mapped_column(String(500))
    target: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64))
