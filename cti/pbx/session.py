"""``OneSession``: a single, short AMI session for the command line (``switchboard pbx check``,
``switchboard capture``): connect, log in, send actions one at a time, keep the events.

Unlike ``AmiClient`` it never reconnects: a tool that checks or records a PBX must say at once
that it cannot reach it, and why. Every byte in either direction can go to ``tap`` (the
capture writes them down); the Login action's secret is the one thing a tap never sees.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from itertools import count
from types import TracebackType

from cti.asterisk.ami import (
    Action,
    ActionResult,
    AmiProtocol,
    Banner,
    Correlator,
    Event,
    builders,
)
from cti.errors import SwitchboardError
from cti.settings import Settings

Tap = Callable[[str, bytes], None]  # ("recv" | "send" | "disconnect", raw bytes)
Builder = Callable[[str], Action]


class SessionFailed(SwitchboardError):
    """The PBX could not be reached, refused the login, or stopped answering."""

    status = 502
    error_id = "pbx-session-failed"


class OneSession:
    def __init__(self, settings: Settings, *, tap: Tap | None = None, timeout: float = 10.0):
        self._settings, self._tap, self._timeout = settings, tap, timeout
        self._protocol = AmiProtocol()
        self._correlator = Correlator()
        self._ids = (f"sb-{n}" for n in count(1))
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._results: dict[str, ActionResult] = {}
        self._banner = False
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
            await asyncio.wait_for(self._until(None, banner=True), self._timeout)
        except TimeoutError as exc:
            raise SessionFailed(f"AMI: {where} sent no banner in {self._timeout:g} s") from exc
        secret = s.ami_secret.get_secret_value()
        login = partial(builders.login, username=s.ami_user, secret=secret, events=True)
        result = await self.execute(login, secret=True)
        if not result.ok:
            message = result.response.message or "no reason given"
            raise SessionFailed(f"AMI: {where} refused the login of {s.ami_user!r}: {message}")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._writer is not None:
            if kind is None:
                with suppress(SessionFailed):
                    await self.execute(builders.logoff)
            self._writer.close()

    async def execute(self, build: Builder, *, secret: bool = False) -> ActionResult:
        """Send one action and wait for its whole result (EventLists included)."""
        assert self._writer is not None
        action_id = next(self._ids)
        action = build(action_id)
        self._correlator.register(action_id)
        self._protocol.send(action)
        data = self._protocol.data_to_send()
        if self._tap is not None:
            self._tap("send", b"Action: Login\r\nActionID: " + action_id.encode() + b"\r\n"
                      b"Username: " + self._settings.ami_user.encode() + b"\r\n"
                      b"Secret: ********\r\n\r\n" if secret else data)  # fmt: skip
        self._writer.write(data)
        await self._writer.drain()
        try:
            await asyncio.wait_for(self._until(action_id), self._timeout)
        except TimeoutError as exc:
            raise SessionFailed(f"AMI: no answer to {action.name} in {self._timeout:g} s") from exc
        return self._results.pop(action_id)

    async def listen(self, seconds: float) -> None:
        """Read events for ``seconds`` (or until the PBX closes the connection)."""
        try:
            await asyncio.wait_for(self._until(None), seconds)
        except TimeoutError:
            return

    async def _until(self, action_id: str | None, *, banner: bool = False) -> None:
        assert self._reader is not None
        while not (self._banner if banner else action_id in self._results):
            data = await self._reader.read(65536)
            if not data:
                if self._tap is not None:
                    self._tap("disconnect", b"")
                raise SessionFailed("AMI: the PBX closed the connection")
            if self._tap is not None:
                self._tap("recv", data)
            self._protocol.receive_data(data)
            for item in self._protocol.messages_received():
                fed = self._correlator.feed(item)
                if isinstance(fed, Banner):
                    self._banner = True
                elif isinstance(fed, ActionResult):
                    self._results[fed.action_id] = fed
                elif isinstance(fed, Event):
                    self.events.append(fed)
                    if self.on_event is not None:
                        self.on_event(fed)
