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
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from cti.db import make_session_factory
from cti.server.app import create_app
from cti.settings import Settings
from tests.threaded import ThreadedServer

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


class LiveServer(ThreadedServer):
    """Switchboard on a free port, reached by the browser through ``url`` (the gate)."""

    run_timeout = 10.0

    def __init__(self, workdir: Path, settings: Settings | None = None) -> None:
        self.settings = settings or browser_settings(workdir)
        super().__init__(create_app(self.settings), "the Switchboard server", ws_max_size=64 * 1024)
        self.gate = Gate(self.port)
        self.url = ""

    async def started(self) -> None:
        self.url = f"http://127.0.0.1:{await self.gate.start()}"

    async def stopping(self) -> None:
        await self.gate.stop()

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the running server's own database engine."""
        engine = self.services.database
        assert engine is not None, "the server was built without its database engine"
        return make_session_factory(engine)

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
