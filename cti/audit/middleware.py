"""Every supervisor and admin action over HTTP is audited, whichever router it belongs to.

The rule is read off the route table, not listed per route: a request whose method changes
something (POST, PUT, PATCH, DELETE) and that matched a route is recorded when the caller
(the principal ``cti.auth.deps`` admitted, kept in ``request.state.principal``) is a
supervisor or an admin, or when it was refused with 403 (an attempt beyond one's role). A
route added later is covered the day it is mounted. Reads are not audited; log-ins are, by
the log-in route itself (``cti.auth.login.LoginAttempt``).

The entry is written after the handler has answered and before the request ends, with its
status: ``ok``, ``refused`` (401/403/429) or ``failed``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cti.audit.deps import audit_log
from cti.audit.service import AuditEntry
from cti.auth.service import Principal
from cti.roles import Role

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL = "principal"  # the key in request.state where cti.auth.deps leaves the caller


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (behind a proxy: see docs/deploy.md)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def audited(principal: Principal | None, status: int) -> bool:
    if principal is None:
        return False
    return principal.at_least(Role.SUPERVISOR) or status == 403


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in MUTATING:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # the dict request.state writes to, shared downstream
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state") or {}
        principal = state.get(PRINCIPAL)
        route = scope.get("route")
        if route is None or not isinstance(principal, Principal):
            return
        if not audited(principal, status):
            return
        entry = AuditEntry(
            actor=principal.login,
            role=principal.role.value,
            action=f"{scope['method']} {route.path}",
            path=str(scope["path"])[:500],
            status=status,
            address=client_address(scope),
            target={k: str(v) for k, v in (scope.get("path_params") or {}).items()},
        )
        await audit_log(HTTPConnection(scope)).write(entry)
