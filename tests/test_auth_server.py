"""Against a real server in a subprocess (``python -m cti.cli serve``, its normal logging):
no built-in key, forged and stale tokens refused on REST and on ``/ws/board``, and no token
in any log line."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from cti.crm.directory import Directory
from cti.db import make_engine, make_session_factory
from tests.conftest import free_port

SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789"
OLD_BUILT_IN = "change-me-switchboard-dev-secret-32b"  # what every server signed with before
PASSWORD = "switchboard"


@dataclass
class Server:
    url: str
    log: Path
    database_url: str
    process: subprocess.Popen[bytes]

    def ws(self, path: str, access_token: str, *, in_url: bool = False) -> Any:
        target = self.url.replace("http", "ws", 1) + path
        if in_url:
            return connect(f"{target}?token={access_token}", open_timeout=10)
        offer = [Subprotocol("switchboard"), Subprotocol(f"bearer.{access_token}")]
        return connect(target, subprotocols=offer, open_timeout=10)

    def token(self, login: str, password: str = PASSWORD) -> str:
        res = httpx.post(
            f"{self.url}/api/auth/token", data={"username": login, "password": password}
        )
        assert res.status_code == 200, res.text
        return str(res.json()["access_token"])

    def get(self, path: str, access_token: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {access_token}"})


def environment(tmp: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    env.update(
        SWITCHBOARD_DATABASE_URL=f"sqlite:///{tmp / 'switchboard.db'}",
        SWITCHBOARD_CALL_LOG_SPOOL=str(tmp / "spool.jsonl"),
        SWITCHBOARD_DEMO_CALLS_PER_MINUTE="0",
        SWITCHBOARD_DEMO_CUSTOMERS="200",
        SWITCHBOARD_DEMO_AGENTS="8",
        SWITCHBOARD_DEMO_TRAFFIC_DAYS="0",
    )
    env.update({f"SWITCHBOARD_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def serving(tmp: Path, **settings: str) -> Iterator[Server]:
    """The server as an operator starts it, in ``tmp``; stopped with SIGINT at the end."""
    port, log = free_port(), tmp / f"server-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cti.cli", "serve", "--port", str(port)],
            cwd=tmp,
            env=environment(tmp, **settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", log, f"sqlite:///{tmp / 'switchboard.db'}", process)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited: {server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not come up: {server.log.read_text()}")


def refused_to_start(tmp: Path, **settings: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "cti.cli", "serve", "--port", str(free_port())],
        cwd=tmp,
        env=environment(tmp, **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def test_outside_the_demo_the_server_refuses_to_start_without_a_jwt_secret(
    tmp_path: Path,
) -> None:
    lines = refused_to_start(tmp_path, demo="false")
    assert len(lines) == 1 and "SWITCHBOARD_JWT_SECRET" in lines[0], lines
    assert not (tmp_path / "var" / "jwt-secret").exists()


def test_a_jwt_secret_shorter_than_32_bytes_is_refused(tmp_path: Path) -> None:
    lines = refused_to_start(tmp_path, demo="false", jwt_secret="short-secret")
    assert len(lines) == 1 and "SWITCHBOARD_JWT_SECRET" in lines[0] and "32" in lines[0], lines
    assert "short-secret" not in lines[0]


def test_the_demo_makes_a_private_secret_once_and_keeps_it_across_restarts(
    tmp_path: Path,
) -> None:
    key = tmp_path / "var" / "jwt-secret"
    with serving(tmp_path) as server:
        access = server.token("agent01")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_text()
    assert len(first) >= 32 and first != OLD_BUILT_IN
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(access, OLD_BUILT_IN, algorithms=["HS256"])
    with serving(tmp_path) as server:
        assert server.get("/api/auth/me", access).status_code == 200
    assert key.read_text() == first


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("auth-server")
    with serving(tmp, jwt_secret=SECRET, auth_cache_seconds="0.5") as running:
        yield running


def signed(secret: str, login: str, role: str, version: int = 0) -> str:
    now = int(time.time())
    claims = {"sub": login, "role": role, "name": login, "ver": version, "iat": now}
    return jwt.encode({**claims, "exp": now + 600}, secret, algorithm="HS256")


def board_refuses(server: Server, access_token: str) -> bool:
    """Whether ``/ws/board`` refuses this token (at the handshake, or by closing at once)."""
    try:
        with server.ws("/ws/board", access_token) as ws:
            ws.recv(timeout=10)
    except InvalidStatus:
        return True
    return False


def test_a_supervisors_real_token_opens_the_board(server: Server) -> None:
    access = server.token("super01")
    assert server.get("/api/agents", access).status_code == 200
    assert not board_refuses(server, access)


def test_a_token_signed_with_the_old_built_in_secret_is_refused(server: Server) -> None:
    forged = signed(OLD_BUILT_IN, "admin", "admin")
    assert server.get("/api/agents", forged).status_code == 401
    assert board_refuses(server, forged)


def test_a_token_for_a_login_with_no_account_is_refused(server: Server) -> None:
    forged = signed(SECRET, "nobody", "admin")
    assert server.get("/api/agents", forged).status_code == 401
    assert board_refuses(server, forged)


def test_a_role_claim_above_the_accounts_real_role_is_refused(server: Server) -> None:
    forged = signed(SECRET, "agent03", "admin")
    assert server.get("/api/auth/me", forged).json()["role"] == "agent"
    assert server.get("/api/agents", forged).status_code == 403
    assert board_refuses(server, forged)


@pytest.mark.parametrize("change", ["deleted", "disabled", "demoted"])
def test_a_changed_accounts_token_is_refused(server: Server, change: str) -> None:
    """Changed from another process (here, the test's), which announces nothing: the
    server's cache lets the old account live at most SWITCHBOARD_AUTH_CACHE_SECONDS."""
    login = {"deleted": "super02", "disabled": "agent05", "demoted": "super01"}[change]
    access = server.token(login)
    assert server.get("/api/auth/me", access).status_code == 200
    engine = make_engine(server.database_url)
    directory = Directory(make_session_factory(engine))
    try:
        if change == "deleted":
            directory.delete_agent(login)
        elif change == "disabled":
            directory.set_enabled(login, False)
        else:
            directory.set_role(login, "agent")  # type: ignore[arg-type]
    finally:
        engine.dispose()
    time.sleep(1.0)
    assert server.get("/api/auth/me", access).status_code == 401
    assert board_refuses(server, access)


def test_no_token_reaches_any_log_line(tmp_path: Path) -> None:
    with serving(tmp_path, demo_agents="4") as server:
        tokens = [server.token(login) for login in ("agent01", "super01", "admin")]
        wrong = httpx.post(
            f"{server.url}/api/auth/token", data={"username": "agent02", "password": "nope"}
        )
        assert wrong.status_code == 401
        for access in tokens:
            for path in ("/api/auth/me", "/api/queues", "/api/agents", "/api/agents/agent01"):
                server.get(path, access)
        with server.ws("/ws/agent", tokens[0]) as ws:
            ws.recv(timeout=10)
            ws.send('{"type": "ping"}')
            ws.send('{"type": "set_state", "state": "paused", "reason": "break"}')
            ws.recv(timeout=10)
        with server.ws("/ws/board", tokens[1]) as ws:
            ws.recv(timeout=10)
        with pytest.raises(InvalidStatus), server.ws("/ws/agent", tokens[0], in_url=True) as ws:
            ws.recv(timeout=10)  # an old page putting the token in the URL: refused
        board_refuses(server, signed(SECRET[::-1], "admin", "admin"))
        stale = tokens[2]
        httpx.post(f"{server.url}/api/auth/logout", headers={"Authorization": f"Bearer {stale}"})
        server.get("/api/auth/me", stale)
    log = server.log.read_text()
    assert '"WebSocket /ws/agent' in log  # the connects were logged, as uvicorn does
    for access in tokens:
        _, payload, signature = access.split(".")
        for part in (access, payload, signature):
            assert part not in log


def test_the_served_websockets_are_not_compressed_unless_configured(
    server: Server, tmp_path: Path
) -> None:
    """permessage-deflate is off by default (it cost a tenth of the event loop at 1,000
    agents), and ``SWITCHBOARD_WS_COMPRESSION=true`` turns it back on."""
    offers_deflate = server.ws("/ws/board", server.token("admin"))  # the client offers it
    with offers_deflate as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
    with serving(tmp_path, jwt_secret=SECRET, ws_compression="true") as compressed:
        deflating = compressed.ws("/ws/board", compressed.token("super01"))
        with deflating as ws:
            assert "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
