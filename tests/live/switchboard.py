"""The real Switchboard app, connected to a live ``Pbx`` over AMI and FastAGI.

``create_app`` builds it as ``switchboard serve`` does, with ``SWITCHBOARD_TELEPHONY=asterisk``
settings pointing at the run's AMI and FastAGI ports; uvicorn serves it on a free HTTP port
in a background thread. The tests see what a user sees: the HTTP API, an agent's websocket
(``Desktop`` records every message with the moment it arrived), the call log.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from cti.server.app import create_app
from cti.server.services import Services
from cti.settings import Settings
from tests.live.pbx import Pbx
from tests.support import bearer

T = TypeVar("T")
PASSWORD = "switchboard"
AGENTS = ("agent01", "agent02", "agent03", "agent04")


def live_settings(workdir: Path, pbx: Pbx, **overrides: Any) -> Settings:
    return Settings(**live_values(workdir, pbx, **overrides))


def live_values(workdir: Path, pbx: Pbx, **overrides: Any) -> dict[str, Any]:
    """The settings of a live Switchboard on ``pbx``, as plain values."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{workdir / 'switchboard.db'}",
        "call_log_spool": workdir / "call-log-spool.jsonl",
        "telephony": "asterisk",
        "ami_host": "127.0.0.1",
        "ami_port": pbx.ami_port,
        "ami_user": "switchboard",
        "ami_secret": pbx.secret,
        "agi_host": "127.0.0.1",
        "agi_port": pbx.agi_port,
        # the environment's one change on this side: the state interface is a Local channel
        "asterisk_member_state_interface": "Local/{agent}@sb-phones",
        "asterisk_agent_ring_seconds": 6.0,  # short rings keep the suite quick
        # the demo seed gives the logins agent01..agent04 the example's queues.conf names
        "demo": True,
        "demo_agents": len(AGENTS),
        "demo_customers": 20,
        "demo_traffic_days": 0,
        "demo_calls_per_minute": 0.0,
        "demo_password": PASSWORD,
    }
    values.update(overrides)
    return values


class Switchboard:
    """Switchboard on a free port; ``stop()`` ends it as a service manager would."""

    def __init__(self, workdir: Path, pbx: Pbx, **overrides: Any) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.settings = live_settings(workdir, pbx, **overrides)
        # As in production, the PBX says who is logged in: nobody is made available here.
        self.app = create_app(self.settings, demo_agents_log_in=False)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="switchboard", daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=20)
        self._tokens: dict[str, str] = {}

    def start(self, timeout: float = 60.0) -> Switchboard:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("Switchboard did not start in time")
        if self._failure is not None:
            raise RuntimeError("Switchboard failed to start") from self._failure
        return self

    def stop(self) -> None:
        self.http.close()
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
            loop.close()

    async def _main(self) -> None:
        serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("uvicorn stopped while starting")
            await asyncio.sleep(0.02)
        self._ready.set()
        await serving

    # -- reaching in ------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def run(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 20.0) -> T:
        """Run a coroutine on the server's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout)

    # -- the API, as a user --------------------------------------------------------------

    def token(self, login: str) -> str:
        if login not in self._tokens:
            res = self.http.post("/api/auth/token", data={"username": login, "password": PASSWORD})
            assert res.status_code == 200, res.text
            self._tokens[login] = str(res.json()["access_token"])
        return self._tokens[login]

    def request(self, method: str, path: str, login: str = "super01", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(login)}"}
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, login: str = "super01") -> Any:
        res = self.request("GET", path, login)
        assert res.status_code == 200, res.text
        return res.json()

    def agent(self, agent_id: str) -> dict[str, Any]:
        for agent in self.get("/api/agents"):
            if agent["agent_id"] == agent_id:
                return dict(agent)
        raise AssertionError(f"no agent {agent_id}")

    def desktop(self, agent_id: str) -> Desktop:
        return Desktop(self.url, self.token(agent_id))

    def board(self, login: str = "super01") -> Desktop:
        """A supervisor's board (``/ws/board``), every message kept like a desktop's."""
        return Desktop(self.url, self.token(login), path="/ws/board")


def websocket(url: str, path: str, token: str) -> ClientConnection:
    """The one place that knows how a websocket authenticates."""
    return connect(
        f"{url.replace('http', 'ws', 1)}{path}", subprotocols=bearer(token), open_timeout=10
    )


class Desktop:
    """An agent's desktop: ``/ws/agent``, every message kept with when it arrived."""

    def __init__(self, url: str, token: str, path: str = "/ws/agent") -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._ws: ClientConnection | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._read, args=(url, token, path), name="desktop", daemon=True
        )
        self._thread.start()
        if not self._open.wait(15) or self._ws is None:
            raise RuntimeError("the desktop's websocket did not open") from self._failure

    def _read(self, url: str, token: str, path: str) -> None:
        try:
            with websocket(url, path, token) as ws:
                self._ws = ws
                self._open.set()
                for raw in ws:
                    message = json.loads(raw)
                    with self._lock:
                        self.messages.append((time.monotonic(), message))
        except ConnectionClosed:
            return
        except OSError as exc:
            self._failure = exc
            self._open.set()

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Desktop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def of(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        with self._lock:
            return [(at, m) for at, m in self.messages if m.get("type") == kind]

    def send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        self._ws.send(json.dumps(message))


def eventually(
    check: Callable[[], T | None], what: str, timeout: float = 20.0, every: float = 0.1
) -> T:
    """Poll ``check`` until it returns something truthy; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:g} s (last: {last!r})")
