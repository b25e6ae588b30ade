"""A FastAPI app served by uvicorn on a free port, on its own event loop in a thread.

Shared by the browser tests (``tests/browser/server.py``) and the live PBX tests
(``tests/live/switchboard.py``); each subclass adds what it needs when the server has
started (``started``) and before its loop closes (``stopping``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Self, TypeVar

import uvicorn
from fastapi import FastAPI

from cti.server.services import Services

T = TypeVar("T")


class ThreadedServer:
    run_timeout = 20.0  # seconds ``run`` waits for its coroutine by default

    def __init__(self, app: FastAPI, name: str, **config: Any) -> None:
        self.app = app
        self.name = name
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        options: dict[str, Any] = {"log_level": "warning", "access_log": False, **config}
        self._server = uvicorn.Server(uvicorn.Config(app, **options))
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    # -- what a subclass adds ---------------------------------------------------------------
    async def started(self) -> None:
        """On the server's loop, once uvicorn serves and before ``start()`` returns."""

    async def stopping(self) -> None:
        """On the server's loop, after uvicorn stopped serving."""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> Self:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"{self.name} did not start in time")
        if self._failure is not None:
            raise RuntimeError(f"{self.name} failed to start") from self._failure
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
        await self.started()
        self._ready.set()
        try:
            await serving
        finally:
            await self.stopping()

    # -- reaching into the running server -------------------------------------------------
    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def run(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float | None = None) -> T:
        """Run a coroutine on the server's loop and return its result."""
        assert self.loop is not None
        wait = self.run_timeout if timeout is None else timeout
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(wait)
