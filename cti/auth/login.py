"""What ``/api/auth`` acts on: the sessions (tokens, throttle) and the credentials store.

The store is whatever keeps the accounts (``cti.crm.directory.Directory`` in the wiring); the
log-in routes see it only through ``Credentials``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cti.auth.service import Account
from cti.auth.sessions import AuthService


class Credentials(Protocol):
    def authenticate(self, login: str, password: str) -> Account | None: ...
    def revoke_tokens(self, login: str) -> Account: ...


@dataclass(frozen=True, slots=True)
class LoginService:
    sessions: AuthService
    credentials: Credentials
