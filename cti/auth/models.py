"""The login throttle's table: failed logins per account and per source address.

One row per throttled key (``account:<login>`` or ``address:<ip>``), so every server process
sharing the database sees the same counts when there is no Redis.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cti.db import Base


class LoginFailure(Base):
    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch
