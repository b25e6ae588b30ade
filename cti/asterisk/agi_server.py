"""The FastAGI server: asyncio around ``AgiProtocol``, one handler per flow.

Asterisk's ``AGI(agi://switchboard:4573/main-menu)`` opens a connection; the server reads the
environment (closing the connection, logged, if it is malformed or late), picks the handler
registered for ``main-menu`` and awaits ``handler(session)``. ``session.command(...)`` sends
one command and returns its ``AgiResult``; the helpers wrap the common ones.

When the caller hangs up (a ``HANGUP`` line, or the connection closing) the command waiting,
or the next one, raises ``AgiHangup`` into the handler; the server logs it and closes the
session. No handler error, however raised, stops the server from taking the next call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress

import structlog

from cti.asterisk.agi import (
    AGI_PORT,
    AgiCommandFailed,
    AgiDeadChannel,
    AgiEnvironment,
    AgiError,
    AgiHangup,
    AgiInvalidCommand,
    AgiProtocol,
    AgiReceived,
    AgiResult,
    AgiUsageError,
    AgiViolation,
    HangupNotice,
    quote,
)

log = structlog.get_logger(__name__)

Handler = Callable[["AgiSession"], Awaitable[None]]


class AgiSession:
    def __init__(
        self, protocol: AgiProtocol, writer: asyncio.StreamWriter, environment: AgiEnvironment
    ) -> None:
        self.environment = environment
        self.flow = environment.flow
        self.hung_up = False
        self._protocol = protocol
        self._writer = writer
        self._waiter: asyncio.Future[AgiResult] | None = None
        self._command = ""

    async def command(self, command: str) -> AgiResult:
        """Send one command and wait for its reply; 510/511/520 raise (see ``agi``)."""
        if self.hung_up:
            raise AgiHangup(f"the caller hung up before {command!r}")
        self._protocol.send_command(command)
        self._writer.write(self._protocol.data_to_send())
        self._command = command
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            result = await self._waiter
        finally:
            self._waiter = None
        return _checked(command, result)

    async def answer(self) -> None:
        _channel_ok("ANSWER", await self.command("ANSWER"))

    async def stream_file(self, filename: str, escape_digits: str = "") -> str:
        """Play ``filename``; the digit that interrupted it, or ``""``."""
        result = await self.command(f"STREAM FILE {filename} {quote(escape_digits)}")
        if result.result.startswith("-"):
            raise AgiCommandFailed(f"STREAM FILE {filename}: missing file or channel gone")
        return _digit(result)

    async def get_data(
        self, filename: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> str:
        """Play ``filename`` and collect digits until ``#``, the timeout or ``max_digits``."""
        parts = [f"GET DATA {filename}"]
        if timeout_ms is not None or max_digits is not None:
            parts.append(str(timeout_ms if timeout_ms is not None else 0))
        if max_digits is not None:
            parts.append(str(max_digits))
        result = _channel_ok("GET DATA", await self.command(" ".join(parts)))
        return result.result

    async def wait_for_digit(self, timeout_ms: int = -1) -> str:
        """One DTMF digit, or ``""`` after ``timeout_ms`` (-1 waits for ever)."""
        return _digit(
            _channel_ok("WAIT FOR DIGIT", await self.command(f"WAIT FOR DIGIT {timeout_ms}"))
        )

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {quote(value)}")

    async def get_variable(self, name: str) -> str | None:
        result = await self.command(f"GET VARIABLE {name}")
        return (result.data or "") if result.result == "1" else None

    async def exec_(self, application: str, *arguments: str) -> AgiResult:
        result = await self.command(f"EXEC {application} {quote(','.join(arguments))}")
        if result.result == "-2":
            raise AgiCommandFailed(f"EXEC {application}: no such application")
        return result

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command(f"VERBOSE {quote(message)} {level}")

    async def hangup(self) -> None:
        await self.command("HANGUP")

    def _receive(self, items: Iterable[AgiReceived]) -> None:
        for item in items:
            if isinstance(item, AgiResult):
                if self._waiter is not None and not self._waiter.done():
                    self._waiter.set_result(item)
            elif isinstance(item, HangupNotice):
                self._gone(f"the caller hung up during {self._command!r}")
            elif isinstance(item, AgiViolation):
                log.warning("agi.protocol_violation", reason=item.reason, detail=item.detail)

    def _gone(self, reason: str) -> None:
        self.hung_up = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(AgiHangup(reason))


def _checked(command: str, result: AgiResult) -> AgiResult:
    if result.code == 200:
        return result
    name = command.split(" ", 1)[0]
    if result.code == 510:
        raise AgiInvalidCommand(f"{name}: {result.message}", code=510)
    if result.code == 511:
        raise AgiDeadChannel(f"{name}: {result.message}", code=511)
    if result.code == 520:
        raise AgiUsageError(f"{name}: invalid syntax", code=520, usage=result.message)
    raise AgiInvalidCommand(
        f"{name}: unexpected reply {result.code} {result.message}", code=result.code
    )


def _channel_ok(name: str, result: AgiResult) -> AgiResult:
    """For channel commands, result -1 means the channel failed: the caller has gone."""
    if result.result == "-1":
        raise AgiHangup(f"{name} failed: the channel is gone")
    return result


def _digit(result: AgiResult) -> str:
    """The digit whose ASCII code is the result (``50`` -> ``"2"``), ``""`` for 0."""
    try:
        code = int(result.result or "0")
        return chr(code) if code > 0 else ""
    except (ValueError, OverflowError):
        raise AgiCommandFailed(f"not a digit code: {result.result!r}") from None


class AgiServer:
    def __init__(
        self, *, host: str = "0.0.0.0", port: int = AGI_PORT, environment_timeout: float = 5.0
    ) -> None:
        self._host, self._port = host, port
        self._environment_timeout = environment_timeout
        self._routes: dict[str, Handler] = {}
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.sessions_served = 0

    def route(self, flow: str, handler: Handler) -> None:
        """Serve ``agi://host:port/<flow>`` with ``handler``."""
        self._routes[flow.strip("/")] = handler

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        log.info("agi.listening", host=self._host, port=self.port, flows=sorted(self._routes))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._sessions):
            task.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # start_server runs each connection in its own task
        self._sessions.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._sessions.discard(task)
            self.sessions_served += 1
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol = AgiProtocol()
        try:
            leftover = await asyncio.wait_for(
                _read_environment(protocol, reader), self._environment_timeout
            )
        except (TimeoutError, OSError) as exc:
            log.warning("agi.no_environment", error=repr(exc))
            return
        environment = protocol.environment
        if environment is None:
            return
        structlog.contextvars.bind_contextvars(call_id=environment.uniqueid, flow=environment.flow)
        handler = self._routes.get(environment.flow)
        if handler is None:
            log.warning("agi.unknown_flow", known=sorted(self._routes))
            return
        session = AgiSession(protocol, writer, environment)
        session._receive(leftover)
        pump = asyncio.create_task(_pump(protocol, reader, session))
        try:
            await _run(handler, session)
        finally:
            pump.cancel()
            with suppress(asyncio.CancelledError):
                await pump


async def _read_environment(
    protocol: AgiProtocol, reader: asyncio.StreamReader
) -> list[AgiReceived]:
    """Read until the environment is whole; what came after it is returned for the session."""
    while protocol.environment is None:
        data = await reader.read(4096)
        if not data:
            log.warning("agi.closed_before_environment")
            return []
        protocol.receive_data(data)
        if protocol.failed:
            for item in protocol.events_received():
                if isinstance(item, AgiViolation):
                    log.warning(
                        "agi.bad_environment",
                        reason=item.reason,
                        detail=item.detail,
                        excerpt=item.raw[:80].decode("utf-8", "replace"),
                    )
            return []
    return [item for item in protocol.events_received() if not isinstance(item, AgiEnvironment)]


async def _pump(protocol: AgiProtocol, reader: asyncio.StreamReader, session: AgiSession) -> None:
    try:
        while data := await reader.read(4096):
            protocol.receive_data(data)
            session._receive(protocol.events_received())
    except OSError:
        pass
    protocol.receive_eof()
    session._gone("the connection closed: the caller hung up")


async def _run(handler: Handler, session: AgiSession) -> None:
    log.info("agi.session_started", channel=session.environment.channel)
    try:
        await handler(session)
    except AgiHangup as exc:
        log.info("agi.caller_hung_up", detail=exc.message)
    except AgiError as exc:
        log.warning("agi.flow_failed", error_id=exc.error_id, error=exc.message)
    except Exception:
        log.exception("agi.handler_crashed")
    else:
        log.info("agi.session_ended")
