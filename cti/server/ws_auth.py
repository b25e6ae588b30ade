"""A websocket's claim to its account, from the handshake until the socket closes.

The token comes in the ``Sec-WebSocket-Protocol`` header, never in the URL (which servers and
proxies write to their logs): the client offers ``["switchboard", "bearer.<token>"]`` and the
server accepts ``switchboard`` only, so the token is never echoed back.

An open socket is checked against the account as it is now:

- before each client message is handled;
- when the account changes (a local write or an announcement from another process);
- when the token expires;
- every ``RECHECK_SECONDS``, in case an announcement from another process was lost.

A failed check closes the socket with 1008 and the reason. A new role bumps the token
version, so the principal admitted at the handshake is the account's current one for as long
as the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from fastapi import WebSocket, WebSocketDisconnect

from cti.auth.service import Principal
from cti.auth.sessions import Session
from cti.errors import SwitchboardError
from cti.server.sockets import Sockets

SUBPROTOCOL = "switchboard"
BEARER = "bearer."
POLICY_VIOLATION = 1008
RECHECK_SECONDS = 15.0

Handler = Callable[[str], Awaitable[None]]


def offered_token(ws: WebSocket) -> str:
    """The token from ``bearer.<token>`` next to ``switchboard``, or a refusal saying why."""
    if "token" in ws.query_params:
        raise _Refused("send the token as a Sec-WebSocket-Protocol, never in the URL")
    offered = list(ws.scope.get("subprotocols") or ())
    if SUBPROTOCOL not in offered:
        raise _Refused(f"offer the {SUBPROTOCOL!r} subprotocol and 'bearer.<token>'")
    tokens = [str(p).removeprefix(BEARER) for p in offered if str(p).startswith(BEARER)]
    if len(tokens) != 1:
        raise _Refused("offer exactly one 'bearer.<token>' subprotocol")
    return tokens[0]


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SocketSession:
    def __init__(self, ws: WebSocket, svc: Sockets, session: Session) -> None:
        self._ws, self._svc = ws, svc
        self.principal: Principal = session.principal
        self._claims = session.claims  # decoded once; each check reads the account again
        self._expires_at = session.claims.expires_at
        self._closed = False

    @classmethod
    async def open(cls, ws: WebSocket, svc: Sockets) -> SocketSession | None:
        """The session behind the handshake's token, or None after refusing the socket."""
        try:
            token = offered_token(ws)
            session = await svc.auth.check(token)
        except _Refused as exc:
            await ws.close(code=POLICY_VIOLATION, reason=exc.reason[:120])
            return None
        except SwitchboardError as exc:
            await ws.close(code=POLICY_VIOLATION, reason=exc.message[:120])
            return None
        return cls(ws, svc, session)

    async def accept(self) -> None:
        await self._ws.accept(subprotocol=SUBPROTOCOL)

    def authorised(self, handler: Handler) -> Handler:
        """``handler``, run only while the account still admits this token."""

        async def checked(raw: str) -> None:
            if not await self._still_valid():
                raise WebSocketDisconnect(POLICY_VIOLATION)
            await handler(raw)

        return checked

    async def guard(self) -> None:
        """Return (after closing the socket) once the token stops being good."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:
            loop.call_soon_threadsafe(wake.set)

        stop_watching = self._svc.auth.accounts.watch(self.principal.login, notify)
        try:
            while True:
                wake.clear()  # before the check: a change during it wakes the next wait
                if not await self._still_valid():
                    return
                delay = min(RECHECK_SECONDS, self._expires_at - self._svc.clock.now())
                timer = self._svc.clock.call_later(max(delay, 0.0) + 0.001, wake.set)
                try:
                    await wake.wait()
                finally:
                    timer.cancel()
        finally:
            stop_watching()

    async def _still_valid(self) -> bool:
        """Check the token against the account now; on refusal, close with the reason."""
        if self._closed:
            return False
        try:
            await self._svc.auth.recheck(self._claims)
        except SwitchboardError as exc:
            self._closed = True
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self._ws.close(code=POLICY_VIOLATION, reason=exc.message[:120])
            return False
        return True
