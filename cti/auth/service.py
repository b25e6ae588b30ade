"""JWT issue and verification, and the role ladder agent < supervisor < admin.

A valid signature only says who the token was issued to and at which ``token_version``;
``admit`` then decides against the account as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import jwt

from cti.auth.errors import Forbidden, InvalidToken, SessionRevoked
from cti.clock import Clock
from cti.roles import Role

_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    login: str
    role: Role
    name: str

    def at_least(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: Role) -> None:
        if not self.at_least(role):
            raise Forbidden(
                f"{self.login} is {self.role.value}; this needs {role.value}",
                details={"required_role": role.value},
            )

    def require_self_or(self, agent_id: str, role: Role) -> None:
        """Agents act on themselves; acting on someone else needs ``role``."""
        if agent_id != self.login:
            self.require(role)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a token says, once its signature and expiry are checked; not yet trusted."""

    login: str
    version: int
    expires_at: float


class Account(Protocol):
    """The account as stored now (``cti.crm.directory.AgentAccount`` satisfies this)."""

    @property
    def login(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def token_version(self) -> int: ...


class TokenService:
    ALGORITHM = "HS256"

    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock

    @property
    def ttl_seconds(self) -> int:
        """How long a token issued now stays valid."""
        return self._ttl

    def issue(self, account: Account, *, ttl_seconds: int | None = None) -> str:
        now = int(self._clock.now())
        claims = {
            "sub": account.login,
            "role": str(account.role),  # for the pages only: the server reads the account
            "name": account.display_name,
            "ver": account.token_version,
            "iat": now,
            "exp": now + (self._ttl if ttl_seconds is None else ttl_seconds),
        }
        return jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)

    def decode(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self.ALGORITHM],
                options={"verify_exp": False, "require": ["sub", "ver", "exp"]},
            )
            decoded = TokenClaims(str(claims["sub"]), int(claims["ver"]), float(claims["exp"]))
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        return self.unexpired(decoded)

    def unexpired(self, claims: TokenClaims) -> TokenClaims:
        """``claims`` (of a token already decoded) while they have not expired."""
        if claims.expires_at < self._clock.now():
            raise InvalidToken("the session has expired; log in again")
        return claims


def admit(claims: TokenClaims, account: Account | None) -> Principal:
    """The caller as the account is now: it must exist, be enabled and match the version.

    The role comes from the account, never from the token.
    """
    if account is None or not account.enabled or account.token_version != claims.version:
        raise SessionRevoked("the session was revoked; log in again")
    return Principal(account.login, Role(account.role), account.display_name)
