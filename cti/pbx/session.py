"""``OneSession``: a single, short AMI session for the command line (``switchboard pbx check``,
``switchboard capture``): connect, log in, send actions one at a time, keep the events.

Parsing, ActionIDs and correlation are one ``cti.asterisk.ami.AmiSession``, the one the
server's links drive; this is only its socket side. Unlike ``AmiClient`` it never
reconnects: a tool that checks or records a PBX must say at once that it cannot reach it,
and why. Every byte in either direction can go to ``tap`` (the capture writes them down);
the value of a ``Secret`` header (the Login's) is the one thing a tap never sees.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from types import TracebackType

from cti.asterisk.ami import (
    Action,
    ActionResult,
    ActionSpec,
    AmiSession,
    Event,
    Headers,
    builders,
)
from cti.asterisk.link import log_violation
from cti.errors import SwitchboardError
from cti.settings import Settings

Tap = Callable[[str, bytes], None]  # ("recv" | "send" | "disconnect", raw bytes)
MASK = "********"


class SessionFailed(SwitchboardError):
    """The PBX could not be reached, refused the login, or stopped answering."""

    status = 502
    error_id = "pbx-session-failed"


def masked(action: Action) -> bytes:
    """``action`` as sent, with the value of each ``Secret`` header masked."""
    if "Secret" not in action.headers:
        return action.to_bytes()
    shown = Headers((k, MASK if k.lower() == "secret" else v) for k, v in action.headers)
    return Action(action.name, action.action_id, shown).to_bytes()


class OneSession:
    def __init__(self, settings: Settings, *, tap: Tap | None = None, timeout: float = 10.0):
        self._settings, self._tap, self._timeout = settings, tap, timeout
        self._session = AmiSession("sb")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._results: dict[str, ActionResult] = {}
        self.events: list[Event] = []
        self.on_event: Callable[[Event], None] | None = None

    async def __aenter__(self) -> OneSession:
        s = self._settings
        where = f"{s.ami_host}:{s.ami_port}"
        context = ssl.create_default_context() if s.ami_tls else None
        try:
            opening = asyncio.open_connection(s.ami_host, s.ami_port, ssl=context)
            self._reader, self._writer = await asyncio.wait_for(opening, self._timeout)
        except (OSError, TimeoutError) as exc:
            raise SessionFailed(f"AMI: cannot connect to {where}: {exc or 'timed out'}") from exc
        try:
            await self._log_in(where)
        except BaseException:
            await self._close()
            raise
        return self

    async def _log_in(self, where: str) -> None:
        s = self._settings
        try:
            await asyncio.wait_for(self._until(lambda: self._session.banner), self._timeout)
        except TimeoutError as exc:
            raise SessionFailed(f"AMI: {where} sent no banner in {self._timeout:g} s") from exc
        secret = s.ami_secret.get_secret_value()
        login = partial(builders.login, username=s.ami_user, secret=secret, events=True)
        result = await self.execute(login)
        if not result.ok:
            message = result.response.message or "no reason given"
            raise SessionFailed(f"AMI: {where} refused the login of {s.ami_user!r}: {message}")

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._writer is not None:
            if kind is None:
                with suppress(SessionFailed):
                    await self.execute(builders.logoff)
            await self._close()

    async def _close(self) -> None:
        assert self._writer is not None
        self._writer.close()
        with suppress(OSError):
            await self._writer.wait_closed()

    async def execute(self, action: ActionSpec) -> ActionResult:
        """Send one action and wait for its whole result (EventLists included)."""
        assert self._writer is not None
        built = self._session.send(action)
        data = self._session.data_to_send()
        if self._tap is not None:
            self._tap("send", masked(built))
        self._writer.write(data)
        await self._writer.drain()
        action_id = built.action_id or ""
        try:
            await asyncio.wait_for(self._until(lambda: action_id in self._results), self._timeout)
        except TimeoutError as exc:
            self._session.cancel(action_id)
            raise SessionFailed(f"AMI: no answer to {built.name} in {self._timeout:g} s") from exc
        return self._results.pop(action_id)

    async def listen(self, seconds: float) -> None:
        """Read events for ``seconds`` (or until the PBX closes the connection)."""
        try:
            await asyncio.wait_for(self._until(lambda: False), seconds)
        except TimeoutError:
            return

    async def _until(self, done: Callable[[], object]) -> None:
        """Read and take in what comes until ``done()``; the PBX closing fails the session."""
        assert self._reader is not None
        while not done():
            try:
                data = await self._reader.read(65536)
            except OSError as exc:
                data, why = b"", f"AMI: the connection to the PBX failed: {exc}"
            else:
                why = "AMI: the PBX closed the connection"
            if self._tap is not None:
                self._tap("recv" if data else "disconnect", data)
            if not data:
                self._session.receive_eof()
                self._take()
                raise SessionFailed(why)
            self._session.receive_data(data)
            self._take()

    def _take(self) -> None:
        for item in self._session.received():
            if isinstance(item, ActionResult):
                self._results[item.action_id] = item
            elif isinstance(item, Event):
                self.events.append(item)
                if self.on_event is not None:
                    self.on_event(item)
            else:
                log_violation(item)
