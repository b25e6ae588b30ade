"""Start a real Switchboard server (or the bare peer) as a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(
    args: list[str], env: dict[str, str], port: int, path: str = "/healthz"
) -> Iterator[str]:
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115 - kept open for the child's lifetime
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, base + path, Path(log.name))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready at {url}")


@contextmanager
def switchboard(workdir: Path, **settings: str) -> Iterator[str]:
    port = free_port()
    env = {
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "SWITCHBOARD_HTTP_PORT": str(port),
        **{f"SWITCHBOARD_{k.upper()}": v for k, v in settings.items()},
    }
    args = [sys.executable, "-m", "cti.cli", "serve", "--log-level", "warning"]
    with process(args, env, port) as base:
        yield base
