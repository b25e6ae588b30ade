"""Entries for what the HTTP middleware does not see: log-ins and websocket actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cti.audit.service import LOGIN, AuditEntry, AuditLog
from cti.auth.login import LoginAttempt
from cti.auth.service import Principal
from cti.roles import Role

_LOGIN_STATUS = {"ok": 200, "wrong": 401, "throttled": 429}


def login_recorder(audit: AuditLog) -> Callable[[LoginAttempt], Awaitable[None]]:
    """What ``LoginService.attempted`` calls: every log-in, succeeded or refused."""

    async def record(attempt: LoginAttempt) -> None:
        entry = AuditEntry(
            actor=attempt.login[:120],
            role=attempt.role,
            action=LOGIN,
            path="/api/auth/token",
            status=_LOGIN_STATUS[attempt.outcome],
            address=attempt.address[:64],
            target={"outcome": attempt.outcome},
        )
        await audit.write(entry)

    return record


def socket_audited(who: Principal, message_type: str) -> bool:
    """A supervisor's or admin's message that acts (not ``ping`` or ``resync``)."""
    return who.at_least(Role.SUPERVISOR) and message_type not in ("ping", "resync")


def socket_entry(
    who: Principal, path: str, message_type: str, status: int, address: str, target: dict[str, Any]
) -> AuditEntry:
    """``WS /ws/agent set_state``, named as the authorisation policy names it."""
    return AuditEntry(
        actor=who.login,
        role=who.role.value,
        action=f"WS {path} {message_type}",
        path=path,
        status=status,
        address=address,
        target={k: str(v) for k, v in target.items()},
    )
