"""A database outage against a real server: a throwaway PostgreSQL, stopped and restarted.

While it is down, what needs the database answers 503 ``database-unavailable`` with a
``Retry-After`` (not a 500 and a traceback), ``/readyz`` says the database is down and
``/healthz`` (liveness) stays 200. When it is back, the same requests succeed again.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import URL

from tests.conftest import (
    ServerUnavailable,
    postgres_account,
    run_as,
    throwaway_postgres,
    unavailable,
)
from tests.server_process import Server, serve
from tests.support import PASSWORD

pytestmark = pytest.mark.postgres


class Cluster:
    """Stop and start the throwaway PostgreSQL behind ``url``, as its own account."""

    def __init__(self, url: URL) -> None:
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            row = connection.execute("SHOW data_directory").fetchone()
        assert row is not None
        self.data = Path(str(row[0]))
        self.base = self.data.parent
        self.port = url.port
        self.account = postgres_account()

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.base / "server.log")
        self._pg_ctl("-l", log, "-o", options, "-w", "-t", "30", "start")

    def _pg_ctl(self, *args: str) -> None:
        run_as(self.account, self.base, ["pg_ctl", "-D", str(self.data), *args])


@pytest.fixture
def database() -> Iterator[tuple[URL, Cluster]]:
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        unavailable("PostgreSQL: no initdb/pg_ctl on PATH for a throwaway server")
    try:
        with throwaway_postgres() as url:
            yield url, Cluster(url)
    except ServerUnavailable as exc:
        unavailable(f"PostgreSQL: {exc}")


def _login(server: Server) -> httpx.Response:
    form = {"username": "agent01", "password": PASSWORD}
    return httpx.post(f"{server.base}/api/auth/token", data=form, timeout=30)


def _search(server: Server, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.base}/api/customers?q=an", headers=headers, timeout=30)


def _eventually(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return check()


def _assert_unavailable(res: httpx.Response) -> None:
    assert res.status_code == 503, res.text
    assert res.json()["error_id"] == "database-unavailable"
    assert int(res.headers["Retry-After"]) > 0


def test_a_stopped_database_is_answered_503_and_reported_by_readyz_until_it_is_back(
    database: tuple[URL, Cluster], tmp_path: Path
) -> None:
    url, cluster = database
    with serve(tmp_path, url.render_as_string(hide_password=False)) as server:
        token = server.token("agent01")
        assert _search(server, token).status_code == 200
        assert httpx.get(f"{server.base}/readyz").json()["status"] == "ready"

        cluster.stop()
        _assert_unavailable(_login(server))
        _assert_unavailable(_search(server, token))
        ready = httpx.get(f"{server.base}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["components"]["database"]["status"] == "down"
        assert ready.json()["components"]["engine"]["status"] == "up"
        assert httpx.get(f"{server.base}/healthz").status_code == 200

        cluster.start()
        assert _eventually(lambda: httpx.get(f"{server.base}/readyz").status_code == 200)
        assert _login(server).status_code == 200
        assert _search(server, token).status_code == 200

    log = server.log_text()
    assert "Traceback" not in log
    outage_lines = [line for line in log.splitlines() if "database.unavailable" in line]
    assert len(outage_lines) == 2, outage_lines  # one line for each refused request
