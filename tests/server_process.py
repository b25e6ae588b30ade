"""A real Switchboard server (``switchboard serve``, real uvicorn) as a subprocess on a free
port, its log kept in a file so a test can read what an operator would see."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.support import PASSWORD

#: A secret of the length a production server needs, so the tests do not lean on defaults.
TEST_JWT_SECRET = "switchboard-subprocess-tests-secret-0123456789"


@dataclass(frozen=True, slots=True)
class Server:
    base: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def token(self, login: str, password: str = PASSWORD) -> str:
        res = httpx.post(
            f"{self.base}/api/auth/token",
            data={"username": login, "password": password},
            timeout=30,
        )
        assert res.status_code == 200, res.text
        return str(res.json()["access_token"])


@contextmanager
def serve(workdir: Path, database_url: str, **settings: str) -> Iterator[Server]:
    """A demo server on ``database_url``: small seed, no simulated traffic."""
    port = free_port()
    env = {
        **os.environ,
        "SWITCHBOARD_DATABASE_URL": database_url,
        "SWITCHBOARD_HTTP_PORT": str(port),
        "SWITCHBOARD_CALL_LOG_SPOOL": str(workdir / "call-log-spool.jsonl"),
        "SWITCHBOARD_JWT_SECRET": TEST_JWT_SECRET,
        "SWITCHBOARD_DEMO": "true",
        "SWITCHBOARD_DEMO_PASSWORD": PASSWORD,
        "SWITCHBOARD_DEMO_CALLS_PER_MINUTE": "0",
        "SWITCHBOARD_DEMO_CUSTOMERS": "200",
        "SWITCHBOARD_DEMO_TRAFFIC_DAYS": "0",
        **{f"SWITCHBOARD_{k.upper()}": v for k, v in settings.items()},
    }
    log = workdir / "server.log"
    args = [sys.executable, "-m", "cti.cli", "serve", "--log-level", "info"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            args, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
        server = Server(f"http://127.0.0.1:{port}", log)
        try:
            _wait_until_serving(proc, server)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_serving(proc: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {server.log_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not start: {server.log_text()[-3000:]}")
