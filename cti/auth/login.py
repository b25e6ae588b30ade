"""What ``/api/auth`` acts on: the sessions (tokens, throttle) and the credentials store.

The store is whatever keeps the accounts (``cti.crm.directory.Directory`` in the wiring); the
log-in routes see it only through ``Credentials``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from cti.auth.service import Account
from cti.auth.sessions import AuthService


class Credentials(Protocol):
    def authenticate(self, login: str, password: str) -> Account | None: ...
    def revoke_tokens(self, login: str) -> Account: ...


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One try at ``POST /api/auth/token``: who it claimed to be, from where, and how it went
    (``throttled``: held off before any password was checked)."""

    login: str
    role: str | None  # the account's, when the log-in succeeded
    address: str
    outcome: Literal["ok", "wrong", "throttled"]


async def _ignore(attempt: LoginAttempt) -> None:
    return None


@dataclass(frozen=True, slots=True)
class LoginService:
    sessions: AuthService
    credentials: Credentials
    attempted: Callable[[LoginAttempt], Awaitable[None]] = _ignore  # the audit log, say
