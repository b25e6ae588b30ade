"""The real Switchboard app, connected to a live ``Pbx`` over AMI and FastAGI.

``create_app`` builds it as ``switchboard serve`` does, with ``SWITCHBOARD_TELEPHONY=asterisk``
settings pointing at the run's AMI and FastAGI ports; uvicorn serves it on a free HTTP port
in a background thread. The tests see what a user sees: the HTTP API, an agent's websocket
(``Desktop`` records every message with the moment it arrived), the call log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from cti.server.app import create_app
from cti.settings import Settings
from tests.live.pbx import Pbx
from tests.support import bearer
from tests.threaded import ThreadedServer

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


class Api:
    """Switchboard's HTTP API, as a user calls it: ``http`` is set by whoever runs the server
    (in this process, ``Switchboard``, or in another, ``tests.live.process``)."""

    http: httpx.Client
    _tokens: dict[str, str]

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


class Switchboard(ThreadedServer, Api):
    """Switchboard on a free port; ``stop()`` ends it as a service manager would."""

    def __init__(self, workdir: Path, pbx: Pbx, **overrides: Any) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.settings = live_settings(workdir, pbx, **overrides)
        # As in production, the PBX says who is logged in: nobody is made available here.
        super().__init__(create_app(self.settings, demo_agents_log_in=False), "Switchboard")
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url, timeout=20)
        self._tokens = {}

    def stop(self) -> None:
        self.http.close()
        super().stop()

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
