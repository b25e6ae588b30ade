"""A real Switchboard for the browser tests: uvicorn in a background thread of this process.

The app is built by ``create_app`` exactly as ``switchboard serve`` builds it: no route, flag
or setting is added for tests. What the tests need beyond the public API they do from here,
on the server's own event loop, through the objects the app already has:

- calls arrive through the in-process simulated adapter (``telephony.place_call``), and IVR
  data through ``CallCentre.handle`` as the Asterisk adapter would deliver it;
- the browser reaches the server through a ``Gate``, a TCP relay that can cut every
  connection at once and hold new ones off, as a network drop or a restarting proxy would.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from cti.db import make_session_factory
from cti.server.app import create_app
from cti.server.services import Services
from cti.settings import Settings

T = TypeVar("T")


def browser_settings(workdir: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{workdir / 'switchboard.db'}",
        call_log_spool=workdir / "call-log-spool.jsonl",
        jwt_secret_file=workdir / "jwt-secret",
        demo=True,
        demo_calls_per_minute=0.0,  # calls arrive only when a test places them
        demo_customers=300,
        demo_password="switchboard",
        demo_mean_talk_seconds=3600.0,  # calls end when a test ends them
        demo_mean_patience_seconds=3600.0,  # and callers never give up on their own
    )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


class Gate:
    """A TCP relay in front of the server that a test can cut, like a network drop."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._open = True
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection (no close handshake) and refuse new ones."""
        self._open = False
        for writer in tuple(self._links):
            writer.transport.abort()

    def restore(self) -> None:
        self._open = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._open:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer, up_writer}
        self._links |= pair
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._links -= pair
            for end in pair:
                end.transport.abort()


class LiveServer:
    """Switchboard on a free port, reached by the browser through ``url`` (the gate)."""

    def __init__(self, workdir: Path) -> None:
        self.settings = browser_settings(workdir)
        self.app = create_app(self.settings)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, ws_max_size=64 * 1024
        )
        self._server = uvicorn.Server(config)
        self.gate = Gate(self._socket.getsockname()[1])
        self.url = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="switchboard-server", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> LiveServer:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the Switchboard server did not start in time")
        if self._failure is not None:
            raise RuntimeError("the Switchboard server failed to start") from self._failure
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._failure = exc
            self._ready.set()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("uvicorn stopped while starting")
            await asyncio.sleep(0.02)
        self.url = f"http://127.0.0.1:{await self.gate.start()}"
        self._ready.set()
        try:
            await serving
        finally:
            await self.gate.stop()

    # -- reaching into the running server -------------------------------------------------
    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the running server's own database engine."""
        engine = self.services.database
        assert engine is not None, "the server was built without its database engine"
        return make_session_factory(engine)

    def run(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 10.0) -> T:
        """Run a coroutine on the server's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the server's loop (where the call centre lives)."""

        async def on_loop() -> T:
            return fn(*args)

        return self.run(on_loop)

    def cut(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.gate.cut)

    def restore(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.gate.restore)
