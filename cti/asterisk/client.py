"""``AmiClient``: one long-lived, self-healing AMI session over asyncio.

Why not pyst2's ``asterisk.manager.Manager``, the project's AMI library:

- its reader and event dispatcher are threads created in ``__init__``; once ``close()`` has
  stopped them they cannot be started again ("threads can only be started once", pyst2 #62),
  so a ``Manager`` cannot reconnect, and a new one loses every registration and waiter;
- it blocks a thread on ``socket.recv`` and hands messages over through ``queue.Queue``, which
  an asyncio server would have to bridge back into its loop;
- its parser lives inside that socket loop, so it cannot be tested on bytes alone.

So the parsing, ActionIDs and correlation are one ``cti.asterisk.ami.AmiSession`` per
connection (sans-IO), and this module is only the socket side, one ``AmiLink``
(``cti.asterisk.link``) around it: connect (TLS when ``AmiConfig.tls``), log in with
``Events: on``, add the optional ``eventfilter`` expressions with the ``Filter`` action, then

- ``execute(action)`` sends one action under the session's next ActionID and waits for its
  ``ActionResult`` (EventLists included); ``Response: Error`` raises ``AmiActionFailed``
  carrying the PBX's ``Message``;
- every event goes to ``on_event``; protocol violations are logged and skipped;
- a ``Ping`` goes out every ``ping_interval`` s; no ``Pong`` within ``ping_timeout`` s counts
  as a dead connection;
- when the connection dies, the actions still waiting fail with ``AmiConnectionLost`` and
  the client reconnects with capped exponential backoff and jitter; after each login it
  awaits ``on_connected`` (the adapter resyncs there).

The secret is a ``SecretStr``, revealed only to build the Login action, which is never
logged; ``repr()`` of the client shows neither. The errors are ``cti.asterisk.link``'s.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from contextlib import suppress
from dataclasses import dataclass
from functools import partial

import structlog

from cti.asterisk.ami import (
    Action,
    ActionResult,
    ActionSpec,
    AmiError,
    AmiSession,
    Event,
    ProtocolViolation,
    builders,
)
from cti.asterisk.config import AmiConfig
from cti.asterisk.link import (
    AmiActionFailed,
    AmiActionTimeout,
    AmiConnectionLost,
    AmiLoginFailed,
    AmiNotConnected,
    ConnectedCallback,
    EventCallback,
    LostCallback,
    checked,
    connection_lost,
    deliver,
    log_violation,
    notify_connected,
    notify_lost,
)

__all__ = [
    "AmiActionFailed",
    "AmiActionTimeout",
    "AmiClient",
    "AmiConnectionLost",
    "AmiLoginFailed",
    "AmiNotConnected",
    "AmiTimings",
    "backoff_delay",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AmiTimings:
    """Every delay of the client, in seconds; tests shrink them."""

    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    ping_interval: float = 20.0
    ping_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.25  # the share of each delay drawn at random


def backoff_delay(attempt: int, timings: AmiTimings, rng: random.Random) -> float:
    """Delay before reconnect ``attempt`` (0-based): exponential, capped, less some jitter."""
    base = min(
        timings.backoff_max, timings.backoff_initial * timings.backoff_factor ** min(attempt, 64)
    )
    return base * (1.0 - timings.jitter * rng.random())


class _Connection:
    """One TCP connection: its session and the futures of the actions waiting on it."""

    __slots__ = ("closed", "session", "waiters", "writer")

    def __init__(self, writer: asyncio.StreamWriter, prefix: str) -> None:
        self.writer = writer
        self.session = AmiSession(prefix)
        self.waiters: dict[str, tuple[str, asyncio.Future[ActionResult]]] = {}
        self.closed = False

    def send(self, action: ActionSpec) -> tuple[Action, asyncio.Future[ActionResult]]:
        if self.closed:
            name = action.name if isinstance(action, Action) else "the action"
            raise AmiConnectionLost(f"{name} not sent: the PBX connection is closed")
        built = self.session.send(action)
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self.waiters[built.action_id or ""] = (built.name, future)
        self.writer.write(self.session.data_to_send())
        return built, future

    def resolve(self, result: ActionResult) -> None:
        _, future = self.waiters.pop(result.action_id, ("", None))
        if future is not None and not future.done():
            future.set_result(result)

    def forget(self, action_id: str) -> None:
        self.waiters.pop(action_id, None)
        self.session.cancel(action_id)

    def close(self) -> None:
        """Fail every action still waiting, each with its own clear error."""
        self.closed = True
        self.session.fail_all()
        for name, future in self.waiters.values():
            if not future.done():
                future.set_exception(connection_lost(name))
        self.waiters.clear()
        self.writer.transport.abort()


class AmiClient:
    def __init__(
        self,
        config: AmiConfig,
        *,
        on_event: EventCallback | None = None,
        on_connected: ConnectedCallback | None = None,
        timings: AmiTimings = AmiTimings(),
        rng: random.Random | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port, self._user = config.host, config.port, config.user
        self._secret = config.secret
        self._ssl = ssl_context or (ssl.create_default_context() if config.tls else None)
        self._on_event: EventCallback = on_event or _ignore
        self._on_connected = on_connected
        self._on_lost: LostCallback | None = None
        self._filters = config.event_filters
        self._timings = timings
        self._rng = rng or random.Random()
        self._conn: _Connection | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._generation = 0
        self.logins = 0

    def attach(
        self,
        on_event: EventCallback,
        on_connected: ConnectedCallback | None,
        on_lost: LostCallback | None = None,
    ) -> None:
        """Where events go, what to await after each login (the adapter's resync), and whom
        to tell the moment a logged-in connection goes down."""
        self._on_event, self._on_connected, self._on_lost = on_event, on_connected, on_lost

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        tls = "tls " if self._ssl is not None else ""
        return f"<AmiClient {self._user}@{self._host}:{self._port} {tls}{state}>"

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        """Connect in the background; the client keeps reconnecting until ``stop()``."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ami-client")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        conn = self._conn
        if conn is not None and self.connected:
            with suppress(AmiError):
                await self._request(conn, builders.logoff, timeout=1.0)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    async def execute(self, action: ActionSpec, *, timeout: float | None = None) -> ActionResult:
        """Send ``action`` and return its result; raises an ``AmiError`` (``cti.asterisk.link``).

        ``action`` is an ``Action`` (its ActionID, if any, is replaced by the connection's
        own) or a builder taking the ActionID, e.g. ``partial(builders.hangup, channel=c)``.
        """
        conn = self._conn
        if conn is None or not self.connected:
            name = action.name if isinstance(action, Action) else "the action"
            raise AmiNotConnected(f"{name} not sent: the PBX connection is down")
        return await self._request(conn, action, timeout)

    async def _request(
        self, conn: _Connection, action: ActionSpec, timeout: float | None
    ) -> ActionResult:
        built, future = conn.send(action)
        wait = timeout if timeout is not None else self._timings.action_timeout
        try:
            result = await asyncio.wait_for(future, wait)
        except TimeoutError:
            message = f"{built.name}: no response from the PBX within {wait:g} s"
            raise AmiActionTimeout(message, details={"action": built.name}) from None
        finally:
            conn.forget(built.action_id or "")
        return checked(built.name, result)

    # The connection loop

    async def _run(self) -> None:
        attempt = 0
        while True:
            logins = self.logins
            try:
                await self._session()
            except AmiLoginFailed as exc:
                log.error("ami.login_failed", user=self._user, error=exc.message)
            except (OSError, TimeoutError, AmiError) as exc:
                log.warning("ami.connection_failed", host=self._host, error=str(exc) or repr(exc))
            except Exception:  # a bug must cost this connection, never the client
                log.exception("ami.session_crashed")
            if self.logins > logins:
                attempt = 0  # that connection did log in: the backoff starts again
            delay = backoff_delay(attempt, self._timings, self._rng)
            attempt += 1
            log.info("ami.reconnecting", delay=round(delay, 3), attempt=attempt)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        opening = asyncio.open_connection(self._host, self._port, ssl=self._ssl)
        reader, writer = await asyncio.wait_for(opening, self._timings.connect_timeout)
        self._generation += 1
        conn = _Connection(writer, f"sb{self._generation}")
        tasks = [asyncio.create_task(self._read(conn, reader))]
        try:
            await self._login(conn)
            self._conn = conn
            self._ready.set()
            log.info("ami.connected", host=self._host, port=self._port, logins=self.logins)
            tasks.append(asyncio.create_task(self._keepalive(conn)))
            await notify_connected(self._on_connected)
            await tasks[0]
            log.warning("ami.disconnected", host=self._host)
        finally:
            was_up = self._conn is conn
            self._ready.clear()
            self._conn = None
            conn.close()
            if was_up:
                notify_lost(self._on_lost)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _login(self, conn: _Connection) -> None:
        secret = self._secret.get_secret_value()
        login = partial(builders.login, username=self._user, secret=secret, events=True)
        try:
            await self._request(conn, login, None)
        except AmiActionFailed as exc:
            message = f"the PBX refused the login of {self._user!r}: {exc.pbx_message}"
            raise AmiLoginFailed(message, details={"user": self._user}) from None
        self.logins += 1
        for expression in self._filters:
            try:
                await self._request(
                    conn, partial(builders.event_filter, expression=expression), None
                )
            except AmiActionFailed as exc:
                log.error("ami.filter_refused", filter=expression, error=exc.pbx_message)

    async def _read(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(65536):
                conn.session.receive_data(data)
                self._deliver(conn)
        except OSError as exc:
            log.warning("ami.read_failed", error=str(exc))
        finally:
            conn.session.receive_eof()
            self._deliver(conn)
            conn.close()

    def _deliver(self, conn: _Connection) -> None:
        for item in conn.session.received():
            if type(item) is Event:
                deliver(self._on_event, item)
            elif isinstance(item, ActionResult):
                conn.resolve(item)
            elif isinstance(item, ProtocolViolation):
                log_violation(item)

    async def _keepalive(self, conn: _Connection) -> None:
        while True:
            await asyncio.sleep(self._timings.ping_interval)
            try:
                await self._request(conn, builders.ping, self._timings.ping_timeout)
            except AmiActionTimeout:
                log.warning("ami.keepalive_timeout", timeout=self._timings.ping_timeout)
                conn.close()
                return
            except AmiError:
                return


def _ignore(event: Event) -> None:
    return None
