"""JWT issue and verification, and the role ladder agent < supervisor < admin."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import jwt

from cti.auth.errors import Forbidden, InvalidToken
from cti.clock import Clock


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


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


class TokenService:
    ALGORITHM = "HS256"

    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, principal: Principal) -> str:
        now = int(self._clock.now())
        claims = {
            "sub": principal.login,
            "role": principal.role.value,
            "name": principal.name,
            "iat": now,
            "exp": now + self._ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self.ALGORITHM],
                options={"verify_exp": False, "require": ["sub", "role", "exp"]},
            )
            if int(claims["exp"]) < self._clock.now():
                raise InvalidToken("the session has expired; log in again")
            return Principal(str(claims["sub"]), Role(claims["role"]), str(claims.get("name", "")))
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
